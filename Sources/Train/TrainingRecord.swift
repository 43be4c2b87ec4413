import Foundation

/// One line of train.jsonl: the figures of one finished epoch.
public struct TrainingRecord: Codable, Equatable, Sendable {
  /// 0-based.
  public var epoch: Int
  public var learningRate: Float
  public var dropPath: Float
  /// Mean cross-entropy of the main classifier over the epoch's training batches (the auxiliary term excluded).
  public var trainLoss: Float
  /// Mean training objective: main CE + auxiliary weight · auxiliary CE.
  public var trainObjective: Float
  public var trainAccuracy: Float
  /// Test-set loss and accuracy after the epoch (nil without a test set).
  public var testLoss: Float?
  public var testAccuracy: Float?
  public var seconds: Double

  enum CodingKeys: String, CodingKey {
    case epoch, seconds
    case learningRate = "lr", dropPath = "drop_path", trainLoss = "train_loss", trainObjective = "train_objective"
    case trainAccuracy = "train_acc", testLoss = "test_loss", testAccuracy = "test_acc"
  }

  /// Compact JSON with sorted keys, one line.
  public var jsonLine: String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try! encoder.encode(self), as: UTF8.self)
  }

  public init(jsonLine: String) throws {
    self = try JSONDecoder().decode(TrainingRecord.self, from: Data(jsonLine.utf8))
  }

  public init(epoch: Int, learningRate: Float, dropPath: Float, trainLoss: Float, trainObjective: Float,
              trainAccuracy: Float, testLoss: Float?, testAccuracy: Float?, seconds: Double) {
    (self.epoch, self.learningRate, self.dropPath) = (epoch, learningRate, dropPath)
    (self.trainLoss, self.trainObjective, self.trainAccuracy) = (trainLoss, trainObjective, trainAccuracy)
    (self.testLoss, self.testAccuracy, self.seconds) = (testLoss, testAccuracy, seconds)
  }
}

/// What a running training reports, for progress display and `--json` lines.
public enum TrainingEvent {
  case started(parameters: Int, epochs: Int, startEpoch: Int, stepsPerEpoch: Int)
  case step(epoch: Int, step: Int, steps: Int, loss: Float, accuracy: Float)
  case epochFinished(TrainingRecord)
}

/// The outcome of a run (also metrics.json).
public struct TrainingSummary: Equatable, Sendable {
  public var epochs: Int
  public var finalTestAccuracy: Float?
  public var bestTestAccuracy: Float?
  /// 0-based epoch of the best test accuracy.
  public var bestEpoch: Int?
  public var finalTrainAccuracy: Float
  public var parameters: Int
  public var parametersWithAuxiliary: Int
  public var cost: ModelCost
  public var seconds: Double
}
