// nas-bench: engine benchmarks as one JSON object on stdout. Logic lives in the other files of this folder;
// this file only hands control to `NASBench.run` (no top-level state).
NASBench.run(CommandLine.arguments)
