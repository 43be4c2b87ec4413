/// out[i] = max(x[i], 0).  x, out: (count,)
@inlinable
func reluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
  for i in 0..<count { out[i] = x[i] > 0 ? x[i] : 0 }
}

/// Accumulates into dInput; the gradient at 0 is 0. Uses the saved output, not the input.
@inlinable
func reluBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                  _ out: UnsafePointer<Float>, count: Int) {
  for i in 0..<count where out[i] > 0 { dInput[i] += dOut[i] }
}

extension Tensor {
  /// Rectified linear unit, element-wise.
  public func relu() -> Tensor {
    let n = count
    let out = TensorStorage(uninitialized: n)
    reluForward(out.pointer, pointer, count: n)
    return Tensor.opResult("relu", shape: shape, storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { reluBackward(dx, dOut, out.pointer, count: n) }
    }
  }
}
