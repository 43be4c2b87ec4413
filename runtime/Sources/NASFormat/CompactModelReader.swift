/// Parses and validates `.nasb` files. Nothing is trusted before it is checked: magic, version, every length
/// against the bytes that remain, CRCs, shapes, value and tensor references, attributes, data ranges, alignment.
///
/// Every failure is a `FormatError`; a model that parses has passed every check in `CompactModel.validate()`.
public enum CompactModelReader {
  /// Parses a copy of `bytes` (copied into a 64-byte aligned buffer).
  public static func parse(_ bytes: [UInt8]) throws(FormatError) -> CompactModel {
    let image = bytes.withUnsafeBytes { ModelBytes(copying: $0) }
    return try parse(image)
  }

  /// Parses a copy of the bytes in `buffer`.
  public static func parse(_ buffer: UnsafeRawBufferPointer) throws(FormatError) -> CompactModel {
    try parse(ModelBytes(copying: buffer))
  }

  /// Parses a file image that is already in an aligned `ModelBytes`; tensors then point into it.
  public static func parse(_ image: ModelBytes) throws(FormatError) -> CompactModel {
    var parser = Parser(image: image)
    return try parser.run()
  }

  /// Reads the file at `path` into an aligned buffer and parses it.
  public static func read(path: String) throws(FormatError) -> CompactModel {
    try parse(try ModelFile.readAligned(path: path))
  }

  /// Maps the file at `path` read-only and parses it; fp32 tensors are then used straight from the page cache.
  ///
  /// Validation touches every page once (CRCs). Do not truncate the file while the model is alive
  /// (atomic replacement by rename is fine).
  public static func map(path: String) throws(FormatError) -> CompactModel {
    try parse(try ModelFile.map(path: path))
  }

  /// Throws `.nonFiniteValue` if an fp32 or fp16 tensor holds a NaN or infinity.
  static func checkFinite(_ tensors: [TensorDescriptor], in image: ModelBytes) throws(FormatError) {
    for t in tensors {
      let data = image.pointer + t.offset
      switch t.dataType {
      case .float32:
        for i in 0..<(t.byteLength / 4) {
          let bits = data.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)
          if bits & 0x7F80_0000 == 0x7F80_0000 { throw .nonFiniteValue(tensor: t.name, index: i) }
        }
      case .float16:
        for i in 0..<(t.byteLength / 2) {
          let bits = data.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
          if bits & 0x7C00 == 0x7C00 { throw .nonFiniteValue(tensor: t.name, index: i) }
        }
      case .int8:
        break
      }
    }
  }
}

/// One parse of one file image.
private struct Parser {
  let image: ModelBytes
  let base: UnsafeRawPointer
  var version = FormatVersion.current
  /// Payload ranges of the known sections, by tag.
  var sections: [String: Range<Int>] = [:]

  init(image: ModelBytes) {
    self.image = image
    self.base = image.pointer
  }

  /// Trailing bytes in known records are tolerated only in files of a newer minor version.
  var allowTrailing: Bool { version.minor > FormatVersion.current.minor }

  mutating func run() throws(FormatError) -> CompactModel {
    try readFileHeaderAndSections()
    guard let headRange = sections[SectionTag.header] else { throw .missingSection(tag: SectionTag.header) }
    guard let dataRange = sections[SectionTag.data] else { throw .missingSection(tag: SectionTag.data) }
    let header = try readHeader(headRange)
    let metadata = try sections[SectionTag.metadata].map { (r) throws(FormatError) in try readMetadata(r) } ?? []
    let tensors: [TensorDescriptor]
    switch (sections[SectionTag.tensorTable], sections[SectionTag.compactTensorTable]) {
    case let (range?, nil): tensors = try readTensorTable(range)
    case let (nil, range?): tensors = try readCompactTensorTable(range, data: dataRange)
    case (nil, nil): throw .missingSection(tag: SectionTag.tensorTable)
    case (_?, _?): throw .duplicateSection(tag: "\(SectionTag.tensorTable)/\(SectionTag.compactTensorTable)")
    }
    let graph: ModelGraph
    switch (sections[SectionTag.graph], sections[SectionTag.compactGraph]) {
    case let (range?, nil): graph = try readGraph(range)
    case let (nil, range?): graph = try readCompactGraph(range)
    case (nil, nil): throw .missingSection(tag: SectionTag.graph)
    case (_?, _?): throw .duplicateSection(tag: "\(SectionTag.graph)/\(SectionTag.compactGraph)")
    }

    try ModelValidation.validateHeader(header)
    try ModelValidation.validateMetadata(metadata)
    try ModelValidation.validateTensors(tensors)
    let shapes = try ModelValidation.inferShapes(header: header, graph: graph, tensors: tensors)
    try checkDataRanges(tensors, data: dataRange)
    try CompactModelReader.checkFinite(tensors, in: image)
    return CompactModel(version: version, header: header, metadata: metadata, graph: graph, tensors: tensors,
                        valueShapes: shapes, bytes: image)
  }

  // MARK: File header and section walk

  mutating func readFileHeaderAndSections() throws(FormatError) {
    let count = image.count
    let magic = FormatLayout.magic
    for i in 0..<min(count, magic.count) where base.load(fromByteOffset: i, as: UInt8.self) != magic[i] {
      throw .badMagic
    }
    guard count >= 12 else { throw .truncated(expected: FormatLayout.fileHeaderSize, actual: count) }
    var r = ByteReader(base: base, start: 8, end: count, section: "file header")
    let major = Int(try r.u16()), minor = Int(try r.u16())
    guard major == FormatVersion.current.major else { throw .unsupportedVersion(major: major, minor: minor) }
    version = FormatVersion(major: major, minor: minor)
    guard count >= FormatLayout.fileHeaderSize + FormatLayout.sectionHeaderSize else {
      throw .truncated(expected: FormatLayout.fileHeaderSize + FormatLayout.sectionHeaderSize, actual: count)
    }
    let storedCRC = base.loadUnaligned(fromByteOffset: FormatLayout.fileHeaderChecksummedSize, as: UInt32.self)
    let crc = CRC32.checksum(UnsafeRawBufferPointer(start: base, count: FormatLayout.fileHeaderChecksummedSize))
    guard UInt32(littleEndian: storedCRC) == crc else { throw .checksumMismatch(section: "file header") }
    guard try r.u32() == 0 else { throw .nonZeroReserved(field: "file header flags") }
    let fileLength = try r.fileRange("file length")
    let sectionCount = try r.count("section count", limit: FormatLimits.maxSectionCount)
    try checkZero(from: FormatLayout.fileHeaderChecksummedSize + 4, to: FormatLayout.fileHeaderSize,
                  field: "file header padding")
    guard fileLength <= count else { throw .truncated(expected: fileLength, actual: count) }
    guard fileLength == count else { throw .trailingBytes(expected: fileLength, actual: count) }
    guard sectionCount >= 1 else { throw .badSectionTable("section count is 0") }

    var offset = FormatLayout.fileHeaderSize
    for index in 0..<sectionCount {
      var s = ByteReader(base: base, start: offset, end: fileLength, section: "section \(index) header")
      let tagCode = try s.u32()
      let flags = try s.u32()
      let length = try s.fileRange("section \(index) length")
      let storedCRC = try s.u32()
      let reserved = try s.u32()
      let tag = SectionTag.name(tagCode)
      let payloadStart = s.position
      guard length <= fileLength - payloadStart else {
        throw .recordOverrun(section: "section '\(tag)'", expected: length, actual: fileLength - payloadStart)
      }
      var crc = CRC32()
      crc.update(UnsafeRawBufferPointer(start: base + offset, count: 16))
      crc.update(UnsafeRawBufferPointer(start: base + payloadStart, count: length))
      guard crc.value == storedCRC else { throw .checksumMismatch(section: "section '\(tag)'") }
      guard reserved == 0 else { throw .nonZeroReserved(field: "section '\(tag)' reserved word") }
      guard flags & ~FormatLayout.skippableFlag == 0 else {
        throw .nonZeroReserved(field: "section '\(tag)' flags \(flags)")
      }
      let payloadEnd = payloadStart + length

      if tag == SectionTag.end {
        guard index == sectionCount - 1 else {
          throw .badSectionTable("end marker is section \(index) of \(sectionCount)")
        }
        guard length == 0, flags == 0 else { throw .badSectionTable("end marker has a payload or flags") }
        guard payloadEnd == fileLength else {
          throw .badSectionTable("end marker at \(offset) does not end the file (\(fileLength) bytes)")
        }
        return
      }
      guard index < sectionCount - 1 else { throw .missingSection(tag: SectionTag.end) }

      // The compact tables are known from 1.1 on; in a file stamped 1.0 they are unknown, as to a 1.0 reader.
      let compactTag = tag == SectionTag.compactTensorTable || tag == SectionTag.compactGraph
      switch tag {
      case SectionTag.header, SectionTag.metadata, SectionTag.tensorTable, SectionTag.graph, SectionTag.data,
           _ where compactTag && version.minor >= 1:
        guard sections[tag] == nil else { throw .duplicateSection(tag: tag) }
        sections[tag] = payloadStart..<payloadEnd
      default:
        guard flags & FormatLayout.skippableFlag != 0 else { throw .unknownSection(tag: tag) }
      }
      let next = alignUp(payloadEnd)
      guard next <= fileLength else { throw .missingSection(tag: SectionTag.end) }
      try checkZero(from: payloadEnd, to: next, field: "padding after section '\(tag)'")
      offset = next
    }
    throw .missingSection(tag: SectionTag.end)
  }

  func checkZero(from start: Int, to end: Int, field: String) throws(FormatError) {
    for i in start..<end where base.load(fromByteOffset: i, as: UInt8.self) != 0 {
      throw .nonZeroReserved(field: field)
    }
  }

  func alignUp(_ x: Int) -> Int { (x + FormatLayout.alignment - 1) / FormatLayout.alignment * FormatLayout.alignment }

  // MARK: Sections

  func readHeader(_ range: Range<Int>) throws(FormatError) -> ModelHeader {
    var r = ByteReader(base: base, start: range.lowerBound, end: range.upperBound, section: SectionTag.header)
    let channels = try r.count("input channels", limit: FormatLimits.maxInputDimension)
    let height = try r.count("input height", limit: FormatLimits.maxInputDimension)
    let width = try r.count("input width", limit: FormatLimits.maxInputDimension)
    let classCount = try r.count("class count", limit: FormatLimits.maxClassCount)
    guard 8 * channels + 4 * classCount <= r.remaining else {
      throw .recordOverrun(section: SectionTag.header, expected: 8 * channels + 4 * classCount, actual: r.remaining)
    }
    var mean = [Float](), std = [Float](), names = [String]()
    for _ in 0..<channels { mean.append(try r.f32()) }
    for _ in 0..<channels { std.append(try r.f32()) }
    for _ in 0..<classCount { names.append(try r.string("class name", limit: FormatLimits.maxNameLength)) }
    try r.finish(allowTrailing: allowTrailing)
    return ModelHeader(inputChannels: channels, inputHeight: height, inputWidth: width, classNames: names,
                       mean: mean, std: std)
  }

  func readMetadata(_ range: Range<Int>) throws(FormatError) -> [MetadataEntry] {
    var r = ByteReader(base: base, start: range.lowerBound, end: range.upperBound, section: SectionTag.metadata)
    let count = try r.count("metadata entries", limit: FormatLimits.maxMetadataEntries)
    guard 8 * count <= r.remaining else {
      throw .recordOverrun(section: SectionTag.metadata, expected: 8 * count, actual: r.remaining)
    }
    var entries: [MetadataEntry] = []
    for _ in 0..<count {
      let key = try r.string("metadata key", limit: FormatLimits.maxNameLength)
      let value = try r.string("metadata value", limit: FormatLimits.maxMetadataValueLength)
      entries.append(MetadataEntry(key: key, value: value))
    }
    try r.finish(allowTrailing: allowTrailing)
    return entries
  }

  func readTensorTable(_ range: Range<Int>) throws(FormatError) -> [TensorDescriptor] {
    var r = ByteReader(base: base, start: range.lowerBound, end: range.upperBound, section: SectionTag.tensorTable)
    let count = try r.count("tensor count", limit: FormatLimits.maxTensorCount)
    let minimumRecord = 4 + 4 + 4 + 16  // empty name, type/rank/reserved, one dim, offset + length
    guard minimumRecord * count <= r.remaining else {
      throw .recordOverrun(section: SectionTag.tensorTable, expected: minimumRecord * count, actual: r.remaining)
    }
    var tensors: [TensorDescriptor] = []
    for _ in 0..<count {
      let name = try r.string("tensor name", limit: FormatLimits.maxNameLength)
      let code = try r.u8()
      guard let dataType = TensorDataType(rawValue: code) else {
        throw .unknownDataType(tensor: name, code: Int(code))
      }
      let rank = Int(try r.u8())
      guard try r.u16() == 0 else { throw .nonZeroReserved(field: "tensor '\(name)' reserved") }
      guard (1...FormatLimits.maxTensorRank).contains(rank) else {
        throw .badShape(tensor: name, shape: [], reason: "rank \(rank) is not in 1...\(FormatLimits.maxTensorRank)")
      }
      var shape: [Int] = []
      for _ in 0..<rank { shape.append(Int(try r.u32())) }
      let offset = try r.fileRange("tensor '\(name)' offset")
      let byteLength = try r.fileRange("tensor '\(name)' byte length")
      var scales: [Float] = []
      if dataType == .int8 {
        let channels = shape[0]
        guard channels <= r.remaining / 4 else {
          throw .recordOverrun(section: SectionTag.tensorTable, expected: 4 * channels, actual: r.remaining)
        }
        scales.reserveCapacity(channels)
        for _ in 0..<channels { scales.append(try r.f32()) }
      }
      tensors.append(TensorDescriptor(name: name, dataType: dataType, shape: shape, offset: offset,
                                      byteLength: byteLength, scales: scales))
    }
    try r.finish(allowTrailing: allowTrailing)
    return tensors
  }

  /// `TTBV` (1.1): offsets are implied, so the DATA payload range is needed to place the tensors.
  func readCompactTensorTable(_ range: Range<Int>, data: Range<Int>) throws(FormatError) -> [TensorDescriptor] {
    let section = SectionTag.compactTensorTable
    var r = ByteReader(base: base, start: range.lowerBound, end: range.upperBound, section: section)
    let count = try r.varintCount("tensor count", limit: FormatLimits.maxTensorCount)
    let minimumRecord = 5  // shared prefix, suffix length, type, rank, one dim
    guard minimumRecord * count <= r.remaining else {
      throw .recordOverrun(section: section, expected: minimumRecord * count, actual: r.remaining)
    }
    var tensors: [TensorDescriptor] = []
    tensors.reserveCapacity(count)
    var previous: [UInt8] = []
    var dataEnd = data.lowerBound  // end of the previous tensor's bytes
    for index in 0..<count {
      let shared = Int(try r.varint())
      guard shared <= previous.count else {
        throw .badShape(tensor: "#\(index)", shape: [],
                        reason: "name shares \(shared) bytes with a \(previous.count)-byte previous name")
      }
      let suffixLength = try r.varintCount("tensor name length", limit: FormatLimits.maxNameLength - shared)
      let suffixStart = try r.take(suffixLength)
      var nameBytes = Array(previous[0..<shared])
      nameBytes.append(contentsOf: UnsafeRawBufferPointer(start: base + suffixStart, count: suffixLength))
      guard let name = String(validating: nameBytes, as: UTF8.self) else { throw .invalidString(field: "tensor name") }
      previous = nameBytes
      let code = try r.u8()
      guard let dataType = TensorDataType(rawValue: code) else {
        throw .unknownDataType(tensor: name, code: Int(code))
      }
      let rank = Int(try r.u8())
      guard (1...FormatLimits.maxTensorRank).contains(rank) else {
        throw .badShape(tensor: name, shape: [], reason: "rank \(rank) is not in 1...\(FormatLimits.maxTensorRank)")
      }
      var shape: [Int] = []
      for _ in 0..<rank { shape.append(Int(try r.varint())) }
      guard shape.allSatisfy({ $0 >= 1 }), let elements = checkedProduct(shape),
            elements <= FormatLimits.maxElementCount else {
        throw .badShape(tensor: name, shape: shape,
                        reason: "dimensions must be ≥ 1, at most \(FormatLimits.maxElementCount) elements")
      }
      var scales: [Float] = []
      if dataType == .int8 {
        let channels = shape[0]
        guard channels <= r.remaining / 2 else {
          throw .recordOverrun(section: section, expected: 2 * channels, actual: r.remaining)
        }
        scales.reserveCapacity(channels)
        for _ in 0..<channels { scales.append(try r.f16()) }
      }
      // Implied placement: each tensor starts at the first multiple of 64 after the previous one's bytes.
      // dataEnd ≤ 2^32 and byteLength < 2^33, so nothing here overflows.
      let offset = alignUp(dataEnd)
      let byteLength = elements * dataType.byteSize
      guard offset + byteLength <= data.upperBound else {
        throw .badOffset(tensor: name, offset: offset, length: byteLength)
      }
      dataEnd = offset + byteLength
      tensors.append(TensorDescriptor(name: name, dataType: dataType, shape: shape, offset: offset,
                                      byteLength: byteLength, scales: scales))
    }
    try r.finish(allowTrailing: allowTrailing)
    // The DATA payload ends with the last tensor (a newer minor may add bytes after it).
    if dataEnd != data.upperBound && !allowTrailing {
      throw .unexpectedBytes(section: SectionTag.data, count: data.upperBound - dataEnd)
    }
    return tensors
  }

  /// `GRPV` (1.1): the `GRPH` record with varint fields; the attribute words are decoded by the same `readKind`.
  func readCompactGraph(_ range: Range<Int>) throws(FormatError) -> ModelGraph {
    let section = SectionTag.compactGraph
    var r = ByteReader(base: base, start: range.lowerBound, end: range.upperBound, section: section)
    let valueCount = try r.varintCount("value count", limit: FormatLimits.maxValueCount)
    let outputValue = Int(try r.varint())
    let opCount = try r.varintCount("op count", limit: FormatLimits.maxOpCount)
    guard 5 * opCount <= r.remaining else {  // code, three counts, attribute count: ≥ 5 bytes per op
      throw .recordOverrun(section: section, expected: 5 * opCount, actual: r.remaining)
    }
    var ops: [GraphOp] = []
    ops.reserveCapacity(opCount)
    var words: [UInt32] = []
    for index in 0..<opCount {
      let code = Int(try r.varint())
      let inputCount = try r.varintCount("op \(index) inputs", limit: 255)
      let outputCount = try r.varintCount("op \(index) outputs", limit: 255)
      let tensorCount = try r.varintCount("op \(index) tensors", limit: 255)
      var inputs: [Int] = [], outputs: [Int] = [], tensors: [Int] = []
      for _ in 0..<inputCount { inputs.append(Int(try r.varint())) }
      for _ in 0..<outputCount { outputs.append(Int(try r.varint())) }
      for _ in 0..<tensorCount { tensors.append(Int(try r.varint())) }
      let wordCount = try r.varintCount("op \(index) attribute words", limit: FormatLimits.maxAttributeWords)
      guard wordCount <= r.remaining else {
        throw .recordOverrun(section: section, expected: wordCount, actual: r.remaining)
      }
      words.removeAll(keepingCapacity: true)
      for _ in 0..<wordCount { words.append(try r.varint()) }
      // The words as the little-endian attribute block of a GRPH op (little-endian host).
      var result: Result<OpKind, FormatError> = .failure(.unknownOpKind(op: index, code: code))
      words.withUnsafeBytes { block in
        var a = ByteReader(base: block.baseAddress ?? UnsafeRawPointer(bitPattern: 64)!, start: 0, end: block.count,
                           section: "\(section) op \(index) attributes")
        result = Result { () throws(FormatError) -> OpKind in
          let kind = try readKind(code: code, op: index, attributes: &a)
          try a.finish(allowTrailing: allowTrailing)
          return kind
        }
      }
      ops.append(GraphOp(try result.get(), inputs: inputs, outputs: outputs, tensors: tensors))
    }
    try r.finish(allowTrailing: allowTrailing)
    return ModelGraph(valueCount: valueCount, outputValue: outputValue, ops: ops)
  }

  func readGraph(_ range: Range<Int>) throws(FormatError) -> ModelGraph {
    var r = ByteReader(base: base, start: range.lowerBound, end: range.upperBound, section: SectionTag.graph)
    let valueCount = try r.count("value count", limit: FormatLimits.maxValueCount)
    let outputValue = Int(try r.u32())
    let opCount = try r.count("op count", limit: FormatLimits.maxOpCount)
    guard 8 * opCount <= r.remaining else {
      throw .recordOverrun(section: SectionTag.graph, expected: 8 * opCount, actual: r.remaining)
    }
    var ops: [GraphOp] = []
    ops.reserveCapacity(opCount)
    for index in 0..<opCount {
      let code = Int(try r.u16())
      let inputCount = Int(try r.u8()), outputCount = Int(try r.u8()), tensorCount = Int(try r.u8())
      guard try r.u8() == 0 else { throw .nonZeroReserved(field: "op \(index) reserved") }
      let attributeLength = Int(try r.u16())
      var inputs: [Int] = [], outputs: [Int] = [], tensors: [Int] = []
      for _ in 0..<inputCount { inputs.append(Int(try r.u32())) }
      for _ in 0..<outputCount { outputs.append(Int(try r.u32())) }
      for _ in 0..<tensorCount { tensors.append(Int(try r.u32())) }
      let start = try r.take(attributeLength)
      var a = ByteReader(base: base, start: start, end: start + attributeLength,
                         section: "\(SectionTag.graph) op \(index) attributes")
      let kind = try readKind(code: code, op: index, attributes: &a)
      try a.finish(allowTrailing: allowTrailing)
      ops.append(GraphOp(kind, inputs: inputs, outputs: outputs, tensors: tensors))
    }
    try r.finish(allowTrailing: allowTrailing)
    return ModelGraph(valueCount: valueCount, outputValue: outputValue, ops: ops)
  }

  func readKind(code: Int, op index: Int, attributes a: inout ByteReader) throws(FormatError) -> OpKind {
    func flag(_ value: Int, _ name: String, kind: String) throws(FormatError) -> Bool {
      guard value == 0 || value == 1 else {
        throw .badAttribute(op: index, kind: kind, reason: "\(name) = \(value), must be 0 or 1")
      }
      return value == 1
    }
    func padding() throws(FormatError) -> Padding2D {
      Padding2D(top: try a.i32(), left: try a.i32(), bottom: try a.i32(), right: try a.i32())
    }
    switch code {
    case 1:
      let kh = try a.i32(), kw = try a.i32(), sh = try a.i32(), sw = try a.i32()
      let p = try padding()
      let dh = try a.i32(), dw = try a.i32(), groups = try a.i32()
      let relu = try flag(try a.i32(), "flags", kind: "Conv")
      return .conv(ConvAttributes(kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw, padding: p,
                                  dilationHeight: dh, dilationWidth: dw, groups: groups, fusedReLU: relu))
    case 2: return .relu
    case 3, 4:
      let kh = try a.i32(), kw = try a.i32(), sh = try a.i32(), sw = try a.i32()
      let p = try padding()
      if code == 3 {
        return .maxPool(PoolAttributes(kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw, padding: p))
      }
      let include = try flag(try a.i32(), "countIncludePad", kind: "AveragePool")
      return .averagePool(PoolAttributes(kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                         padding: p, countIncludePad: include))
    case 5: return .add
    case 6: return .concat
    case 7: return .crop(try padding())
    case 8:
      let p = try padding()
      return .pad(p, value: try a.f32())
    case 9: return .channelAffine
    case 10: return .channelShuffle(groups: try a.i32())
    case 11: return .globalAveragePool
    case 12: return .flatten
    case 13: return .gemm(fusedReLU: try flag(try a.i32(), "flags", kind: "Gemm"))
    default: throw .unknownOpKind(op: index, code: code)
    }
  }

  // MARK: Data

  /// Every tensor is 64-byte aligned, inside the DATA payload, and no two tensors overlap.
  func checkDataRanges(_ tensors: [TensorDescriptor], data: Range<Int>) throws(FormatError) {
    for t in tensors {
      guard t.offset % FormatLayout.alignment == 0 else {
        throw .misaligned(tensor: t.name, offset: t.offset)
      }
      // offset and length are each ≤ 2^32 (checked when read), so the sum cannot overflow.
      guard t.offset >= data.lowerBound, t.offset + t.byteLength <= data.upperBound else {
        throw .badOffset(tensor: t.name, offset: t.offset, length: t.byteLength)
      }
    }
    let order = tensors.indices.sorted { tensors[$0].offset < tensors[$1].offset }
    for (a, b) in zip(order, order.dropFirst()) where tensors[a].offset + tensors[a].byteLength > tensors[b].offset {
      throw .badOffset(tensor: tensors[b].name, offset: tensors[b].offset, length: tensors[b].byteLength)
    }
  }
}
