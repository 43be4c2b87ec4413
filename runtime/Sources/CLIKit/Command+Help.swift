extension Command {
  /// One line: `nas-infer [<options>] <images> ...` (or `nas-infer <subcommand>` for a command that only dispatches).
  public func usageLine(path: [String]? = nil) -> String {
    let invocation = (path ?? [name]).joined(separator: " ")
    if !subcommands.isEmpty && positionals.isEmpty && options.isEmpty { return "\(invocation) <subcommand>" }
    var parts = [invocation]
    if !options.isEmpty { parts.append("[<options>]") }
    for p in positionals {
      var text = "<\(p.name)>"
      if p.isRepeating { text += " ..." }
      if p.isOptional { text = "[\(text)]" }
      parts.append(text)
    }
    return parts.joined(separator: " ")
  }

  /// The full help: overview, usage, arguments, options with defaults and environment variables, subcommands.
  public func helpText(path: [String]? = nil) -> String {
    let path = path ?? [name]
    let invocation = path.joined(separator: " ")
    var lines: [String] = []
    lines.append("OVERVIEW: \(abstract)")
    if let discussion {
      lines.append("")
      lines.append(discussion)
    }
    lines.append("")
    lines.append("USAGE: \(usageLine(path: path))")
    if !subcommands.isEmpty && !(positionals.isEmpty && options.isEmpty) {
      lines.append("       \(invocation) <subcommand> [<options>]")
    }
    if !positionals.isEmpty {
      lines.append("")
      lines.append("ARGUMENTS:")
      for p in positionals { lines.append(contentsOf: Self.row("<\(p.name)>", p.help)) }
    }
    lines.append("")
    lines.append("OPTIONS:")
    for option in options {
      var left = option.short.map { "-\($0), " } ?? "    "
      left += "--\(option.long)"
      if case let .value(placeholder) = option.kind { left += " <\(placeholder)>" }
      var notes: [String] = []
      if let d = option.defaultValue { notes.append("default: \(d)") }
      if let e = option.environment { notes.append("env: \(e)") }
      let help = notes.isEmpty ? option.help : "\(option.help) (\(notes.joined(separator: ", ")))"
      lines.append(contentsOf: Self.row(left, help))
    }
    lines.append(contentsOf: Self.row("-h, --help", "Show help information."))
    if !subcommands.isEmpty {
      lines.append("")
      lines.append("SUBCOMMANDS:")
      for sub in subcommands { lines.append(contentsOf: Self.row(sub.name, sub.abstract)) }
      lines.append("")
      lines.append("  See '\(invocation) <subcommand> --help' for detailed help.")
    }
    return lines.joined(separator: "\n")
  }

  /// `  left            help`, with the help on its own line when `left` is too wide.
  static func row(_ left: String, _ help: String) -> [String] {
    let column = 26
    let leftPart = "  " + left
    if leftPart.count + 2 <= column {
      return [leftPart + String(repeating: " ", count: column - leftPart.count) + help]
    }
    return [leftPart, String(repeating: " ", count: column) + help]
  }
}
