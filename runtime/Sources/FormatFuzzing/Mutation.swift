import NASFormat
import SeededRandom

/// The fuzzers' generator: the same seed gives the same corruption sequence.
public typealias FuzzRNG = SplitMix64

/// The corruptions the format fuzzer and the reader/loader fuzz tests apply to a valid .nasb file.
public enum Mutation: String, CaseIterable, Sendable {
  case truncate, flipOne, flipAndFixChecksums, boundaryWord, truncateAndPatchLength, spliceAndFixChecksums

  public static let boundaryValues: [UInt32] = [0, 1, 2, 3, 7, 63, 64, 65, 255, 256, 0xFFFF, 0x1_0000, 0x7FFF_FFFF,
                                          0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 0x7FC0_0000, 0x7F80_0000]

  /// A corrupted copy of `original`, and whether accepting it would be a reader bug.
  public func apply(to original: [UInt8], rng: inout FuzzRNG) -> (bytes: [UInt8], mustThrow: Bool) {
    var b = original
    switch self {
    case .truncate:
      b.removeLast(1 + rng.int(below: b.count))
      return (b, true)
    case .flipOne:
      // Every byte is covered by a CRC or a zero check, so a single changed byte must be caught.
      b[rng.int(below: b.count)] ^= UInt8(1 + rng.int(below: 255))
      return (b, true)
    case .flipAndFixChecksums:
      for _ in 0...rng.int(below: 8) { b[rng.int(below: b.count)] ^= UInt8(1 + rng.int(below: 255)) }
      fixChecksums(&b)
      return (b, false)
    case .boundaryWord:
      let at = 4 * rng.int(below: b.count / 4)
      let v = Self.boundaryValues[rng.int(below: Self.boundaryValues.count)]
      for i in 0..<4 { b[at + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt32(i))) }
      fixChecksums(&b)
      return (b, false)
    case .truncateAndPatchLength:
      b.removeLast(1 + rng.int(below: b.count - 63))
      let n = UInt64(b.count)
      for i in 0..<8 { b[16 + i] = UInt8(truncatingIfNeeded: n >> (8 * UInt64(i))) }
      fixChecksums(&b)
      return (b, true)
    case .spliceAndFixChecksums:
      // Copy a random run of bytes over another place in the file (records that look plausible but lie).
      let length = 1 + rng.int(below: 32)
      let from = rng.int(below: b.count - length), to = rng.int(below: b.count - length)
      let run = Array(b[from..<(from + length)])
      b.replaceSubrange(to..<(to + length), with: run)
      fixChecksums(&b)
      return (b, false)
    }
  }
}

/// Recomputes the file header CRC and every section CRC, following section lengths while they make sense.
public func fixChecksums(_ bytes: inout [UInt8]) {
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
