import FileIO

/// The whole content of a PNG file, with FileIO's failures as PNG errors.
func readWholeFile(_ path: String) throws(PNGError) -> [UInt8] {
  do { return try readFile(path) } catch { throw PNGError(error) }
}

/// Writes `bytes` to `path` atomically (FileIO), with failures as PNG errors.
func writePNGFileAtomically(_ path: String, bytes: [UInt8]) throws(PNGError) {
  do { try writeFileAtomically(path, bytes: bytes) } catch { throw PNGError(error) }
}

extension PNGError {
  init(_ error: FileError) {
    switch error {
    case let .notFound(path): self = .fileNotFound(path: path)
    case let .isDirectory(path): self = .io(path: path, reason: "is a directory")
    case let .tooLarge(path, bytes, limit): self = .io(path: path, reason: "\(bytes) bytes exceeds the \(limit)-byte limit")
    case let .system(path, operation, code): self = .io(path: path, reason: "\(operation): \(systemMessage(code))")
    }
  }
}
