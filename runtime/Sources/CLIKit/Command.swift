/// A command-line option: `--long-name` (kebab-case), optionally `-s`, either a flag or taking a value.
public struct Option: Sendable {
  public enum Kind: Equatable, Sendable {
    /// Present or absent: `--json`.
    case flag
    /// Takes one value: `--batch-size 64` or `--batch-size=64`; `placeholder` is shown in help.
    case value(placeholder: String)
  }

  /// Without the dashes: `batch-size`.
  public var long: String
  public var short: Character?
  public var kind: Kind
  /// Used when the option is not given (and `environment` is unset); shown in help.
  public var defaultValue: String?
  /// An environment variable consulted before the default, e.g. `NAS_MODEL`.
  public var environment: String?
  public var help: String

  public init(long: String, short: Character? = nil, kind: Kind, defaultValue: String? = nil,
              environment: String? = nil, help: String) {
    precondition(!long.isEmpty && !long.hasPrefix("-"), "option name '\(long)' must be given without dashes")
    self.long = long
    self.short = short
    self.kind = kind
    self.defaultValue = defaultValue
    self.environment = environment
    self.help = help
  }

  /// A flag: `.flag("json", help: "One JSON object per line")`.
  public static func flag(_ long: String, short: Character? = nil, help: String) -> Option {
    Option(long: long, short: short, kind: .flag, help: help)
  }

  /// An option with a value: `.value("batch-size", placeholder: "n", default: "64", help: "...")`.
  public static func value(_ long: String, short: Character? = nil, placeholder: String = "value",
                           default defaultValue: String? = nil, environment: String? = nil,
                           help: String) -> Option {
    Option(long: long, short: short, kind: .value(placeholder: placeholder), defaultValue: defaultValue,
           environment: environment, help: help)
  }
}

/// A positional argument. Only the last one may repeat.
public struct Positional: Sendable {
  public var name: String
  public var help: String
  public var isOptional: Bool
  /// Collects all remaining arguments (at least one unless `isOptional`).
  public var isRepeating: Bool

  public init(_ name: String, help: String, optional: Bool = false, repeating: Bool = false) {
    self.name = name
    self.help = help
    self.isOptional = optional
    self.isRepeating = repeating
  }
}

/// A declarative command: its options, positional arguments and subcommands (e.g. `nas-infer audit`).
///
///     let command = Command("nas-infer", abstract: "Classify PNG images with a compact model.",
///       options: [.value("model", short: "m", placeholder: "path", environment: "NAS_MODEL", help: "Model file."),
///                 .flag("json", help: "One JSON object per image.")],
///       positionals: [Positional("images", help: "PNG files.", repeating: true)])
///     CLI.run(command) { args in ... }
public struct Command: Sendable {
  public var name: String
  public var abstract: String
  /// Extra paragraphs printed after the overview in help.
  public var discussion: String?
  public var options: [Option]
  public var positionals: [Positional]
  public var subcommands: [Command]

  public init(_ name: String, abstract: String, discussion: String? = nil, options: [Option] = [],
              positionals: [Positional] = [], subcommands: [Command] = []) {
    precondition(positionals.dropLast().allSatisfy { !$0.isRepeating }, "only the last positional of '\(name)' may repeat")
    var seen = Set<String>()
    for option in options {
      precondition(option.long != "help" && option.short != "h", "'\(name)': --help / -h are built in")
      precondition(seen.insert("--" + option.long).inserted, "'\(name)': duplicate option --\(option.long)")
      if let s = option.short { precondition(seen.insert("-\(s)").inserted, "'\(name)': duplicate option -\(s)") }
    }
    self.name = name
    self.abstract = abstract
    self.discussion = discussion
    self.options = options
    self.positionals = positionals
    self.subcommands = subcommands
  }

  func option(long: String) -> Option? { options.first { $0.long == long } }
  func option(short: Character) -> Option? { options.first { $0.short == short } }
}
