import Testing
import TensorEngine
import EngineTestSupport

extension EngineOpTests {
  @Suite struct BarlowTwinsTests {
    @Test func lossByHandOnATinyInput() {
      // za = [[1, 0], [3, 4]], zb = [[2, 5], [0, 1]] (N = 2, D = 2). Per dimension, normalising two values gives
      // ∓d/sqrt(d² + eps) with half-gap d: a0 = 1/sqrt(1 + 1e-5), a1 = 2/sqrt(4 + 1e-5) and b = a.
      // ẑa = [[−a0, −a1], [a0, a1]], ẑb = [[b0, b1], [−b0, −b1]] → C_ij = −a_i·b_j.
      // L = (1 + a0·b0)² + (1 + a1·b1)² + λ(a0²b1² + a1²b0²) ≈ 4 + 4 + 2λ.
      let za = Tensor(shape: [2, 2], values: [1, 0, 3, 4]), zb = Tensor(shape: [2, 2], values: [2, 5, 0, 1])
      let a0 = 1 / (1 + 1e-5).squareRoot(), a1 = 2 / (4 + 1e-5).squareRoot()
      let lambda = 0.5
      let expected = (1 + a0 * a0) * (1 + a0 * a0) + (1 + a1 * a1) * (1 + a1 * a1) + lambda * 2 * a0 * a0 * a1 * a1
      let loss = Tensor.barlowTwinsLoss(za, zb, lambda: Float(lambda)).scalarValue
      #expect(abs(Double(loss) - expected) < 1e-5, "loss \(loss), expected \(expected)")
      #expect(abs(loss - 9) < 1e-3)
      let c = Tensor.crossCorrelation(za.batchNormalized(), zb.batchNormalized()).values
      #expect(abs(Double(c[0]) + a0 * a0) < 1e-6 && abs(Double(c[1]) + a0 * a1) < 1e-6)
    }

    @Test func crossCorrelationMatchesReferenceAndGradients() {
      let a = randomTensor([7, 3], seed: 130), b = randomTensor([7, 5], seed: 131)
      let c = Tensor.crossCorrelation(a, b)
      #expect(c.shape == [3, 5])
      var expected: [Float] = []
      for i in 0..<3 {
        for j in 0..<5 {
          var sum = 0.0
          for n in 0..<7 { sum += Double(a.values[n * 3 + i]) * Double(b.values[n * 5 + j]) }
          expected.append(Float(sum / 7))
        }
      }
      if let p = mismatch(c.values, expected, rtol: 1e-5, atol: 1e-6) { Issue.record(Comment(rawValue: p)) }
      let report = checkGradients([a, b]) { t in Tensor.crossCorrelation(t[0], t[1]) }
      #expect(report.passed, "\(report)")
    }

    @Test func lossMatchesNaiveReferenceAndGradients() {
      let za = randomTensor([6, 4], seed: 132, low: -2, high: 2), zb = randomTensor([6, 4], seed: 133, low: -1, high: 3)
      let lambda: Float = 0.25
      // Naive reference in Double.
      func normalised(_ z: Tensor) -> [[Double]] {
        let (n, d) = (z.shape[0], z.shape[1])
        var out = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
        for j in 0..<d {
          let column = (0..<n).map { Double(z.values[$0 * d + j]) }
          let mean = column.reduce(0, +) / Double(n)
          let variance = column.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
          for i in 0..<n { out[i][j] = (column[i] - mean) / (variance + 1e-5).squareRoot() }
        }
        return out
      }
      let na = normalised(za), nb = normalised(zb)
      var expected = 0.0
      for i in 0..<4 {
        for j in 0..<4 {
          var c = 0.0
          for n in 0..<6 { c += na[n][i] * nb[n][j] }
          c /= 6
          expected += i == j ? (1 - c) * (1 - c) : Double(lambda) * c * c
        }
      }
      let loss = Tensor.barlowTwinsLoss(za, zb, lambda: lambda).scalarValue
      #expect(abs(Double(loss) - expected) < 1e-4 * max(1, expected), "loss \(loss), expected \(expected)")
      let report = checkGradients([za, zb]) { t in Tensor.barlowTwinsLoss(t[0], t[1], lambda: lambda) }
      #expect(report.passed, "\(report)")
      let objective = checkGradients([randomTensor([5, 5], seed: 134)]) { t in
        Tensor.barlowTwinsObjective(correlation: t[0], lambda: lambda)
      }
      #expect(objective.passed, "\(objective)")
    }
  }
}
