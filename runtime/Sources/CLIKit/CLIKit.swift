// Module CLIKit.
