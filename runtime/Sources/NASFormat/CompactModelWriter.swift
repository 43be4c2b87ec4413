/// Builds a `.nasb` file: header, metadata, tensors (encoded as fp32, fp16 or int8 when added) and the op list.
///
/// `encoding` picks the table sections: `.compact` (default, format 1.1 `TTBV` + `GRPV`) or `.plain` (`TTAB` +
/// `GRPH`, readable by 1.0 readers). The file is stamped with `FormatVersion.current` either way.
///
/// The writer runs the same validation as the reader before it emits anything, so `serialized()` either throws
/// a `FormatError` or returns bytes that `CompactModelReader` accepts.
///
///     var writer = CompactModelWriter(header: header)
///     writer.setMetadata("nas-export 0.1", forKey: "producer")
///     let w = try writer.addTensor(name: "stem.weight", shape: [16, 1, 3, 3], values: weights, dataType: .int8)
///     writer.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1)), inputs: [0], output: 1, tensors: [w]))
///     ...
///     writer.outputValue = 9
///     try writer.write(toPath: "model.nasb")
public struct CompactModelWriter: Sendable {
  public var header: ModelHeader
  /// Written in this order; keys must be unique.
  public var metadata: [MetadataEntry] = []
  /// In execution order; each input must be 0 or an output of an earlier op.
  public var ops: [GraphOp] = []
  /// The value holding the logits.
  public var outputValue: Int = 0
  /// Which tensor table and op list sections to write.
  public var encoding: TableEncoding = .compact
  /// Descriptors of the tensors added so far (offsets are assigned by `serialized()`).
  public private(set) var tensors: [TensorDescriptor] = []
  /// Encoded bytes of each tensor, parallel to `tensors`.
  private var tensorBytes: [[UInt8]] = []

  public init(header: ModelHeader) {
    self.header = header
  }

  /// Encodes `values` (row-major, `shape`) as `dataType` and returns the new tensor's index for `GraphOp.tensors`.
  ///
  /// Every tensor is stored at a multiple of 64 bytes (FORMAT.md §5.2), whatever its type and encoding.
  ///
  /// Throws `.badShape` if the count does not match,
  /// `.nonFiniteValue` for NaN/infinity (or fp16 overflow), `.duplicateName` if `name` is taken.
  @discardableResult
  public mutating func addTensor(name: String, shape: [Int], values: [Float],
                                 dataType: TensorDataType = .float32) throws(FormatError) -> Int {
    guard !tensors.contains(where: { $0.name == name }) else { throw .duplicateName(field: "tensor name", name: name) }
    let (bytes, scales) = try TensorEncoding.encode(values, shape: shape, as: dataType, name: name)
    tensors.append(TensorDescriptor(name: name, dataType: dataType, shape: shape, offset: 0,
                                    byteLength: bytes.count, scales: scales))
    tensorBytes.append(bytes)
    return tensors.count - 1
  }

  public mutating func addOp(_ op: GraphOp) {
    ops.append(op)
  }

  /// Sets `key` to `value`, replacing an existing entry in place or appending a new one.
  public mutating func setMetadata(_ value: String, forKey key: String) {
    if let i = metadata.firstIndex(where: { $0.key == key }) {
      metadata[i].value = value
    } else {
      metadata.append(MetadataEntry(key: key, value: value))
    }
  }

  /// Value ids are 0 ..< (largest id used + 1).
  var valueCount: Int {
    var largest = max(outputValue, 0)
    for op in ops {
      for v in op.inputs { largest = max(largest, v) }
      for v in op.outputs { largest = max(largest, v) }
    }
    return largest + 1
  }

  /// The complete file image.
  public func serialized() throws(FormatError) -> [UInt8] {
    let graph = ModelGraph(valueCount: valueCount, outputValue: outputValue, ops: ops)
    try ModelValidation.validateHeader(header)
    try ModelValidation.validateMetadata(metadata)
    try ModelValidation.validateTensors(tensors)
    _ = try ModelValidation.inferShapes(header: header, graph: graph, tensors: tensors)
    for op in ops {
      guard op.inputs.count <= 255, op.outputs.count <= 255, op.tensors.count <= 255 else {
        throw .limitExceeded(field: "inputs, outputs or tensors of one op", value: 256, limit: 255)
      }
    }

    let compact = encoding == .compact
    let head = headerPayload()
    let meta = metadataPayload()
    let graphBytes = compact ? compactGraphPayload(graph) : graphPayload(graph)
    // The tensor table has a fixed size whatever the offsets, so lay out once with placeholders, then for real.
    let tableSize = compact ? compactTensorTablePayload(tensors).count : tensorTablePayload(tensors).count
    var offset = FormatLayout.fileHeaderSize
    for size in [head.count, meta.count, tableSize, graphBytes.count] {
      offset = alignUp(offset + FormatLayout.sectionHeaderSize + size)
    }
    let dataSectionStart = offset
    var placed = tensors
    var dataEnd = dataSectionStart + FormatLayout.sectionHeaderSize
    for i in placed.indices {
      dataEnd = alignUp(dataEnd)
      placed[i].offset = dataEnd
      dataEnd += placed[i].byteLength
    }
    let fileLength = alignUp(dataEnd) + FormatLayout.sectionHeaderSize
    guard fileLength <= FormatLimits.maxFileLength else {
      throw .limitExceeded(field: "file length", value: fileLength, limit: FormatLimits.maxFileLength)
    }

    var out = ByteWriter()
    out.bytes.reserveCapacity(fileLength)
    out.bytes.append(contentsOf: FormatLayout.magic)
    out.u16(UInt16(FormatVersion.current.major))
    out.u16(UInt16(FormatVersion.current.minor))
    out.u32(0)  // flags
    out.u64(UInt64(fileLength))
    out.count(6)  // HEAD, META, TTAB, GRPH, DATA, END!
    out.u32(CRC32.checksum(out.bytes[0..<FormatLayout.fileHeaderChecksummedSize]))
    out.pad(to: FormatLayout.alignment)

    appendSection(&out, SectionTag.header, flags: 0, head)
    appendSection(&out, SectionTag.metadata, flags: FormatLayout.skippableFlag, meta)
    if compact {
      appendSection(&out, SectionTag.compactTensorTable, flags: 0, compactTensorTablePayload(placed))
      appendSection(&out, SectionTag.compactGraph, flags: 0, graphBytes)
    } else {
      appendSection(&out, SectionTag.tensorTable, flags: 0, tensorTablePayload(placed))
      appendSection(&out, SectionTag.graph, flags: 0, graphBytes)
    }
    precondition(out.bytes.count == dataSectionStart, "section layout drifted: \(out.bytes.count) != \(dataSectionStart)")
    var data = ByteWriter()
    data.bytes.reserveCapacity(dataEnd - dataSectionStart)
    for i in placed.indices {
      // Payload byte k sits at file offset dataSectionStart + 24 + k.
      data.bytes.append(contentsOf: repeatElement(0, count: placed[i].offset - dataSectionStart
                                                    - FormatLayout.sectionHeaderSize - data.bytes.count))
      data.bytes.append(contentsOf: tensorBytes[i])
    }
    appendSection(&out, SectionTag.data, flags: 0, data.bytes)
    appendSection(&out, SectionTag.end, flags: 0, [])
    out.bytes.removeLast(out.bytes.count - fileLength)  // no padding after the end marker
    precondition(out.bytes.count == fileLength, "file length drifted: \(out.bytes.count) != \(fileLength)")
    return out.bytes
  }

  /// The model as a reader would see it after a write and a read.
  public func model() throws(FormatError) -> CompactModel {
    try CompactModelReader.parse(try serialized())
  }

  /// Serialises and writes to `path` atomically (temporary file in the same directory, fsync, rename).
  public func write(toPath path: String) throws(FormatError) {
    try ModelFile.writeAtomically(path: path, bytes: try serialized())
  }

  // MARK: Payloads

  private func headerPayload() -> [UInt8] {
    var w = ByteWriter()
    w.count(header.inputChannels)
    w.count(header.inputHeight)
    w.count(header.inputWidth)
    w.count(header.classCount)
    for m in header.mean { w.f32(m) }
    for s in header.std { w.f32(s) }
    for name in header.classNames { w.string(name) }
    return w.bytes
  }

  private func metadataPayload() -> [UInt8] {
    var w = ByteWriter()
    w.count(metadata.count)
    for entry in metadata {
      w.string(entry.key)
      w.string(entry.value)
    }
    return w.bytes
  }

  private func tensorTablePayload(_ table: [TensorDescriptor]) -> [UInt8] {
    var w = ByteWriter()
    w.count(table.count)
    for t in table {
      w.string(t.name)
      w.u8(t.dataType.rawValue)
      w.u8(UInt8(t.shape.count))
      w.u16(0)
      for d in t.shape { w.count(d) }
      w.u64(UInt64(t.offset))
      w.u64(UInt64(t.byteLength))
      for s in t.scales { w.f32(s) }
    }
    return w.bytes
  }

  /// `TTBV` (FORMAT.md §5.3): varints, names sharing a prefix with the previous name, fp16 scales, no offsets.
  private func compactTensorTablePayload(_ table: [TensorDescriptor]) -> [UInt8] {
    var w = ByteWriter()
    w.varint(table.count)
    var previous: [UInt8] = []
    for t in table {
      let name = Array(t.name.utf8)
      var shared = 0
      while shared < min(name.count, previous.count) && name[shared] == previous[shared] { shared += 1 }
      w.varint(shared)
      w.varintString(name[shared...])
      w.u8(t.dataType.rawValue)
      w.u8(UInt8(t.shape.count))
      for d in t.shape { w.varint(d) }
      for s in t.scales { w.f16(s) }  // exact: the encoder rounds int8 scales to fp16 values
      previous = name
    }
    return w.bytes
  }

  /// `GRPV` (FORMAT.md §6.1): the `GRPH` fields as varints, attributes as a word count and varint words.
  private func compactGraphPayload(_ graph: ModelGraph) -> [UInt8] {
    var w = ByteWriter()
    w.varint(graph.valueCount)
    w.varint(graph.outputValue)
    w.varint(graph.ops.count)
    for op in graph.ops {
      let attributes = attributeWords(op.kind)
      w.varint(op.kind.code)
      w.varint(op.inputs.count)
      w.varint(op.outputs.count)
      w.varint(op.tensors.count)
      for v in op.inputs { w.varint(v) }
      for v in op.outputs { w.varint(v) }
      for t in op.tensors { w.varint(t) }
      w.varint(attributes.count)
      for a in attributes { w.varint(Int(a)) }
    }
    return w.bytes
  }

  private func graphPayload(_ graph: ModelGraph) -> [UInt8] {
    var w = ByteWriter()
    w.count(graph.valueCount)
    w.count(graph.outputValue)
    w.count(graph.ops.count)
    for op in graph.ops {
      let attributes = attributeWords(op.kind)
      w.u16(UInt16(op.kind.code))
      w.u8(UInt8(op.inputs.count))
      w.u8(UInt8(op.outputs.count))
      w.u8(UInt8(op.tensors.count))
      w.u8(0)
      w.u16(UInt16(4 * attributes.count))
      for v in op.inputs { w.count(v) }
      for v in op.outputs { w.count(v) }
      for t in op.tensors { w.count(t) }
      for a in attributes { w.u32(a) }
    }
    return w.bytes
  }

  /// The attribute block of an op as 32-bit words (i32 values, flags, f32 bit patterns).
  private func attributeWords(_ kind: OpKind) -> [UInt32] {
    func i(_ v: Int) -> UInt32 { UInt32(bitPattern: Int32(v)) }
    func pads(_ p: Padding2D) -> [UInt32] { [i(p.top), i(p.left), i(p.bottom), i(p.right)] }
    switch kind {
    case let .conv(a):
      return [i(a.kernelHeight), i(a.kernelWidth), i(a.strideHeight), i(a.strideWidth)] + pads(a.padding)
        + [i(a.dilationHeight), i(a.dilationWidth), i(a.groups), a.fusedReLU ? 1 : 0]
    case let .maxPool(a):
      return [i(a.kernelHeight), i(a.kernelWidth), i(a.strideHeight), i(a.strideWidth)] + pads(a.padding)
    case let .averagePool(a):
      return [i(a.kernelHeight), i(a.kernelWidth), i(a.strideHeight), i(a.strideWidth)] + pads(a.padding)
        + [a.countIncludePad ? 1 : 0]
    case let .crop(p):
      return pads(p)
    case let .pad(p, value):
      return pads(p) + [value.bitPattern]
    case let .channelShuffle(groups):
      return [i(groups)]
    case let .gemm(fusedReLU):
      return [fusedReLU ? 1 : 0]
    case .relu, .add, .concat, .channelAffine, .globalAveragePool, .flatten:
      return []
    }
  }

  private func appendSection(_ out: inout ByteWriter, _ tag: String, flags: UInt32, _ payload: [UInt8]) {
    let start = out.bytes.count
    assert(start % FormatLayout.alignment == 0, "section '\(tag)' at unaligned offset \(start)")
    out.u32(SectionTag.code(tag))
    out.u32(flags)
    out.u64(UInt64(payload.count))
    var crc = CRC32()
    out.bytes.withUnsafeBytes { crc.update(UnsafeRawBufferPointer(rebasing: $0[start..<(start + 16)])) }
    payload.withUnsafeBytes { crc.update($0) }
    out.u32(crc.value)
    out.u32(0)
    out.bytes.append(contentsOf: payload)
    out.pad(to: FormatLayout.alignment)
  }

  private func alignUp(_ x: Int) -> Int {
    (x + FormatLayout.alignment - 1) / FormatLayout.alignment * FormatLayout.alignment
  }
}
