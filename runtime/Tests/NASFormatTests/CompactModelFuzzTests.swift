import Testing
@testable import NASFormat

/// Seeded corruption of real written models: every case must throw a `FormatError` or parse to a model that
/// still validates and whose tensors can all be read. A crash (trap, bad access) fails the whole run.
@Suite struct CompactModelFuzzTests {
  enum Mutation: CaseIterable {
    /// Cut the file at a random length: must always throw.
    case truncate
    /// XOR one random byte with a non-zero mask: every byte is covered by a CRC or a zero check, so must throw.
    case flipOne
    /// Flip 1 to 8 random bytes, then recompute every CRC so the structural checks see the damage.
    case flipAndFixChecksums
    /// Overwrite a random aligned 32-bit word with a boundary value, then fix CRCs.
    case boundaryWord
    /// Truncate, patch the file length, then fix CRCs: sections and records run out of bytes.
    case truncateAndPatchLength
  }

  static let boundaryValues: [UInt32] = [0, 1, 2, 3, 7, 63, 64, 65, 255, 256, 0xFFFF, 0x1_0000, 0x7FFF_FFFF,
                                          0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 0x7FC0_0000, 0x7F80_0000]

  /// Applies `mutation` to a copy of `original`; `mustThrow` tells whether any acceptance would be a bug.
  static func mutate(_ original: [UInt8], _ mutation: Mutation,
                     rng: inout TestRNG) -> (bytes: [UInt8], mustThrow: Bool) {
    var b = original
    switch mutation {
    case .truncate:
      b.removeLast(1 + rng.int(below: b.count))
      return (b, true)
    case .flipOne:
      b[rng.int(below: b.count)] ^= UInt8(1 + rng.int(below: 255))
      return (b, true)
    case .flipAndFixChecksums:
      for _ in 0...rng.int(below: 8) { b[rng.int(below: b.count)] ^= UInt8(1 + rng.int(below: 255)) }
      fixChecksums(&b)
      return (b, false)
    case .boundaryWord:
      let at = 4 * rng.int(below: b.count / 4)
      let v = boundaryValues[rng.int(below: boundaryValues.count)]
      for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
      fixChecksums(&b)
      return (b, false)
    case .truncateAndPatchLength:
      b.removeLast(1 + rng.int(below: b.count - 63))
      let n = UInt64(b.count)
      for i in 0..<8 { b[16 + i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
      fixChecksums(&b)
      return (b, true)  // the end marker can no longer end the file
    }
  }

  /// Parses `bytes`; on success re-validates and reads every tensor. Returns the error case name or "parsed".
  static func outcome(_ bytes: [UInt8]) -> String {
    do {
      let model = try CompactModelReader.parse(bytes)
      try model.validate()
      for i in model.tensors.indices { _ = model.floatValues(ofTensor: i) }
      guard model.valueShapes[model.graph.outputValue] == [model.header.classCount] else { return "bad output" }
      return "parsed"
    } catch {
      return Mirror(reflecting: error).children.first?.label ?? "\(error)"  // the case name
    }
  }

  @Test(arguments: TensorDataType.allCases)
  func randomCorruptionsNeverCrash(dataType: TensorDataType) throws {
    let original = try makeTestWriter(dataType: dataType, seed: 11).serialized()
    var rng = TestRNG(seed: 0xF022 + UInt64(dataType.rawValue))
    var outcomes: [String: Int] = [:]
    var deepErrors = 0
    let cases = 3400  // × 3 data types = 10,200 cases
    for index in 0..<cases {
      let mutation = Mutation.allCases[index % Mutation.allCases.count]
      let (bytes, mustThrow) = Self.mutate(original, mutation, rng: &rng)
      let result = Self.outcome(bytes)
      outcomes[result, default: 0] += 1
      if mustThrow {
        #expect(result != "parsed", "case \(index) (\(mutation)) was accepted")
      }
      if mutation == .flipAndFixChecksums || mutation == .boundaryWord,
         result != "parsed", result != "checksumMismatch" {
        deepErrors += 1
      }
      #expect(result != "bad output", "case \(index) (\(mutation)): output shape not checked")
    }
    // The checksum-fixing mutations must reach the structural checks, not stop at a CRC.
    #expect(deepErrors > cases / 5, "only \(deepErrors) structural errors: \(outcomes)")
    #expect(outcomes.count >= 10, "too few distinct outcomes: \(outcomes)")
  }
}
