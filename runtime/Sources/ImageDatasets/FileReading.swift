import CZlib
import FileIO
import Glibc

/// Largest file (after decompression) a loader reads: 2 GiB.
let maximumFileBytes = 1 << 31

/// The whole content of a file: gunzipped when it is gzip data (checked by zlib, not by the name), read as it is
/// otherwise. Never more than `maximumFileBytes`.
func readDatasetFile(_ path: String) throws(DatasetError) -> [UInt8] {
  guard fileExists(path) else {
    if directoryExists(path) { throw DatasetError.io(path: path, reason: "is a folder, not a file") }
    throw DatasetError.missingFile(path: path)
  }
  guard let file = gzopen(path, "rb") else { throw DatasetError.io(path: path, reason: systemMessage(errno)) }
  defer { gzclose(file) }
  gzbuffer(file, 1 << 17)
  var bytes: [UInt8] = []
  let chunk = 1 << 20
  let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
  defer { buffer.deallocate() }
  while true {
    if bytes.count >= maximumFileBytes {
      throw DatasetError.fileTooLarge(path: path, bytes: bytes.count, limit: maximumFileBytes)
    }
    let n = gzread(file, buffer.baseAddress, UInt32(chunk))
    if n < 0 { throw DatasetError.corruptCompressedData(path: path, reason: zlibMessage(file)) }
    if n == 0 { break }
    bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[0..<Int(n)]))
  }
  var code: Int32 = 0
  _ = gzerror(file, &code)
  if code != Z_OK && code != Z_STREAM_END {
    throw DatasetError.corruptCompressedData(path: path, reason: zlibMessage(file))
  }
  return bytes
}

func zlibMessage(_ file: gzFile) -> String {
  var code: Int32 = 0
  guard let text = gzerror(file, &code) else { return "zlib error \(code)" }
  let message = String(cString: text)
  return message.isEmpty ? "zlib error \(code)" : message
}

/// Entries of a folder (no "." and ".."), sorted by UTF-8 bytes like `listDirectory`, each with whether it is a folder.
func folderEntries(_ path: String) throws(DatasetError) -> [(name: String, isFolder: Bool)] {
  guard directoryExists(path) else { throw DatasetError.missingFolder(path: path) }
  let names: [String]
  do { names = try listDirectory(path) } catch { throw DatasetError.io(path: path, reason: error.description) }
  return names.map { ($0, directoryExists(path + "/" + $0)) }
}

/// Big-endian UInt32 at `offset` (the caller has checked the length).
@inline(__always)
func bigEndianUInt32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
  UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
    | UInt32(bytes[offset + 3])
}
