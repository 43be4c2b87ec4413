extension Tensor {
  /// The same elements viewed with another shape of equal element count (no copy). One dimension may be -1.
  public func reshaped(_ newShape: [Int]) -> Tensor {
    var resolved = newShape
    if let unknown = newShape.firstIndex(of: -1) {
      let known = newShape.enumerated().filter { $0.offset != unknown }.map(\.element).reduce(1, *)
      precondition(known > 0 && count % known == 0, "reshape: cannot view \(shape) as \(newShape)")
      resolved[unknown] = count / known
    }
    precondition(Tensor.elementCount(resolved) == count, "reshape: cannot view \(shape) (\(count) elements) as \(newShape)")
    let n = count
    return Tensor.opResult("reshape", shape: resolved, storage: storage, inputs: [self]) { dOut, grads in
      if let dx = grads[0] { accumulate(dx, dOut, count: n) }
    }
  }
}
