/// Why a PNG could not be read or written. Every case has a one-line `description` naming the facts.
public enum PNGError: Error, Equatable, CustomStringConvertible {
  /// The data does not start with the 8-byte PNG signature.
  case notPNG
  /// The data ends before the image is complete.
  case truncated
  /// Width × height is above the decoder's limit (checked before any pixel buffer is allocated).
  case imageTooLarge(width: Int, height: Int, maxPixels: Int)
  /// libpng rejected the data or the write; carries libpng's own message.
  case libpng(String)
  /// The file does not exist.
  case fileNotFound(path: String)
  /// Reading or writing the file failed (carries the system's reason).
  case io(path: String, reason: String)

  public var description: String {
    switch self {
    case .notPNG: return "not a PNG file"
    case .truncated: return "truncated PNG data"
    case let .imageTooLarge(width, height, maxPixels):
      return "PNG image \(width)×\(height) is larger than the limit of \(maxPixels) pixels"
    case let .libpng(message): return "invalid PNG: \(message)"
    case let .fileNotFound(path): return "no such file: \(path)"
    case let .io(path, reason): return "\(path): \(reason)"
    }
  }
}
