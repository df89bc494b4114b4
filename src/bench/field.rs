//! felt252 benchmarks (filled in next).
