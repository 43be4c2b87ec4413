import NN
import TensorEngine

/// The Barlow Twins projector of the self-supervised search (ALGORITHMS.md §6.3 (c)): supernet features →
/// Linear(F→D) → BN → ReLU → Linear(D→D) → BN → ReLU → Linear(D→D), all linears bias-free, BN affine.
/// Trained by the weight optimiser; not part of α/β and not part of the found architecture.
public final class ProjectorHead {
  let first, second, third: LinearLayer
  let norm1, norm2: BatchNormState
  let scale1, shift1, scale2, shift2: Parameter
  public let dimension: Int

  public init(inFeatures: Int, dimension: Int, seed: UInt64) {
    var rng = PRNG(seed: seed)
    self.dimension = dimension
    first = LinearLayer(name: "projector.0", inFeatures: inFeatures, outFeatures: dimension, bias: false, rng: &rng)
    second = LinearLayer(name: "projector.3", inFeatures: dimension, outFeatures: dimension, bias: false, rng: &rng)
    third = LinearLayer(name: "projector.6", inFeatures: dimension, outFeatures: dimension, bias: false, rng: &rng)
    norm1 = BatchNormState(channels: dimension)
    norm2 = BatchNormState(channels: dimension)
    scale1 = Parameter(name: "projector.1.weight", Tensor(shape: [dimension], repeating: 1))
    shift1 = Parameter(name: "projector.1.bias", Tensor(zeros: [dimension]))
    scale2 = Parameter(name: "projector.4.weight", Tensor(shape: [dimension], repeating: 1))
    shift2 = Parameter(name: "projector.4.bias", Tensor(zeros: [dimension]))
  }

  public var parameters: [Parameter] {
    first.parameters + [scale1, shift1] + second.parameters + [scale2, shift2] + third.parameters
  }

  public var buffers: [NamedBuffer] {
    [("projector.1", norm1), ("projector.4", norm2)].flatMap { name, state in
      [NamedBuffer(name: name + ".running_mean", count: dimension, read: { state.runningMean },
                   write: { state.runningMean = $0 }),
       NamedBuffer(name: name + ".running_var", count: dimension, read: { state.runningVariance },
                   write: { state.runningVariance = $0 })]
    }
  }

  /// features (N, F) -> embeddings (N, D)
  public func forward(_ features: Tensor, _ context: ForwardContext) -> Tensor {
    var h = first.forward(features, context)
    h = h.batchNorm1d(state: norm1, training: context.training, scale: scale1.value, shift: shift1.value).relu()
    h = second.forward(h, context)
    h = h.batchNorm1d(state: norm2, training: context.training, scale: scale2.value, shift: shift2.value).relu()
    return third.forward(h, context)
  }
}
