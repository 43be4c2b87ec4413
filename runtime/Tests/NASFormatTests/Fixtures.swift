@testable import NASFormat
import Testing
import SeededRandom

/// The tests' seeded generator (every test and fuzz case is reproducible).
typealias TestRNG = SplitMix64

/// A small DARTS-like frozen network that uses every op kind, on a 3×10×10 input with 5 classes.
///
/// stem conv(3→8, 3×3, pad 1, bias, fused ReLU) → FactorizedReduce (ReLU, conv 1×1 s2 on x and on crop(x),
/// concat) → max pool 3/1/1 + avg pool 3/1/1 → add → channel affine → channel shuffle(2) → pad → grouped dilated
/// conv → GAP → flatten → gemm → 5 logits.
/// `encoding` picks the 1.1 compact tables (default) or the 1.0 `TTAB` / `GRPH` layout.
func makeTestWriter(dataType: TensorDataType = .float32, seed: UInt64 = 1,
                    encoding: TableEncoding = .compact) throws(FormatError) -> CompactModelWriter {
  var rng = TestRNG(seed: seed)
  let header = ModelHeader(inputChannels: 3, inputHeight: 10, inputWidth: 10,
                           classNames: ["t-shirt", "trouser", "pull\"over", "dress", "coat ✓"],
                           mean: [0.5, 0.25, 0.125], std: [0.5, 0.25, 2])
  var w = CompactModelWriter(header: header)
  w.encoding = encoding
  w.setMetadata("nas-format tests", forKey: "producer")
  w.setMetadata("{\"normal\":[[\"sep_conv_3x3\",0]],\"reduce_concat\":[2,3]}", forKey: "genotype")
  let stemW = try w.addTensor(name: "stem.weight", shape: [8, 3, 3, 3], values: rng.floats(216), dataType: dataType)
  let stemB = try w.addTensor(name: "stem.bias", shape: [8], values: rng.floats(8), dataType: dataType)
  let fr1 = try w.addTensor(name: "reduce.conv1.weight", shape: [4, 8, 1, 1], values: rng.floats(32), dataType: dataType)
  let fr2 = try w.addTensor(name: "reduce.conv2.weight", shape: [4, 8, 1, 1], values: rng.floats(32), dataType: dataType)
  let scale = try w.addTensor(name: "bn.scale", shape: [8], values: rng.floats(8, 0.5, 1.5), dataType: .float32)
  let shift = try w.addTensor(name: "bn.shift", shape: [8], values: rng.floats(8), dataType: .float32)
  let dw = try w.addTensor(name: "cell.dw.weight", shape: [8, 1, 3, 3], values: rng.floats(72), dataType: dataType)
  let fcW = try w.addTensor(name: "classifier.weight", shape: [5, 8], values: rng.floats(40), dataType: dataType)
  let fcB = try w.addTensor(name: "classifier.bias", shape: [5], values: rng.floats(5), dataType: .float32)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 1, fusedReLU: true)), inputs: [0], output: 1,
                  tensors: [stemW, stemB]))                                                       // (8, 10, 10)
  w.addOp(GraphOp(.relu, inputs: [1], output: 2))
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1, stride: 2)), inputs: [2], output: 3, tensors: [fr1]))  // (4, 5, 5)
  w.addOp(GraphOp(.crop(Padding2D(top: 1, left: 1, bottom: 0, right: 0)), inputs: [2], output: 4))       // (8, 9, 9)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 1, stride: 2)), inputs: [4], output: 5, tensors: [fr2]))  // (4, 5, 5)
  w.addOp(GraphOp(.concat, inputs: [3, 5], output: 6))                                                   // (8, 5, 5)
  w.addOp(GraphOp(.maxPool(PoolAttributes(kernel: 3, stride: 1, padding: 1)), inputs: [6], output: 7))
  w.addOp(GraphOp(.averagePool(PoolAttributes(kernel: 3, stride: 1, padding: 1)), inputs: [6], output: 8))
  w.addOp(GraphOp(.add, inputs: [7, 8, 6], output: 9))
  w.addOp(GraphOp(.channelAffine, inputs: [9], output: 10, tensors: [scale, shift]))
  w.addOp(GraphOp(.channelShuffle(groups: 2), inputs: [10], output: 11))
  w.addOp(GraphOp(.pad(Padding2D(top: 0, left: 0, bottom: 1, right: 1), value: 0), inputs: [11], output: 12))  // (8, 6, 6)
  w.addOp(GraphOp(.conv(ConvAttributes(kernel: 3, padding: 2, dilation: 2, groups: 8)), inputs: [12], output: 13,
                  tensors: [dw]))                                                                  // (8, 6, 6)
  w.addOp(GraphOp(.globalAveragePool, inputs: [13], output: 14))                                  // (8, 1, 1)
  w.addOp(GraphOp(.flatten, inputs: [14], output: 15))                                           // (8)
  w.addOp(GraphOp(.gemm(fusedReLU: false), inputs: [15], output: 16, tensors: [fcW, fcB]))       // (5)
  w.outputValue = 16
  return w
}

/// The raw sections of a file, for tests that edit a file and re-emit it with correct lengths and CRCs.
struct RawSection {
  var tag: String
  var flags: UInt32
  var payload: [UInt8]
}

/// Splits a well-formed file into its header words and sections (no validation: test files only).
func splitSections(_ bytes: [UInt8]) -> (major: UInt16, minor: UInt16, sections: [RawSection]) {
  func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[o + $1]) << (8 * UInt32($1)) } }
  func u64(_ o: Int) -> Int { Int(u32(o)) | Int(u32(o + 4)) << 32 }
  let major = UInt16(bytes[8]) | UInt16(bytes[9]) << 8
  let minor = UInt16(bytes[10]) | UInt16(bytes[11]) << 8
  let count = Int(u32(24))
  var sections: [RawSection] = []
  var offset = 64
  for _ in 0..<count {
    let tag = String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
    let length = u64(offset + 8)
    sections.append(RawSection(tag: tag, flags: u32(offset + 4),
                               payload: Array(bytes[(offset + 24)..<(offset + 24 + length)])))
    offset = (offset + 24 + length + 63) / 64 * 64
  }
  return (major, minor, sections)
}

/// Re-emits sections with fresh lengths, CRCs and file header. Section payload offsets may move, so only edit
/// sections that come after the DATA section or keep sizes unchanged before it.
func assemble(major: UInt16 = 1, minor: UInt16 = UInt16(FormatVersion.current.minor),
              _ sections: [RawSection]) -> [UInt8] {
  var out = ByteWriter()
  out.bytes.append(contentsOf: FormatLayout.magic)
  out.u16(major)
  out.u16(minor)
  out.u32(0)
  out.u64(0)  // patched below
  out.count(sections.count)
  out.u32(0)  // CRC, patched below
  out.pad(to: 64)
  for s in sections {
    let start = out.bytes.count
    out.bytes.append(contentsOf: Array(s.tag.utf8.prefix(4)))
    out.u32(s.flags)
    out.u64(UInt64(s.payload.count))
    let crc = CRC32.checksum(out.bytes[start..<(start + 16)] + s.payload)
    out.u32(crc)
    out.u32(0)
    out.bytes.append(contentsOf: s.payload)
    if s.tag != "END!" { out.pad(to: 64) }
  }
  let length = UInt64(out.bytes.count)
  for i in 0..<8 { out.bytes[16 + i] = UInt8(truncatingIfNeeded: length >> (8 * UInt64(i))) }
  out.patchU32(CRC32.checksum(out.bytes[0..<28]), at: 28)
  return out.bytes
}

/// Assembles `sections` and then moves every tensor offset in TTAB by however far DATA moved, so tests can
/// grow or insert sections before DATA (plain tables only; compact tables have implied offsets).
func assembleRelocating(major: UInt16 = 1, minor: UInt16 = UInt16(FormatVersion.current.minor), original: [UInt8],
                        _ sections: [RawSection]) -> [UInt8] {
  func dataPayloadStart(_ bytes: [UInt8]) -> Int {
    func u32(_ o: Int) -> Int { (0..<4).reduce(0) { $0 | Int(bytes[o + $1]) << (8 * $1) } }
    var offset = 64
    while String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self) != "DATA" {
      offset = (offset + 24 + u32(offset + 8) + 63) / 64 * 64
    }
    return offset + 24
  }
  let first = assemble(major: major, minor: minor, sections)
  let delta = dataPayloadStart(first) - dataPayloadStart(original)
  guard delta != 0 else { return first }
  var edited = sections
  let t = edited.firstIndex { $0.tag == "TTAB" }!
  var p = edited[t].payload
  func u32(_ o: Int) -> Int { (0..<4).reduce(0) { $0 | Int(p[o + $1]) << (8 * $1) } }
  var o = 4
  for _ in 0..<u32(0) {
    o += 4 + u32(o)               // name
    let dtype = p[o], rank = Int(p[o + 1])
    o += 4
    let channels = u32(o)
    o += 4 * rank
    let offset = u32(o) + delta
    for i in 0..<8 { p[o + i] = UInt8(truncatingIfNeeded: offset >> (8 * i)) }
    o += 16
    if dtype == 2 { o += 4 * channels }
  }
  edited[t].payload = p
  return assemble(major: major, minor: minor, edited)
}

/// Where `needle` first occurs in `bytes`.
func find(_ needle: [UInt8], in bytes: [UInt8]) -> Int? {
  guard needle.count <= bytes.count else { return nil }
  for i in 0...(bytes.count - needle.count) where bytes[i..<(i + needle.count)].elementsEqual(needle) { return i }
  return nil
}

/// Expects `CompactModelReader.parse(data)` to throw exactly `expected`.
func expectError(_ expected: FormatError, _ data: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
  do {
    _ = try CompactModelReader.parse(data)
    Issue.record("parsed, expected \(expected)", sourceLocation: sourceLocation)
  } catch {
    #expect(error == expected, sourceLocation: sourceLocation)
  }
}
