//! wavelane: GPU/SIMD-accelerated batch kernels and transaction schedulers
//! for account-based blockchains. This crate is the facade over [`kernels`]
//! (pure compute on scalar, SIMD and GPU backends) and [`host`]
//! (scheduling, execution, state).
//!
//! Features: `gpu` (default) builds the GPU backend (wgpu); `cli` (default)
//! builds the `wavelane` binary and the modules only it and the benchmarks
//! use, `bench` and `workload`, with their dependencies (clap, indicatif and
//! the benchmark peers starknet-crypto and cairo-vm). A library user needs
//! neither: `default-features = false, features = ["gpu"]`.

pub use wavelane_host as host;
pub use wavelane_kernels as kernels;
pub use wavelane_kernels::{Backend, Felt};

#[cfg(feature = "cli")]
pub mod bench;
#[cfg(feature = "cli")]
pub mod workload;
