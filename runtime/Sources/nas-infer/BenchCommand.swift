#if canImport(Glibc)
import Glibc
#endif
import CLIKit
import NASFormat
import NASRuntime

extension NASInfer {
  /// `nas-infer bench --model m.nasb [--runs N]`: one JSON object on stdout. The input is fixed,
  /// x[i] = (i mod 17) / 17 − 0.5 (normalised units), so `logits_head` can be compared with another runtime.
  static func runBench(_ args: ParsedArguments) throws {
    let runs = try args.int("runs")
    guard runs >= 1 else { throw args.usageError("--runs must be ≥ 1, got \(runs)") }
    let threads = try args.int("threads")
    guard threads >= 1 else { throw args.usageError("--threads must be ≥ 1, got \(threads)") }
    let path = try args.string("model")

    let t0 = Environment.monotonicSeconds()
    let runner = try InferenceModel(path: path, threads: threads)
    let t1 = Environment.monotonicSeconds()
    try runner.prepare(batchSize: 1)
    let tPlan = Environment.monotonicSeconds()
    let input = runner.inputBuffer
    for i in input.indices { input[i] = Float(i % 17) / 17 - 0.5 }  // a fixed, non-trivial input
    let logits = Array(runner.run().prefix(10))
    let t2 = Environment.monotonicSeconds()
    var times: [Double] = []
    times.reserveCapacity(runs)
    for _ in 0..<runs {
      let s = Environment.monotonicSeconds()
      runner.run()
      times.append(Environment.monotonicSeconds() - s)
    }
    var profile: [(kind: String, seconds: Double)] = []
    for _ in 0..<min(runs, 10) {
      for (i, entry) in runner.runProfiled().enumerated() {
        if i < profile.count { profile[i].seconds = min(profile[i].seconds, entry.seconds) } else { profile.append(entry) }
      }
    }
    times.sort()
    let median = runs % 2 == 1 ? times[runs / 2] : (times[runs / 2 - 1] + times[runs / 2]) / 2
    let object: JSONObject = [
      "model": .string(path), "threads": .int(threads), "runs": .int(runs),
      "load_ms": .double(1000 * (t1 - t0)), "plan_ms": .double(1000 * (tPlan - t1)),
      "first_inference_ms": .double(1000 * (t2 - tPlan)),
      "median_ms": .double(1000 * median), "min_ms": .double(1000 * times[0]),
      "op_min_ms": .object(JSONObject(profile.map { ($0.kind, JSONValue.double(1000 * $0.seconds)) })),
      "peak_rss_kib": peakRSSKiB().map { .int($0) } ?? .null,
      "logits_head": .array(logits.map { .float($0) }),
      "parameters": .int(runner.model.parameterCount), "file_bytes": .int(runner.model.bytes.count),
    ]
    print(object.jsonText)
  }

  /// VmHWM from /proc/self/status in KiB, or nil where there is no /proc.
  static func peakRSSKiB() -> Int? {
    let fd = open("/proc/self/status", O_RDONLY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, 4096) }
      if n <= 0 { break }
      bytes += chunk[0..<n]
    }
    let text = String(decoding: bytes, as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      return Int(String(line.dropFirst(6).filter { $0.isNumber }))
    }
    return nil
  }
}
