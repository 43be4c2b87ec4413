/// CRC-32 (IEEE 802.3, zlib's polynomial 0xEDB88320 reflected, initial and final XOR 0xFFFFFFFF), table-driven.
///
/// `CRC32.checksum("123456789".utf8)` is `0xCBF43926`. Use `update` to checksum pieces in order.
public struct CRC32: Sendable {
  /// The running register (already inverted); read the result from `value`.
  @usableFromInline var state: UInt32 = 0xFFFF_FFFF

  public init() {}

  /// The CRC of everything passed to `update` so far.
  public var value: UInt32 { state ^ 0xFFFF_FFFF }

  /// Feeds `bytes` into the checksum.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard let base = bytes.baseAddress, bytes.count > 0 else { return }
    let p = base.assumingMemoryBound(to: UInt8.self)
    let n = bytes.count
    var c = state
    crc32Table.withUnsafeBufferPointer { table in
      let t = table.baseAddress!
      var i = 0
      // Slicing-by-4 over whole 4-byte groups, then byte at a time.
      while i + 4 <= n {
        c ^= UInt32(p[i]) | UInt32(p[i + 1]) << 8 | UInt32(p[i + 2]) << 16 | UInt32(p[i + 3]) << 24
        c = t[768 + Int(c & 0xFF)] ^ t[512 + Int((c >> 8) & 0xFF)] ^ t[256 + Int((c >> 16) & 0xFF)] ^ t[Int(c >> 24)]
        i += 4
      }
      while i < n {
        c = t[Int((c ^ UInt32(p[i])) & 0xFF)] ^ (c >> 8)
        i += 1
      }
    }
    state = c
  }

  /// Feeds a sequence of bytes (e.g. an array or `String.utf8`).
  public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
    let array = Array(bytes)
    array.withUnsafeBytes { update($0) }
  }

  /// The CRC-32 of `bytes`.
  public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
    var crc = CRC32()
    crc.update(bytes)
    return crc.value
  }

  /// The CRC-32 of a byte sequence.
  public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
    var crc = CRC32()
    crc.update(bytes)
    return crc.value
  }
}

/// 4 × 256 entries: entry k of table j is the CRC of byte k followed by j zero bytes (slicing-by-4).
let crc32Table: [UInt32] = {
  var table = [UInt32](repeating: 0, count: 1024)
  for k in 0..<256 {
    var c = UInt32(k)
    for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
    table[k] = c
  }
  for k in 0..<256 {
    for j in 1..<4 {
      let previous = table[(j - 1) * 256 + k]
      table[j * 256 + k] = table[Int(previous & 0xFF)] ^ (previous >> 8)
    }
  }
  return table
}()
