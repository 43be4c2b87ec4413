import Testing
@testable import NASFormat
import FormatFuzzing

/// Each corruption must produce its specific error case (1.0 `TTAB` / `GRPH` layout; the compact tables are
/// covered by `CompactTableErrorTests`).
@Suite struct CompactModelReaderErrorTests {
  let bytes: [UInt8]

  init() throws {
    bytes = try makeTestWriter(dataType: .int8, encoding: .plain).serialized()
  }

  private func expectParses(_ data: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    do {
      _ = try CompactModelReader.parse(data)
    } catch {
      Issue.record("expected to parse, got \(error)", sourceLocation: sourceLocation)
    }
  }

  @Test func wellFormedFileParses() { expectParses(bytes) }

  @Test func fileLevel() {
    var b = bytes
    b[0] ^= 0x20
    expectError(.badMagic, b)
    expectError(.badMagic, Array("NASC".utf8))
    expectError(.truncated(expected: 64, actual: 0), [])
    expectError(.truncated(expected: 64, actual: 5), Array(bytes[0..<5]))
    expectError(.truncated(expected: 88, actual: 40), Array(bytes[0..<40]))
    expectError(.truncated(expected: bytes.count, actual: bytes.count - 1), Array(bytes.dropLast()))
    expectError(.trailingBytes(expected: bytes.count, actual: bytes.count + 1), bytes + [0])
    b = bytes
    b[8] = 2  // major 2 is rejected before anything else is read
    expectError(.unsupportedVersion(major: 2, minor: FormatVersion.current.minor), b)
    b = bytes
    b[17] ^= 1
    expectError(.checksumMismatch(section: "file header"), b)
  }

  @Test func sectionChecksums() throws {
    let model = try CompactModelReader.parse(bytes)
    var b = bytes
    b[model.tensors[3].offset + 1] ^= 0x40
    expectError(.checksumMismatch(section: "section 'DATA'"), b)
    b = bytes
    b[64 + 30] ^= 1
    expectError(.checksumMismatch(section: "section 'HEAD'"), b)
    b = bytes
    b[b.count - 8] ^= 1  // end marker CRC
    expectError(.checksumMismatch(section: "section 'END!'"), b)
  }

  @Test func zeroPaddingIsEnforced() {
    var b = bytes
    b[40] = 1
    fixChecksums(&b)
    expectError(.nonZeroReserved(field: "file header padding"), b)
  }

  @Test func sectionTable() {
    let (_, _, sections) = splitSections(bytes)
    let end = sections.count - 1
    var edited = sections
    edited.insert(RawSection(tag: "XTRA", flags: 0, payload: [1, 2, 3]), at: end)
    expectError(.unknownSection(tag: "XTRA"), assemble(edited))
    edited[end].flags = 1  // skippable: ignored
    expectParses(assemble(edited))
    edited = sections
    edited.insert(sections[0], at: end)
    expectError(.duplicateSection(tag: "HEAD"), assemble(edited))
    edited = sections
    edited[0].tag = "HEAX"
    edited[0].flags = 1
    expectError(.missingSection(tag: "HEAD"), assemble(edited))
    edited = sections
    edited.removeLast()
    expectError(.missingSection(tag: "END!"), assemble(edited))
    edited = sections
    edited[end].payload = [0]
    expectError(.badSectionTable("end marker has a payload or flags"), assemble(edited))
    edited = sections
    edited[1].flags = 2
    expectError(.nonZeroReserved(field: "section 'META' flags 2"), assemble(edited))
  }

  @Test func forwardCompatibility() {
    let (_, _, sections) = splitSections(bytes)
    var edited = sections
    edited[0].payload += [9, 9, 9, 9]  // a field a future 1.2 might append to HEAD
    expectError(.unexpectedBytes(section: "HEAD", count: 4), assembleRelocating(original: bytes, edited))
    edited.insert(RawSection(tag: "NEW1", flags: 1, payload: Array(repeating: 7, count: 100)), at: 2)
    let newerMinor = UInt16(FormatVersion.current.minor + 1)
    let newer = assembleRelocating(minor: newerMinor, original: bytes, edited)
    do {
      let model = try CompactModelReader.parse(newer)
      #expect(model.version == FormatVersion(major: 1, minor: Int(newerMinor)))
      #expect(model.header.classCount == 5)
      #expect(model.floatValues(ofTensor: 0) == (try CompactModelReader.parse(bytes)).floatValues(ofTensor: 0))
    } catch {
      Issue.record("newer minor with skippable section did not parse: \(error)")
    }
    edited[2].flags = 0
    expectError(.unknownSection(tag: "NEW1"), assembleRelocating(minor: newerMinor, original: bytes, edited))
  }

  @Test func tensorTableCorruptions() throws {
    let model = try CompactModelReader.parse(bytes)
    let nameAt = try #require(find(Array("stem.weight".utf8), in: bytes))
    let dtypeAt = nameAt + 11, offsetAt = nameAt + 11 + 4 + 16
    var b = bytes
    b[dtypeAt] = 0  // int8 → fp32: the byte length no longer matches (and the scales are misread)
    fixChecksums(&b)
    #expect(throws: FormatError.self) { try CompactModelReader.parse(b) }
    b = bytes
    b[dtypeAt] = 7
    fixChecksums(&b)
    expectError(.unknownDataType(tensor: "stem.weight", code: 7), b)
    b = bytes
    b[dtypeAt + 1] = 9  // rank 9
    fixChecksums(&b)
    expectError(.badShape(tensor: "stem.weight", shape: [], reason: "rank 9 is not in 1...8"), b)
    b = bytes
    b[offsetAt] &+= 1
    fixChecksums(&b)
    expectError(.misaligned(tensor: "stem.weight", offset: model.tensors[0].offset + 1), b)
    b = bytes
    b[offsetAt + 3] = 0x10  // far beyond the file
    fixChecksums(&b)
    expectError(.badOffset(tensor: "stem.weight", offset: model.tensors[0].offset + 0x1000_0000, length: 216), b)
    b = bytes
    b[offsetAt + 7] = 0x80  // offset ≥ 2^63: must not overflow
    fixChecksums(&b)
    expectError(.limitExceeded(field: "tensor 'stem.weight' offset", value: Int.max, limit: 1 << 32), b)
    b = bytes
    b[offsetAt] = UInt8(truncatingIfNeeded: model.tensors[1].offset)  // overlaps stem.bias
    b[offsetAt + 1] = UInt8(truncatingIfNeeded: model.tensors[1].offset >> 8)
    fixChecksums(&b)
    #expect(throws: FormatError.self) { try CompactModelReader.parse(b) }
  }

  @Test func nonFiniteData() throws {
    let fp32 = try makeTestWriter(dataType: .float32, encoding: .plain).serialized()
    let model = try CompactModelReader.parse(fp32)
    var b = fp32
    let at = model.tensors[2].offset + 4 * 5
    b[at..<(at + 4)] = [0x00, 0x00, 0xC0, 0x7F]  // NaN
    fixChecksums(&b)
    expectError(.nonFiniteValue(tensor: "reduce.conv1.weight", index: 5), b)
  }

  @Test func graphCorruptions() throws {
    // The first op record follows valueCount, outputValue, opCount in GRPH; its code is the first u16.
    let (_, _, sections) = splitSections(bytes)
    var edited = sections
    edited[3].payload[12] = 99
    expectError(.unknownOpKind(op: 0, code: 99), assemble(edited))
    edited = sections
    edited[3].payload[4] = 15  // output value 15 is the flattened (8) features, not (5) logits
    expectError(.badOutput("output value 15 has shape [8], expected [5]"), assemble(edited))
    edited = sections
    edited[3].payload[20] = 3  // stem conv reads value 3, not yet defined
    expectError(.undefinedValue(op: 0, value: 3), assemble(edited))
  }
}

/// Invalid graphs are refused by the writer with the same errors the reader would give.
@Suite struct CompactModelWriterErrorTests {
  private func header() -> ModelHeader {
    ModelHeader(inputChannels: 2, inputHeight: 4, inputWidth: 4, classNames: ["a", "b"], mean: [0, 0], std: [1, 1])
  }

  @Test func badValues() throws {
    var w = CompactModelWriter(header: header())
    #expect(throws: FormatError.nonFiniteValue(tensor: "x", index: 1)) {
      try w.addTensor(name: "x", shape: [2], values: [0, .nan])
    }
    #expect(throws: FormatError.nonFiniteValue(tensor: "h", index: 0)) {
      try w.addTensor(name: "h", shape: [1], values: [70000], dataType: .float16)
    }
    #expect(throws: FormatError.badShape(tensor: "s", shape: [2, 2], reason: "3 values given")) {
      try w.addTensor(name: "s", shape: [2, 2], values: [1, 2, 3])
    }
    try w.addTensor(name: "ok", shape: [1], values: [1])
    #expect(throws: FormatError.duplicateName(field: "tensor name", name: "ok")) {
      try w.addTensor(name: "ok", shape: [1], values: [1])
    }
    w.header.std[1] = 0
    #expect(throws: FormatError.badHeader("std[1] is 0.0")) { try w.serialized() }
  }

  @Test func badGraphs() throws {
    var base = CompactModelWriter(header: header())
    let convW = try base.addTensor(name: "conv.w", shape: [4, 1, 3, 3], values: [Float](repeating: 0.1, count: 36))
    let fcW = try base.addTensor(name: "fc.w", shape: [2, 4], values: [Float](repeating: 0.1, count: 8))
    func model(_ ops: [GraphOp], output: Int) -> CompactModelWriter {
      var w = base
      w.ops = ops
      w.outputValue = output
      return w
    }
    let tail = [GraphOp(.globalAveragePool, inputs: [1], output: 2), GraphOp(.flatten, inputs: [2], output: 3),
                GraphOp(.gemm(fusedReLU: false), inputs: [3], output: 4, tensors: [fcW])]
    let good = model([GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, groups: 2)), inputs: [0], output: 1,
                              tensors: [convW])] + tail, output: 4)
    _ = try good.model()

    var bad = good
    bad.ops[0].kind = .conv(ConvAttributes(kernel: 3, padding: 1))  // groups 1 needs weight (4, 2, 3, 3)
    #expect(throws: FormatError.badShape(tensor: "conv.w", shape: [4, 1, 3, 3],
                                         reason: "does not fit input [2, 4, 4], kernel 3×3, groups 1")) {
      try bad.serialized()
    }
    bad = good
    bad.ops[0].kind = .conv(ConvAttributes(kernel: 3, stride: 0, padding: 1, groups: 2))
    #expect(throws: FormatError.badAttribute(op: 0, kind: "Conv", reason: "stride height = 0, must be in 1...1024")) {
      try bad.serialized()
    }
    bad = good
    bad.ops[0].kind = .conv(ConvAttributes(kernel: 3, padding: 0, dilation: 3, groups: 2))  // window 7 > 4
    #expect(throws: FormatError.shapeMismatch(op: 0, kind: "Conv",
                                              reason: "height 4 + padding is smaller than the window 7")) {
      try bad.serialized()
    }
    bad = good
    bad.ops[1].inputs = [5]
    #expect(throws: FormatError.undefinedValue(op: 1, value: 5)) { try bad.serialized() }
    bad = good
    bad.ops[1].outputs = [1]
    #expect(throws: FormatError.valueRedefined(op: 1, value: 1)) { try bad.serialized() }
    bad = good
    bad.ops[0].tensors = [7]
    #expect(throws: FormatError.badTensorReference(op: 0, tensor: 7)) { try bad.serialized() }
    bad = good
    bad.ops[0].tensors = []
    #expect(throws: FormatError.badArity(op: 0, kind: "Conv", reason: "0 tensors, expected 1...2")) {
      try bad.serialized()
    }
    bad = good
    bad.outputValue = 3
    #expect(throws: FormatError.badOutput("output value 3 has shape [4], expected [2]")) { try bad.serialized() }
    bad = model([GraphOp(.maxPool(PoolAttributes(kernel: 2, stride: 2, padding: 2)), inputs: [0], output: 1)] + tail,
                output: 4)
    #expect(throws: FormatError.badAttribute(op: 0, kind: "MaxPool", reason: "padding must be smaller than the kernel")) {
      try bad.serialized()
    }
    bad = model([GraphOp(.maxPool(PoolAttributes(kernel: 2, stride: 2)), inputs: [0], output: 5),
                 GraphOp(.concat, inputs: [0, 5], output: 1)] + tail, output: 4)
    #expect(throws: FormatError.shapeMismatch(op: 1, kind: "Concat",
                                              reason: "input shapes [2, 4, 4] and [2, 2, 2] differ in H×W")) {
      try bad.serialized()
    }
    bad = model([GraphOp(.channelShuffle(groups: 3), inputs: [0], output: 1)] + tail, output: 4)
    #expect(throws: FormatError.shapeMismatch(op: 0, kind: "ChannelShuffle",
                                              reason: "2 channels do not split into 3 groups")) {
      try bad.serialized()
    }
  }
}
