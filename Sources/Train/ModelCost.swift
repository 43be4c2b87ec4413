import NN

/// Multiply-accumulates of one forward pass at batch 1, computed from the layer shapes of an evaluation network
/// (ALGORITHMS.md §1): every convolution counts H_out·W_out·C_out·(C_in/groups)·k², the classifier
/// C_in·classes. Batch norm (folded into the convolutions at export), ReLU, pooling and additions are not
/// counted, the convention of the papers' "multiply-adds". FLOPs = 2 · MACs. The auxiliary head is excluded.
public struct ModelCost: Equatable, Sendable {
  public var multiplyAccumulates: Int
  public var flops: Int { 2 * multiplyAccumulates }

  public init(genotype: Genotype, shape: NetworkShape, initChannels: Int, layers: Int) throws(NetworkError) {
    let sizes = try cellSpatialSizes(layers: layers, height: shape.height)
    let widths = try cellSpatialSizes(layers: layers, height: shape.width)
    let reductions = reductionCellIndices(layers: layers)
    let stemChannels = 3 * initChannels
    var macs = shape.height * shape.width * stemChannels * shape.inputChannels * 9
    var previousPrevious = stemChannels, previous = stemChannels, channels = initChannels
    var inputArea = shape.height * shape.width
    for i in 0..<layers {
      let isReduction = reductions.contains(i)
      if isReduction { channels *= 2 }
      let outputArea = sizes[i] * widths[i]
      let cell = isReduction ? genotype.reduce : genotype.normal
      // Preprocessing: both inputs come out at the cell's input size with C channels.
      macs += inputArea * previousPrevious * channels   // ReLUConvBN 1×1, or FactorizedReduce's two halves
      macs += inputArea * previous * channels
      for edge in cell.edges {
        let c = channels
        switch edge.op {
        case .sepConv3x3: macs += 2 * outputArea * (c * 9 + c * c)
        case .sepConv5x5: macs += 2 * outputArea * (c * 25 + c * c)
        case .dilConv3x3: macs += outputArea * (c * 9 + c * c)
        case .dilConv5x5: macs += outputArea * (c * 25 + c * c)
        case .skipConnect:
          if isReduction && edge.source < 2 { macs += outputArea * c * c }   // FactorizedReduce C→C
        case .none, .maxPool3x3, .avgPool3x3: break
        }
      }
      (previousPrevious, previous) = (previous, cell.concat.count * channels)
      inputArea = outputArea
    }
    macs += previous * shape.classes
    multiplyAccumulates = macs
  }
}
