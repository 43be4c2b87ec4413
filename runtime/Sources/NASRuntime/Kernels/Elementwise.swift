// Element-wise forward and input-gradient kernels of the executor (ReLU, Add, ChannelAffine), side by side.
// Flat buffers, SIMD8 bodies with scalar tails.

/// x[i] = max(x[i], 0) in place.  x: (count,)
func reluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    let raw = UnsafeMutableRawPointer(x + i)
    let v = raw.loadUnaligned(as: SIMD8<Float>.self)
    raw.storeBytes(of: v.replacing(with: 0, where: v .< 0), as: SIMD8<Float>.self)
    i += 8
  }
  while i < count { if x[i] < 0 { x[i] = 0 }; i += 1 }
}

/// out[i] = max(x[i], 0).  out, x: (count,)
func reluCopy(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(out + i).storeBytes(of: v.replacing(with: 0, where: v .< 0), as: SIMD8<Float>.self)
    i += 8
  }
  while i < count { out[i] = x[i] > 0 ? x[i] : 0; i += 1 }
}

/// dInput[i] += dOut[i] where out[i] > 0 (the gradient at 0 is 0). Uses the saved output.
func reluBackwardAdd(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                     _ out: UnsafePointer<Float>, count: Int) {
  for i in 0..<count where out[i] > 0 { dInput[i] += dOut[i] }
}

/// d[i] = 0 where out[i] ≤ 0: the gradient through a fused ReLU, in place.
func reluMaskInPlace(_ d: UnsafeMutablePointer<Float>, _ out: UnsafePointer<Float>, count: Int) {
  for i in 0..<count where !(out[i] > 0) { d[i] = 0 }
}

/// out[i] = a[i] + b[i].
func addCopy(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    let v = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
      + UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(out + i).storeBytes(of: v, as: SIMD8<Float>.self)
    i += 8
  }
  while i < count { out[i] = a[i] + b[i]; i += 1 }
}

/// dst[i] += src[i].
func accumulateInto(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    let raw = UnsafeMutableRawPointer(dst + i)
    let v = raw.loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self)
    raw.storeBytes(of: v, as: SIMD8<Float>.self)
    i += 8
  }
  while i < count { dst[i] += src[i]; i += 1 }
}

/// out[n, c, s] = x[n, c, s] · scale[c] + shift[c].  x, out: (batch, channels, planeSize)
func channelAffineForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                          _ scale: UnsafePointer<Float>, _ shift: UnsafePointer<Float>,
                          batch: Int, channels: Int, planeSize: Int) {
  for n in 0..<batch {
    for c in 0..<channels {
      let base = (n * channels + c) * planeSize
      let xp = x + base, op = out + base
      let a = scale[c], b = shift[c]
      for i in 0..<planeSize { op[i] = xp[i] * a + b }
    }
  }
}

/// dInput[n, c, s] += dOut[n, c, s] · scale[c].
func channelAffineBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                           _ scale: UnsafePointer<Float>, batch: Int, channels: Int, planeSize: Int) {
  for n in 0..<batch {
    for c in 0..<channels {
      let base = (n * channels + c) * planeSize
      let dx = dInput + base, dy = dOut + base
      let a = scale[c]
      for i in 0..<planeSize { dx[i] += dy[i] * a }
    }
  }
}
