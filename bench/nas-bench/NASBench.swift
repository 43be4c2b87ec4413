import CLIKit
import Glibc
import TensorEngine

/// The nas-bench command line: `nas-bench [--json FILE] [--filter NAME] [--repeat N]`.
enum NASBench {
  static let usage = "usage: nas-bench [--json FILE] [--filter NAME] [--repeat N] [--list]"
  static let help = """
    \(usage)

    Runs the engine benchmarks and prints one JSON object with every result
    {name, shape, threads, median_ms, gflops, min_ms, runs, command} and "peers": our kernel against a
    reference implementation measured in the same run (e.g. Swift sgemm vs OpenBLAS).

    options:
      --json FILE     also write the JSON object to FILE (atomically)
      --filter NAME   only run cases whose name contains NAME (repeatable: any match)
      --repeat N      timed runs per case, median reported (default 25; one untimed warm-up first;
                      a case stops after 3 runs once its timed runs add up to 2 s)
      --list          print the case names and exit
      -h, --help      show this help
    """

  struct Options {
    var jsonPath: String?
    var filters: [String] = []
    var repeats = 25
    var list = false
  }

  static func run(_ arguments: [String]) {
    if arguments.dropFirst().first == "--rss-check" { MemoryCheck.run() }
    let options: Options
    switch parse(Array(arguments.dropFirst())) {
    case .success(let parsed): options = parsed
    case .failure(let error): usageError(error.message)
    }
    if options.repeats < 1 { usageError("--repeat must be ≥ 1, got \(options.repeats)") }
    let cases = allBenchmarkCases().filter { c in
      options.filters.isEmpty || options.filters.contains { c.name.contains($0) }
    }
    if options.list {
      for c in cases { print(c.name) }
      exit(0)
    }
    if cases.isEmpty {
      fail("no benchmark matches --filter \(options.filters.joined(separator: ", ")) (see --list)")
    }
    let showProgress = isatty(2) != 0
    var results: [BenchmarkResult] = []
    for (i, c) in cases.enumerated() {
      if showProgress { writeError("\r\u{1B}[K[\(i + 1)/\(cases.count)] \(c.name)") }
      results.append(BenchmarkResult(benchmark: c, timing: c.time(options.repeats)))
    }
    if showProgress { writeError("\r\u{1B}[K") }
    let json = report(results, repeats: options.repeats)
    print(json)
    if let path = options.jsonPath {
      do { try writeFileAtomically(path, text: json + "\n") } catch { fail(error.description) }
    }
  }

  struct ParseError: Error { let message: String }

  static func parse(_ args: [String]) -> Result<Options, ParseError> {
    var options = Options()
    var i = 0
    func value(_ flag: String) -> Result<String, ParseError> {
      i += 1
      guard i < args.count else { return .failure(ParseError(message: "missing value for '\(flag)'")) }
      return .success(args[i])
    }
    while i < args.count {
      let arg = args[i]
      switch arg {
      case "-h", "--help":
        print(help)
        exit(0)
      case "--json":
        switch value(arg) {
        case .success(let v): options.jsonPath = v
        case .failure(let e): return .failure(e)
        }
      case "--filter":
        switch value(arg) {
        case .success(let v): options.filters.append(v)
        case .failure(let e): return .failure(e)
        }
      case "--repeat":
        switch value(arg) {
        case .success(let v):
          guard let n = Int(v) else { return .failure(ParseError(message: "--repeat needs an integer, got '\(v)'")) }
          options.repeats = n
        case .failure(let e): return .failure(e)
        }
      case "--list":
        options.list = true
      default:
        return .failure(ParseError(message: "unknown option '\(arg)'"))
      }
      i += 1
    }
    return .success(options)
  }

  /// The JSON report: results in run order, then each (ours, peer) pair.
  static func report(_ results: [BenchmarkResult], repeats: Int) -> String {
    var lines: [String] = []
    for r in results {
      let c = r.benchmark
      let command = "nas-bench --filter \(c.name) --repeat \(repeats)"
      lines.append("    {\"name\": \(jsonString(c.name)), \"shape\": \(jsonString(c.shape)), \"threads\": \(c.threads), "
        + "\"median_ms\": \(jsonNumber(r.timing.median)), \"gflops\": \(jsonNumber(r.gflops)), "
        + "\"min_ms\": \(jsonNumber(r.timing.minimum)), \"runs\": \(r.timing.runs.count), "
        + "\"command\": \(jsonString(command))}")
    }
    var peers: [String] = []
    let byName = Dictionary(results.map { ($0.benchmark.name, $0) }, uniquingKeysWith: { a, _ in a })
    for peer in results {
      guard let oursName = peer.benchmark.peerOf, let ours = byName[oursName] else { continue }
      peers.append("    {\"name\": \(jsonString(oursName)), \"peer\": \(jsonString(peer.benchmark.name)), "
        + "\"gflops\": \(jsonNumber(ours.gflops)), \"peer_gflops\": \(jsonNumber(peer.gflops)), "
        + "\"speedup\": \(jsonNumber(peer.timing.median / ours.timing.median))}")
    }
    return "{\n  \"benchmark\": \"nas-bench\",\n  \"repeat\": \(repeats),\n  \"results\": [\n"
      + lines.joined(separator: ",\n") + "\n  ],\n  \"peers\": [\n" + peers.joined(separator: ",\n") + "\n  ]\n}"
  }

  /// A JSON string literal (CLIKit's escaping).
  static func jsonString(_ s: String) -> String { JSONValue.string(s).jsonText }

  /// A finite number rounded to 6 decimals (microsecond-scale medians keep their digits), or null.
  static func jsonNumber(_ x: Double) -> String {
    guard x.isFinite else { return "null" }
    return String((x * 1_000_000).rounded() / 1_000_000)
  }

  /// Writes `text` to a temporary file beside `path`, then renames it over `path`. Nil on success.

  static func writeError(_ s: String) {
    fputs(s, stderr)
  }

  static func usageError(_ message: String) -> Never {
    writeError("nas-bench: error: \(message)\n\(usage)\nSee 'nas-bench --help'.\n")
    exit(2)
  }

  static func fail(_ message: String) -> Never {
    writeError("nas-bench: error: \(message)\n")
    exit(1)
  }
}
