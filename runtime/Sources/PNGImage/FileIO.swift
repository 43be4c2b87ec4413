import Glibc

/// The whole content of a file, read with open/fstat/read.
func readWholeFile(_ path: String) throws(PNGError) -> [UInt8] {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  if fd < 0 {
    let code = errno
    if code == ENOENT { throw PNGError.fileNotFound(path: path) }
    throw PNGError.io(path: path, reason: systemMessage(code))
  }
  defer { close(fd) }
  var info = stat()
  guard fstat(fd, &info) == 0 else { throw PNGError.io(path: path, reason: systemMessage(errno)) }
  if (info.st_mode & S_IFMT) == S_IFDIR { throw PNGError.io(path: path, reason: "is a directory") }
  var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
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
      if n == 0 { break }
      filled += n
    }
  }
  if failure != 0 { throw PNGError.io(path: path, reason: systemMessage(failure)) }
  if filled < bytes.count { bytes.removeLast(bytes.count - filled) }
  return bytes
}

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, fsync, then rename over `path`.
func writeFileAtomically(_ path: String, bytes: [UInt8]) throws(PNGError) {
  let temporary = "\(path).tmp-\(getpid())"
  let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  if fd < 0 { throw PNGError.io(path: path, reason: systemMessage(errno)) }
  var failure: Int32 = 0
  bytes.withUnsafeBytes { raw in
    var done = 0
    while done < raw.count {
      let n = write(fd, raw.baseAddress! + done, raw.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        failure = errno
        return
      }
      done += n
    }
  }
  if failure == 0 && fsync(fd) != 0 { failure = errno }
  if close(fd) != 0 && failure == 0 { failure = errno }
  if failure == 0 && rename(temporary, path) != 0 { failure = errno }
  if failure != 0 {
    unlink(temporary)
    throw PNGError.io(path: path, reason: systemMessage(failure))
  }
}

func systemMessage(_ code: Int32) -> String {
  guard let text = strerror(code) else { return "error \(code)" }
  return String(cString: text)
}
