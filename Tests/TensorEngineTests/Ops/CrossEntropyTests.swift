import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct CrossEntropyTests {
    /// −(1/N) Σ_n logSoftmax(x)[n, y_n], composed from primitives (gather as a one-hot product).
    private func composedLoss(_ logits: Tensor, _ labels: [Int]) -> Tensor {
      let (n, k) = (logits.shape[0], logits.shape[1])
      var oneHot = [Float](repeating: 0, count: n * k)
      for (r, label) in labels.enumerated() { oneHot[r * k + label] = 1 }
      return logits.logSoftmax().multiplied(by: Tensor(shape: [n, k], values: oneHot)).sum().scaled(by: -1 / Float(n))
    }

    @Test(arguments: [(5, 10), (1, 3), (17, 7)])
    func matchesCompositionAndGradients(_ rows: Int, _ classes: Int) {
      let logits = randomTensor([rows, classes], seed: 120, low: -4, high: 4)
      var rng = PRNG(seed: 121)
      let labels = (0..<rows).map { _ in rng.nextInt(below: classes) }
      let fused = Tensor.crossEntropy(logits: logits, labels: labels)
      #expect(fused.shape == [])
      #expect(abs(fused.scalarValue - composedLoss(logits, labels).scalarValue) < 1e-5)

      let a = logits.requiringGrad(), b = logits.requiringGrad()
      Tensor.crossEntropy(logits: a, labels: labels).backward()
      composedLoss(b, labels).backward()
      if let p = mismatch(a.grad!.values, b.grad!.values, rtol: 1e-4, atol: 1e-6) { Issue.record("gradients: \(p)") }
      let report = checkGradients([logits]) { Tensor.crossEntropy(logits: $0[0], labels: labels) }
      #expect(report.passed, "\(report)")
    }

    @Test func stableForLargeLogitsAndUniformIsLogK() {
      let big = Tensor(shape: [1, 3], values: [1000, 0, -1000])
      #expect(Tensor.crossEntropy(logits: big, labels: [0]).scalarValue == 0)
      #expect(abs(Tensor.crossEntropy(logits: big, labels: [1]).scalarValue - 1000) < 1e-3)
      let uniform = Tensor(zeros: [4, 10])
      #expect(abs(Tensor.crossEntropy(logits: uniform, labels: [0, 3, 9, 5]).scalarValue - 2.3025851) < 1e-6)
    }

    @Test func top1CountsFirstMaximum() {
      let logits = Tensor(shape: [4, 3], values: [0.1, 0.9, 0.0,   2, 1, 0,   0, 0, 5,   1, 1, 0])
      #expect(Tensor.top1Correct(logits: logits, labels: [1, 0, 2, 1]) == 3)  // last row ties → class 0
      #expect(Tensor.top1Correct(logits: logits, labels: [0, 1, 0, 0]) == 1)
    }
  }
}
