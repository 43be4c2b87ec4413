import Testing
@testable import NASKernels

private struct GemmCase: CustomStringConvertible, Sendable {
  var m: Int, n: Int, k: Int
  var transposeA = false, transposeB = false
  var alpha: Float = 1, beta: Float = 0
  /// Extra columns in each leading dimension (operands that are sub-matrices of wider ones).
  var slack = 0
  var description: String {
    "\(m)×\(n)×\(k) tA \(transposeA) tB \(transposeB) α \(alpha) β \(beta) slack \(slack)"
  }
}

private let gemmCases: [GemmCase] = [
  GemmCase(m: 1, n: 1, k: 1),
  GemmCase(m: 7, n: 13, k: 5),
  GemmCase(m: 6, n: 16, k: 256),
  GemmCase(m: 13, n: 35, k: 300, transposeA: true),
  GemmCase(m: 100, n: 50, k: 17, transposeB: true),
  GemmCase(m: 37, n: 29, k: 263, transposeA: true, transposeB: true, alpha: -0.5, beta: 0.75),
  GemmCase(m: 16, n: 784, k: 16, beta: 1),
  GemmCase(m: 75, n: 9, k: 33, alpha: 2, beta: 1, slack: 3),
  GemmCase(m: 9, n: 75, k: 513, transposeA: true, transposeB: true, slack: 5),
  GemmCase(m: 3, n: 4100, k: 5, transposeB: true),
  GemmCase(m: 5, n: 7, k: 0, beta: 0.5),
  // Direct-kernel shapes (no packing): full strips, single vectors, overlapping and padded tails, every row
  // remainder of the 8- (AVX-512) and 4-row (AVX2) tiles, A read transposed, β = 1 accumulation.
  GemmCase(m: 64, n: 49, k: 64),
  GemmCase(m: 32, n: 196, k: 32, beta: 1),
  GemmCase(m: 15, n: 97, k: 9, transposeA: true),
  GemmCase(m: 13, n: 50, k: 21, transposeA: true, beta: 1, slack: 2),
  GemmCase(m: 7, n: 5, k: 40, beta: 1),
  GemmCase(m: 17, n: 64, k: 3, slack: 1),
  GemmCase(m: 6, n: 33, k: 1000),
  GemmCase(m: 3, n: 1, k: 2),
]

@Suite struct GemmTests {
  @Test(arguments: gemmCases)
  fileprivate func matchesNaiveReference(_ t: GemmCase) {
    let (aRows, aCols) = t.transposeA ? (t.k, t.m) : (t.m, t.k)
    let (bRows, bCols) = t.transposeB ? (t.n, t.k) : (t.k, t.n)
    let lda = max(aCols, 1) + t.slack, ldb = max(bCols, 1) + t.slack, ldc = t.n + t.slack
    let a = convTestValues(max(aRows * lda, 1), seed: 1)
    let b = convTestValues(max(bRows * ldb, 1), seed: 2)
    let c0 = convTestValues(t.m * ldc, seed: 3)
    var expected = c0
    for i in 0..<t.m {
      for j in 0..<t.n {
        var sum = 0.0
        for p in 0..<t.k {
          let av = t.transposeA ? a[p * lda + i] : a[i * lda + p]
          let bv = t.transposeB ? b[j * ldb + p] : b[p * ldb + j]
          sum += Double(av) * Double(bv)
        }
        expected[i * ldc + j] = Float(Double(t.alpha) * sum + Double(t.beta) * Double(c0[i * ldc + j]))
      }
    }
    // `sgemm` (which picks the direct kernel for small products) and the packed kernel on its own.
    for blocked in [false, true] {
      for threads in [1, 2] {
        var c = c0
        c.withUnsafeMutableBufferPointer { cp in
          if blocked {
            sgemmBlocked(cp.baseAddress!, ldc: ldc, a, lda: lda, transposeA: t.transposeA, b, ldb: ldb,
                         transposeB: t.transposeB, m: t.m, n: t.n, k: t.k, alpha: t.alpha, beta: t.beta,
                         threads: threads)
          } else {
            sgemm(cp.baseAddress!, ldc: ldc, a, lda: lda, transposeA: t.transposeA, b, ldb: ldb,
                  transposeB: t.transposeB, m: t.m, n: t.n, k: t.k, alpha: t.alpha, beta: t.beta, threads: threads)
          }
        }
        let tolerance = 2e-6 * Float(t.k) + 1e-6
        let result = convTestCompare(c, expected) { _ in tolerance }
        #expect(result.mismatches.isEmpty,
                "\(t) blocked \(blocked) threads \(threads): max diff \(result.maxDiff) \(result.mismatches)")
      }
    }
  }

  @Test func threadCountDoesNotChangeBits() {
    // Big enough to be split: the packed kernel over rows, then (few rows) over columns; the direct kernel over
    // row blocks, with and without a row remainder, and with an overlapping or a dot-product column tail.
    for (m, n, k, blocked) in [(96, 200, 300, true), (8, 3000, 70, true), (64, 784, 64, false),
                               (44, 1000, 30, false), (71, 994, 24, false)] {
      let a = convTestValues(m * k, seed: 4), b = convTestValues(k * n, seed: 5)
      var results: [[Float]] = []
      for threads in [1, 2, 3] {
        var c = [Float](repeating: 0, count: m * n)
        c.withUnsafeMutableBufferPointer { cp in
          if blocked {
            sgemmBlocked(cp.baseAddress!, ldc: n, a, lda: k, transposeA: false, b, ldb: n, transposeB: false,
                         m: m, n: n, k: k, alpha: 1, beta: 0, threads: threads)
          } else {
            #expect(pointwiseProductFits(m: m, n: n, k: k))
            sgemm(cp.baseAddress!, ldc: n, a, lda: k, b, ldb: n, m: m, n: n, k: k, threads: threads)
          }
        }
        results.append(c)
      }
      #expect(results[0] == results[1] && results[0] == results[2], "\(m)×\(n)×\(k)")
    }
  }

  @Test func betaZeroOverwritesNaN() {
    var c = [Float](repeating: .nan, count: 4)
    let a: [Float] = [1, 2, 3, 4], b: [Float] = [1, 0, 0, 1]
    c.withUnsafeMutableBufferPointer { cp in
      sgemm(cp.baseAddress!, ldc: 2, a, lda: 2, b, ldb: 2, m: 2, n: 2, k: 2)
    }
    #expect(c == [1, 2, 3, 4])
  }
}
