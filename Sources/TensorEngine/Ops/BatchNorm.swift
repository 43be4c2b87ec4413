// Batch normalisation over the channel axis of (N, C) or (N, C, H, W) tensors, forward and backward side by
// side. Viewed as (N, C, S) with S = H·W (S = 1 for 2-D input), channel c normalises the N·S values
// x[n, c, s]. Training mode uses the batch statistics (biased variance) and caches only mean and rstd per
// channel for backward (llm.c style: x̂ is recomputed from x). Work is spread over channels, and every
// channel sums in a fixed order (SIMD8 lanes per plane, planes added in Double), so results do not depend on
// the thread count.

/// Running statistics and settings of one batch-norm layer (PyTorch defaults: momentum 0.1, eps 1e-5).
///
/// Training-mode calls update the running mean with the batch mean and the running variance with the
/// *unbiased* batch variance (× M/(M−1), M = N·H·W), as PyTorch does; normalising itself uses the biased one.
/// Evaluation-mode calls normalise with the running statistics.
public final class BatchNormState {
  public let channels: Int
  public let momentum: Float
  public let eps: Float
  /// (C,), starts at 0.
  public var runningMean: [Float]
  /// (C,), starts at 1.
  public var runningVariance: [Float]
  /// Training-mode batches seen (PyTorch's num_batches_tracked).
  public var batchesTracked: Int = 0

  public init(channels: Int, momentum: Float = 0.1, eps: Float = 1e-5) {
    precondition(channels > 0, "BatchNormState needs channels > 0, got \(channels)")
    self.channels = channels
    self.momentum = momentum
    self.eps = eps
    runningMean = [Float](repeating: 0, count: channels)
    runningVariance = [Float](repeating: 1, count: channels)
  }

  /// Back to the initial statistics (mean 0, variance 1).
  public func reset() {
    runningMean = [Float](repeating: 0, count: channels)
    runningVariance = [Float](repeating: 1, count: channels)
    batchesTracked = 0
  }
}

// MARK: - Kernels (one channel at a time; x, out, dOut, dInput: (N, C, S))

/// Σ over one plane of s elements, 8 lanes then the tail.
@inline(__always)
private func planeSum(_ p: UnsafePointer<Float>, _ s: Int) -> Float {
  var lanes = SIMD8<Float>.zero
  var i = 0
  while i + 8 <= s { lanes += UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self); i += 8 }
  var sum = lanes.sum()
  while i < s { sum += p[i]; i += 1 }
  return sum
}

/// Batch mean and biased variance of channel `channel` (two passes: mean, then centred squares).
func batchNormStatistics(_ x: UnsafePointer<Float>, channel: Int, n: Int, c: Int, s: Int)
  -> (mean: Float, variance: Float) {
  let m = Double(n * s)
  var total = 0.0
  for b in 0..<n { total += Double(planeSum(x + (b * c + channel) * s, s)) }
  let mean = Float(total / m)
  let meanLanes = SIMD8<Float>(repeating: mean)
  var squares = 0.0
  for b in 0..<n {
    let p = x + (b * c + channel) * s
    var lanes = SIMD8<Float>.zero
    var i = 0
    while i + 8 <= s {
      let d = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Float>.self) - meanLanes
      lanes.addProduct(d, d)
      i += 8
    }
    var sum = lanes.sum()
    while i < s { let d = p[i] - mean; sum += d * d; i += 1 }
    squares += Double(sum)
  }
  return (mean, Float(squares / m))
}

/// out[n, c, s] = a · x[n, c, s] + b for one channel, with a = γ·rstd and b = β − mean·a folded by the caller.
func batchNormForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>,
                      a: Float, b: Float, channel: Int, n: Int, c: Int, s: Int) {
  let av = SIMD8<Float>(repeating: a), bv = SIMD8<Float>(repeating: b)
  for batch in 0..<n {
    let offset = (batch * c + channel) * s
    let xp = x + offset, op = out + offset
    var i = 0
    while i + 8 <= s {
      let v = UnsafeRawPointer(xp + i).loadUnaligned(as: SIMD8<Float>.self)
      UnsafeMutableRawPointer(op + i).storeBytes(of: bv.addingProduct(av, v), as: SIMD8<Float>.self)
      i += 8
    }
    while i < s { op[i] = a * xp[i] + b; i += 1 }
  }
}

/// Σ dOut and Σ dOut·(x − mean) over one channel (the two reductions every BN backward needs).
func batchNormBackwardSums(_ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>, mean: Float,
                           channel: Int, n: Int, c: Int, s: Int) -> (sumD: Float, sumDXc: Float) {
  let meanLanes = SIMD8<Float>(repeating: mean)
  var sumD = 0.0, sumDXc = 0.0
  for batch in 0..<n {
    let offset = (batch * c + channel) * s
    let dp = dOut + offset, xp = x + offset
    var ld = SIMD8<Float>.zero, ldx = SIMD8<Float>.zero
    var i = 0
    while i + 8 <= s {
      let d = UnsafeRawPointer(dp + i).loadUnaligned(as: SIMD8<Float>.self)
      let xc = UnsafeRawPointer(xp + i).loadUnaligned(as: SIMD8<Float>.self) - meanLanes
      ld += d
      ldx.addProduct(d, xc)
      i += 8
    }
    var sd = ld.sum(), sdx = ldx.sum()
    while i < s { sd += dp[i]; sdx += dp[i] * (xp[i] - mean); i += 1 }
    sumD += Double(sd); sumDXc += Double(sdx)
  }
  return (Float(sumD), Float(sumDXc))
}

/// dInput[n, c, s] += α·dOut + β·x + γ for one channel (every BN input gradient has this form).
///
/// Training mode: dx = g·rstd·(dOut − ΣdOut/M − x̂·Σ(dOut·x̂)/M) with x̂ = (x − mean)·rstd, which gives
/// α = g·rstd, β = −g·rstd³·Σ(dOut·(x − mean))/M, γ = −α·ΣdOut/M − β·mean. Evaluation: α = g·rstd, β = γ = 0.
func batchNormBackwardInput(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                            _ x: UnsafePointer<Float>, alpha: Float, beta: Float, gamma: Float,
                            channel: Int, n: Int, c: Int, s: Int) {
  let av = SIMD8<Float>(repeating: alpha), bv = SIMD8<Float>(repeating: beta), gv = SIMD8<Float>(repeating: gamma)
  for batch in 0..<n {
    let offset = (batch * c + channel) * s
    let dx = dInput + offset, dp = dOut + offset, xp = x + offset
    var i = 0
    while i + 8 <= s {
      let d = UnsafeRawPointer(dp + i).loadUnaligned(as: SIMD8<Float>.self)
      let v = UnsafeRawPointer(xp + i).loadUnaligned(as: SIMD8<Float>.self)
      let old = UnsafeRawPointer(dx + i).loadUnaligned(as: SIMD8<Float>.self)
      let new = old + gv.addingProduct(av, d).addingProduct(bv, v)
      UnsafeMutableRawPointer(dx + i).storeBytes(of: new, as: SIMD8<Float>.self)
      i += 8
    }
    while i < s { dx[i] += alpha * dp[i] + beta * xp[i] + gamma; i += 1 }
  }
}

// MARK: - Op

extension Tensor {
  /// Batch normalisation of an (N, C, H, W) tensor over N, H, W per channel.
  ///
  /// - Parameters:
  ///   - state: running statistics; updated (momentum, unbiased variance) when `training`, used when not.
  ///   - training: batch statistics (biased variance, needs N·H·W > 1) vs running statistics.
  ///   - scale: γ, (C,), or nil for no affine scale (BN affine=false); differentiable.
  ///   - shift: β, (C,), or nil; differentiable.
  public func batchNorm2d(state: BatchNormState, training: Bool, scale: Tensor? = nil, shift: Tensor? = nil) -> Tensor {
    precondition(rank == 4, "batchNorm2d input must be 4-D (N, C, H, W), shape is \(shape)")
    return batchNorm(state: state, training: training, updatingState: true, eps: state.eps, scale: scale, shift: shift)
  }

  /// Batch normalisation of an (N, C) tensor (features) over N per feature; see `batchNorm2d`.
  public func batchNorm1d(state: BatchNormState, training: Bool, scale: Tensor? = nil, shift: Tensor? = nil) -> Tensor {
    precondition(rank == 2, "batchNorm1d input must be 2-D (N, C), shape is \(shape)")
    return batchNorm(state: state, training: training, updatingState: true, eps: state.eps, scale: scale, shift: shift)
  }

  /// Normalises each channel (axis 1) of an (N, C) or (N, C, H, W) tensor with its batch statistics
  /// (biased variance): no affine parameters, no running statistics. Barlow Twins' embedding normalisation.
  public func batchNormalized(eps: Float = 1e-5) -> Tensor {
    precondition(rank == 2 || rank == 4, "batchNormalized input must be (N, C) or (N, C, H, W), shape is \(shape)")
    return batchNorm(state: nil, training: true, updatingState: false, eps: eps, scale: nil, shift: nil)
  }

  private func batchNorm(state: BatchNormState?, training: Bool, updatingState: Bool, eps: Float,
                         scale: Tensor?, shift: Tensor?) -> Tensor {
    let n = shape[0], c = shape[1], s = count / max(n * c, 1)
    if let state {
      precondition(state.channels == c, "batchNorm: state has \(state.channels) channels, input shape is \(shape)")
    }
    if let scale { precondition(scale.shape == [c], "batchNorm: scale shape \(scale.shape), expected [\(c)] for input \(shape)") }
    if let shift { precondition(shift.shape == [c], "batchNorm: shift shape \(shift.shape), expected [\(c)] for input \(shape)") }
    let m = n * s
    let out = TensorStorage(uninitialized: count)
    // Per-channel mean and rstd: batch statistics in training, running statistics in evaluation.
    let mean = TensorStorage(uninitialized: c), rstd = TensorStorage(uninitialized: c)
    let x = pointer, o = out.pointer, meanP = mean.pointer, rstdP = rstd.pointer
    let gammaP = scale?.pointer, betaP = shift?.pointer
    if training {
      precondition(m > 1, "batchNorm in training mode needs more than one value per channel, input shape is \(shape)")
      let biasedVariance = TensorStorage(uninitialized: c)
      let varP = biasedVariance.pointer
      parallelFor(c) { ch in
        let (mu, variance) = batchNormStatistics(x, channel: ch, n: n, c: c, s: s)
        let r = 1 / (variance + eps).squareRoot()
        meanP[ch] = mu; varP[ch] = variance; rstdP[ch] = r
        let a = (gammaP?[ch] ?? 1) * r
        batchNormForward(o, x, a: a, b: (betaP?[ch] ?? 0) - mu * a, channel: ch, n: n, c: c, s: s)
      }
      if updatingState, let state {
        let momentum = state.momentum, unbias = Float(Double(m) / Double(m - 1))
        for ch in 0..<c {
          state.runningMean[ch] = (1 - momentum) * state.runningMean[ch] + momentum * meanP[ch]
          state.runningVariance[ch] = (1 - momentum) * state.runningVariance[ch] + momentum * varP[ch] * unbias
        }
        state.batchesTracked += 1
      }
    } else {
      guard let state else { preconditionFailure("batchNorm: evaluation mode needs running statistics") }
      for ch in 0..<c {
        meanP[ch] = state.runningMean[ch]
        rstdP[ch] = 1 / (state.runningVariance[ch] + eps).squareRoot()
      }
      parallelFor(c) { ch in
        let a = (gammaP?[ch] ?? 1) * rstdP[ch]
        batchNormForward(o, x, a: a, b: (betaP?[ch] ?? 0) - meanP[ch] * a, channel: ch, n: n, c: c, s: s)
      }
    }

    var inputs = [self]
    if let scale { inputs.append(scale) }
    if let shift { inputs.append(shift) }
    let scaleIndex = scale == nil ? -1 : 1
    let shiftIndex = shift == nil ? -1 : inputs.count - 1
    return Tensor.opResult(training ? "batchNorm(train)" : "batchNorm(eval)", shape: shape, storage: out,
                           inputs: inputs) { dOut, grads in
      // `self`, `scale` and the two (C) caches are kept alive by this closure; x̂ is recomputed.
      let x = self.pointer, gammaP = scale?.pointer
      let dx = grads[0]
      let dGamma = scaleIndex >= 0 ? grads[scaleIndex] : nil
      let dBeta = shiftIndex >= 0 ? grads[shiftIndex] : nil
      let meanP = mean.pointer, rstdP = rstd.pointer
      parallelFor(c) { ch in
        let mu = meanP[ch], r = rstdP[ch], g = gammaP?[ch] ?? 1
        let (sumD, sumDXc) = batchNormBackwardSums(dOut, x, mean: mu, channel: ch, n: n, c: c, s: s)
        dGamma?[ch] += sumDXc * r
        dBeta?[ch] += sumD
        guard let dx else { return }
        let alpha = g * r
        if training {
          let beta = -alpha * r * r * sumDXc / Float(m)
          let gamma = -alpha * sumD / Float(m) - beta * mu
          batchNormBackwardInput(dx, dOut, x, alpha: alpha, beta: beta, gamma: gamma, channel: ch, n: n, c: c, s: s)
        } else {
          batchNormBackwardInput(dx, dOut, x, alpha: alpha, beta: 0, gamma: 0, channel: ch, n: n, c: c, s: s)
        }
      }
    }
  }
}
