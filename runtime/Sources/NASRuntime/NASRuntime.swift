// Module NASRuntime: placeholder until the runtime change lands.
