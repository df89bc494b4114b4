//! Benchmarks shared by the CLI (`wavelane bench`) and tools.
