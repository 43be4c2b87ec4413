/// A dense Float32 tensor: a shape over flat, contiguous, row-major storage (NCHW for images).
///
/// `Tensor` is a value at the API edge; its storage is shared by reference and never written after the op
/// that produced it (optimisers update parameters in place between steps, like PyTorch). When autograd
/// is recording and an input needs a gradient, the result carries a `GradNode` linking it into the graph.
public struct Tensor {
  /// Dimensions, outermost first. A scalar has shape `[]` and one element.
  public let shape: [Int]
  public let storage: TensorStorage
  /// The node in the autograd graph, or nil when no gradient flows through this tensor.
  public let gradNode: GradNode?

  public init(shape: [Int], storage: TensorStorage, gradNode: GradNode? = nil) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in shape \(shape)")
    precondition(Tensor.elementCount(shape) == storage.count,
                 "shape \(shape) needs \(Tensor.elementCount(shape)) elements, storage has \(storage.count)")
    self.shape = shape
    self.storage = storage
    self.gradNode = gradNode
  }

  /// Zero-filled tensor.
  public init(zeros shape: [Int]) {
    self.init(shape: shape, storage: TensorStorage(zeros: Tensor.elementCount(shape)))
  }

  /// Tensor filled with one value.
  public init(shape: [Int], repeating value: Float) {
    let storage = TensorStorage(uninitialized: Tensor.elementCount(shape))
    storage.pointer.initialize(repeating: value, count: storage.count)
    self.init(shape: shape, storage: storage)
  }

  /// Tensor holding `values` in row-major order; `values.count` must equal the element count of `shape`.
  public init(shape: [Int], values: [Float]) {
    precondition(Tensor.elementCount(shape) == values.count,
                 "shape \(shape) needs \(Tensor.elementCount(shape)) values, got \(values.count)")
    let storage = TensorStorage(uninitialized: values.count)
    values.withUnsafeBufferPointer { source in
      if let base = source.baseAddress { storage.pointer.update(from: base, count: values.count) }
    }
    self.init(shape: shape, storage: storage)
  }

  /// Scalar tensor.
  public init(scalar: Float) { self.init(shape: [], values: [scalar]) }

  /// Normal(0, std²) entries drawn from `rng`.
  public static func randomNormal(_ shape: [Int], std: Float = 1, using rng: inout PRNG) -> Tensor {
    let storage = TensorStorage(uninitialized: elementCount(shape))
    for i in 0..<storage.count { storage.pointer[i] = std * rng.normal() }
    return Tensor(shape: shape, storage: storage)
  }

  /// Uniform entries in [low, high) drawn from `rng`.
  public static func randomUniform(_ shape: [Int], low: Float, high: Float, using rng: inout PRNG) -> Tensor {
    let storage = TensorStorage(uninitialized: elementCount(shape))
    for i in 0..<storage.count { storage.pointer[i] = rng.uniform(low, high) }
    return Tensor(shape: shape, storage: storage)
  }

  // MARK: Shape

  public var count: Int { storage.count }
  public var rank: Int { shape.count }
  /// True when a gradient will flow back through this tensor.
  public var requiresGrad: Bool { gradNode != nil }

  /// Product of the dimensions (1 for a scalar).
  @inlinable
  public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

  /// The elements, copied out in row-major order.
  public var values: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

  /// The single element of a one-element tensor.
  public var scalarValue: Float {
    precondition(count == 1, "scalarValue needs a one-element tensor, shape is \(shape)")
    return storage.pointer[0]
  }

  /// Read-only pointer to the elements.
  public var pointer: UnsafePointer<Float> { UnsafePointer(storage.pointer) }

  /// The same tensor cut off from the autograd graph (shares storage).
  public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

  /// The 4 dimensions of an NCHW tensor; fails with a message naming `what` otherwise.
  public func nchw(_ what: @autoclosure () -> String = "tensor") -> (n: Int, c: Int, h: Int, w: Int) {
    precondition(rank == 4, "\(what()) must be 4-D (N, C, H, W), shape is \(shape)")
    return (shape[0], shape[1], shape[2], shape[3])
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let shown = values.prefix(8).map { String($0) }.joined(separator: ", ")
    return "Tensor(shape: \(shape), values: [\(shown)\(count > 8 ? ", …" : "")])"
  }
}
