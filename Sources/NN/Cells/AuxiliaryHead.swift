import TensorEngine

/// The auxiliary classifier fed by the second reduction cell's output (ALGORITHMS.md §5.2): ReLU → 5×5 average
/// pool (no padding) → 1×1 conv to 128 → BN → ReLU → 2×2 conv to 768 → BN → ReLU → linear. The pool stride is
/// chosen so that the pooled map is 2×2: stride 3 on CIFAR's 8×8, stride 2 on Fashion-MNIST's 7×7.
/// Training only; excluded from parameter counts and dropped at export.
public final class AuxiliaryHead: Layer {
  public let poolStride: Int
  let features: SequentialLayer
  let classifier: LinearLayer

  /// Fails when no stride gives a 2×2 pooled map for `spatialSize`.
  public init(name: String, channels: Int, spatialSize: Int, classes: Int, rng: inout PRNG) throws(NetworkError) {
    guard let stride = [3, 2].first(where: { spatialSize >= 5 && (spatialSize - 5) / $0 + 1 == 2 }) else {
      throw .auxiliaryHeadSize(spatialSize)
    }
    poolStride = stride
    features = SequentialLayer([
      ReLULayer(),
      PoolLayer(.average, kernel: 5, stride: stride, padding: 0),
      Conv2dLayer(name: joinName(name, "features.2"), inChannels: channels, outChannels: 128, kernel: 1, rng: &rng),
      BatchNormLayer(name: joinName(name, "features.3"), channels: 128, affine: true),
      ReLULayer(),
      Conv2dLayer(name: joinName(name, "features.5"), inChannels: 128, outChannels: 768, kernel: 2, rng: &rng),
      BatchNormLayer(name: joinName(name, "features.6"), channels: 768, affine: true),
      ReLULayer(),
    ])
    classifier = LinearLayer(name: joinName(name, "classifier"), inFeatures: 768, outFeatures: classes, rng: &rng)
  }

  public var parameters: [Parameter] { features.parameters + classifier.parameters }
  public var buffers: [NamedBuffer] { features.buffers }

  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    let f = features.forward(x, context)
    return classifier.forward(f.reshaped([f.shape[0], -1]), context)
  }
}
