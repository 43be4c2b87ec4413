/// Whether ops record the autograd graph. Off inside `noGrad { }` (evaluation, finite differences,
/// optimiser updates). The engine is driven from one thread; kernels fan out internally.
public enum GradMode {
  nonisolated(unsafe) public private(set) static var isEnabled = true

  /// Runs `body` with graph recording off, restoring the previous mode afterwards (also on throw).
  @discardableResult
  public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    let saved = isEnabled
    isEnabled = false
    defer { isEnabled = saved }
    return try body()
  }
}

/// Shorthand for `GradMode.noGrad`.
@discardableResult
public func noGrad<T>(_ body: () throws -> T) rethrows -> T { try GradMode.noGrad(body) }
