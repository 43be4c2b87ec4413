#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The single exit path of every tool: run the body, map any error to its output and exit code, exit.
///
/// Exit codes: 0 success (and `--help`), 1 failure, 2 usage error. Results go to stdout; errors to stderr.
public enum CLI {
  /// What a tool prints and returns for an outcome; `CLI.run` performs it, tests inspect it.
  public struct Outcome: Equatable, Sendable {
    public var exitCode: Int32
    public var standardOutput: String
    public var standardError: String
  }

  /// Runs `body`; on success exits 0, otherwise prints the error as described in `outcome(of:tool:)` and exits.
  public static func run(tool: String, _ body: () throws -> Void) -> Never {
    let outcome: Outcome
    do {
      try body()
      outcome = Outcome(exitCode: 0, standardOutput: "", standardError: "")
    } catch {
      outcome = self.outcome(of: error, tool: tool)
    }
    finish(outcome)
  }

  /// Parses the process arguments with `command`, then runs `body` with the result.
  public static func run(_ command: Command, arguments: [String] = Array(CommandLine.arguments.dropFirst()),
                         _ body: (ParsedArguments) throws -> Void) -> Never {
    run(tool: command.name) {
      let parsed = try command.parse(arguments)
      try body(parsed)
    }
  }

  /// The output and exit code for an error thrown by a tool's body.
  ///
  /// - `CLIError.helpRequested`: the help on stdout, exit 0.
  /// - `CLIError.usage`: `<tool>: error: <message>`, `Usage: <usage line>`, `See '<command> --help'.`, exit 2.
  /// - `CLIError.exit(code)`: nothing printed.
  /// - anything else: `<tool>: error: <description>`, exit 1.
  public static func outcome(of error: any Error, tool: String) -> Outcome {
    switch error {
    case let CLIError.helpRequested(text):
      return Outcome(exitCode: 0, standardOutput: text + "\n", standardError: "")
    case let CLIError.usage(usage):
      return Outcome(exitCode: 2, standardOutput: "",
                     standardError: "\(tool): error: \(usage.message)\nUsage: \(usage.usage)\n"
                       + "See '\(usage.commandPath) --help'.\n")
    case let CLIError.exit(code):
      return Outcome(exitCode: code, standardOutput: "", standardError: "")
    default:
      return Outcome(exitCode: 1, standardOutput: "", standardError: "\(tool): error: \(oneLine(error))\n")
    }
  }

  /// The error's description on one line (newlines replaced by spaces).
  static func oneLine(_ error: any Error) -> String {
    String(describing: error).split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
  }

  @inline(never)
  static func finish(_ outcome: Outcome) -> Never {
    if !outcome.standardOutput.isEmpty { print(outcome.standardOutput, terminator: "") }
    fflush(nil)
    if !outcome.standardError.isEmpty { StandardError.write(outcome.standardError) }
    exit(outcome.exitCode)
  }
}
