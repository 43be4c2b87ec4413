extension CompactModel {
  /// Total bytes of tensor data in the file.
  public var tensorByteCount: Int { tensors.reduce(0) { $0 + $1.byteLength } }

  /// Total number of weight elements.
  public var parameterCount: Int { tensors.reduce(0) { $0 + $1.byteLength / $1.dataType.byteSize } }

  /// A few human-readable lines for `nas-infer audit`: version, input, classes, ops per kind, tensors per type.
  ///
  ///     format 1.0, 2840 bytes
  ///     input 3×10×10, 5 classes: t-shirt, trouser, ...
  ///     16 ops: Conv 3, Add 1, ...
  ///     9 tensors, 421 parameters, 1684 bytes: fp32 9
  ///     metadata: producer, genotype
  public var summary: String {
    var kinds: [(String, Int)] = []
    for op in graph.ops {
      let name = op.kind.description
      if let i = kinds.firstIndex(where: { $0.0 == name }) { kinds[i].1 += 1 } else { kinds.append((name, 1)) }
    }
    var types: [(TensorDataType, Int)] = []
    for t in tensors {
      if let i = types.firstIndex(where: { $0.0 == t.dataType }) { types[i].1 += 1 } else { types.append((t.dataType, 1)) }
    }
    let classes = header.classNames.prefix(10).joined(separator: ", ") + (header.classCount > 10 ? ", ..." : "")
    return [
      "format \(version), \(bytes.count) bytes",
      "input \(header.inputChannels)×\(header.inputHeight)×\(header.inputWidth), \(header.classCount) classes: \(classes)",
      "\(graph.ops.count) ops: " + kinds.map { "\($0.0) \($0.1)" }.joined(separator: ", "),
      "\(tensors.count) tensors, \(parameterCount) parameters, \(tensorByteCount) bytes: "
        + types.map { "\($0.0) \($0.1)" }.joined(separator: ", "),
      "metadata: " + (metadata.isEmpty ? "none" : metadata.map(\.key).joined(separator: ", ")),
    ].joined(separator: "\n")
  }
}
