// Tests of NASRuntime.
