// Module NASFormat.
