import TensorEngine

/// Result of comparing autograd gradients with central finite differences.
public struct GradientCheckReport: CustomStringConvertible {
  /// Largest |analytic − numeric| / max(|analytic|, |numeric|, floor) over all checked elements.
  public var maxRelativeError: Double
  public var maxAbsoluteError: Double
  /// The first few mismatches: (input index, element index, analytic, numeric).
  public var mismatches: [(input: Int, element: Int, analytic: Double, numeric: Double)]
  public var passed: Bool { mismatches.isEmpty }
  public var description: String {
    let firsts = mismatches.prefix(5).map { "input \($0.input)[\($0.element)]: analytic \($0.analytic) numeric \($0.numeric)" }
    return "max rel err \(maxRelativeError), max abs err \(maxAbsoluteError)"
      + (firsts.isEmpty ? "" : "; mismatches: " + firsts.joined(separator: "; "))
  }
}

/// Checks d/d(inputs) of L = Σ r_i · f(inputs)_i, with r a fixed random projection, against central differences.
///
/// Analytic gradients come from `backward(gradient: r)`; numeric ones perturb each input element by ±eps in
/// fp32 and evaluate L in Double. An element passes when |a − n| ≤ atol + rtol · max(|a|, |n|).
/// - Parameters:
///   - inputs: the tensors to differentiate with respect to (values only; leaves are made here).
///   - maxElementsPerInput: check at most this many elements of each input (spread evenly) to bound cost.
public func checkGradients(_ inputs: [Tensor], eps: Float = 1e-3, rtol: Double = 1e-2, atol: Double = 1e-3,
                           seed: UInt64 = 7, maxElementsPerInput: Int = 200,
                           _ f: ([Tensor]) -> Tensor) -> GradientCheckReport {
  let leaves = inputs.enumerated().map { $1.detached().requiringGrad(name: "input\($0)") }
  let out = f(leaves)
  var rng = PRNG(seed: seed)
  let projection = Tensor.randomUniform(out.shape, low: -1, high: 1, using: &rng)
  out.backward(gradient: projection)

  func loss(_ xs: [Tensor]) -> Double {
    let y = noGrad { f(xs) }
    var sum = 0.0
    for i in 0..<y.count { sum += Double(y.pointer[i]) * Double(projection.pointer[i]) }
    return sum
  }

  var report = GradientCheckReport(maxRelativeError: 0, maxAbsoluteError: 0, mismatches: [])
  for (k, input) in inputs.enumerated() {
    let analytic = leaves[k].grad?.values ?? [Float](repeating: 0, count: input.count)
    let copies = inputs.map { Tensor(shape: $0.shape, values: $0.values) }
    let buffer = copies[k].storage.pointer
    let stepSize = max(1, input.count / maxElementsPerInput)
    for e in stride(from: 0, to: input.count, by: stepSize) {
      let saved = buffer[e]
      buffer[e] = saved + eps
      let plus = loss(copies)
      buffer[e] = saved - eps
      let minus = loss(copies)
      buffer[e] = saved
      let numeric = (plus - minus) / (2 * Double(eps))
      let a = Double(analytic[e])
      let diff = abs(a - numeric)
      let scale = max(abs(a), abs(numeric), 1e-6)
      report.maxAbsoluteError = max(report.maxAbsoluteError, diff)
      report.maxRelativeError = max(report.maxRelativeError, diff / scale)
      if diff > atol + rtol * max(abs(a), abs(numeric)) {
        report.mismatches.append((k, e, a, numeric))
      }
    }
  }
  return report
}
