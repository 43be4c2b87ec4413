import CBLAS
import Dispatch

/// How many threads the engine's kernels use. Outer loops (batch, channel) fan out over this many workers;
/// OpenBLAS itself is kept single-threaded so the two never oversubscribe the cores.
public enum EngineThreads {
  nonisolated(unsafe) public private(set) static var count: Int = 1

  /// Sets the worker count (≥ 1). Call once at start-up (CLIs: `--threads`).
  public static func set(_ threads: Int) {
    count = max(1, threads)
    openblas_set_num_threads(1)
  }
}

/// Runs `body(i)` for i in 0..<n, spread over `EngineThreads.count` workers in contiguous chunks.
/// Each index must write disjoint memory; results therefore do not depend on the thread count.
@inlinable
public func parallelFor(_ n: Int, _ body: (Int) -> Void) {
  let workers = min(EngineThreads.count, n)
  if workers <= 1 {
    for i in 0..<n { body(i) }
    return
  }
  withoutActuallyEscaping(body) { body in
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      let start = n * worker / workers, end = n * (worker + 1) / workers
      for i in start..<end { body(i) }
    }
  }
}

/// Splits 0..<n into `chunks` fixed contiguous ranges and runs `body(chunk, range)` for each, in parallel over
/// `EngineThreads.count` workers. For reductions: give each chunk its own partial buffer, then add the partials
/// in chunk order. Because the chunking does not depend on the thread count, neither does the result.
@inlinable
public func parallelChunks(_ n: Int, chunks: Int, _ body: (_ chunk: Int, _ range: Range<Int>) -> Void) {
  let k = max(1, min(chunks, n))
  parallelFor(k) { c in body(c, (n * c / k)..<(n * (c + 1) / k)) }
}
