#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Every way a compact model (`.nasb`) can be rejected by the reader or the writer.
///
/// Each case carries the facts needed for its one-line `description`; the reader throws the first problem it
/// finds. `section` values are the four-character section tags (`"HEAD"`, `"TTAB"`, ...) or `"file header"`.
public enum FormatError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The first 8 bytes are not `NASB\r\n\u{1A}\n`.
  case badMagic
  /// The major version is not one this reader knows.
  case unsupportedVersion(major: Int, minor: Int)
  /// The buffer holds fewer bytes than the file header says (or than a minimal file needs).
  case truncated(expected: Int, actual: Int)
  /// The buffer holds more bytes than the file header says.
  case trailingBytes(expected: Int, actual: Int)
  /// A CRC-32 does not match the bytes it covers.
  case checksumMismatch(section: String)
  /// A record inside a section runs past the section's end.
  case recordOverrun(section: String, expected: Int, actual: Int)
  /// A section has bytes left over after its last record (only an error when the file's minor version is known).
  case unexpectedBytes(section: String, count: Int)
  /// A varint field of a compact (1.1) table is longer than 5 bytes, above 2^32 − 1, or not minimal.
  case badVarint(section: String, reason: String)
  /// A reserved field or padding byte is not zero.
  case nonZeroReserved(field: String)
  /// A non-skippable section with a tag this reader does not know.
  case unknownSection(tag: String)
  /// A known section occurs twice.
  case duplicateSection(tag: String)
  /// A required section is absent.
  case missingSection(tag: String)
  /// The section table itself is inconsistent (END not last, count mismatch, ...).
  case badSectionTable(String)
  /// A count, size or attribute exceeds the documented limit.
  case limitExceeded(field: String, value: Int, limit: Int)
  /// A string is not valid UTF-8.
  case invalidString(field: String)
  /// A name or metadata key occurs twice.
  case duplicateName(field: String, name: String)
  /// A header field is out of range (e.g. a zero or non-finite std).
  case badHeader(String)
  /// A tensor's data range lies outside the DATA section or overlaps another tensor.
  case badOffset(tensor: String, offset: Int, length: Int)
  /// A tensor's data is not 64-byte aligned in the file.
  case misaligned(tensor: String, offset: Int)
  /// A tensor's shape is invalid or does not match its byte length or its use.
  case badShape(tensor: String, shape: [Int], reason: String)
  /// An unknown data type code.
  case unknownDataType(tensor: String, code: Int)
  /// A tensor holds a NaN or infinity (or a value that does not fit the target type when writing).
  case nonFiniteValue(tensor: String, index: Int)
  /// An op code this reader does not know.
  case unknownOpKind(op: Int, code: Int)
  /// An op has the wrong number of inputs, outputs or tensors.
  case badArity(op: Int, kind: String, reason: String)
  /// An op attribute is out of range.
  case badAttribute(op: Int, kind: String, reason: String)
  /// An op reads a value that is out of range or not yet defined.
  case undefinedValue(op: Int, value: Int)
  /// An op defines a value that is already defined (or the graph input).
  case valueRedefined(op: Int, value: Int)
  /// An op references a tensor index outside the tensor table.
  case badTensorReference(op: Int, tensor: Int)
  /// An op's input shapes are incompatible with the op.
  case shapeMismatch(op: Int, kind: String, reason: String)
  /// The graph output is undefined or does not have shape (classCount).
  case badOutput(String)
  /// Reading or writing a file failed.
  case fileError(path: String, operation: String, errno: Int32)

  public var description: String {
    switch self {
    case .badMagic:
      return "not a compact model file (bad magic)"
    case let .unsupportedVersion(major, minor):
      return "unsupported format version \(major).\(minor) (this reader knows \(FormatVersion.current))"
    case let .truncated(expected, actual):
      return "file truncated: expected \(expected) bytes, got \(actual)"
    case let .trailingBytes(expected, actual):
      return "file has trailing bytes: expected \(expected) bytes, got \(actual)"
    case let .checksumMismatch(section):
      return "CRC-32 mismatch in \(section)"
    case let .recordOverrun(section, expected, actual):
      return "record in \(section) needs \(expected) bytes, only \(actual) left"
    case let .unexpectedBytes(section, count):
      return "\(count) unexpected bytes at the end of \(section)"
    case let .badVarint(section, reason):
      return "bad varint in \(section): \(reason)"
    case let .nonZeroReserved(field):
      return "reserved field is not zero: \(field)"
    case let .unknownSection(tag):
      return "unknown non-skippable section '\(tag)'"
    case let .duplicateSection(tag):
      return "duplicate section '\(tag)'"
    case let .missingSection(tag):
      return "missing section '\(tag)'"
    case let .badSectionTable(reason):
      return "bad section table: \(reason)"
    case let .limitExceeded(field, value, limit):
      return "\(field) is \(value), limit is \(limit)"
    case let .invalidString(field):
      return "\(field) is not valid UTF-8"
    case let .duplicateName(field, name):
      return "duplicate \(field) '\(name)'"
    case let .badHeader(reason):
      return "bad header: \(reason)"
    case let .badOffset(tensor, offset, length):
      return "tensor '\(tensor)': data at offset \(offset), length \(length) is outside the DATA section or overlaps"
    case let .misaligned(tensor, offset):
      return "tensor '\(tensor)': offset \(offset) is not a multiple of 64"
    case let .badShape(tensor, shape, reason):
      return "tensor '\(tensor)' with shape \(shape): \(reason)"
    case let .unknownDataType(tensor, code):
      return "tensor '\(tensor)': unknown data type code \(code)"
    case let .nonFiniteValue(tensor, index):
      return "tensor '\(tensor)': element \(index) is not finite or out of range"
    case let .unknownOpKind(op, code):
      return "op \(op): unknown op code \(code)"
    case let .badArity(op, kind, reason):
      return "op \(op) (\(kind)): \(reason)"
    case let .badAttribute(op, kind, reason):
      return "op \(op) (\(kind)): bad attribute: \(reason)"
    case let .undefinedValue(op, value):
      return "op \(op): input value \(value) is not defined before it"
    case let .valueRedefined(op, value):
      return "op \(op): value \(value) is already defined"
    case let .badTensorReference(op, tensor):
      return "op \(op): tensor index \(tensor) is out of range"
    case let .shapeMismatch(op, kind, reason):
      return "op \(op) (\(kind)): \(reason)"
    case let .badOutput(reason):
      return "bad graph output: \(reason)"
    case let .fileError(path, operation, code):
      return "\(path): \(operation) failed: \(String(cString: strerror(code)))"
    }
  }
}
