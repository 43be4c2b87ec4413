import NASFormat

/// A named constant of the frozen graph (conv weight, folded bias, classifier matrix), row-major fp32.
public struct FrozenTensor: Equatable, Sendable {
  public var name: String
  public var shape: [Int]
  public var values: [Float]

  public init(name: String, shape: [Int], values: [Float]) {
    precondition(shape.reduce(1, *) == values.count, "tensor '\(name)': shape \(shape) needs \(shape.reduce(1, *)) values, got \(values.count)")
    self.name = name
    self.shape = shape
    self.values = values
  }
}

/// One operation of the frozen graph. The op kinds and their attributes are those of the compact format
/// (`NASFormat.OpKind`, runtime/FORMAT.md §6), so that both writers read the same description.
public struct FrozenNode: Equatable, Sendable {
  public var kind: OpKind
  /// Value ids read, in order.
  public var inputs: [Int]
  /// The value id this node defines.
  public var output: Int
  /// Indices into `FrozenGraph.tensors` (conv: weight, bias; gemm: weight, bias; channelAffine: scale, shift).
  public var tensors: [Int]
  /// Where the node came from in the trained network ("cells.2._ops.1.first"), for ONNX node names and errors.
  public var name: String

  public init(_ kind: OpKind, inputs: [Int], output: Int, tensors: [Int] = [], name: String) {
    self.kind = kind
    self.inputs = inputs
    self.output = output
    self.tensors = tensors
    self.name = name
  }
}

/// A trained network in inference form: no auxiliary head, no drop-path, BatchNorm folded into the convolutions,
/// weights as plain constants. Value 0 is the normalised input batch (N, C, H, W); `valueShapes` holds every
/// value's per-sample shape ((C, H, W) or (F)); nodes are in execution order; `output` holds the logits (N, K).
public struct FrozenGraph: Sendable {
  /// (C, H, W) of one input image.
  public var inputShape: [Int]
  public var classNames: [String]
  /// Per-channel normalisation applied to pixel/255 before value 0.
  public var mean: [Float]
  public var std: [Float]
  /// Free-form facts carried into both files (genotype JSON, producer, source checkpoint, …), in order.
  public var metadata: [MetadataEntry]
  public var tensors: [FrozenTensor]
  public var nodes: [FrozenNode]
  /// Per-sample shape of every value (index = value id).
  public var valueShapes: [[Int]]
  public var output: Int

  public init(inputShape: [Int], classNames: [String], mean: [Float], std: [Float], metadata: [MetadataEntry],
              tensors: [FrozenTensor], nodes: [FrozenNode], valueShapes: [[Int]], output: Int) {
    self.inputShape = inputShape
    self.classNames = classNames
    self.mean = mean
    self.std = std
    self.metadata = metadata
    self.tensors = tensors
    self.nodes = nodes
    self.valueShapes = valueShapes
    self.output = output
  }

  public var classCount: Int { classNames.count }

  /// The value of a metadata key, if present.
  public func metadataValue(forKey key: String) -> String? { metadata.first(where: { $0.key == key })?.value }

  /// Total number of weight scalars (parameter count of the deployed network after folding).
  public var weightCount: Int { tensors.reduce(0) { $0 + $1.values.count } }

  /// How many nodes of each kind, e.g. ["Conv": 61, "ReLU": 40, ...], for summaries.
  public var nodeCounts: [String: Int] {
    var counts: [String: Int] = [:]
    for node in nodes { counts[node.kind.description, default: 0] += 1 }
    return counts
  }
}
