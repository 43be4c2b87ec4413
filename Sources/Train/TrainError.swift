/// Why a training or evaluation run cannot go on. Each case prints as one line.
public enum TrainError: Error, Equatable, CustomStringConvertible {
  case invalidOption(String)
  case nonFiniteLoss(epoch: Int, step: Int)
  case initFromMismatch(path: String, reason: String)
  case dataMismatch(String)
  case nothingToResume(String)
  case network(String)

  public var description: String {
    switch self {
    case let .invalidOption(message): message
    case let .nonFiniteLoss(epoch, step):
      "the loss became NaN or infinite at epoch \(epoch + 1), step \(step + 1) (try a lower --learning-rate)"
    case let .initFromMismatch(path, reason): "--init-from \(path): \(reason)"
    case let .dataMismatch(message): message
    case let .nothingToResume(path): "nothing to resume: \(path) does not exist"
    case let .network(message): message
    }
  }
}
