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

/// Timed runs stop early once at least `minimumRuns` runs took `timeBudgetSeconds` in total, so that slow cases
/// (whole training steps of seconds each) keep a full `make bench` within a few minutes.
let minimumRuns = 3
let timeBudgetSeconds = 2.0

/// Times `run` up to `repeats` times after `warmups` untimed runs and returns every timed run (fewer than
/// `repeats` when the time budget above runs out). `prepare` runs before each call, outside the timed region
/// (e.g. builds the autograd graph that a backward benchmark consumes), and its result is handed to `run`.
func measure<State>(repeats: Int, warmups: Int = 1, prepare: () -> State, run: (State) -> Void) -> Timing {
  for _ in 0..<warmups { run(prepare()) }
  var runs: [Double] = []
  var total = 0.0
  for _ in 0..<max(1, repeats) {
    let state = prepare()
    let start = monotonicSeconds()
    run(state)
    let seconds = monotonicSeconds() - start
    runs.append(seconds * 1000)
    total += seconds
    if runs.count >= minimumRuns && total >= timeBudgetSeconds { break }
  }
  return Timing(runs: runs)
}
