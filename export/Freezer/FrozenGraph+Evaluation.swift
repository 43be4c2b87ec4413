import NASFormat
import TensorEngine

extension FrozenGraph {
  /// Runs the graph on a normalised batch (N, C, H, W) with the engine's kernels and returns the logits (N, K).
  ///
  /// This is the reference interpreter: one engine op per node, no autograd. It checks the freezer against the
  /// training-side forward and measures what fp16/int8 weights cost.
  public func evaluate(_ input: Tensor) -> Tensor {
    precondition(input.shape.count == 4 && Array(input.shape.dropFirst()) == inputShape,
                 "frozen graph expects (N, \(inputShape.map(String.init).joined(separator: ", "))), got \(input.shape)")
    return noGrad {
      let weights = tensors.map { Tensor(shape: $0.shape, values: $0.values) }
      var values = [Tensor?](repeating: nil, count: valueShapes.count)
      values[0] = input
      for node in nodes {
        let x = node.inputs.map { values[$0]! }
        values[node.output] = Self.run(node, x, node.tensors.map { weights[$0] })
      }
      return values[output]!
    }
  }

  static func run(_ node: FrozenNode, _ x: [Tensor], _ t: [Tensor]) -> Tensor {
    switch node.kind {
    case .conv(let a):
      precondition(a.kernelHeight == a.kernelWidth && a.strideHeight == a.strideWidth && a.dilationHeight == a.dilationWidth,
                   "reference interpreter: node '\(node.name)' needs square kernel, stride and dilation")
      var input = x[0]
      var padding = a.padding.top
      if a.padding != Padding2D(symmetric: padding) {
        input = input.padded2d(top: a.padding.top, bottom: a.padding.bottom, left: a.padding.left, right: a.padding.right)
        padding = 0
      }
      let y = input.conv2d(weight: t[0], bias: t.count > 1 ? t[1] : nil, stride: a.strideHeight, padding: padding,
                           dilation: a.dilationHeight, groups: a.groups)
      return a.fusedReLU ? y.relu() : y
    case .relu:
      return x[0].relu()
    case .maxPool(let a), .averagePool(let a):
      precondition(a.kernelHeight == a.kernelWidth && a.strideHeight == a.strideWidth
                     && a.padding == Padding2D(symmetric: a.padding.top) && !a.countIncludePad,
                   "reference interpreter: pool '\(node.name)' needs square kernel/stride/padding, countIncludePad 0")
      if case .maxPool = node.kind {
        return x[0].maxPool2d(kernel: a.kernelHeight, stride: a.strideHeight, padding: a.padding.top)
      }
      return x[0].avgPool2d(kernel: a.kernelHeight, stride: a.strideHeight, padding: a.padding.top)
    case .add:
      return x.dropFirst().reduce(x[0], +)
    case .concat:
      return Tensor.concatChannels(x)
    case .crop(let p):
      let (_, _, h, w) = x[0].nchw("crop")
      return x[0].spatialSlice(rowStart: p.top, colStart: p.left, rows: h - p.top - p.bottom,
                               columns: w - p.left - p.right)
    case let .pad(p, value):
      precondition(value == 0, "reference interpreter: pad '\(node.name)' supports value 0 only")
      return x[0].padded2d(top: p.top, bottom: p.bottom, left: p.left, right: p.right)
    case .channelAffine:
      return x[0].channelScaled(by: t[0]).channelShifted(by: t[1])
    case .channelShuffle(let groups):
      return x[0].channelShuffle(groups: groups)
    case .globalAveragePool:
      return x[0].globalAvgPool(keepingDimensions: true)
    case .flatten:
      return x[0].reshaped([x[0].shape[0], -1])
    case .gemm(let fusedReLU):
      let y = x[0].linear(weight: t[0], bias: t.count > 1 ? t[1] : nil)
      return fusedReLU ? y.relu() : y
    }
  }
}
