import Glibc

// Softmax cross-entropy (fused log-softmax + negative log-likelihood, batch mean) and top-1 accuracy.
// Forward caches one log-sum-exp per row; backward recomputes softmax from the logits (llm.c style).

/// lse[r] = log Σ_k e^(x[r, k]) (max-shifted) and returns Σ_r (lse[r] − x[r, label_r]) in Double.
/// logits: (rows, classes); labels: (rows,); lse: (rows,).
func crossEntropyForward(_ lse: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
                         _ labels: UnsafePointer<Int>, rows: Int, classes: Int) -> Double {
  var total = 0.0
  for r in 0..<rows {
    let row = logits + r * classes
    var maximum = -Float.infinity
    for k in 0..<classes { maximum = max(maximum, row[k]) }
    var sum: Float = 0
    for k in 0..<classes { sum += expf(row[k] - maximum) }
    lse[r] = maximum + logf(sum)
    total += Double(lse[r] - row[labels[r]])
  }
  return total
}

/// dLogits[r, k] += scale · (e^(x[r, k] − lse[r]) − [k == label_r]), scale = d(loss)/d(mean) / rows.
func crossEntropyBackward(_ dLogits: UnsafeMutablePointer<Float>, _ logits: UnsafePointer<Float>,
                          _ lse: UnsafePointer<Float>, _ labels: UnsafePointer<Int>, scale: Float,
                          rows: Int, classes: Int) {
  for r in 0..<rows {
    let row = logits + r * classes, d = dLogits + r * classes, l = lse[r]
    for k in 0..<classes { d[k] += scale * expf(row[k] - l) }
    d[labels[r]] -= scale
  }
}

extension Tensor {
  /// Mean softmax cross-entropy of `logits` against integer class labels, as a scalar tensor:
  /// (1/N) Σ_n [log Σ_k e^(logits[n, k]) − logits[n, labels[n]]]. Numerically stable for large logits.
  /// - Parameters:
  ///   - logits: (N, K)
  ///   - labels: N class indices in 0..<K.
  public static func crossEntropy(logits: Tensor, labels: [Int]) -> Tensor {
    precondition(logits.rank == 2, "crossEntropy: logits must be (N, K), shape is \(logits.shape)")
    let rows = logits.shape[0], classes = logits.shape[1]
    precondition(rows > 0 && labels.count == rows,
                 "crossEntropy: \(labels.count) labels for logits of shape \(logits.shape)")
    for label in labels {
      precondition(label >= 0 && label < classes, "crossEntropy: label \(label) outside 0..<\(classes)")
    }
    let lse = TensorStorage(uninitialized: rows)
    let total = labels.withUnsafeBufferPointer { lb in
      crossEntropyForward(lse.pointer, logits.pointer, lb.baseAddress!, rows: rows, classes: classes)
    }
    let out = TensorStorage(uninitialized: 1)
    out.pointer[0] = Float(total / Double(rows))
    return opResult("crossEntropy", shape: [], storage: out, inputs: [logits]) { dOut, grads in
      guard let dx = grads[0] else { return }
      labels.withUnsafeBufferPointer { lb in
        crossEntropyBackward(dx, logits.pointer, lse.pointer, lb.baseAddress!, scale: dOut[0] / Float(rows),
                             rows: rows, classes: classes)
      }
    }
  }

  /// How many rows of `logits` (N, K) have their largest entry (first maximum on ties) at the label. No gradient.
  public static func top1Correct(logits: Tensor, labels: [Int]) -> Int {
    precondition(logits.rank == 2 && labels.count == logits.shape[0],
                 "top1Correct: \(labels.count) labels for logits of shape \(logits.shape)")
    let classes = logits.shape[1]
    var correct = 0
    for (r, label) in labels.enumerated() {
      let row = logits.pointer + r * classes
      var best = 0
      for k in 1..<max(classes, 1) where row[k] > row[best] { best = k }
      if best == label { correct += 1 }
    }
    return correct
  }
}
