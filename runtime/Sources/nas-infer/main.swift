import CLIKit

CLI.run(tool: "nas-infer") { throw CLIError.failure("nas-infer is not built yet") }
