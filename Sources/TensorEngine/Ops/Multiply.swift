/// out[i] = a[i] · b[i].  a, b, out: same shape.
@inlinable
func multiplyForward(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                     count: Int) {
  for i in 0..<count { out[i] = a[i] * b[i] }
}

/// dInput[i] += dOut[i] · other[i]  (the backward of one factor, given the other).
@inlinable
func multiplyBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                      _ other: UnsafePointer<Float>, count: Int) {
  for i in 0..<count { dInput[i] += dOut[i] * other[i] }
}

/// out[i] = factor · x[i].
@inlinable
func scaleForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, factor: Float, count: Int) {
  for i in 0..<count { out[i] = factor * x[i] }
}

/// dInput[i] += factor · dOut[i].
@inlinable
func scaleBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, factor: Float, count: Int) {
  for i in 0..<count { dInput[i] += factor * dOut[i] }
}

extension Tensor {
  /// Element-wise (Hadamard) product with a tensor of the same shape.
  ///
  /// A method rather than a `*` overload on purpose: a second arithmetic operator on `Tensor` made the type
  /// checker time out on ordinary integer index expressions inside closures (`yv[j * 3 + i]`).
  public func multiplied(by other: Tensor) -> Tensor {
    let a = self, b = other
    precondition(a.shape == b.shape, "multiply: shapes \(a.shape) and \(b.shape) differ")
    let n = a.count
    let out = TensorStorage(uninitialized: n)
    multiplyForward(out.pointer, a.pointer, b.pointer, count: n)
    return Tensor.opResult("multiply", shape: a.shape, storage: out, inputs: [a, b]) { dOut, grads in
      if let da = grads[0] { multiplyBackward(da, dOut, b.pointer, count: n) }
      if let db = grads[1] { multiplyBackward(db, dOut, a.pointer, count: n) }
    }
  }

  /// Every element multiplied by a constant (no gradient flows to the constant).
  public func scaled(by factor: Float) -> Tensor {
    let n = count
    let out = TensorStorage(uninitialized: n)
    scaleForward(out.pointer, pointer, factor: factor, count: n)
    return Tensor.opResult("scale", shape: shape, storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { scaleBackward(dx, dOut, factor: factor, count: n) }
    }
  }
}
