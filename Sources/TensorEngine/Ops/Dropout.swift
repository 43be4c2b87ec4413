// Inverted dropout (element-wise) and drop-path (per sample). Masks are drawn sequentially from the caller's
// generator, so a seed fixes them whatever the thread count; kept values are scaled by 1/(1 − p) so the
// expectation is unchanged. The mask (0 or 1/(1 − p)) is all backward keeps.

/// out[i] = x[i] · mask[i / block]: one mask value per block of `block` consecutive elements
/// (1 for dropout, C·H·W for drop-path).  x, out: (count,); mask: (count / block,).
func maskedScaleForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ mask: UnsafePointer<Float>,
                        count: Int, block: Int) {
  for b in 0..<(count / block) {
    let m = mask[b], xp = x + b * block, op = out + b * block
    for i in 0..<block { op[i] = xp[i] * m }
  }
}

/// dInput[i] += dOut[i] · mask[i / block].
func maskedScaleBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                         _ mask: UnsafePointer<Float>, count: Int, block: Int) {
  for b in 0..<(count / block) {
    let m = mask[b], dp = dOut + b * block, dx = dInput + b * block
    for i in 0..<block { dx[i] += dp[i] * m }
  }
}

extension Tensor {
  /// Zeroes each element independently with probability `p` and scales the kept ones by 1/(1 − p).
  /// Returns the input itself when `p == 0` or not `training`.
  /// - Parameters:
  ///   - p: drop probability in [0, 1).
  ///   - rng: draws one Bernoulli(1 − p) per element, in element order.
  public func dropout(p: Float, rng: inout PRNG, training: Bool) -> Tensor {
    precondition(p >= 0 && p < 1, "dropout: p = \(p) must be in [0, 1)")
    if p == 0 || !training { return self }
    return masked(p: p, block: 1, rng: &rng, name: "dropout")
  }

  /// Drop-path: zeroes whole samples (axis 0) with probability `p`, scaling kept samples by 1/(1 − p).
  /// One Bernoulli(1 − p) per sample, broadcast over the other axes (C, H, W). Identity when `p == 0` or not
  /// `training`.
  public func dropPath(p: Float, rng: inout PRNG, training: Bool = true) -> Tensor {
    precondition(p >= 0 && p < 1, "dropPath: p = \(p) must be in [0, 1)")
    precondition(rank >= 1, "dropPath needs a batch axis, shape is \(shape)")
    if p == 0 || !training || count == 0 { return self }
    return masked(p: p, block: count / shape[0], rng: &rng, name: "dropPath")
  }

  private func masked(p: Float, block: Int, rng: inout PRNG, name: String) -> Tensor {
    let n = count, blocks = count / block
    let keep = 1 - Double(p), scale = 1 / (1 - p)
    let mask = TensorStorage(uninitialized: blocks)
    for b in 0..<blocks { mask.pointer[b] = rng.bernoulli(keep) ? scale : 0 }
    let out = TensorStorage(uninitialized: n)
    maskedScaleForward(out.pointer, pointer, mask.pointer, count: n, block: block)
    return Tensor.opResult(name, shape: shape, storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { maskedScaleBackward(dx, dOut, mask.pointer, count: n, block: block) }
    }
  }
}
