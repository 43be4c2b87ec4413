#if _endian(big)
#error("NASFormat reads tensors in place and assumes a little-endian host")
#endif

/// A format version: readers reject an unknown major; a newer minor is read if every unknown section is skippable.
///
/// 1.1 added the compact tables `TTBV` and `GRPV` (varint records, fp16 int8 scales, implied offsets); a 1.0 reader
/// rejects a file that uses them as an unknown non-skippable section and reads every other 1.1 file.
public struct FormatVersion: Equatable, Comparable, Sendable, CustomStringConvertible {
  public var major: Int
  public var minor: Int

  public init(major: Int, minor: Int) {
    self.major = major
    self.minor = minor
  }

  /// The version this library writes and fully understands.
  public static let current = FormatVersion(major: 1, minor: 1)

  public static func < (a: FormatVersion, b: FormatVersion) -> Bool {
    (a.major, a.minor) < (b.major, b.minor)
  }

  public var description: String { "\(major).\(minor)" }
}

/// Fixed byte-level constants of the format (see runtime/FORMAT.md).
public enum FormatLayout {
  /// `N A S B \r \n 0x1A \n`: the CR-LF and ^Z detect text-mode mangling, as in PNG.
  public static let magic: [UInt8] = [0x4E, 0x41, 0x53, 0x42, 0x0D, 0x0A, 0x1A, 0x0A]
  /// Size of the file header including its zero padding; the first section starts here.
  public static let fileHeaderSize = 64
  /// Bytes of the file header covered by its CRC (the CRC itself sits at offset 28).
  public static let fileHeaderChecksummedSize = 28
  /// Size of a section header (tag, flags, payload length, CRC, reserved).
  public static let sectionHeaderSize = 24
  /// Sections and tensor data start at multiples of this.
  public static let alignment = 64
  /// Section flag bit 0: a reader that does not know the tag may skip the section.
  public static let skippableFlag: UInt32 = 1
}

/// How the writer encodes the tensor table and the op list.
public enum TableEncoding: Sendable, CaseIterable {
  /// `TTAB` + `GRPH` (format 1.0 records): fixed-width fields; a 1.0 reader can read the file.
  case plain
  /// `TTBV` + `GRPV` (format 1.1): varint fields, prefix-compressed names, fp16 int8 scales, implied tensor
  /// offsets; about a third of the table bytes of `.plain`. 1.0 readers reject such files.
  case compact
}

/// The documented limits every reader enforces (the writer enforces the same ones).
public enum FormatLimits {
  public static let maxFileLength = 1 << 32
  public static let maxSectionCount = 64
  public static let maxNameLength = 1024
  public static let maxMetadataValueLength = 1 << 20
  public static let maxMetadataEntries = 4096
  public static let maxInputDimension = 65_536
  public static let maxInputElements = 1 << 28
  public static let maxClassCount = 65_536
  public static let maxTensorCount = 65_536
  public static let maxTensorRank = 8
  /// Also the limit for the per-sample element count of every graph value.
  public static let maxElementCount = Int(Int32.max)
  public static let maxValueCount = 1 << 20
  public static let maxOpCount = 1 << 20
  public static let maxKernel = 1024
  public static let maxStride = 1024
  public static let maxDilation = 1024
  public static let maxPadding = 1024
  public static let maxGroups = 65_536
  /// Attribute words of one op (the `u16` byte length of a 1.0 `GRPH` op allows 16,383).
  public static let maxAttributeWords = 16_383
}

/// Four-character section tags, stored as the 4 ASCII bytes in file order.
public enum SectionTag {
  public static let header = "HEAD"
  public static let metadata = "META"
  public static let tensorTable = "TTAB"
  public static let graph = "GRPH"
  public static let data = "DATA"
  public static let end = "END!"
  /// 1.1: the tensor table with varint fields, prefix-compressed names, fp16 int8 scales and implied offsets.
  public static let compactTensorTable = "TTBV"
  /// 1.1: the op list with varint fields.
  public static let compactGraph = "GRPV"

  /// The tag as the little-endian u32 formed by its 4 ASCII bytes.
  static func code(_ tag: String) -> UInt32 {
    var value: UInt32 = 0
    for (i, byte) in tag.utf8.prefix(4).enumerated() { value |= UInt32(byte) << (8 * UInt32(i)) }
    return value
  }

  /// The printable form of a tag code; non-printable bytes are shown as `?`.
  static func name(_ code: UInt32) -> String {
    var s = ""
    for i in 0..<4 {
      let byte = UInt8(truncatingIfNeeded: code >> (8 * UInt32(i)))
      s.unicodeScalars.append(byte >= 0x20 && byte < 0x7F ? Unicode.Scalar(byte) : "?")
    }
    return s
  }
}
