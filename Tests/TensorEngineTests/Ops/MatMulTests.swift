import Testing
import TensorEngine
import EngineTestSupport

/// (M, K) · (K, N) sizes: odd, degenerate, and big enough for the threaded GEMM path.
private let matmulSizes: [[Int]] = [[1, 1, 1], [3, 5, 7], [7, 1, 9], [13, 17, 11], [70, 90, 50]]

private func referenceMatmul(_ a: [Float], _ b: [Float], m: Int, k: Int, n: Int) -> [Float] {
  var out: [Float] = []
  for i in 0..<m {
    for j in 0..<n {
      var sum = 0.0
      for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * n + j]) }
      out.append(Float(sum))
    }
  }
  return out
}

extension EngineOpTests {
  @Suite struct MatMulOpTests {
    @Test(arguments: matmulSizes)
    func forwardMatchesReference(_ size: [Int]) {
      let (m, k, n) = (size[0], size[1], size[2])
      let a = randomTensor([m, k], seed: 1), b = randomTensor([k, n], seed: 2)
      let y = a.matmul(b)
      #expect(y.shape == [m, n])
      let expected = referenceMatmul(a.values, b.values, m: m, k: k, n: n)
      #expect(mismatch(y.values, expected, rtol: 1e-5, atol: 2e-6 * Float(k)) == nil, "\(size)")
    }

    @Test(arguments: matmulSizes.prefix(4))
    func gradientsMatchFiniteDifferences(_ size: [Int]) {
      let (m, k, n) = (size[0], size[1], size[2])
      let report = checkGradients([randomTensor([m, k], seed: 3), randomTensor([k, n], seed: 4)],
                                  eps: 1e-2, rtol: 1e-3, atol: 1e-3) { t in t[0].matmul(t[1]) }
      #expect(report.passed, "\(size): \(report)")
    }

    @Test func transposedMovesElementsAndGradients() {
      let x = randomTensor([3, 5], seed: 5)
      let y = x.transposed()
      #expect(y.shape == [5, 3])
      let xv = x.values, yv = y.values
      var moved = true
      for i in 0..<3 {
        for j in 0..<5 where yv[j * 3 + i] != xv[i * 5 + j] { moved = false }
      }
      #expect(moved)
      let report = checkGradients([randomTensor([37, 41], seed: 6)], eps: 1e-2, rtol: 1e-3, atol: 1e-3) { t in
        t[0].transposed()
      }
      #expect(report.passed, "\(report)")
    }

    @Test func productWithTransposeMatchesReference() {
      // A · Bᵀ through the composition, gradient included.
      let report = checkGradients([randomTensor([4, 6], seed: 7), randomTensor([5, 6], seed: 8)],
                                  eps: 1e-2, rtol: 1e-3, atol: 1e-3) { t in t[0].matmul(t[1].transposed()) }
      #expect(report.passed, "\(report)")
    }

    @Test func oneAndTwoThreadsAgreeBitForBit() {
      let inputs = [randomTensor([70, 90], seed: 9), randomTensor([90, 50], seed: 10)]
      let one = withEngineThreads(1) { outputAndGradients(inputs) { t in t[0].matmul(t[1]) } }
      let two = withEngineThreads(2) { outputAndGradients(inputs) { t in t[0].matmul(t[1]) } }
      #expect(one == two)
    }
  }
}
