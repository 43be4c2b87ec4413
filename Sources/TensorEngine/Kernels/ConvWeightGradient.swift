import NASKernels

// Weight and bias gradients of conv2d (training only, so they live in the engine, not the runtime).
// Deterministic for any thread count: a dense conv sums the batch in a FIXED number of chunks, each into its
// own partial buffer, and adds the partials in chunk order; depthwise and bias gradients are split over
// channels, each channel summed by one worker in a fixed order.

/// Number of batch chunks of the dense weight gradient (fixed, so the sum order never depends on threads).
let convWeightGradientChunks = 4

/// dWeight += d(loss)/d(weight) of conv2d: dW_g (Cout/g, K) += Σ_n dOut[n]_g (Cout/g, OH·OW) · im2col(x[n]_g)ᵀ.
///
/// - Parameters:
///   - dWeight: (Cout, Cin/groups, kh, kw), accumulated into
///   - dOut: (N, Cout, OH, OW)
///   - x: (N, Cin, H, W), the forward input
func conv2dBackwardWeight(_ dWeight: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                          _ x: UnsafePointer<Float>, _ g: Conv2DGeometry) {
  if g.batch == 0 { return }
  if g.isDepthwise {
    depthwiseConv2dBackwardWeight(dWeight, dOut, x, g)
    return
  }
  let m = g.outChannels / g.groups
  let k = g.inChannels / g.groups * g.kernelHeight * g.kernelWidth
  let n = g.outHeight * g.outWidth
  let inImage = g.inChannels * g.height * g.width, inGroup = inImage / g.groups
  let outImage = g.outChannels * n
  let chunks = min(convWeightGradientChunks, g.batch)
  let weightCount = g.weightCount
  let partials = TensorStorage(zeros: chunks * weightCount)
  let colCount = g.isPointwise ? 0 : k * n
  let direct = g.isPointwise && m <= pointwiseWeightGradientMaxChannels && k <= pointwiseWeightGradientMaxChannels
  parallelChunks(g.batch, chunks: chunks) { chunk, images in
    let partial = partials.pointer + chunk * weightCount
    if direct {
      for image in images {
        pointwiseWeightGradient(partial, dOut + image * outImage, x + image * inImage,
                                outChannels: m, inChannels: k, count: n)
      }
      return
    }
    let col = TensorStorage(uninitialized: colCount)
    for image in images {
      for group in 0..<g.groups {
        let dOutGroup = dOut + image * outImage + group * m * n
        let xGroup = x + image * inImage + group * inGroup
        let operand: UnsafePointer<Float>
        if g.isPointwise {
          operand = xGroup
        } else {
          im2col(col.pointer, xGroup, channels: g.inChannels / g.groups, height: g.height, width: g.width,
                 kernelHeight: g.kernelHeight, kernelWidth: g.kernelWidth, stride: g.stride, padding: g.padding,
                 dilation: g.dilation, outHeight: g.outHeight, outWidth: g.outWidth)
          operand = UnsafePointer(col.pointer)
        }
        // (m, k) += (m, n) · (k, n)ᵀ, one thread: the chunks are the parallel axis.
        engineSgemm(partial + group * m * k, ldc: k, dOutGroup, lda: n, operand, ldb: n, transposeB: true,
                    m: m, n: k, k: n, beta: 1, threads: 1)
      }
    }
  }
  for chunk in 0..<chunks {
    let partial = partials.pointer + chunk * weightCount
    for i in 0..<weightCount { dWeight[i] += partial[i] }
  }
}

/// Channel counts (both Cin and Cout) up to which a 1×1 stride-1 conv's weight gradient uses
/// `pointwiseWeightGradient` instead of a GEMM per image (PC-DARTS partial channels: 4, 8, 16). Measured with
/// nas-bench `conv/bwd/pw1x1/*c4*` / `*c16*`: see `Tensor.conv2d`.
let pointwiseWeightGradientMaxChannels = 16

/// One image of a small 1×1 conv's weight gradient: dW[co, ci] += Σ_i dOut[co, i] · x[ci, i].
/// Four output channels at a time share each x vector; two SIMD8 accumulators per output channel.
///
/// - Parameters:
///   - dWeight: (outChannels, inChannels), accumulated into
///   - dOut: (outChannels, count)
///   - x: (inChannels, count)
func pointwiseWeightGradient(_ dWeight: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                             _ x: UnsafePointer<Float>, outChannels: Int, inChannels: Int, count: Int) {
  let vectorEnd = count / 16 * 16
  var co = 0
  while co < outChannels {
    let rows = min(4, outChannels - co)
    let d0 = dOut + co * count
    // Rows past the last output channel reuse row 0 (their sums are dropped), so the loop stays branch-free.
    let d1 = rows > 1 ? d0 + count : d0, d2 = rows > 2 ? d0 + 2 * count : d0, d3 = rows > 3 ? d0 + 3 * count : d0
    for ci in 0..<inChannels {
      let xr = x + ci * count
      var a00 = SIMD8<Float>(), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00
      var i = 0
      while i < vectorEnd {
        let x0 = load8(xr + i), x1 = load8(xr + i + 8)
        a00.addProduct(load8(d0 + i), x0); a01.addProduct(load8(d0 + i + 8), x1)
        a10.addProduct(load8(d1 + i), x0); a11.addProduct(load8(d1 + i + 8), x1)
        a20.addProduct(load8(d2 + i), x0); a21.addProduct(load8(d2 + i + 8), x1)
        a30.addProduct(load8(d3 + i), x0); a31.addProduct(load8(d3 + i + 8), x1)
        i += 16
      }
      var t0: Float = 0, t1: Float = 0, t2: Float = 0, t3: Float = 0
      while i < count {
        let xv = xr[i]
        t0 += d0[i] * xv; t1 += d1[i] * xv; t2 += d2[i] * xv; t3 += d3[i] * xv
        i += 1
      }
      dWeight[co * inChannels + ci] += (a00 + a01).sum() + t0
      if rows > 1 { dWeight[(co + 1) * inChannels + ci] += (a10 + a11).sum() + t1 }
      if rows > 2 { dWeight[(co + 2) * inChannels + ci] += (a20 + a21).sum() + t2 }
      if rows > 3 { dWeight[(co + 3) * inChannels + ci] += (a30 + a31).sum() + t3 }
    }
    co += 4
  }
}

/// Depthwise weight gradient: dW[c, ki, kj] += Σ_n Σ_{oh,ow} dOut[n, c, oh, ow] · x[n, c, oh·s − p + ki·d, ow·s − p + kj·d].
///
/// Walks the forward pass's scratch layout (`DepthwiseInputLayout`: padded, split by column phase), so every
/// stride vectorises along the output width; dOut rows are copied into zero-tailed SIMD8-wide rows so the lanes
/// past OW add nothing. One channel per parallel index; within a channel the sum runs over images, rows and
/// lanes in a fixed order, so the result does not depend on the thread count.
///
/// - Parameters:
///   - dWeight: (C, 1, kh, kw), accumulated into
///   - dOut: (N, C, OH, OW)
///   - x: (N, C, H, W)
func depthwiseConv2dBackwardWeight(_ dWeight: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                   _ x: UnsafePointer<Float>, _ g: Conv2DGeometry) {
  let layout = DepthwiseInputLayout(g)
  let offsets = layout.tapOffsets()
  let channels = g.inChannels, taps = layout.taps
  let outHeight = g.outHeight, outWidth = g.outWidth, vectorWidth = layout.vectorWidth
  let rowStep = layout.rowStep
  offsets.withUnsafeBufferPointer { offsetBuffer in
    let tapOffsets = offsetBuffer.baseAddress!
    parallelFor(channels) { c in
      let phases = TensorStorage(zeros: layout.count)
      let dRows = TensorStorage(zeros: outHeight * vectorWidth)
      var sums = [SIMD8<Float>](repeating: SIMD8<Float>(), count: taps)
      sums.withUnsafeMutableBufferPointer { sumBuffer in
        let sums = sumBuffer.baseAddress!
        for image in 0..<g.batch {
          let plane = image * channels + c
          layout.scatter(phases.pointer, x + plane * g.height * g.width)
          let dOutPlane = dOut + plane * outHeight * outWidth
          for oh in 0..<outHeight {
            (dRows.pointer + oh * vectorWidth).update(from: dOutPlane + oh * outWidth, count: outWidth)
          }
          let d = UnsafePointer(dRows.pointer)
          for t in 0..<taps {
            let src = UnsafePointer(phases.pointer) + tapOffsets[t]
            // Four rows at a time: four independent FMA chains.
            var a0 = SIMD8<Float>(), a1 = a0, a2 = a0, a3 = a0
            var oh = 0
            while oh + 4 <= outHeight {
              var v = 0
              while v < vectorWidth {
                let dp = d + oh * vectorWidth + v, xp = src + oh * rowStep + v
                a0.addProduct(load8(dp), load8(xp))
                a1.addProduct(load8(dp + vectorWidth), load8(xp + rowStep))
                a2.addProduct(load8(dp + 2 * vectorWidth), load8(xp + 2 * rowStep))
                a3.addProduct(load8(dp + 3 * vectorWidth), load8(xp + 3 * rowStep))
                v += 8
              }
              oh += 4
            }
            while oh < outHeight {
              var v = 0
              while v < vectorWidth {
                a0.addProduct(load8(d + oh * vectorWidth + v), load8(src + oh * rowStep + v))
                v += 8
              }
              oh += 1
            }
            sums[t] += (a0 + a1) + (a2 + a3)
          }
        }
        for t in 0..<taps { dWeight[c * taps + t] += sums[t].sum() }
      }
    }
  }
}

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

/// dBias[c] += Σ_{n, oh, ow} dOut[n, c, oh, ow], summed in Double per (n, c) plane in a fixed order.
///
/// - Parameters:
///   - dBias: (C), accumulated into
///   - dOut: (N, C, OH, OW)
func conv2dBackwardBias(_ dBias: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                        batch: Int, channels: Int, planeCount: Int) {
  parallelFor(channels) { c in
    var total = 0.0
    for image in 0..<batch {
      let plane = dOut + (image * channels + c) * planeCount
      var sum: Float = 0
      for i in 0..<planeCount { sum += plane[i] }
      total += Double(sum)
    }
    dBias[c] += Float(total)
  }
}
