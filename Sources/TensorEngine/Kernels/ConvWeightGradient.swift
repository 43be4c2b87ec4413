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
  parallelChunks(g.batch, chunks: chunks) { chunk, images in
    let partial = partials.pointer + chunk * weightCount
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

/// Depthwise weight gradient: dW[c, ki, kj] += Σ_n Σ_{oh,ow} dOut[n, c, oh, ow] · x[n, c, oh·s − p + ki·d, ow·s − p + kj·d].
/// One channel per parallel index; within a channel the sum runs over images, rows and SIMD8 lanes in a fixed order.
///
/// - Parameters:
///   - dWeight: (C, 1, kh, kw), accumulated into
///   - dOut: (N, C, OH, OW)
///   - x: (N, C, H, W)
func depthwiseConv2dBackwardWeight(_ dWeight: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                                   _ x: UnsafePointer<Float>, _ g: Conv2DGeometry) {
  let channels = g.inChannels, kh = g.kernelHeight, kw = g.kernelWidth
  let s = g.stride, p = g.padding, d = g.dilation
  let height = g.height, width = g.width, outHeight = g.outHeight, outWidth = g.outWidth
  let taps = kh * kw
  parallelFor(channels) { c in
    for ki in 0..<kh {
      // Output rows whose input row oh·s − p + ki·d lies inside the image.
      let (ohStart, ohEnd) = depthwiseValidRange(offset: ki * d - p, stride: s, size: height, outSize: outHeight)
      for kj in 0..<kw {
        let columnOffset = kj * d - p
        let (owStart, owEnd) = depthwiseValidRange(offset: columnOffset, stride: s, size: width, outSize: outWidth)
        var acc = SIMD8<Float>()
        var tail: Float = 0
        if owStart < owEnd && ohStart < ohEnd {
          for image in 0..<g.batch {
            let plane = image * channels + c
            let dOutPlane = dOut + plane * outHeight * outWidth
            let xPlane = x + plane * height * width
            for oh in ohStart..<ohEnd {
              let dRow = dOutPlane + oh * outWidth
              let xRow = xPlane + (oh * s - p + ki * d) * width + columnOffset
              if s == 1 {
                var ow = owStart
                while ow + 8 <= owEnd {
                  acc.addProduct(UnsafeRawPointer(dRow + ow).loadUnaligned(as: SIMD8<Float>.self),
                                 UnsafeRawPointer(xRow + ow).loadUnaligned(as: SIMD8<Float>.self))
                  ow += 8
                }
                while ow < owEnd {
                  tail += dRow[ow] * xRow[ow]
                  ow += 1
                }
              } else {
                for ow in owStart..<owEnd { tail += dRow[ow] * xRow[ow * s] }
              }
            }
          }
        }
        dWeight[c * taps + ki * kw + kj] += acc.sum() + tail
      }
    }
  }
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

/// The output indices o in [start, end) with o·stride + offset in [0, size), clamped to [0, outSize).
@inline(__always)
func depthwiseValidRange(offset: Int, stride: Int, size: Int, outSize: Int) -> (start: Int, end: Int) {
  let start = offset >= 0 ? 0 : (-offset + stride - 1) / stride
  let lastInput = size - 1 - offset
  let end = lastInput < 0 ? 0 : lastInput / stride + 1
  let s = min(start, outSize), e = min(max(end, s), outSize)
  return (s, e)
}
