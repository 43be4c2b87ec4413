import CLIKit
import Datasets
import FileIO
import Freezer
import NASFormat
import NN
import ONNXWriter
import TensorEngine

/// `nas-export`: a trained model checkpoint → model.onnx (+ model.nasb in the compact format).
enum ExportCommand {
  static let command = Command(
    "nas-export",
    abstract: "Freeze a trained network and write it as ONNX and in the compact runtime format.",
    discussion: """
      Folds every BatchNorm into its convolution, drops the auxiliary head and drop-path, validates the ONNX model
      with libonnx (check_model + strict shape inference) and writes the compact file next to it (model.nasb,
      or --compact PATH). Both files are written atomically; on any failure neither is left behind.
      Without --from, the checkpoint is runs/*/model.ckpt when exactly one exists.
      With --precision fp16 or int8 the top-1 agreement and the largest logit difference against fp32 are reported
      on the first --samples test images of --data (default: the data source recorded in the checkpoint), or on
      fixed-seed normal inputs with --data none. With int8 the stem conv and the classifier are quantised too when
      that keeps the top-1 agreement at or above --min-agreement; otherwise they stay fp32.
      Example: nas-export --from runs/train1/model.ckpt --precision int8 out/model.onnx
      """,
    options: [
      .value("from", placeholder: "ckpt", help: "Model checkpoint written by nas-train (default: the only runs/*/model.ckpt)"),
      .value("precision", placeholder: "p", default: "fp32", help: "Compact weights: fp32 | fp16 | int8"),
      .value("opset", placeholder: "n", default: "17", help: "ONNX opset: 17 | 13"),
      .value("compact", placeholder: "path", help: "Compact model path (default: the ONNX path with .nasb)"),
      .value("samples", placeholder: "n", default: "256", help: "Inputs for the fp16/int8 agreement report"),
      .value("min-agreement", placeholder: "x", default: "0.99",
             help: "int8: quantise the stem and classifier too if top-1 agreement stays ≥ x (above 1: never)"),
      .value("data", placeholder: "source", help: "Images for the agreement report: fashion-mnist | cifar10:DIR | folder:DIR | none (default: the checkpoint's data)"),
      .flag("json", help: "Print one JSON object describing what was written"),
    ],
    positionals: [Positional("model.onnx", help: "Where to write the ONNX model")])

  static func run(_ args: ParsedArguments) throws {
    guard let onnxPath = args.positional("model.onnx") else { throw args.usageError("missing the output path model.onnx") }
    guard let precision = WeightPrecision(rawValue: try args.string("precision")) else {
      throw args.usageError("--precision must be fp32, fp16 or int8")
    }
    let opset = try args.int("opset")
    guard ONNXWriter.supportedOpsets.contains(opset) else { throw args.usageError("--opset must be 17 or 13") }
    let samples = try args.int("samples")
    guard samples >= 1 else { throw args.usageError("--samples must be at least 1") }
    let minimumAgreement = try args.double("min-agreement")
    guard minimumAgreement >= 0 else { throw args.usageError("--min-agreement must be at least 0") }
    let compactPath = args.value("compact") ?? defaultCompactPath(for: onnxPath)
    guard compactPath != onnxPath else { throw args.usageError("--compact must differ from the ONNX path") }
    let checkpointPath = try args.value("from") ?? discoverCheckpoint()

    let graph: FrozenGraph
    let description: ModelDescription
    do {
      (graph, description) = try Freezer.freeze(checkpointPath: checkpointPath)
    } catch {
      let reason = "\(error)"
      throw CLIError.failure("cannot export: " + (reason.contains(checkpointPath) ? reason : "\(checkpointPath): \(reason)"))
    }
    let onnxBytes = try ONNXWriter.serialize(graph, opset: opset)
    var compactBytes = try graph.compactWriter(precision: precision).serialized()
    var report: PrecisionReport? = nil
    var reportKind = ""
    var quantizedEnds = false
    if precision != .fp32 {
      let source = args.value("data") ?? description.extra["data"] ?? "none"
      let (inputs, kind) = try agreementInputs(source: source, graph: graph, samples: samples)
      reportKind = kind
      func agreement(_ bytes: [UInt8]) throws -> PrecisionReport {
        PrecisionReport(reference: graph, candidate: FrozenGraph(compactModel: try CompactModelReader.parse(bytes)),
                        inputs: inputs)
      }
      if precision == .int8 && minimumAgreement <= 1 {
        let smaller = try graph.compactWriter(precision: .int8, quantizeEnds: true).serialized()
        let candidate = try agreement(smaller)
        if candidate.top1Agreement >= minimumAgreement {
          (compactBytes, report, quantizedEnds) = (smaller, candidate, true)
        }
      }
      if report == nil { report = try agreement(compactBytes) }
    }

    try makeDirectories(parentDirectory(of: onnxPath))
    try makeDirectories(parentDirectory(of: compactPath))
    try writeFileAtomically(onnxPath, bytes: onnxBytes)
    do {
      try writeFileAtomically(compactPath, bytes: compactBytes)
    } catch {
      removeFile(onnxPath)
      throw error
    }

    if args.flag("json") {
      var object: JSONObject = [
        "from": .string(checkpointPath), "onnx": .string(onnxPath), "onnx_bytes": .int(onnxBytes.count),
        "opset": .int(opset), "compact": .string(compactPath), "compact_bytes": .int(compactBytes.count),
        "precision": .string(precision.rawValue), "nodes": .int(graph.nodes.count), "weights": .int(graph.weightCount),
      ]
      if let report {
        object["agreement_samples"] = .int(report.samples)
        object["agreement_inputs"] = .string(reportKind)
        object["top1_agreement"] = .double(report.top1Agreement)
        object["max_logit_difference"] = .double(Double(report.maxLogitDifference))
      }
      if precision == .int8 {
        object["int8_stem_and_classifier"] = .bool(quantizedEnds)
      }
      print(JSONValue.object(object).jsonText)
    } else {
      print("froze \(checkpointPath): \(graph.nodes.count) nodes, \(graph.weightCount) weights")
      print("wrote \(onnxPath) (\(onnxBytes.count) bytes, opset \(opset), checked by libonnx)")
      print("wrote \(compactPath) (\(compactBytes.count) bytes, \(precision.rawValue), "
            + "\(NumberFormat.percent(Double(compactBytes.count) / Double(onnxBytes.count))) of the ONNX size)")
      if let report {
        print("\(precision.rawValue) vs fp32 on \(report.samples) \(reportKind): top-1 agreement "
              + "\(NumberFormat.percent(report.top1Agreement)), max logit difference \(report.maxLogitDifference)")
      }
      if precision == .int8 {
        print(quantizedEnds ? "stem and classifier in int8 too (top-1 agreement ≥ \(minimumAgreement))"
              : minimumAgreement > 1 ? "stem and classifier kept in fp32 (--min-agreement above 1)"
              : "stem and classifier kept in fp32 (with them in int8 top-1 agreement fell below \(minimumAgreement))")
      }
    }
  }

  /// The agreement report's inputs: the first `samples` test images of `source`, normalised as the model expects
  /// (its stored mean/std), or fixed-seed normal noise for `none`.
  static func agreementInputs(source: String, graph: FrozenGraph, samples: Int) throws -> (Tensor, String) {
    if source == "none" {
      var rng = PRNG(seed: 7)
      return (Tensor.randomNormal([samples] + graph.inputShape, using: &rng), "synthetic inputs")
    }
    let loaded = try DataSource(parsing: source).load()
    let images = loaded.test ?? loaded.train
    guard [images.channels, images.height, images.width] == graph.inputShape else {
      throw CLIError.failure("--data \(source) has \(images.channels)x\(images.height)x\(images.width) images, the model expects \(graph.inputShape.map(String.init).joined(separator: "x"))")
    }
    var batches = BatchIterator(dataset: images.prefix(samples), batchSize: samples,
                                normalization: Normalization(mean: graph.mean, std: graph.std), shuffle: false, seed: 0)
    let what = loaded.test == nil ? "training images of \(source)" : "test images of \(source)"
    return (batches.next()!.images, what)
  }

  /// model.onnx → model.nasb (any extension replaced; none → appended).
  static func defaultCompactPath(for onnxPath: String) -> String {
    let slash = onnxPath.lastIndex(of: "/")
    if let dot = onnxPath.lastIndex(of: "."), slash.map({ dot > $0 }) ?? true, dot != onnxPath.startIndex {
      return String(onnxPath[..<dot]) + ".nasb"
    }
    return onnxPath + ".nasb"
  }

  /// The only runs/*/model.ckpt, or an error that asks for --from.
  static func discoverCheckpoint() throws -> String {
    let candidates = ((try? listDirectory("runs")) ?? []).sorted()
      .map { "runs/\($0)/model.ckpt" }.filter(fileExists)
    guard candidates.count == 1 else {
      throw CLIError.failure(candidates.isEmpty
        ? "no trained model found (no runs/*/model.ckpt); --from CKPT is required"
        : "\(candidates.count) trained models found (\(candidates.joined(separator: ", "))); --from CKPT is required")
    }
    return candidates[0]
  }
}

CLI.run(ExportCommand.command) { args in try ExportCommand.run(args) }
