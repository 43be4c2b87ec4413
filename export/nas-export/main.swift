import CLIKit

CLI.run(tool: "nas-export") { throw CLIError.failure("nas-export is not built yet") }
