import Foundation
import NN
import Testing

/// Runs the built `nas-export` (next to the test bundle) as a user would.
@Suite struct ExportCommandTests {
  static let tool: String? = {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var directory = executable.deletingLastPathComponent()
    for _ in 0..<4 {
      let candidate = directory.appendingPathComponent("nas-export").path
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
      directory = directory.deletingLastPathComponent()
    }
    return nil
  }()

  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  func run(_ args: [String], in directory: String) throws -> Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.tool!)
    process.arguments = args
    process.currentDirectoryURL = URL(fileURLWithPath: directory)
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                  stderr: String(decoding: stderr, as: UTF8.self))
  }

  func files(_ directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
  }

  @Test(.enabled(if: tool != nil, "nas-export is not built next to the tests"))
  func helpAndErrors() throws {
    let directory = ExportFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let help = try run(["--help"], in: directory)
    #expect(help.status == 0 && help.stdout.contains("USAGE: nas-export"))

    let noCheckpoint = try run(["out.onnx"], in: directory)
    #expect(noCheckpoint.status == 1 && noCheckpoint.stderr.contains("--from CKPT is required"), "\(noCheckpoint)")

    try Data("this is not a checkpoint".utf8).write(to: URL(fileURLWithPath: directory + "/foreign.ckpt"))
    let foreign = try run(["--from", "foreign.ckpt", "out.onnx"], in: directory)
    #expect(foreign.status == 1, "\(foreign)")
    #expect(foreign.stderr.split(separator: "\n").count == 1 && foreign.stderr.contains("foreign.ckpt"), "\(foreign)")

    var search = Checkpoint(metadata: "{\"kind\":\"search\"}")
    search.set("alpha", .init(shape: [2], values: [1, 2]))
    try search.write(to: directory + "/search.ckpt")
    let wrongKind = try run(["--from", "search.ckpt", "out.onnx"], in: directory)
    #expect(wrongKind.status == 1 && wrongKind.stderr.contains("not a model checkpoint"), "\(wrongKind)")

    let usage = try run(["--from", "x.ckpt", "--precision", "int4", "out.onnx"], in: directory)
    #expect(usage.status == 2, "\(usage)")
    #expect(files(directory) == ["foreign.ckpt", "search.ckpt"], "no partial output may be left behind")
  }

  @Test(.enabled(if: tool != nil, "nas-export is not built next to the tests"))
  func exportsDiscoveredCheckpointAsONNXAndInt8() throws {
    let directory = ExportFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    try FileManager.default.createDirectory(atPath: directory + "/runs/a", withIntermediateDirectories: true)
    let network = try ExportFixtures.network()
    try Checkpoint(model: network, description: ExportFixtures.description()).write(to: directory + "/runs/a/model.ckpt")
    let result = try run(["--precision", "int8", "--samples", "16", "--json", "out/model.onnx"], in: directory)
    #expect(result.status == 0, "\(result)")
    #expect(files(directory + "/out") == ["model.nasb", "model.onnx"])
    let info = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
    #expect(info["from"] as? String == "runs/a/model.ckpt")
    #expect(info["agreement_samples"] as? Int == 16)
    #expect((info["top1_agreement"] as? Double).map { $0 >= 0 && $0 <= 1 } == true, "\(info)")
    // The stem and classifier are quantised too exactly when that keeps the agreement at the threshold (0.99).
    let agreement = info["top1_agreement"] as? Double ?? -1
    #expect(info["int8_stem_and_classifier"] as? Bool == (agreement >= 0.99), "\(info)")
    let kept = try run(["--precision", "int8", "--samples", "16", "--min-agreement", "1.01", "--json",
                        "--compact", "out/kept.nasb", "out/kept.onnx"], in: directory)
    #expect(kept.status == 0, "\(kept)")
    let keptInfo = try JSONSerialization.jsonObject(with: Data(kept.stdout.utf8)) as? [String: Any] ?? [:]
    #expect(keptInfo["int8_stem_and_classifier"] as? Bool == false, "\(keptInfo)")
    if info["int8_stem_and_classifier"] as? Bool == true {
      #expect((info["compact_bytes"] as? Int ?? 0) < (keptInfo["compact_bytes"] as? Int ?? 0), "\(info) \(keptInfo)")
    }
    let bad = try run(["--precision", "int8", "--min-agreement", "high", "x.onnx"], in: directory)
    #expect(bad.status == 2 && bad.stderr.contains("min-agreement"), "\(bad)")

    // The compact file cannot be written (its folder would be inside a file): exit 1 and no ONNX file either.
    let blocked = try run(["--compact", "runs/a/model.ckpt/m.nasb", "out2/model.onnx"], in: directory)
    #expect(blocked.status == 1, "\(blocked)")
    #expect(!FileManager.default.fileExists(atPath: directory + "/out2/model.onnx"))

    try FileManager.default.createDirectory(atPath: directory + "/runs/b", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: directory + "/runs/a/model.ckpt", toPath: directory + "/runs/b/model.ckpt")
    let ambiguous = try run(["other.onnx"], in: directory)
    #expect(ambiguous.status == 1 && ambiguous.stderr.contains("2 trained models found"), "\(ambiguous)")
  }
}
