import Glibc

// Softmax and log-softmax along one axis. The tensor is viewed as (outer, length, inner); each (o, i) pair is
// one softmax over `length` values at stride `inner` (inner = 1 for the last axis). The maximum is subtracted
// first, so large logits do not overflow.

/// out[o, :, i] = softmax (or log-softmax) of x[o, :, i].
func softmaxForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, outer: Int, length: Int,
                    inner: Int, logarithm: Bool) {
  for o in 0..<outer {
    for i in 0..<inner {
      let xp = x + o * length * inner + i, op = out + o * length * inner + i
      var maximum = -Float.infinity
      for l in 0..<length { maximum = max(maximum, xp[l * inner]) }
      var sum: Float = 0
      for l in 0..<length { sum += expf(xp[l * inner] - maximum) }
      if logarithm {
        let logSum = maximum + logf(sum)
        for l in 0..<length { op[l * inner] = xp[l * inner] - logSum }
      } else {
        let inverse = 1 / sum
        for l in 0..<length { op[l * inner] = expf(xp[l * inner] - maximum) * inverse }
      }
    }
  }
}

/// Softmax: dInput += y ⊙ (dOut − Σ dOut·y).  Log-softmax: dInput += dOut − eʸ · Σ dOut.  Uses the saved output y.
func softmaxBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                     outer: Int, length: Int, inner: Int, logarithm: Bool) {
  for o in 0..<outer {
    for i in 0..<inner {
      let base = o * length * inner + i
      let dp = dOut + base, yp = out + base, dx = dInput + base
      if logarithm {
        var total: Float = 0
        for l in 0..<length { total += dp[l * inner] }
        for l in 0..<length { dx[l * inner] += dp[l * inner] - expf(yp[l * inner]) * total }
      } else {
        var dot: Float = 0
        for l in 0..<length { dot += dp[l * inner] * yp[l * inner] }
        for l in 0..<length { dx[l * inner] += yp[l * inner] * (dp[l * inner] - dot) }
      }
    }
  }
}

extension Tensor {
  /// Softmax along `axis` (default: the last; negative counts from the end): e.g. the α rows (14, 8).
  public func softmax(axis: Int = -1) -> Tensor { softmaxOp(axis: axis, logarithm: false) }

  /// log(softmax) along `axis`, computed as x − max − log Σ e^(x − max).
  public func logSoftmax(axis: Int = -1) -> Tensor { softmaxOp(axis: axis, logarithm: true) }

  private func softmaxOp(axis: Int, logarithm: Bool) -> Tensor {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "softmax: axis \(axis) out of range for shape \(shape)")
    let outer = shape[..<a].reduce(1, *), length = shape[a], inner = shape[(a + 1)...].reduce(1, *)
    let out = TensorStorage(uninitialized: count)
    softmaxForward(out.pointer, pointer, outer: outer, length: length, inner: inner, logarithm: logarithm)
    return Tensor.opResult(logarithm ? "logSoftmax" : "softmax", shape: shape, storage: out,
                           inputs: [self]) { dOut, grads in
      if let dx = grads[0] {
        softmaxBackward(dx, dOut, out.pointer, outer: outer, length: length, inner: inner, logarithm: logarithm)
      }
    }
  }
}
