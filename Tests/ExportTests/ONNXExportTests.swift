import Foundation
import Freezer
import NN
import ONNXWriter
import Testing
import TensorEngine

/// The venv's Python with onnx + onnxruntime (`make venv`), or nil when it is absent.
let venvPython: String? = {
  let path = ExportFixtures.repositoryRoot + "/.venv/bin/python"
  return FileManager.default.isExecutableFile(atPath: path) ? path : nil
}()
/// In CI (`CI` set) the venv must exist: `make test` creates it, so a missing one is a failure, not a skip.
let onnxruntimeRequired = ProcessInfo.processInfo.environment["CI"] != nil

@Suite struct ONNXExportTests {
  @Test(arguments: [17, 13])
  func exportedModelPassesCheckerAndShapeInference(opset: Int) throws {
    let graph = try Freezer.freeze(try ExportFixtures.network(), description: ExportFixtures.description())
    let bytes = try ONNXWriter.serialize(graph, opset: opset)
    #expect(bytes.count > graph.weightCount * 4)
  }

  @Test func invalidGraphIsRejectedByTheChecker() throws {
    var graph = try Freezer.freeze(try ExportFixtures.network(), description: ExportFixtures.description())
    let gemm = graph.nodes.last!.tensors[0]
    graph.tensors[gemm].shape.reverse()    // (F, K) instead of (K, F): Gemm's inner dimensions disagree
    #expect(throws: ONNXExportError.self) { try ONNXWriter.serialize(graph) }
    let message = checkerMessage(try ONNXWriter.modelBytes(graph))
    #expect(message?.contains("shape inference") == true, "\(message ?? "a mismatched Gemm passed validation")")
    #expect(throws: ONNXExportError.invalidModel("not a valid serialized onnx.ModelProto")) {
      try ONNXWriter.validate([0xFF, 0xFF, 0xFF])
    }
    #expect(throws: ONNXExportError.unsupportedOpset(12)) { try ONNXWriter.serialize(graph, opset: 12) }
  }

  @Test func onnxruntimeMatchesEngineAtBatch1And8AndOpset13() throws {
    guard let python = venvPython else {
      if onnxruntimeRequired { Issue.record("CI is set but .venv is missing: run `make venv` (make test does)") }
      print("ONNXExportTests: skipping the onnxruntime comparison: no .venv (run `make venv`)")
      return
    }
    let network = try ExportFixtures.network()
    let graph = try Freezer.freeze(network, description: ExportFixtures.description())
    let directory = ExportFixtures.temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for (opset, batch) in [(17, 1), (17, 8), (13, 8)] {
      let modelPath = directory + "/model\(opset).onnx"
      try Data(try ONNXWriter.serialize(graph, opset: opset)).write(to: URL(fileURLWithPath: modelPath))
      let x = ExportFixtures.inputs(batch, seed: UInt64(batch))
      let expected = ExportFixtures.engineLogits(network, x).values
      let inputPath = directory + "/input\(batch).f32", outputPath = directory + "/logits\(batch).f32"
      try x.values.withUnsafeBytes { try Data($0).write(to: URL(fileURLWithPath: inputPath)) }
      let report = try runPython(python, [ExportFixtures.repositoryRoot + "/fixtures/gen/onnxruntime_logits.py",
                                          modelPath, inputPath, "\(batch)", outputPath])
      let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
      let actual = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
      #expect(actual.count == batch * 10)
      let difference = ExportFixtures.maxDifference(actual, expected)
      #expect(difference <= 1e-4, "opset \(opset), batch \(batch): max |onnxruntime − engine| = \(difference)")

      let info = try JSONSerialization.jsonObject(with: Data(report.utf8)) as! [String: Any]
      #expect(info["input"] as? String == "input" && info["output"] as? String == "logits")
      #expect((info["input_dims"] as? [Any])?.first as? String == "N", "dynamic batch: \(info)")
      #expect(info["opset"] as? Int == opset && info["ir_version"] as? Int == 8)
      let metadata = info["metadata"] as? [String: String] ?? [:]
      #expect(metadata["input_size"] == "1x28x28")
      #expect(metadata["class_names"]?.contains("Ankle boot") == true)
      #expect(metadata["genotype"] == ExportFixtures.allOperationsGenotype.jsonString())
      #expect(metadata["mean"] != nil && metadata["std"] != nil)
      let ops = Set(info["ops"] as? [String] ?? [])
      #expect(ops.isSubset(of: ["Conv", "Relu", "MaxPool", "AveragePool", "Add", "Concat", "Slice",
                                "GlobalAveragePool", "Flatten", "Gemm"]), "\(ops)")
    }
  }

  /// libonnx's complaint about `bytes`, nil when it passes.
  func checkerMessage(_ bytes: [UInt8]) -> String? {
    do {
      try ONNXWriter.validate(bytes)
      return nil
    } catch {
      if case let .invalidModel(message) = error { return message }
      return "\(error)"
    }
  }

  /// Runs `python args`, returning stdout; a non-zero exit is a thrown error carrying stderr.
  func runPython(_ python: String, _ args: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = args
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
        "python exited \(process.terminationStatus): \(String(decoding: stderr, as: UTF8.self))"])
    }
    return String(decoding: stdout, as: UTF8.self)
  }
}
