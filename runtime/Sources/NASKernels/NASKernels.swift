// Module NASKernels.
