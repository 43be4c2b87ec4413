import FormatFuzzing
import Testing
@testable import NASFormat

/// Seeded corruption of real written models: every case must throw a `FormatError` or parse to a model that
/// still validates and whose tensors can all be read. A crash (trap, bad access) fails the whole run.
@Suite struct CompactModelFuzzTests {
  /// The shared mutations (FormatFuzzing) except the splice, which nas-format-fuzz adds on top.
  static let mutations = Mutation.allCases.filter { $0 != .spliceAndFixChecksums }

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

  @Test(arguments: TensorDataType.allCases, TableEncoding.allCases)
  func randomCorruptionsNeverCrash(dataType: TensorDataType, encoding: TableEncoding) throws {
    let original = try makeTestWriter(dataType: dataType, seed: 11, encoding: encoding).serialized()
    var rng = FuzzRNG(seed: 0xF022 + UInt64(dataType.rawValue) + (encoding == .compact ? 0x100 : 0))
    var outcomes: [String: Int] = [:]
    var deepErrors = 0
    let cases = 3400  // × 3 data types × 2 table encodings = 20,400 cases
    for index in 0..<cases {
      let mutation = Self.mutations[index % Self.mutations.count]
      let (bytes, mustThrow) = mutation.apply(to: original, rng: &rng)
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
