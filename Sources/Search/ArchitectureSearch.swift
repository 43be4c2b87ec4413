import Datasets
import FileIO
import Foundation
import ImageDatasets
import NN
import TensorEngine

/// Runs a whole search: one stage (DARTS, PC-DARTS) or three (P-DARTS family), each epoch a pass of bilevel
/// steps over the train half with val-half batches for α/β, a checkpoint after every epoch, and the genotype at
/// the end. Deterministic for a seed: batches, augmentation and dropout draw from generators derived from
/// (seed, stage, epoch, step), so a run resumed from a checkpoint continues exactly as an uninterrupted one.
public final class ArchitectureSearch {
  public let settings: SearchSettings
  let weightHalf: ImageDataset
  let architectureHalf: ImageDataset
  let normalization: Normalization
  let shape: NetworkShape
  /// Where checkpoints and results go (nil: nothing is written).
  let outputDirectory: String?
  let report: (SearchEvent) -> Void

  /// search.jsonl lines so far.
  private(set) var records: [String] = []
  private var clockStart = 0.0
  private var elapsedBefore = 0.0

  public init(settings: SearchSettings, data: LoadedData, outputDirectory: String?,
              report: @escaping (SearchEvent) -> Void = { _ in }) throws(SearchError) {
    try settings.validate()
    self.settings = settings
    (weightHalf, architectureHalf) = data.train.searchSplit()
    guard weightHalf.count > 0, architectureHalf.count > 0 else {
      throw .invalidOption("the training set has \(data.train.count) images; a search needs at least 2")
    }
    normalization = data.normalization
    shape = NetworkShape(inputChannels: data.train.channels, height: data.train.height, width: data.train.width,
                         classes: data.train.classNames.count)
    self.outputDirectory = outputDirectory
    self.report = report
    // Fail on impossible shapes before any work.
    for layers in settings.stages { _ = try Supernet(configuration(layers: layers, space: .full()), seed: 0) }
  }

  func configuration(layers: Int, space: SearchSpace) -> SupernetConfiguration {
    SupernetConfiguration(shape: shape, layers: layers, initChannels: settings.initChannels,
                          partialChannels: settings.effectivePartialChannels,
                          edgeNormalization: settings.method.usesPartialChannels, space: space)
  }

  var checkpointPath: String? { outputDirectory.map { $0 + "/checkpoint.ckpt" } }

  // MARK: Running

  /// Runs (or, with `resume`, continues from the last checkpoint) and returns the final genotype.
  public func run(resume: Bool = false) throws -> Genotype {
    clockStart = monotonicSeconds()
    var stage = 0, startEpoch = 0
    var space = SearchSpace.full()
    var restored: Checkpoint? = nil
    if resume, let path = checkpointPath, fileExists(path) {
      let checkpoint = try Checkpoint.read(path: path)
      let meta = try CheckpointMetadata(json: checkpoint.metadata)
      (stage, startEpoch, space, records, elapsedBefore) = (meta.stage, meta.epochsDone, meta.space, meta.records, meta.elapsed)
      restored = checkpoint
    }
    let stages = settings.stages
    var finalGenotype: Genotype? = nil
    while stage < stages.count {
      let searchStage = makeStage(stage: stage, space: space)
      if let checkpoint = restored {
        try restore(searchStage, from: checkpoint)
        restored = nil
      }
      report(.stageStarted(stage: stage, stages: stages.count, layers: stages[stage],
                           operationsPerEdge: space.operationsPerEdge, parameters: searchStage.supernet.weightCount))
      for epoch in startEpoch..<settings.epochs {
        try runEpoch(searchStage, stage: stage, epoch: epoch)
        try saveCheckpoint(searchStage, stage: stage, epochsDone: epoch + 1, space: space)
      }
      startEpoch = 0
      let snapshot = searchStage.supernet.architectureSnapshot()
      if settings.method.isProgressive {
        if stage == stages.count - 1 {
          finalGenotype = progressiveGenotype(snapshot)
        } else {
          space = nextSpace(snapshot, drop: settings.stageOperationDrops[stage], isLastStage: false)
        }
      } else {
        finalGenotype = snapshot.genotype()
      }
      stage += 1
      if stage < stages.count {
        // The next stage starts from scratch; checkpoint the boundary so a resume begins it directly.
        try saveBoundary(stage: stage, space: space)
      }
    }
    let genotype = finalGenotype!
    try writeResults(genotype)
    report(.finished(genotype))
    return genotype
  }

  func makeStage(stage: Int, space: SearchSpace) -> SearchStage {
    let supernet = try! Supernet(configuration(layers: settings.stages[stage], space: space),
                                 seed: mixSeed(settings.seed, UInt64(stage), 1))
    return SearchStage(supernet: supernet, settings: settings, projectorSeed: mixSeed(settings.seed, UInt64(stage), 2))
  }

  /// The survivors of each edge after a stage (ALGORITHMS.md §4.2), for both cell types.
  func nextSpace(_ snapshot: ArchitectureSnapshot, drop: Int, isLastStage: Bool) -> SearchSpace {
    SearchSpace(
      normal: ProgressiveRules.dropOperations(snapshot.space.normal, probabilities: snapshot.alphaNormal.map(softmax),
                                              count: drop, isLastStage: isLastStage),
      reduce: ProgressiveRules.dropOperations(snapshot.space.reduce, probabilities: snapshot.alphaReduce.map(softmax),
                                              count: drop, isLastStage: isLastStage))
  }

  /// P-DARTS final cells (§4.4): at most `maxSkips` skips in the normal cell; PCP ranks edges by α·β (§4.5 (b)).
  func progressiveGenotype(_ snapshot: ArchitectureSnapshot) -> Genotype {
    let usesBeta = settings.method.usesPartialChannels
    return Genotype(
      normal: ProgressiveRules.finalCell(operations: snapshot.space.normal,
                                         probabilities: snapshot.alphaNormal.map(softmax),
                                         edgeScale: usesBeta ? ArchitectureSnapshot.edgeWeights(snapshot.betaNormal) : nil,
                                         maxSkips: settings.maxSkips),
      reduce: ProgressiveRules.finalCell(operations: snapshot.space.reduce,
                                         probabilities: snapshot.alphaReduce.map(softmax),
                                         edgeScale: usesBeta ? ArchitectureSnapshot.edgeWeights(snapshot.betaReduce) : nil,
                                         maxSkips: nil))
  }

  func runEpoch(_ searchStage: SearchStage, stage: Int, epoch: Int) throws {
    let epochStart = monotonicSeconds()
    let schedule = CosineSchedule(initial: settings.learningRate, minimum: settings.learningRateMin,
                                  epochs: settings.epochs)
    let learningRate = schedule.learningRate(epoch: epoch)
    searchStage.weightOptimizer.learningRate = learningRate
    let skipDropout = settings.method.isProgressive
      ? ProgressiveRules.skipDropoutRate(base: settings.skipDropoutRates[stage], epoch: epoch,
                                         epochs: settings.epochs, warmup: settings.warmupEpochs)
      : 0
    searchStage.supernet.setSkipDropout(skipDropout)

    let (augmentation, second) = augmentations()
    let stageSeed = mixSeed(settings.seed, UInt64(stage), 3)
    var trainBatches = BatchIterator(dataset: weightHalf, batchSize: settings.batchSize,
                                     normalization: normalization, augmentation: augmentation,
                                     secondAugmentation: second, seed: stageSeed, epoch: epoch)
    var validationBatches = BatchIterator(dataset: architectureHalf, batchSize: settings.batchSize,
                                          normalization: normalization, augmentation: augmentation,
                                          secondAugmentation: second, seed: mixSeed(stageSeed, 4, 4), epoch: epoch)
    let steps = trainBatches.batchCount
    let updatesArchitecture = epoch >= settings.warmupEpochs
    var train = (loss: 0.0, correct: 0, count: 0), validation = (loss: 0.0, correct: 0, count: 0)
    var step = 0
    while let batch = trainBatches.next() {
      let context = ForwardContext(training: true, seed: mixSeed(mixSeed(settings.seed, UInt64(stage), UInt64(epoch)),
                                                                 UInt64(step), 5))
      if updatesArchitecture {
        let validationBatch = validationBatches.next() ?? batch
        let result = settings.secondOrder
          ? searchStage.unrolledArchitectureStep(validation: validationBatch, train: batch,
                                                 learningRate: learningRate, context)
          : searchStage.architectureStep(validationBatch, context)
        guard result.loss.isFinite else { throw SearchError.nonFiniteLoss(epoch: epoch, step: step, which: "architecture") }
        validation.loss += Double(result.loss) * Double(result.count)
        validation.correct += result.correct
        validation.count += result.count
      }
      let result = searchStage.weightStep(batch, context)
      guard result.loss.isFinite else { throw SearchError.nonFiniteLoss(epoch: epoch, step: step, which: "weight") }
      train.loss += Double(result.loss) * Double(result.count)
      train.correct += result.correct
      train.count += result.count
      step += 1
      let elapsed = elapsedBefore + monotonicSeconds() - clockStart
      let epochFraction = Double(step) / Double(steps)
      let secondsPerEpoch = (monotonicSeconds() - epochStart) / epochFraction
      let epochsLeft = Double(settings.epochs - epoch - 1) + (1 - epochFraction)
        + Double((settings.stages.count - stage - 1) * settings.epochs)
      report(.step(SearchProgress(stage: stage, stages: settings.stages.count, epoch: epoch, epochs: settings.epochs,
                                  step: step, steps: steps, loss: Float(train.loss / Double(train.count)),
                                  accuracy: Float(train.correct) / Float(train.count), elapsed: elapsed,
                                  remaining: secondsPerEpoch * epochsLeft)))
    }
    let snapshot = searchStage.supernet.architectureSnapshot()
    let record = EpochRecord(
      stage: stage, epoch: epoch, learningRate: learningRate, skipDropout: skipDropout,
      trainLoss: Float(train.loss / Double(max(train.count, 1))),
      trainAccuracy: Float(train.correct) / Float(max(train.count, 1)),
      validationLoss: validation.count > 0 ? Float(validation.loss / Double(validation.count)) : nil,
      validationAccuracy: validation.count > 0 ? Float(validation.correct) / Float(validation.count) : nil,
      architecture: snapshot, genotype: snapshot.genotype(), seconds: monotonicSeconds() - epochStart)
    records.append(jsonLine(record.jsonObject()))
    report(.epochFinished(record))
  }

  /// Training-view augmentation, and the second view of the self-supervised search.
  func augmentations() -> (AugmentationPipeline, AugmentationPipeline?) {
    if settings.usesSelfSupervision { return (.selfSupervisedViewA, .selfSupervisedViewB) }
    let crop = settings.cropPadding > 0
    var pipeline = AugmentationPipeline.train(cutout: 0, padding: settings.cropPadding, flip: settings.horizontalFlip)
    if !crop { pipeline = AugmentationPipeline.train(cutout: 0, padding: 0, flip: settings.horizontalFlip) }
    return (pipeline, nil)
  }

  // MARK: Checkpoints and results

  func saveCheckpoint(_ searchStage: SearchStage, stage: Int, epochsDone: Int, space: SearchSpace) throws {
    guard let path = checkpointPath else { return }
    var checkpoint = Checkpoint(metadata: CheckpointMetadata(
      stage: stage, epochsDone: epochsDone, space: space, records: records,
      elapsed: elapsedBefore + monotonicSeconds() - clockStart).json())
    checkpoint.set(searchStage.weightParameters)
    checkpoint.set(searchStage.supernet.architectureParameters)
    for buffer in searchStage.buffers { checkpoint.set(buffer.name, Tensor(shape: [buffer.count], values: buffer.read())) }
    for (name, tensor) in searchStage.weightOptimizer.stateTensors() { checkpoint.set(name, tensor) }
    for (name, tensor) in searchStage.architectureOptimizer.stateTensors() { checkpoint.set(name, tensor) }
    try checkpoint.write(to: path)
    try writeRecords()
  }

  /// A checkpoint at a stage boundary: no weights (the next stage starts fresh), only the new search space.
  func saveBoundary(stage: Int, space: SearchSpace) throws {
    guard let path = checkpointPath else { return }
    let checkpoint = Checkpoint(metadata: CheckpointMetadata(
      stage: stage, epochsDone: 0, space: space, records: records,
      elapsed: elapsedBefore + monotonicSeconds() - clockStart).json())
    try checkpoint.write(to: path)
  }

  func restore(_ searchStage: SearchStage, from checkpoint: Checkpoint) throws {
    guard !checkpoint.entries.isEmpty else { return }   // a stage boundary: fresh stage
    try checkpoint.restore(searchStage.weightParameters)
    try checkpoint.restore(searchStage.supernet.architectureParameters)
    for buffer in searchStage.buffers {
      guard let saved = checkpoint[buffer.name], saved.count == buffer.count else {
        throw CheckpointError.missingTensor(buffer.name)
      }
      buffer.write(saved.values)
    }
    searchStage.weightOptimizer.loadState { checkpoint[$0] }
    searchStage.architectureOptimizer.loadState { checkpoint[$0] }
  }

  func writeRecords() throws {
    guard let directory = outputDirectory else { return }
    try writeFileAtomically(directory + "/search.jsonl", text: records.map { $0 + "\n" }.joined())
  }

  func writeResults(_ genotype: Genotype) throws {
    guard let directory = outputDirectory else { return }
    try writeFileAtomically(directory + "/genotype.json", text: genotype.jsonString() + "\n")
    try writeRecords()
    for (name, cell) in [("normal", genotype.normal), ("reduction", genotype.reduce)] {
      try writeFileAtomically(directory + "/\(name).dot", text: CellDiagram.dot(cell, title: name))
      try writeFileAtomically(directory + "/\(name).svg", text: CellDiagram.svg(cell, title: name))
    }
  }
}

/// What a search checkpoint records besides tensors.
struct CheckpointMetadata {
  var stage: Int
  var epochsDone: Int
  var space: SearchSpace
  var records: [String]
  var elapsed: Double

  func json() -> String {
    jsonLine(["stage": stage, "epochs_done": epochsDone, "elapsed": elapsed, "records": records,
              "space_normal": space.normal.map { $0.map(\.rawValue) },
              "space_reduce": space.reduce.map { $0.map(\.rawValue) }])
  }

  init(stage: Int, epochsDone: Int, space: SearchSpace, records: [String], elapsed: Double) {
    (self.stage, self.epochsDone, self.space, self.records, self.elapsed) = (stage, epochsDone, space, records, elapsed)
  }

  init(json: String) throws(CheckpointError) {
    guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
          let stage = object["stage"] as? Int, let epochsDone = object["epochs_done"] as? Int,
          let records = object["records"] as? [String], let elapsed = object["elapsed"] as? Double,
          let normal = object["space_normal"] as? [[String]], let reduce = object["space_reduce"] as? [[String]]
    else { throw .corrupt("search checkpoint metadata is incomplete") }
    func ops(_ rows: [[String]]) throws(CheckpointError) -> [[Primitive]] {
      var result: [[Primitive]] = []
      for row in rows {
        var ops: [Primitive] = []
        for name in row {
          guard let op = Primitive(rawValue: name) else { throw .corrupt("unknown operation '\(name)'") }
          ops.append(op)
        }
        result.append(ops)
      }
      return result
    }
    self.init(stage: stage, epochsDone: epochsDone, space: SearchSpace(normal: try ops(normal), reduce: try ops(reduce)),
              records: records, elapsed: elapsed)
  }
}

/// Compact single-line JSON with sorted keys.
func jsonLine(_ object: Any) -> String {
  let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
  return String(decoding: data, as: UTF8.self)
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_MONOTONIC, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}
