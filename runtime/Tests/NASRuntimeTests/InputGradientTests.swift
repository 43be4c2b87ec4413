#if canImport(Glibc)
import Glibc
#endif
import NASFormat
@testable import NASRuntime
import Testing

@Suite struct InputGradientTests {
  /// d CE / d input of the reverse pass against central differences of the Double reference, for every sample
  /// of a batch of 2 (each sample's gradient depends only on its own loss), for fp32 and int8 weights.
  @Test(arguments: [TensorDataType.float32, .int8])
  func inputGradientMatchesFiniteDifferences(dataType: TensorDataType) throws {
    let model = try makeNetworkWriter(dataType: dataType, seed: 21).model()
    let runner = InferenceModel(model: model)
    var rng = TestRNG(seed: 4)
    let count = runner.inputCount, labels = [1, 3]
    let input = rng.floats(labels.count * count, -2, 2)
    try runner.prepare(batchSize: labels.count, forGradient: true)
    let destination = runner.inputBuffer
    for i in input.indices { destination[i] = input[i] }
    runner.run()
    let (losses, g) = try runner.backward(labels: labels)
    let gradient = Array(g)
    var checked = 0, bad: [String] = []
    for n in labels.indices {
      let x = input[(n * count)..<((n + 1) * count)].map(Double.init)
      let loss = referenceLoss(model, input: x, label: labels[n])
      #expect(abs(Double(losses[n]) - loss) < 1e-4 * max(1, abs(loss)), "loss \(losses[n]) vs \(loss)")
      let h = 1e-4
      for i in 0..<count {
        var plus = x, minus = x
        plus[i] += h
        minus[i] -= h
        let numeric = (referenceLoss(model, input: plus, label: labels[n])
                       - referenceLoss(model, input: minus, label: labels[n])) / (2 * h)
        let analytic = Double(gradient[n * count + i])
        checked += 1
        if abs(analytic - numeric) > 1e-3 + 1e-2 * abs(numeric) {
          bad.append("sample \(n) element \(i): \(analytic) vs \(numeric)")
        }
      }
    }
    // A few elements may sit within h of a ReLU / max-pool kink of the reference; allow 1 % of them.
    #expect(bad.count * 100 <= checked, "\(bad.count) of \(checked) mismatches, first: \(bad.prefix(5))")
    #expect(gradient.contains { $0 != 0 })
  }

  /// The pixel-space gradient is the input gradient divided by std[c] (chain rule through the normalisation),
  /// checked by finite differences in pixel space.
  @Test func pixelGradientMatchesFiniteDifferences() throws {
    let model = try makeNetworkWriter(seed: 13).model()
    let runner = InferenceModel(model: model)
    var rng = TestRNG(seed: 17)
    let pixels = rng.floats(runner.inputCount, 0.1, 0.9)
    let (_, gradient) = try runner.pixelGradient(unitPixels: pixels, labels: [2])
    let header = model.header, plane = header.inputHeight * header.inputWidth
    func loss(_ p: [Double]) -> Double {
      let x = p.indices.map { (p[$0] - Double(header.mean[$0 / plane])) / Double(header.std[$0 / plane]) }
      return referenceLoss(model, input: x, label: 2)
    }
    let p = pixels.map(Double.init)
    var bad = 0
    for i in stride(from: 0, to: p.count, by: 3) {
      var plus = p, minus = p
      plus[i] += 1e-5
      minus[i] -= 1e-5
      let numeric = (loss(plus) - loss(minus)) / 2e-5
      if abs(Double(gradient[i]) - numeric) > 1e-3 + 1e-2 * abs(numeric) { bad += 1 }
    }
    #expect(bad <= 1, "\(bad) mismatches")
  }

  /// Two backward passes on the same activations give the same gradient (the arena is re-zeroed).
  @Test func backwardIsRepeatable() throws {
    let runner = InferenceModel(model: try makeNetworkWriter(seed: 5).model())
    var rng = TestRNG(seed: 2)
    try runner.prepare(batchSize: 1, forGradient: true)
    _ = try runner.logits(rng.floats(runner.inputCount, -1, 1))
    let first = Array(try runner.backward(labels: [0]).inputGradient)
    let second = Array(try runner.backward(labels: [0]).inputGradient)
    #expect(first == second)
  }
}
