import Glibc

// Element-wise exp, log and sigmoid. exp and sigmoid differentiate through their saved output, log through
// its input.

/// out[i] = eˣ.
func expForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
  for i in 0..<count { out[i] = expf(x[i]) }
}

/// dInput[i] += dOut[i] · out[i]  (d eˣ/dx = eˣ).
func expBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                 count: Int) {
  for i in 0..<count { dInput[i] += dOut[i] * out[i] }
}

/// out[i] = ln x[i] (−∞ at 0, NaN below).
func logForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
  for i in 0..<count { out[i] = logf(x[i]) }
}

/// dInput[i] += dOut[i] / x[i].
func logBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>,
                 count: Int) {
  for i in 0..<count { dInput[i] += dOut[i] / x[i] }
}

/// out[i] = 1 / (1 + e⁻ˣ), computed without overflow for large |x|.
func sigmoidForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
  for i in 0..<count {
    let v = x[i]
    if v >= 0 {
      out[i] = 1 / (1 + expf(-v))
    } else {
      let e = expf(v)
      out[i] = e / (1 + e)
    }
  }
}

/// dInput[i] += dOut[i] · out[i] · (1 − out[i]).
func sigmoidBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, _ out: UnsafePointer<Float>,
                     count: Int) {
  for i in 0..<count { dInput[i] += dOut[i] * out[i] * (1 - out[i]) }
}

extension Tensor {
  /// Element-wise natural exponential.
  public func exp() -> Tensor {
    let n = count
    let out = TensorStorage(uninitialized: n)
    expForward(out.pointer, pointer, count: n)
    return Tensor.opResult("exp", shape: shape, storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { expBackward(dx, dOut, out.pointer, count: n) }
    }
  }

  /// Element-wise natural logarithm (−∞ at 0, NaN for negative inputs).
  public func log() -> Tensor {
    let n = count
    let out = TensorStorage(uninitialized: n)
    logForward(out.pointer, pointer, count: n)
    return Tensor.opResult("log", shape: shape, storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { logBackward(dx, dOut, self.pointer, count: n) }
    }
  }

  /// Element-wise logistic sigmoid 1 / (1 + e⁻ˣ).
  public func sigmoid() -> Tensor {
    let n = count
    let out = TensorStorage(uninitialized: n)
    sigmoidForward(out.pointer, pointer, count: n)
    return Tensor.opResult("sigmoid", shape: shape, storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { sigmoidBackward(dx, dOut, out.pointer, count: n) }
    }
  }
}
