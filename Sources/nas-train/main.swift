import CLIKit

CLI.run(TrainCommand.command) { args in try TrainCommand.run(args) }
