/// A named trainable tensor. Its value is updated in place by optimisers; its gradient accumulates across
/// backward calls until `zeroGrad()`.
public final class Parameter {
  public let name: String
  /// The current value, a leaf of the autograd graph. Use it in ops directly.
  public private(set) var value: Tensor

  public init(name: String, _ initial: Tensor) {
    self.name = name
    let storage = TensorStorage(copying: initial.pointer, count: initial.count)
    value = Tensor(shape: initial.shape, storage: storage, gradNode: .leaf(name: name, count: initial.count))
  }

  public var shape: [Int] { value.shape }
  public var count: Int { value.count }

  /// The element buffer, for optimisers and checkpoint loading.
  public var data: UnsafeMutablePointer<Float> { value.storage.pointer }

  /// The accumulated gradient buffer, or nil when no gradient has reached this parameter since `zeroGrad()`.
  public var gradData: UnsafeMutablePointer<Float>? { value.gradNode?.gradStorage?.pointer }

  /// The accumulated gradient as a tensor copy, or nil.
  public var grad: Tensor? { value.grad }

  public func zeroGrad() { value.gradNode?.zeroGrad() }

  /// Overwrites the value (shape must match); the autograd identity of the parameter is kept.
  public func assign(_ newValue: Tensor) {
    precondition(newValue.shape == shape, "assigning shape \(newValue.shape) to parameter '\(name)' of shape \(shape)")
    data.update(from: newValue.pointer, count: count)
  }
}
