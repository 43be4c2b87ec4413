/// A named trainable tensor. Its value is updated in place by optimisers; its gradient accumulates across
/// backward calls until `zeroGrad()`.
public final class Parameter {
  public let name: String
  /// The leaf of the autograd graph holding the value and collecting the gradient.
  let leaf: Tensor
  /// When false, `value` carries no gradient node, so backward skips this parameter's gradient entirely
  /// (the DARTS architecture step needs d/dα only: freezing the weights saves their weight-gradient kernels).
  public var requiresGrad = true

  /// The current value; a leaf of the autograd graph while `requiresGrad`. Use it in ops directly.
  public var value: Tensor { requiresGrad ? leaf : leaf.detached() }

  public init(name: String, _ initial: Tensor) {
    self.name = name
    let storage = TensorStorage(copying: initial.pointer, count: initial.count)
    leaf = Tensor(shape: initial.shape, storage: storage, gradNode: .leaf(name: name, count: initial.count))
  }

  public var shape: [Int] { leaf.shape }
  public var count: Int { leaf.count }

  /// The element buffer, for optimisers and checkpoint loading.
  public var data: UnsafeMutablePointer<Float> { leaf.storage.pointer }

  /// The accumulated gradient buffer, or nil when no gradient has reached this parameter since `zeroGrad()`.
  public var gradData: UnsafeMutablePointer<Float>? { leaf.gradNode?.gradStorage?.pointer }

  /// The accumulated gradient as a tensor copy, or nil.
  public var grad: Tensor? { leaf.grad }

  public func zeroGrad() { leaf.gradNode?.zeroGrad() }

  /// Replaces the accumulated gradient with `values` (count elements), e.g. a gradient computed outside
  /// autograd such as DARTS' finite-difference second-order term.
  public func setGradient(_ values: [Float]) {
    precondition(values.count == count, "gradient of \(values.count) values for parameter '\(name)' of \(count)")
    let buffer = leaf.gradNode!.gradBuffer()
    values.withUnsafeBufferPointer { buffer.update(from: $0.baseAddress!, count: count) }
  }

  /// Overwrites the value (shape must match); the autograd identity of the parameter is kept.
  public func assign(_ newValue: Tensor) {
    precondition(newValue.shape == shape, "assigning shape \(newValue.shape) to parameter '\(name)' of shape \(shape)")
    data.update(from: newValue.pointer, count: count)
  }
}
