import Foundation
import Freezer
import NN
import TensorEngine

/// A small evaluation network (C=8, L=5, 1×28×28, 10 classes) with non-trivial BatchNorm statistics, so that
/// folding is really exercised, and helpers shared by the export tests.
enum ExportFixtures {
  /// Every exportable primitive in one genotype: pools, skip (identity and FactorizedReduce), sep and dil convs.
  static let allOperationsGenotype = Genotype(
    normal: CellGenotype(edges: [
      GenotypeEdge(.sepConv3x3, 0), GenotypeEdge(.skipConnect, 1),
      GenotypeEdge(.dilConv3x3, 0), GenotypeEdge(.avgPool3x3, 2),
      GenotypeEdge(.sepConv5x5, 1), GenotypeEdge(.maxPool3x3, 3),
      GenotypeEdge(.dilConv5x5, 4), GenotypeEdge(.skipConnect, 0),
    ]),
    reduce: CellGenotype(edges: [
      GenotypeEdge(.maxPool3x3, 0), GenotypeEdge(.skipConnect, 1),
      GenotypeEdge(.avgPool3x3, 0), GenotypeEdge(.sepConv3x3, 2),
      GenotypeEdge(.dilConv3x3, 1), GenotypeEdge(.skipConnect, 2),
      GenotypeEdge(.sepConv5x5, 0), GenotypeEdge(.dilConv5x5, 3),
    ]))

  static let classNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                           "Bag", "Ankle boot"]

  static func description(genotype: Genotype = allOperationsGenotype, initChannels: Int = 8,
                          layers: Int = 5) -> ModelDescription {
    ModelDescription(genotype: genotype, shape: NetworkShape(inputChannels: 1, height: 28, width: 28, classes: 10),
                     initChannels: initChannels, layers: layers, auxiliary: true, classNames: classNames, mean: [0.2860],
                     std: [0.3530], extra: ["data": "fashion-mnist"])
  }

  /// A randomly initialised network whose BatchNorm scales, shifts and running statistics are random too.
  static func network(genotype: Genotype = allOperationsGenotype, initChannels: Int = 8, layers: Int = 5,
                      seed: UInt64 = 5) throws -> EvaluationNetwork {
    let network = try description(genotype: genotype, initChannels: initChannels, layers: layers).makeNetwork(seed: seed)
    var rng = PRNG(seed: seed &+ 100)
    for p in network.parameters where p.name.hasSuffix(".weight") && p.shape.count == 1 {
      for i in 0..<p.count { p.data[i] = rng.uniform(0.5, 1.5) }
    }
    for p in network.parameters where p.name.hasSuffix(".bias") && p.shape.count == 1 && !p.name.hasPrefix("classifier") {
      for i in 0..<p.count { p.data[i] = rng.uniform(-0.3, 0.3) }
    }
    for buffer in network.buffers {
      let isVariance = buffer.name.hasSuffix("running_var")
      buffer.write((0..<buffer.count).map { _ in isVariance ? rng.uniform(0.5, 2) : rng.uniform(-0.3, 0.3) })
    }
    return network
  }

  /// Deterministic normalised inputs (N, 1, 28, 28).
  static func inputs(_ n: Int, seed: UInt64 = 11) -> Tensor {
    var rng = PRNG(seed: seed)
    return Tensor.randomNormal([n, 1, 28, 28], using: &rng)
  }

  static func engineLogits(_ network: EvaluationNetwork, _ x: Tensor) -> Tensor {
    noGrad { network.forward(x, ForwardContext(training: false)) }
  }

  static func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "logit counts differ: \(a.count) vs \(b.count)")
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
  }

  static func argmaxes(_ logits: [Float], classes: Int) -> [Int] {
    stride(from: 0, to: logits.count, by: classes).map { start in
      (start..<(start + classes)).max(by: { logits[$0] < logits[$1] })! - start
    }
  }

  /// The repository root (this file is Tests/ExportTests/ExportFixtures.swift).
  static var repositoryRoot: String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().path
  }

  /// A fresh temporary directory.
  static func temporaryDirectory() -> String {
    let path = NSTemporaryDirectory() + "export-tests-" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }
}
