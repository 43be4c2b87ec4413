import NASKernels

// Element-wise forward and input-gradient kernels of the executor (ReLU, Add, ChannelAffine), side by side.
// Flat buffers, FloatVector bodies with scalar tails.

/// x[i] = max(x[i], 0) in place.  x: (count,)
func reluInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
  let v = FloatVector.scalarCount
  var i = 0
  while i + v <= count {
    let raw = UnsafeMutableRawPointer(x + i)
    let value = raw.loadUnaligned(as: FloatVector.self)
    raw.storeBytes(of: value.replacing(with: 0, where: value .< 0), as: FloatVector.self)
    i += v
  }
  while i < count { if x[i] < 0 { x[i] = 0 }; i += 1 }
}

/// out[i] = max(x[i], 0).  out, x: (count,)
func reluCopy(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
  let v = FloatVector.scalarCount
  var i = 0
  while i + v <= count {
    let value = UnsafeRawPointer(x + i).loadUnaligned(as: FloatVector.self)
    UnsafeMutableRawPointer(out + i).storeBytes(of: value.replacing(with: 0, where: value .< 0), as: FloatVector.self)
    i += v
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
  let v = FloatVector.scalarCount
  var i = 0
  while i + v <= count {
    let sum = UnsafeRawPointer(a + i).loadUnaligned(as: FloatVector.self)
      + UnsafeRawPointer(b + i).loadUnaligned(as: FloatVector.self)
    UnsafeMutableRawPointer(out + i).storeBytes(of: sum, as: FloatVector.self)
    i += v
  }
  while i < count { out[i] = a[i] + b[i]; i += 1 }
}

/// dst[i] += src[i].
func accumulateInto(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
  let v = FloatVector.scalarCount
  var i = 0
  while i + v <= count {
    let raw = UnsafeMutableRawPointer(dst + i)
    let sum = raw.loadUnaligned(as: FloatVector.self) + UnsafeRawPointer(src + i).loadUnaligned(as: FloatVector.self)
    raw.storeBytes(of: sum, as: FloatVector.self)
    i += v
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
