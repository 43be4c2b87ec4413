#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A bad command line: printed as `<tool>: error: <message>`, the usage line and a `--help` hint; exit 2.
public struct UsageError: Equatable, Sendable {
  /// One line, e.g. `unknown option '--bogus'`.
  public var message: String
  /// The usage line of the command that was being parsed, e.g. `nas-infer [<options>] <images> ...`.
  public var usage: String
  /// The command to ask for help, e.g. `nas-infer audit`.
  public var commandPath: String

  public init(message: String, usage: String, commandPath: String) {
    self.message = message
    self.usage = usage
    self.commandPath = commandPath
  }
}

/// Every way a CLI built on CLIKit ends early. `CLI.run` maps each case to its output and exit code.
public enum CLIError: Error, Equatable, Sendable, CustomStringConvertible {
  /// Bad arguments: exit 2 with usage line and hint.
  case usage(UsageError)
  /// `--help` / `-h`: the help text goes to stdout, exit 0.
  case helpRequested(String)
  /// A failure with a one-line message: exit 1.
  case failure(String)
  /// End with this exit code and no message (the tool already reported what happened).
  case exit(Int32)
  /// A file operation failed; `errno` is the C error number.
  case fileError(path: String, operation: String, errno: Int32)

  public var description: String {
    switch self {
    case let .usage(error): return error.message
    case .helpRequested: return "help requested"
    case let .failure(message): return message
    case let .exit(code): return "exit \(code)"
    case let .fileError(path, operation, code): return "\(path): \(operation) failed: \(String(cString: strerror(code)))"
    }
  }
}
