import TensorEngine

/// A discrete cell of the evaluation network (ALGORITHMS.md §1.3): preprocess both inputs to C channels,
/// each node sums its two genotype edges (with drop-path on non-identity ops in training), output = channel
/// concatenation of the genotype's concat states.
public final class EvaluationCell: Layer {
  public let isReduction: Bool
  public let preprocess0: Layer
  public let preprocess1: ReLUConvBN
  public let operations: [Layer]
  public let genotype: CellGenotype
  /// Output channels (|concat| · C).
  public let outChannels: Int

  public init(name: String, genotype: CellGenotype, previousPreviousChannels: Int, previousChannels: Int,
              channels: Int, isReduction: Bool, previousWasReduction: Bool, rng: inout PRNG) {
    self.isReduction = isReduction
    self.genotype = genotype
    preprocess0 = previousWasReduction
      ? FactorizedReduce(name: joinName(name, "preprocess0"), inChannels: previousPreviousChannels,
                         outChannels: channels, affine: true, rng: &rng)
      : ReLUConvBN(name: joinName(name, "preprocess0"), inChannels: previousPreviousChannels,
                   outChannels: channels, kernel: 1, stride: 1, padding: 0, affine: true, rng: &rng)
    preprocess1 = ReLUConvBN(name: joinName(name, "preprocess1"), inChannels: previousChannels,
                             outChannels: channels, kernel: 1, stride: 1, padding: 0, affine: true, rng: &rng)
    var operations: [Layer] = []
    for (k, edge) in genotype.edges.enumerated() {
      let stride = isReduction && edge.source < 2 ? 2 : 1
      operations.append(edge.op.makeLayer(name: joinName(name, "_ops.\(k)"), channels: channels, stride: stride,
                                          affine: true, poolBatchNorm: false, rng: &rng))
    }
    self.operations = operations
    outChannels = genotype.concat.count * channels
  }

  public var parameters: [Parameter] {
    preprocess0.parameters + preprocess1.parameters + operations.flatMap(\.parameters)
  }
  public var buffers: [NamedBuffer] {
    preprocess0.buffers + preprocess1.buffers + operations.flatMap(\.buffers)
  }

  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor { forward(x, x, context) }

  /// s0 = output of the cell two back, s1 = previous cell's output.
  public func forward(_ s0: Tensor, _ s1: Tensor, _ context: ForwardContext) -> Tensor {
    var states = [preprocess0.forward(s0, context), preprocess1.forward(s1, context)]
    let dropProbability = context.training ? context.dropPathProbability : 0
    for node in 0..<genotype.nodeCount {
      var sum: Tensor? = nil
      for k in [2 * node, 2 * node + 1] {
        var h = operations[k].forward(states[genotype.edges[k].source], context)
        if dropProbability > 0 && !(operations[k] is IdentityLayer) {
          h = h.dropPath(p: dropProbability, rng: &context.rng, training: true)
        }
        sum = sum.map { $0 + h } ?? h
      }
      states.append(sum!)
    }
    return Tensor.concatChannels(genotype.concat.map { states[$0] })
  }
}
