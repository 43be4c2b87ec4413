import TensorEngine

/// ReLU → conv (no bias) → BatchNorm: the cell-input preprocessing block (1×1 in cells, ALGORITHMS.md §1.2).
public final class ReLUConvBN: Layer {
  public let conv: Conv2dLayer
  public let norm: BatchNormLayer

  public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int,
              affine: Bool, rng: inout PRNG) {
    conv = Conv2dLayer(name: joinName(name, "op.1"), inChannels: inChannels, outChannels: outChannels,
                       kernel: kernel, stride: stride, padding: padding, rng: &rng)
    norm = BatchNormLayer(name: joinName(name, "op.2"), channels: outChannels, affine: affine)
  }

  public var parameters: [Parameter] { conv.parameters + norm.parameters }
  public var buffers: [NamedBuffer] { norm.buffers }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    norm.forward(conv.forward(x.relu(), context), context)
  }
}

/// Halves H and W with two 1×1 stride-2 convs, the second on the input shifted by one pixel (first row and
/// column dropped), concatenated along channels, then BatchNorm. Needs even H and W (ALGORITHMS.md §1.2).
public final class FactorizedReduce: Layer {
  public let convA: Conv2dLayer
  public let convB: Conv2dLayer
  public let norm: BatchNormLayer

  public init(name: String, inChannels: Int, outChannels: Int, affine: Bool, rng: inout PRNG) {
    precondition(outChannels % 2 == 0, "FactorizedReduce '\(name)' needs an even output channel count, got \(outChannels)")
    convA = Conv2dLayer(name: joinName(name, "conv_1"), inChannels: inChannels, outChannels: outChannels / 2,
                        kernel: 1, stride: 2, rng: &rng)
    convB = Conv2dLayer(name: joinName(name, "conv_2"), inChannels: inChannels, outChannels: outChannels / 2,
                        kernel: 1, stride: 2, rng: &rng)
    norm = BatchNormLayer(name: joinName(name, "bn"), channels: outChannels, affine: affine)
  }

  public var parameters: [Parameter] { convA.parameters + convB.parameters + norm.parameters }
  public var buffers: [NamedBuffer] { norm.buffers }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    let activated = x.relu()
    let a = convA.forward(activated, context)
    let b = convB.forward(activated.spatialSlice(rowStart: 1, colStart: 1), context)
    return norm.forward(Tensor.concatChannels([a, b]), context)
  }
}

/// One ReLU → depthwise k×k (stride, dilation) → pointwise 1×1 → BatchNorm block.
final class DepthwiseSeparableBlock: Layer {
  let depthwise: Conv2dLayer
  let pointwise: Conv2dLayer
  let norm: BatchNormLayer

  init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int, dilation: Int,
       affine: Bool, rng: inout PRNG, indexBase: Int = 1) {
    depthwise = Conv2dLayer(name: joinName(name, "op.\(indexBase)"), inChannels: inChannels, outChannels: inChannels,
                            kernel: kernel, stride: stride, padding: padding, dilation: dilation,
                            groups: inChannels, rng: &rng)
    pointwise = Conv2dLayer(name: joinName(name, "op.\(indexBase + 1)"), inChannels: inChannels,
                            outChannels: outChannels, kernel: 1, rng: &rng)
    norm = BatchNormLayer(name: joinName(name, "op.\(indexBase + 2)"), channels: outChannels, affine: affine)
  }

  var parameters: [Parameter] { depthwise.parameters + pointwise.parameters + norm.parameters }
  var buffers: [NamedBuffer] { norm.buffers }
  func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    norm.forward(pointwise.forward(depthwise.forward(x.relu(), context), context), context)
  }
}

/// sep_conv_k×k: two depthwise-separable blocks, the stride only in the first (ALGORITHMS.md §1.1).
public final class SepConv: Layer {
  let first: DepthwiseSeparableBlock
  let second: DepthwiseSeparableBlock

  public init(name: String, channels: Int, kernel: Int, stride: Int, affine: Bool, rng: inout PRNG) {
    let padding = kernel / 2
    first = DepthwiseSeparableBlock(name: name, inChannels: channels, outChannels: channels, kernel: kernel,
                                    stride: stride, padding: padding, dilation: 1, affine: affine, rng: &rng)
    second = DepthwiseSeparableBlock(name: name, inChannels: channels, outChannels: channels, kernel: kernel,
                                     stride: 1, padding: padding, dilation: 1, affine: affine, rng: &rng,
                                     indexBase: 5)
  }

  public var parameters: [Parameter] { first.parameters + second.parameters }
  public var buffers: [NamedBuffer] { first.buffers + second.buffers }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    second.forward(first.forward(x, context), context)
  }
}

/// dil_conv_k×k: one depthwise-separable block with dilation 2 (receptive field 5×5 or 9×9).
public final class DilConv: Layer {
  let block: DepthwiseSeparableBlock

  public init(name: String, channels: Int, kernel: Int, stride: Int, affine: Bool, rng: inout PRNG) {
    block = DepthwiseSeparableBlock(name: name, inChannels: channels, outChannels: channels, kernel: kernel,
                                    stride: stride, padding: kernel - 1, dilation: 2, affine: affine, rng: &rng)
  }

  public var parameters: [Parameter] { block.parameters }
  public var buffers: [NamedBuffer] { block.buffers }
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor { block.forward(x, context) }
}

extension Primitive {
  /// Builds this candidate operation for `channels` channels in and out.
  /// - Parameters:
  ///   - affine: BatchNorm scale/shift (false in the search supernet, true in the evaluation network).
  ///   - poolBatchNorm: follow pools with a non-affine BatchNorm (search supernets only, §1.1).
  public func makeLayer(name: String, channels: Int, stride: Int, affine: Bool, poolBatchNorm: Bool,
                        rng: inout PRNG) -> Layer {
    switch self {
    case .none:
      return ZeroLayer(stride: stride)
    case .maxPool3x3, .avgPool3x3:
      let pool = PoolLayer(self == .maxPool3x3 ? .max : .average, stride: stride)
      guard poolBatchNorm else { return pool }
      return SequentialLayer([pool, BatchNormLayer(name: joinName(name, "1"), channels: channels, affine: false)])
    case .skipConnect:
      return stride == 1 ? IdentityLayer()
        : FactorizedReduce(name: name, inChannels: channels, outChannels: channels, affine: affine, rng: &rng)
    case .sepConv3x3, .sepConv5x5:
      return SepConv(name: name, channels: channels, kernel: self == .sepConv3x3 ? 3 : 5, stride: stride,
                     affine: affine, rng: &rng)
    case .dilConv3x3, .dilConv5x5:
      return DilConv(name: name, channels: channels, kernel: self == .dilConv3x3 ? 3 : 5, stride: stride,
                     affine: affine, rng: &rng)
    }
  }
}
