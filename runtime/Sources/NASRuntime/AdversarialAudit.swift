import SeededRandom

/// The attack of a robustness audit, with ε in pixel units of [0, 1] (gradients taken through the normalisation).
public enum Attack: Equatable, Sendable, CustomStringConvertible {
  /// x_adv = clip(x + ε·sign(∇x J(x, y)), 0, 1).
  case fgsm
  /// Random start uniform in the ε-ball, then `steps` steps x ← Π(x + α·sign(∇x J)), Π = projection onto the
  /// ε-ball around x and [0, 1]; α = `stepSize`, or 2.5·ε / steps when nil (Madry et al.).
  case pgd(steps: Int, stepSize: Float?)

  public var description: String {
    switch self {
    case .fgsm: return "fgsm"
    case let .pgd(steps, stepSize):
      return "pgd(steps: \(steps), step size: \(stepSize.map { "\($0)" } ?? "2.5·ε/steps"))"
    }
  }
}

/// Accuracy under attack for every ε of an audit.
public struct AuditResult: Equatable, Sendable {
  public var epsilons: [Float]
  /// Samples audited.
  public var total: Int
  /// Correct predictions per ε.
  public var correct: [Int]
  /// Correct predictions per ε and class: [ε][class].
  public var correctPerClass: [[Int]]
  /// Samples per class.
  public var totalPerClass: [Int]
  /// Mean over samples of max_i |x_adv − x| (pixel units) actually applied, per ε.
  public var meanLInf: [Double]
  /// The largest per-sample L∞ seen, per ε (never above ε).
  public var maxLInf: [Double]

  /// correct / total per ε.
  public var accuracy: [Double] { correct.map { total == 0 ? 0 : Double($0) / Double(total) } }
}

/// FGSM / PGD robustness audit of a model on labelled 8-bit images, on the deployed model itself.
public struct AdversarialAudit {
  public var epsilons: [Float]
  public var attack: Attack
  public var batchSize: Int
  /// Seeds PGD's random start (per sample: the same result for any batch size).
  public var seed: UInt64

  public init(epsilons: [Float], attack: Attack = .fgsm, batchSize: Int = 32, seed: UInt64 = 0) {
    self.epsilons = epsilons
    self.attack = attack
    self.batchSize = batchSize
    self.seed = seed
  }

  /// Runs the audit.
  ///
  /// - Parameters:
  ///   - images: `labels.count` planar (C, H, W) 8-bit samples of the model's input size.
  ///   - labels: class indices in 0 ..< classCount.
  ///   - adversarial: called with (ε index, sample index, adversarial pixels in [0, 1], predicted class) for every
  ///     sample at every ε (e.g. to save PNGs); may be nil.
  /// - Throws: `RuntimeError` for a bad ε, PGD step count, label or image size.
  public func run(model: InferenceModel, images: [UInt8], labels: [Int],
                  adversarial: ((Int, Int, UnsafeBufferPointer<Float>, Int) -> Void)? = nil) throws(RuntimeError) -> AuditResult {
    for e in epsilons where !(e >= 0 && e <= 1) { throw .badAttackParameter("ε \(e) must be in [0, 1]") }
    if case let .pgd(steps, stepSize) = attack {
      guard steps >= 1 else { throw .badAttackParameter("PGD steps \(steps) must be ≥ 1") }
      if let a = stepSize, !(a > 0 && a.isFinite) { throw .badAttackParameter("PGD step size \(a) must be > 0") }
    }
    guard batchSize >= 1 else { throw .badBatchSize(batchSize) }
    let sampleCount = model.inputCount, classes = model.classCount
    guard images.count == labels.count * sampleCount else {
      throw .inputSizeMismatch(expected: labels.count * sampleCount, actual: images.count)
    }
    for label in labels where label < 0 || label >= classes { throw .labelOutOfRange(label: label, classCount: classes) }

    var result = AuditResult(epsilons: epsilons, total: labels.count,
                             correct: [Int](repeating: 0, count: epsilons.count),
                             correctPerClass: [[Int]](repeating: [Int](repeating: 0, count: classes), count: epsilons.count),
                             totalPerClass: [Int](repeating: 0, count: classes),
                             meanLInf: [Double](repeating: 0, count: epsilons.count),
                             maxLInf: [Double](repeating: 0, count: epsilons.count))
    for label in labels { result.totalPerClass[label] += 1 }
    var start = 0
    while start < labels.count {
      let end = min(start + batchSize, labels.count)
      let batchLabels = Array(labels[start..<end])
      let clean = images[(start * sampleCount)..<(end * sampleCount)].map { Float($0) / 255 }
      // FGSM's gradient at the clean image is the same for every ε.
      let cleanGradient = attack == .fgsm && epsilons.contains(where: { $0 > 0 })
        ? try model.pixelGradient(unitPixels: clean, labels: batchLabels).gradient : []
      for (e, epsilon) in epsilons.enumerated() {
        let adv: [Float]
        if epsilon == 0 {
          adv = clean
        } else if case let .pgd(steps, stepSize) = attack {
          adv = try pgd(model: model, clean: clean, labels: batchLabels, firstSample: start, epsilon: epsilon,
                        steps: steps, stepSize: stepSize ?? 2.5 * epsilon / Float(steps))
        } else {
          adv = signStep(clean, from: clean, gradient: cleanGradient, size: epsilon, epsilon: epsilon)
        }
        let predictions = try predict(model: model, unitPixels: adv, batch: batchLabels.count)
        for (i, label) in batchLabels.enumerated() {
          if predictions[i] == label {
            result.correct[e] += 1
            result.correctPerClass[e][label] += 1
          }
          var lInf = 0.0
          for j in (i * sampleCount)..<((i + 1) * sampleCount) { lInf = max(lInf, abs(Double(adv[j]) - Double(clean[j]))) }
          result.meanLInf[e] += lInf
          result.maxLInf[e] = max(result.maxLInf[e], lInf)
          if let adversarial {
            adv.withUnsafeBufferPointer { a in
              adversarial(e, start + i, UnsafeBufferPointer(rebasing: a[(i * sampleCount)..<((i + 1) * sampleCount)]),
                          predictions[i])
            }
          }
        }
      }
      start = end
    }
    if labels.count > 0 { result.meanLInf = result.meanLInf.map { $0 / Double(labels.count) } }
    return result
  }

  /// PGD from a seeded random start in the ε-ball.
  private func pgd(model: InferenceModel, clean: [Float], labels: [Int], firstSample: Int, epsilon: Float, steps: Int,
                   stepSize: Float) throws(RuntimeError) -> [Float] {
    let sampleCount = model.inputCount
    var x = clean
    for i in 0..<labels.count {
      var rng = SplitMix64(seed: seed ^ (UInt64(firstSample + i) &* 0x9E37_79B9_7F4A_7C15))
      for j in (i * sampleCount)..<((i + 1) * sampleCount) {
        x[j] = project(clean[j] + epsilon * (2 * rng.unitFloat() - 1), around: clean[j], epsilon: epsilon)
      }
    }
    for _ in 0..<steps {
      let g = try model.pixelGradient(unitPixels: x, labels: labels).gradient
      x = signStep(x, from: clean, gradient: g, size: stepSize, epsilon: epsilon)
    }
    return x
  }

  /// The class predicted for each of `batch` samples of [0, 1] pixels.
  private func predict(model: InferenceModel, unitPixels: [Float], batch: Int) throws(RuntimeError) -> [Int] {
    try model.prepare(batchSize: batch)
    let input = model.inputBuffer.baseAddress!
    let norm = model.normalization
    unitPixels.withUnsafeBufferPointer { norm.normalize(input, unitPixels: $0.baseAddress!, batch: batch) }
    let logits = model.run()
    let k = model.classCount
    return (0..<batch).map { n in argmax(UnsafeBufferPointer(rebasing: logits[(n * k)..<((n + 1) * k)])) }
  }
}

/// Π(x + size·sign(g)) elementwise: projected onto [clean − ε, clean + ε] ∩ [0, 1]; sign(0) = 0.
func signStep(_ x: [Float], from clean: [Float], gradient: [Float], size: Float, epsilon: Float) -> [Float] {
  var out = x
  for i in out.indices {
    let g = gradient[i]
    let s: Float = g > 0 ? 1 : (g < 0 ? -1 : 0)
    out[i] = project(x[i] + size * s, around: clean[i], epsilon: epsilon)
  }
  return out
}

/// v clipped to [0, 1] and to the ε-ball around `center`, so that |result − center| ≤ ε holds exactly
/// (center ± ε is rounded toward the centre when it is not representable).
@inline(__always)
func project(_ v: Float, around center: Float, epsilon: Float) -> Float {
  var lo = center - epsilon, hi = center + epsilon
  while Double(center) - Double(lo) > Double(epsilon) { lo = lo.nextUp }
  while Double(hi) - Double(center) > Double(epsilon) { hi = hi.nextDown }
  return min(max(min(max(v, lo), hi), 0), 1)
}
