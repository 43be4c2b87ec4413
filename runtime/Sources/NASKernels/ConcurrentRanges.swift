#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Splits 0..<n into `min(threads, n)` contiguous ranges and runs `body` once on each, concurrently when there
/// is more than one. Callers write disjoint memory per index, so results do not depend on `threads`.
/// The runtime has no global thread setting: kernels take `threads` as an argument.
///
/// The ranges run on the calling thread plus the helper threads of `WorkerPool.shared` (created once, on
/// first use, at most one fewer than the online CPUs). A call made while another call is running (from a
/// `body`, or from a second thread) runs its ranges inline, one after the other, so nesting cannot deadlock.
///
/// Replaces `DispatchQueue.concurrentPerform`: libdispatch added ~0.4 MB to the static `nas-infer`.
func concurrentRanges(_ n: Int, threads: Int, _ body: (Range<Int>) -> Void) {
  let workers = max(1, min(threads, n, WorkerPool.maxRanges))
  if workers == 1 {
    if n > 0 { body(0..<n) }
    return
  }
  withoutActuallyEscaping(body) { body in
    if !WorkerPool.shared.run(count: n, ranges: workers, body) {
      for index in 0..<workers { body(WorkerPool.range(index, of: workers, count: n)) }
    }
  }
}

/// Persistent helper threads for `concurrentRanges`: one region (a split of 0..<count) at a time.
///
/// A region is published in one atomic word, `ticket` = generation << 32 | ranges << 16 | next index.
/// The caller and the helpers claim indices with a compare-exchange that also checks the generation, so a
/// helper can only claim a range of the region that is running; the caller returns once `pending` (ranges
/// not yet finished) reaches zero, so `job` stays valid while any claimed range runs. Idle helpers poll
/// `ticket` (spinning, then yielding), then sleep on a condition variable; the caller signals it only when one sleeps.
final class WorkerPool: @unchecked Sendable {
  /// Ranges per region fit in the 16-bit fields of `ticket`.
  static let maxRanges = 1 << 15
  /// An idle helper polls `ticket` `pureSpins` times, then `spinLimit - pureSpins` more times with a
  /// `sched_yield` each (a few hundred µs on an idle core, more than the gap between kernel calls), then sleeps.
  /// Yielding lets the caller and other processes have the core on a loaded machine: measured on 2 shared cores
  /// (load 7), pure spinning made the C36 L20 network slower with 2 threads than with Dispatch, which blocks.
  static let pureSpins = 256
  static let spinLimit = 768

  static let shared = WorkerPool()

  /// generation << 32 | ranges << 16 | next unclaimed index.
  private let ticket = Atomic<Int>(0)
  /// Ranges of the current region not finished yet.
  private let pending = Atomic<Int>(0)
  /// Set while a region runs; a second caller finding it set runs inline.
  private let busy = Atomic<Bool>(false)
  /// Helpers waiting on `wake` (read by the caller to skip the broadcast when all are spinning).
  private let sleepers = Atomic<Int>(0)

  // Written by the region's caller before it publishes `ticket`, read by helpers after a successful claim.
  private var job: ((Range<Int>) -> Void)?
  private var count = 0
  // Owned by the caller holding `busy`.
  private var generation = 0
  private var helpers = 0
  private let maxHelpers: Int

  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  private init() {
    pthread_mutex_init(mutex, nil)
    pthread_cond_init(wake, nil)
    maxHelpers = max(0, sysconf(Int32(_SC_NPROCESSORS_ONLN)) - 1)
  }

  /// The `index`-th of `ranges` contiguous ranges covering 0..<count.
  @inline(__always)
  static func range(_ index: Int, of ranges: Int, count: Int) -> Range<Int> {
    (count * index / ranges)..<(count * (index + 1) / ranges)
  }

  /// Runs `body` on every range of the split; returns false (nothing run) when a region is already running.
  func run(count: Int, ranges: Int, _ body: @escaping (Range<Int>) -> Void) -> Bool {
    guard busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
      return false
    }
    if helpers < min(ranges - 1, maxHelpers) { spawnHelpers(upTo: min(ranges - 1, maxHelpers)) }
    job = body
    self.count = count
    generation = (generation + 1) & 0x7FFF_FFFF
    pending.store(ranges, ordering: .relaxed)
    ticket.store(generation << 32 | ranges << 16, ordering: .sequentiallyConsistent)
    if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
      pthread_mutex_lock(mutex)
      pthread_cond_broadcast(wake)
      pthread_mutex_unlock(mutex)
    }
    claimRanges(generation: generation)
    var spins = 0
    while pending.load(ordering: .acquiring) > 0 {
      spins += 1
      if spins > 64 { sched_yield() }
    }
    job = nil
    busy.store(false, ordering: .releasing)
    return true
  }

  /// Claims and runs ranges of region `generation` until none is left or another region has started.
  private func claimRanges(generation: Int) {
    var current = ticket.load(ordering: .acquiring)
    while current >> 32 == generation {
      let ranges = (current >> 16) & 0xFFFF, index = current & 0xFFFF
      if index >= ranges { return }
      let (claimed, seen) = ticket.compareExchange(expected: current, desired: current + 1,
                                                   ordering: .acquiringAndReleasing)
      if claimed {
        runRange(index, of: ranges)
        pending.wrappingSubtract(1, ordering: .releasing)
        current = ticket.load(ordering: .acquiring)
      } else {
        current = seen
      }
    }
  }

  /// Out of line so that this thread's copy of `job` is released before `pending` is decremented.
  @inline(never)
  private func runRange(_ index: Int, of ranges: Int) {
    job!(WorkerPool.range(index, of: ranges, count: count))
  }

  /// A helper thread's loop: wait for a new generation, claim its ranges, repeat. Never returns.
  fileprivate func helperLoop() -> Never {
    var seenGeneration = -1
    while true {
      let generation = ticket.load(ordering: .acquiring) >> 32
      if generation != seenGeneration {
        claimRanges(generation: generation)
        seenGeneration = generation
        continue
      }
      var spins = 0
      while ticket.load(ordering: .relaxed) >> 32 == seenGeneration && spins < WorkerPool.spinLimit {
        spins += 1
        if spins > WorkerPool.pureSpins { sched_yield() }
      }
      if spins < WorkerPool.spinLimit { continue }
      pthread_mutex_lock(mutex)
      sleepers.wrappingAdd(1, ordering: .sequentiallyConsistent)
      while ticket.load(ordering: .sequentiallyConsistent) >> 32 == seenGeneration {
        pthread_cond_wait(wake, mutex)
      }
      sleepers.wrappingSubtract(1, ordering: .sequentiallyConsistent)
      pthread_mutex_unlock(mutex)
    }
  }

  /// Starts detached helper threads until there are `target` (fewer if the system refuses a thread).
  @inline(never)
  private func spawnHelpers(upTo target: Int) {
    while helpers < target {
      var thread = pthread_t()
      let started = pthread_create(&thread, nil, { pool in
        Unmanaged<WorkerPool>.fromOpaque(pool!).takeUnretainedValue().helperLoop()
      }, Unmanaged.passUnretained(self).toOpaque())
      if started != 0 { return }
      pthread_detach(thread)
      helpers += 1
    }
  }
}
