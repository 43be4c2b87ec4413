/// A bounds-checked little-endian cursor over `[start, end)` of a byte buffer. Never reads outside it.
struct ByteReader {
  let base: UnsafeRawPointer
  let end: Int
  var position: Int
  /// Section tag used in error messages.
  let section: String

  init(base: UnsafeRawPointer, start: Int, end: Int, section: String) {
    self.base = base
    self.position = start
    self.end = end
    self.section = section
  }

  var remaining: Int { end - position }

  /// Checks that `count` more bytes exist and returns their start offset.
  mutating func take(_ count: Int) throws(FormatError) -> Int {
    guard count >= 0, count <= end - position else {
      throw .recordOverrun(section: section, expected: count, actual: end - position)
    }
    let start = position
    position += count
    return start
  }

  mutating func u8() throws(FormatError) -> UInt8 {
    base.load(fromByteOffset: try take(1), as: UInt8.self)
  }

  mutating func u16() throws(FormatError) -> UInt16 {
    UInt16(littleEndian: base.loadUnaligned(fromByteOffset: try take(2), as: UInt16.self))
  }

  mutating func u32() throws(FormatError) -> UInt32 {
    UInt32(littleEndian: base.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self))
  }

  mutating func u64() throws(FormatError) -> UInt64 {
    UInt64(littleEndian: base.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self))
  }

  mutating func i32() throws(FormatError) -> Int { Int(Int32(bitPattern: try u32())) }

  mutating func f32() throws(FormatError) -> Float { Float(bitPattern: try u32()) }

  /// A ULEB128 varint of a `u32` field (format 1.1 compact tables): 1 to 5 bytes, 7 value bits each, least
  /// significant group first, high bit = more follows. Rejects values above 2^32 − 1 and non-minimal encodings
  /// (a last byte of 0 after the first), so every value has exactly one encoding.
  mutating func varint() throws(FormatError) -> UInt32 {
    var value: UInt32 = 0
    for i in 0..<5 {
      let byte = try u8()
      if i == 4 && byte > 0x0F {
        throw .badVarint(section: section, reason: "more than 32 bits")
      }
      value |= UInt32(byte & 0x7F) << (7 * UInt32(i))
      if byte & 0x80 == 0 {
        if i > 0 && byte == 0 { throw .badVarint(section: section, reason: "non-minimal encoding") }
        return value
      }
    }
    throw .badVarint(section: section, reason: "more than 32 bits")  // unreachable: the 5th byte is ≤ 0x0F
  }

  /// A varint count, checked against `limit` before anything is allocated for it.
  mutating func varintCount(_ field: String, limit: Int) throws(FormatError) -> Int {
    let value = Int(try varint())
    guard value <= limit else { throw .limitExceeded(field: field, value: value, limit: limit) }
    return value
  }

  /// An IEEE binary16 value, widened exactly.
  mutating func f16() throws(FormatError) -> Float { float16ToFloat(try u16()) }

  /// A count field, checked against `limit` before anything is allocated for it.
  mutating func count(_ field: String, limit: Int) throws(FormatError) -> Int {
    let value = Int(try u32())
    guard value <= limit else { throw .limitExceeded(field: field, value: value, limit: limit) }
    return value
  }

  /// A u64 offset or length, checked to fit the maximum file length (so later sums cannot overflow).
  mutating func fileRange(_ field: String) throws(FormatError) -> Int {
    let value = try u64()
    guard value <= UInt64(FormatLimits.maxFileLength) else {
      throw .limitExceeded(field: field, value: value > UInt64(Int.max) ? Int.max : Int(value),
                           limit: FormatLimits.maxFileLength)
    }
    return Int(value)
  }

  /// A u32 length followed by that many bytes of UTF-8.
  mutating func string(_ field: String, limit: Int) throws(FormatError) -> String {
    let length = try count("\(field) length", limit: limit)
    let start = try take(length)
    let bytes = UnsafeRawBufferPointer(start: base + start, count: length)
    guard let s = String(validating: bytes, as: UTF8.self) else { throw .invalidString(field: field) }
    return s
  }

  /// Throws unless every remaining byte is consumed; trailing bytes are tolerated only for newer minors.
  func finish(allowTrailing: Bool) throws(FormatError) {
    if remaining != 0 && !allowTrailing { throw .unexpectedBytes(section: section, count: remaining) }
  }
}

/// Little-endian serialisation into a growing byte array.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func u8(_ v: UInt8) { bytes.append(v) }
  mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
  mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
  mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
  mutating func i32(_ v: Int) { u32(UInt32(bitPattern: Int32(v))) }
  mutating func f32(_ v: Float) { u32(v.bitPattern) }
  mutating func count(_ v: Int) { u32(UInt32(v)) }

  /// ULEB128 (see `ByteReader.varint()`); `v` must be in 0 ... 2^32 − 1.
  mutating func varint(_ v: Int) {
    precondition(v >= 0 && v <= Int(UInt32.max), "varint \(v) out of the u32 range")
    var rest = UInt32(v)
    while rest >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
      rest >>= 7
    }
    bytes.append(UInt8(rest))
  }

  /// A varint length followed by the UTF-8 bytes.
  mutating func varintString<S: Collection>(_ utf8: S) where S.Element == UInt8 {
    varint(utf8.count)
    bytes.append(contentsOf: utf8)
  }

  /// IEEE binary16, rounded to nearest even.
  mutating func f16(_ v: Float) { u16(Float16(v).bitPattern) }

  mutating func string(_ s: String) {
    count(s.utf8.count)
    bytes.append(contentsOf: s.utf8)
  }

  /// Appends zeros until the length is a multiple of `alignment`.
  mutating func pad(to alignment: Int) {
    let rest = bytes.count % alignment
    if rest != 0 { bytes.append(contentsOf: repeatElement(0, count: alignment - rest)) }
  }

  /// Overwrites 4 bytes at `offset` with `v`, little-endian.
  mutating func patchU32(_ v: UInt32, at offset: Int) {
    withUnsafeBytes(of: v.littleEndian) { for i in 0..<4 { bytes[offset + i] = $0[i] } }
  }
}
