import Datasets
import Foundation
import ImageDatasets
import NN
import TensorEngine
import Testing
@testable import Train

/// Real (tiny) training runs on Fashion-MNIST: learning, reproducibility, resume after an interruption, transfer.
@Suite struct TrainerTests {
  static let available = FashionMNIST.isInstalledFromDebian

  static func data(subset: Int, test: Int) throws -> LoadedData {
    var data = try DataSource(parsing: "fashion-mnist").load(subset: subset)
    data.test = data.test?.prefix(test)
    return data
  }

  func scratch(_ name: String) -> String {
    let path = NSTemporaryDirectory() + "train-\(name)-\(getpid())"
    try? FileManager.default.removeItem(atPath: path)
    return path
  }

  /// Small settings: 3 cells (reductions at 1 and 2, auxiliary head on 7×7), C = 4, everything on.
  func tinySettings(epochs: Int = 3) -> TrainSettings {
    var s = TrainSettings()
    (s.layers, s.initChannels, s.epochs, s.batchSize, s.seed) = (3, 4, epochs, 32, 7)
    (s.dropPath, s.cutout, s.cropPadding, s.learningRate) = (0.3, 8, 2, 0.05)
    return s
  }

  func bits(_ network: EvaluationNetwork) -> [String: [UInt32]] {
    var result: [String: [UInt32]] = [:]
    for p in network.parameters { result[p.name] = p.value.values.map(\.bitPattern) }
    for b in network.buffers { result[b.name] = b.read().map(\.bitPattern) }
    return result
  }

  func withoutSeconds(_ records: [TrainingRecord]) -> [TrainingRecord] {
    records.map { var r = $0; r.seconds = 0; return r }
  }

  @Test(.enabled(if: available, "needs Fashion-MNIST"))
  func shortTrainingBeatsChance() throws {
    var s = TrainSettings()
    (s.layers, s.initChannels, s.epochs, s.batchSize, s.learningRate) = (5, 8, 4, 32, 0.1)
    (s.cutout, s.dropPath) = (0, 0.1)
    let out = scratch("learn")
    let trainer = try Trainer(settings: s, genotype: try Genotype.published("PC_DARTS"),
                              data: try Self.data(subset: 512, test: 500), outputDirectory: out)
    let summary = try trainer.run()
    let accuracy = try #require(summary.finalTestAccuracy)
    #expect(accuracy > 0.5, "test accuracy \(accuracy) after 4 epochs on 512 images (chance 0.1)")
    #expect(summary.bestTestAccuracy! >= accuracy)
    // Every output is there and readable.
    for file in ["model.ckpt", "last.ckpt", "train.jsonl", "metrics.json", "curves.svg", "genotype.json"] {
      #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
    }
    let (model, description) = try Checkpoint.loadModel(path: out + "/model.ckpt")
    #expect(description.classNames.count == 10 && description.layers == 5)
    #expect(model.inferenceParameterCount == summary.parameters)
    let lines = try String(contentsOfFile: out + "/train.jsonl", encoding: .utf8).split(separator: "\n")
    #expect(try lines.map { try TrainingRecord(jsonLine: String($0)) } == trainer.records)
    let svg = try String(contentsOfFile: out + "/curves.svg", encoding: .utf8)
    #expect(svg.hasPrefix("<svg") && svg.contains("polyline"))
    let metrics = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/metrics.json")))
      as? [String: Any]
    #expect(metrics?["parameters"] as? Int == summary.parameters)
    #expect(metrics?["macs"] as? Int == summary.cost.multiplyAccumulates)
  }

  @Test(.enabled(if: available, "needs Fashion-MNIST"))
  func sameSeedSameWeightsOtherSeedOtherWeights() throws {
    let data = try Self.data(subset: 192, test: 64)
    let genotype = try Genotype.published("DARTS_V2")
    func train(seed: UInt64) throws -> (EvaluationNetwork, [TrainingRecord]) {
      var s = tinySettings(epochs: 2)
      s.seed = seed
      let trainer = try Trainer(settings: s, genotype: genotype, data: data, outputDirectory: nil)
      try trainer.run()
      return (trainer.network, trainer.records)
    }
    let (a, recordsA) = try train(seed: 7)
    let (b, recordsB) = try train(seed: 7)
    let (c, _) = try train(seed: 8)
    #expect(bits(a) == bits(b))
    #expect(withoutSeconds(recordsA) == withoutSeconds(recordsB))
    #expect(bits(a) != bits(c))
  }

  @Test(.enabled(if: available, "needs Fashion-MNIST"))
  func interruptedAndResumedEqualsUninterrupted() throws {
    let data = try Self.data(subset: 192, test: 64)
    let genotype = try Genotype.published("PC_DARTS")
    let reference = scratch("reference")
    let uninterrupted = try Trainer(settings: tinySettings(), genotype: genotype, data: data,
                                    outputDirectory: reference)
    try uninterrupted.run()

    let killed = scratch("killed")
    try Trainer(settings: tinySettings(), genotype: genotype, data: data, outputDirectory: killed).run(stopAfter: 1)
    let resumed = try Trainer(settings: tinySettings(), genotype: genotype, data: data, outputDirectory: killed)
    try resumed.run(resume: true)

    #expect(bits(resumed.network) == bits(uninterrupted.network))
    #expect(withoutSeconds(resumed.records) == withoutSeconds(uninterrupted.records))
    #expect(resumed.bestEpoch == uninterrupted.bestEpoch)
    // The files agree too, momentum included.
    let a = try Checkpoint.read(path: reference + "/last.ckpt"), b = try Checkpoint.read(path: killed + "/last.ckpt")
    #expect(a.entries.map(\.name) == b.entries.map(\.name))
    for (name, tensor) in a.entries {
      #expect(b[name]?.values.map(\.bitPattern) == tensor.values.map(\.bitPattern), "\(name) differs")
    }
    #expect(throws: TrainError.nothingToResume(scratch("never") + "/last.ckpt")) {
      try Trainer(settings: tinySettings(), genotype: genotype, data: data, outputDirectory: scratch("never"))
        .run(resume: true)
    }
  }

  @Test(.enabled(if: available, "needs Fashion-MNIST"))
  func initFromTransfersAllButANewClassifier() throws {
    let genotype = try Genotype.published("PDARTS")
    let source = scratch("source")
    let fashion = try Self.data(subset: 96, test: 32)
    var s = tinySettings(epochs: 1)
    try Trainer(settings: s, genotype: genotype, data: fashion, outputDirectory: source).run()
    let saved = try Checkpoint.read(path: source + "/model.ckpt")

    // Three classes: the same images relabelled.
    var three = fashion
    three.train = ImageDataset(images: fashion.train.images, labels: fashion.train.labels.map { $0 % 3 },
                               classNames: ["x", "y", "z"], channels: 1, height: 28, width: 28)
    three.test = nil
    s.initFrom = source + "/model.ckpt"
    let target = try Trainer(settings: s, genotype: genotype, data: three, outputDirectory: nil)
    try target.initialize(from: source + "/model.ckpt")
    for p in target.network.parameters {
      if p.name.hasPrefix("classifier.") || p.name.hasPrefix("auxiliary_head.classifier.") {
        #expect(p.shape.first == 3, "\(p.name) \(p.shape)")
      } else {
        #expect(saved[p.name]?.values == p.value.values, "\(p.name) was not transferred")
      }
    }
    for b in target.network.buffers { #expect(saved[b.name]?.values == b.read(), "\(b.name) was not transferred") }
    // Training from there runs.
    try target.run(stopAfter: 1)
    #expect(target.records.count == 1)

    // Same class count: the classifier is transferred too.
    let same = try Trainer(settings: s, genotype: genotype, data: fashion, outputDirectory: nil)
    try same.initialize(from: source + "/model.ckpt")
    #expect(bits(same.network) == bits(try Checkpoint.loadModel(path: source + "/model.ckpt").network))

    // Another genotype or width is a one-line error.
    let other = try Trainer(settings: s, genotype: try Genotype.published("DARTS_V2"), data: fashion,
                            outputDirectory: nil)
    #expect(throws: TrainError.self) { try other.initialize(from: source + "/model.ckpt") }
    var wider = s
    wider.initChannels = 6
    let wide = try Trainer(settings: wider, genotype: genotype, data: fashion, outputDirectory: nil)
    do {
      try wide.initialize(from: source + "/model.ckpt")
      Issue.record("a width mismatch must fail")
    } catch let error as TrainError {
      #expect(error.description.contains("--init-channels") && !error.description.contains("\n"))
    }
  }
}
