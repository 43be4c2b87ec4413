import Glibc

/// A file-system failure, with the path and the system's reason.
public enum FileError: Error, Equatable, CustomStringConvertible {
  case notFound(path: String)
  case isDirectory(path: String)
  case tooLarge(path: String, bytes: Int, limit: Int)
  case system(path: String, operation: String, errno: Int32)

  public var description: String {
    switch self {
    case let .notFound(path): "\(path): no such file"
    case let .isDirectory(path): "\(path): is a directory"
    case let .tooLarge(path, bytes, limit): "\(path): \(bytes) bytes is more than the \(limit)-byte limit"
    case let .system(path, operation, code): "\(path): \(operation) failed: \(systemMessage(code))"
    }
  }
}

/// strerror text for an errno value.
public func systemMessage(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text)
}
