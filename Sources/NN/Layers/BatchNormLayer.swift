import TensorEngine

/// Batch normalisation over the channels of an NCHW tensor (PyTorch BatchNorm2d: eps 1e-5, momentum 0.1).
/// `affine: false` (search supernet) has no scale/shift parameters. Running statistics are buffers.
public final class BatchNormLayer: Layer {
  public let channels: Int
  public let affine: Bool
  public let scale: Parameter?
  public let shift: Parameter?
  public let state: BatchNormState
  let name: String

  public init(name: String, channels: Int, affine: Bool) {
    self.name = name
    self.channels = channels
    self.affine = affine
    scale = affine ? Parameter(name: joinName(name, "weight"), Tensor(shape: [channels], repeating: 1)) : nil
    shift = affine ? Parameter(name: joinName(name, "bias"), Tensor(zeros: [channels])) : nil
    state = BatchNormState(channels: channels)
  }

  public var parameters: [Parameter] { affine ? [scale!, shift!] : [] }

  public var buffers: [NamedBuffer] {
    let state = self.state
    return [
      NamedBuffer(name: joinName(name, "running_mean"), count: channels,
                  read: { state.runningMean }, write: { state.runningMean = $0 }),
      NamedBuffer(name: joinName(name, "running_var"), count: channels,
                  read: { state.runningVariance }, write: { state.runningVariance = $0 }),
    ]
  }

  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    x.batchNorm2d(state: state, training: context.training, scale: scale?.value, shift: shift?.value)
  }
}
