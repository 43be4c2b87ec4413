import Datasets
import TensorEngine

/// Every hyper-parameter of a training run, with the reference values of ALGORITHMS.md §5.1 as defaults
/// (DARTS/PC-DARTS CIFAR evaluation: 600 epochs, batch 96, SGD lr 0.025 cosine to 0, momentum 0.9, wd 3e-4,
/// clip 5, auxiliary 0.4, cutout 16, C = 36, L = 20). Written to `config.json` so that `--resume` repeats the run.
///
/// Drop-path defaults to 0.2 (DARTS; PC-DARTS and P-DARTS use 0.3): the networks that fit a CPU budget are
/// smaller than the references', so the milder value of the two is the better default.
public struct TrainSettings: Codable, Equatable, Sendable {
  /// A published genotype name or a genotype.json path, as given (the resolved cell is in `genotype.json`).
  public var genotype: String = "PC_DARTS"
  public var data: String = "fashion-mnist"
  /// Use the first N training images (nil = all).
  public var subset: Int? = nil
  /// Evaluate on the first N test images (nil = all).
  public var testSubset: Int? = nil
  public var epochs: Int = 600
  public var batchSize: Int = 96
  public var learningRate: Float = 0.025
  public var learningRateMin: Float = 0
  public var momentum: Float = 0.9
  public var weightDecay: Float = 3e-4
  public var gradientClip: Float = 5
  public var layers: Int = 20
  public var initChannels: Int = 36
  public var auxiliary: Bool = true
  public var auxiliaryWeight: Float = 0.4
  /// Maximum drop-path probability; epoch e (0-based) of E uses dropPath · e / E (§5.2).
  public var dropPath: Float = 0.2
  /// Cutout length in pixels (0 = off).
  public var cutout: Int = 16
  /// Zero padding of the random crop (0 = no crop).
  public var cropPadding: Int = 4
  public var horizontalFlip: Bool = true
  public var seed: UInt64 = 0
  /// Model checkpoint whose weights start the run (transfer), or nil.
  public var initFrom: String? = nil

  public init() {}

  /// Drop-path probability of 0-based `epoch`: p_max · e / E (0 in the first epoch).
  public func dropPathProbability(epoch: Int) -> Float {
    dropPath * Float(epoch) / Float(epochs)
  }

  /// The per-epoch learning rate (cosine, advanced at the start of each epoch as in the references: §3.6).
  public var schedule: CosineSchedule {
    CosineSchedule(initial: learningRate, minimum: learningRateMin, epochs: epochs)
  }

  /// The training augmentation (§5.3): random crop with zero padding, horizontal flip, cutout after normalising.
  public var trainingAugmentation: AugmentationPipeline {
    .train(cutout: cutout, padding: cropPadding, flip: horizontalFlip)
  }

  /// Checks values that would make the run meaningless, naming the flag.
  public func validate() throws(TrainError) {
    func require(_ condition: Bool, _ message: String) throws(TrainError) {
      if !condition { throw .invalidOption(message) }
    }
    try require(epochs > 0, "--epochs must be positive, got \(epochs)")
    try require(batchSize > 0, "--batch must be positive, got \(batchSize)")
    try require(learningRate > 0 && learningRate.isFinite, "--learning-rate must be positive, got \(learningRate)")
    try require(learningRateMin >= 0 && learningRateMin <= learningRate, "--learning-rate-min must be in [0, lr]")
    try require(momentum >= 0 && momentum < 1, "--momentum must be in [0, 1), got \(momentum)")
    try require(weightDecay >= 0, "--weight-decay must not be negative, got \(weightDecay)")
    try require(gradientClip > 0, "--grad-clip must be positive, got \(gradientClip)")
    try require(layers >= 3, "--layers must be at least 3, got \(layers)")
    try require(initChannels > 0, "--init-channels must be positive, got \(initChannels)")
    try require(auxiliaryWeight >= 0, "--auxiliary-weight must not be negative, got \(auxiliaryWeight)")
    try require(dropPath >= 0 && dropPath < 1, "--drop-path must be in [0, 1), got \(dropPath)")
    try require(cutout >= 0, "--cutout must not be negative, got \(cutout)")
    try require(cropPadding >= 0, "--crop-padding must not be negative, got \(cropPadding)")
    if let subset { try require(subset > 0, "--subset must be positive, got \(subset)") }
    if let testSubset { try require(testSubset > 0, "--test-subset must be positive, got \(testSubset)") }
  }
}
