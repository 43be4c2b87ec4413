// Placeholder: the benchmark driver is written by the engine benchmark change.
