import NASKernels

/// One 64-byte-aligned Float32 allocation, owned by reference so that tensors can share it.
///
/// Tensors treat storage as immutable once an op has produced it; the only in-place writers are
/// optimisers (on parameters, after backward) and the op that fills a fresh result.
public final class TensorStorage {
  public let pointer: UnsafeMutablePointer<Float>
  public let count: Int

  /// Allocates `count` floats, zero-filled.
  public init(zeros count: Int) {
    precondition(count >= 0, "negative element count \(count)")
    self.count = count
    let raw = AlignedBufferCache.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
    pointer.initialize(repeating: 0, count: max(count, 1))
  }

  /// Allocates `count` floats without clearing them: the caller overwrites every element.
  public init(uninitialized count: Int) {
    precondition(count >= 0, "negative element count \(count)")
    self.count = count
    let raw = AlignedBufferCache.shared.allocate(bytes: max(count, 1) * MemoryLayout<Float>.stride)
    pointer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
  }

  public convenience init(copying source: UnsafePointer<Float>, count: Int) {
    self.init(uninitialized: count)
    pointer.update(from: source, count: count)
  }

  deinit { AlignedBufferCache.shared.release(UnsafeMutableRawPointer(pointer), bytes: max(count, 1) * MemoryLayout<Float>.stride) }
}
