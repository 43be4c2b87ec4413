/// Stochastic gradient descent with PyTorch's semantics (torch.optim.SGD, dampening 0, no Nesterov):
///
///     d = grad + weightDecay · p          (coupled weight decay, added after any clipping)
///     buf = d (first step) else momentum · buf + d
///     p -= lr · buf
///
/// Parameters without a gradient this step are skipped, as in PyTorch.
public final class SGD {
  public let parameters: [Parameter]
  public var learningRate: Float
  public var momentum: Float
  public var weightDecay: Float
  /// Momentum buffers, one per parameter (nil until the parameter's first step).
  public private(set) var momentumBuffers: [TensorStorage?]

  public init(_ parameters: [Parameter], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
    self.parameters = parameters
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
    momentumBuffers = Array(repeating: nil, count: parameters.count)
  }

  public func step() {
    for (k, parameter) in parameters.enumerated() {
      guard let g = parameter.gradData else { continue }
      let p = parameter.data, n = parameter.count
      let lr = learningRate, wd = weightDecay, mu = momentum
      if mu == 0 {
        for i in 0..<n { p[i] -= lr * (g[i] + wd * p[i]) }
        continue
      }
      if let buffer = momentumBuffers[k] {
        let b = buffer.pointer
        for i in 0..<n {
          b[i] = mu * b[i] + (g[i] + wd * p[i])
          p[i] -= lr * b[i]
        }
      } else {
        let buffer = TensorStorage(uninitialized: n)
        let b = buffer.pointer
        for i in 0..<n {
          b[i] = g[i] + wd * p[i]
          p[i] -= lr * b[i]
        }
        momentumBuffers[k] = buffer
      }
    }
  }

  public func zeroGrad() { for p in parameters { p.zeroGrad() } }

  /// Optimiser state for checkpoints: momentum buffers (zeros where a parameter has not stepped yet) and a flag
  /// vector saying which have.
  public func stateTensors() -> [(name: String, tensor: Tensor)] {
    var result: [(String, Tensor)] = []
    for (k, parameter) in parameters.enumerated() {
      let started = momentumBuffers[k] != nil
      let storage = momentumBuffers[k].map { TensorStorage(copying: $0.pointer, count: $0.count) }
        ?? TensorStorage(zeros: parameter.count)
      result.append(("sgd.momentum.\(parameter.name)", Tensor(shape: parameter.shape, storage: storage)))
      result.append(("sgd.started.\(parameter.name)", Tensor(shape: [1], values: [started ? 1 : 0])))
    }
    return result
  }

  /// Restores state written by `stateTensors()`; `lookup` returns a saved tensor by name (nil if absent).
  public func loadState(_ lookup: (String) -> Tensor?) {
    for (k, parameter) in parameters.enumerated() {
      guard let flag = lookup("sgd.started.\(parameter.name)"), flag.scalarValue == 1,
            let saved = lookup("sgd.momentum.\(parameter.name)"), saved.count == parameter.count else {
        momentumBuffers[k] = nil
        continue
      }
      momentumBuffers[k] = TensorStorage(copying: saved.pointer, count: saved.count)
    }
  }
}
