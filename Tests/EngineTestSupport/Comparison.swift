import TensorEngine

/// Largest absolute difference between two equally long float sequences, and the first few mismatches
/// beyond `atol + rtol·|expected|` (printed on failure, like llm.c's check_tensor).
public func compare(_ actual: [Float], _ expected: [Float], rtol: Float = 1e-5, atol: Float = 1e-5)
  -> (maxDiff: Float, mismatches: [String]) {
  precondition(actual.count == expected.count, "compare: \(actual.count) vs \(expected.count) elements")
  var maxDiff: Float = 0
  var mismatches: [String] = []
  for i in 0..<actual.count {
    let d = abs(actual[i] - expected[i])
    if !(d <= atol + rtol * abs(expected[i])) {
      if mismatches.count < 5 { mismatches.append("[\(i)] actual \(actual[i]) expected \(expected[i])") }
      if d.isNaN { maxDiff = .nan }
    }
    if d > maxDiff { maxDiff = d }
  }
  return (maxDiff, mismatches)
}

/// Seeded random tensor with entries uniform in [low, high).
public func randomTensor(_ shape: [Int], seed: UInt64, low: Float = -1, high: Float = 1) -> Tensor {
  var rng = PRNG(seed: seed)
  return Tensor.randomUniform(shape, low: low, high: high, using: &rng)
}
