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

  /// Compact sizes relative to the ONNX file (issue 5: fp32 ≤ ONNX, int8 ≤ 30%), for small networks too.
  /// Tiny networks carry relatively more overhead (a 3×3 depthwise channel is 9 int8 bytes plus a 2-byte fp16
  /// scale; every tensor a table entry and a 64-byte alignment), so the bound is checked at C=8 L=5 as well.
  /// The int8 file is what nas-export writes when the agreement report allows it: stem and classifier in int8
  /// too. With them in fp32 (the fallback) the size is printed; the plain 1.0 tables are printed for reference.
  @Test(arguments: [(8, 5), (16, 5), (36, 20)])
  func sizesAgainstONNX(initChannels: Int, layers: Int) throws {
    let network = try ExportFixtures.network(initChannels: initChannels, layers: layers)
    let graph = try Freezer.freeze(network, description: ExportFixtures.description(initChannels: initChannels, layers: layers))
    let onnx = try ONNXWriter.serialize(graph).count
    let fp32 = try graph.compactWriter(precision: .fp32).serialized().count
    let fp16 = try graph.compactWriter(precision: .fp16).serialized().count
    let int8 = try graph.compactWriter(precision: .int8, quantizeEnds: true).serialized().count
    let int8FP32Ends = try graph.compactWriter(precision: .int8).serialized().count
    var plainWriter = try graph.compactWriter(precision: .int8, quantizeEnds: true)
    plainWriter.encoding = .plain
    let int8Plain = try plainWriter.serialized().count
    func percent(_ n: Int) -> String { "\((Double(n) / Double(onnx) * 1000).rounded() / 10)%" }
    print("CompactExportTests: C=\(initChannels) L=\(layers): ONNX \(onnx) B, fp32 \(fp32) B (\(percent(fp32))), "
          + "fp16 \(fp16) B (\(percent(fp16))), int8 \(int8) B (\(percent(int8))); int8 with fp32 stem/classifier "
          + "\(int8FP32Ends) B (\(percent(int8FP32Ends))), int8 with 1.0 tables \(int8Plain) B (\(percent(int8Plain)))")
    #expect(fp32 <= onnx, "fp32 compact \(fp32) B > ONNX \(onnx) B")
    #expect(fp16 < fp32 && int8 < int8FP32Ends && int8FP32Ends < fp16 && int8 < int8Plain)
    #expect(Double(int8) <= 0.3 * Double(onnx), "int8 compact \(int8) B > 30% of ONNX \(onnx) B")
  }

  @Test func reducedPrecisionAgreesWithFP32() throws {
    let network = try ExportFixtures.network()
    let graph = try Freezer.freeze(network, description: ExportFixtures.description())
    let x = ExportFixtures.inputs(32, seed: 9)
    let logits = graph.evaluate(x).values
    let spread = logits.map(abs).max()!
    var differences: [String: Float] = [:]
    for (precision, quantizeEnds) in [(WeightPrecision.fp16, false), (.int8, false), (.int8, true)] {
      let model = try graph.compactWriter(precision: precision, quantizeEnds: quantizeEnds).model()
      let report = PrecisionReport(reference: graph, candidate: FrozenGraph(compactModel: model), inputs: x)
      let name = "\(precision)" + (quantizeEnds ? " (stem and classifier too)" : "")
      print("CompactExportTests: \(name) vs fp32: agreement \(report.top1Agreement), "
            + "max logit difference \(report.maxLogitDifference) (max |logit| \(spread))")
      differences[name] = report.maxLogitDifference
      #expect(report.samples == 32)
      #expect(report.maxLogitDifference > 0, "\(precision) weights should differ from fp32 somewhere")
      // The runtime executes the same dequantised weights.
      let executed = try runtimeLogits(model, x)
      let interpreted = FrozenGraph(compactModel: model).evaluate(x).values
      #expect(ExportFixtures.maxDifference(executed, interpreted) <= 1e-4)
    }
    #expect(differences["fp16"]! < 0.01 * spread)
    #expect(differences["int8"]! < 0.1 * spread)
    #expect(differences["int8 (stem and classifier too)"]! < 0.1 * spread)
    #expect(differences["fp16"]! < differences["int8"]!)
  }

  @Test func int8KeepsFirstAndLastLayerInFP32AndBiasesInFP16() throws {
    let graph = try Freezer.freeze(try ExportFixtures.network(), description: ExportFixtures.description())
    let model = try graph.compactWriter(precision: .int8).model()
    for t in model.tensors {
      let expected: TensorDataType = t.name.hasPrefix("stem.") || t.name.hasPrefix("classifier.") ? .float32
        : t.shape.count == 1 ? .float16 : .int8
      #expect(t.dataType == expected, "\(t.name)")
      #expect(t.offset % 64 == 0, "\(t.name) at \(t.offset)")
    }
    let all = try graph.compactWriter(precision: .int8, quantizeEnds: true).model()
    #expect(all.metadataValue(forKey: "precision") == "int8 (stem and classifier too)")
    for t in all.tensors {
      #expect(t.dataType == (t.shape.count == 1 ? .float16 : .int8), "\(t.name)")
    }
  }
}
