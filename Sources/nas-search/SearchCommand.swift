import CLIKit
import Datasets
import FileIO
import Foundation
import NN
import Search
import TensorEngine

/// `nas-search`: the command-line front of `ArchitectureSearch`.
enum SearchCommand {
  static let command = Command(
    "nas-search",
    abstract: "Search a cell architecture with differentiable NAS (DARTS, PC-DARTS, P-DARTS, PCP-DARTS, SS-PCP-DARTS).",
    discussion: """
      Unset hyper-parameters take the reference value of the chosen method (ALGORITHMS.md §3.5, §4, §6.3).
      Writes genotype.json, config.json, search.jsonl, normal/reduction .dot and .svg diagrams and
      checkpoint.ckpt (after every epoch) into --out.
      Example: nas-search --method pcp --data fashion-mnist --subset 2000 --epochs 4 --out runs/pcp1
      """,
    options: [
      .value("method", placeholder: "name", default: "pcp", help: "darts | pc | p | pcp | ss-pcp"),
      .value("data", placeholder: "source", default: "fashion-mnist", help: "fashion-mnist | fashion-mnist:DIR | cifar10:DIR | folder:DIR"),
      .value("out", short: "o", placeholder: "dir", help: "Output folder (required unless --count-params)"),
      .value("config", placeholder: "file", help: "Start from a config.json written by an earlier run; flags override it"),
      .value("subset", placeholder: "n", help: "Use the first N training images (half for weights, half for α)"),
      .value("epochs", placeholder: "n", help: "Epochs (per stage for p, pcp, ss-pcp)"),
      .value("warmup-epochs", placeholder: "n", help: "Epochs (per stage) before architecture steps start"),
      .value("batch", placeholder: "n", help: "Batch size of both halves"),
      .value("learning-rate", placeholder: "x", help: "Initial SGD learning rate (cosine per epoch)"),
      .value("learning-rate-min", placeholder: "x", help: "Final SGD learning rate"),
      .value("momentum", placeholder: "x", help: "SGD momentum"),
      .value("weight-decay", placeholder: "x", help: "SGD weight decay"),
      .value("grad-clip", placeholder: "x", help: "Global norm clip of the weight gradient"),
      .value("arch-learning-rate", placeholder: "x", help: "Adam learning rate of α/β"),
      .value("arch-weight-decay", placeholder: "x", help: "Adam L2 weight decay of α/β"),
      .value("arch-grad-clip", placeholder: "x", help: "Global norm clip of the α/β gradient (0 = none)"),
      .value("layers", placeholder: "n", help: "Cells of the supernet (darts, pc; stage-1 cells with --count-params)"),
      .value("stage-layers", placeholder: "list", help: "Cells per stage, e.g. 5,11,17"),
      .value("stage-drops", placeholder: "list", help: "Operations dropped per edge after each stage, e.g. 3,2,2"),
      .value("skip-dropout", placeholder: "list", help: "Skip-connect dropout base rate per stage, e.g. 0.1,0.4,0.7"),
      .value("max-skips", placeholder: "n", help: "Most skip-connects in the final normal cell"),
      .value("init-channels", placeholder: "n", help: "Initial channels C"),
      .value("partial-k", placeholder: "k", help: "PC-DARTS partial-channel K"),
      .flag("second-order", help: "DARTS unrolled (second-order) architecture gradient"),
      .value("ss-factor", placeholder: "x", help: "ss in ss·L_BT + (1−ss)·L_CE (ss-pcp; default 0.75)"),
      .value("projector-dim", placeholder: "n", help: "Barlow Twins projector width D"),
      .value("bt-lambda", placeholder: "x", help: "Barlow Twins off-diagonal weight (0 = 1/D)"),
      .value("crop-padding", placeholder: "n", help: "Random-crop zero padding (0 = no crop)"),
      .flag("no-flip", help: "No random horizontal flips"),
      .value("seed", placeholder: "n", help: "Random seed (default 2)"),
      .value("threads", placeholder: "n", default: "2", help: "Worker threads"),
      .flag("resume", help: "Continue the run in --out from its last checkpoint"),
      .flag("json", help: "One JSON object per epoch on stdout, no progress on stderr"),
      .flag("count-params", help: "Print the supernet's trainable parameter count (α/β excluded) and exit"),
      .value("input", placeholder: "CxHxW", default: "1x28x28", help: "Input shape for --count-params"),
      .value("classes", placeholder: "k", default: "10", help: "Classes for --count-params"),
    ])

  static func run(_ args: ParsedArguments) throws {
    EngineThreads.set(try args.int("threads"))
    if args.flag("count-params") { return try countParameters(args) }
    guard let out = args.value("out") else { throw args.usageError("--out is required") }
    let settings = try resolveSettings(args, out: out)
    if args.flag("resume") && !fileExists(out + "/checkpoint.ckpt") {
      throw SearchCLIError("nothing to resume: \(out)/checkpoint.ckpt does not exist")
    }
    try settings.validate()
    let data = try DataSource(parsing: settings.data).load(subset: settings.subset)
    try makeDirectories(out)
    try writeFileAtomically(out + "/config.json", text: try encodeSettings(settings))

    let json = args.flag("json")
    var progress = ProgressReporter.automatic(json: json)
    let totalEpochs = settings.epochs * settings.stages.count
    var begun = false
    let search = try ArchitectureSearch(settings: settings, data: data, outputDirectory: out) { event in
      switch event {
      case let .stageStarted(stage, stages, layers, ops, parameters):
        if !json {
          StandardError.write("stage \(stage + 1)/\(stages): \(layers) cells, \(ops) operations per edge, \(parameters) weights\n")
        }
      case let .step(p):
        if !begun { progress.begin(epochs: totalEpochs, stepsPerEpoch: p.steps); begun = true }
        progress.update(epoch: p.stage * p.epochs + p.epoch + 1, step: p.step, loss: Double(p.loss),
                        accuracy: Double(p.accuracy))
      case let .epochFinished(record):
        if json {
          print(jsonText(record.jsonObject()))
          fflush(stdout)
        } else {
          let validation = record.validationAccuracy.map { "  arch acc \(NumberFormat.percent(Double($0)))" } ?? ""
          progress.endEpoch(epoch: record.stage * settings.epochs + record.epoch + 1, loss: Double(record.trainLoss),
                            accuracy: Double(record.trainAccuracy),
                            extra: "stage \(record.stage + 1)" + validation + "  " + record.genotype.shortDescription)
        }
      case let .finished(genotype):
        if json {
          print(jsonText(["genotype": genotype.jsonObject(), "out": out]))
        } else {
          print("genotype: \(genotype.shortDescription)")
          print("normal cell: \(genotype.normal.skipCount) skip-connects, depth \(genotype.normal.depth); reduction cell depth \(genotype.reduce.depth)")
          print("wrote \(out)/genotype.json, \(out)/normal.svg, \(out)/reduction.svg, \(out)/search.jsonl")
        }
      }
    }
    _ = try search.run(resume: args.flag("resume"))
  }

  /// Reference defaults of the method, then config.json (given or, on resume, the run's own), then flags.
  static func resolveSettings(_ args: ParsedArguments, out: String) throws -> SearchSettings {
    var configPath = args.value("config")
    if args.flag("resume") && configPath == nil && fileExists(out + "/config.json") { configPath = out + "/config.json" }
    var s: SearchSettings
    if let configPath {
      do {
        s = try JSONDecoder().decode(SearchSettings.self, from: Data(try readFile(configPath)))
      } catch let error as FileError {
        throw error
      } catch {
        throw SearchCLIError("\(configPath): not a valid search config (\(error))")
      }
      let requested = try args.string("method")
      if args.isGiven("method") && requested != s.method.rawValue && !args.flag("resume") {
        s = try rebase(s, onto: method(args))
      }
    } else {
      s = SearchSettings.defaults(for: try method(args))
    }
    if args.flag("resume") { return s }   // a resumed run repeats its own settings exactly
    if let v = args.value("data") { s.data = v }
    if args.isGiven("subset") { s.subset = try args.int("subset") }
    if args.isGiven("epochs") { s.epochs = try args.int("epochs") }
    if args.isGiven("warmup-epochs") { s.warmupEpochs = try args.int("warmup-epochs") }
    if args.isGiven("batch") { s.batchSize = try args.int("batch") }
    if args.isGiven("learning-rate") { s.learningRate = try args.float("learning-rate") }
    if args.isGiven("learning-rate-min") { s.learningRateMin = try args.float("learning-rate-min") }
    if args.isGiven("momentum") { s.momentum = try args.float("momentum") }
    if args.isGiven("weight-decay") { s.weightDecay = try args.float("weight-decay") }
    if args.isGiven("grad-clip") { s.gradientClip = try args.float("grad-clip") }
    if args.isGiven("arch-learning-rate") { s.architectureLearningRate = try args.float("arch-learning-rate") }
    if args.isGiven("arch-weight-decay") { s.architectureWeightDecay = try args.float("arch-weight-decay") }
    if args.isGiven("arch-grad-clip") { s.architectureGradientClip = try args.float("arch-grad-clip") }
    if args.isGiven("layers") { s.layers = try args.int("layers") }
    if args.isGiven("stage-layers") { s.stageLayers = try args.ints("stage-layers") }
    if args.isGiven("stage-drops") { s.stageOperationDrops = try args.ints("stage-drops") }
    if args.isGiven("skip-dropout") { s.skipDropoutRates = try args.doubles("skip-dropout").map { Float($0) } }
    if args.isGiven("max-skips") { s.maxSkips = try args.int("max-skips") }
    if args.isGiven("init-channels") { s.initChannels = try args.int("init-channels") }
    if args.isGiven("partial-k") { s.partialChannels = try args.int("partial-k") }
    if args.flag("second-order") { s.secondOrder = true }
    if args.isGiven("ss-factor") { s.ssFactor = try args.float("ss-factor") }
    if args.isGiven("projector-dim") { s.projectorDimension = try args.int("projector-dim") }
    if args.isGiven("bt-lambda") { s.barlowTwinsLambda = try args.float("bt-lambda") }
    if args.isGiven("crop-padding") { s.cropPadding = try args.int("crop-padding") }
    if args.flag("no-flip") { s.horizontalFlip = false }
    if args.isGiven("seed") {
      let seed = try args.int("seed")
      guard seed >= 0 else { throw args.usageError("--seed must not be negative") }
      s.seed = UInt64(seed)
    }
    return s
  }

  static func method(_ args: ParsedArguments) throws -> SearchMethod {
    let name = try args.string("method")
    guard let method = SearchMethod(rawValue: name) else {
      throw args.usageError("unknown method '\(name)' (known: \(SearchMethod.names))")
    }
    return method
  }

  /// A config for another method keeps only data-related choices.
  static func rebase(_ s: SearchSettings, onto method: SearchMethod) throws -> SearchSettings {
    var fresh = SearchSettings.defaults(for: method)
    (fresh.data, fresh.subset, fresh.seed) = (s.data, s.subset, s.seed)
    return fresh
  }

  static func countParameters(_ args: ParsedArguments) throws {
    let method = try method(args)
    var settings = SearchSettings.defaults(for: method)
    if args.isGiven("init-channels") { settings.initChannels = try args.int("init-channels") }
    if args.isGiven("partial-k") { settings.partialChannels = try args.int("partial-k") }
    let layers = args.isGiven("layers") ? try args.int("layers") : settings.stages[0]
    let dims = try args.string("input").split(separator: "x").compactMap { Int($0) }
    guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else {
      throw args.usageError("--input must look like CxHxW, e.g. 3x32x32")
    }
    let shape = NetworkShape(inputChannels: dims[0], height: dims[1], width: dims[2], classes: try args.int("classes"))
    let supernet = try Supernet(SupernetConfiguration(
      shape: shape, layers: layers, initChannels: settings.initChannels,
      partialChannels: settings.effectivePartialChannels, edgeNormalization: method.usesPartialChannels), seed: 0)
    if args.flag("json") {
      print(jsonText(["method": method.rawValue, "layers": layers, "init_channels": settings.initChannels,
                      "parameters": supernet.weightCount]))
    } else {
      print(supernet.weightCount)
    }
  }

  static func encodeSettings(_ settings: SearchSettings) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(settings), as: UTF8.self) + "\n"
  }

  static func jsonText(_ object: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
  }
}

/// A failure with a ready one-line message.
struct SearchCLIError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
