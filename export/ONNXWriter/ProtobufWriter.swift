/// A minimal protocol-buffers wire encoder: just what ONNX's ModelProto needs (varints, length-delimited
/// strings/bytes/messages). Fields are written in the order the caller emits them.
struct ProtobufWriter {
  private(set) var bytes: [UInt8] = []

  private enum WireType: UInt64 {
    case varint = 0
    case lengthDelimited = 2
  }

  private mutating func varint(_ value: UInt64) {
    var v = value
    while v >= 0x80 {
      bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
      v >>= 7
    }
    bytes.append(UInt8(v))
  }

  private mutating func key(_ field: Int, _ type: WireType) { varint(UInt64(field) << 3 | type.rawValue) }

  /// An int32/int64/enum/bool field (negative values as 10-byte two's complement varints, as protobuf does).
  mutating func int(_ field: Int, _ value: Int) {
    key(field, .varint)
    varint(UInt64(bitPattern: Int64(value)))
  }

  mutating func string(_ field: Int, _ value: String) { bytes(field, Array(value.utf8)) }

  mutating func bytes(_ field: Int, _ value: [UInt8]) {
    key(field, .lengthDelimited)
    varint(UInt64(value.count))
    bytes.append(contentsOf: value)
  }

  /// An embedded message built by `body`.
  mutating func message(_ field: Int, _ body: (inout ProtobufWriter) -> Void) {
    var inner = ProtobufWriter()
    body(&inner)
    bytes(field, inner.bytes)
  }
}

/// Little-endian bytes of fp32 values (TensorProto.raw_data).
func littleEndianBytes(_ values: [Float]) -> [UInt8] {
  var out = [UInt8]()
  out.reserveCapacity(values.count * 4)
  for v in values {
    let bits = v.bitPattern
    out.append(UInt8(truncatingIfNeeded: bits))
    out.append(UInt8(truncatingIfNeeded: bits >> 8))
    out.append(UInt8(truncatingIfNeeded: bits >> 16))
    out.append(UInt8(truncatingIfNeeded: bits >> 24))
  }
  return out
}

/// Little-endian bytes of int64 values (TensorProto.raw_data).
func littleEndianBytes(_ values: [Int64]) -> [UInt8] {
  var out = [UInt8]()
  out.reserveCapacity(values.count * 8)
  for v in values {
    let bits = UInt64(bitPattern: v)
    for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
  }
  return out
}
