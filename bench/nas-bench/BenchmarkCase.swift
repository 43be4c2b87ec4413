import TensorEngine

/// One benchmark: a named workload at a thread count with a FLOP count, timed by `measure`.
///
/// To add benchmarks, append cases to a list in a `*Cases.swift` file and add that list in `allBenchmarkCases()`.
struct BenchmarkCase {
  /// Unique, `/`-separated name, e.g. `conv/fwd/dw3x3/n64c16h28`; `--filter` matches substrings of it.
  let name: String
  /// Human-readable problem shape.
  let shape: String
  let threads: Int
  /// Floating-point operations per run (multiply-add = 2), for GFLOP/s.
  let flops: Double
  /// When set, this case is the reference ("peer") implementation for the case of that name, measured in the
  /// same run (e.g. OpenBLAS for the Swift sgemm); the report pairs them up.
  let peerOf: String?
  /// Runs the workload `repeats` times (after a warm-up) and returns the timings. Sets up its own data.
  let time: (_ repeats: Int) -> Timing

  init(name: String, shape: String, threads: Int, flops: Double, peerOf: String? = nil,
       time: @escaping (_ repeats: Int) -> Timing) {
    self.name = name
    self.shape = shape
    self.threads = threads
    self.flops = flops
    self.peerOf = peerOf
    self.time = time
  }
}

/// Every registered benchmark, in report order.
func allBenchmarkCases() -> [BenchmarkCase] {
  gemmBenchmarkCases() + convBenchmarkCases() + trainingStepBenchmarkCases() + searchStepBenchmarkCases()
}

/// The measured figures of one case.
struct BenchmarkResult {
  let benchmark: BenchmarkCase
  let timing: Timing
  var gflops: Double { benchmark.flops / (timing.median * 1e-3) / 1e9 }
}
