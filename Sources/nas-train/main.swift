import CLIKit

CLI.run(tool: "nas-train") { throw CLIError.failure("nas-train is not built yet") }
