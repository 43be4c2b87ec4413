#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads into aligned memory and atomic writes, with Glibc only.
///
/// CLIKit has general-purpose versions of these; NASFormat keeps its own small copy so the format target
/// depends on nothing.
enum ModelFile {
  /// Reads the regular file at `path` into a fresh 64-byte aligned buffer.
  static func readAligned(path: String) throws(FormatError) -> ModelBytes {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .fileError(path: path, operation: "open", errno: errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .fileError(path: path, operation: "stat", errno: errno) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw .fileError(path: path, operation: "read", errno: EISDIR) }
    let size = Int(info.st_size)
    guard size <= FormatLimits.maxFileLength else {
      throw .limitExceeded(field: "file length", value: size, limit: FormatLimits.maxFileLength)
    }
    return try ModelBytes(count: size) { (destination: UnsafeMutableRawPointer) throws(FormatError) in
      var done = 0
      while done < size {
        let n = read(fd, destination + done, size - done)
        if n < 0 {
          if errno == EINTR { continue }
          throw .fileError(path: path, operation: "read", errno: errno)
        }
        if n == 0 { throw .truncated(expected: size, actual: done) }  // the file shrank while we read it
        done += n
      }
    }
  }

  /// Maps the regular file at `path` read-only (`MAP_PRIVATE`); nothing is copied until pages are touched.
  ///
  /// The caller must not let the file shrink while it is mapped (touching a page past the new end raises SIGBUS);
  /// files replaced by `writeAtomically` are safe because the old inode stays intact.
  static func map(path: String) throws(FormatError) -> ModelBytes {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .fileError(path: path, operation: "open", errno: errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .fileError(path: path, operation: "stat", errno: errno) }
    guard (info.st_mode & S_IFMT) == S_IFREG else { throw .fileError(path: path, operation: "map", errno: EISDIR) }
    let size = Int(info.st_size)
    guard size <= FormatLimits.maxFileLength else {
      throw .limitExceeded(field: "file length", value: size, limit: FormatLimits.maxFileLength)
    }
    guard size > 0 else { return ModelBytes(copying: UnsafeRawBufferPointer(start: nil, count: 0)) }
    guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
      throw .fileError(path: path, operation: "mmap", errno: errno)
    }
    return ModelBytes(mapping: UnsafeRawPointer(p), count: size)
  }

  /// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename, fsync the directory.
  /// On failure the temporary file is removed and `path` is untouched.
  static func writeAtomically(path: String, bytes: [UInt8]) throws(FormatError) {
    let temporary = "\(path).tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .fileError(path: temporary, operation: "create", errno: errno) }
    var failure: FormatError? = nil
    bytes.withUnsafeBytes { buffer in
      var done = 0
      while done < buffer.count {
        let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          failure = .fileError(path: temporary, operation: "write", errno: errno)
          return
        }
        done += n
      }
    }
    if failure == nil && fsync(fd) != 0 { failure = .fileError(path: temporary, operation: "fsync", errno: errno) }
    if close(fd) != 0 && failure == nil { failure = .fileError(path: temporary, operation: "close", errno: errno) }
    if failure == nil && rename(temporary, path) != 0 {
      failure = .fileError(path: path, operation: "rename", errno: errno)
    }
    if let failure {
      unlink(temporary)
      throw failure
    }
    syncDirectory(of: path)
  }

  /// Best effort: makes the rename durable. Errors are ignored (some file systems refuse fsync on directories).
  private static func syncDirectory(of path: String) {
    var directory = "."
    if let slash = path.lastIndex(of: "/") {
      directory = slash == path.startIndex ? "/" : String(path[..<slash])
    }
    let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if fd >= 0 {
      _ = fsync(fd)
      close(fd)
    }
  }
}
