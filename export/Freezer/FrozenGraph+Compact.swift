import NASFormat

/// How weights are stored in the compact file.
public enum WeightPrecision: String, CaseIterable, Sendable {
  /// IEEE binary32: exact, usable in place from a mapped file.
  case fp32
  /// IEEE binary16 for every tensor (weights and folded biases).
  case fp16
  /// Symmetric int8 with one scale per output channel for conv weights; folded biases in fp16; the first conv
  /// and the classifier (the layers most sensitive to quantisation) stay fp32, weights and biases, unless
  /// `compactWriter(precision:quantizeEnds:)` is asked to quantise them too.
  case int8
}

extension FrozenGraph {
  /// The graph as a compact-format writer (runtime/FORMAT.md): same ops, same value ids, tensors in graph order.
  /// `write(toPath:)` or `serialized()` on the result validates and encodes it.
  ///
  /// - Parameter quantizeEnds: with `.int8`, store the stem conv and the classifier as int8 / fp16 like every
  ///   other layer (about 4.5 kB less for a C=8 network); check the agreement report before shipping such a file.
  public func compactWriter(precision: WeightPrecision = .fp32,
                            quantizeEnds: Bool = false) throws(FormatError) -> CompactModelWriter {
    var writer = CompactModelWriter(header: ModelHeader(
      inputChannels: inputShape[0], inputHeight: inputShape[1], inputWidth: inputShape[2], classNames: classNames,
      mean: mean, std: std))
    for entry in metadata { writer.setMetadata(entry.value, forKey: entry.key) }
    writer.setMetadata(precision == .int8 && quantizeEnds ? "int8 (stem and classifier too)" : precision.rawValue,
                       forKey: "precision")
    let keepFP32 = precision == .int8 && !quantizeEnds ? firstAndLastLayerTensors : []
    for (i, t) in tensors.enumerated() {
      let isWeight = t.shape.count >= 2
      let type: TensorDataType
      switch precision {
      case .fp32: type = .float32
      case .fp16: type = .float16
      case .int8: type = keepFP32.contains(i) ? .float32 : isWeight ? .int8 : .float16
      }
      try writer.addTensor(name: t.name, shape: t.shape, values: t.values, dataType: type)
    }
    for node in nodes { writer.addOp(GraphOp(node.kind, inputs: node.inputs, output: node.output, tensors: node.tensors)) }
    writer.outputValue = output
    return writer
  }

  /// Tensor indices of the first node reading the input (the stem conv) and of the node producing the logits.
  var firstAndLastLayerTensors: Set<Int> {
    var keep = Set<Int>()
    if let first = nodes.first(where: { $0.inputs.contains(0) && !$0.tensors.isEmpty }) { keep.formUnion(first.tensors) }
    if let last = nodes.last(where: { $0.output == output }) { keep.formUnion(last.tensors) }
    return keep
  }

  /// The graph stored in a compact file, weights decoded to fp32 (fp16 widened, int8 dequantised), so the
  /// reference interpreter can run exactly what the file holds.
  public init(compactModel model: CompactModel) {
    let header = model.header
    var shapes: [[Int]] = []
    for (i, s) in model.valueShapes.enumerated() {
      precondition(s != nil, "compact model: value \(i) has no inferred shape (reader validation should prevent this)")
      shapes.append(s!)
    }
    self.init(
      inputShape: header.inputShape, classNames: header.classNames, mean: header.mean, std: header.std,
      metadata: model.metadata,
      tensors: model.tensors.indices.map {
        FrozenTensor(name: model.tensors[$0].name, shape: model.tensors[$0].shape, values: model.floatValues(ofTensor: $0))
      },
      nodes: model.graph.ops.enumerated().map { i, op in
        FrozenNode(op.kind, inputs: op.inputs, output: op.outputs[0], tensors: op.tensors, name: "op\(i)")
      },
      valueShapes: shapes, output: model.graph.outputValue)
  }
}
