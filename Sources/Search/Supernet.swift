import NN
import TensorEngine

/// The candidate operations of every edge of both cell types. DARTS and PC-DARTS use all 8 everywhere;
/// a P-DARTS stage uses each edge's survivors (the same count on every edge).
public struct SearchSpace: Equatable, Sendable {
  public var normal: [[Primitive]]
  public var reduce: [[Primitive]]
  public init(normal: [[Primitive]], reduce: [[Primitive]]) {
    self.normal = normal
    self.reduce = reduce
  }
  /// Every primitive on every edge.
  public static func full(layout: EdgeLayout = EdgeLayout()) -> SearchSpace {
    let all = Array(repeating: Primitive.allCases, count: layout.edgeCount)
    return SearchSpace(normal: all, reduce: all)
  }
  public var operationsPerEdge: Int { normal.first?.count ?? 0 }
}

/// Shape and structure of a search supernet.
public struct SupernetConfiguration: Equatable, Sendable {
  public var shape: NetworkShape
  public var layers: Int
  public var initChannels: Int
  /// PC-DARTS K (1 = plain DARTS mixed ops).
  public var partialChannels: Int
  /// PC-DARTS edge normalisation β.
  public var edgeNormalization: Bool
  public var space: SearchSpace

  public init(shape: NetworkShape, layers: Int, initChannels: Int, partialChannels: Int = 1,
              edgeNormalization: Bool = false, space: SearchSpace = .full()) {
    self.shape = shape
    self.layers = layers
    self.initChannels = initChannels
    self.partialChannels = partialChannels
    self.edgeNormalization = edgeNormalization
    self.space = space
  }
}

/// Why a supernet cannot be built.
public enum SearchError: Error, Equatable, CustomStringConvertible {
  case channelsNotDivisible(channels: Int, k: Int)
  case network(NetworkError)
  case unknownMethod(String)
  case nonFiniteLoss(epoch: Int, step: Int, which: String)
  case invalidOption(String)

  public var description: String {
    switch self {
    case let .channelsNotDivisible(channels, k):
      "\(channels) cell channels cannot be split into K = \(k) partial-channel groups (an even C/K is needed where cells reduce); use --init-channels divisible by \(2 * k)"
    case let .network(error): error.description
    case let .unknownMethod(name): "unknown method '\(name)' (known: darts, pc, p, pcp, ss-pcp)"
    case let .nonFiniteLoss(epoch, step, which):
      "\(which) loss is not finite at epoch \(epoch), step \(step); the last checkpoint is kept (lower the learning rate)"
    case let .invalidOption(why): why
    }
  }
}

/// The DARTS-family supernet (DARTS model_search.py, PC-DARTS, P-DARTS): affine stem, L search cells sharing
/// α (and β) per cell type, global average pool and a linear classifier. α/β are parameters of their own,
/// kept apart from the weights (they have their own optimiser).
public final class Supernet {
  public let configuration: SupernetConfiguration
  let stem: SequentialLayer
  public let cells: [SearchCell]
  let classifier: LinearLayer
  public let alphaNormal: Parameter
  public let alphaReduce: Parameter
  public let betaNormal: Parameter?
  public let betaReduce: Parameter?
  /// Channels of the global-pooled features (input of the classifier and of a self-supervised projector).
  public let featureChannels: Int

  public init(_ configuration: SupernetConfiguration, seed: UInt64) throws(SearchError) {
    let c = configuration
    do { _ = try cellSpatialSizes(layers: c.layers, height: c.shape.height)
         _ = try cellSpatialSizes(layers: c.layers, height: c.shape.width) } catch { throw .network(error) }
    // Cell channels are C, 2C, 4C; reduction cells also need an even C/K for FactorizedReduce (§2.2).
    for channels in [c.initChannels, 2 * c.initChannels, 4 * c.initChannels] {
      guard channels % c.partialChannels == 0 else {
        throw .channelsNotDivisible(channels: channels, k: c.partialChannels)
      }
    }
    guard (2 * c.initChannels / c.partialChannels) % 2 == 0 else {
      throw .channelsNotDivisible(channels: 2 * c.initChannels, k: c.partialChannels)
    }
    self.configuration = configuration
    var rng = PRNG(seed: seed)
    let stemChannels = 3 * c.initChannels
    stem = SequentialLayer([
      Conv2dLayer(name: "stem.0", inChannels: c.shape.inputChannels, outChannels: stemChannels, kernel: 3,
                  padding: 1, rng: &rng),
      BatchNormLayer(name: "stem.1", channels: stemChannels, affine: true),
    ])
    var previousPrevious = stemChannels, previous = stemChannels, current = c.initChannels
    var previousWasReduction = false
    let reductions = reductionCellIndices(layers: c.layers)
    var cells: [SearchCell] = []
    for i in 0..<c.layers {
      let isReduction = reductions.contains(i)
      if isReduction { current *= 2 }
      cells.append(SearchCell(name: "cells.\(i)", operations: isReduction ? c.space.reduce : c.space.normal,
                              previousPreviousChannels: previousPrevious, previousChannels: previous,
                              channels: current, isReduction: isReduction,
                              previousWasReduction: previousWasReduction, partialChannels: c.partialChannels,
                              rng: &rng))
      previousWasReduction = isReduction
      (previousPrevious, previous) = (previous, 4 * current)
    }
    self.cells = cells
    featureChannels = previous
    classifier = LinearLayer(name: "classifier", inFeatures: previous, outFeatures: c.shape.classes, rng: &rng)
    // α, β: 1e-3 × standard normal (DARTS _initialize_alphas), drawn after the weights.
    let edges = EdgeLayout().edgeCount, ops = c.space.operationsPerEdge
    alphaNormal = Parameter(name: "alphas_normal", Tensor.randomNormal([edges, ops], std: 1e-3, using: &rng))
    alphaReduce = Parameter(name: "alphas_reduce", Tensor.randomNormal([edges, ops], std: 1e-3, using: &rng))
    if c.edgeNormalization {
      betaNormal = Parameter(name: "betas_normal", Tensor.randomNormal([edges], std: 1e-3, using: &rng))
      betaReduce = Parameter(name: "betas_reduce", Tensor.randomNormal([edges], std: 1e-3, using: &rng))
    } else {
      betaNormal = nil
      betaReduce = nil
    }
  }

  /// Network weights (trained by SGD on the train half).
  public var weightParameters: [Parameter] {
    stem.parameters + cells.flatMap(\.parameters) + classifier.parameters
  }
  /// α and β (trained by Adam on the val half).
  public var architectureParameters: [Parameter] {
    [alphaNormal, alphaReduce] + [betaNormal, betaReduce].compactMap { $0 }
  }
  public var buffers: [NamedBuffer] { stem.buffers + cells.flatMap(\.buffers) }

  /// Trainable weight count (α/β excluded), as `--count-params` prints it.
  public var weightCount: Int { weightParameters.reduce(0) { $0 + $1.count } }

  /// Sets the P-DARTS skip-connect dropout rate of every stride-1 edge.
  public func setSkipDropout(_ p: Float) {
    for cell in cells { for edge in cell.edges { edge.skipDropout = p } }
  }

  /// β normalised per node: softmax over each node's incoming-edge slice, (14).
  static func normalizedEdgeWeights(_ beta: Tensor, layout: EdgeLayout = EdgeLayout()) -> Tensor {
    Tensor.cat((0..<layout.nodeCount).map { beta.sliced(axis: 0, layout.edges(ofNode: $0)).softmax() }, axis: 0)
  }

  /// Global-pooled features (N, featureChannels).
  public func features(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    let weightsNormal = alphaNormal.value.softmax(axis: -1)
    let weightsReduce = alphaReduce.value.softmax(axis: -1)
    let edgeNormal = betaNormal.map { Supernet.normalizedEdgeWeights($0.value) }
    let edgeReduce = betaReduce.map { Supernet.normalizedEdgeWeights($0.value) }
    var s0 = stem.forward(x, context)
    var s1 = s0
    for cell in cells {
      let output = cell.isReduction
        ? cell.forward(s0, s1, alphaWeights: weightsReduce, edgeWeights: edgeReduce, context)
        : cell.forward(s0, s1, alphaWeights: weightsNormal, edgeWeights: edgeNormal, context)
      (s0, s1) = (s1, output)
    }
    return s1.globalAvgPool()
  }

  /// Class logits (N, classes).
  public func logits(fromFeatures features: Tensor, _ context: ForwardContext) -> Tensor {
    classifier.forward(features, context)
  }

  public func forward(_ x: Tensor, _ context: ForwardContext) -> Tensor {
    logits(fromFeatures: features(x, context), context)
  }

  /// Current α (and β) as plain numbers, for genotype derivation and logs.
  public func architectureSnapshot() -> ArchitectureSnapshot {
    ArchitectureSnapshot(space: configuration.space,
                         alphaNormal: rows(alphaNormal), alphaReduce: rows(alphaReduce),
                         betaNormal: betaNormal?.value.values, betaReduce: betaReduce?.value.values)
  }

  private func rows(_ p: Parameter) -> [[Float]] {
    let values = p.value.values, width = p.shape[1]
    return (0..<p.shape[0]).map { Array(values[($0 * width)..<(($0 + 1) * width)]) }
  }
}

/// α/β of both cell types at one moment, with the operations their columns stand for.
public struct ArchitectureSnapshot: Equatable, Sendable {
  public var space: SearchSpace
  public var alphaNormal: [[Float]]
  public var alphaReduce: [[Float]]
  public var betaNormal: [Float]?
  public var betaReduce: [Float]?

  /// The DARTS / PC-DARTS genotype (α·β rule, §2.4).
  public func genotype() -> Genotype {
    Genotype(normal: deriveCell(EdgeOperationWeights(operations: space.normal, alpha: alphaNormal, beta: betaNormal)),
             reduce: deriveCell(EdgeOperationWeights(operations: space.reduce, alpha: alphaReduce, beta: betaReduce)))
  }

  /// β normalised per node (all ones without edge normalisation).
  public static func edgeWeights(_ beta: [Float]?, layout: EdgeLayout = EdgeLayout()) -> [Float] {
    guard let beta else { return Array(repeating: 1, count: layout.edgeCount) }
    var result = [Float](repeating: 0, count: layout.edgeCount)
    for node in 0..<layout.nodeCount {
      let range = layout.edges(ofNode: node)
      for (k, w) in softmax(Array(beta[range])).enumerated() { result[range.lowerBound + k] = w }
    }
    return result
  }
}
