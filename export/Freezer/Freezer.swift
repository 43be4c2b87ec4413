import NASFormat
import NN
import TensorEngine

/// Turns a trained `EvaluationNetwork` into a `FrozenGraph` (eval mode).
///
/// What changes on the way: the auxiliary head and drop-path disappear; every BatchNorm is folded into the
/// convolution before it (weights scaled per output channel by γ/√(σ²+ε), bias β − μ·γ/√(σ²+ε)); the ReLU in
/// front of each operation stays a node of its own, shared by all operations that read the same state; identity
/// edges cost nothing; FactorizedReduce becomes ReLU → [1×1 s2 conv | crop top/left 1 → 1×1 s2 conv] → concat with
/// its BatchNorm split over the two convolutions; the classifier is GlobalAveragePool → Flatten → Gemm.
///
/// Weights are looked up by their checkpoint names ("cells.3._ops.1.op.5.weight"), so the freezer reads exactly
/// what `Checkpoint(model:description:)` saves.
public enum Freezer {
  /// BatchNorm ε of every layer of the evaluation network (PyTorch's default, which `BatchNormLayer` uses).
  public static let batchNormEpsilon: Float = 1e-5

  /// Freezes `network`; `description` supplies class names, normalisation and the genotype for the metadata.
  public static func freeze(_ network: EvaluationNetwork, description: ModelDescription,
                            metadata extra: [MetadataEntry] = []) throws(FreezeError) -> FrozenGraph {
    let weights = NetworkWeights(network)
    var b = GraphBuilder(inputShape: [description.shape.inputChannels, description.shape.height,
                                      description.shape.width])
    let stem = try b.convNorm(0, conv: "stem.0", norm: "stem.1", stride: 1, padding: 1, weights: weights)
    var s0 = stem, s1 = stem
    let reductions = reductionCellIndices(layers: network.cells.count)
    var previousWasReduction = false
    for (i, cell) in network.cells.enumerated() {
      let name = "cells.\(i)"
      let isReduction = reductions.contains(i)
      let p0 = previousWasReduction
        ? try b.factorizedReduce(s0, name: name + ".preprocess0", weights: weights)
        : try b.reluConvNorm(s0, name: name + ".preprocess0", weights: weights)
      let p1 = try b.reluConvNorm(s1, name: name + ".preprocess1", weights: weights)
      var states = [p0, p1]
      let genotype = cell.genotype
      for node in 0..<genotype.nodeCount {
        var terms: [Int] = []
        for k in [2 * node, 2 * node + 1] {
          let edge = genotype.edges[k]
          let stride = isReduction && edge.source < 2 ? 2 : 1
          terms.append(try b.operation(edge.op, states[edge.source], stride: stride, name: "\(name)._ops.\(k)",
                                       cell: i, edge: k, weights: weights))
        }
        states.append(b.add(terms, name: "\(name).node\(node + 2)"))
      }
      let outputs = genotype.concat.map { states[$0] }
      (s0, s1) = (s1, outputs.count == 1 ? outputs[0] : b.concat(outputs, name: name + ".concat"))
      previousWasReduction = isReduction
    }
    let pooled = b.append(.globalAveragePool, inputs: [s1], shape: [b.shapes[s1][0], 1, 1], name: "global_pooling")
    let flat = b.append(.flatten, inputs: [pooled], shape: [b.shapes[s1][0]], name: "flatten")
    let w = try weights.parameter("classifier.weight")
    var tensors = [try b.constant("classifier.weight", shape: w.shape, values: w.values)]
    if let bias = weights.optionalParameter("classifier.bias") {
      tensors.append(try b.constant("classifier.bias", shape: bias.shape, values: bias.values))
    }
    let logits = b.append(.gemm(fusedReLU: false), inputs: [flat], tensors: tensors, shape: [w.shape[0]],
                          name: "classifier")

    var metadata = [
      MetadataEntry(key: "producer", value: "nas-export (EdgeNAS)"),
      MetadataEntry(key: "genotype", value: description.genotype.jsonString()),
      MetadataEntry(key: "architecture", value: "C=\(description.initChannels) L=\(description.layers)"),
    ]
    for entry in extra {
      if let i = metadata.firstIndex(where: { $0.key == entry.key }) { metadata[i] = entry } else { metadata.append(entry) }
    }
    return FrozenGraph(inputShape: b.shapes[0], classNames: description.classNames, mean: description.mean,
                       std: description.std, metadata: metadata, tensors: b.tensors, nodes: b.nodes,
                       valueShapes: b.shapes, output: logits)
  }

  /// Loads a model checkpoint (`Checkpoint.loadModel`) and freezes it.
  public static func freeze(checkpointPath path: String) throws -> (graph: FrozenGraph, description: ModelDescription) {
    let (network, description) = try Checkpoint.loadModel(path: path)
    return (try freeze(network, description: description, metadata: [MetadataEntry(key: "source", value: path)]),
            description)
  }
}

/// The trained network's parameters and buffers by checkpoint name.
struct NetworkWeights {
  private var parameters: [String: Tensor] = [:]
  private var buffers: [String: [Float]] = [:]

  init(_ network: EvaluationNetwork) {
    for p in network.parameters { parameters[p.name] = p.value }
    for buffer in network.buffers { buffers[buffer.name] = buffer.read() }
  }

  func optionalParameter(_ name: String) -> (shape: [Int], values: [Float])? {
    parameters[name].map { ($0.shape, $0.values) }
  }

  func parameter(_ name: String) throws(FreezeError) -> (shape: [Int], values: [Float]) {
    guard let p = optionalParameter(name) else { throw .unexpectedLayer(name: name, expected: "trained parameter") }
    return p
  }

  /// γ/√(σ²+ε) and β − μ·γ/√(σ²+ε) of the BatchNorm called `name` (γ = 1, β = 0 when not affine).
  func foldedNorm(_ name: String) throws(FreezeError) -> (scale: [Float], shift: [Float]) {
    guard let mean = buffers[name + ".running_mean"], let variance = buffers[name + ".running_var"] else {
      throw .unexpectedLayer(name: name, expected: "BatchNorm with running statistics")
    }
    let gamma = parameters[name + ".weight"]?.values ?? [Float](repeating: 1, count: mean.count)
    let beta = parameters[name + ".bias"]?.values ?? [Float](repeating: 0, count: mean.count)
    var scale = [Float](repeating: 0, count: mean.count), shift = scale
    for c in 0..<mean.count {
      let s = Double(gamma[c]) / (Double(variance[c]) + Double(Freezer.batchNormEpsilon)).squareRoot()
      scale[c] = Float(s)
      shift[c] = Float(Double(beta[c]) - Double(mean[c]) * s)
    }
    return (scale, shift)
  }
}

/// Appends nodes and constants, tracking every value's per-sample shape.
struct GraphBuilder {
  var tensors: [FrozenTensor] = []
  var nodes: [FrozenNode] = []
  var shapes: [[Int]]
  /// relu(value) already emitted, so several operations reading one state share one ReLU node.
  private var reluOf: [Int: Int] = [:]

  init(inputShape: [Int]) { shapes = [inputShape] }

  mutating func append(_ kind: OpKind, inputs: [Int], tensors: [Int] = [], shape: [Int], name: String) -> Int {
    shapes.append(shape)
    let id = shapes.count - 1
    nodes.append(FrozenNode(kind, inputs: inputs, output: id, tensors: tensors, name: name))
    return id
  }

  mutating func constant(_ name: String, shape: [Int], values: [Float]) throws(FreezeError) -> Int {
    guard values.allSatisfy({ $0.isFinite }) else { throw .nonFiniteWeight(name: name) }
    tensors.append(FrozenTensor(name: name, shape: shape, values: values))
    return tensors.count - 1
  }

  mutating func relu(_ x: Int, name: String) -> Int {
    if let done = reluOf[x] { return done }
    let y = append(.relu, inputs: [x], shape: shapes[x], name: name)
    reluOf[x] = y
    return y
  }

  mutating func add(_ terms: [Int], name: String) -> Int {
    terms.count == 1 ? terms[0] : append(.add, inputs: terms, shape: shapes[terms[0]], name: name)
  }

  mutating func concat(_ parts: [Int], name: String) -> Int {
    let s = shapes[parts[0]]
    return append(.concat, inputs: parts, shape: [parts.reduce(0) { $0 + shapes[$1][0] }, s[1], s[2]], name: name)
  }

  static func slidingOutput(_ size: Int, kernel: Int, stride: Int, padding: Int, dilation: Int = 1) -> Int {
    (size + 2 * padding - (dilation * (kernel - 1) + 1)) / stride + 1
  }

  /// Conv `conv` (weight by name) with the BatchNorm `norm` folded in, channels `normChannels` of that norm
  /// (all when nil; FactorizedReduce gives each half of its norm to one conv).
  mutating func convNorm(_ x: Int, conv: String, norm: String, normChannels: Range<Int>? = nil, stride: Int,
                         padding: Int, dilation: Int = 1, groups: Int = 1,
                         weights: NetworkWeights) throws(FreezeError) -> Int {
    let w = try weights.parameter(conv + ".weight")
    guard w.shape.count == 4 else { throw .unexpectedLayer(name: conv, expected: "2-D convolution") }
    let outChannels = w.shape[0], perChannel = w.values.count / outChannels
    let folded = try weights.foldedNorm(norm)
    let channels = normChannels ?? 0..<folded.scale.count
    guard channels.count == outChannels else { throw .unexpectedLayer(name: norm, expected: "BatchNorm of \(outChannels) channels") }
    let convBias = weights.optionalParameter(conv + ".bias")?.values
    var scaled = w.values
    var bias = [Float](repeating: 0, count: outChannels)
    for o in 0..<outChannels {
      let s = folded.scale[channels.lowerBound + o]
      for i in 0..<perChannel { scaled[o * perChannel + i] *= s }
      bias[o] = folded.shift[channels.lowerBound + o] + (convBias?[o] ?? 0) * s
    }
    let wi = try constant(conv + ".weight", shape: w.shape, values: scaled)
    let bi = try constant(conv + ".bias", shape: [outChannels], values: bias)
    let s = shapes[x]
    let kh = w.shape[2], kw = w.shape[3]
    let shape = [outChannels, Self.slidingOutput(s[1], kernel: kh, stride: stride, padding: padding, dilation: dilation),
                 Self.slidingOutput(s[2], kernel: kw, stride: stride, padding: padding, dilation: dilation)]
    let attributes = ConvAttributes(kernelHeight: kh, kernelWidth: kw, strideHeight: stride, strideWidth: stride,
                                    padding: Padding2D(symmetric: padding), dilationHeight: dilation,
                                    dilationWidth: dilation, groups: groups)
    return append(.conv(attributes), inputs: [x], tensors: [wi, bi], shape: shape, name: conv)
  }

  /// ReLUConvBN with a 1×1 conv (cell preprocessing): names `<name>.op.1` (conv) and `<name>.op.2` (norm).
  mutating func reluConvNorm(_ x: Int, name: String, weights: NetworkWeights) throws(FreezeError) -> Int {
    let r = relu(x, name: name + ".op.0")
    return try convNorm(r, conv: name + ".op.1", norm: name + ".op.2", stride: 1, padding: 0, weights: weights)
  }

  /// FactorizedReduce: ReLU, then conv_1 on it and conv_2 on it cropped by one row and column at the top/left,
  /// both 1×1 stride 2, concatenated; the norm `bn` is split between the two convs.
  mutating func factorizedReduce(_ x: Int, name: String, weights: NetworkWeights) throws(FreezeError) -> Int {
    let r = relu(x, name: name + ".relu")
    let half = try weights.parameter(name + ".conv_1.weight").shape[0]
    let a = try convNorm(r, conv: name + ".conv_1", norm: name + ".bn", normChannels: 0..<half, stride: 2, padding: 0,
                         weights: weights)
    let s = shapes[r]
    let shifted = append(.crop(Padding2D(top: 1, left: 1, bottom: 0, right: 0)), inputs: [r],
                         shape: [s[0], s[1] - 1, s[2] - 1], name: name + ".shift")
    let b = try convNorm(shifted, conv: name + ".conv_2", norm: name + ".bn", normChannels: half..<(2 * half),
                         stride: 2, padding: 0, weights: weights)
    return concat([a, b], name: name + ".concat")
  }

  /// ReLU → depthwise k×k → pointwise 1×1 → BN, names `<name>.op.<base>`, `.op.<base+1>`, `.op.<base+2>`.
  mutating func separableBlock(_ x: Int, name: String, base: Int, stride: Int, padding: Int, dilation: Int,
                               weights: NetworkWeights) throws(FreezeError) -> Int {
    let r = relu(x, name: "\(name).op.\(base - 1)")
    let depthwiseName = "\(name).op.\(base)"
    let channels = try weights.parameter(depthwiseName + ".weight").shape[0]
    let pointwiseName = "\(name).op.\(base + 1)"
    let normName = "\(name).op.\(base + 2)"
    // The depthwise conv has no norm of its own; the block's norm folds into the pointwise conv after it.
    let d = try plainConv(r, conv: depthwiseName, stride: stride, padding: padding, dilation: dilation,
                          groups: channels, weights: weights)
    return try convNorm(d, conv: pointwiseName, norm: normName, stride: 1, padding: 0, weights: weights)
  }

  /// A conv without a following norm (the depthwise half of a separable block).
  mutating func plainConv(_ x: Int, conv: String, stride: Int, padding: Int, dilation: Int, groups: Int,
                          weights: NetworkWeights) throws(FreezeError) -> Int {
    let w = try weights.parameter(conv + ".weight")
    guard w.shape.count == 4 else { throw .unexpectedLayer(name: conv, expected: "2-D convolution") }
    var tensorIds = [try constant(conv + ".weight", shape: w.shape, values: w.values)]
    if let bias = weights.optionalParameter(conv + ".bias") {
      tensorIds.append(try constant(conv + ".bias", shape: bias.shape, values: bias.values))
    }
    let s = shapes[x]
    let kh = w.shape[2], kw = w.shape[3]
    let shape = [w.shape[0], Self.slidingOutput(s[1], kernel: kh, stride: stride, padding: padding, dilation: dilation),
                 Self.slidingOutput(s[2], kernel: kw, stride: stride, padding: padding, dilation: dilation)]
    let attributes = ConvAttributes(kernelHeight: kh, kernelWidth: kw, strideHeight: stride, strideWidth: stride,
                                    padding: Padding2D(symmetric: padding), dilationHeight: dilation,
                                    dilationWidth: dilation, groups: groups)
    return append(.conv(attributes), inputs: [x], tensors: tensorIds, shape: shape, name: conv)
  }

  mutating func pool(_ x: Int, max isMax: Bool, stride: Int, name: String) -> Int {
    let s = shapes[x]
    let o = Self.slidingOutput(s[1], kernel: 3, stride: stride, padding: 1)
    let p = Self.slidingOutput(s[2], kernel: 3, stride: stride, padding: 1)
    let attributes = PoolAttributes(kernel: 3, stride: stride, padding: 1, countIncludePad: false)
    return append(isMax ? .maxPool(attributes) : .averagePool(attributes), inputs: [x], shape: [s[0], o, p], name: name)
  }

  /// One genotype edge applied to state `x`.
  mutating func operation(_ op: Primitive, _ x: Int, stride: Int, name: String, cell: Int, edge: Int,
                          weights: NetworkWeights) throws(FreezeError) -> Int {
    switch op {
    case .none:
      throw .unsupportedOperation(cell: cell, edge: edge, operation: op.rawValue)
    case .maxPool3x3, .avgPool3x3:
      return pool(x, max: op == .maxPool3x3, stride: stride, name: name)
    case .skipConnect:
      return stride == 1 ? x : try factorizedReduce(x, name: name, weights: weights)
    case .sepConv3x3, .sepConv5x5:
      let k = op == .sepConv3x3 ? 3 : 5
      let first = try separableBlock(x, name: name, base: 1, stride: stride, padding: k / 2, dilation: 1,
                                     weights: weights)
      return try separableBlock(first, name: name, base: 5, stride: 1, padding: k / 2, dilation: 1, weights: weights)
    case .dilConv3x3, .dilConv5x5:
      let k = op == .dilConv3x3 ? 3 : 5
      return try separableBlock(x, name: name, base: 1, stride: stride, padding: k - 1, dilation: 2, weights: weights)
    }
  }
}
