//! wavelane: a GPU/SIMD-accelerated batch executor for account-based
//! blockchains. This crate is the facade over [`kernels`] (pure compute on
//! scalar, SIMD and GPU backends) and [`host`] (scheduling, execution, state),
//! plus the CLI's building blocks ([`bench`]).

pub use wavelane_host as host;
pub use wavelane_kernels as kernels;
pub use wavelane_kernels::{Backend, Felt};

pub mod bench;
pub mod workload;
