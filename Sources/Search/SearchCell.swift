import NN
import TensorEngine

/// A cell of the search supernet (ALGORITHMS.md §1.3): non-affine preprocessing of both inputs to C channels,
/// 4 nodes each summing mixed operations over all earlier states (14 edges), output = concat of the 4 nodes.
/// With edge normalisation (PC-DARTS β), node i's sum is weighted by β normalised over its incoming edges.
public final class SearchCell {
  public let isReduction: Bool
  public let layout: EdgeLayout
  let preprocess0: Layer
  let preprocess1: ReLUConvBN
  public let edges: [MixedOperation]

  /// - Parameter operations: candidate operations of each of the 14 edges (same count on every edge).
  public init(name: String, operations: [[Primitive]], previousPreviousChannels: Int, previousChannels: Int,
              channels: Int, isReduction: Bool, previousWasReduction: Bool, partialChannels: Int,
              layout: EdgeLayout = EdgeLayout(), rng: inout PRNG) {
    precondition(operations.count == layout.edgeCount, "a cell needs operations for \(layout.edgeCount) edges")
    self.isReduction = isReduction
    self.layout = layout
    preprocess0 = previousWasReduction
      ? FactorizedReduce(name: joinName(name, "preprocess0"), inChannels: previousPreviousChannels,
                         outChannels: channels, affine: false, rng: &rng)
      : ReLUConvBN(name: joinName(name, "preprocess0"), inChannels: previousPreviousChannels,
                   outChannels: channels, kernel: 1, stride: 1, padding: 0, affine: false, rng: &rng)
    preprocess1 = ReLUConvBN(name: joinName(name, "preprocess1"), inChannels: previousChannels,
                             outChannels: channels, kernel: 1, stride: 1, padding: 0, affine: false, rng: &rng)
    var edges: [MixedOperation] = []
    for node in 0..<layout.nodeCount {
      for (j, e) in layout.edges(ofNode: node).enumerated() {
        edges.append(MixedOperation(name: joinName(name, "_ops.\(e)"), channels: channels,
                                    stride: isReduction && j < 2 ? 2 : 1, operations: operations[e],
                                    partialChannels: partialChannels, rng: &rng))
      }
    }
    self.edges = edges
  }

  public var parameters: [Parameter] { preprocess0.parameters + preprocess1.parameters + edges.flatMap(\.parameters) }
  public var buffers: [NamedBuffer] { preprocess0.buffers + preprocess1.buffers + edges.flatMap(\.buffers) }

  /// - Parameters:
  ///   - alphaWeights: softmax(α) rows, (14, operations per edge).
  ///   - edgeWeights: β normalised per node, (14), or nil without edge normalisation.
  public func forward(_ s0: Tensor, _ s1: Tensor, alphaWeights: Tensor, edgeWeights: Tensor?,
                      _ context: ForwardContext) -> Tensor {
    var states = [preprocess0.forward(s0, context), preprocess1.forward(s1, context)]
    for node in 0..<layout.nodeCount {
      let range = layout.edges(ofNode: node)
      let outputs = range.enumerated().map { j, e in
        edges[e].forward(states[j], weights: alphaWeights, row: e, context)
      }
      if let edgeWeights {
        states.append(Tensor.weightedSum(outputs, weights: edgeWeights, indices: Array(range)))
      } else {
        states.append(outputs.dropFirst().reduce(outputs[0], +))
      }
    }
    return Tensor.concatChannels(Array(states[2...]))
  }
}
