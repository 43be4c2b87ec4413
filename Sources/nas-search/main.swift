import CLIKit

CLI.run(SearchCommand.command) { args in try SearchCommand.run(args) }
