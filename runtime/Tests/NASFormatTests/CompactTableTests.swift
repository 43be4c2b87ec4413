import Testing
@testable import NASFormat
import FormatFuzzing

/// Format 1.1 compact tables (`TTBV`, `GRPV`): varints, prefix-compressed names, fp16 scales, implied 64-byte
/// aligned offsets. Writer → reader round trips, and each corruption's specific error.
@Suite struct CompactTableRoundTripTests {
  @Test func varintEncodingAndLimits() throws {
    let values: [Int] = [0, 1, 127, 128, 300, 16_383, 16_384, 1 << 21, 1 << 28, Int(UInt32.max)]
    var w = ByteWriter()
    for v in values { w.varint(v) }
    #expect(w.bytes.count == 1 + 1 + 1 + 2 + 2 + 2 + 3 + 4 + 5 + 5)
    #expect(Array(w.bytes[3..<5]) == [0x80, 0x01])  // 128
    let decoded = try w.bytes.withUnsafeBytes { raw throws(FormatError) -> [Int] in
      var r = ByteReader(base: raw.baseAddress!, start: 0, end: raw.count, section: "test")
      var out: [Int] = []
      for _ in values { out.append(Int(try r.varint())) }
      try r.finish(allowTrailing: false)
      return out
    }
    #expect(decoded == values)

    func read(_ bytes: [UInt8]) -> Result<UInt32, FormatError> {
      bytes.withUnsafeBytes { raw in
        var r = ByteReader(base: raw.baseAddress!, start: 0, end: raw.count, section: "test")
        return Result { () throws(FormatError) -> UInt32 in try r.varint() }
      }
    }
    #expect(read([0x80, 0x00]) == .failure(.badVarint(section: "test", reason: "non-minimal encoding")))
    #expect(read([0xFF, 0xFF, 0xFF, 0xFF, 0x10]) == .failure(.badVarint(section: "test", reason: "more than 32 bits")))
    #expect(read([0xFF, 0xFF, 0xFF, 0xFF, 0x8F, 0x01])
            == .failure(.badVarint(section: "test", reason: "more than 32 bits")))
    #expect(read([0x80]) == .failure(.recordOverrun(section: "test", expected: 1, actual: 0)))
    #expect(read([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]) == .success(UInt32.max))
  }

  @Test(arguments: TensorDataType.allCases)
  func bothEncodingsHoldTheSameModel(dataType: TensorDataType) throws {
    let plain = try makeTestWriter(dataType: dataType, encoding: .plain).model()
    let compact = try makeTestWriter(dataType: dataType, encoding: .compact).model()
    #expect(compact.version == FormatVersion(major: 1, minor: 1))
    #expect(compact.header == plain.header)
    #expect(compact.metadata == plain.metadata)
    #expect(compact.graph == plain.graph)
    #expect(compact.valueShapes == plain.valueShapes)
    #expect(compact.tensors.count == plain.tensors.count)
    for i in plain.tensors.indices {
      let (a, b) = (plain.tensors[i], compact.tensors[i])
      #expect(a.name == b.name && a.shape == b.shape && a.dataType == b.dataType && a.scales == b.scales)
      #expect(plain.floatValues(ofTensor: i) == compact.floatValues(ofTensor: i), "\(a.name)")
      #expect(Array(plain.rawBytes(ofTensor: i)) == Array(compact.rawBytes(ofTensor: i)), "\(a.name)")
    }
    #expect(compact.bytes.count < plain.bytes.count)
    try compact.validate()
  }

  /// A 1.1 reader reads 1.0 files: plain tables stamped 1.0, with an fp32 scale that is no fp16 value (as 1.0
  /// writers produced), decoded with exactly that scale.
  @Test func readsVersion10Files() throws {
    let current = try makeTestWriter(dataType: .int8, encoding: .plain).serialized()
    var sections = splitSections(current).sections
    #expect(sections[2].tag == "TTAB")
    let nameAt = try #require(find(Array("stem.weight".utf8), in: sections[2].payload))
    let scaleAt = nameAt + 11 + 4 + 4 * 4 + 16  // type/rank/reserved, 4 dims, offset and length
    let oldScale: Float = 0.012_345_678
    #expect(Float(Float16(oldScale)) != oldScale)
    withUnsafeBytes(of: oldScale.bitPattern.littleEndian) {
      sections[2].payload.replaceSubrange(scaleAt..<(scaleAt + 4), with: $0)
    }
    let model = try CompactModelReader.parse(assemble(minor: 0, sections))
    #expect(model.version == FormatVersion(major: 1, minor: 0))
    #expect(model.tensors[0].scales[0] == oldScale)
    let q = model.rawBytes(ofTensor: 0).prefix(27).map { Float(Int8(bitPattern: $0)) }
    #expect(Array(model.floatValues(ofTensor: 0).prefix(27)) == q.map { $0 * oldScale })
    let reference = try CompactModelReader.parse(current)
    #expect(model.graph == reference.graph && model.header == reference.header)
  }

  @Test func namesShareByteNotCharacterPrefixes() throws {
    // "xé" and "xè" share 2 bytes (x, 0xC3): the second suffix alone is not valid UTF-8, the name is.
    let names = ["conv✓a", "conv✓b", "conv", "xé", "xè", "xè.bias.longer", "y"]
    var w = CompactModelWriter(header: ModelHeader(inputChannels: 1, inputHeight: 2, inputWidth: 2,
                                                   classNames: ["a"], mean: [0], std: [1]))
    var indices: [Int] = []
    for name in names { indices.append(try w.addTensor(name: name, shape: [1], values: [1], dataType: .float16)) }
    w.addOp(GraphOp(.flatten, inputs: [0], output: 1))
    w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [1], output: 2,
                    tensors: [try w.addTensor(name: "fc", shape: [1, 4], values: [1, 2, 3, 4])]))
    w.outputValue = 2
    let model = try w.model()
    #expect(model.tensors.map(\.name) == names + ["fc"])
    let payload = splitSections(try w.serialized()).sections.first { $0.tag == "TTBV" }!.payload
    #expect(find([2, 1, 0xA8], in: payload) != nil)  // shares 2 bytes, 1-byte suffix [0xA8]
  }

  @Test func impliedOffsetsAreAligned() throws {
    // A 10-byte int8 weight, a 10-byte fp16 bias and a 60-byte fp32 weight: each starts a 64-byte block.
    var w = CompactModelWriter(header: ModelHeader(inputChannels: 2, inputHeight: 3, inputWidth: 3,
                                                   classNames: ["a", "b", "c"], mean: [0, 0], std: [1, 1]))
    let weight = try w.addTensor(name: "conv.weight", shape: [5, 2, 1, 1], values: (0..<10).map { Float($0) - 4.5 },
                                 dataType: .int8)
    let bias = try w.addTensor(name: "conv.bias", shape: [5], values: [0.5, -1, 2, 0, 3], dataType: .float16)
    let fc = try w.addTensor(name: "fc.weight", shape: [3, 5], values: (0..<15).map { Float($0) / 8 })
    w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1)), inputs: [0], output: 1, tensors: [weight, bias]))
    w.addOp(GraphOp(.globalAveragePool, inputs: [1], output: 2))
    w.addOp(GraphOp(.flatten, inputs: [2], output: 3))
    w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [3], output: 4, tensors: [fc]))
    w.outputValue = 4
    let model = try w.model()
    let (t0, t1, t2) = (model.tensors[0], model.tensors[1], model.tensors[2])
    #expect(t0.offset % 64 == 0 && t1.offset == t0.offset + 64 && t2.offset == t1.offset + 64)
    #expect(model.bytes.count == t2.offset + 60 + 4 + 24)  // DATA ends with fc.weight; zero padding; END!
    #expect(model.floatValues(ofTensor: 1) == [0.5, -1, 2, 0, 3])
    #expect(model.withFloat32Values(ofTensor: 2) { Array($0) } == (0..<15).map { Float($0) / 8 })
    let decoded = model.floatValues(ofTensor: 0)
    for (i, v) in decoded.enumerated() {
      #expect(abs(v - (Float(i) - 4.5)) <= model.tensors[0].scales[i / 2] / 2, "element \(i)")
    }
    try model.validate()

    w.encoding = .plain  // explicit offsets, same layout relative to the DATA payload
    let plain = try w.model()
    #expect(plain.tensors.map { $0.offset - plain.tensors[0].offset } == [0, 64, 128])
    #expect(plain.floatValues(ofTensor: 1) == model.floatValues(ofTensor: 1))
  }
}

@Suite struct CompactTableErrorTests {
  let bytes: [UInt8]
  let model: CompactModel

  init() throws {
    bytes = try makeTestWriter(dataType: .int8).serialized()
    model = try CompactModelReader.parse(bytes)
  }

  /// The sections with `tag`'s payload passed through `edit` (offsets are implied, so nothing needs relocating).
  private func editing(_ tag: String, minor: UInt16 = 1, _ edit: (inout [UInt8]) -> Void) -> [UInt8] {
    var sections = splitSections(bytes).sections
    let i = sections.firstIndex { $0.tag == tag }!
    edit(&sections[i].payload)
    return assemble(minor: minor, sections)
  }

  @Test func wellFormedAndLaidOut() throws {
    #expect(model.tensors[1].offset == model.tensors[0].offset + 256)  // stem.bias after stem.weight's 216 bytes
    let sections = splitSections(bytes).sections
    #expect(sections.map(\.tag) == ["HEAD", "META", "TTBV", "GRPV", "DATA", "END!"])
    #expect(sections.map(\.flags) == [0, 1, 0, 0, 0, 0])  // a 1.0 reader must reject, not skip, the tables
  }

  @Test func versionsAndSectionCombinations() throws {
    // A 1.0 file cannot hold compact tables: read as a 1.0 reader would, they are unknown and not skippable.
    expectError(.unknownSection(tag: "TTBV"), assemble(minor: 0, splitSections(bytes).sections))
    let plain = splitSections(try makeTestWriter(dataType: .int8, encoding: .plain).serialized()).sections
    var sections = splitSections(bytes).sections
    sections.insert(plain[2], at: 2)  // TTAB next to TTBV
    expectError(.duplicateSection(tag: "TTAB/TTBV"), assemble(sections))
    sections = splitSections(bytes).sections
    sections.insert(plain[3], at: 3)  // GRPH next to GRPV
    expectError(.duplicateSection(tag: "GRPH/GRPV"), assemble(sections))
    sections = splitSections(bytes).sections
    sections.insert(sections[2], at: 3)
    expectError(.duplicateSection(tag: "TTBV"), assemble(sections))
    sections = splitSections(bytes).sections
    sections.remove(at: 3)
    expectError(.missingSection(tag: "GRPH"), assemble(sections))
    // Plain tensor table with a compact graph (and the reverse) is a valid 1.1 file.
    sections = splitSections(bytes).sections
    sections[3] = plain[3]
    let mixed = try CompactModelReader.parse(assemble(sections))
    #expect(mixed.graph == model.graph)
  }

  @Test func tensorTableCorruptions() throws {
    let nameAt = try #require(find(Array("stem.weight".utf8), in: bytes))
    let dtypeAt = nameAt + 11, rankAt = nameAt + 12, dimsAt = nameAt + 13, scalesAt = nameAt + 17
    let biasAt = try #require(find(Array("bias".utf8), in: bytes))  // stem.bias: shared 5, suffix "bias"
    #expect(bytes[biasAt - 2] == 5 && bytes[biasAt - 1] == 4)
    func patched(_ at: Int, _ values: [UInt8]) -> [UInt8] {
      var b = bytes
      b.replaceSubrange(at..<(at + values.count), with: values)
      fixChecksums(&b)
      return b
    }
    expectError(.unknownDataType(tensor: "stem.weight", code: 7), patched(dtypeAt, [7]))
    expectError(.badShape(tensor: "stem.weight", shape: [], reason: "rank 0 is not in 1...8"), patched(rankAt, [0]))
    #expect(Array(bytes[dimsAt..<scalesAt]) == [8, 3, 3, 3])
    expectError(.badShape(tensor: "#1", shape: [], reason: "name shares 12 bytes with a 11-byte previous name"),
                patched(biasAt - 2, [12]))
    expectError(.badShape(tensor: "stem.weight", shape: [8, 3, 3, 3], reason: "int8 scale[0] is inf"),
                patched(scalesAt, [0x00, 0x7C]))
    expectError(.badShape(tensor: "stem.weight", shape: [8, 3, 3, 3], reason: "int8 scale[1] is -1.0"),
                patched(scalesAt + 2, [0x00, 0xBC]))
    // A file from the short-lived packed-tensor writer had a flags byte after the rank, 0 for the first tensor
    // (which could not be packed): read as a dimension, that 0 rejects the file at its first record.
    expectError(.badShape(tensor: "stem.weight", shape: [0, 8, 3, 3],
                          reason: "dimensions must be ≥ 1, at most \(FormatLimits.maxElementCount) elements"),
                editing("TTBV") { p in p.insert(0, at: find(Array("stem.weight".utf8), in: p)! + 13) })
    // A dimension that makes the tensor run past DATA.
    expectError(.badOffset(tensor: "stem.weight", offset: model.tensors[0].offset, length: 8 * 3 * 3 * 127),
                patched(dimsAt + 2, [127]))

    // Varints: non-minimal and over-long dimensions.
    expectError(.badVarint(section: "TTBV", reason: "non-minimal encoding"), editing("TTBV") { p in
      let at = find(Array("stem.weight".utf8), in: p)! + 13
      p.replaceSubrange(at..<(at + 1), with: [0x88, 0x00])
    })
    expectError(.badVarint(section: "TTBV", reason: "more than 32 bits"), editing("TTBV") { p in
      let at = find(Array("stem.weight".utf8), in: p)! + 13
      p.replaceSubrange(at..<(at + 1), with: [0x88, 0x80, 0x80, 0x80, 0x80, 0x00])
    })
    // Leftover bytes after the last record, in a file of this reader's minor and of a newer one.
    let trailing = editing("TTBV") { $0 += [0] }
    expectError(.unexpectedBytes(section: "TTBV", count: 1), trailing)
    var newer = splitSections(trailing).sections
    #expect((try? CompactModelReader.parse(assemble(minor: 2, newer))) != nil)
    newer[2].payload[0] = 0x7F  // 127 tensors announced, far fewer bytes
    expectError(.recordOverrun(section: "TTBV", expected: 5 * 127, actual: newer[2].payload.count - 1), assemble(newer))
  }

  @Test func dataMustEndWithTheLastTensor() throws {
    let last = try #require(model.tensors.last)
    expectError(.unexpectedBytes(section: "DATA", count: 3), editing("DATA") { $0 += [0, 0, 0] })
    expectError(.badOffset(tensor: last.name, offset: last.offset, length: last.byteLength),
                editing("DATA") { $0.removeLast() })
  }

  @Test func graphCorruptions() throws {
    // GRPV: valueCount 17, outputValue 16, opCount 16; op 0 = conv: code, 1 input, 1 output, 2 tensors,
    // input 0, output 1, tensors 0 1, 12 attribute words.
    let graph = splitSections(bytes).sections[3].payload
    #expect(Array(graph[0..<12]) == [17, 16, 16, 1, 1, 1, 2, 0, 1, 0, 1, 12])
    expectError(.unknownOpKind(op: 0, code: 99), editing("GRPV") { $0[3] = 99 })
    expectError(.badOutput("output value 15 has shape [8], expected [5]"), editing("GRPV") { $0[1] = 15 })
    expectError(.undefinedValue(op: 0, value: 3), editing("GRPV") { $0[7] = 3 })
    expectError(.limitExceeded(field: "op 0 inputs", value: 256, limit: 255),
                editing("GRPV") { $0.replaceSubrange(4..<5, with: [0x80, 0x02]) })
    // An appended attribute word: an error in a 1.1 file, ignored in a newer minor.
    let extraWord = editing("GRPV") { p in
      p[11] = 13
      p.insert(5, at: 24)
    }
    expectError(.unexpectedBytes(section: "GRPV op 0 attributes", count: 4), extraWord)
    let newer = try CompactModelReader.parse(assemble(minor: 2, splitSections(extraWord).sections))
    #expect(newer.graph == model.graph)
    expectError(.recordOverrun(section: "GRPV", expected: 5 * 127, actual: graph.count - 3),
                editing("GRPV") { $0[2] = 127 })
  }
}
