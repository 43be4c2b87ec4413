import CLIKit
import Testing
@testable import ONNXWriter

@Suite struct ProtobufWriterTests {
  @Test func varintsAndLengthDelimitedFields() {
    var w = ProtobufWriter()
    w.int(1, 150)                 // the protobuf documentation's example: 08 96 01
    #expect(w.bytes == [0x08, 0x96, 0x01])
    w = ProtobufWriter()
    w.int(2, -1)                  // negative int64: ten-byte two's complement varint
    #expect(w.bytes == [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
    w = ProtobufWriter()
    w.string(2, "testing")        // 12 07 74 65 73 74 69 6e 67
    #expect(w.bytes == [0x12, 0x07] + Array("testing".utf8))
    w = ProtobufWriter()
    w.message(3) { $0.int(1, 150) }   // 1a 03 08 96 01
    #expect(w.bytes == [0x1A, 0x03, 0x08, 0x96, 0x01])
    w = ProtobufWriter()
    w.int(20, 7)                  // field numbers ≥ 16 need a two-byte key: a0 01 07
    #expect(w.bytes == [0xA0, 0x01, 0x07])
  }

  @Test func littleEndianAndJSON() {
    #expect(littleEndianBytes([Float(1)]) == [0x00, 0x00, 0x80, 0x3F])
    #expect(littleEndianBytes([Int64(-2)]) == [0xFE] + [UInt8](repeating: 0xFF, count: 7))
    #expect(JSONValue.string("a\"b\\c\n\u{1}").jsonText == #""a\"b\\c\n\u0001""#)
  }
}
