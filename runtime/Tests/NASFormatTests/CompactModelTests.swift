import Testing
@testable import NASFormat

#if canImport(Glibc)
import Glibc
#endif

@Suite struct CompactModelRoundTripTests {
  @Test func float32RoundTripIsExact() throws {
    let writer = try makeTestWriter(dataType: .float32)
    let model = try CompactModelReader.parse(try writer.serialized())
    #expect(model.version == FormatVersion.current)
    #expect(model.header == writer.header)
    #expect(model.metadata == writer.metadata)
    #expect(model.metadataValue(forKey: "producer") == "nas-format tests")
    #expect(model.graph.ops == writer.ops)
    #expect(model.graph.outputValue == 16)
    #expect(model.graph.valueCount == 17)
    #expect(model.tensors.count == writer.tensors.count)
    var rng = TestRNG(seed: 1)
    let stem = rng.floats(216)
    #expect(model.floatValues(ofTensor: 0) == stem)
    let inPlace = model.withFloat32Values(ofTensor: 0) { Array($0) }
    #expect(inPlace == stem)
    for (i, t) in model.tensors.enumerated() {
      #expect(t.name == writer.tensors[i].name)
      #expect(t.shape == writer.tensors[i].shape)
      #expect(t.dataType == writer.tensors[i].dataType)
    }
    try model.validate()
  }

  @Test func inferredShapes() throws {
    let model = try makeTestWriter().model()
    #expect(model.valueShapes[0] == [3, 10, 10])
    #expect(model.valueShapes[1] == [8, 10, 10])
    #expect(model.valueShapes[3] == [4, 5, 5])
    #expect(model.valueShapes[4] == [8, 9, 9])
    #expect(model.valueShapes[6] == [8, 5, 5])
    #expect(model.valueShapes[12] == [8, 6, 6])
    #expect(model.valueShapes[13] == [8, 6, 6])
    #expect(model.valueShapes[14] == [8, 1, 1])
    #expect(model.valueShapes[16] == [5])
  }

  @Test func float16RoundTripRoundsToNearestEven() throws {
    let model = try makeTestWriter(dataType: .float16).model()
    var rng = TestRNG(seed: 1)
    let stem = rng.floats(216)
    let index = try #require(model.tensorIndex(named: "stem.weight"))
    #expect(model.tensors[index].dataType == .float16)
    #expect(model.tensors[index].byteLength == 216 * 2)
    #expect(model.withFloat32Values(ofTensor: index) { _ in 0 } == nil)
    let decoded = model.floatValues(ofTensor: index)
    for i in 0..<216 {
      #expect(decoded[i] == Float(Float16(stem[i])))
      #expect(abs(decoded[i] - stem[i]) <= abs(stem[i]) * 0x1p-11)
    }
    // Ties go to even: 1 + 2^-11 is halfway between 1 and 1 + 2^-10.
    let (bytes, _) = try TensorEncoding.encode([1 + 0x1p-11, 1 + 3 * 0x1p-11], shape: [2], as: .float16, name: "t")
    #expect(bytes == [0x00, 0x3C, 0x02, 0x3C])
  }

  @Test func float16DecodeMatchesFloat16ForEveryBitPattern() {
    for bits in 0...UInt16.max {
      let expected = Float(Float16(bitPattern: bits))
      let actual = float16ToFloat(bits)
      if expected.isNaN {
        #expect(actual.isNaN, "bits \(bits)")
      } else if actual.bitPattern != expected.bitPattern {
        Issue.record("bits \(bits): \(actual) != \(expected)")
        return
      }
    }
  }

  @Test func int8RoundTripWithinQuantisationBound() throws {
    let model = try makeTestWriter(dataType: .int8).model()
    var rng = TestRNG(seed: 1)
    let stem = rng.floats(216)
    let index = try #require(model.tensorIndex(named: "stem.weight"))
    let t = model.tensors[index]
    #expect(t.dataType == .int8 && t.byteLength == 216 && t.scales.count == 8)
    let decoded = model.floatValues(ofTensor: index)
    for c in 0..<8 {
      let block = stem[(c * 27)..<((c + 1) * 27)]
      let maxAbs = block.map { abs($0) }.max()!
      // The smallest binary16 value ≥ max|w| / 127.
      let half = Float16(t.scales[c])
      #expect(Float(half) == t.scales[c] && t.scales[c] >= maxAbs / 127 && Float(half.nextDown) < maxAbs / 127)
      for i in (c * 27)..<((c + 1) * 27) {
        #expect(abs(decoded[i] - stem[i]) <= t.scales[c] * 0.5 * (1 + 1e-5), "element \(i)")
      }
    }
  }

  @Test func int8ZeroChannelAndExtremes() throws {
    let values: [Float] = [0, 0, 0, -2, 1, 2, 0.5, -0.25, 0.125]
    let (bytes, scales) = try TensorEncoding.encode(values, shape: [3, 3], as: .int8, name: "q")
    // Scales are max|w| / 127 rounded up to binary16: 2/127 → 0.015762329, 0.5/127 → 0.0039405823.
    #expect(scales == [0, Float(Float16(bitPattern: 0x2409)), Float(Float16(bitPattern: 0x1C09))])
    #expect(Float(Float16(bitPattern: 0x2408)) < 2 / 127 && Float(Float16(bitPattern: 0x1C08)) < 0.5 / 127)
    #expect(bytes.map { Int8(bitPattern: $0) } == [0, 0, 0, -127, 63, 127, 127, -63, 32])
  }

  @Test func fileRoundTripIsAtomic() throws {
    let directory = "/tmp/nasformat-test-\(getpid())"
    mkdir(directory, 0o755)
    defer { rmdir(directory) }
    let path = directory + "/model.nasb"
    let writer = try makeTestWriter(dataType: .float16)
    try writer.write(toPath: path)
    defer { unlink(path) }
    let model = try CompactModelReader.read(path: path)
    #expect(model.graph == (try writer.model()).graph)
    #expect(!model.bytes.isMapped)
    let mapped = try CompactModelReader.map(path: path)
    #expect(mapped.bytes.isMapped)
    #expect(Array(mapped.bytes.buffer) == Array(model.bytes.buffer))
    #expect(mapped.floatValues(ofTensor: 0) == model.floatValues(ofTensor: 0))
    #expect(throws: FormatError.fileError(path: directory, operation: "map", errno: EISDIR)) {
      try CompactModelReader.map(path: directory)
    }
    #expect(try directoryEntries(directory) == ["model.nasb"])
    #expect(throws: FormatError.fileError(path: directory + "/missing.nasb", operation: "open", errno: ENOENT)) {
      try CompactModelReader.read(path: directory + "/missing.nasb")
    }
  }
}

private func directoryEntries(_ path: String) throws -> [String] {
  guard let dir = opendir(path) else { return [] }
  defer { closedir(dir) }
  var names: [String] = []
  while let entry = readdir(dir) {
    let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    if name != "." && name != ".." { names.append(name) }
  }
  return names.sorted()
}

@Suite struct CompactModelLayoutTests {
  private func u32(_ b: [UInt8], _ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(b[o + $1]) << (8 * UInt32($1)) } }
  private func u64(_ b: [UInt8], _ o: Int) -> UInt64 { UInt64(u32(b, o)) | UInt64(u32(b, o + 4)) << 32 }

  @Test func fileHeaderBytes() throws {
    let bytes = try makeTestWriter().serialized()
    #expect(Array(bytes[0..<8]) == [0x4E, 0x41, 0x53, 0x42, 0x0D, 0x0A, 0x1A, 0x0A])
    #expect(Array(bytes[8..<12]) == [1, 0, 1, 0])            // version 1.1
    #expect(u32(bytes, 12) == 0)                               // flags
    #expect(u64(bytes, 16) == UInt64(bytes.count))             // file length
    #expect(u32(bytes, 24) == 6)                               // section count
    #expect(u32(bytes, 28) == CRC32.checksum(bytes[0..<28]))
    #expect(bytes[32..<64].allSatisfy { $0 == 0 })
    #expect(bytes.count % 64 == 24)                             // ends with the 24-byte end marker
    #expect(Array(bytes[(bytes.count - 24)..<(bytes.count - 20)]) == Array("END!".utf8))
    #expect(bytes[(bytes.count - 20)..<bytes.count].allSatisfy { $0 == 0 } == false)  // its CRC is not zero
  }

  @Test(arguments: TableEncoding.allCases)
  func headerSectionBytes(encoding: TableEncoding) throws {
    let bytes = try makeTestWriter(encoding: encoding).serialized()
    #expect(Array(bytes[64..<68]) == Array("HEAD".utf8))
    #expect(u32(bytes, 68) == 0)                               // not skippable
    let length = Int(u64(bytes, 72))
    #expect(u32(bytes, 80) == CRC32.checksum(bytes[64..<80] + bytes[88..<(88 + length)]))
    #expect(u32(bytes, 84) == 0)
    let p = 88
    #expect([u32(bytes, p), u32(bytes, p + 4), u32(bytes, p + 8), u32(bytes, p + 12)] == [3, 10, 10, 5])
    #expect(Float(bitPattern: u32(bytes, p + 16)) == 0.5)    // mean[0]
    #expect(Float(bitPattern: u32(bytes, p + 28)) == 0.5)    // std[0]
    #expect(Float(bitPattern: u32(bytes, p + 36)) == 2)      // std[2]
    #expect(u32(bytes, p + 40) == 7)                          // "t-shirt"
    #expect(Array(bytes[(p + 44)..<(p + 51)]) == Array("t-shirt".utf8))
    let sections = splitSections(bytes).sections
    let tables = encoding == .plain ? ["TTAB", "GRPH"] : ["TTBV", "GRPV"]
    #expect(sections.map(\.tag) == ["HEAD", "META"] + tables + ["DATA", "END!"])
    #expect(sections.map(\.flags) == [0, 1, 0, 0, 0, 0])
  }

  @Test(arguments: TensorDataType.allCases, TableEncoding.allCases)
  func everyTensorIs64ByteAligned(dataType: TensorDataType, encoding: TableEncoding) throws {
    let bytes = try makeTestWriter(dataType: dataType, encoding: encoding).serialized()
    let model = try CompactModelReader.parse(bytes)
    for (i, t) in model.tensors.enumerated() {
      #expect(t.offset % 64 == 0, "\(t.name) at \(t.offset)")
      #expect(UInt(bitPattern: model.rawBytes(ofTensor: i).baseAddress!) % 64 == 0)
      if i > 0 {  // each at the first multiple of 64 after its predecessor (TTAB offsets are the writer's choice)
        let previous = model.tensors[i - 1]
        #expect(t.offset == (previous.offset + previous.byteLength + 63) / 64 * 64, "\(t.name)")
      }
    }
    // Tensor bytes sit where the table says: check the first fp32 value of the stem weight.
    var rng = TestRNG(seed: 1)
    let first = rng.float(-1, 1)
    if dataType == .float32 {
      #expect(Float(bitPattern: u32(bytes, model.tensors[0].offset)) == first)
    }
  }

  @Test func summary() throws {
    let model = try makeTestWriter(dataType: .int8).model()
    #expect(model.summary == """
      format 1.1, \(model.bytes.count) bytes
      input 3×10×10, 5 classes: t-shirt, trouser, pull"over, dress, coat ✓
      16 ops: Conv 4, ReLU 1, Crop 1, Concat 1, MaxPool 1, AveragePool 1, Add 1, ChannelAffine 1, ChannelShuffle 1, \
      Pad 1, GlobalAveragePool 1, Flatten 1, Gemm 1
      9 tensors, 421 parameters, 484 bytes: int8 6, fp32 3
      metadata: producer, genotype
      """)
  }

  @Test func writerIsDeterministic() throws {
    #expect(try makeTestWriter(dataType: .int8).serialized() == makeTestWriter(dataType: .int8).serialized())
  }
}
