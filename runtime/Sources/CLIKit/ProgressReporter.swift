/// Training/search progress on stderr: redrawn in place on a terminal, one plain line per epoch otherwise,
/// nothing at all in JSON mode.
///
///     var progress = ProgressReporter.automatic(json: args.flag("json"))
///     progress.begin(epochs: 50, stepsPerEpoch: 469)
///     ... progress.update(epoch: e, step: s, loss: loss, accuracy: acc)
///     progress.endEpoch(epoch: e, loss: trainLoss, accuracy: validAccuracy)
public struct ProgressReporter {
  public enum Mode: Equatable, Sendable {
    /// Redraw one line with `\r` (throttled), finish each epoch with a newline.
    case terminal
    /// Only `endEpoch` writes, one line each.
    case plain
    /// Writes nothing (`--json`: stdout carries the results, stderr stays quiet).
    case silent
  }

  public let mode: Mode
  private let output: (String) -> Void
  private let clock: () -> Double
  private var epochs = 1
  private var stepsPerEpoch = 1
  private var startTime = 0.0
  private var lastDraw = -Double.infinity
  /// Minimum seconds between two terminal redraws.
  public var redrawInterval = 0.1

  /// - Parameters:
  ///   - output: receives every piece of text (default: stderr, unbuffered).
  ///   - clock: monotonic seconds (default: `Environment.monotonicSeconds`).
  public init(mode: Mode, output: @escaping (String) -> Void = { StandardError.write($0) },
              clock: @escaping () -> Double = { Environment.monotonicSeconds() }) {
    self.mode = mode
    self.output = output
    self.clock = clock
  }

  /// Silent in JSON mode, else terminal if stderr is a TTY, else plain.
  public static func automatic(json: Bool) -> ProgressReporter {
    ProgressReporter(mode: json ? .silent : (Environment.isTerminal(2) ? .terminal : .plain))
  }

  /// Starts the clock used for the ETA.
  public mutating func begin(epochs: Int, stepsPerEpoch: Int) {
    self.epochs = max(epochs, 1)
    self.stepsPerEpoch = max(stepsPerEpoch, 1)
    startTime = clock()
    lastDraw = -Double.infinity
  }

  /// Progress within an epoch (1-based `epoch` and `step`). Drawn only on a terminal.
  public mutating func update(epoch: Int, step: Int, loss: Double, accuracy: Double? = nil) {
    guard mode == .terminal else { return }
    let now = clock()
    guard now - lastDraw >= redrawInterval || step >= stepsPerEpoch else { return }
    lastDraw = now
    let line = Self.line(epoch: epoch, epochs: epochs, step: step, steps: stepsPerEpoch, loss: loss,
                         accuracy: accuracy, eta: eta(epoch: epoch, step: step, now: now))
    output("\r" + line + "\u{1B}[K")
  }

  /// The end of an epoch: one line (`extra` appended, e.g. "valid 91.20%"). On a terminal it replaces the
  /// progress line and ends it with a newline.
  public mutating func endEpoch(epoch: Int, loss: Double, accuracy: Double? = nil, extra: String? = nil) {
    guard mode != .silent else { return }
    let now = clock()
    var line = Self.line(epoch: epoch, epochs: epochs, step: nil, steps: stepsPerEpoch, loss: loss,
                         accuracy: accuracy, eta: eta(epoch: epoch, step: stepsPerEpoch, now: now))
    if let extra { line += "  " + extra }
    output(mode == .terminal ? "\r" + line + "\u{1B}[K\n" : line + "\n")
    lastDraw = -Double.infinity
  }

  /// Remaining seconds, extrapolated from the time per step so far.
  func eta(epoch: Int, step: Int, now: Double) -> Double {
    let done = Double((epoch - 1) * stepsPerEpoch + step)
    let total = Double(epochs * stepsPerEpoch)
    guard done > 0 else { return .nan }
    return (now - startTime) / done * max(total - done, 0)
  }

  /// `epoch 3/50  step 120/469  loss 0.4312  acc 85.20%  ETA 12:34`.
  static func line(epoch: Int, epochs: Int, step: Int?, steps: Int, loss: Double, accuracy: Double?,
                   eta: Double) -> String {
    var parts = ["epoch \(epoch)/\(epochs)"]
    if let step { parts.append("step \(step)/\(steps)") }
    parts.append("loss \(NumberFormat.fixed(loss, decimals: 4))")
    if let accuracy { parts.append("acc \(NumberFormat.percent(accuracy))") }
    parts.append("ETA \(NumberFormat.duration(eta))")
    return parts.joined(separator: "  ")
  }
}
