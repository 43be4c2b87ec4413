import CLIKit
import NASFormat
import NASRuntime

extension NASInfer {
  /// `nas-infer [--model M] [--top-k K] [--json] image.png ...`
  static func runClassify(_ args: ParsedArguments) throws {
    let images = args.positionals("images")
    let topK = try args.int("top-k")
    guard topK >= 1 else { throw args.usageError("--top-k must be ≥ 1, got \(topK)") }
    let threads = try args.int("threads")
    guard threads >= 1 else { throw args.usageError("--threads must be ≥ 1, got \(threads)") }
    let json = args.flag("json")
    let runner = try InferenceModel(path: try args.string("model"), threads: threads)
    let header = runner.header
    try runner.prepare(batchSize: 1)
    let normalization = runner.normalization
    var failures = 0
    for path in images {
      let pixels: [UInt8]
      do {
        pixels = try loadModelImage(path: path, header: header)
      } catch {
        failures += 1
        let message = String(describing: error).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        StandardError.write("nas-infer: error: \(path): \(message)\n")
        continue
      }
      let input = runner.inputBuffer.baseAddress!
      pixels.withUnsafeBufferPointer { normalization.normalize(input, pixels: $0.baseAddress!, batch: 1) }
      let ranked = topClasses(runner.run(), k: topK)
      print(json ? jsonLine(path: path, ranked: ranked, names: header.classNames) : textLine(path: path, ranked: ranked,
                                                                                          names: header.classNames))
    }
    if failures > 0 { throw CLIError.exit(1) }
  }

  static func textLine(path: String, ranked: [ClassScore], names: [String]) -> String {
    let classes = ranked.map { "\(name($0.classIndex, names)) \(NumberFormat.percent(Double($0.probability)))" }
    return "\(path): " + classes.joined(separator: ", ")
  }

  static func jsonLine(path: String, ranked: [ClassScore], names: [String]) -> String {
    let best = ranked[0]
    let top: [JSONValue] = ranked.map {
      .object(["class": .int($0.classIndex), "label": .string(name($0.classIndex, names)),
               "probability": .float($0.probability)])
    }
    let object: JSONObject = ["image": .string(path), "class": .int(best.classIndex),
                              "label": .string(name(best.classIndex, names)), "probability": .float(best.probability),
                              "top": .array(top)]
    return object.jsonText
  }

  /// The class name, or its index when the model stores an empty name.
  static func name(_ index: Int, _ names: [String]) -> String {
    names[index].isEmpty ? "class \(index)" : names[index]
  }
}
