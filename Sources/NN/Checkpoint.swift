import FileIO
import NASFormat
import TensorEngine

/// A training or search checkpoint: named Float32 tensors plus a JSON metadata string (epoch, settings,
/// optimiser step counts…). Binary, little-endian, checked end to end:
///
///     magic "NASCKPT\0" · u32 version (1) · u32 tensor count · u64 metadata bytes · metadata (UTF-8)
///     per tensor: u32 name bytes · name (UTF-8) · u32 rank · rank × u64 dims · count × f32
///     u32 CRC-32 (IEEE) of everything before it · end marker "ENDCKPT\0"
///
/// Readers check every length against the bytes that remain before trusting it, then the CRC.
public struct Checkpoint {
  public static let magic: [UInt8] = Array("NASCKPT\0".utf8)
  public static let endMarker: [UInt8] = Array("ENDCKPT\0".utf8)
  public static let version: UInt32 = 1

  public var metadata: String
  public private(set) var entries: [(name: String, tensor: Tensor)] = []
  private var index: [String: Int] = [:]

  public init(metadata: String = "{}") { self.metadata = metadata }

  /// Adds (or replaces) a tensor under `name`; the values are copied.
  public mutating func set(_ name: String, _ tensor: Tensor) {
    let copy = Tensor(shape: tensor.shape, storage: TensorStorage(copying: tensor.pointer, count: tensor.count))
    if let k = index[name] { entries[k].tensor = copy } else {
      index[name] = entries.count
      entries.append((name, copy))
    }
  }

  public subscript(name: String) -> Tensor? { index[name].map { entries[$0].tensor } }

  /// Stores every parameter under its name.
  public mutating func set(_ parameters: [Parameter], prefix: String = "") {
    for p in parameters { set(prefix + p.name, p.value) }
  }

  /// Copies saved values into `parameters` (matched by name, shapes checked).
  public func restore(_ parameters: [Parameter], prefix: String = "") throws(CheckpointError) {
    for p in parameters {
      guard let saved = self[prefix + p.name] else { throw .missingTensor(prefix + p.name) }
      guard saved.shape == p.shape else { throw .shapeMismatch(name: p.name, expected: p.shape, found: saved.shape) }
      p.assign(saved)
    }
  }

  // MARK: Encoding

  public func encoded() -> [UInt8] {
    var bytes = Checkpoint.magic
    func put<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    put(Checkpoint.version)
    put(UInt32(entries.count))
    let meta = Array(metadata.utf8)
    put(UInt64(meta.count))
    bytes += meta
    for (name, tensor) in entries {
      let nameBytes = Array(name.utf8)
      put(UInt32(nameBytes.count))
      bytes += nameBytes
      put(UInt32(tensor.rank))
      for d in tensor.shape { put(UInt64(d)) }
      for i in 0..<tensor.count { put(tensor.pointer[i].bitPattern) }
    }
    put(CRC32.checksum(bytes))
    bytes += Checkpoint.endMarker
    return bytes
  }

  public init(decoding bytes: [UInt8]) throws(CheckpointError) {
    var reader = CheckpointReader(bytes: bytes)
    guard bytes.count >= Checkpoint.magic.count, Array(bytes[0..<8]) == Checkpoint.magic else { throw .notACheckpoint }
    reader.offset = 8
    let version: UInt32 = try reader.read()
    guard version == Checkpoint.version else { throw .unsupportedVersion(version) }
    let tensorCount: UInt32 = try reader.read()
    let metadataCount: UInt64 = try reader.read()
    let meta = try reader.take(metadataCount)
    self.init(metadata: String(decoding: meta, as: UTF8.self))
    for _ in 0..<tensorCount {
      let nameCount: UInt32 = try reader.read()
      let name = String(decoding: try reader.take(UInt64(nameCount)), as: UTF8.self)
      let rank: UInt32 = try reader.read()
      guard rank <= 8 else { throw .corrupt("tensor '\(name)' has rank \(rank)") }
      var shape: [Int] = []
      var count: UInt64 = 1
      for _ in 0..<rank {
        let d: UInt64 = try reader.read()
        let (product, overflow) = count.multipliedReportingOverflow(by: d)
        guard !overflow, product <= UInt64(bytes.count) else { throw .corrupt("tensor '\(name)' is larger than the file") }
        count = product
        shape.append(Int(d))
      }
      let data = try reader.take(count * 4)
      let storage = TensorStorage(uninitialized: Int(count))
      data.withUnsafeBytes { raw in
        for i in 0..<Int(count) {
          storage.pointer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
        }
      }
      set(name, Tensor(shape: shape, storage: storage))
    }
    let payloadEnd = reader.offset
    let stored: UInt32 = try reader.read()
    guard stored == CRC32.checksum(bytes[0..<payloadEnd]) else { throw .checksumMismatch }
    guard Array(try reader.take(UInt64(Checkpoint.endMarker.count))) == Checkpoint.endMarker,
          reader.offset == bytes.count else { throw .corrupt("missing end marker") }
  }

  /// Writes atomically: a temporary file in the same directory, flushed, then renamed over `path`.
  public func write(to path: String) throws(CheckpointError) {
    do { try writeFileAtomically(path, bytes: encoded()) } catch { throw .io(path: path, reason: error.description) }
  }

  public static func read(path: String) throws(CheckpointError) -> Checkpoint {
    let bytes: [UInt8]
    do { bytes = try readFile(path) } catch { throw .io(path: path, reason: error.description) }
    do { return try Checkpoint(decoding: bytes) } catch { throw .inFile(path: path, error) }
  }
}

/// Why a checkpoint cannot be read or used.
public indirect enum CheckpointError: Error, Equatable, CustomStringConvertible {
  case notACheckpoint
  case unsupportedVersion(UInt32)
  case truncated(needed: UInt64, remaining: Int)
  case checksumMismatch
  case corrupt(String)
  case missingTensor(String)
  case shapeMismatch(name: String, expected: [Int], found: [Int])
  case io(path: String, reason: String)
  case inFile(path: String, CheckpointError)

  public var description: String {
    switch self {
    case .notACheckpoint: "not a checkpoint file (bad magic)"
    case let .unsupportedVersion(v): "unsupported checkpoint version \(v) (this build reads version \(Checkpoint.version))"
    case let .truncated(needed, remaining): "checkpoint is truncated (needs \(needed) more bytes, \(remaining) left)"
    case .checksumMismatch: "checkpoint checksum mismatch (the file is damaged)"
    case let .corrupt(why): "checkpoint is corrupt: \(why)"
    case let .missingTensor(name): "checkpoint has no tensor '\(name)' (was it written for another network?)"
    case let .shapeMismatch(name, expected, found):
      "checkpoint tensor '\(name)' has shape \(found), the network expects \(expected)"
    case let .io(_, reason): reason
    case let .inFile(path, error): "\(path): \(error.description)"
    }
  }
}

/// Bounds-checked little-endian reads over a byte array.
struct CheckpointReader {
  let bytes: [UInt8]
  var offset = 0

  mutating func take(_ count: UInt64) throws(CheckpointError) -> ArraySlice<UInt8> {
    let remaining = bytes.count - offset
    guard count <= UInt64(remaining) else { throw .truncated(needed: count, remaining: remaining) }
    defer { offset += Int(count) }
    return bytes[offset..<(offset + Int(count))]
  }

  mutating func read<T: FixedWidthInteger>() throws(CheckpointError) -> T {
    let slice = try take(UInt64(MemoryLayout<T>.size))
    var value: T = 0
    for (k, byte) in slice.enumerated() { value |= T(byte) << (8 * k) }
    return value
  }
}
