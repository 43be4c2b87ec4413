import NASFormat
@testable import NASRuntime
import Testing

/// A tiny gray 6×6 model with 3 classes: conv 3×3 (ReLU) → flatten → gemm (no pooling, so it is easy to attack).
func makeTinyModel(seed: UInt64, dataType: TensorDataType = .float32) throws -> CompactModel {
  var rng = TestRNG(seed: seed)
  var w = CompactModelWriter(header: ModelHeader(inputChannels: 1, inputHeight: 6, inputWidth: 6,
                                                  classNames: ["x", "y", "z"], mean: [0.5], std: [0.3]))
  let cw = try w.addTensor(name: "c.w", shape: [5, 1, 3, 3], values: rng.floats(45), dataType: dataType)
  let cb = try w.addTensor(name: "c.b", shape: [5], values: rng.floats(5, 0, 0.5), dataType: dataType)
  let fw = try w.addTensor(name: "f.w", shape: [3, 180], values: rng.floats(540, -0.5, 0.5), dataType: dataType)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, fusedReLU: true)), inputs: [0], output: 1, tensors: [cw, cb]))
  w.addOp(GraphOp(.flatten, inputs: [1], output: 2))
  w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [2], output: 3, tensors: [fw]))
  w.outputValue = 3
  return try w.model()
}

/// Images labelled with the model's own clean prediction (so clean accuracy is 100 %), plus a few wrong labels.
func selfLabelledData(_ runner: InferenceModel, count: Int, seed: UInt64) throws -> (images: [UInt8], labels: [Int], clean: Int) {
  var rng = TestRNG(seed: seed)
  let images = rng.bytes(count * runner.inputCount)
  var labels: [Int] = []
  var clean = 0
  for n in 0..<count {
    let pixels = images[(n * runner.inputCount)..<((n + 1) * runner.inputCount)].map { Float($0) / 255 }
    let norm = runner.normalization
    var x = [Float](repeating: 0, count: pixels.count)
    x.withUnsafeMutableBufferPointer { o in pixels.withUnsafeBufferPointer { norm.normalize(o.baseAddress!, unitPixels: $0.baseAddress!, batch: 1) } }
    let predicted = try runner.logits(x).withUnsafeBufferPointer { argmax($0) }
    let label = n % 7 == 3 ? (predicted + 1) % runner.classCount : predicted
    if label == predicted { clean += 1 }
    labels.append(label)
  }
  return (images, labels, clean)
}

@Suite struct AdversarialAuditTests {
  /// Clean accuracy at ε = 0; accuracy falls as ε grows; every perturbation's L∞ ≤ ε exactly.
  @Test(arguments: [TensorDataType.float32, .int8])
  func fgsmLowersAccuracyWithinTheBall(dataType: TensorDataType) throws {
    let runner = InferenceModel(model: try makeTinyModel(seed: 3, dataType: dataType))
    let (images, labels, clean) = try selfLabelledData(runner, count: 60, seed: 9)
    let epsilons: [Float] = [0, 0.01, 0.05, 0.1, 0.3]
    var lInf = [Double](repeating: 0, count: epsilons.count)
    let result = try AdversarialAudit(epsilons: epsilons, attack: .fgsm, batchSize: 7)
      .run(model: runner, images: images, labels: labels) { e, index, pixels, _ in
        let original = images[(index * 36)..<((index + 1) * 36)].map { Double(Float($0) / 255) }
        for i in 0..<36 { lInf[e] = max(lInf[e], abs(Double(pixels[i]) - original[i])) }
        #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
      }
    #expect(result.correct[0] == clean)
    #expect(result.meanLInf[0] == 0)
    for e in epsilons.indices {
      #expect(lInf[e] <= Double(epsilons[e]), "ε \(epsilons[e]): L∞ \(lInf[e])")
      #expect(result.maxLInf[e] <= Double(epsilons[e]))
      #expect(result.correctPerClass[e].reduce(0, +) == result.correct[e])
    }
    #expect(result.meanLInf[1] > 0.009, "FGSM should use nearly all of ε: \(result.meanLInf)")
    #expect(result.correct.last! < result.correct[0], "accuracy \(result.correct)")
    for e in 1..<epsilons.count { #expect(result.correct[e] <= result.correct[e - 1] + 2, "\(result.correct)") }
  }

  /// PGD is at least as strong as FGSM (up to a sample or two), deterministic for a seed and batch-size independent.
  @Test func pgdIsDeterministicAndStrong() throws {
    let runner = InferenceModel(model: try makeTinyModel(seed: 5))
    let (images, labels, _) = try selfLabelledData(runner, count: 40, seed: 2)
    let epsilons: [Float] = [0, 0.05, 0.2]
    let pgd = AdversarialAudit(epsilons: epsilons, attack: .pgd(steps: 5, stepSize: nil), batchSize: 8, seed: 42)
    let a = try pgd.run(model: runner, images: images, labels: labels)
    var other = pgd
    other.batchSize = 5
    let b = try other.run(model: runner, images: images, labels: labels)
    #expect(a == b)
    let fgsm = try AdversarialAudit(epsilons: epsilons).run(model: runner, images: images, labels: labels)
    #expect(a.correct[0] == fgsm.correct[0])
    for e in 1..<epsilons.count {
      #expect(a.correct[e] <= fgsm.correct[e] + 2, "pgd \(a.correct) fgsm \(fgsm.correct)")
      #expect(a.maxLInf[e] <= Double(epsilons[e]))
    }
  }

  @Test func badParametersThrow() throws {
    let runner = InferenceModel(model: try makeTinyModel(seed: 1))
    #expect(throws: RuntimeError.self) {
      try AdversarialAudit(epsilons: [-0.1]).run(model: runner, images: [UInt8](repeating: 0, count: 36), labels: [0])
    }
    #expect(throws: RuntimeError.labelOutOfRange(label: 3, classCount: 3)) {
      try AdversarialAudit(epsilons: [0.1]).run(model: runner, images: [UInt8](repeating: 0, count: 36), labels: [3])
    }
  }

  @Test func projectionKeepsTheBallExact() {
    var rng = TestRNG(seed: 3)
    for _ in 0..<10_000 {
      let c = rng.float(0, 1), e = rng.float(0, 0.3), v = rng.float(-1, 2)
      let p = project(v, around: c, epsilon: e)
      #expect(abs(Double(p) - Double(c)) <= Double(e) && p >= 0 && p <= 1)
    }
  }
}
