import NASFormat
@testable import NASRuntime
import Testing

/// Re-computes the header and section CRCs after a mutation, so the mutation reaches the deeper checks.
func fixChecksums(_ bytes: inout [UInt8]) {
  guard bytes.count >= 64 else { return }
  func u32(_ o: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[o + $1]) << (8 * UInt32($1)) } }
  func put(_ v: UInt32, _ o: Int) { for i in 0..<4 { bytes[o + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) } }
  put(CRC32.checksum(bytes[0..<28]), 28)
  var offset = 64
  for _ in 0..<min(Int(u32(24)), 64) {
    guard offset + 24 <= bytes.count else { return }
    let length = Int(u32(offset + 8))
    guard u32(offset + 12) == 0, offset + 24 + length <= bytes.count else { return }
    put(CRC32.checksum(bytes[offset..<(offset + 16)] + bytes[(offset + 24)..<(offset + 24 + length)]), offset + 16)
    offset = (offset + 24 + length + 63) / 64 * 64
  }
}

@Suite struct LoaderFuzzTests {
  /// 12,000 truncations, byte flips (with and without fixed CRCs) and boundary words of real model files, each
  /// loaded through the runtime's loader; accepted files are bound and run once. No crash, and every plain
  /// truncation or single flip (caught by the CRCs) is rejected.
  @Test(arguments: [TensorDataType.float32, .int8])
  func mutatedModelsNeverCrash(dataType: TensorDataType) throws {
    let original = try makeNetworkWriter(dataType: dataType, seed: 31).serialized()
    var rng = TestRNG(seed: dataType == .float32 ? 1 : 2)
    let boundary: [UInt32] = [0, 1, 2, 3, 7, 63, 64, 65, 255, 256, 0xFFFF, 0x1_0000, 0x7FFF_FFFF, 0x8000_0000,
                              0xFFFF_FFFF, 0x7FC0_0000, 0x7F80_0000]
    var accepted = 0, ran = 0, missed: [Int] = []
    for trial in 0..<6_000 {
      var b = original
      var mustThrow = false
      switch trial % 4 {
      case 0:
        b.removeLast(1 + rng.int(below: b.count))
        mustThrow = true
      case 1:
        b[rng.int(below: b.count)] ^= UInt8(1 + rng.int(below: 255))
        mustThrow = true
      case 2:
        for _ in 0...rng.int(below: 4) { b[rng.int(below: b.count)] ^= UInt8(1 + rng.int(below: 255)) }
        fixChecksums(&b)
      default:
        let at = 4 * rng.int(below: b.count / 4), v = boundary[rng.int(below: boundary.count)]
        for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
        fixChecksums(&b)
      }
      let model: CompactModel
      do {
        model = try CompactModelReader.parse(b)
      } catch {
        continue
      }
      if mustThrow { missed.append(trial) }
      accepted += 1
      let runner = InferenceModel(model: model, activationLimit: 1 << 20)
      do {
        try runner.prepare(batchSize: 1)
      } catch {
        continue
      }
      for i in runner.inputBuffer.indices { runner.inputBuffer[i] = Float(i % 5) - 2 }
      runner.run()
      try runner.prepare(batchSize: 1, forGradient: true)
      for i in runner.inputBuffer.indices { runner.inputBuffer[i] = Float(i % 5) - 2 }
      runner.run()
      _ = try runner.backward(labels: [0])
      ran += 1
    }
    #expect(missed.isEmpty, "mutations accepted although they must be rejected: trials \(missed.prefix(10))")
    #expect(ran <= accepted)
  }
}
