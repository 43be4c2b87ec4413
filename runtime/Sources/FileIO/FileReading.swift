import Glibc

/// Kind of a path on disk.
public enum PathKind: Equatable, Sendable { case missing, file, directory, other }

/// What `path` is (following links).
public func pathKind(_ path: String) -> PathKind {
  var info = stat()
  guard stat(path, &info) == 0 else { return .missing }
  switch info.st_mode & S_IFMT {
  case S_IFREG: return .file
  case S_IFDIR: return .directory
  default: return .other
  }
}

public func fileExists(_ path: String) -> Bool { pathKind(path) == .file }
public func directoryExists(_ path: String) -> Bool { pathKind(path) == .directory }

/// The whole content of a regular file, read with open/fstat/read (no Foundation).
/// - Parameter limit: refuse files larger than this many bytes.
public func readFile(_ path: String, limit: Int = 1 << 31) throws(FileError) -> [UInt8] {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else {
    let code = errno
    if code == ENOENT { throw .notFound(path: path) }
    throw .system(path: path, operation: "open", errno: code)
  }
  defer { close(fd) }
  var info = stat()
  guard fstat(fd, &info) == 0 else { throw .system(path: path, operation: "stat", errno: errno) }
  if (info.st_mode & S_IFMT) == S_IFDIR { throw .isDirectory(path: path) }
  let size = Int(info.st_size)
  guard size <= limit else { throw .tooLarge(path: path, bytes: size, limit: limit) }
  var bytes = [UInt8](repeating: 0, count: size)
  var filled = 0
  var failure: Int32 = 0
  bytes.withUnsafeMutableBytes { raw in
    while filled < raw.count {
      let n = read(fd, raw.baseAddress! + filled, raw.count - filled)
      if n < 0 {
        if errno == EINTR { continue }
        failure = errno
        return
      }
      if n == 0 { break }   // the file shrank while being read: return what is there
      filled += n
    }
  }
  if failure != 0 { throw .system(path: path, operation: "read", errno: failure) }
  if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
  return bytes
}

/// Entries of a directory (without "." and ".."), sorted by UTF-8 bytes.
public func listDirectory(_ path: String) throws(FileError) -> [String] {
  guard let directory = opendir(path) else {
    let code = errno
    if code == ENOENT { throw .notFound(path: path) }
    throw .system(path: path, operation: "opendir", errno: code)
  }
  defer { closedir(directory) }
  var names: [String] = []
  while let entry = readdir(directory) {
    let name = withUnsafePointer(to: entry.pointee.d_name) {
      $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
    }
    if name != "." && name != ".." { names.append(name) }
  }
  return names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
}
