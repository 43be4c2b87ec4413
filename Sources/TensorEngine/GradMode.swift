import Glibc

/// Whether ops record the autograd graph. Off inside `noGrad { }` (evaluation, finite differences,
/// optimiser updates).
///
/// The mode is per thread, as in PyTorch: code that builds graphs on one thread is not affected by a
/// `noGrad` scope on another (tests run concurrently; kernels fan out to worker threads but never create
/// tensors there).
public enum GradMode {
  /// A thread-specific slot: empty (the default) means enabled.
  private static let disabledKey: pthread_key_t = {
    var key = pthread_key_t()
    precondition(pthread_key_create(&key, nil) == 0, "cannot create the grad-mode thread key")
    return key
  }()

  public static var isEnabled: Bool { pthread_getspecific(disabledKey) == nil }

  private static func setEnabled(_ enabled: Bool) {
    pthread_setspecific(disabledKey, enabled ? nil : UnsafeRawPointer(bitPattern: 1))
  }

  /// Runs `body` with graph recording off on this thread, restoring the previous mode afterwards (also on throw).
  @discardableResult
  public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
    let saved = isEnabled
    setEnabled(false)
    defer { setEnabled(saved) }
    return try body()
  }
}

/// Shorthand for `GradMode.noGrad`.
@discardableResult
public func noGrad<T>(_ body: () throws -> T) rethrows -> T { try GradMode.noGrad(body) }
