import FileIO
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads into aligned memory and atomic writes, with Glibc only.
///
/// Writes go through FileIO; reads are kept here because the format wants a 64-byte aligned buffer or a mapping.
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

  /// Writes `bytes` to `path` atomically through FileIO (temporary file, fsync, rename, directory fsync).
  static func writeAtomically(path: String, bytes: [UInt8]) throws(FormatError) {
    do { try writeFileAtomically(path, bytes: bytes) } catch {
      switch error {
      case let .system(path, operation, code): throw .fileError(path: path, operation: operation, errno: code)
      case let .notFound(path): throw .fileError(path: path, operation: "create", errno: ENOENT)
      case let .isDirectory(path): throw .fileError(path: path, operation: "write", errno: EISDIR)
      case let .tooLarge(path, _, _): throw .fileError(path: path, operation: "write", errno: EFBIG)
      }
    }
  }
}
