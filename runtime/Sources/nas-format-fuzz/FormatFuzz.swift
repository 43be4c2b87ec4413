import CLIKit
import FormatFuzzing
import NASFormat

/// Corrupts valid `.nasb` files many times and checks that the reader never crashes, never accepts a file it
/// must reject, and that every file it accepts still validates.
@main
struct FormatFuzz {
  static let command = Command(
    "nas-format-fuzz", abstract: "Fuzz the compact model reader with seeded corruptions of valid files.",
    options: [
      .value("iterations", short: "n", placeholder: "count", default: "100000", help: "Corruptions per input file."),
      .value("seed", short: "s", placeholder: "n", default: "1", help: "Random seed."),
      .value("model", placeholder: "path",
             help: "A .nasb file to corrupt instead of the built-in sample models (fp32, fp16, int8)."),
      .flag("json", help: "Print the summary as one JSON object."),
    ])

  static func main() {
    CLI.run(command) { args in
      let iterations = try args.int("iterations")
      let seed = try args.int("seed")
      guard iterations > 0 else { throw args.usageError("--iterations must be positive") }
      var inputs: [(name: String, bytes: [UInt8])] = []
      if let path = args.value("model") {
        inputs.append((path, try readFile(path)))
      } else {
        for dataType in TensorDataType.allCases {
          inputs.append(("sample-\(dataType)", try sampleModelBytes(dataType: dataType, seed: UInt64(seed))))
        }
      }
      var summary = JSONObject()
      var failures: [String] = []
      var outcomes: [String: Int] = [:]
      let start = Environment.monotonicSeconds()
      for (index, input) in inputs.enumerated() {
        do {
          _ = try CompactModelReader.parse(input.bytes)
        } catch {
          throw CLIError.failure("\(input.name) is not a valid model to start from: \(error)")
        }
        var rng = FuzzRNG(seed: UInt64(seed) &* 0x1_0000 &+ UInt64(index))
        for i in 0..<iterations {
          let mutation = Mutation.allCases[i % Mutation.allCases.count]
          let (bytes, mustThrow) = mutation.apply(to: input.bytes, rng: &rng)
          let result = outcome(bytes)
          outcomes[result, default: 0] += 1
          if result == "parsed" && mustThrow { failures.append("\(input.name) case \(i) (\(mutation)): accepted") }
          if result.hasPrefix("revalidation") { failures.append("\(input.name) case \(i) (\(mutation)): \(result)") }
        }
      }
      let seconds = Environment.monotonicSeconds() - start
      let total = iterations * inputs.count
      summary["cases"] = .int(total)
      summary["seed"] = .int(seed)
      summary["seconds"] = .double(seconds)
      summary["failures"] = .int(failures.count)
      summary["outcomes"] = .object(JSONObject(outcomes.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) }))
      if args.flag("json") {
        print(summary.jsonText)
      } else {
        print("\(total) cases in \(NumberFormat.fixed(seconds, decimals: 2)) s, \(failures.count) failures")
        for (name, count) in outcomes.sorted(by: { $0.value > $1.value }) { print("  \(name): \(count)") }
      }
      for f in failures.prefix(20) { StandardError.write("nas-format-fuzz: \(f)\n") }
      if !failures.isEmpty { throw CLIError.exit(1) }
    }
  }

  /// "parsed", the error case name, or "revalidation ..." if an accepted model fails its own validation.
  static func outcome(_ bytes: [UInt8]) -> String {
    let model: CompactModel
    do {
      model = try CompactModelReader.parse(bytes)
    } catch .badMagic {
      return "badMagic"  // the one case without a payload, so without a Mirror label
    } catch {
      return Mirror(reflecting: error).children.first?.label ?? "\(error)"
    }
    do {
      try model.validate()
    } catch {
      return "revalidation failed: \(error)"
    }
    for i in model.tensors.indices { _ = model.floatValues(ofTensor: i) }
    guard model.valueShapes[model.graph.outputValue] == [model.header.classCount] else {
      return "revalidation failed: output shape"
    }
    return "parsed"
  }
}
