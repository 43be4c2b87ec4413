import NN
import TensorEngine

/// One edge of a search cell: the α-weighted sum of its candidate operations (DARTS), optionally on a
/// partial channel slice (PC-DARTS, ALGORITHMS.md §2.2):
///
///     K = 1:  out = Σ_o w_o · op_o(x)
///     K > 1:  out = shuffle_K( concat( Σ_o w_o · op_o(x[:, :C/K]),  bypass(x[:, C/K:]) ) )
///
/// where the bypass is the identity on stride-1 edges and a 2×2 max pool on stride-2 edges. The `none`
/// candidate contributes zeros, so it is left out of the sum (its weight still takes part in the softmax and
/// gets the exact gradient 0). P-DARTS skip dropout acts on the stride-1 identity before weighting.
public final class MixedOperation {
  public let operations: [Primitive]
  public let channels: Int
  public let stride: Int
  /// K: 1 sends every channel through the candidates.
  public let partialChannels: Int
  /// P-DARTS skip-connect dropout probability for this epoch (stride-1 edges only).
  public var skipDropout: Float = 0
  let layers: [Layer]

  public init(name: String, channels: Int, stride: Int, operations: [Primitive], partialChannels: Int,
              rng: inout PRNG) {
    precondition(channels % partialChannels == 0,
                 "edge '\(name)': \(channels) channels are not divisible by K = \(partialChannels)")
    self.operations = operations
    self.channels = channels
    self.stride = stride
    self.partialChannels = partialChannels
    var layers: [Layer] = []
    for (o, op) in operations.enumerated() {
      layers.append(op.makeLayer(name: joinName(name, "_ops.\(o)"), channels: channels / partialChannels,
                                 stride: stride, affine: false, poolBatchNorm: true, rng: &rng))
    }
    self.layers = layers
  }

  public var parameters: [Parameter] { layers.flatMap(\.parameters) }
  public var buffers: [NamedBuffer] { layers.flatMap(\.buffers) }

  /// - Parameters:
  ///   - weights: softmax of α for this cell type, (edges, operations.count); this edge reads row `row`.
  public func forward(_ x: Tensor, weights: Tensor, row: Int, _ context: ForwardContext) -> Tensor {
    let k = partialChannels
    let slice = channels / k
    let input = k == 1 ? x : x.sliceChannels(0..<slice)
    var terms: [Tensor] = []
    var indices: [Int] = []
    for (o, op) in operations.enumerated() where op != .none {
      var y = layers[o].forward(input, context)
      if op == .skipConnect, stride == 1, skipDropout > 0, context.training {
        y = y.dropout(p: skipDropout, rng: &context.rng, training: true)
      }
      terms.append(y)
      indices.append(row * operations.count + o)
    }
    let mixed = terms.isEmpty ? Tensor.zerosLike(input, stride: stride)
      : Tensor.weightedSum(terms, weights: weights, indices: indices)
    guard k > 1 else { return mixed }
    var bypass = x.sliceChannels(slice..<channels)
    if stride == 2 { bypass = bypass.maxPool2d(kernel: 2, stride: 2) }
    return Tensor.concatChannels([mixed, bypass]).channelShuffle(groups: k)
  }
}
