import TensorEngine

/// Fully connected layer y = x·Wᵀ + b with PyTorch's default initialisation (uniform ±1/sqrt(in)).
public final class LinearLayer: Layer {
  public let weight: Parameter
  public let bias: Parameter?
  public let inFeatures, outFeatures: Int

  public init(name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true, rng: inout PRNG) {
    self.inFeatures = inFeatures
    self.outFeatures = outFeatures
    let bound = 1 / Float(inFeatures).squareRoot()
    weight = Parameter(name: joinName(name, "weight"),
                       Tensor.randomUniform([outFeatures, inFeatures], low: -bound, high: bound, using: &rng))
    self.bias = bias
      ? Parameter(name: joinName(name, "bias"), Tensor.randomUniform([outFeatures], low: -bound, high: bound, using: &rng))
      : nil
  }

  public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

  /// x: (N, inFeatures) -> (N, outFeatures)
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    x.linear(weight: weight.value, bias: bias?.value)
  }
}
