#if canImport(Glibc)
import Glibc
#endif
import ImageDatasets
import NASFormat
import PNGImage
import Testing

/// The result of running a process to completion.
struct ProcessResult {
  var status: Int32
  var standardOutput: String
  var standardError: String
}

/// The directory of the running test binary; the built `nas-infer` sits next to it.
func buildDirectory() -> String {
  var buffer = [CChar](repeating: 0, count: 4096)
  let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
  precondition(n > 0, "readlink /proc/self/exe failed")
  let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  return String(path[..<path.lastIndex(of: "/")!])
}

func scratchDirectory(_ name: String) -> String {
  let dir = "/tmp/nas-runtime-tests-\(getpid())-\(name)"
  mkdir(dir, 0o755)
  return dir
}

func readText(_ path: String) -> String {
  guard let f = fopen(path, "rb") else { return "" }
  defer { fclose(f) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = fread(&chunk, 1, chunk.count, f)
    if n <= 0 { break }
    bytes += chunk[0..<n]
  }
  return String(decoding: bytes, as: UTF8.self)
}

func writeBytes(_ bytes: [UInt8], to path: String) {
  let f = fopen(path, "wb")!
  _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
  fclose(f)
}

/// Runs `executable` with `arguments` (and extra environment), stdout and stderr captured through files.
func runProcess(_ executable: String, _ arguments: [String], environment: [String] = [], in dir: String) -> ProcessResult {
  let out = dir + "/stdout.txt", err = dir + "/stderr.txt"
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  posix_spawn_file_actions_addopen(&actions, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
  let argv = ([executable] + arguments).map { strdup($0) } + [nil]
  var env: [String] = []
  var e = environ
  while let p = e.pointee {
    let s = String(cString: p)
    if !s.hasPrefix("NAS_MODEL=") { env.append(s) }
    e += 1
  }
  let envp = (env + environment).map { strdup($0) } + [nil]
  defer {
    argv.forEach { free($0) }
    envp.forEach { free($0) }
  }
  var pid: pid_t = 0
  let rc = posix_spawn(&pid, executable, &actions, nil, argv, envp)
  precondition(rc == 0, "posix_spawn \(executable) failed: \(rc)")
  var status: Int32 = 0
  waitpid(pid, &status, 0)
  let exitCode = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
  return ProcessResult(status: exitCode, standardOutput: readText(out), standardError: readText(err))
}

@Suite(.serialized) struct NASInferCLITests {
  let tool = buildDirectory() + "/nas-infer"

  /// A tiny model and two readable PNGs (RGB 9×7 and gray 6×6) plus a corrupt one, in a fresh folder.
  func fixtures(_ name: String) throws -> (dir: String, model: String) {
    let dir = scratchDirectory(name)
    let model = dir + "/tiny.nasb"
    var writer = CompactModelWriter(header: try makeTinyModel(seed: 3).header)
    let tiny = try makeTinyModel(seed: 3)
    for (i, t) in tiny.tensors.enumerated() {
      _ = try writer.addTensor(name: t.name, shape: t.shape, values: tiny.floatValues(ofTensor: i))
    }
    for op in tiny.graph.ops { writer.addOp(op) }
    writer.outputValue = tiny.graph.outputValue
    try writer.write(toPath: model)
    var rng = TestRNG(seed: 1)
    try PixelImage(width: 9, height: 7, channels: 3, pixels: rng.bytes(189)).writePNG(toFile: dir + "/rgb.png")
    try PixelImage(width: 6, height: 6, channels: 1, pixels: rng.bytes(36)).writePNG(toFile: dir + "/gray.png")
    var corrupt = try PixelImage(width: 6, height: 6, channels: 1, pixels: rng.bytes(36)).pngData()
    corrupt.removeLast(corrupt.count / 2)
    writeBytes(corrupt, to: dir + "/corrupt.png")
    return (dir, model)
  }

  @Test func helpExitsZero() throws {
    let dir = scratchDirectory("help")
    let r = runProcess(tool, ["--help"], in: dir)
    #expect(r.status == 0)
    #expect(r.standardOutput.contains("USAGE: nas-infer"))
    let audit = runProcess(tool, ["audit", "--help"], in: dir)
    #expect(audit.status == 0 && audit.standardOutput.contains("--pgd-steps"))
  }

  @Test func usageErrorsExitTwo() throws {
    let dir = scratchDirectory("usage")
    let r = runProcess(tool, ["--bogus", "x.png"], in: dir)
    #expect(r.status == 2)
    #expect(r.standardError.hasPrefix("nas-infer: error: unknown option '--bogus'"))
    #expect(runProcess(tool, ["--top-k", "0", "x.png"], in: dir).status == 2)
  }

  @Test func classifiesAndReportsCorruptPNGs() throws {
    let (dir, model) = try fixtures("classify")
    let r = runProcess(tool, ["--model", model, "--top-k", "2", dir + "/rgb.png", dir + "/corrupt.png",
                              dir + "/gray.png"], in: dir)
    #expect(r.status == 1)
    let lines = r.standardOutput.split(separator: "\n")
    #expect(lines.count == 2, "\(r.standardOutput)")
    #expect(lines.first?.hasPrefix(dir + "/rgb.png: ") == true)
    #expect(lines.last?.hasPrefix(dir + "/gray.png: ") == true)
    let errors = r.standardError.split(separator: "\n")
    #expect(errors.count == 1 && errors[0].hasPrefix("nas-infer: error: \(dir)/corrupt.png: "), "\(r.standardError)")

    // $NAS_MODEL and --json; probabilities of the top-3 (all classes) sum to 1.
    let j = runProcess(tool, ["--json", "--top-k", "3", dir + "/gray.png"], environment: ["NAS_MODEL=\(model)"], in: dir)
    #expect(j.status == 0, "\(j.standardError)")
    #expect(j.standardOutput.hasPrefix("{\"image\":\"\(dir)/gray.png\",\"class\":"))
  }

  @Test func badModelsGiveOneLineErrors() throws {
    let (dir, model) = try fixtures("badmodel")
    var bytes = Array(readText(model).utf8)
    bytes = try CompactModelReader.read(path: model).bytes.buffer.map { $0 }
    writeBytes(Array(bytes.prefix(bytes.count - 10)), to: dir + "/truncated.nasb")
    var flipped = bytes
    flipped[200] ^= 0x40
    writeBytes(flipped, to: dir + "/flipped.nasb")
    writeBytes(Array("hello, not a model".utf8), to: dir + "/foreign.nasb")
    for name in ["truncated", "flipped", "foreign", "missing"] {
      let r = runProcess(tool, ["--model", dir + "/\(name).nasb", dir + "/gray.png"], in: dir)
      #expect(r.status == 1, "\(name)")
      #expect(r.standardError.hasPrefix("nas-infer: error: ") && r.standardError.split(separator: "\n").count == 1,
              "\(name): \(r.standardError)")
      #expect(r.standardOutput.isEmpty)
    }
    // No model at all: ./model.nasb is missing in this folder.
    #expect(runProcess(tool, [dir + "/gray.png"], in: dir).status == 1)
  }

  @Test func auditAndBenchWriteJSON() throws {
    let (dir, model) = try fixtures("audit")
    // An ImageFolder with 3 classes named like the model's classes.
    var rng = TestRNG(seed: 4)
    for (c, name) in ["x", "y", "z"].enumerated() {
      mkdir(dir + "/data", 0o755)
      mkdir(dir + "/data/\(name)", 0o755)
      for i in 0..<3 {
        try PixelImage(width: 6, height: 6, channels: 1, pixels: rng.bytes(36)).writePNG(toFile: dir + "/data/\(name)/\(c)\(i).png")
      }
    }
    let r = runProcess(tool, ["audit", "--model", model, "--data", dir + "/data", "--eps", "0,0.1", "--attack", "pgd",
                              "--pgd-steps", "3", "--json", dir + "/report.json", "--save-adversarial", dir + "/adv"],
                       in: dir)
    #expect(r.status == 0, "\(r.standardError)")
    #expect(r.standardOutput.contains("per-class accuracy"))
    let report = readText(dir + "/report.json")
    #expect(report.hasPrefix("{\"model\":") && report.contains("\"mean_linf\""))
    #expect(PixelImageProbe.exists(dir + "/adv/eps-0.1/0-label0-pred"), "adversarial PNGs")

    let b = runProcess(tool, ["bench", "--model", model, "--runs", "5"], in: dir)
    #expect(b.status == 0, "\(b.standardError)")
    #expect(b.standardOutput.contains("\"median_ms\":") && b.standardOutput.contains("\"peak_rss_kib\":"))
  }

  /// `samples` writes readable, labelled PNGs (one class after another) and refuses a missing --out.
  @Test(.enabled(if: FashionMNIST.isInstalledFromDebian, "needs the dataset-fashion-mnist package"))
  func samplesWritesLabelledPNGs() throws {
    let dir = scratchDirectory("samples")
    let r = runProcess(tool, ["samples", "--count", "3", "--out", dir + "/png"], in: dir)
    #expect(r.status == 0, "\(r.standardError)")
    let paths = r.standardOutput.split(separator: "\n").map(String.init)
    #expect(paths.count == 3)
    #expect(paths.first?.hasSuffix("-T_shirt_top.png") == true && paths.last?.hasSuffix("-Pullover.png") == true)
    for path in paths {
      let image = try PixelImage(pngFile: path, channels: .gray)
      #expect(image.width == 28 && image.height == 28)
    }
    #expect(runProcess(tool, ["samples", "--count", "3"], in: dir).status == 2)
  }
}

/// Checks for a file whose name starts with a prefix (the predicted class is part of the name).
enum PixelImageProbe {
  static func exists(_ prefix: String) -> Bool {
    let dir = String(prefix[..<prefix.lastIndex(of: "/")!]), start = String(prefix[prefix.index(after: prefix.lastIndex(of: "/")!)...])
    guard let d = opendir(dir) else { return false }
    defer { closedir(d) }
    while let entry = readdir(d) {
      let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
      if name.hasPrefix(start) && name.hasSuffix(".png") { return true }
    }
    return false
  }
}
