/// Every way the runtime refuses a request: a model it cannot plan, or inputs that do not fit the model.
///
/// Format problems are `FormatError`s from the reader; these are the runtime's own. Each case carries the facts
/// for its one-line `description`.
public enum RuntimeError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The planned buffers for `batchSize` would exceed the runtime's memory limit.
  case planTooLarge(batchSize: Int, floats: Int, limit: Int)
  /// A batch size outside 1 ... limit.
  case badBatchSize(Int)
  /// The input holds `actual` values where the model needs `expected` (batch × C × H × W).
  case inputSizeMismatch(expected: Int, actual: Int)
  /// A label outside 0 ..< classCount.
  case labelOutOfRange(label: Int, classCount: Int)
  /// An attack parameter is out of range (e.g. a negative ε).
  case badAttackParameter(String)

  public var description: String {
    switch self {
    case let .planTooLarge(batchSize, floats, limit):
      return "model needs \(floats) floats of activations at batch size \(batchSize), limit is \(limit)"
    case let .badBatchSize(n):
      return "batch size \(n) is out of range"
    case let .inputSizeMismatch(expected, actual):
      return "input has \(actual) values, the model needs \(expected)"
    case let .labelOutOfRange(label, classCount):
      return "label \(label) is outside 0..<\(classCount)"
    case let .badAttackParameter(reason):
      return "bad attack parameter: \(reason)"
    }
  }
}
