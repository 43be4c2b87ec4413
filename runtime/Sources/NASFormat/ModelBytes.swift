#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An immutable, 64-byte aligned image of a model file; tensors of a `CompactModel` point into it.
///
/// Either a heap copy (`init(copying:)`, `CompactModelReader.read`) or a read-only private file mapping
/// (`CompactModelReader.map`, page-aligned, so also 64-byte aligned).
public final class ModelBytes: @unchecked Sendable {
  /// Start of the file image; never written after `init` returns.
  public let pointer: UnsafeRawPointer
  public let count: Int
  /// True if `pointer` is an `mmap` of `count` bytes (unmapped in `deinit`), false if it is a heap allocation.
  public let isMapped: Bool

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
    self.isMapped = false
  }

  /// Takes ownership of a mapping made with `mmap(nil, count, PROT_READ, MAP_PRIVATE, ...)`.
  init(mapping: UnsafeRawPointer, count: Int) {
    self.pointer = mapping
    self.count = count
    self.isMapped = true
  }

  deinit {
    if isMapped {
      munmap(UnsafeMutableRawPointer(mutating: pointer), count)
    } else {
      UnsafeMutableRawPointer(mutating: pointer).deallocate()
    }
  }

  /// The whole file image.
  public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: pointer, count: count) }
}
