/// out[i] = a[i] − b[i].  a, b, out: same shape.
@inlinable
func subtractForward(_ out: UnsafeMutablePointer<Float>, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>,
                     count: Int) {
  for i in 0..<count { out[i] = a[i] - b[i] }
}

/// dInput[i] −= dOut[i]  (the backward of the subtrahend; the minuend uses `accumulate`).
@inlinable
func accumulateNegated(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, count: Int) {
  for i in 0..<count { dInput[i] -= dOut[i] }
}

extension Tensor {
  /// Element-wise difference of two tensors of the same shape.
  public static func - (a: Tensor, b: Tensor) -> Tensor {
    precondition(a.shape == b.shape, "subtract: shapes \(a.shape) and \(b.shape) differ")
    let n = a.count
    let out = TensorStorage(uninitialized: n)
    subtractForward(out.pointer, a.pointer, b.pointer, count: n)
    return opResult("subtract", shape: a.shape, storage: out, inputs: [a, b]) { dOut, grads in
      if let da = grads[0] { accumulate(da, dOut, count: n) }
      if let db = grads[1] { accumulateNegated(db, dOut, count: n) }
    }
  }

  /// Element-wise negation (a method, not a prefix `-`, to keep operator overloads on `Tensor` few).
  public func negated() -> Tensor { scaled(by: -1) }
}
