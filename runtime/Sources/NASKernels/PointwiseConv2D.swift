// Direct kernel for 1×1 convs with a short reduction (few input channels, as in PC-DARTS's partial channels:
// C/K = 4, 8, 16). Per image such a conv is a tiny (Cout, Cin)·(Cin, H·W) product where packing and call
// overheads dominate a GEMM; here each block of 4 output rows × 16 columns keeps 8 SIMD8 accumulators in
// registers, reads x straight from the image, and writes each output once.

/// Reduction lengths (Cin in forward, Cout in the input gradient) up to which 1×1 stride-1 convs use
/// `pointwiseProduct` instead of a GEMM. Measured with nas-bench, batch 64, one thread, release with
/// `-target-cpu haswell` on the 2-core EPYC VM (noisy: other builds running): forward 4→4 channels at 28×28
/// 35 GFLOP/s as one OpenBLAS GEMM per image (24 with the Swift GEMM) → 65–70 direct; 16→16 at 28×28
/// 81 → ~100. Past 16 channels the blocked GEMM wins (the reduction amortises its packing).
let pointwiseDirectMaxReduction = 16

/// out (m, n) = bias + w · x, or with `accumulate` out += w · x, where w[i, p] = w[i·wRowStride + p·wColumnStride]
/// (so a transposed weight needs no copy).
///
/// - Parameters:
///   - out: (m, n), contiguous rows
///   - x: (k, n), contiguous rows
///   - bias: (m) or nil; ignored with `accumulate`
func pointwiseProduct(_ out: UnsafeMutablePointer<Float>, _ w: UnsafePointer<Float>, wRowStride: Int,
                      wColumnStride: Int, _ x: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                      m: Int, n: Int, k: Int, accumulate: Bool) {
  let fullColumns = n / 16 * 16
  var r = 0
  while r < m {
    let rows = min(4, m - r)
    var c = 0
    while c < fullColumns {
      pointwiseTile(out + r * n + c, ldo: n, w + r * wRowStride, wRowStride, wColumnStride, x + c, ldx: n,
                    bias: bias.map { $0 + r }, rows: rows, k: k, accumulate: accumulate)
      c += 16
    }
    r += 4
  }
  if fullColumns == n { return }
  // Right edge: copy the last < 16 columns of x into a zero-padded (k, 16) block, compute a (m, 16) block, keep
  // the valid columns.
  let width = n - fullColumns
  let xTail = allocateAligned(k * 16), outTail = allocateAligned(4 * 16)
  defer {
    releaseAligned(xTail, k * 16)
    releaseAligned(outTail, 4 * 16)
  }
  xTail.update(repeating: 0, count: k * 16)
  for p in 0..<k { (xTail + p * 16).update(from: x + p * n + fullColumns, count: width) }
  r = 0
  while r < m {
    let rows = min(4, m - r)
    pointwiseTile(outTail, ldo: 16, w + r * wRowStride, wRowStride, wColumnStride, xTail, ldx: 16,
                  bias: accumulate ? nil : bias.map { $0 + r }, rows: rows, k: k, accumulate: false)
    for i in 0..<rows {
      let dst = out + (r + i) * n + fullColumns, src = outTail + i * 16
      if accumulate {
        for j in 0..<width { dst[j] += src[j] }
      } else {
        for j in 0..<width { dst[j] = src[j] }
      }
    }
    r += 4
  }
}

/// One tile of `pointwiseProduct`: `rows` (≤ 4) output rows × 16 columns.
@inline(__always)
func pointwiseTile(_ out: UnsafeMutablePointer<Float>, ldo: Int, _ w: UnsafePointer<Float>, _ wRowStride: Int,
                   _ wColumnStride: Int, _ x: UnsafePointer<Float>, ldx: Int, bias: UnsafePointer<Float>?,
                   rows: Int, k: Int, accumulate: Bool) {
  func initial(_ i: Int) -> SIMD8<Float> {
    if !accumulate, let bias, i < rows { return SIMD8(repeating: bias[i]) }
    return SIMD8()
  }
  var a00 = initial(0), a01 = a00, a10 = initial(1), a11 = a10
  var a20 = initial(2), a21 = a20, a30 = initial(3), a31 = a30
  if rows == 4 {
    for p in 0..<k {
      let xp = UnsafeRawPointer(x + p * ldx)
      let x0 = xp.loadUnaligned(as: SIMD8<Float>.self), x1 = xp.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
      let wp = w + p * wColumnStride
      var s = SIMD8<Float>(repeating: wp[0])
      a00.addProduct(s, x0); a01.addProduct(s, x1)
      s = SIMD8<Float>(repeating: wp[wRowStride])
      a10.addProduct(s, x0); a11.addProduct(s, x1)
      s = SIMD8<Float>(repeating: wp[2 * wRowStride])
      a20.addProduct(s, x0); a21.addProduct(s, x1)
      s = SIMD8<Float>(repeating: wp[3 * wRowStride])
      a30.addProduct(s, x0); a31.addProduct(s, x1)
    }
  } else {
    for p in 0..<k {
      let xp = UnsafeRawPointer(x + p * ldx)
      let x0 = xp.loadUnaligned(as: SIMD8<Float>.self), x1 = xp.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
      let wp = w + p * wColumnStride
      var s = SIMD8<Float>(repeating: wp[0])
      a00.addProduct(s, x0); a01.addProduct(s, x1)
      if rows > 1 {
        s = SIMD8<Float>(repeating: wp[wRowStride])
        a10.addProduct(s, x0); a11.addProduct(s, x1)
      }
      if rows > 2 {
        s = SIMD8<Float>(repeating: wp[2 * wRowStride])
        a20.addProduct(s, x0); a21.addProduct(s, x1)
      }
    }
  }
  storeRow(out, a00, a01, !accumulate)
  if rows > 1 { storeRow(out + ldo, a10, a11, !accumulate) }
  if rows > 2 { storeRow(out + 2 * ldo, a20, a21, !accumulate) }
  if rows > 3 { storeRow(out + 3 * ldo, a30, a31, !accumulate) }
}
