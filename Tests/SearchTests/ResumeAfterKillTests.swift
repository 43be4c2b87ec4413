import Foundation
import Glibc
import ImageDatasets
import NN
import Testing

/// `kill -9` in the middle of a search, then `--resume`: the result must equal an uninterrupted run's.
@Suite(.serialized) struct ResumeAfterKillTests {
  /// nas-search next to the test bundle (swift build --build-tests builds every product).
  static var tool: String? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
      let path = candidate.appendingPathComponent("nas-search").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }

  static let arguments = ["--method", "pcp", "--subset", "96", "--batch", "16", "--epochs", "2",
                          "--warmup-epochs", "1", "--stage-layers", "3,3,3", "--init-channels", "8",
                          "--threads", "1", "--json"]

  func run(_ extra: [String]) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.tool!)
    process.arguments = Self.arguments + extra
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  func scratch(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "resume-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    return path
  }

  func epochLines(_ dir: String) -> [String] {
    let text = (try? String(contentsOfFile: dir + "/search.jsonl", encoding: .utf8)) ?? ""
    return text.split(separator: "\n").map {
      $0.replacingOccurrences(of: #""seconds":[0-9.e-]+,"#, with: "", options: .regularExpression)
    }
  }

  @Test(.enabled(if: FashionMNIST.isInstalledFromDebian && ResumeAfterKillTests.tool != nil,
                 "needs Fashion-MNIST and a built nas-search"))
  func killedSearchResumesToTheSameResult() throws {
    let reference = scratch("reference")
    let uninterrupted = try run(["--out", reference])
    uninterrupted.waitUntilExit()
    #expect(uninterrupted.terminationStatus == 0)

    let killed = scratch("killed")
    let victim = try run(["--out", killed])
    // Wait until at least two epochs are checkpointed (mid stage 2 of 3), then SIGKILL.
    let deadline = Date().addingTimeInterval(120)
    while epochLines(killed).count < 3 && victim.isRunning && Date() < deadline { usleep(5_000) }
    let wasRunning = victim.isRunning
    kill(victim.processIdentifier, SIGKILL)
    victim.waitUntilExit()
    #expect(wasRunning, "the search finished before it could be killed")
    let checkpointed = epochLines(killed).count
    #expect(checkpointed < 6)

    let resumed = try run(["--out", killed, "--resume"])
    resumed.waitUntilExit()
    #expect(resumed.terminationStatus == 0)

    let a = try Genotype(json: Data(contentsOf: URL(fileURLWithPath: reference + "/genotype.json")))
    let b = try Genotype(json: Data(contentsOf: URL(fileURLWithPath: killed + "/genotype.json")))
    #expect(a == b)
    // Every epoch's losses, accuracies, softmax(α) and β agree exactly.
    #expect(epochLines(reference) == epochLines(killed), "resumed after \(checkpointed) epochs")
    // And the final weights and α are bit-identical.
    let finalA = try Checkpoint.read(path: reference + "/checkpoint.ckpt")
    let finalB = try Checkpoint.read(path: killed + "/checkpoint.ckpt")
    #expect(finalA.entries.count == finalB.entries.count)
    for (name, tensor) in finalA.entries {
      #expect(finalB[name]?.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "\(name) differs")
    }
  }

  @Test(.enabled(if: ResumeAfterKillTests.tool != nil))
  func resumeWithoutACheckpointFailsClearly() throws {
    let empty = scratch("empty")
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.tool!)
    process.arguments = ["--out", empty, "--resume"]
    let pipe = Pipe()
    process.standardError = pipe
    try process.run()
    process.waitUntilExit()
    let message = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == 1)
    #expect(message.hasPrefix("nas-search: error: nothing to resume"))
    #expect(message.split(separator: "\n").count == 1)
  }

  /// Bad input: a one-line error on stderr and the documented exit code (2 usage, 1 failure), never a crash.
  @Test(.enabled(if: ResumeAfterKillTests.tool != nil),
        arguments: [(["--method", "bogus", "--out", "/tmp/x"], Int32(2), "unknown method 'bogus'"),
                     (["--epochs", "abc", "--out", "/tmp/x"], Int32(2), "invalid value 'abc' for '--epochs'"),
                     (["--method", "pc"], Int32(2), "--out is required"),
                     (["--method", "pc", "--data", "cifar10:/nonexistent", "--out", "/tmp/x"], Int32(1),
                      "dataset folder not found: /nonexistent"),
                     (["--method", "pc", "--init-channels", "6", "--subset", "20", "--out", "/tmp/x"], Int32(1),
                      "cannot be split into K = 4"),
                     (["--method", "darts", "--second-order", "--method", "pc", "--out", "/tmp/x"], Int32(1),
                      "--second-order applies to --method darts only")])
  func badInvocationsFailWithOneLine(arguments: [String], status: Int32, message: String) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.tool!)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardError = pipe
    process.standardOutput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    let stderr = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    #expect(process.terminationStatus == status, "\(arguments): \(stderr)")
    let firstLine = stderr.split(separator: "\n").first.map(String.init) ?? ""
    #expect(firstLine.hasPrefix("nas-search: error: ") && firstLine.contains(message), "\(stderr)")
  }
}
