import Glibc

/// Cosine annealing per epoch: lr(t) = lrMin + ½(lr0 − lrMin)(1 + cos(π t / E)).
///
/// The DARTS-family references advance the scheduler at the START of every epoch, so 0-based epoch e trains
/// with t = e + 1: lr0 itself is never used and the final epoch runs at exactly lrMin (ALGORITHMS.md §3.6).
/// `offByOne: true` reproduces that (our default, for fidelity); `false` uses t = e.
public struct CosineSchedule: Equatable {
  public var initial: Float
  public var minimum: Float
  public var epochs: Int
  public var offByOne: Bool

  public init(initial: Float, minimum: Float, epochs: Int, offByOne: Bool = true) {
    precondition(epochs > 0, "cosine schedule needs at least one epoch")
    self.initial = initial
    self.minimum = minimum
    self.epochs = epochs
    self.offByOne = offByOne
  }

  /// Learning rate for 0-based `epoch`.
  public func learningRate(epoch: Int) -> Float {
    let t = Double(offByOne ? epoch + 1 : epoch)
    let cosine = 1 + cos(Double.pi * t / Double(epochs))
    return Float(Double(minimum) + 0.5 * Double(initial - minimum) * cosine)
  }
}
