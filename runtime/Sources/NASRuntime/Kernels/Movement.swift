// Movement kernels of the executor (Crop, Pad, ChannelShuffle), forward and input gradient side by side.
// All work on `planes` consecutive (H, W) planes (a plane = one (n, c) pair) unless noted.

/// out[p, y, x] = in[p, y + top, x + left].  x: (planes, H, W); out: (planes, outH, outW).
func cropForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, planes: Int,
                 height: Int, width: Int, top: Int, left: Int, outHeight: Int, outWidth: Int) {
  for p in 0..<planes {
    let src = x + p * height * width, dst = out + p * outHeight * outWidth
    for y in 0..<outHeight {
      (dst + y * outWidth).update(from: src + (y + top) * width + left, count: outWidth)
    }
  }
}

/// dInput[p, y + top, x + left] += dOut[p, y, x].
func cropBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, planes: Int,
                  height: Int, width: Int, top: Int, left: Int, outHeight: Int, outWidth: Int) {
  for p in 0..<planes {
    let dx = dInput + p * height * width, dy = dOut + p * outHeight * outWidth
    for y in 0..<outHeight {
      accumulateInto(dx + (y + top) * width + left, dy + y * outWidth, count: outWidth)
    }
  }
}

/// out = x surrounded by `value`: top rows, bottom rows, left and right columns.
/// x: (planes, H, W); out: (planes, H + top + bottom, W + left + right).
func padForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, planes: Int,
                height: Int, width: Int, top: Int, left: Int, outHeight: Int, outWidth: Int, value: Float) {
  for p in 0..<planes {
    let src = x + p * height * width, dst = out + p * outHeight * outWidth
    dst.update(repeating: value, count: outHeight * outWidth)
    for y in 0..<height {
      (dst + (y + top) * outWidth + left).update(from: src + y * width, count: width)
    }
  }
}

/// dInput[p, y, x] += dOut[p, y + top, x + left].
func padBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, planes: Int,
                 height: Int, width: Int, top: Int, left: Int, outHeight: Int, outWidth: Int) {
  for p in 0..<planes {
    let dx = dInput + p * height * width, dy = dOut + p * outHeight * outWidth
    for y in 0..<height {
      accumulateInto(dx + y * width, dy + (y + top) * outWidth + left, count: width)
    }
  }
}

/// out[n, c·g + j] = x[n, j·(C/g) + c] for c < C/g, j < g.  x, out: (batch, C, planeSize)
func channelShuffleForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, batch: Int,
                           channels: Int, groups: Int, planeSize: Int) {
  let perGroup = channels / groups
  for n in 0..<batch {
    let src = x + n * channels * planeSize, dst = out + n * channels * planeSize
    for c in 0..<perGroup {
      for j in 0..<groups {
        (dst + (c * groups + j) * planeSize).update(from: src + (j * perGroup + c) * planeSize, count: planeSize)
      }
    }
  }
}

/// dInput[n, j·(C/g) + c] += dOut[n, c·g + j].
func channelShuffleBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, batch: Int,
                            channels: Int, groups: Int, planeSize: Int) {
  let perGroup = channels / groups
  for n in 0..<batch {
    let dx = dInput + n * channels * planeSize, dy = dOut + n * channels * planeSize
    for c in 0..<perGroup {
      for j in 0..<groups {
        accumulateInto(dx + (j * perGroup + c) * planeSize, dy + (c * groups + j) * planeSize, count: planeSize)
      }
    }
  }
}
