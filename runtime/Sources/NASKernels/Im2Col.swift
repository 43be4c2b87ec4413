/// Unfolds one group of one image into GEMM columns: col[(ci·kh + ki)·kw + kj][oh·OW + ow] =
/// x[ci][oh·s − p + ki·d][ow·s − p + kj·d], or 0 where that position falls in the padding.
///
/// - Parameters:
///   - col: (channels·kh·kw, outHeight·outWidth), overwritten
///   - x: (channels, height, width), the group's channels of one image
public func im2col(_ col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                   channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                   stride: Int, padding: Int, dilation: Int, outHeight: Int, outWidth: Int) {
  let plane = outHeight * outWidth
  if kernelHeight == 1 && kernelWidth == 1 && padding == 0 {
    subsample(col, x, channels: channels, height: height, width: width, stride: stride, outHeight: outHeight,
              outWidth: outWidth)
    return
  }
  var row = col
  for ci in 0..<channels {
    let xc = x + ci * height * width
    for ki in 0..<kernelHeight {
      for kj in 0..<kernelWidth {
        let columnOffset = kj * dilation - padding
        // Output columns whose input column iw = ow·s + columnOffset lies in [0, width).
        let (owStart, owEnd) = validRange(offset: columnOffset, stride: stride, size: width, outSize: outWidth)
        for oh in 0..<outHeight {
          let dst = row + oh * outWidth
          let ih = oh * stride - padding + ki * dilation
          if ih < 0 || ih >= height || owStart >= owEnd {
            dst.update(repeating: 0, count: outWidth)
            continue
          }
          let src = xc + ih * width + columnOffset
          if owStart > 0 { dst.update(repeating: 0, count: owStart) }
          if stride == 1 {
            (dst + owStart).update(from: src + owStart, count: owEnd - owStart)
          } else {
            for ow in owStart..<owEnd { dst[ow] = src[ow * stride] }
          }
          if owEnd < outWidth { (dst + owEnd).update(repeating: 0, count: outWidth - owEnd) }
        }
        row += plane
      }
    }
  }
}

/// im2col of a 1×1 unpadded kernel: col[ci][oh·OW + ow] = x[ci][oh·s][ow·s]. Per-row overhead matters here
/// (the rows of a stride-2 reduction cell are 7–14 values), so the loops carry no padding logic; stride 2 has
/// its own copy of the loop with a constant stride, which LLVM vectorises as an interleaved load.
func subsample(_ col: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, channels: Int, height: Int,
               width: Int, stride: Int, outHeight: Int, outWidth: Int) {
  var dst = col
  for ci in 0..<channels {
    var src = x + ci * height * width
    for _ in 0..<outHeight {
      if stride == 2 {
        for ow in 0..<outWidth { dst[ow] = src[ow &* 2] }
      } else {
        for ow in 0..<outWidth { dst[ow] = src[ow &* stride] }
      }
      dst += outWidth
      src += stride * width
    }
  }
}

/// The adjoint of `im2col`: adds every column entry back into the input position it was read from
/// (dx += col2im(dCol)); padding positions are dropped.
///
/// - Parameters:
///   - dx: (channels, height, width), accumulated into
///   - col: (channels·kh·kw, outHeight·outWidth)
public func col2imAdd(_ dx: UnsafeMutablePointer<Float>, _ col: UnsafePointer<Float>,
                      channels: Int, height: Int, width: Int, kernelHeight: Int, kernelWidth: Int,
                      stride: Int, padding: Int, dilation: Int, outHeight: Int, outWidth: Int) {
  let plane = outHeight * outWidth
  var row = col
  for ci in 0..<channels {
    let dxc = dx + ci * height * width
    for ki in 0..<kernelHeight {
      for kj in 0..<kernelWidth {
        let columnOffset = kj * dilation - padding
        let (owStart, owEnd) = validRange(offset: columnOffset, stride: stride, size: width, outSize: outWidth)
        if owStart < owEnd {
          for oh in 0..<outHeight {
            let ih = oh * stride - padding + ki * dilation
            if ih < 0 || ih >= height { continue }
            let src = row + oh * outWidth
            let dst = dxc + ih * width + columnOffset
            if stride == 1 {
              for ow in owStart..<owEnd { dst[ow] += src[ow] }
            } else {
              for ow in owStart..<owEnd { dst[ow * stride] += src[ow] }
            }
          }
        }
        row += plane
      }
    }
  }
}

/// The output indices o in [start, end) for which o·stride + offset lies in [0, size), clamped to [0, outSize).
@inline(__always)
func validRange(offset: Int, stride: Int, size: Int, outSize: Int) -> (start: Int, end: Int) {
  // o ≥ ceil(−offset / stride) and o·stride + offset ≤ size − 1.
  let start = offset >= 0 ? 0 : (-offset + stride - 1) / stride
  let lastInput = size - 1 - offset
  let end = lastInput < 0 ? 0 : lastInput / stride + 1
  let s = min(start, outSize), e = min(max(end, s), outSize)
  return (s, e)
}
