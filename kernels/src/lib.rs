//! wavelane-kernels: pure compute for wavelane — felt252 arithmetic, hashing
//! and trie node hashing, each on three backends (`scalar`, `simd`, `gpu`)
//! with one batch signature per kernel, and the Cairo VM on the CPU. No
//! scheduling, no state.
//!
//! * [`backend`]: the [`Backend`] choice (and when `auto` uses the GPU) and
//!   CPU feature detection.
//! * [`field`]: felt252 arithmetic ([`Fe`], batch ops).
//! * [`hash`]: Starknet Poseidon and Pedersen.
//! * [`gpu`]: adapter selection, the process-wide wgpu context and shader
//!   composition (WGSL in `shaders/`); the default `gpu` feature builds it.
//! * [`trie`]: Starknet's binary Merkle-Patricia trie (batch updates, proofs).
//! * [`vm`]: the Cairo 0 VM (loader, decoder, runner, builtins, hints), on
//!   the CPU.
//! * [`native`]: native programs (transfers, swaps) as data: the job
//!   records, and on the GPU the resident state table and their kernel.
//! * [`testing`]: visible skips for tests that need a GPU or a SIMD level.
//! * [`trace`]: the process-wide trace recorder (spans, GPU passes,
//!   counters; Chrome trace JSON), off by default.

pub mod backend;
pub mod field;
pub mod gpu;
pub mod hash;
pub mod native;
pub mod testing;
pub mod trace;
pub mod trie;
pub mod vm;

pub use backend::{Backend, Family, SimdLevel};
pub use field::{Fe, FieldOp};
pub use starknet_types_core::felt::Felt;
