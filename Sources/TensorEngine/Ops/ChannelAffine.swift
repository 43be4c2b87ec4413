// Per-channel scale and shift of (N, C, ...) tensors by (C,) tensors, broadcast over N and the trailing axes.
// Viewed as (N, C, S) with S = product of the axes after C (1 for (N, C)). Work is spread over channels.

/// out[n, c, s] = x[n, c, s] · scale[c] + shift[c] for one channel (pass scale 1 / shift 0 for the other op).
func channelAffineForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, scale: Float, shift: Float,
                          channel: Int, n: Int, c: Int, s: Int) {
  for b in 0..<n {
    let offset = (b * c + channel) * s
    let xp = x + offset, op = out + offset
    for i in 0..<s { op[i] = xp[i] * scale + shift }
  }
}

/// Σ_{n,s} dOut[n, c, s] · x[n, c, s] for one channel (x nil: Σ dOut), blocks summed in Double.
func channelGradientSum(_ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>?, channel: Int,
                        n: Int, c: Int, s: Int) -> Float {
  var total = 0.0
  for b in 0..<n {
    let offset = (b * c + channel) * s
    let dp = dOut + offset
    var sum: Float = 0
    if let x {
      let xp = x + offset
      for i in 0..<s { sum += dp[i] * xp[i] }
    } else {
      for i in 0..<s { sum += dp[i] }
    }
    total += Double(sum)
  }
  return Float(total)
}

/// dInput[n, c, s] += scale · dOut[n, c, s] for one channel.
func channelScaleBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, scale: Float,
                          channel: Int, n: Int, c: Int, s: Int) {
  for b in 0..<n {
    let offset = (b * c + channel) * s
    let dx = dInput + offset, dp = dOut + offset
    for i in 0..<s { dx[i] += scale * dp[i] }
  }
}

extension Tensor {
  /// (N, C, S) view of a tensor of rank ≥ 2 for per-channel ops, checking a (C,) operand.
  fileprivate func channelView(_ operand: Tensor, _ op: String) -> (n: Int, c: Int, s: Int) {
    precondition(rank >= 2, "\(op): input must have rank ≥ 2 (N, C, ...), shape is \(shape)")
    let n = shape[0], c = shape[1]
    precondition(operand.shape == [c], "\(op): operand shape \(operand.shape), expected [\(c)] for input \(shape)")
    return (n, c, n * c == 0 ? 0 : count / (n * c))
  }

  /// x[n, c, ...] · scale[c]: every channel multiplied by its own factor; differentiable in both.
  /// - Parameter scale: (C,)
  public func channelScaled(by scale: Tensor) -> Tensor {
    let (n, c, s) = channelView(scale, "channelScaled")
    let out = TensorStorage(uninitialized: count)
    let x = pointer, o = out.pointer, f = scale.pointer
    parallelFor(c) { ch in channelAffineForward(o, x, scale: f[ch], shift: 0, channel: ch, n: n, c: c, s: s) }
    return Tensor.opResult("channelScaled", shape: shape, storage: out, inputs: [self, scale]) { dOut, grads in
      let x = self.pointer, f = scale.pointer
      let dx = grads[0], dScale = grads[1]
      parallelFor(c) { ch in
        if let dx { channelScaleBackward(dx, dOut, scale: f[ch], channel: ch, n: n, c: c, s: s) }
        if let dScale { dScale[ch] += channelGradientSum(dOut, x, channel: ch, n: n, c: c, s: s) }
      }
    }
  }

  /// x[n, c, ...] + shift[c]: every channel offset by its own value (a bias); differentiable in both.
  /// - Parameter shift: (C,)
  public func channelShifted(by shift: Tensor) -> Tensor {
    let (n, c, s) = channelView(shift, "channelShifted")
    let out = TensorStorage(uninitialized: count)
    let x = pointer, o = out.pointer, b = shift.pointer
    parallelFor(c) { ch in channelAffineForward(o, x, scale: 1, shift: b[ch], channel: ch, n: n, c: c, s: s) }
    let total = count
    return Tensor.opResult("channelShifted", shape: shape, storage: out, inputs: [self, shift]) { dOut, grads in
      if let dx = grads[0] { accumulate(dx, dOut, count: total) }
      if let dShift = grads[1] {
        parallelFor(c) { ch in dShift[ch] += channelGradientSum(dOut, nil, channel: ch, n: n, c: c, s: s) }
      }
    }
  }
}
