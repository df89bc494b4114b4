//! wavelane-kernels: pure compute for wavelane — felt252 arithmetic, hashing,
//! trie node hashing and the Cairo VM — each on three backends (`scalar`,
//! `simd`, `gpu`) with one batch signature per kernel. No scheduling, no state.
//!
//! * [`backend`]: the [`Backend`] choice and CPU feature detection.
//! * [`field`]: felt252 arithmetic ([`Fe`], batch ops).
//! * [`hash`]: Starknet Poseidon and Pedersen.
//! * [`gpu`]: the process-wide wgpu context and shader composition.
//! * [`trie`]: Starknet's binary Merkle-Patricia trie (batch updates, proofs).
//! * [`vm`]: the Cairo 0 VM (loader, decoder, runner, builtins, hints).

pub mod backend;
pub mod field;
pub mod gpu;
pub mod hash;
pub mod trie;
pub mod vm;

pub use backend::{Backend, SimdLevel};
pub use field::{Fe, FieldOp};
pub use starknet_types_core::felt::Felt;
