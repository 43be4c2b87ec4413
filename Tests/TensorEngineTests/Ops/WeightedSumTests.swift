import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct WeightedSumTests {
    @Test(arguments: [[7], [2, 3, 5, 5], [1, 3, 129]])
    func forwardMatchesReferenceAndGradients(_ shape: [Int]) {
      let xs = (0..<3).map { randomTensor(shape, seed: UInt64(10 + $0)) }
      let weights = randomTensor([2, 4], seed: 20)
      let indices = [5, 0, 7]
      let y = Tensor.weightedSum(xs, weights: weights, indices: indices)
      let w = weights.values
      var expected = [Float](repeating: 0, count: xs[0].count)
      for i in expected.indices {
        var sum = 0.0
        for k in 0..<3 { sum += Double(w[indices[k]]) * Double(xs[k].values[i]) }
        expected[i] = Float(sum)
      }
      if let p = mismatch(y.values, expected, rtol: 1e-5, atol: 1e-6) { Issue.record("\(shape): \(p)") }
      let report = checkGradients(xs + [weights]) { t in
        Tensor.weightedSum(Array(t[0..<3]), weights: t[3], indices: indices)
      }
      #expect(report.passed, "\(shape): \(report)")
    }

    @Test func mixedOpThroughSoftmaxOfAlphaRows() {
      // Σ_o softmax(α_e)[o] · op_o(x) for edge e = 1 of a (3, 4) α, with op 0 ("none") left out of the sum.
      let x = tensorAwayFromZero([2, 3, 5, 5], seed: 30)
      let alpha = randomTensor([3, 4], seed: 31)
      let report = checkGradients([x, alpha]) { t in
        let w = t[1].softmax()
        let ops = [t[0], t[0].relu(), t[0].avgPool2d(kernel: 3, stride: 1, padding: 1)]
        return Tensor.weightedSum(ops, weights: w, indices: [4 + 1, 4 + 2, 4 + 3])
      }
      #expect(report.passed, "\(report)")
    }

    @Test func repeatedIndexAccumulatesAndScaledByElement() {
      let x = Tensor(shape: [3], values: [1, 2, 3]), z = Tensor(shape: [3], values: [4, 5, 6])
      let w = Tensor(shape: [2], values: [0.5, 2]).requiringGrad()
      let y = Tensor.weightedSum([x, z], weights: w, indices: [1, 1])
      #expect(y.values == [10, 14, 18])
      y.backward(gradient: Tensor(shape: [3], repeating: 1))
      #expect(w.grad!.values == [0, 21])  // Σx + Σz
      let s = x.scaled(by: Tensor(shape: [2], values: [3, -1]), index: 1)
      #expect(s.values == [-1, -2, -3])
      #expect(Tensor.weightedSum([x, z], weights: Tensor(shape: [2], values: [1, 1])).values == [5, 7, 9])
    }

    @Test func sameTensorInSeveralTermsAccumulates() {
      // x is terms 0 and 1, so dy/dx = w0 + w1 everywhere (on 2 threads, where a racy backward would lose adds).
      let x = randomTensor([2, 4, 65, 65], seed: 45)
      let w = Tensor(shape: [2], values: [0.25, 1.5])
      let leaf = x.requiringGrad()
      withEngineThreads(2) {
        Tensor.weightedSum([leaf, leaf], weights: w).backward(gradient: Tensor(shape: x.shape, repeating: 1))
      }
      #expect(leaf.grad!.values.allSatisfy { $0 == 1.75 })
    }

    @Test func oneAndTwoThreadsAgreeBitForBit() {
      let xs = (0..<4).map { randomTensor([2, 8, 33, 33], seed: UInt64(40 + $0)) }
      let weights = randomTensor([4], seed: 50)
      let f: ([Tensor]) -> Tensor = { t in Tensor.weightedSum(Array(t[0..<4]), weights: t[4]) }
      let one = withEngineThreads(1) { outputAndGradients(xs + [weights], f) }
      let two = withEngineThreads(2) { outputAndGradients(xs + [weights], f) }
      #expect(one == two)
    }
  }
}
