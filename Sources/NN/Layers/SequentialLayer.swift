import TensorEngine

/// Layers applied one after another.
public final class SequentialLayer: Layer {
  public let layers: [Layer]
  public init(_ layers: [Layer]) { self.layers = layers }
  public var parameters: [Parameter] { layers.flatMap(\.parameters) }
  public var buffers: [NamedBuffer] { layers.flatMap(\.buffers) }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    layers.reduce(x) { $1.forward($0, context) }
  }
}

/// Element-wise ReLU as a layer.
public final class ReLULayer: Layer {
  public init() {}
  public var parameters: [Parameter] { [] }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor { x.relu() }
}

/// Passes its input through unchanged (stride-1 skip_connect).
public final class IdentityLayer: Layer {
  public init() {}
  public var parameters: [Parameter] { [] }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor { x }
}

/// The `none` candidate: zeros of the output shape (every `stride`-th row and column), carrying no gradient.
public final class ZeroLayer: Layer {
  public let stride: Int
  public init(stride: Int) { self.stride = stride }
  public var parameters: [Parameter] { [] }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor { Tensor.zerosLike(x, stride: stride) }
}

/// 3×3 max or average pooling with padding 1 (average excludes padded cells from the divisor).
public final class PoolLayer: Layer {
  public enum Kind { case max, average }
  public let kind: Kind
  public let kernel, stride, padding: Int
  public init(_ kind: Kind, kernel: Int = 3, stride: Int, padding: Int = 1) {
    self.kind = kind
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
  }
  public var parameters: [Parameter] { [] }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    switch kind {
    case .max: return x.maxPool2d(kernel: kernel, stride: stride, padding: padding)
    case .average: return x.avgPool2d(kernel: kernel, stride: stride, padding: padding)
    }
  }
}
