import Glibc

/// Wall-clock seconds from a monotonic clock.
func monotonicSeconds() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// Timings of one benchmark case, in milliseconds.
struct Timing {
  var runs: [Double]
  var median: Double {
    let sorted = runs.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
  }
  var minimum: Double { runs.min() ?? .nan }
}

/// Times `run` `repeats` times after `warmups` untimed runs and returns every timed run.
/// `prepare` runs before each call, outside the timed region (e.g. builds the autograd graph that a backward
/// benchmark consumes), and its result is handed to `run`.
func measure<State>(repeats: Int, warmups: Int = 1, prepare: () -> State, run: (State) -> Void) -> Timing {
  for _ in 0..<warmups { run(prepare()) }
  var runs: [Double] = []
  for _ in 0..<max(1, repeats) {
    let state = prepare()
    let start = monotonicSeconds()
    run(state)
    runs.append((monotonicSeconds() - start) * 1000)
  }
  return Timing(runs: runs)
}
