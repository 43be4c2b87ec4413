import Dispatch

/// Splits 0..<n into `min(threads, n)` contiguous ranges and runs `body` on each, concurrently when there is
/// more than one. Callers write disjoint memory per index, so results do not depend on `threads`.
/// The runtime has no global thread setting: kernels take `threads` as an argument.
func concurrentRanges(_ n: Int, threads: Int, _ body: (Range<Int>) -> Void) {
  let workers = max(1, min(threads, n))
  if workers == 1 {
    if n > 0 { body(0..<n) }
    return
  }
  withoutActuallyEscaping(body) { body in
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      body((n * worker / workers)..<(n * (worker + 1) / workers))
    }
  }
}
