#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file I/O and directory helpers with Glibc only. Errors are `CLIError.fileError` with the C errno.
public enum FileSystem {
  /// The whole contents of the regular file at `path`.
  public static func readFile(_ path: String) throws(CLIError) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw .fileError(path: path, operation: "open", errno: errno) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .fileError(path: path, operation: "stat", errno: errno) }
    guard (info.st_mode & S_IFMT) != S_IFDIR else { throw .fileError(path: path, operation: "read", errno: EISDIR) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(info.st_size))
    var chunk = [UInt8](repeating: 0, count: 1 << 16)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
      if n < 0 {
        if errno == EINTR { continue }
        throw .fileError(path: path, operation: "read", errno: errno)
      }
      if n == 0 { break }
      bytes.append(contentsOf: chunk[0..<n])
    }
    return bytes
  }

  /// The file's contents as UTF-8 text (invalid sequences replaced).
  public static func readText(_ path: String) throws(CLIError) -> String {
    String(decoding: try readFile(path), as: UTF8.self)
  }

  /// Writes `bytes` to `path` atomically: temporary file `<path>.tmp-<pid>` in the same directory, fsync, rename,
  /// fsync of the directory. Readers see the old file or the new one, never a partial one; on failure the
  /// temporary file is removed.
  public static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(CLIError) {
    let temporary = "\(path).tmp-\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw .fileError(path: temporary, operation: "create", errno: errno) }
    var failure: CLIError? = nil
    if !FileDescriptor.writeAll(fd, bytes) {
      failure = .fileError(path: temporary, operation: "write", errno: errno)
    } else if fsync(fd) != 0 {
      failure = .fileError(path: temporary, operation: "fsync", errno: errno)
    }
    if close(fd) != 0 && failure == nil { failure = .fileError(path: temporary, operation: "close", errno: errno) }
    if failure == nil && rename(temporary, path) != 0 {
      failure = .fileError(path: path, operation: "rename", errno: errno)
    }
    if let failure {
      unlink(temporary)
      throw failure
    }
    let directory = parentDirectory(of: path)
    let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if dirFD >= 0 {
      _ = fsync(dirFD)  // best effort: makes the rename durable
      close(dirFD)
    }
  }

  /// Writes UTF-8 `text` atomically.
  public static func writeFileAtomically(_ path: String, text: String) throws(CLIError) {
    try writeFileAtomically(path, Array(text.utf8))
  }

  /// True if something exists at `path` (file, directory, ...; symlinks followed).
  public static func fileExists(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0
  }

  /// True if `path` is a directory.
  public static func isDirectory(_ path: String) -> Bool {
    var info = stat()
    return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
  }

  /// Creates the directory `path` (mode 0755). With `intermediate`, also creates missing parents and succeeds if
  /// the directory already exists.
  public static func makeDirectory(_ path: String, intermediate: Bool = true) throws(CLIError) {
    if intermediate {
      if isDirectory(path) { return }
      let parent = parentDirectory(of: path)
      if parent != path && parent != "." && parent != "/" && !isDirectory(parent) {
        try makeDirectory(parent, intermediate: true)
      }
    }
    if mkdir(path, 0o755) != 0 {
      let code = errno
      if intermediate && code == EEXIST && isDirectory(path) { return }
      throw .fileError(path: path, operation: "mkdir", errno: code)
    }
  }

  /// The names in directory `path` (no `.` and `..`), sorted by byte value.
  public static func listDirectory(_ path: String) throws(CLIError) -> [String] {
    guard let dir = opendir(path) else { throw .fileError(path: path, operation: "opendir", errno: errno) }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  }

  /// Removes the file (not directory) at `path`.
  public static func removeFile(_ path: String) throws(CLIError) {
    guard unlink(path) == 0 else { throw .fileError(path: path, operation: "unlink", errno: errno) }
  }

  /// `a/b/c.txt` → `a/b`, `c.txt` → `.`, `/c` → `/`; trailing slashes are ignored.
  public static func parentDirectory(of path: String) -> String {
    var p = Substring(path)
    while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
    guard let slash = p.lastIndex(of: "/") else { return "." }
    if slash == p.startIndex { return "/" }
    return String(p[..<slash])
  }

  /// `a/b` + `c` → `a/b/c`.
  public static func join(_ directory: String, _ name: String) -> String {
    directory.hasSuffix("/") ? directory + name : directory + "/" + name
  }
}
