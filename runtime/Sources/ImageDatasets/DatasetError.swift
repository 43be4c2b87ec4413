import PNGImage

/// Why a dataset could not be loaded. Every case has a one-line `description` naming the file and the facts.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
  /// A file the dataset needs does not exist.
  case missingFile(path: String)
  /// A folder the dataset needs does not exist (or is not a folder).
  case missingFolder(path: String)
  /// Reading failed for a system reason.
  case io(path: String, reason: String)
  /// A gzip file could not be decompressed (zlib's message).
  case corruptCompressedData(path: String, reason: String)
  /// The file is larger than the loader accepts.
  case fileTooLarge(path: String, bytes: Int, limit: Int)
  /// The file starts with the wrong magic number.
  case badMagic(path: String, expected: UInt32, actual: UInt32)
  /// The file is shorter than its header (or record size) says.
  case truncated(path: String, expectedBytes: Int, actualBytes: Int)
  /// The file is longer than its header says.
  case trailingBytes(path: String, expectedBytes: Int, actualBytes: Int)
  /// A header field is impossible (zero or overflowing sizes, wrong rank).
  case badHeader(path: String, reason: String)
  /// Images and labels disagree on the number of examples.
  case countMismatch(images: Int, labels: Int)
  /// A label is not a valid class index.
  case labelOutOfRange(path: String, index: Int, label: Int, classCount: Int)
  /// A folder dataset has no classes, or a class folder has no PNG files.
  case emptyFolder(path: String)
  /// An image of a folder dataset could not be decoded.
  case badImage(path: String, reason: String)
  /// Train and test splits have different class lists.
  case classMismatch(train: [String], test: [String])
  /// A dataset specification (CLI form) could not be understood.
  case invalidSource(spec: String, reason: String)

  public var description: String {
    switch self {
    case let .missingFile(path): return "dataset file not found: \(path)"
    case let .missingFolder(path): return "dataset folder not found: \(path)"
    case let .io(path, reason): return "\(path): \(reason)"
    case let .corruptCompressedData(path, reason): return "\(path): corrupt gzip data (\(reason))"
    case let .fileTooLarge(path, bytes, limit): return "\(path): \(bytes) bytes is over the \(limit)-byte limit"
    case let .badMagic(path, expected, actual):
      return "\(path): wrong magic number 0x\(hex(actual)) (expected 0x\(hex(expected)))"
    case let .truncated(path, expected, actual):
      return "\(path): truncated, expected \(expected) bytes, found \(actual)"
    case let .trailingBytes(path, expected, actual):
      return "\(path): \(actual) bytes, but the header describes \(expected)"
    case let .badHeader(path, reason): return "\(path): bad header (\(reason))"
    case let .countMismatch(images, labels): return "\(images) images but \(labels) labels"
    case let .labelOutOfRange(path, index, label, classCount):
      return "\(path): label \(label) of example \(index) is outside 0..<\(classCount)"
    case let .emptyFolder(path): return "no PNG images found in \(path)"
    case let .badImage(path, reason): return "\(path): \(reason)"
    case let .classMismatch(train, test):
      return "train classes \(train) differ from test classes \(test)"
    case let .invalidSource(spec, reason): return "invalid dataset '\(spec)': \(reason)"
    }
  }
}

func hex(_ v: UInt32) -> String {
  let digits = String(v, radix: 16)
  return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}
