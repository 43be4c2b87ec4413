import Freezer
import NASFormat
import NASRuntime
import NN
import ONNXWriter
import Testing
import TensorEngine

@Suite struct CompactExportTests {
  /// Runs the compact model with the runtime executor on (N, C, H, W) inputs.
  func runtimeLogits(_ model: CompactModel, _ x: Tensor) throws -> [Float] {
    let runner = InferenceModel(model: model)
    try runner.prepare(batchSize: x.shape[0])
    let input = runner.inputBuffer
    let values = x.values
    for i in 0..<values.count { input[i] = values[i] }
    return Array(runner.run())
  }

  @Test func fp32RoundTripThroughReaderAndRuntime() throws {
    let network = try ExportFixtures.network()
    let description = ExportFixtures.description()
    let graph = try Freezer.freeze(network, description: description)
    let bytes = try graph.compactWriter(precision: .fp32).serialized()
    let model = try CompactModelReader.parse(bytes)
    #expect(model.header.classNames == description.classNames)
    #expect(model.header.mean == [0.2860] && model.header.std == [0.3530])
    #expect(model.metadataValue(forKey: "genotype") == description.genotype.jsonString())
    #expect(model.metadataValue(forKey: "precision") == "fp32")

    let x = ExportFixtures.inputs(8, seed: 3)
    let expected = ExportFixtures.engineLogits(network, x).values
    let interpreted = FrozenGraph(compactModel: model).evaluate(x).values
    #expect(interpreted == graph.evaluate(x).values, "fp32 weights must survive the file bit for bit")
    let executed = try runtimeLogits(model, x)
    let difference = ExportFixtures.maxDifference(executed, expected)
    #expect(difference <= 1e-4, "max |runtime − engine| = \(difference)")
    #expect(ExportFixtures.argmaxes(executed, classes: 10) == ExportFixtures.argmaxes(expected, classes: 10))
  }

  /// Compact sizes relative to the ONNX file. Every tensor costs a table entry and up to 63 bytes of alignment,
  /// and every int8 output channel a 4-byte scale (a 3×3 depthwise channel is 9 bytes of int8 plus 4 of scale),
  /// so tiny networks carry relatively more overhead: the 30% int8 bound is checked at DARTS' evaluation size
  /// (C=36, L=20); C=8 (≈37%) and C=16 (≈31%) are printed.
  @Test(arguments: [(8, 5), (16, 5), (36, 20)])
  func sizesAgainstONNX(initChannels: Int, layers: Int) throws {
    let network = try ExportFixtures.network(initChannels: initChannels, layers: layers)
    let graph = try Freezer.freeze(network, description: ExportFixtures.description(initChannels: initChannels, layers: layers))
    let onnx = try ONNXWriter.serialize(graph).count
    let fp32 = try graph.compactWriter(precision: .fp32).serialized().count
    let fp16 = try graph.compactWriter(precision: .fp16).serialized().count
    let int8 = try graph.compactWriter(precision: .int8).serialized().count
    let ratio = Double(int8) / Double(onnx)
    print("CompactExportTests: C=\(initChannels) L=\(layers): ONNX \(onnx) B, fp32 \(fp32) B, fp16 \(fp16) B, "
          + "int8 \(int8) B (\((ratio * 1000).rounded() / 10)% of ONNX)")
    #expect(fp32 <= onnx, "fp32 compact \(fp32) B > ONNX \(onnx) B")
    #expect(fp16 < fp32 && int8 < fp16)
    if initChannels >= 36 { #expect(ratio <= 0.3, "int8 compact \(int8) B > 30% of ONNX \(onnx) B") }
  }

  @Test func reducedPrecisionAgreesWithFP32() throws {
    let network = try ExportFixtures.network()
    let graph = try Freezer.freeze(network, description: ExportFixtures.description())
    let x = ExportFixtures.inputs(32, seed: 9)
    let logits = graph.evaluate(x).values
    let spread = logits.map(abs).max()!
    var differences: [WeightPrecision: Float] = [:]
    for precision in [WeightPrecision.fp16, .int8] {
      let model = try graph.compactWriter(precision: precision).model()
      let report = PrecisionReport(reference: graph, candidate: FrozenGraph(compactModel: model), inputs: x)
      print("CompactExportTests: \(precision) vs fp32: agreement \(report.top1Agreement), "
            + "max logit difference \(report.maxLogitDifference) (max |logit| \(spread))")
      differences[precision] = report.maxLogitDifference
      #expect(report.samples == 32)
      #expect(report.maxLogitDifference > 0, "\(precision) weights should differ from fp32 somewhere")
      // The runtime executes the same dequantised weights.
      let executed = try runtimeLogits(model, x)
      let interpreted = FrozenGraph(compactModel: model).evaluate(x).values
      #expect(ExportFixtures.maxDifference(executed, interpreted) <= 1e-4)
    }
    #expect(differences[.fp16]! < 0.01 * spread)
    #expect(differences[.int8]! < 0.1 * spread)
    #expect(differences[.fp16]! < differences[.int8]!)
  }

  @Test func int8KeepsFirstAndLastLayerInFP32AndBiasesInFP16() throws {
    let graph = try Freezer.freeze(try ExportFixtures.network(), description: ExportFixtures.description())
    let model = try graph.compactWriter(precision: .int8).model()
    for t in model.tensors {
      let expected: TensorDataType = t.name.hasPrefix("stem.") || t.name.hasPrefix("classifier.") ? .float32
        : t.shape.count == 1 ? .float16 : .int8
      #expect(t.dataType == expected, "\(t.name)")
    }
  }
}
