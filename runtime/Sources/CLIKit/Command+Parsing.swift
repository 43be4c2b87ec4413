extension Command {
  /// Parses `arguments` (without the program name).
  ///
  /// A leading subcommand name selects that subcommand. `--help`/`-h` anywhere before `--` throws
  /// `.helpRequested` with the help of the selected command. `--` ends option parsing. An argument that starts
  /// with `-` followed by a digit or `.` (a negative number) is a value, not an option.
  /// - Throws: `CLIError.usage` for unknown options, missing or unexpected values and arguments.
  public func parse(_ arguments: [String]) throws(CLIError) -> ParsedArguments {
    try parse(arguments, path: [name])
  }

  func parse(_ arguments: [String], path: [String]) throws(CLIError) -> ParsedArguments {
    if let first = arguments.first, let sub = subcommands.first(where: { $0.name == first }) {
      return try sub.parse(Array(arguments.dropFirst()), path: path + [sub.name])
    }
    func usageError(_ message: String) -> CLIError {
      .usage(UsageError(message: message, usage: usageLine(path: path), commandPath: path.joined(separator: " ")))
    }
    var values: [String: [String]] = [:]
    var loose: [String] = []
    var index = 0
    var optionsEnded = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if optionsEnded || !Self.looksLikeOption(argument) {
        loose.append(argument)
        continue
      }
      if argument == "--" {
        optionsEnded = true
        continue
      }
      if argument == "--help" || argument == "-h" {
        throw .helpRequested(helpText(path: path))
      }
      // --name, --name=value, -s
      var inlineValue: String? = nil
      let option: Option?
      let spelled: String
      if argument.hasPrefix("--") {
        var body = argument.dropFirst(2)
        if let eq = body.firstIndex(of: "=") {
          inlineValue = String(body[body.index(after: eq)...])
          body = body[..<eq]
        }
        spelled = "--" + body
        option = self.option(long: String(body))
      } else {
        spelled = argument
        option = argument.count == 2 ? self.option(short: argument.last!) : nil
      }
      guard let option else { throw usageError("unknown option '\(spelled)'") }
      switch option.kind {
      case .flag:
        guard inlineValue == nil else { throw usageError("option '--\(option.long)' does not take a value") }
        values[option.long, default: []].append("true")
      case .value:
        if let inlineValue {
          values[option.long, default: []].append(inlineValue)
        } else if index < arguments.count, !Self.looksLikeOption(arguments[index]) {
          values[option.long, default: []].append(arguments[index])
          index += 1
        } else {
          throw usageError("missing value for option '--\(option.long)'")
        }
      }
    }

    if !subcommands.isEmpty && positionals.isEmpty, let first = loose.first {
      throw usageError("unknown subcommand '\(first)'")
    }
    var assigned: [String: [String]] = [:]
    var rest = loose[...]
    for positional in positionals {
      if positional.isRepeating {
        if rest.isEmpty && !positional.isOptional { throw usageError("missing argument '<\(positional.name)>'") }
        assigned[positional.name] = Array(rest)
        rest = []
      } else if let value = rest.first {
        assigned[positional.name] = [value]
        rest = rest.dropFirst()
      } else if !positional.isOptional {
        throw usageError("missing argument '<\(positional.name)>'")
      }
    }
    if let extra = rest.first { throw usageError("unexpected argument '\(extra)'") }
    return ParsedArguments(command: self, commandPath: path, optionValues: values, positionalValues: assigned)
  }

  /// `-x`, `--x` and `--` are options; `-`, `-1`, `-0.5`, `-.5` are values.
  static func looksLikeOption(_ s: String) -> Bool {
    guard s.hasPrefix("-"), s.count > 1 else { return false }
    let second = s[s.index(after: s.startIndex)]
    return !(second.isNumber || second == ".")
  }
}
