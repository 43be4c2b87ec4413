import TensorEngine

/// Shape of a network's input and output.
public struct NetworkShape: Equatable, Sendable {
  public var inputChannels: Int
  public var height: Int
  public var width: Int
  public var classes: Int
  public init(inputChannels: Int, height: Int, width: Int, classes: Int) {
    self.inputChannels = inputChannels
    self.height = height
    self.width = width
    self.classes = classes
  }
}

/// Which cells of an L-cell stack are reduction cells: floor(L/3) and floor(2L/3) (ALGORITHMS.md §1.4).
public func reductionCellIndices(layers: Int) -> Set<Int> { [layers / 3, 2 * layers / 3] }

/// Checks that every reduction halves an even map, returning the spatial size after each cell.
public func cellSpatialSizes(layers: Int, height: Int) throws(NetworkError) -> [Int] {
  guard layers >= 3 else { throw .tooFewLayers(layers) }
  var size = height
  var sizes: [Int] = []
  let reductions = reductionCellIndices(layers: layers)
  for i in 0..<layers {
    if reductions.contains(i) {
      guard size % 2 == 0 else { throw .oddSpatialSize(cell: i, size: size) }
      size /= 2
    }
    sizes.append(size)
  }
  return sizes
}

/// The network retrained from a genotype (DARTS model.py NetworkCIFAR): stem 3×3 conv → 3C + BN, L cells with
/// reductions at L/3 and 2L/3 (channels doubling there), global average pool, linear classifier, and optionally
/// the auxiliary head on the output of cell floor(2L/3).
public final class EvaluationNetwork: Layer {
  public let genotype: Genotype
  public let shape: NetworkShape
  public let initChannels: Int
  public let stem: SequentialLayer
  public let cells: [EvaluationCell]
  public let classifier: LinearLayer
  public let auxiliaryHead: AuxiliaryHead?
  /// Index of the cell whose output feeds the auxiliary head.
  public let auxiliaryCellIndex: Int

  public init(genotype: Genotype, shape: NetworkShape, initChannels: Int, layers: Int, auxiliary: Bool,
              seed: UInt64) throws {
    try genotype.validate()
    let sizes = try cellSpatialSizes(layers: layers, height: shape.height)
    _ = try cellSpatialSizes(layers: layers, height: shape.width)
    self.genotype = genotype
    self.shape = shape
    self.initChannels = initChannels
    var rng = PRNG(seed: seed)
    let stemChannels = 3 * initChannels
    stem = SequentialLayer([
      Conv2dLayer(name: "stem.0", inChannels: shape.inputChannels, outChannels: stemChannels, kernel: 3,
                  padding: 1, rng: &rng),
      BatchNormLayer(name: "stem.1", channels: stemChannels, affine: true),
    ])
    var previousPrevious = stemChannels, previous = stemChannels, current = initChannels
    var previousWasReduction = false
    let reductions = reductionCellIndices(layers: layers)
    auxiliaryCellIndex = 2 * layers / 3
    var cells: [EvaluationCell] = []
    var auxiliaryChannels = 0
    for i in 0..<layers {
      let isReduction = reductions.contains(i)
      if isReduction { current *= 2 }
      let cell = EvaluationCell(name: "cells.\(i)", genotype: isReduction ? genotype.reduce : genotype.normal,
                                previousPreviousChannels: previousPrevious, previousChannels: previous,
                                channels: current, isReduction: isReduction,
                                previousWasReduction: previousWasReduction, rng: &rng)
      cells.append(cell)
      previousWasReduction = isReduction
      (previousPrevious, previous) = (previous, cell.outChannels)
      if i == auxiliaryCellIndex { auxiliaryChannels = previous }
    }
    self.cells = cells
    auxiliaryHead = auxiliary
      ? try AuxiliaryHead(name: "auxiliary_head", channels: auxiliaryChannels,
                          spatialSize: sizes[auxiliaryCellIndex], classes: shape.classes, rng: &rng)
      : nil
    classifier = LinearLayer(name: "classifier", inFeatures: previous, outFeatures: shape.classes, rng: &rng)
  }

  /// Every trainable parameter, auxiliary head included (it is trained).
  public var parameters: [Parameter] {
    stem.parameters + cells.flatMap(\.parameters) + classifier.parameters + (auxiliaryHead?.parameters ?? [])
  }
  public var buffers: [NamedBuffer] {
    stem.buffers + cells.flatMap(\.buffers) + (auxiliaryHead?.buffers ?? [])
  }

  /// Parameters of the deployed network: everything but the auxiliary head (how the references count "param size").
  public var inferenceParameterCount: Int {
    stem.parameterCount + cells.reduce(0) { $0 + $1.parameterCount } + classifier.parameterCount
  }

  /// Logits (N, classes).
  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor { forwardWithAuxiliary(x, context).logits }

  /// Logits and, in training with an auxiliary head, the auxiliary logits.
  public func forwardWithAuxiliary(_ x: Tensor, _ context: ForwardContext) -> (logits: Tensor, auxiliary: Tensor?) {
    var s0 = stem.forward(x, context)
    var s1 = s0
    var auxiliaryLogits: Tensor? = nil
    for (i, cell) in cells.enumerated() {
      (s0, s1) = (s1, cell.forward(s0, s1, context))
      if i == auxiliaryCellIndex, context.training, let head = auxiliaryHead {
        auxiliaryLogits = head.forward(s1, context)
      }
    }
    return (classifier.forward(s1.globalAvgPool(), context), auxiliaryLogits)
  }
}
