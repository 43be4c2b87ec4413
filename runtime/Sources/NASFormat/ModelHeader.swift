/// What the runtime needs to know before running a model: the input it expects and what the outputs mean.
///
/// The graph input (value 0) is the (N, C, H, W) image after normalisation: pixel p in [0, 1] (8-bit value / 255)
/// of channel c becomes `(p - mean[c]) / std[c]`.
public struct ModelHeader: Equatable, Sendable {
  /// Input channels C.
  public var inputChannels: Int
  /// Input height H.
  public var inputHeight: Int
  /// Input width W.
  public var inputWidth: Int
  /// One name per class; the logits output has `classNames.count` entries per sample.
  public var classNames: [String]
  /// Per-channel mean, `inputChannels` entries, finite.
  public var mean: [Float]
  /// Per-channel standard deviation, `inputChannels` entries, finite and > 0.
  public var std: [Float]

  public init(inputChannels: Int, inputHeight: Int, inputWidth: Int, classNames: [String],
              mean: [Float], std: [Float]) {
    self.inputChannels = inputChannels
    self.inputHeight = inputHeight
    self.inputWidth = inputWidth
    self.classNames = classNames
    self.mean = mean
    self.std = std
  }

  /// Number of classes (logits per sample).
  public var classCount: Int { classNames.count }

  /// The per-sample input shape (C, H, W).
  public var inputShape: [Int] { [inputChannels, inputHeight, inputWidth] }
}

/// One free-form key/value pair (e.g. `producer`, `genotype` as JSON). Order is preserved; keys are unique.
public struct MetadataEntry: Equatable, Sendable {
  public var key: String
  public var value: String

  public init(key: String, value: String) {
    self.key = key
    self.value = value
  }
}
