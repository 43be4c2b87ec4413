#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unbuffered writes to file descriptor 2, usable with `print(_:to:)`: `var e = StandardError(); print("x", to: &e)`.
public struct StandardError: TextOutputStream, Sendable {
  public init() {}

  public mutating func write(_ string: String) { Self.write(string) }

  /// Writes all of `string` to stderr (retries on partial writes and EINTR; gives up silently on other errors).
  public static func write(_ string: String) {
    FileDescriptor.writeAll(2, Array(string.utf8))
  }
}

enum FileDescriptor {
  /// Writes every byte to `fd`; returns false on an error other than EINTR (errno is left set).
  @discardableResult
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
    bytes.withUnsafeBytes { buffer in
      var done = 0
      while done < buffer.count {
        let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
        if n < 0 {
          if errno == EINTR { continue }
          return false
        }
        done += n
      }
      return true
    }
  }
}

/// Process environment and terminal queries.
public enum Environment {
  /// The value of environment variable `name` (e.g. `NAS_MODEL`), or nil if unset.
  public static func value(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
  }

  /// True if `fd` is a terminal (`isatty`): progress is redrawn in place only then.
  public static func isTerminal(_ fd: Int32) -> Bool { isatty(fd) == 1 }

  /// Seconds on a monotonic clock (for durations and ETAs, not dates).
  public static func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
  }
}
