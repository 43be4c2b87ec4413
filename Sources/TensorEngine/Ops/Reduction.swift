// Sums and means, over all elements or along one axis. A tensor reduced along axis a is viewed as
// (outer, length, inner) with outer = product of the axes before a and inner = product of those after.

/// out[o, i] = Σ_l x[o, l, i], accumulated in Double in increasing l.  x: (outer, length, inner); out: (outer, inner).
func sumAxisForward(_ out: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, scale: Float,
                    outer: Int, length: Int, inner: Int) {
  var partial = [Double](repeating: 0, count: inner)
  partial.withUnsafeMutableBufferPointer { pb in
    let acc = pb.baseAddress!
    for o in 0..<outer {
      for i in 0..<inner { acc[i] = 0 }
      for l in 0..<length {
        let row = x + (o * length + l) * inner
        for i in 0..<inner { acc[i] += Double(row[i]) }
      }
      let op = out + o * inner
      for i in 0..<inner { op[i] = Float(acc[i]) * scale }
    }
  }
}

/// dInput[o, l, i] += scale · dOut[o, i]  (the sum broadcasts its gradient back over the reduced axis).
func sumAxisBackward(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, scale: Float,
                     outer: Int, length: Int, inner: Int) {
  for o in 0..<outer {
    let dp = dOut + o * inner
    for l in 0..<length {
      let row = dInput + (o * length + l) * inner
      for i in 0..<inner { row[i] += scale * dp[i] }
    }
  }
}

extension Tensor {
  /// Sum of all elements (accumulated in Double), as a scalar tensor (shape []).
  public func sum() -> Tensor { reduceAll(scale: 1, name: "sum") }

  /// Mean of all elements, as a scalar tensor (shape []).
  public func mean() -> Tensor {
    precondition(count > 0, "mean of an empty tensor (shape \(shape))")
    return reduceAll(scale: 1 / Float(count), name: "mean")
  }

  /// Sum along `axis` (negative counts from the end); the axis is removed from the shape.
  public func sum(axis: Int) -> Tensor { reduce(axis: axis, mean: false) }

  /// Mean along `axis` (negative counts from the end); the axis is removed from the shape.
  public func mean(axis: Int) -> Tensor { reduce(axis: axis, mean: true) }

  private func reduceAll(scale: Float, name: String) -> Tensor {
    let out = TensorStorage(uninitialized: 1)
    sumAxisForward(out.pointer, pointer, scale: scale, outer: 1, length: count, inner: 1)
    let n = count
    return Tensor.opResult(name, shape: [], storage: out, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { sumAxisBackward(dx, dOut, scale: scale, outer: 1, length: n, inner: 1) }
    }
  }

  private func reduce(axis: Int, mean: Bool) -> Tensor {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "\(mean ? "mean" : "sum")(axis: \(axis)) out of range for shape \(shape)")
    let outer = shape[..<a].reduce(1, *), length = shape[a], inner = shape[(a + 1)...].reduce(1, *)
    precondition(!mean || length > 0, "mean(axis: \(axis)) over an empty axis, shape \(shape)")
    let scale: Float = mean ? 1 / Float(length) : 1
    var outShape = shape
    outShape.remove(at: a)
    let out = TensorStorage(uninitialized: outer * inner)
    sumAxisForward(out.pointer, pointer, scale: scale, outer: outer, length: length, inner: inner)
    return Tensor.opResult(mean ? "mean(axis)" : "sum(axis)", shape: outShape, storage: out,
                           inputs: [self]) { dOut, grads in
      if let dx = grads[0] { sumAxisBackward(dx, dOut, scale: scale, outer: outer, length: length, inner: inner) }
    }
  }
}
