import NN

/// Every hyper-parameter of a search, with the references' defaults per method (ALGORITHMS.md §3.5, §4, §6.3).
/// Written to `config.json` so that a run can be repeated exactly (`nas-search --config config.json`).
public struct SearchSettings: Codable, Equatable, Sendable {
  public var method: SearchMethod
  /// Epochs (per stage for the progressive methods).
  public var epochs: Int
  /// Epochs at the start (of each stage) that update only the weights.
  public var warmupEpochs: Int
  public var batchSize: Int
  public var learningRate: Float
  public var learningRateMin: Float
  public var momentum: Float
  public var weightDecay: Float
  public var gradientClip: Float
  public var architectureLearningRate: Float
  public var architectureBeta1: Float
  public var architectureBeta2: Float
  public var architectureWeightDecay: Float
  /// Global-norm clip of the α/β gradient (0 = none).
  public var architectureGradientClip: Float
  /// Cells of the single-stage supernet (darts, pc).
  public var layers: Int
  /// Cells per stage (progressive methods).
  public var stageLayers: [Int]
  /// Operations removed per edge after each stage (the last stage removes `none` first).
  public var stageOperationDrops: [Int]
  /// Skip-connect dropout base rate per stage.
  public var skipDropoutRates: [Float]
  /// Most skip-connects in the final normal cell (progressive methods).
  public var maxSkips: Int
  public var initChannels: Int
  /// PC-DARTS K (used by pc, pcp, ss-pcp).
  public var partialChannels: Int
  /// DARTS second-order (unrolled) architecture gradient.
  public var secondOrder: Bool
  /// ss in ss·L_BT + (1 − ss)·L_CE (ss-pcp only).
  public var ssFactor: Float
  /// Width of the Barlow Twins projector (3 bias-free layers).
  public var projectorDimension: Int
  /// Barlow Twins off-diagonal weight λ (0 = 1/projectorDimension).
  public var barlowTwinsLambda: Float
  /// Zero padding of the random crop (0 disables cropping).
  public var cropPadding: Int
  public var horizontalFlip: Bool
  public var seed: UInt64
  /// Use only the first N training images (nil = all).
  public var subset: Int?
  public var data: String

  /// The reference settings of `method` (CIFAR-10 values of the papers' code).
  public static func defaults(for method: SearchMethod) -> SearchSettings {
    var s = SearchSettings(
      method: method, epochs: 50, warmupEpochs: 0, batchSize: 64, learningRate: 0.025, learningRateMin: 0.001,
      momentum: 0.9, weightDecay: 3e-4, gradientClip: 5, architectureLearningRate: 3e-4, architectureBeta1: 0.5,
      architectureBeta2: 0.999, architectureWeightDecay: 1e-3, architectureGradientClip: 0, layers: 8,
      stageLayers: [5, 11, 17], stageOperationDrops: [3, 2, 2], skipDropoutRates: [0.1, 0.4, 0.7], maxSkips: 2,
      initChannels: 16, partialChannels: 1, secondOrder: false, ssFactor: 0, projectorDimension: 256,
      barlowTwinsLambda: 0, cropPadding: 4, horizontalFlip: true, seed: 2, subset: nil, data: "fashion-mnist")
    switch method {
    case .darts:
      break
    case .pc:
      s.batchSize = 256
      s.learningRate = 0.1
      s.learningRateMin = 0
      s.warmupEpochs = 15
      s.architectureLearningRate = 6e-4
      s.partialChannels = 4
    case .p, .pcp, .ssPcp:
      s.epochs = 25
      s.warmupEpochs = 10
      s.batchSize = 96
      s.learningRateMin = 0
      s.architectureLearningRate = 6e-4
      s.architectureGradientClip = 5
      s.partialChannels = method == .p ? 1 : 4
      s.ssFactor = method == .ssPcp ? 0.75 : 0
    }
    return s
  }

  /// The K actually used (1 for methods without partial channels).
  public var effectivePartialChannels: Int { method.usesPartialChannels ? partialChannels : 1 }

  /// Whether the Barlow Twins term takes part (ss-pcp with ss > 0). With ss = 0 the run is PCP-DARTS exactly.
  public var usesSelfSupervision: Bool { method == .ssPcp && ssFactor > 0 }

  /// Number of stages and the cells of each.
  public var stages: [Int] { method.isProgressive ? stageLayers : [layers] }

  /// Checks values that would make the run meaningless, naming the flag.
  public func validate() throws(SearchError) {
    func require(_ condition: Bool, _ message: String) throws(SearchError) {
      if !condition { throw .invalidOption(message) }
    }
    try require(epochs > 0, "--epochs must be positive, got \(epochs)")
    try require(warmupEpochs >= 0, "--warmup-epochs must not be negative")
    try require(batchSize > 0, "--batch must be positive, got \(batchSize)")
    try require(learningRate > 0 && learningRate.isFinite, "--learning-rate must be positive")
    try require(initChannels > 0, "--init-channels must be positive")
    try require(partialChannels >= 1, "--partial-k must be at least 1")
    try require((0...1).contains(ssFactor), "--ss-factor must be in [0, 1], got \(ssFactor)")
    try require(!secondOrder || method == .darts, "--second-order applies to --method darts only")
    if method.isProgressive {
      try require(!stageLayers.isEmpty && stageOperationDrops.count == stageLayers.count
                  && skipDropoutRates.count == stageLayers.count,
                  "--stage-layers, --stage-drops and --skip-dropout need one value per stage")
      try require(stageOperationDrops.reduce(0, +) == Primitive.allCases.count - 1,
                  "--stage-drops must remove \(Primitive.allCases.count - 1) of the 8 operations in total, leaving one per edge")
    } else {
      try require(layers >= 3, "--layers must be at least 3, got \(layers)")
    }
    if let subset { try require(subset >= 2, "--subset must be at least 2 (half for weights, half for α)") }
  }
}
