import Testing
@testable import NASKernels

/// One direct product: out (m, n) = bias + w · x, out += w · x, or out = residual + (bias + w · x), with w read
/// through arbitrary strides.
private struct PointwiseCase: CustomStringConvertible, Sendable {
  var m: Int, n: Int, k: Int
  /// w[i, p] at i·wRowStride + p·wColumnStride; nil strides mean row-major (k, 1).
  var wRowStride: Int? = nil, wColumnStride: Int? = nil
  var bias = true, accumulate = false
  /// Extra columns in the rows of out and x.
  var slack = 0
  /// A residual (m, n) with out's row stride: 1 a separate buffer, 2 out itself (its initial values).
  var residual = 0
  /// max(·, 0) of the result.
  var relu = false
  var description: String {
    "\(m)×\(n)×\(k) w strides \(wRowStride ?? k),\(wColumnStride ?? 1) bias \(bias) accumulate \(accumulate) "
      + "slack \(slack) residual \(residual) relu \(relu)"
  }
}

// Row counts around the 8- (AVX-512) and 4-row (AVX2) tiles, column counts around one vector (8 or 16) and a
// strip (32 or 48): full strips, single vectors, overlapping tails (n ≥ one vector) and padded tails (n
// narrower than a vector, or accumulating). The three weight layouts: row-major, transposed, both strided.
private let pointwiseCases: [PointwiseCase] = [
  PointwiseCase(m: 64, n: 49, k: 64),
  PointwiseCase(m: 32, n: 196, k: 32, bias: false),
  PointwiseCase(m: 16, n: 784, k: 16),
  PointwiseCase(m: 9, n: 53, k: 7),
  PointwiseCase(m: 1, n: 15, k: 5),
  PointwiseCase(m: 7, n: 100, k: 1, slack: 3),
  PointwiseCase(m: 13, n: 3, k: 20, accumulate: true),
  PointwiseCase(m: 23, n: 71, k: 17, wRowStride: 1, wColumnStride: 23, accumulate: true),
  PointwiseCase(m: 6, n: 47, k: 33, wRowStride: 1, wColumnStride: 8, slack: 1),
  PointwiseCase(m: 11, n: 40, k: 9, wRowStride: 1, wColumnStride: 11, accumulate: true, slack: 5),
  PointwiseCase(m: 5, n: 31, k: 6, wRowStride: 13, wColumnStride: 2),
  PointwiseCase(m: 10, n: 17, k: 4, wRowStride: 3, wColumnStride: 31, bias: false, accumulate: true),
  PointwiseCase(m: 3, n: 9, k: 260),
  // Residuals: dot-product tails (49 columns), padded tails (k below a vector, n below a vector), full strips,
  // the transposed layout, no bias, the residual being out itself.
  PointwiseCase(m: 64, n: 49, k: 64, residual: 1),
  PointwiseCase(m: 9, n: 53, k: 7, residual: 1),
  PointwiseCase(m: 16, n: 784, k: 16, slack: 2, residual: 2),
  PointwiseCase(m: 1, n: 15, k: 5, residual: 1),
  PointwiseCase(m: 13, n: 3, k: 20, bias: false, residual: 1),
  PointwiseCase(m: 6, n: 47, k: 33, wRowStride: 1, wColumnStride: 8, slack: 1, residual: 1),
  PointwiseCase(m: 37, n: 196, k: 160, residual: 2),
  // ReLU in the stores: full strips and overlapping tail, dot-product tail, padded tail, with residuals.
  PointwiseCase(m: 9, n: 53, k: 20, relu: true),
  PointwiseCase(m: 64, n: 49, k: 64, residual: 1, relu: true),
  PointwiseCase(m: 9, n: 53, k: 7, residual: 1, relu: true),
  PointwiseCase(m: 5, n: 31, k: 6, wRowStride: 13, wColumnStride: 2, relu: true),
  PointwiseCase(m: 16, n: 784, k: 16, slack: 2, residual: 2, relu: true),
]

@Suite struct PointwiseConv2DTests {
  @Test(arguments: pointwiseCases)
  fileprivate func matchesNaiveReference(_ t: PointwiseCase) {
    let rowStride = t.wRowStride ?? t.k, columnStride = t.wColumnStride ?? 1
    let wCount = (t.m - 1) * rowStride + (t.k - 1) * columnStride + 1
    let ld = t.n + t.slack
    let w = convTestValues(wCount, seed: 41), x = convTestValues(t.k * ld, seed: 42)
    let bias = convTestValues(t.m, seed: 43), out0 = convTestValues(t.m * ld, seed: 44)
    // The residual: a separate buffer, or out's initial values (read through out itself).
    let residual = t.residual == 1 ? convTestValues(t.m * ld, seed: 47) : out0
    var expected = out0
    for i in 0..<t.m {
      for j in 0..<t.n {
        var sum = t.accumulate ? Double(out0[i * ld + j]) : (t.bias ? Double(bias[i]) : 0)
        if t.residual > 0 { sum += Double(residual[i * ld + j]) }
        for p in 0..<t.k { sum += Double(w[i * rowStride + p * columnStride]) * Double(x[p * ld + j]) }
        expected[i * ld + j] = Float(t.relu ? max(sum, 0) : sum)
      }
    }
    var results: [[Float]] = []
    for threads in [1, 2] {
      var out = out0
      out.withUnsafeMutableBufferPointer { o in
        bias.withUnsafeBufferPointer { b in
          residual.withUnsafeBufferPointer { r in
            let rp = t.residual == 2 ? UnsafePointer(o.baseAddress!) : t.residual == 1 ? r.baseAddress! : nil
            pointwiseProduct(o.baseAddress!, ldo: ld, w, wRowStride: rowStride, wColumnStride: columnStride, x,
                             ldx: ld, bias: t.bias ? b.baseAddress! : nil, m: t.m, n: t.n, k: t.k,
                             accumulate: t.accumulate, residual: rp, relu: t.relu, threads: threads)
          }
        }
      }
      let tolerance = 2e-6 * Float(t.k) + 2e-6
      let result = convTestCompare(out, expected) { _ in tolerance }
      #expect(result.mismatches.isEmpty, "\(t) threads \(threads): max diff \(result.maxDiff) \(result.mismatches)")
      results.append(out)
    }
    #expect(results[0] == results[1], "\(t): 1 and 2 threads differ")
    if t.residual > 0 || t.relu {
      // Bit for bit the plain product plus the residual, one Float add per element (a conv then an add), then
      // the ReLU.
      var plain = out0
      plain.withUnsafeMutableBufferPointer { o in
        bias.withUnsafeBufferPointer { b in
          pointwiseProduct(o.baseAddress!, ldo: ld, w, wRowStride: rowStride, wColumnStride: columnStride, x,
                           ldx: ld, bias: t.bias ? b.baseAddress! : nil, m: t.m, n: t.n, k: t.k, accumulate: false)
        }
      }
      var separate = out0
      for i in 0..<t.m {
        for j in 0..<t.n {
          let v = t.residual > 0 ? residual[i * ld + j] + plain[i * ld + j] : plain[i * ld + j]
          separate[i * ld + j] = t.relu && v < 0 ? 0 : v
        }
      }
      #expect(results[0] == separate, "\(t): differs from the product then the add")
    }
  }

  @Test func overwritesNaNAndLeavesSlackAlone() {
    // Without `accumulate` every output is written, whatever was there; columns past n are never touched.
    let m = 9, n = 21, k = 5, ld = 24
    let w = convTestValues(m * k, seed: 45), x = convTestValues(k * ld, seed: 46)
    var out = [Float](repeating: .nan, count: m * ld)
    for i in 0..<m { for j in n..<ld { out[i * ld + j] = 7 } }
    out.withUnsafeMutableBufferPointer { o in
      pointwiseProduct(o.baseAddress!, ldo: ld, w, wRowStride: k, wColumnStride: 1, x, ldx: ld, bias: nil,
                       m: m, n: n, k: k, accumulate: false)
    }
    for i in 0..<m {
      #expect(out[(i * ld)..<(i * ld + n)].allSatisfy { $0.isFinite }, "row \(i)")
      #expect(out[(i * ld + n)..<(i * ld + ld)].allSatisfy { $0 == 7 }, "row \(i) slack")
    }
  }
}
