#if canImport(Glibc)
import Glibc
#endif
import NASFormat
@testable import NASRuntime
import Testing

@Suite struct DARTSNetworkTests {
  /// A small PC_DARTS network (C=4, L=5, 3×16×16, reductions at cells 1 and 3) against the Double reference,
  /// with its input gradient spot-checked by central differences.
  @Test func smallPCDARTSNetworkMatchesReference() throws {
    let model = try DARTSNetworkBuilder.make(channels: 3, height: 16, width: 16, initChannels: 4, layers: 5, seed: 3).model()
    let runner = InferenceModel(model: model)
    var rng = TestRNG(seed: 12)
    let input = rng.floats(runner.inputCount, -2, 2)
    try runner.prepare(batchSize: 1, forGradient: true)
    let logits = try runner.logits(input)
    let x = input.map(Double.init)
    let expected = referenceLogits(model, input: x)
    let (ratio, index) = worstRatio(logits, expected, rtol: 1e-4, atol: 1e-4)
    #expect(ratio <= 1, "worst logit \(index): \(logits) vs \(expected)")

    let label = 7
    let g = Array(try runner.backward(labels: [label]).inputGradient)
    var bad: [String] = []
    for _ in 0..<24 {
      let i = rng.int(below: x.count)
      var plus = x, minus = x
      plus[i] += 1e-4
      minus[i] -= 1e-4
      let numeric = (referenceLoss(model, input: plus, label: label) - referenceLoss(model, input: minus, label: label)) / 2e-4
      if abs(Double(g[i]) - numeric) > 1e-3 + 2e-2 * abs(numeric) { bad.append("\(i): \(g[i]) vs \(numeric)") }
    }
    #expect(bad.count <= 1, "\(bad)")
  }

  /// Writes the bench fixtures when NAS_RUNTIME_FIXTURE_DIR is set (used by `make bench` before nas-export
  /// exists): fixture-size C=16 L=8 1×28×28 and paper-size C=36 L=20 3×32×32, PC_DARTS, fp32 and int8.
  @Test func writeBenchFixtures() throws {
    guard let dir = getenv("NAS_RUNTIME_FIXTURE_DIR").map({ String(cString: $0) }) else { return }
    for (name, c, h, cells, channels) in [("pcdarts-c16-l8-28", 1, 28, 8, 16), ("pcdarts-c36-l20-32", 3, 32, 20, 36)] {
      for type in [TensorDataType.float32, .int8] {
        let writer = try DARTSNetworkBuilder.make(channels: c, height: h, width: h, initChannels: channels,
                                                  layers: cells, dataType: type, seed: 1)
        try writer.write(toPath: "\(dir)/\(name)-\(type).nasb")
      }
    }
  }
}
