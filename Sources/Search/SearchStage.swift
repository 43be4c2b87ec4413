import Datasets
import NN
import TensorEngine

/// Loss, top-1 hits and examples of one step.
public struct StepResult: Sendable {
  public var loss: Float
  public var correct: Int
  public var count: Int
}

/// One stage of a search (the whole search for DARTS/PC): a supernet, the optional self-supervised projector,
/// and the two optimisers of the first-order bilevel scheme (ALGORITHMS.md §3): SGD with momentum on the
/// weights (train half), Adam on α/β (val half). Each step zeroes its own gradients first and freezes the other
/// side's parameters, so neither step's gradients leak into the other optimiser.
public final class SearchStage {
  public let supernet: Supernet
  public let projector: ProjectorHead?
  public let settings: SearchSettings
  public let weightOptimizer: SGD
  public let architectureOptimizer: Adam
  /// Supernet weights plus projector weights.
  public let weightParameters: [Parameter]

  public init(supernet: Supernet, settings: SearchSettings, projectorSeed: UInt64) {
    self.supernet = supernet
    self.settings = settings
    projector = settings.usesSelfSupervision
      ? ProjectorHead(inFeatures: supernet.featureChannels, dimension: settings.projectorDimension, seed: projectorSeed)
      : nil
    weightParameters = supernet.weightParameters + (projector?.parameters ?? [])
    weightOptimizer = SGD(weightParameters, learningRate: settings.learningRate, momentum: settings.momentum,
                          weightDecay: settings.weightDecay)
    architectureOptimizer = Adam(supernet.architectureParameters, learningRate: settings.architectureLearningRate,
                                 beta1: settings.architectureBeta1, beta2: settings.architectureBeta2,
                                 weightDecay: settings.architectureWeightDecay)
  }

  /// Every non-trainable buffer of the stage (BN running statistics).
  public var buffers: [NamedBuffer] { supernet.buffers + (projector?.buffers ?? []) }

  /// The search loss on a batch: cross-entropy, or ss·L_BT/D + (1 − ss)·CE with two views (§6.3: CE on the
  /// first view, L_BT divided by the projector width D so both terms have comparable scale).
  public func objective(_ batch: Batch, _ context: ForwardContext) -> (loss: Tensor, logits: Tensor) {
    guard let projector, let second = batch.secondView else {
      let logits = supernet.forward(batch.images, context)
      return (Tensor.crossEntropy(logits: logits, labels: batch.labels), logits)
    }
    let ss = settings.ssFactor
    let featuresA = supernet.features(batch.images, context)
    let featuresB = supernet.features(second, context)
    let logits = supernet.logits(fromFeatures: featuresA, context)
    let d = Float(projector.dimension)
    let lambda = settings.barlowTwinsLambda > 0 ? settings.barlowTwinsLambda : 1 / d
    let barlow = Tensor.barlowTwinsLoss(projector.forward(featuresA, context), projector.forward(featuresB, context),
                                        lambda: lambda).scaled(by: ss / d)
    if ss >= 1 { return (barlow, logits) }   // no labels in the loss
    return (barlow + Tensor.crossEntropy(logits: logits, labels: batch.labels).scaled(by: 1 - ss), logits)
  }

  /// Runs `body` with the given parameters frozen (no gradient node), restoring them afterwards.
  func withFrozen<T>(_ parameters: [Parameter], _ body: () throws -> T) rethrows -> T {
    for p in parameters { p.requiresGrad = false }
    defer { for p in parameters { p.requiresGrad = true } }
    return try body()
  }

  /// Weight step on a train-half batch: CE (or the SS loss), global-norm clip, SGD.
  public func weightStep(_ batch: Batch, _ context: ForwardContext) -> StepResult {
    weightOptimizer.zeroGrad()
    let (loss, logits) = withFrozen(supernet.architectureParameters) { objective(batch, context) }
    let value = loss.scalarValue
    guard value.isFinite else { return StepResult(loss: value, correct: 0, count: batch.count) }
    loss.backward()
    clipGradientNorm(weightParameters, maxNorm: settings.gradientClip)
    weightOptimizer.step()
    return StepResult(loss: value, correct: Tensor.top1Correct(logits: logits, labels: batch.labels),
                      count: batch.count)
  }

  /// First-order architecture step on a val-half batch: d(loss)/d(α, β) at the current weights, Adam.
  public func architectureStep(_ batch: Batch, _ context: ForwardContext) -> StepResult {
    architectureOptimizer.zeroGrad()
    let (loss, logits) = withFrozen(weightParameters) { objective(batch, context) }
    let value = loss.scalarValue
    guard value.isFinite else { return StepResult(loss: value, correct: 0, count: batch.count) }
    loss.backward()
    if settings.architectureGradientClip > 0 {
      clipGradientNorm(supernet.architectureParameters, maxNorm: settings.architectureGradientClip)
    }
    architectureOptimizer.step()
    return StepResult(loss: value, correct: Tensor.top1Correct(logits: logits, labels: batch.labels),
                      count: batch.count)
  }

  /// Second-order (unrolled) architecture step of DARTS (§3.3, the code's version with momentum and weight decay
  /// in the virtual step): g_α = ∇_α L_val(w′) − η·(∇_α L_train(w⁺) − ∇_α L_train(w⁻)) / 2ε, with
  /// w′ = w − η(μ·m + ∇_w L_train + λw), v = ∇_{w′} L_val(w′), ε = 0.01/‖v‖, w± = w ± ε·v.
  public func unrolledArchitectureStep(validation: Batch, train: Batch, learningRate eta: Float,
                                       _ context: ForwardContext) -> StepResult {
    let weights = supernet.weightParameters
    let architecture = supernet.architectureParameters
    let saved = weights.map { Array(UnsafeBufferPointer(start: $0.data, count: $0.count)) }
    func restore() { for (p, values) in zip(weights, saved) { p.data.update(from: values, count: p.count) } }

    // 1. Virtual step w′ on the train batch.
    for p in weights { p.zeroGrad() }
    let trainLoss = withFrozen(architecture) { objective(train, context).loss }
    trainLoss.backward()
    let mu = settings.momentum, lambda = settings.weightDecay
    for (k, p) in weights.enumerated() {
      let g = p.gradData, m = weightOptimizer.momentumBuffers[k]?.pointer
      for i in 0..<p.count {
        let momentum = m.map { mu * $0[i] } ?? 0
        p.data[i] -= eta * (momentum + (g?[i] ?? 0) + lambda * p.data[i])
      }
    }
    // 2. At w′: g1 = ∇_α L_val, v = ∇_w′ L_val.
    for p in weights + architecture { p.zeroGrad() }
    let (valLoss, logits) = objective(validation, context)
    let value = valLoss.scalarValue
    guard value.isFinite else { restore(); return StepResult(loss: value, correct: 0, count: validation.count) }
    valLoss.backward()
    let g1 = architecture.map { $0.grad?.values ?? [Float](repeating: 0, count: $0.count) }
    let v = weights.map { $0.grad?.values ?? [Float](repeating: 0, count: $0.count) }
    let norm = Float(v.reduce(0.0) { $0 + $1.reduce(0.0) { $0 + Double($1) * Double($1) } }.squareRoot())
    let epsilon = 0.01 / max(norm, 1e-12)

    // 3. ∇_α L_train at w ± ε·v (from the original w).
    func architectureGradient(sign: Float) -> [[Float]] {
      for (k, p) in weights.enumerated() {
        for i in 0..<p.count { p.data[i] = saved[k][i] + sign * epsilon * v[k][i] }
      }
      for p in architecture { p.zeroGrad() }
      withFrozen(weights) { objective(train, context).loss }.backward()
      return architecture.map { $0.grad?.values ?? [Float](repeating: 0, count: $0.count) }
    }
    let gPlus = architectureGradient(sign: 1)
    let gMinus = architectureGradient(sign: -1)
    restore()

    // 4. g_α = g1 − η (g⁺ − g⁻) / 2ε, then Adam.
    for (k, p) in architecture.enumerated() {
      p.setGradient((0..<p.count).map { i in g1[k][i] - eta * (gPlus[k][i] - gMinus[k][i]) / (2 * epsilon) })
    }
    for p in weights { p.zeroGrad() }
    architectureOptimizer.step()
    return StepResult(loss: value, correct: Tensor.top1Correct(logits: logits, labels: validation.labels),
                      count: validation.count)
  }
}
