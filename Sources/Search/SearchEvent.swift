import Foundation
import NN

/// What a running search reports, for progress display and logs.
public enum SearchEvent {
  case stageStarted(stage: Int, stages: Int, layers: Int, operationsPerEdge: Int, parameters: Int)
  case step(SearchProgress)
  case epochFinished(EpochRecord)
  case finished(Genotype)
}

/// Position and running figures within an epoch.
public struct SearchProgress: Sendable {
  public var stage: Int
  public var stages: Int
  public var epoch: Int
  public var epochs: Int
  public var step: Int
  public var steps: Int
  public var loss: Float
  public var accuracy: Float
  /// Seconds since this run (or resumed run) started, and the estimate of what remains.
  public var elapsed: Double
  public var remaining: Double
}

/// One line of search.jsonl: the figures of one finished epoch.
public struct EpochRecord: Sendable {
  public var stage: Int
  public var epoch: Int
  public var learningRate: Float
  public var skipDropout: Float
  public var trainLoss: Float
  public var trainAccuracy: Float
  /// Loss and accuracy of the architecture steps (nil during warm-up, when there are none).
  public var validationLoss: Float?
  public var validationAccuracy: Float?
  public var architecture: ArchitectureSnapshot
  public var genotype: Genotype
  public var seconds: Double

  /// JSON object with stable keys: softmax(α) rows per cell type, β normalised per node, genotype.
  public func jsonObject() -> [String: Any] {
    var object: [String: Any] = [
      "stage": stage, "epoch": epoch, "lr": Double(learningRate), "skip_dropout": Double(skipDropout),
      "train_loss": Double(trainLoss), "train_acc": Double(trainAccuracy), "seconds": seconds,
      "alpha_normal": architecture.alphaNormal.map { softmax($0).map { Double($0) } },
      "alpha_reduce": architecture.alphaReduce.map { softmax($0).map { Double($0) } },
      "ops_normal": architecture.space.normal.map { $0.map(\.rawValue) },
      "ops_reduce": architecture.space.reduce.map { $0.map(\.rawValue) },
      "genotype": genotype.jsonObject(), "genotype_short": genotype.shortDescription,
    ]
    object["val_loss"] = validationLoss.map { Double($0) } ?? NSNull()
    object["val_acc"] = validationAccuracy.map { Double($0) } ?? NSNull()
    if let beta = architecture.betaNormal {
      object["beta_normal"] = ArchitectureSnapshot.edgeWeights(beta).map { Double($0) }
    }
    if let beta = architecture.betaReduce {
      object["beta_reduce"] = ArchitectureSnapshot.edgeWeights(beta).map { Double($0) }
    }
    return object
  }
}
