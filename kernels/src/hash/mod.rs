//! Starknet's two hash functions on every backend, bit-exact with
//! `starknet-crypto`.
//!
//! * [`poseidon`]: the Hades permutation over the Stark field (width 3,
//!   S-box x³, 8 full + 83 partial rounds, the official constants) and the
//!   hashes built on it: `hash(a, b)`, `hash_single(a)`, `hash_many(msg)`.
//!   Partial rounds use folded constants: only the S-box word receives a
//!   constant, the other two words' constants are pushed through the
//!   (addition-only) MDS matrix into the next full round.
//! * [`pedersen`]: `pedersen(a, b)`, the x coordinate of
//!   `shift + a_low·P0 + a_high·P1 + b_low·P2 + b_high·P3` on the Stark curve,
//!   with 8-bit windowed fixed-base tables built once (resident on the GPU),
//!   Jacobian mixed additions and one batched inversion per chunk.
//!
//! Each family has one file per backend with the same batch signature
//! (`scalar.rs` is the reference, `simd.rs` interleaves independent hashes
//! per thread and runs rayon across cores, `gpu.rs` is one dispatch per
//! batch over resident buffers); its `mod.rs` dispatches on [`Backend`] once
//! per batch and offers `Felt` convenience functions at the edges.

#[cfg(feature = "gpu")]
pub(crate) mod gpu_batch;
pub mod pedersen;
pub mod poseidon;

use crate::backend::{Backend, Family};
use crate::field::Fe;

/// What can go wrong with a hash batch.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Input and output slices differ in length.
    #[error("{what}: lengths differ (inputs: {inputs}, out: {out})")]
    LengthMismatch {
        /// The batch function.
        what: &'static str,
        /// Inputs given (the shorter input slice for pair hashes).
        inputs: usize,
        /// `out.len()`.
        out: usize,
    },
    /// The GPU backend failed.
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
}

pub(crate) fn check_len(what: &'static str, a: usize, b: usize, out: usize) -> Result<(), HashError> {
    if a != b || a != out {
        return Err(HashError::LengthMismatch { what, inputs: a.min(b), out });
    }
    Ok(())
}

/// Resolves `backend` for a batch of `n` items of `family`, mapping `Auto`
/// to a concrete one.
pub(crate) fn concrete(backend: Backend, family: Family, n: usize) -> Backend {
    backend.resolve_for(family, n)
}

/// The error of the GPU arm in a build without the `gpu` feature.
#[cfg(not(feature = "gpu"))]
pub(crate) fn no_gpu() -> HashError {
    HashError::Gpu(crate::gpu::GpuError::Unavailable(crate::gpu::NOT_BUILT.to_string()))
}

/// Parses canonical big-endian hex (no `0x`, at most 64 digits, `< p`) into
/// an [`Fe`]; used for the built-in constant tables only.
pub(crate) fn fe_from_hex(s: &str) -> Fe {
    let s = s.trim_start_matches("0x");
    assert!(s.len() <= 64, "constant too long: {s}");
    let mut limbs = [0u64; 4];
    for (i, c) in s.bytes().rev().enumerate() {
        let d = (c as char).to_digit(16).expect("hex constant") as u64;
        limbs[i / 16] |= d << (4 * (i % 16));
    }
    Fe::from_canonical(limbs).expect("constant below p")
}
