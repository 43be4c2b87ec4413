import TensorEngine

/// A 2-D convolution with PyTorch's default initialisation: weight and bias uniform in ±1/sqrt(fan_in),
/// fan_in = (inChannels / groups) · kernel².
public final class Conv2dLayer: Layer {
  public let weight: Parameter
  public let bias: Parameter?
  public let inChannels, outChannels, kernel, stride, padding, dilation, groups: Int

  public init(name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
              dilation: Int = 1, groups: Int = 1, bias: Bool = false, rng: inout PRNG) {
    precondition(inChannels % groups == 0 && outChannels % groups == 0,
                 "conv '\(name)': groups \(groups) must divide in \(inChannels) and out \(outChannels) channels")
    self.inChannels = inChannels
    self.outChannels = outChannels
    self.kernel = kernel
    self.stride = stride
    self.padding = padding
    self.dilation = dilation
    self.groups = groups
    let fanIn = (inChannels / groups) * kernel * kernel
    let bound = 1 / Float(fanIn).squareRoot()
    weight = Parameter(name: joinName(name, "weight"), Tensor.randomUniform(
      [outChannels, inChannels / groups, kernel, kernel], low: -bound, high: bound, using: &rng))
    self.bias = bias
      ? Parameter(name: joinName(name, "bias"), Tensor.randomUniform([outChannels], low: -bound, high: bound, using: &rng))
      : nil
  }

  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    x.conv2d(weight: weight.value, bias: bias?.value, stride: stride, padding: padding, dilation: dilation,
             groups: groups)
  }
}
