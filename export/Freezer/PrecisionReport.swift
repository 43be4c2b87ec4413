import TensorEngine

/// How far a graph with reduced-precision weights is from the fp32 graph on the same inputs.
public struct PrecisionReport: Equatable, Sendable {
  public var samples: Int
  /// Fraction of samples whose arg-max class is the same (ties broken the same way in both).
  public var top1Agreement: Double
  /// Largest |logit − reference logit| over every sample and class.
  public var maxLogitDifference: Float

  /// Runs `reference` and `candidate` on `inputs` (N, C, H, W) in batches of `batchSize` and compares their logits.
  public init(reference: FrozenGraph, candidate: FrozenGraph, inputs: Tensor, batchSize: Int = 64) {
    let n = inputs.shape[0]
    var agree = 0
    var maxDifference: Float = 0
    var start = 0
    while start < n {
      let count = min(batchSize, n - start)
      let batch = inputs.sliced(axis: 0, start..<(start + count))
      let a = reference.evaluate(batch).values, b = candidate.evaluate(batch).values
      let k = a.count / count
      for i in 0..<count {
        let ra = a[(i * k)..<((i + 1) * k)], rb = b[(i * k)..<((i + 1) * k)]
        if ra.indices.max(by: { ra[$0] < ra[$1] }) == rb.indices.max(by: { rb[$0] < rb[$1] }) { agree += 1 }
        for j in 0..<k { maxDifference = max(maxDifference, abs(ra[i * k + j] - rb[i * k + j])) }
      }
      start += count
    }
    samples = n
    top1Agreement = n == 0 ? 1 : Double(agree) / Double(n)
    maxLogitDifference = maxDifference
  }
}
