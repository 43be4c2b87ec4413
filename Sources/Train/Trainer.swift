import Datasets
import FileIO
import Foundation
import ImageDatasets
import NN
import TensorEngine

/// Trains an evaluation network from a genotype (ALGORITHMS.md §5): SGD with momentum and weight decay, cosine
/// learning rate per epoch, gradient-norm clipping, auxiliary head, linear drop-path schedule, crop/flip/cutout
/// augmentation, and a test-set evaluation after every epoch.
///
/// Files in the output directory, rewritten atomically after every epoch:
/// - `model.ckpt`: the model of the best test accuracy so far (the last one without a test set);
/// - `last.ckpt`: the model after the latest epoch plus the SGD momentum and the training state (`--resume`);
/// - `train.jsonl`, `metrics.json`, `curves.svg`.
///
/// Deterministic for a seed: batches come from `BatchIterator(seed:epoch:)`, and each step's drop-path draws from
/// a generator seeded by (seed, epoch, step), so a run resumed from `last.ckpt` ends with the same weights, bit for
/// bit, as an uninterrupted one.
public final class Trainer {
  public let settings: TrainSettings
  public let genotype: Genotype
  public let network: EvaluationNetwork
  public let optimizer: SGD
  /// What model checkpoints record (epoch and accuracy are added per file).
  public let modelDescription: ModelDescription
  public let trainSet: ImageDataset
  /// The evaluation images (the first `testSubset` test images), nil when the source has no test set.
  public let testSet: ImageDataset?
  public let normalization: Normalization
  public let outputDirectory: String?
  let report: (TrainingEvent) -> Void

  public private(set) var records: [TrainingRecord] = []
  /// 0-based epoch of the best test accuracy so far.
  public private(set) var bestEpoch: Int?
  private var elapsedBefore = 0.0
  private var clockStart = 0.0

  public init(settings: TrainSettings, genotype: Genotype, data: LoadedData, outputDirectory: String?,
              report: @escaping (TrainingEvent) -> Void = { _ in }) throws {
    try settings.validate()
    guard data.train.count > 0 else { throw TrainError.dataMismatch("the training set is empty") }
    self.settings = settings
    self.genotype = genotype
    trainSet = data.train
    testSet = data.test.map { test in settings.testSubset.map { test.prefix($0) } ?? test }
    normalization = data.normalization
    let shape = NetworkShape(inputChannels: data.train.channels, height: data.train.height, width: data.train.width,
                             classes: data.train.classNames.count)
    network = try Trainer.makeNetwork(genotype: genotype, shape: shape, settings: settings)
    modelDescription = ModelDescription(
      genotype: genotype, shape: shape, initChannels: settings.initChannels, layers: settings.layers,
      auxiliary: network.auxiliaryHead != nil, classNames: data.train.classNames, mean: normalization.mean,
      std: normalization.std, extra: ["data": settings.data])
    optimizer = SGD(network.parameters, learningRate: settings.learningRate, momentum: settings.momentum,
                    weightDecay: settings.weightDecay)
    self.outputDirectory = outputDirectory
    self.report = report
  }

  /// The network of `settings` for `shape`; an impossible auxiliary head is an error that suggests the fix.
  public static func makeNetwork(genotype: Genotype, shape: NetworkShape, settings: TrainSettings) throws
    -> EvaluationNetwork {
    do {
      return try EvaluationNetwork(genotype: genotype, shape: shape, initChannels: settings.initChannels,
                                   layers: settings.layers,
                                   auxiliary: settings.auxiliary && settings.auxiliaryWeight > 0,
                                   seed: mixSeed(settings.seed, 0x494E_4954, 1))  // "INIT"
    } catch let error as NetworkError {
      if case .auxiliaryHeadSize = error { throw TrainError.network("\(error) (pass --no-auxiliary)") }
      throw TrainError.network(error.description)
    }
  }

  var lastPath: String? { outputDirectory.map { $0 + "/last.ckpt" } }
  var bestPath: String? { outputDirectory.map { $0 + "/model.ckpt" } }

  // MARK: Running

  /// Trains from scratch (or from `settings.initFrom`), or with `resume` continues from `last.ckpt`.
  /// - Parameter stopAfter: end after this many epochs in total as if killed (tests of resuming).
  @discardableResult
  public func run(resume: Bool = false, stopAfter: Int? = nil) throws -> TrainingSummary {
    clockStart = monotonicSeconds()
    var startEpoch = 0
    if resume {
      guard let path = lastPath, fileExists(path) else {
        throw TrainError.nothingToResume(lastPath ?? "last.ckpt")
      }
      startEpoch = try restoreState(from: path)
    } else if let path = settings.initFrom {
      try initialize(from: path)
    }
    if let directory = outputDirectory {
      try makeDirectories(directory)
      try writeFileAtomically(directory + "/genotype.json", text: genotype.jsonString() + "\n")
    }
    let steps = (trainSet.count + settings.batchSize - 1) / settings.batchSize
    report(.started(parameters: network.inferenceParameterCount, epochs: settings.epochs, startEpoch: startEpoch,
                    stepsPerEpoch: steps))
    for epoch in startEpoch..<settings.epochs {
      if let stopAfter, epoch >= stopAfter { break }
      let record = try runEpoch(epoch)
      records.append(record)
      var improved = testSet == nil
      if let accuracy = record.testAccuracy {
        improved = bestEpoch.flatMap { records[$0].testAccuracy }.map { accuracy > $0 } ?? true
      }
      if improved { bestEpoch = epoch }
      try saveEpoch(epoch, improved: improved)
      report(.epochFinished(record))
    }
    return summary()
  }

  /// One pass over the training set, then the test-set evaluation.
  func runEpoch(_ epoch: Int) throws -> TrainingRecord {
    let epochStart = monotonicSeconds()
    let learningRate = settings.schedule.learningRate(epoch: epoch)
    optimizer.learningRate = learningRate
    let dropPath = settings.dropPathProbability(epoch: epoch)
    var batches = BatchIterator(dataset: trainSet, batchSize: settings.batchSize, normalization: normalization,
                                augmentation: settings.trainingAugmentation,
                                seed: mixSeed(settings.seed, 0x4241_5443, 2), epoch: epoch)  // "BATC"
    let steps = batches.batchCount
    let parameters = network.parameters
    var lossSum = 0.0, objectiveSum = 0.0, correct = 0, count = 0, step = 0
    while let batch = batches.next() {
      optimizer.zeroGrad()
      let context = ForwardContext(training: true, seed: mixSeed(settings.seed, UInt64(epoch), UInt64(step) &+ 0x5000),
                                   dropPathProbability: dropPath)
      let (logits, auxiliaryLogits) = network.forwardWithAuxiliary(batch.images, context)
      let main = Tensor.crossEntropy(logits: logits, labels: batch.labels)
      var objective = main
      if let auxiliaryLogits {
        objective = main + Tensor.crossEntropy(logits: auxiliaryLogits, labels: batch.labels)
          .scaled(by: settings.auxiliaryWeight)
      }
      let value = objective.scalarValue
      guard value.isFinite else { throw TrainError.nonFiniteLoss(epoch: epoch, step: step) }
      objective.backward()
      clipGradientNorm(parameters, maxNorm: settings.gradientClip)
      optimizer.step()
      lossSum += Double(main.scalarValue) * Double(batch.count)
      objectiveSum += Double(value) * Double(batch.count)
      correct += Tensor.top1Correct(logits: logits, labels: batch.labels)
      count += batch.count
      step += 1
      report(.step(epoch: epoch, step: step, steps: steps, loss: Float(lossSum / Double(count)),
                   accuracy: Float(correct) / Float(count)))
    }
    let test = testSet.map { evaluate(network, on: $0, normalization: normalization,
                                      batchSize: max(settings.batchSize, 128)) }
    return TrainingRecord(
      epoch: epoch, learningRate: learningRate, dropPath: dropPath, trainLoss: Float(lossSum / Double(count)),
      trainObjective: Float(objectiveSum / Double(count)), trainAccuracy: Float(correct) / Float(count),
      testLoss: test.map { Float($0.loss) }, testAccuracy: test.map { Float($0.accuracy) },
      seconds: monotonicSeconds() - epochStart)
  }

  public func summary() -> TrainingSummary {
    let best = bestEpoch.map { records[$0] }
    return TrainingSummary(
      epochs: records.count, finalTestAccuracy: records.last?.testAccuracy, bestTestAccuracy: best?.testAccuracy,
      bestEpoch: bestEpoch, finalTrainAccuracy: records.last?.trainAccuracy ?? 0,
      parameters: network.inferenceParameterCount, parametersWithAuxiliary: network.parameterCount,
      cost: try! ModelCost(genotype: genotype, shape: network.shape, initChannels: settings.initChannels,
                           layers: settings.layers),
      seconds: elapsedBefore + monotonicSeconds() - clockStart)
  }

  // MARK: Transfer

  /// Copies the weights of a trained model into the network. The genotype, cells, channels and input shape must
  /// agree; with another class count the classifier (and the auxiliary classifier) keep their fresh weights.
  /// Auxiliary-head tensors the file lacks keep their fresh weights too.
  public func initialize(from path: String) throws {
    let checkpoint = try Checkpoint.read(path: path)
    let saved: ModelDescription
    do { saved = try ModelDescription(json: checkpoint.metadata) } catch {
      throw TrainError.initFromMismatch(path: path, reason: error.description)
    }
    let own = modelDescription
    func mismatch(_ reason: String) -> TrainError { .initFromMismatch(path: path, reason: reason) }
    guard saved.genotype == own.genotype else {
      throw mismatch("the checkpoint has genotype \(saved.genotype.shortDescription), this run \(own.genotype.shortDescription)")
    }
    guard saved.layers == own.layers, saved.initChannels == own.initChannels else {
      throw mismatch("the checkpoint has \(saved.layers) cells of \(saved.initChannels) initial channels, this run "
                     + "\(own.layers) and \(own.initChannels) (set --layers and --init-channels to match)")
    }
    let a = saved.shape, b = own.shape
    guard a.inputChannels == b.inputChannels, a.height == b.height, a.width == b.width else {
      throw mismatch("the checkpoint expects \(a.inputChannels)×\(a.height)×\(a.width) input, the data is "
                     + "\(b.inputChannels)×\(b.height)×\(b.width)")
    }
    let sameClasses = a.classes == b.classes
    func transferred(_ name: String) -> Bool {
      sameClasses || !(name.hasPrefix("classifier.") || name.hasPrefix("auxiliary_head.classifier."))
    }
    func optional(_ name: String) -> Bool { name.hasPrefix("auxiliary_head.") && checkpoint[name] == nil }
    let parameters = network.parameters.filter { transferred($0.name) && !optional($0.name) }
    do {
      try checkpoint.restore(parameters)
      for buffer in network.buffers where transferred(buffer.name) && !optional(buffer.name) {
        guard let tensor = checkpoint[buffer.name] else { throw CheckpointError.missingTensor(buffer.name) }
        guard tensor.count == buffer.count else {
          throw CheckpointError.shapeMismatch(name: buffer.name, expected: [buffer.count], found: tensor.shape)
        }
        buffer.write(tensor.values)
      }
    } catch let error as CheckpointError {
      throw mismatch(error.description)
    }
  }

  // MARK: Checkpoints and results

  /// The model file of the current weights, with the epoch and accuracy in its metadata.
  func modelCheckpoint(epoch: Int) -> Checkpoint {
    var description = modelDescription
    description.extra["epoch"] = String(epoch + 1)
    if let accuracy = records.last?.testAccuracy { description.extra["test_acc"] = String(accuracy) }
    return Checkpoint(model: network, description: description)
  }

  func saveEpoch(_ epoch: Int, improved: Bool) throws {
    guard let directory = outputDirectory, let lastPath, let bestPath else { return }
    var checkpoint = modelCheckpoint(epoch: epoch)
    if improved { try checkpoint.write(to: bestPath) }
    var description = try ModelDescription(json: checkpoint.metadata)
    description.extra["training_state"] = TrainingState(
      epochsDone: epoch + 1, bestEpoch: bestEpoch, elapsed: elapsedBefore + monotonicSeconds() - clockStart,
      records: records).json()
    checkpoint.metadata = description.json()
    for (name, tensor) in optimizer.stateTensors() { checkpoint.set(name, tensor) }
    try checkpoint.write(to: lastPath)
    try writeFileAtomically(directory + "/train.jsonl", text: records.map { $0.jsonLine + "\n" }.joined())
    try writeFileAtomically(directory + "/metrics.json", text: metricsJSON(summary()) + "\n")
    try writeFileAtomically(directory + "/curves.svg",
                            text: TrainingCurves.svg(records, title: "\(settings.data): \(genotypeLabel)"))
  }

  var genotypeLabel: String {
    "\(settings.genotype), C=\(settings.initChannels), L=\(settings.layers), \(network.inferenceParameterCount) params"
  }

  /// Restores weights, buffers, momentum and the training state; returns the epochs already done.
  func restoreState(from path: String) throws -> Int {
    let checkpoint = try Checkpoint.read(path: path)
    let saved = try ModelDescription(json: checkpoint.metadata)
    guard saved.genotype == genotype, saved.shape == modelDescription.shape, saved.layers == settings.layers,
          saved.initChannels == settings.initChannels, saved.auxiliary == modelDescription.auxiliary else {
      throw TrainError.dataMismatch("\(path) was written for another network or dataset; it cannot be resumed")
    }
    guard let stateText = saved.extra["training_state"], let state = TrainingState(json: stateText) else {
      throw CheckpointError.inFile(path: path, .corrupt("no training state (is it a model.ckpt?)"))
    }
    do { try checkpoint.restore(into: network) } catch { throw CheckpointError.inFile(path: path, error) }
    optimizer.loadState { checkpoint[$0] }
    records = state.records
    bestEpoch = state.bestEpoch
    elapsedBefore = state.elapsed
    return state.epochsDone
  }

  /// metrics.json: final and best test accuracy, parameter counts, MACs/FLOPs at batch 1, wall time.
  public func metricsJSON(_ summary: TrainingSummary, pretty: Bool = true) -> String {
    var object: [String: Any] = [
      "epochs": summary.epochs, "epochs_planned": settings.epochs,
      "final_train_acc": Double(summary.finalTrainAccuracy),
      "parameters": summary.parameters, "parameters_with_auxiliary": summary.parametersWithAuxiliary,
      "macs": summary.cost.multiplyAccumulates, "flops": summary.cost.flops, "seconds": summary.seconds,
      "genotype": genotype.jsonObject(), "genotype_name": settings.genotype, "data": settings.data,
      "layers": settings.layers, "init_channels": settings.initChannels,
      "train_images": trainSet.count, "test_images": testSet?.count ?? 0,
    ]
    object["final_test_acc"] = summary.finalTestAccuracy.map { Double($0) } ?? NSNull()
    object["best_test_acc"] = summary.bestTestAccuracy.map { Double($0) } ?? NSNull()
    object["best_epoch"] = summary.bestEpoch.map { $0 + 1 } ?? NSNull()
    let options: JSONSerialization.WritingOptions = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
    return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: options), as: UTF8.self)
  }
}

/// What `last.ckpt` records besides tensors (kept as a JSON string in the model description's extras).
struct TrainingState {
  var epochsDone: Int
  var bestEpoch: Int?
  var elapsed: Double
  var records: [TrainingRecord]

  func json() -> String {
    let object: [String: Any] = ["epochs_done": epochsDone, "best_epoch": bestEpoch ?? -1, "elapsed": elapsed,
                                 "records": records.map(\.jsonLine)]
    return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
  }

  init(epochsDone: Int, bestEpoch: Int?, elapsed: Double, records: [TrainingRecord]) {
    (self.epochsDone, self.bestEpoch, self.elapsed, self.records) = (epochsDone, bestEpoch, elapsed, records)
  }

  init?(json: String) {
    guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
          let epochsDone = object["epochs_done"] as? Int, let best = object["best_epoch"] as? Int,
          let elapsed = object["elapsed"] as? Double, let lines = object["records"] as? [String],
          let records = try? lines.map({ try TrainingRecord(jsonLine: $0) }) else { return nil }
    self.init(epochsDone: epochsDone, bestEpoch: best >= 0 ? best : nil, elapsed: elapsed, records: records)
  }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}
