/// The checks shared by the writer (before it emits bytes) and the reader (after it parses them), so a file the
/// writer produces is exactly a file the reader accepts.
enum ModelValidation {
  static func validateHeader(_ header: ModelHeader) throws(FormatError) {
    for (field, value) in [("input channels", header.inputChannels), ("input height", header.inputHeight),
                           ("input width", header.inputWidth)] {
      guard value >= 1 else { throw .badHeader("\(field) is \(value), must be at least 1") }
      guard value <= FormatLimits.maxInputDimension else {
        throw .limitExceeded(field: field, value: value, limit: FormatLimits.maxInputDimension)
      }
    }
    let inputElements = header.inputChannels * header.inputHeight * header.inputWidth  // ≤ 2^48: no overflow
    guard inputElements <= FormatLimits.maxInputElements else {
      throw .limitExceeded(field: "input elements", value: inputElements, limit: FormatLimits.maxInputElements)
    }
    guard header.classCount >= 1 else { throw .badHeader("class count is 0") }
    guard header.classCount <= FormatLimits.maxClassCount else {
      throw .limitExceeded(field: "class count", value: header.classCount, limit: FormatLimits.maxClassCount)
    }
    guard header.mean.count == header.inputChannels, header.std.count == header.inputChannels else {
      throw .badHeader("mean/std have \(header.mean.count)/\(header.std.count) entries for \(header.inputChannels) channels")
    }
    for c in 0..<header.inputChannels {
      guard header.mean[c].isFinite else { throw .badHeader("mean[\(c)] is \(header.mean[c])") }
      guard header.std[c].isFinite, header.std[c] > 0 else { throw .badHeader("std[\(c)] is \(header.std[c])") }
    }
    for name in header.classNames {
      try checkLength(name, field: "class name", limit: FormatLimits.maxNameLength)
    }
  }

  static func validateMetadata(_ entries: [MetadataEntry]) throws(FormatError) {
    guard entries.count <= FormatLimits.maxMetadataEntries else {
      throw .limitExceeded(field: "metadata entries", value: entries.count, limit: FormatLimits.maxMetadataEntries)
    }
    var seen = Set<String>()
    for entry in entries {
      guard !entry.key.isEmpty else { throw .badHeader("empty metadata key") }
      try checkLength(entry.key, field: "metadata key", limit: FormatLimits.maxNameLength)
      try checkLength(entry.value, field: "metadata value '\(entry.key)'", limit: FormatLimits.maxMetadataValueLength)
      guard seen.insert(entry.key).inserted else { throw .duplicateName(field: "metadata key", name: entry.key) }
    }
  }

  /// Checks each descriptor on its own (not its data range: that needs the file layout).
  static func validateTensors(_ tensors: [TensorDescriptor]) throws(FormatError) {
    guard tensors.count <= FormatLimits.maxTensorCount else {
      throw .limitExceeded(field: "tensor count", value: tensors.count, limit: FormatLimits.maxTensorCount)
    }
    var seen = Set<String>()
    for t in tensors {
      guard !t.name.isEmpty else { throw .badShape(tensor: t.name, shape: t.shape, reason: "empty tensor name") }
      try checkLength(t.name, field: "tensor name", limit: FormatLimits.maxNameLength)
      guard seen.insert(t.name).inserted else { throw .duplicateName(field: "tensor name", name: t.name) }
      guard (1...FormatLimits.maxTensorRank).contains(t.shape.count) else {
        throw .badShape(tensor: t.name, shape: t.shape, reason: "rank must be 1...\(FormatLimits.maxTensorRank)")
      }
      guard t.shape.allSatisfy({ $0 >= 1 }) else {
        throw .badShape(tensor: t.name, shape: t.shape, reason: "every dimension must be at least 1")
      }
      guard let count = t.elementCount, count <= FormatLimits.maxElementCount else {
        throw .badShape(tensor: t.name, shape: t.shape,
                        reason: "more than \(FormatLimits.maxElementCount) elements")
      }
      guard t.byteLength == count * t.dataType.byteSize else {
        throw .badShape(tensor: t.name, shape: t.shape,
                        reason: "byte length \(t.byteLength) != \(count) × \(t.dataType.byteSize)")
      }
      if t.dataType == .int8 {
        guard t.scales.count == t.shape[0] else {
          throw .badShape(tensor: t.name, shape: t.shape,
                          reason: "int8 needs \(t.shape[0]) scales, has \(t.scales.count)")
        }
        for (i, s) in t.scales.enumerated() where !(s.isFinite && s >= 0) {
          throw .badShape(tensor: t.name, shape: t.shape, reason: "int8 scale[\(i)] is \(s)")
        }
      } else if !t.scales.isEmpty {
        throw .badShape(tensor: t.name, shape: t.shape, reason: "\(t.dataType) tensor with scales")
      }
    }
  }

  /// Checks the graph against the header and tensor table and returns the per-sample shape of every value
  /// (nil for ids no op defines). The batch dimension N is implicit: (C, H, W) values, (F) for flat values.
  static func inferShapes(header: ModelHeader, graph: ModelGraph,
                          tensors: [TensorDescriptor]) throws(FormatError) -> [[Int]?] {
    guard (1...FormatLimits.maxValueCount).contains(graph.valueCount) else {
      throw .limitExceeded(field: "value count", value: graph.valueCount, limit: FormatLimits.maxValueCount)
    }
    guard graph.ops.count <= FormatLimits.maxOpCount else {
      throw .limitExceeded(field: "op count", value: graph.ops.count, limit: FormatLimits.maxOpCount)
    }
    var shapes = [[Int]?](repeating: nil, count: graph.valueCount)
    shapes[0] = header.inputShape
    for (index, op) in graph.ops.enumerated() {
      var inputShapes: [[Int]] = []
      inputShapes.reserveCapacity(op.inputs.count)
      for v in op.inputs {
        guard v >= 0, v < graph.valueCount, let shape = shapes[v] else { throw .undefinedValue(op: index, value: v) }
        inputShapes.append(shape)
      }
      var opTensors: [TensorDescriptor] = []
      for t in op.tensors {
        guard t >= 0, t < tensors.count else { throw .badTensorReference(op: index, tensor: t) }
        opTensors.append(tensors[t])
      }
      let outputShape = try inferOutputShape(op: index, kind: op.kind, inputs: inputShapes, tensors: opTensors,
                                             outputCount: op.outputs.count)
      guard let count = checkedProduct(outputShape), count <= FormatLimits.maxElementCount else {
        throw .shapeMismatch(op: index, kind: op.kind.description,
                             reason: "output shape \(outputShape) has more than \(FormatLimits.maxElementCount) elements")
      }
      for v in op.outputs {
        guard v > 0, v < graph.valueCount else { throw .valueRedefined(op: index, value: v) }
        guard shapes[v] == nil else { throw .valueRedefined(op: index, value: v) }
        shapes[v] = outputShape
      }
    }
    let out = graph.outputValue
    guard out >= 0, out < graph.valueCount, let outShape = shapes[out] else {
      throw .badOutput("output value \(graph.outputValue) is not defined")
    }
    guard outShape == [header.classCount] else {
      throw .badOutput("output value \(out) has shape \(outShape), expected [\(header.classCount)]")
    }
    return shapes
  }

  // MARK: - Per-op rules

  private static func inferOutputShape(op index: Int, kind: OpKind, inputs: [[Int]], tensors: [TensorDescriptor],
                                       outputCount: Int) throws(FormatError) -> [Int] {
    let name = kind.description
    func arity(inputs range: ClosedRange<Int>, tensors tensorRange: ClosedRange<Int>) throws(FormatError) {
      guard range.contains(inputs.count) else {
        throw .badArity(op: index, kind: name, reason: "\(inputs.count) inputs, expected \(range)")
      }
      guard tensorRange.contains(tensors.count) else {
        throw .badArity(op: index, kind: name, reason: "\(tensors.count) tensors, expected \(tensorRange)")
      }
    }
    func spatial(_ shape: [Int]) throws(FormatError) -> (c: Int, h: Int, w: Int) {
      guard shape.count == 3 else {
        throw .shapeMismatch(op: index, kind: name, reason: "input shape \(shape) is not (C, H, W)")
      }
      return (shape[0], shape[1], shape[2])
    }
    func attribute(_ field: String, _ value: Int, _ range: ClosedRange<Int>) throws(FormatError) {
      guard range.contains(value) else {
        throw .badAttribute(op: index, kind: name, reason: "\(field) = \(value), must be in \(range)")
      }
    }
    func padding(_ p: Padding2D) throws(FormatError) {
      for (field, v) in [("pad top", p.top), ("pad left", p.left), ("pad bottom", p.bottom), ("pad right", p.right)] {
        try attribute(field, v, 0...FormatLimits.maxPadding)
      }
    }
    /// Output extent of a sliding window; throws when the window does not fit.
    func windowOutput(_ size: Int, _ padBefore: Int, _ padAfter: Int, _ extent: Int, _ stride: Int,
                      _ axis: String) throws(FormatError) -> Int {
      let span = size + padBefore + padAfter - extent
      guard span >= 0 else {
        throw .shapeMismatch(op: index, kind: name,
                             reason: "\(axis) \(size) + padding is smaller than the window \(extent)")
      }
      return span / stride + 1
    }

    guard outputCount == 1 else {
      throw .badArity(op: index, kind: name, reason: "\(outputCount) outputs, expected 1")
    }

    switch kind {
    case let .conv(a):
      try arity(inputs: 1...1, tensors: 1...2)
      let (c, h, w) = try spatial(inputs[0])
      try attribute("kernel height", a.kernelHeight, 1...FormatLimits.maxKernel)
      try attribute("kernel width", a.kernelWidth, 1...FormatLimits.maxKernel)
      try attribute("stride height", a.strideHeight, 1...FormatLimits.maxStride)
      try attribute("stride width", a.strideWidth, 1...FormatLimits.maxStride)
      try attribute("dilation height", a.dilationHeight, 1...FormatLimits.maxDilation)
      try attribute("dilation width", a.dilationWidth, 1...FormatLimits.maxDilation)
      try attribute("groups", a.groups, 1...FormatLimits.maxGroups)
      try padding(a.padding)
      let weight = tensors[0]
      guard weight.shape.count == 4 else {
        throw .badShape(tensor: weight.name, shape: weight.shape, reason: "conv weight must be (Cout, Cin/groups, kh, kw)")
      }
      let outChannels = weight.shape[0]
      guard c % a.groups == 0, outChannels % a.groups == 0, weight.shape[1] * a.groups == c,
            weight.shape[2] == a.kernelHeight, weight.shape[3] == a.kernelWidth else {
        throw .badShape(tensor: weight.name, shape: weight.shape,
                        reason: "does not fit input \(inputs[0]), kernel \(a.kernelHeight)×\(a.kernelWidth), groups \(a.groups)")
      }
      if tensors.count == 2 {
        guard tensors[1].shape == [outChannels] else {
          throw .badShape(tensor: tensors[1].name, shape: tensors[1].shape, reason: "conv bias must be [\(outChannels)]")
        }
      }
      let oh = try windowOutput(h, a.padding.top, a.padding.bottom, a.dilationHeight * (a.kernelHeight - 1) + 1,
                                a.strideHeight, "height")
      let ow = try windowOutput(w, a.padding.left, a.padding.right, a.dilationWidth * (a.kernelWidth - 1) + 1,
                                a.strideWidth, "width")
      return [outChannels, oh, ow]

    case .relu:
      try arity(inputs: 1...1, tensors: 0...0)
      return inputs[0]

    case let .maxPool(a), let .averagePool(a):
      try arity(inputs: 1...1, tensors: 0...0)
      let (c, h, w) = try spatial(inputs[0])
      try attribute("kernel height", a.kernelHeight, 1...FormatLimits.maxKernel)
      try attribute("kernel width", a.kernelWidth, 1...FormatLimits.maxKernel)
      try attribute("stride height", a.strideHeight, 1...FormatLimits.maxStride)
      try attribute("stride width", a.strideWidth, 1...FormatLimits.maxStride)
      try padding(a.padding)
      guard a.padding.top < a.kernelHeight, a.padding.bottom < a.kernelHeight,
            a.padding.left < a.kernelWidth, a.padding.right < a.kernelWidth else {
        throw .badAttribute(op: index, kind: name, reason: "padding must be smaller than the kernel")
      }
      if case .maxPool = kind, a.countIncludePad {
        throw .badAttribute(op: index, kind: name, reason: "countIncludePad is only meaningful for AveragePool")
      }
      let oh = try windowOutput(h, a.padding.top, a.padding.bottom, a.kernelHeight, a.strideHeight, "height")
      let ow = try windowOutput(w, a.padding.left, a.padding.right, a.kernelWidth, a.strideWidth, "width")
      return [c, oh, ow]

    case .add:
      try arity(inputs: 2...255, tensors: 0...0)
      for s in inputs.dropFirst() where s != inputs[0] {
        throw .shapeMismatch(op: index, kind: name, reason: "input shapes \(inputs[0]) and \(s) differ")
      }
      return inputs[0]

    case .concat:
      try arity(inputs: 1...255, tensors: 0...0)
      let (_, h, w) = try spatial(inputs[0])
      var channels = 0
      for s in inputs {
        let (c, sh, sw) = try spatial(s)
        guard sh == h, sw == w else {
          throw .shapeMismatch(op: index, kind: name, reason: "input shapes \(inputs[0]) and \(s) differ in H×W")
        }
        channels += c  // each c ≤ 2^31, at most 255 inputs: no overflow
      }
      return [channels, h, w]

    case let .crop(p):
      try arity(inputs: 1...1, tensors: 0...0)
      let (c, h, w) = try spatial(inputs[0])
      try padding(p)
      guard p.top + p.bottom < h, p.left + p.right < w else {
        throw .shapeMismatch(op: index, kind: name, reason: "crop \(p) leaves nothing of \(inputs[0])")
      }
      return [c, h - p.top - p.bottom, w - p.left - p.right]

    case let .pad(p, value):
      try arity(inputs: 1...1, tensors: 0...0)
      let (c, h, w) = try spatial(inputs[0])
      try padding(p)
      guard value.isFinite else { throw .badAttribute(op: index, kind: name, reason: "pad value \(value)") }
      return [c, h + p.top + p.bottom, w + p.left + p.right]

    case .channelAffine:
      try arity(inputs: 1...1, tensors: 2...2)
      let shape = inputs[0]
      guard shape.count == 3 || shape.count == 1 else {
        throw .shapeMismatch(op: index, kind: name, reason: "input shape \(shape) is not (C, H, W) or (C)")
      }
      for t in tensors where t.shape != [shape[0]] {
        throw .badShape(tensor: t.name, shape: t.shape, reason: "channel affine needs [\(shape[0])]")
      }
      return shape

    case let .channelShuffle(groups):
      try arity(inputs: 1...1, tensors: 0...0)
      let (c, _, _) = try spatial(inputs[0])
      try attribute("groups", groups, 1...FormatLimits.maxGroups)
      guard c % groups == 0 else {
        throw .shapeMismatch(op: index, kind: name, reason: "\(c) channels do not split into \(groups) groups")
      }
      return inputs[0]

    case .globalAveragePool:
      try arity(inputs: 1...1, tensors: 0...0)
      let (c, _, _) = try spatial(inputs[0])
      return [c, 1, 1]

    case .flatten:
      try arity(inputs: 1...1, tensors: 0...0)
      return [inputs[0].reduce(1, *)]  // already bounded by maxElementCount

    case .gemm:
      try arity(inputs: 1...1, tensors: 1...2)
      guard inputs[0].count == 1 else {
        throw .shapeMismatch(op: index, kind: name, reason: "input shape \(inputs[0]) is not flat (F)")
      }
      let weight = tensors[0]
      guard weight.shape.count == 2, weight.shape[1] == inputs[0][0] else {
        throw .badShape(tensor: weight.name, shape: weight.shape, reason: "gemm weight must be (out, \(inputs[0][0]))")
      }
      if tensors.count == 2 {
        guard tensors[1].shape == [weight.shape[0]] else {
          throw .badShape(tensor: tensors[1].name, shape: tensors[1].shape, reason: "gemm bias must be [\(weight.shape[0])]")
        }
      }
      return [weight.shape[0]]
    }
  }

  private static func checkLength(_ s: String, field: String, limit: Int) throws(FormatError) {
    let n = s.utf8.count
    guard n <= limit else { throw .limitExceeded(field: "\(field) length", value: n, limit: limit) }
  }
}
