import Foundation
import Testing

/// The built `nas-train` binary: exit codes and one-line errors for bad input, `--count-params` output.
@Suite struct CommandLineTests {
  /// nas-train next to the test bundle (swift build --build-tests builds every product).
  static var tool: String? {
    let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [bundle, bundle.deletingLastPathComponent()] {
      let path = candidate.appendingPathComponent("nas-train").path
      if FileManager.default.isExecutableFile(atPath: path) { return path }
    }
    return nil
  }

  func run(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: Self.tool!)
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
  }

  func temporaryFile(_ name: String, _ text: String) throws -> String {
    let path = NSTemporaryDirectory() + "train-cli-\(getpid())-" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }

  @Test(.enabled(if: CommandLineTests.tool != nil, "needs a built nas-train"))
  func countParamsPrintsTheReferenceCount() throws {
    let result = try run(["--count-params", "--genotype", "PDARTS", "--layers", "20", "--init-channels", "36",
                          "--input", "3x32x32", "--classes", "100"])
    #expect(result.status == 0)
    #expect(result.out == "3485728\n")
  }

  @Test(.enabled(if: CommandLineTests.tool != nil, "needs a built nas-train"))
  func badInputIsOneLineAndExitOne() throws {
    let malformed = try temporaryFile("malformed.json", "{\"normal\": [")
    let unknownOp = try temporaryFile("unknown.json", """
      {"normal": [{"op": "conv_9x9", "source": 0}, {"op": "skip_connect", "source": 1}],
       "reduce": [{"op": "max_pool_3x3", "source": 0}, {"op": "skip_connect", "source": 1}]}
      """)
    let badSource = try temporaryFile("source.json", """
      {"normal": [{"op": "sep_conv_3x3", "source": 5}, {"op": "skip_connect", "source": 1}],
       "reduce": [{"op": "max_pool_3x3", "source": 0}, {"op": "skip_connect", "source": 1}]}
      """)
    let out = NSTemporaryDirectory() + "train-cli-out-\(getpid())"
    let cases: [([String], String)] = [
      (["--genotype", malformed, "--out", out], "malformed genotype"),
      (["--genotype", unknownOp, "--out", out], "unknown operation 'conv_9x9'"),
      (["--genotype", badSource, "--out", out], "reads state 5"),
      (["--genotype", "NOT_A_GENOTYPE", "--out", out], "unknown genotype"),
      (["--data", "fashion-mnist:/nonexistent/dir", "--out", out], "/nonexistent/dir"),
      (["--data", "mnist", "--out", out], "mnist"),
      (["--init-from", "/nonexistent/model.ckpt", "--out", out], "/nonexistent/model.ckpt"),
      (["--resume", "--out", out + "-none"], "nothing to resume"),
      (["eval", "--model", "/nonexistent/model.ckpt"], "/nonexistent/model.ckpt"),
    ]
    for (arguments, fragment) in cases {
      let result = try run(arguments)
      #expect(result.status == 1, "\(arguments): exit \(result.status), \(result.err)")
      #expect(result.err.hasPrefix("nas-train: error: ") && result.err.contains(fragment), "\(arguments): \(result.err)")
      #expect(result.err.split(separator: "\n").count == 1, "\(arguments): \(result.err)")
    }
  }

  @Test(.enabled(if: CommandLineTests.tool != nil, "needs a built nas-train"))
  func usageErrorsExitTwoAndHelpExitsZero() throws {
    for arguments in [["--bogus"], ["--epochs", "zero", "--out", "x"], ["--epochs", "0", "--out", "x"], [],
                      ["--drop-path", "1.5", "--out", "x"]] {
      let result = try run(arguments)
      #expect(result.status == 2, "\(arguments): exit \(result.status), \(result.err)")
    }
    let help = try run(["--help"])
    #expect(help.status == 0 && help.out.contains("--init-from"))
    let evalHelp = try run(["eval", "--help"])
    #expect(evalHelp.status == 0 && evalHelp.out.contains("--model"))
  }
}
