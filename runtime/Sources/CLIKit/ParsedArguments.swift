/// The result of `Command.parse`: option and positional values with typed accessors.
///
/// An option's value is, in order: the last value given on the command line, the environment variable named by
/// the option, the option's default. Asking for an option or positional the command does not declare is a
/// programmer error (precondition). Typed accessors throw `CLIError.usage` for values that do not parse.
public struct ParsedArguments: Sendable {
  public let command: Command
  /// The command names from the tool to the selected subcommand, e.g. `["nas-infer", "audit"]`.
  public let commandPath: [String]
  let optionValues: [String: [String]]
  let positionalValues: [String: [String]]
  /// Environment lookup; replaceable in tests.
  var environment: @Sendable (String) -> String? = { Environment.value($0) }

  init(command: Command, commandPath: [String], optionValues: [String: [String]],
       positionalValues: [String: [String]]) {
    self.command = command
    self.commandPath = commandPath
    self.optionValues = optionValues
    self.positionalValues = positionalValues
  }

  /// The selected subcommand's name, or nil for the top-level command.
  public var subcommand: String? { commandPath.count > 1 ? commandPath.last : nil }

  /// A usage error (exit 2, with usage line) for validation the parser cannot do, e.g. "batch size must be > 0".
  public func usageError(_ message: String) -> CLIError {
    .usage(UsageError(message: message, usage: command.usageLine(path: commandPath),
                      commandPath: commandPath.joined(separator: " ")))
  }

  private func declared(_ long: String) -> Option {
    guard let option = command.option(long: long) else {
      preconditionFailure("'\(commandPath.joined(separator: " "))' declares no option '--\(long)'")
    }
    return option
  }

  /// True if the option was given on the command line.
  public func isGiven(_ long: String) -> Bool {
    _ = declared(long)
    return optionValues[long] != nil
  }

  /// A flag's state.
  public func flag(_ long: String) -> Bool {
    precondition(declared(long).kind == .flag, "'--\(long)' is not a flag")
    return optionValues[long] != nil
  }

  /// Every value given for a repeated option, in order (no environment or default).
  public func allValues(_ long: String) -> [String] {
    _ = declared(long)
    return optionValues[long] ?? []
  }

  /// The option's value (command line, then environment, then default), or nil.
  public func value(_ long: String) -> String? {
    let option = declared(long)
    if let given = optionValues[long]?.last { return given }
    if let variable = option.environment, let fromEnvironment = environment(variable), !fromEnvironment.isEmpty {
      return fromEnvironment
    }
    return option.defaultValue
  }

  /// The value, or a usage error naming the option if there is none.
  public func string(_ long: String) throws(CLIError) -> String {
    guard let v = value(long) else {
      let option = declared(long)
      let hint = option.environment.map { " (or set $\($0))" } ?? ""
      throw usageError("missing required option '--\(long)'\(hint)")
    }
    return v
  }

  public func int(_ long: String) throws(CLIError) -> Int {
    try convert(long, expected: "an integer") { Int($0) }
  }

  public func double(_ long: String) throws(CLIError) -> Double {
    try convert(long, expected: "a finite number") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
  }

  public func float(_ long: String) throws(CLIError) -> Float {
    try convert(long, expected: "a finite number") { Float($0).flatMap { $0.isFinite ? $0 : nil } }
  }

  /// `true/false`, `yes/no`, `on/off`, `1/0`; for a flag, whether it was given.
  public func bool(_ long: String) throws(CLIError) -> Bool {
    if declared(long).kind == .flag { return flag(long) }
    return try convert(long, expected: "true or false") { Self.parseBool($0) }
  }

  /// A comma-separated list of numbers: `"0,0.01,0.02"` → `[0, 0.01, 0.02]`.
  public func doubles(_ long: String) throws(CLIError) -> [Double] {
    try list(long, expected: "a comma-separated list of numbers") { Double($0).flatMap { $0.isFinite ? $0 : nil } }
  }

  /// A comma-separated list of integers: `"1,2,3"`.
  public func ints(_ long: String) throws(CLIError) -> [Int] {
    try list(long, expected: "a comma-separated list of integers") { Int($0) }
  }

  /// A comma-separated list of strings (empty items removed).
  public func strings(_ long: String) throws(CLIError) -> [String] {
    try string(long).split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
  }

  /// A single positional argument, or nil if it is optional and absent.
  public func positional(_ name: String) -> String? {
    positionals(name).first
  }

  /// The values of a (repeating) positional argument.
  public func positionals(_ name: String) -> [String] {
    precondition(command.positionals.contains { $0.name == name },
                 "'\(commandPath.joined(separator: " "))' declares no argument '<\(name)>'")
    return positionalValues[name] ?? []
  }

  // MARK: Conversion

  private func convert<T>(_ long: String, expected: String, _ parse: (String) -> T?) throws(CLIError) -> T {
    let text = try string(long)
    guard let value = parse(text.trimmingSpaces()) else {
      throw usageError("invalid value '\(text)' for '--\(long)': expected \(expected)")
    }
    return value
  }

  private func list<T>(_ long: String, expected: String, _ parse: (String) -> T?) throws(CLIError) -> [T] {
    let text = try string(long)
    var result: [T] = []
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
      guard let value = parse(String(item).trimmingSpaces()) else {
        throw usageError("invalid value '\(text)' for '--\(long)': expected \(expected)")
      }
      result.append(value)
    }
    return result
  }

  static func parseBool(_ s: String) -> Bool? {
    switch s.lowercased() {
    case "true", "yes", "on", "1": return true
    case "false", "no", "off", "0": return false
    default: return nil
    }
  }
}

extension String {
  /// Without leading and trailing spaces and tabs.
  func trimmingSpaces() -> String {
    var s = Substring(self)
    while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
    while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
    return String(s)
  }
}
