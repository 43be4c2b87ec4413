/// out[i] = max(x[i], 0).  x, out: (count,)
/// Eight lanes at a time: the scalar form with a branch did not vectorise and cost ~5% of a training step.
@inlinable
func reluForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(out + i).storeBytes(of: v.replacing(with: 0, where: v .< 0), as: SIMD8<Float>.self)
    i += 8
  }
  while i < count {
    out[i] = x[i] > 0 ? x[i] : 0
    i += 1
  }
}

/// Accumulates into dInput; the gradient at 0 is 0. Uses the saved output, not the input.
@inlinable
func reluBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>,
                  _ out: UnsafePointer<Float>, count: Int) {
  var i = 0
  while i + 8 <= count {
    let y = UnsafeRawPointer(out + i).loadUnaligned(as: SIMD8<Float>.self)
    let g = UnsafeRawPointer(dOut + i).loadUnaligned(as: SIMD8<Float>.self)
    let d = UnsafeRawPointer(dInput + i).loadUnaligned(as: SIMD8<Float>.self)
    UnsafeMutableRawPointer(dInput + i).storeBytes(of: d + g.replacing(with: 0, where: y .<= 0), as: SIMD8<Float>.self)
    i += 8
  }
  while i < count {
    if out[i] > 0 { dInput[i] += dOut[i] }
    i += 1
  }
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
