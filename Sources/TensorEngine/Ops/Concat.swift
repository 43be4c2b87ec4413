// Concatenation along one axis. Every input is viewed as (outer, length_k, inner): the axes before the
// concatenation axis, the axis itself, and the axes after it; the output row o is the inputs' rows o laid end
// to end. Pure data movement: exact in both directions.

/// Copies `rows` blocks of `block` floats from `source` (stride `block`) into `destination` at stride `rowStride`.
func concatCopyBlocks(_ destination: UnsafeMutablePointer<Float>, rowStride: Int, _ source: UnsafePointer<Float>,
                rows: Int, block: Int) {
  for r in 0..<rows { (destination + r * rowStride).update(from: source + r * block, count: block) }
}

/// dInput[r, :] += dOut[r · rowStride + :]: the backward of `concatCopyBlocks` (and of a slice, read the other way).
func concatAccumulateBlocks(_ dInput: UnsafeMutablePointer<Float>, _ dOut: UnsafePointer<Float>, rowStride: Int,
                      rows: Int, block: Int) {
  for r in 0..<rows {
    let d = dInput + r * block, s = dOut + r * rowStride
    for i in 0..<block { d[i] += s[i] }
  }
}

extension Tensor {
  /// Joins tensors along `axis` (negative counts from the end); all other dimensions must agree.
  public static func cat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "cat needs at least one tensor")
    let first = tensors[0].shape
    let a = axis < 0 ? axis + first.count : axis
    precondition(a >= 0 && a < first.count, "cat: axis \(axis) out of range for shape \(first)")
    for t in tensors {
      precondition(t.rank == first.count && t.shape[..<a] == first[..<a] && t.shape[(a + 1)...] == first[(a + 1)...],
                   "cat along axis \(a): shape \(t.shape) does not match \(first)")
    }
    let outer = first[..<a].reduce(1, *), inner = first[(a + 1)...].reduce(1, *)
    let lengths = tensors.map { $0.shape[a] }
    let total = lengths.reduce(0, +)
    var outShape = first
    outShape[a] = total
    let out = TensorStorage(uninitialized: outer * total * inner)
    let rowStride = total * inner
    var offsets: [Int] = []
    var offset = 0
    for (k, t) in tensors.enumerated() {
      offsets.append(offset)
      concatCopyBlocks(out.pointer + offset, rowStride: rowStride, t.pointer, rows: outer, block: lengths[k] * inner)
      offset += lengths[k] * inner
    }
    return opResult("cat", shape: outShape, storage: out, inputs: tensors) { dOut, grads in
      for k in 0..<lengths.count {
        if let dx = grads[k] {
          concatAccumulateBlocks(dx, dOut + offsets[k], rowStride: rowStride, rows: outer, block: lengths[k] * inner)
        }
      }
    }
  }

  /// Joins (N, C_k, H, W) tensors along the channel axis, in order: (N, Σ C_k, H, W).
  public static func concatChannels(_ tensors: [Tensor]) -> Tensor {
    for t in tensors { _ = t.nchw("concatChannels input") }
    return cat(tensors, axis: 1)
  }

  /// The elements whose index along `axis` lies in `range` (a copy); the gradient flows back into that range.
  public func sliced(axis: Int, _ range: Range<Int>) -> Tensor {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "slice: axis \(axis) out of range for shape \(shape)")
    precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                 "slice: range \(range) outside axis \(a) of length \(shape[a]) (shape \(shape))")
    let outer = shape[..<a].reduce(1, *), inner = shape[(a + 1)...].reduce(1, *)
    let rowStride = shape[a] * inner, block = range.count * inner, start = range.lowerBound * inner
    var outShape = shape
    outShape[a] = range.count
    let out = TensorStorage(uninitialized: outer * block)
    let source = pointer + start, destination = out.pointer
    for r in 0..<outer { (destination + r * block).update(from: source + r * rowStride, count: block) }
    return Tensor.opResult("slice", shape: outShape, storage: out, inputs: [self]) { dOut, grads in
      guard let dx = grads[0] else { return }
      for r in 0..<outer {
        let d = dx + start + r * rowStride, s = dOut + r * block
        for i in 0..<block { d[i] += s[i] }
      }
    }
  }

  /// Channels `range` of an (N, C, H, W) tensor: (N, range.count, H, W). PC-DARTS' processed slice.
  public func sliceChannels(_ range: Range<Int>) -> Tensor {
    _ = nchw("sliceChannels input")
    return sliced(axis: 1, range)
  }
}
