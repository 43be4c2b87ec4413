import Testing
@testable import NASFormat

/// Bit-at-a-time CRC-32, written for clarity: the reference the table-driven version must match.
private func naiveCRC32(_ bytes: [UInt8]) -> UInt32 {
  var c: UInt32 = 0xFFFF_FFFF
  for b in bytes {
    c ^= UInt32(b)
    for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
  }
  return c ^ 0xFFFF_FFFF
}

@Suite struct CRC32Tests {
  @Test func knownVectors() {
    #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
    #expect(CRC32.checksum([UInt8]()) == 0)
    #expect(CRC32.checksum(Array("a".utf8)) == 0xE8B7_BE43)
    #expect(CRC32.checksum(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    #expect(CRC32.checksum([UInt8](repeating: 0, count: 32)) == 0x190A_55AD)
  }

  @Test(arguments: [0, 1, 3, 4, 5, 7, 8, 13, 64, 257])
  func matchesBitwiseReference(length: Int) {
    var rng = TestRNG(seed: UInt64(length) + 7)
    let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    #expect(CRC32.checksum(bytes) == naiveCRC32(bytes))
  }

  @Test func incrementalEqualsOneShot() {
    var rng = TestRNG(seed: 3)
    let bytes = (0..<1001).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    for split in [0, 1, 2, 3, 5, 500, 1000, 1001] {
      var crc = CRC32()
      crc.update(bytes[..<split])
      crc.update(bytes[split...])
      #expect(crc.value == CRC32.checksum(bytes), "split at \(split)")
    }
  }
}
