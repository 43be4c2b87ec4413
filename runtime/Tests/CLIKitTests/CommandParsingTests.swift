import Testing
@testable import CLIKit

/// A `nas-infer`-like tool with an `audit` subcommand.
let inferCommand = Command(
  "nas-infer", abstract: "Classify PNG images with a compact model.",
  options: [
    .value("model", short: "m", placeholder: "path", environment: "NAS_MODEL", help: "Model file (.nasb)."),
    .value("top", placeholder: "k", default: "1", help: "Classes to print per image."),
    .value("epsilons", placeholder: "list", default: "0,0.01,0.02", help: "FGSM budgets."),
    .value("temperature", placeholder: "t", default: "1.5", help: "Softmax temperature."),
    .value("fp16", placeholder: "bool", default: "false", help: "Run in half precision."),
    .flag("json", help: "One JSON object per image."),
  ],
  positionals: [Positional("images", help: "PNG files to classify.", repeating: true)],
  subcommands: [
    Command("audit", abstract: "Check a model file and print its summary.",
            options: [.flag("verbose", short: "v", help: "List every op.")],
            positionals: [Positional("model", help: "Model file."), Positional("report", help: "Output.", optional: true)]),
  ])

/// A dispatcher with only subcommands.
let trainCommand = Command(
  "nas-train", abstract: "Train a genotype.",
  subcommands: [Command("eval", abstract: "Evaluate a checkpoint.", positionals: [Positional("checkpoint", help: "File.")])])

private func usageMessage(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let CLIError.usage(u) {
    return u.message
  } catch {
    return "unexpected \(error)"
  }
}

@Suite struct CommandParsingTests {
  @Test func optionsPositionalsAndDefaults() throws {
    var args = try inferCommand.parse(["--model", "m.nasb", "a.png", "--top=3", "b.png", "--json"])
    args.environment = { _ in nil }
    #expect(args.subcommand == nil)
    #expect(try args.string("model") == "m.nasb")
    #expect(try args.int("top") == 3)
    #expect(args.flag("json"))
    #expect(args.positionals("images") == ["a.png", "b.png"])
    #expect(try args.doubles("epsilons") == [0, 0.01, 0.02])  // default
    #expect(try args.double("temperature") == 1.5)
    #expect(try args.float("temperature") == 1.5)
    #expect(try args.bool("fp16") == false)
    #expect(try args.bool("json") == true)
    #expect(args.isGiven("top") && !args.isGiven("temperature"))
  }

  @Test func shortOptionsNegativeNumbersAndTerminator() throws {
    let args = try inferCommand.parse(["-m", "x.nasb", "--temperature", "-0.5", "--", "--not-an-option.png", "-"])
    #expect(try args.string("model") == "x.nasb")
    #expect(try args.double("temperature") == -0.5)
    #expect(args.positionals("images") == ["--not-an-option.png", "-"])
  }

  @Test func repeatedOptionLastWins() throws {
    let args = try inferCommand.parse(["--top", "2", "--top", "5", "x.png"])
    #expect(try args.int("top") == 5)
    #expect(args.allValues("top") == ["2", "5"])
  }

  @Test func environmentFallback() throws {
    var args = try inferCommand.parse(["a.png"])
    args.environment = { $0 == "NAS_MODEL" ? "/models/env.nasb" : nil }
    #expect(try args.string("model") == "/models/env.nasb")
    var given = try inferCommand.parse(["--model", "cli.nasb", "a.png"])
    given.environment = { _ in "/models/env.nasb" }
    #expect(try given.string("model") == "cli.nasb")
    var none = try inferCommand.parse(["a.png"])
    none.environment = { _ in nil }
    #expect(none.value("model") == nil)
    #expect(usageMessage { _ = try none.string("model") } == "missing required option '--model' (or set $NAS_MODEL)")
  }

  @Test func subcommands() throws {
    let args = try inferCommand.parse(["audit", "-v", "m.nasb"])
    #expect(args.subcommand == "audit")
    #expect(args.commandPath == ["nas-infer", "audit"])
    #expect(args.flag("verbose"))
    #expect(args.positional("model") == "m.nasb")
    #expect(args.positional("report") == nil)
    let eval = try trainCommand.parse(["eval", "ckpt.bin"])
    #expect(eval.subcommand == "eval" && eval.positional("checkpoint") == "ckpt.bin")
  }

  @Test func badArguments() {
    #expect(usageMessage { _ = try inferCommand.parse(["--bogus"]) } == "unknown option '--bogus'")
    #expect(usageMessage { _ = try inferCommand.parse(["-x", "a.png"]) } == "unknown option '-x'")
    #expect(usageMessage { _ = try inferCommand.parse(["a.png", "--model"]) } == "missing value for option '--model'")
    #expect(usageMessage { _ = try inferCommand.parse(["--model", "--json", "a.png"]) }
            == "missing value for option '--model'")
    #expect(usageMessage { _ = try inferCommand.parse(["--json=yes", "a.png"]) }
            == "option '--json' does not take a value")
    #expect(usageMessage { _ = try inferCommand.parse(["--json"]) } == "missing argument '<images>'")
    #expect(usageMessage { _ = try inferCommand.parse(["audit", "a", "b", "c"]) } == "unexpected argument 'c'")
    #expect(usageMessage { _ = try trainCommand.parse(["evaluate"]) } == "unknown subcommand 'evaluate'")
    #expect(usageMessage { _ = try inferCommand.parse(["--top", "many", "a.png"]).int("top") }
            == "invalid value 'many' for '--top': expected an integer")
    #expect(usageMessage { _ = try inferCommand.parse(["--epsilons", "0,x", "a.png"]).doubles("epsilons") }
            == "invalid value '0,x' for '--epsilons': expected a comma-separated list of numbers")
    #expect(usageMessage { _ = try inferCommand.parse(["--temperature", "nan", "a.png"]).double("temperature") }
            == "invalid value 'nan' for '--temperature': expected a finite number")
    #expect(usageMessage { _ = try inferCommand.parse(["--fp16", "maybe", "a.png"]).bool("fp16") }
            == "invalid value 'maybe' for '--fp16': expected true or false")
  }

  @Test func usageErrorOutcome() {
    let outcome = CLI.outcome(of: catching { _ = try inferCommand.parse(["--bogus"]) }, tool: "nas-infer")
    #expect(outcome.exitCode == 2)
    #expect(outcome.standardOutput == "")
    #expect(outcome.standardError == """
      nas-infer: error: unknown option '--bogus'
      Usage: nas-infer [<options>] <images> ...
      See 'nas-infer --help'.

      """)
    let sub = CLI.outcome(of: catching { _ = try inferCommand.parse(["audit"]) }, tool: "nas-infer")
    #expect(sub.exitCode == 2)
    #expect(sub.standardError == """
      nas-infer: error: missing argument '<model>'
      Usage: nas-infer audit [<options>] <model> [<report>]
      See 'nas-infer audit --help'.

      """)
  }

  @Test func helpOutcome() {
    let outcome = CLI.outcome(of: catching { _ = try inferCommand.parse(["a.png", "-h"]) }, tool: "nas-infer")
    #expect(outcome.exitCode == 0)
    #expect(outcome.standardError == "")
    let help = outcome.standardOutput
    #expect(help.hasPrefix("OVERVIEW: Classify PNG images with a compact model.\n\nUSAGE: nas-infer [<options>] <images> ...\n"))
    #expect(help.contains("  <images>                PNG files to classify.\n"))
    #expect(help.contains("  -m, --model <path>      Model file (.nasb). (env: NAS_MODEL)\n"))
    #expect(help.contains("      --top <k>           Classes to print per image. (default: 1)\n"))
    #expect(help.contains("      --json              One JSON object per image.\n"))
    #expect(help.contains("  -h, --help              Show help information.\n"))
    #expect(help.contains("SUBCOMMANDS:\n  audit                   Check a model file and print its summary.\n"))
    let subHelp = CLI.outcome(of: catching { _ = try inferCommand.parse(["audit", "--help"]) }, tool: "nas-infer")
    #expect(subHelp.standardOutput.contains("USAGE: nas-infer audit [<options>] <model> [<report>]"))
    #expect(subHelp.standardOutput.contains("  -v, --verbose           List every op."))
    let dispatcherHelp = trainCommand.helpText()
    #expect(dispatcherHelp.contains("USAGE: nas-train <subcommand>"))
  }

  @Test func otherOutcomes() {
    struct Broken: Error, CustomStringConvertible { var description: String { "model.nasb: bad\nthing" } }
    #expect(CLI.outcome(of: Broken(), tool: "nas-infer")
            == CLI.Outcome(exitCode: 1, standardOutput: "", standardError: "nas-infer: error: model.nasb: bad thing\n"))
    #expect(CLI.outcome(of: CLIError.failure("loss is NaN at step 12"), tool: "nas-train").standardError
            == "nas-train: error: loss is NaN at step 12\n")
    #expect(CLI.outcome(of: CLIError.exit(3), tool: "t") == CLI.Outcome(exitCode: 3, standardOutput: "", standardError: ""))
    let missing = CLI.outcome(of: CLIError.fileError(path: "x.nasb", operation: "open", errno: 2), tool: "nas-infer")
    #expect(missing.exitCode == 1)
    #expect(missing.standardError == "nas-infer: error: x.nasb: open failed: No such file or directory\n")
  }
}

private func catching(_ body: () throws -> Void) -> any Error {
  do {
    try body()
    return CLIError.exit(0)
  } catch {
    return error
  }
}
