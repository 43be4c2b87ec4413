import CLIKit
import Datasets
import FileIO
import Foundation
import NN
import TensorEngine
import Train

/// `nas-train`: the command-line front of `Trainer` (train, `eval`, `--count-params`).
enum TrainCommand {
  static let evalCommand = Command(
    "eval",
    abstract: "Evaluate a trained model checkpoint: accuracy and confusion matrix.",
    discussion: """
      Uses the test set of --data (a folder without train/ and test/ subfolders is evaluated as a whole) and the
      normalisation stored in the model. Example: nas-train eval --model runs/t1/model.ckpt --data fashion-mnist
      """,
    options: [
      .value("model", short: "m", placeholder: "ckpt", help: "Model checkpoint (model.ckpt or last.ckpt)"),
      .value("data", placeholder: "source", default: "fashion-mnist", help: "fashion-mnist | fashion-mnist:DIR | cifar10:DIR | folder:DIR"),
      .value("test-subset", placeholder: "n", help: "Evaluate the first N images only"),
      .value("batch", placeholder: "n", default: "256", help: "Batch size"),
      .value("threads", placeholder: "n", default: "2", help: "Worker threads"),
      .flag("json", help: "One JSON object (accuracy, loss, confusion matrix) on stdout"),
    ])

  static let command = Command(
    "nas-train",
    abstract: "Train a searched cell architecture from scratch (DARTS-family evaluation network) and evaluate it.",
    discussion: """
      Defaults are the references' CIFAR evaluation settings (ALGORITHMS.md §5.1) except drop-path 0.2 (DARTS).
      Writes into --out after every epoch: model.ckpt (best test accuracy), last.ckpt (latest epoch + optimiser
      state, used by --resume), train.jsonl, metrics.json, curves.svg, plus config.json and genotype.json.
      Example: nas-train --genotype runs/pcp1/genotype.json --data fashion-mnist --epochs 20 --layers 8 \\
               --init-channels 16 --out runs/pcp1-train
      """,
    options: [
      .value("genotype", short: "g", placeholder: "name|file", help: "DARTS_V1 | DARTS_V2 | PC_DARTS | PDARTS | genotype.json (default PC_DARTS)"),
      .value("data", placeholder: "source", help: "fashion-mnist | fashion-mnist:DIR | cifar10:DIR | folder:DIR (default fashion-mnist)"),
      .value("out", short: "o", placeholder: "dir", help: "Output folder (required unless --count-params)"),
      .value("subset", placeholder: "n", help: "Train on the first N training images"),
      .value("test-subset", placeholder: "n", help: "Evaluate on the first N test images"),
      .value("epochs", placeholder: "n", help: "Epochs (default 600)"),
      .value("batch", placeholder: "n", help: "Batch size (default 96)"),
      .value("learning-rate", placeholder: "x", help: "Initial SGD learning rate, cosine per epoch (default 0.025)"),
      .value("learning-rate-min", placeholder: "x", help: "Final learning rate (default 0)"),
      .value("momentum", placeholder: "x", help: "SGD momentum (default 0.9)"),
      .value("weight-decay", placeholder: "x", help: "SGD weight decay (default 3e-4)"),
      .value("grad-clip", placeholder: "x", help: "Global gradient-norm clip (default 5)"),
      .value("layers", placeholder: "n", help: "Cells L (default 20)"),
      .value("init-channels", placeholder: "n", help: "Initial channels C (default 36)"),
      .value("auxiliary-weight", placeholder: "x", help: "Weight of the auxiliary loss (default 0.4)"),
      .flag("no-auxiliary", help: "No auxiliary head"),
      .value("drop-path", placeholder: "p", help: "Maximum drop-path probability, linear over the epochs (default 0.2)"),
      .value("cutout", placeholder: "n", help: "Cutout length, 0 = off (default 16)"),
      .value("crop-padding", placeholder: "n", help: "Random-crop zero padding, 0 = no crop (default 4)"),
      .flag("no-flip", help: "No random horizontal flips"),
      .value("seed", placeholder: "n", help: "Random seed (default 0)"),
      .value("threads", placeholder: "n", default: "2", help: "Worker threads"),
      .value("init-from", placeholder: "ckpt", help: "Start from a trained model (transfer; a new classifier if the class count differs)"),
      .flag("resume", help: "Continue the run in --out from last.ckpt (its config.json is reused)"),
      .flag("json", help: "One JSON object per epoch on stdout, no progress on stderr"),
      .flag("count-params", help: "Print the network's parameter count (auxiliary head excluded) and exit"),
      .value("input", placeholder: "CxHxW", default: "1x28x28", help: "Input shape for --count-params"),
      .value("classes", placeholder: "k", default: "10", help: "Classes for --count-params"),
    ],
    subcommands: [evalCommand])

  static func run(_ args: ParsedArguments) throws {
    EngineThreads.set(try positive(args, "threads"))
    if args.subcommand == "eval" { return try evaluateModel(args) }
    if args.flag("count-params") { return try countParameters(args) }
    guard let out = args.value("out") else { throw args.usageError("--out is required") }
    let resume = args.flag("resume")
    if resume && !fileExists(out + "/last.ckpt") {
      throw TrainError.nothingToResume(out + "/last.ckpt")
    }
    var settings = try resolveSettings(args, out: out)
    // The genotype: a resumed run uses its own copy; --init-from without --genotype uses the checkpoint's.
    let genotype: Genotype
    if resume {
      genotype = try Genotype.load(nameOrPath: out + "/genotype.json")
    } else if let initFrom = settings.initFrom {
      // Architecture flags not given default to the checkpoint's (a mismatch with given ones fails in Trainer).
      let checkpoint = try Checkpoint.read(path: initFrom)
      let saved: ModelDescription
      do { saved = try ModelDescription(json: checkpoint.metadata) } catch {
        throw TrainError.initFromMismatch(path: initFrom, reason: error.description)
      }
      if !args.isGiven("layers") { settings.layers = saved.layers }
      if !args.isGiven("init-channels") { settings.initChannels = saved.initChannels }
      if args.isGiven("genotype") {
        genotype = try Genotype.load(nameOrPath: settings.genotype)
      } else {
        genotype = saved.genotype
        settings.genotype = initFrom
      }
    } else {
      genotype = try Genotype.load(nameOrPath: settings.genotype)
    }
    try settings.validate()
    let data = try DataSource(parsing: settings.data).load(subset: settings.subset)
    try makeDirectories(out)

    let json = args.flag("json")
    var progress = ProgressReporter.automatic(json: json)
    let trainer = try Trainer(settings: settings, genotype: genotype, data: data, outputDirectory: out) { event in
      switch event {
      case let .started(parameters, epochs, startEpoch, steps):
        progress.begin(epochs: epochs, stepsPerEpoch: steps)   // ETA after a resume is optimistic
        if !json {
          StandardError.write("\(settings.genotype): \(settings.layers) cells, C=\(settings.initChannels), "
                              + "\(parameters) parameters; epochs \(startEpoch + 1)-\(epochs)\n")
        }
      case let .step(epoch, step, _, loss, accuracy):
        progress.update(epoch: epoch + 1, step: step, loss: Double(loss), accuracy: Double(accuracy))
      case let .epochFinished(record):
        if json {
          print(record.jsonLine)
          fflush(stdout)
        } else {
          let test = record.testAccuracy.map { "  test \(NumberFormat.percent(Double($0)))" } ?? ""
          progress.endEpoch(epoch: record.epoch + 1, loss: Double(record.trainLoss),
                            accuracy: Double(record.trainAccuracy),
                            extra: "lr \(NumberFormat.fixed(Double(record.learningRate), decimals: 5))" + test
                              + "  \(NumberFormat.duration(record.seconds))")
        }
      }
    }
    try writeFileAtomically(out + "/config.json", text: try encodeSettings(settings))
    let summary = try trainer.run(resume: resume)
    if json {
      print(trainer.metricsJSON(summary, pretty: false))
    } else {
      let best = summary.bestTestAccuracy.map { NumberFormat.percent(Double($0)) } ?? "n/a"
      let final = summary.finalTestAccuracy.map { NumberFormat.percent(Double($0)) } ?? "n/a"
      print("test accuracy: final \(final), best \(best) (epoch \(summary.bestEpoch.map { $0 + 1 } ?? 0)); "
            + "\(summary.parameters) parameters, \(summary.cost.multiplyAccumulates) MACs at batch 1")
      print("wrote \(out)/model.ckpt, last.ckpt, train.jsonl, metrics.json, curves.svg")
    }
  }

  /// Reference defaults, then (on resume) the run's own config.json, then flags.
  static func resolveSettings(_ args: ParsedArguments, out: String) throws -> TrainSettings {
    var s = TrainSettings()
    if args.flag("resume") {
      let path = out + "/config.json"
      do {
        return try JSONDecoder().decode(TrainSettings.self, from: Data(try readFile(path)))
      } catch let error as FileError {
        throw error
      } catch {
        throw TrainError.invalidOption("\(path): not a valid training config (\(error))")
      }
    }
    if let v = args.value("genotype") { s.genotype = v }
    if let v = args.value("data") { s.data = v }
    if args.isGiven("subset") { s.subset = try positive(args, "subset") }
    if args.isGiven("test-subset") { s.testSubset = try positive(args, "test-subset") }
    if args.isGiven("epochs") { s.epochs = try positive(args, "epochs") }
    if args.isGiven("batch") { s.batchSize = try positive(args, "batch") }
    if args.isGiven("learning-rate") { s.learningRate = try args.float("learning-rate") }
    if args.isGiven("learning-rate-min") { s.learningRateMin = try args.float("learning-rate-min") }
    if args.isGiven("momentum") { s.momentum = try args.float("momentum") }
    if args.isGiven("weight-decay") { s.weightDecay = try args.float("weight-decay") }
    if args.isGiven("grad-clip") { s.gradientClip = try args.float("grad-clip") }
    if args.isGiven("layers") { s.layers = try positive(args, "layers") }
    if args.isGiven("init-channels") { s.initChannels = try positive(args, "init-channels") }
    if args.isGiven("auxiliary-weight") { s.auxiliaryWeight = try args.float("auxiliary-weight") }
    if args.flag("no-auxiliary") { s.auxiliary = false }
    if args.isGiven("drop-path") { s.dropPath = try args.float("drop-path") }
    if args.isGiven("cutout") { s.cutout = try args.int("cutout") }
    if args.isGiven("crop-padding") { s.cropPadding = try args.int("crop-padding") }
    if args.flag("no-flip") { s.horizontalFlip = false }
    if args.isGiven("seed") {
      let seed = try args.int("seed")
      guard seed >= 0 else { throw args.usageError("--seed must not be negative") }
      s.seed = UInt64(seed)
    }
    s.initFrom = args.value("init-from")
    do { try s.validate() } catch { throw args.usageError(error.description) }
    return s
  }

  static func positive(_ args: ParsedArguments, _ name: String) throws -> Int {
    let value = try args.int(name)
    guard value > 0 else { throw args.usageError("--\(name) must be positive, got \(value)") }
    return value
  }

  static func countParameters(_ args: ParsedArguments) throws {
    let genotype = try Genotype.load(nameOrPath: args.value("genotype") ?? "PC_DARTS")
    let defaults = TrainSettings()
    let layers = args.isGiven("layers") ? try positive(args, "layers") : defaults.layers
    let channels = args.isGiven("init-channels") ? try positive(args, "init-channels") : defaults.initChannels
    let dims = try args.string("input").split(separator: "x").compactMap { Int($0) }
    guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else {
      throw args.usageError("--input must look like CxHxW, e.g. 3x32x32")
    }
    let shape = NetworkShape(inputChannels: dims[0], height: dims[1], width: dims[2],
                             classes: try positive(args, "classes"))
    let count = try inferenceParameterCount(genotype: genotype, shape: shape, initChannels: channels, layers: layers)
    if args.flag("json") {
      let cost = try ModelCost(genotype: genotype, shape: shape, initChannels: channels, layers: layers)
      print(JSONObject([("genotype", .string(args.value("genotype") ?? "PC_DARTS")), ("layers", .int(layers)),
                        ("init_channels", .int(channels)), ("input", .array(dims.map { .int($0) })),
                        ("classes", .int(shape.classes)), ("parameters", .int(count)),
                        ("macs", .int(cost.multiplyAccumulates)), ("flops", .int(cost.flops))]).jsonText)
    } else {
      print(count)
    }
  }

  static func evaluateModel(_ args: ParsedArguments) throws {
    guard let path = args.value("model") else { throw args.usageError("--model is required") }
    let (network, description) = try Checkpoint.loadModel(path: path)
    let source = try args.string("data")
    let data = try DataSource(parsing: source).load()
    var images = data.test ?? data.train
    if args.isGiven("test-subset") { images = images.prefix(try positive(args, "test-subset")) }
    let shape = description.shape
    guard images.channels == shape.inputChannels, images.height == shape.height, images.width == shape.width else {
      throw TrainError.dataMismatch("\(source) has \(images.channels)×\(images.height)×\(images.width) images, "
                                    + "the model expects \(shape.inputChannels)×\(shape.height)×\(shape.width)")
    }
    guard images.classNames.count == shape.classes else {
      throw TrainError.dataMismatch("\(source) has \(images.classNames.count) classes, the model \(shape.classes)")
    }
    let result = evaluate(network, on: images, normalization: Normalization(mean: description.mean, std: description.std),
                          batchSize: try positive(args, "batch"))
    if args.flag("json") {
      print(JSONObject([
        ("model", .string(path)), ("data", .string(source)), ("images", .int(result.count)),
        ("accuracy", .double(result.accuracy)), ("loss", .double(result.loss)),
        ("classes", .array(description.classNames.map { .string($0) })),
        ("per_class_accuracy", .array(result.perClassAccuracy.map { .double($0) })),
        ("confusion", .array(result.confusion.map { .array($0.map { .int($0) }) })),
      ]).jsonText)
    } else {
      print("accuracy \(NumberFormat.percent(result.accuracy)) (\(result.correct)/\(result.count)), "
            + "loss \(NumberFormat.fixed(result.loss, decimals: 4))")
      print(result.confusionTable(classNames: description.classNames))
    }
  }

  static func encodeSettings(_ settings: TrainSettings) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    return String(decoding: try encoder.encode(settings), as: UTF8.self) + "\n"
  }
}
