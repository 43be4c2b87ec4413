// Σ_k w[index_k] · x_k, differentiable with respect to both the tensors and the weight tensor: the mixed-op
// sum of DARTS (Σ_o softmax(α_e)[o] · o(x)) and PC-DARTS' β edge weighting, without slicing the weight tensor.

/// Elements per parallel block of the element-wise passes; each element's arithmetic is the same whichever
/// block or thread computes it, so results do not depend on the thread count.
let weightedSumBlock = 16_384

/// out[i] = Σ_k factors[k] · inputs[k][i], k in increasing order.  inputs: terms × (count,); out: (count,).
func weightedSumForward(_ out: UnsafeMutablePointer<Float>, _ inputs: UnsafePointer<UnsafePointer<Float>>,
                        _ factors: UnsafePointer<Float>, terms: Int, range: Range<Int>) {
  let f0 = factors[0], x0 = inputs[0]
  for i in range { out[i] = f0 * x0[i] }
  for k in 1..<max(terms, 1) {
    let f = factors[k], x = inputs[k]
    for i in range { out[i] += f * x[i] }
  }
}

/// Σ_i dOut[i] · x[i] with 8 Float lanes per block of `weightedSumBlock` elements, blocks added in Double:
/// d(loss)/d(factor) of one term, in a fixed summation order.
func weightedSumFactorGradient(_ dOut: UnsafePointer<Float>, _ x: UnsafePointer<Float>, count: Int) -> Float {
  var total = 0.0
  var start = 0
  while start < count {
    let end = min(start + weightedSumBlock, count)
    var lanes = SIMD8<Float>.zero
    var i = start
    while i + 8 <= end {
      lanes.addProduct(UnsafeRawPointer(dOut + i).loadUnaligned(as: SIMD8<Float>.self),
                       UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self))
      i += 8
    }
    var sum = lanes.sum()
    while i < end { sum += dOut[i] * x[i]; i += 1 }
    total += Double(sum)
    start = end
  }
  return Float(total)
}

extension Tensor {
  /// Σ_k weights[indices[k]] · tensors[k]: a weighted sum whose weights are elements of another tensor.
  ///
  /// `weights` is addressed by flat element index, so one softmax over the whole α matrix (14, 8) serves every
  /// edge: edge e uses indices e·8 + o. Ops left out of the sum (e.g. `none`, which contributes zeros) simply
  /// have no term. Gradients flow to every tensor and to the addressed weight elements (an index may repeat).
  /// - Parameters:
  ///   - tensors: one or more tensors of the same shape.
  ///   - weights: any shape; only the elements named by `indices` are read.
  ///   - indices: flat element index into `weights` for each tensor.
  public static func weightedSum(_ tensors: [Tensor], weights: Tensor, indices: [Int]) -> Tensor {
    precondition(!tensors.isEmpty, "weightedSum needs at least one tensor")
    precondition(indices.count == tensors.count,
                 "weightedSum: \(tensors.count) tensors but \(indices.count) weight indices")
    let shape = tensors[0].shape
    for (k, t) in tensors.enumerated() {
      precondition(t.shape == shape, "weightedSum: tensor \(k) has shape \(t.shape), tensor 0 has \(shape)")
      precondition(indices[k] >= 0 && indices[k] < weights.count,
                   "weightedSum: index \(indices[k]) outside weights of shape \(weights.shape)")
    }
    let n = tensors[0].count, terms = tensors.count
    let inputPointers = tensors.map { $0.pointer }
    let factors = indices.map { weights.pointer[$0] }
    let out = TensorStorage(uninitialized: n)
    let o = out.pointer
    inputPointers.withUnsafeBufferPointer { xs in
      factors.withUnsafeBufferPointer { fs in
        let xp = xs.baseAddress!, fp = fs.baseAddress!
        parallelFor((n + weightedSumBlock - 1) / weightedSumBlock) { block in
          let start = block * weightedSumBlock
          weightedSumForward(o, xp, fp, terms: terms, range: start..<min(start + weightedSumBlock, n))
        }
      }
    }
    return opResult("weightedSum", shape: shape, storage: out, inputs: tensors + [weights]) { dOut, grads in
      // Keeps the tensors alive (their storage is read for the weight gradient) and the factor values.
      let xs = tensors.map { $0.pointer }
      // Terms in order, each split over element blocks: the same tensor may appear as several terms (its
      // gradient buffer is then shared), so two terms never write concurrently.
      let blocks = (n + weightedSumBlock - 1) / weightedSumBlock
      for k in 0..<terms {
        guard let dx = grads[k] else { continue }
        let factor = factors[k]
        parallelFor(blocks) { block in
          let start = block * weightedSumBlock
          scaleBackward(dx + start, dOut + start, factor: factor, count: min(weightedSumBlock, n - start))
        }
      }
      guard let dWeights = grads[terms] else { return }
      var partials = [Float](repeating: 0, count: terms)
      partials.withUnsafeMutableBufferPointer { pb in
        let pp = pb.baseAddress!
        parallelFor(terms) { k in pp[k] = weightedSumFactorGradient(dOut, xs[k], count: n) }
      }
      for k in 0..<terms { dWeights[indices[k]] += partials[k] }
    }
  }

  /// Σ_k weights[k] · tensors[k], weights holding exactly one element per tensor.
  public static func weightedSum(_ tensors: [Tensor], weights: Tensor) -> Tensor {
    precondition(weights.count == tensors.count,
                 "weightedSum: \(tensors.count) tensors but weights of shape \(weights.shape)")
    return weightedSum(tensors, weights: weights, indices: Array(0..<tensors.count))
  }

  /// This tensor times one element of `weights` (flat `index`), differentiable with respect to both:
  /// e.g. β's softmax weight scaling a whole mixed-op output.
  public func scaled(by weights: Tensor, index: Int) -> Tensor {
    Tensor.weightedSum([self], weights: weights, indices: [index])
  }
}
