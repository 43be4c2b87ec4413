import Testing
@testable import NASKernels

@Suite struct AlignedBufferCacheTests {
  @Test func largeBlocksAreReusedAndAligned() {
    let cache = AlignedBufferCache(capacityBytes: 1 << 20)
    let bytes = 128 << 10
    let a = cache.allocate(bytes: bytes)
    #expect(Int(bitPattern: a) % 64 == 0)
    cache.release(a, bytes: bytes)
    #expect(cache.heldBytes == bytes)
    let b = cache.allocate(bytes: bytes)
    #expect(a == b)                       // the same warm block comes back
    #expect(cache.heldBytes == 0)
    let c = cache.allocate(bytes: bytes + 64)
    #expect(c != b)                       // sizes are matched exactly
    cache.release(b, bytes: bytes)
    cache.release(c, bytes: bytes + 64)
    cache.trim()
    #expect(cache.heldBytes == 0)
  }

  @Test func capacityAndSmallBlocksAreNotHeld() {
    let cache = AlignedBufferCache(capacityBytes: 256 << 10)
    let blocks = (0..<3).map { _ in cache.allocate(bytes: 128 << 10) }
    for block in blocks { cache.release(block, bytes: 128 << 10) }
    #expect(cache.heldBytes == 256 << 10)  // the third did not fit and was freed
    let small = cache.allocate(bytes: 1024)
    cache.release(small, bytes: 1024)
    #expect(cache.heldBytes == 256 << 10)
    cache.trim()
  }
}
