import Glibc

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename over `path`,
/// then (best effort) fsync of the directory. On failure the temporary file is removed and `path` is untouched,
/// so a killed process never leaves a half-written file under the real name.
public func writeFileAtomically(_ path: String, bytes: [UInt8]) throws(FileError) {
  let temporary = "\(path).tmp-\(getpid())"
  let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  guard fd >= 0 else { throw .system(path: temporary, operation: "create", errno: errno) }
  var failure: FileError? = nil
  bytes.withUnsafeBytes { buffer in
    var done = 0
    while done < buffer.count {
      let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        failure = .system(path: temporary, operation: "write", errno: errno)
        return
      }
      done += n
    }
  }
  if failure == nil && fsync(fd) != 0 { failure = .system(path: temporary, operation: "fsync", errno: errno) }
  if close(fd) != 0 && failure == nil { failure = .system(path: temporary, operation: "close", errno: errno) }
  if failure == nil && rename(temporary, path) != 0 { failure = .system(path: path, operation: "rename", errno: errno) }
  if let failure {
    unlink(temporary)
    throw failure
  }
  syncDirectory(containing: path)
}

/// UTF-8 text written atomically.
public func writeFileAtomically(_ path: String, text: String) throws(FileError) {
  try writeFileAtomically(path, bytes: Array(text.utf8))
}

/// Creates `path` and any missing parents (like `mkdir -p`); succeeds when it already is a directory.
public func makeDirectories(_ path: String) throws(FileError) {
  var prefix = path.hasPrefix("/") ? "/" : ""
  for component in path.split(separator: "/") {
    prefix += component
    if !directoryExists(prefix) && mkdir(prefix, 0o755) != 0 && errno != EEXIST {
      throw .system(path: prefix, operation: "mkdir", errno: errno)
    }
    prefix += "/"
  }
}

/// Removes a file if it exists.
public func removeFile(_ path: String) { unlink(path) }

/// Best effort: makes a rename durable. Some file systems refuse fsync on directories; that is ignored.
func syncDirectory(containing path: String) {
  let fd = open(parentDirectory(of: path), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
  if fd >= 0 {
    _ = fsync(fd)
    close(fd)
  }
}
