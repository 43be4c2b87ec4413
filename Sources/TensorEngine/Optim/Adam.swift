import Glibc

/// Adam with PyTorch's semantics (torch.optim.Adam, amsgrad off). Weight decay is L2 added to the gradient
/// (not decoupled, unlike AdamW), which is what the DARTS family uses for α and β:
///
///     g = grad + weightDecay · p
///     m = β1·m + (1−β1)·g,   v = β2·v + (1−β2)·g²
///     p -= lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + eps)
public final class Adam {
  public let parameters: [Parameter]
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var epsilon: Float
  public var weightDecay: Float
  /// Steps taken per parameter (bias correction uses each parameter's own count, as PyTorch does).
  public private(set) var stepCounts: [Int]
  var firstMoments: [TensorStorage]
  var secondMoments: [TensorStorage]

  public init(_ parameters: [Parameter], learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999,
              epsilon: Float = 1e-8, weightDecay: Float = 0) {
    self.parameters = parameters
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.weightDecay = weightDecay
    stepCounts = Array(repeating: 0, count: parameters.count)
    firstMoments = parameters.map { TensorStorage(zeros: $0.count) }
    secondMoments = parameters.map { TensorStorage(zeros: $0.count) }
  }

  public func step() {
    for (k, parameter) in parameters.enumerated() {
      guard let g = parameter.gradData else { continue }
      stepCounts[k] += 1
      let t = Double(stepCounts[k])
      let correction1 = Float(1 - pow(Double(beta1), t))
      let correction2Root = Float((1 - pow(Double(beta2), t)).squareRoot())
      let p = parameter.data, m = firstMoments[k].pointer, v = secondMoments[k].pointer
      let b1 = beta1, b2 = beta2, wd = weightDecay, eps = epsilon
      let stepSize = learningRate / correction1
      for i in 0..<parameter.count {
        let gi = g[i] + wd * p[i]
        m[i] = b1 * m[i] + (1 - b1) * gi
        v[i] = b2 * v[i] + (1 - b2) * gi * gi
        let denominator = v[i].squareRoot() / correction2Root + eps
        p[i] -= stepSize * m[i] / denominator
      }
    }
  }

  public func zeroGrad() { for p in parameters { p.zeroGrad() } }

  /// Optimiser state for checkpoints.
  public func stateTensors() -> [(name: String, tensor: Tensor)] {
    var result: [(String, Tensor)] = []
    for (k, parameter) in parameters.enumerated() {
      result.append(("adam.m.\(parameter.name)", Tensor(shape: parameter.shape,
        storage: TensorStorage(copying: firstMoments[k].pointer, count: parameter.count))))
      result.append(("adam.v.\(parameter.name)", Tensor(shape: parameter.shape,
        storage: TensorStorage(copying: secondMoments[k].pointer, count: parameter.count))))
      result.append(("adam.step.\(parameter.name)", Tensor(shape: [1], values: [Float(stepCounts[k])])))
    }
    return result
  }

  /// Restores state written by `stateTensors()`; missing entries leave a parameter's state fresh.
  public func loadState(_ lookup: (String) -> Tensor?) {
    for (k, parameter) in parameters.enumerated() {
      guard let m = lookup("adam.m.\(parameter.name)"), m.count == parameter.count,
            let v = lookup("adam.v.\(parameter.name)"), v.count == parameter.count,
            let steps = lookup("adam.step.\(parameter.name)") else { continue }
      firstMoments[k].pointer.update(from: m.pointer, count: m.count)
      secondMoments[k].pointer.update(from: v.pointer, count: v.count)
      stepCounts[k] = Int(steps.scalarValue)
    }
  }
}
