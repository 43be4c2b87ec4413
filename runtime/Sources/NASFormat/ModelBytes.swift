/// An immutable, 64-byte aligned copy of a model file; tensors of a `CompactModel` point into it.
public final class ModelBytes: @unchecked Sendable {
  /// Start of the file image; never written after `init` returns.
  public let pointer: UnsafeRawPointer
  public let count: Int

  /// Copies `bytes` into a fresh 64-byte aligned allocation.
  public convenience init(copying bytes: UnsafeRawBufferPointer) {
    self.init(count: bytes.count) { destination in
      if let source = bytes.baseAddress, bytes.count > 0 { destination.copyMemory(from: source, byteCount: bytes.count) }
    }
  }

  /// Allocates `count` aligned bytes and lets `fill` initialise them (e.g. by reading a file) before freezing them.
  init<E: Error>(count: Int, fill: (UnsafeMutableRawPointer) throws(E) -> Void) throws(E) {
    let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: FormatLayout.alignment)
    do {
      try fill(raw)
    } catch {
      raw.deallocate()
      throw error
    }
    self.pointer = UnsafeRawPointer(raw)
    self.count = count
  }

  deinit { UnsafeMutableRawPointer(mutating: pointer).deallocate() }

  /// The whole file image.
  public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }
}
