//! Starknet Poseidon: the Hades permutation (width 3, rate 2, S-box x³,
//! 4 + 83 + 4 rounds) and the three hashes Starknet defines on it.
//!
//! * `hash(a, b)` permutes `[a, b, 2]`, `hash_single(a)` permutes
//!   `[a, 0, 1]`; both return the first word.
//! * `hash_many(m)` absorbs `m` two words at a time (added into words 0
//!   and 1, then a permutation), padded with a single `1` and then zero to an
//!   even length, and returns word 0.
//!
//! Files: [`constants`] (the official round constants), [`scalar`] (the
//! reference permutation, shared with the other CPU path), [`simd`] (rayon
//! across cores; per thread, eight permutations per AVX-512 IFMA vector
//! group in `avx512` when the CPU has it, otherwise several scalar
//! permutations interleaved, `bmi2`/`adx` code when available), `gpu`
//! (`kernels/shaders/poseidon.wgsl`, with the `gpu` feature).
//!
//! The optimisation that matters most is in [`Params`]: the official
//! constants add three words per round, but in a partial round only word 2
//! goes through the S-box, so the constants of words 0 and 1 are pushed
//! through the linear layer (`M·c`) and carried to the next round. Each
//! partial round then costs one constant addition, one cube (two products)
//! and the MDS mix, which for Starknet's matrix is additions only.

#[cfg(target_arch = "x86_64")]
pub mod avx512;
pub mod constants;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod scalar;
pub mod simd;

use super::{check_len, HashError};
use crate::backend::{Backend, Family};
use crate::field::Fe;
use constants::{FULL_ROUNDS, PARTIAL_ROUNDS, ROUND_CONSTANTS};
use starknet_types_core::felt::Felt;
use std::sync::OnceLock;

/// The round constants in the form the kernels use (see the module docs).
#[derive(Debug)]
pub struct Params {
    /// Three constants per full round; the carry of the partial rounds'
    /// folded constants is added into the first full round after them.
    pub full: [[Fe; 3]; FULL_ROUNDS],
    /// One constant per partial round, added to word 2.
    pub partial: [Fe; PARTIAL_ROUNDS],
}

impl Params {
    /// The folded constants, computed once from [`ROUND_CONSTANTS`].
    pub fn get() -> &'static Params {
        static P: OnceLock<Params> = OnceLock::new();
        P.get_or_init(Params::fold)
    }

    fn fold() -> Params {
        let rc: Vec<Fe> = ROUND_CONSTANTS.iter().map(|s| super::fe_from_hex(s)).collect();
        let row = |r: usize| [rc[3 * r], rc[3 * r + 1], rc[3 * r + 2]];
        let half = FULL_ROUNDS / 2;
        let mut full = [[Fe::ZERO; 3]; FULL_ROUNDS];
        for (r, f) in full.iter_mut().enumerate() {
            let round = if r < half { r } else { r + PARTIAL_ROUNDS };
            *f = row(round);
        }
        // Push words 0 and 1 of each partial round's constants through the
        // linear layer: the state is tracked as (state - carry).
        let mut carry = [Fe::ZERO; 3];
        let mut partial = [Fe::ZERO; PARTIAL_ROUNDS];
        for (i, p) in partial.iter_mut().enumerate() {
            let c = row(half + i);
            let v = [c[0].add(carry[0]), c[1].add(carry[1]), c[2].add(carry[2])];
            *p = v[2];
            let mut rest = [v[0], v[1], Fe::ZERO];
            scalar::mix(&mut rest);
            carry = rest;
        }
        for (f, c) in full[half].iter_mut().zip(carry) {
            *f = f.add(c);
        }
        Params { full, partial }
    }

    /// The folded constants as one flat list: 8 × 3 full-round constants,
    /// then the 83 partial-round ones (the GPU's constant buffer).
    pub fn flat(&self) -> Vec<Fe> {
        self.full.iter().flatten().chain(self.partial.iter()).copied().collect()
    }
}

/// Starknet `poseidon_hash(a, b)`.
pub fn hash(a: Felt, b: Felt) -> Felt {
    scalar::hash_one(Fe::from_felt(&a), Fe::from_felt(&b)).to_felt()
}

/// Starknet `poseidon_hash_single(a)`.
pub fn hash_single(a: Felt) -> Felt {
    scalar::hash_single_one(Fe::from_felt(&a)).to_felt()
}

/// Starknet `poseidon_hash_many(msg)`.
pub fn hash_many(msg: &[Felt]) -> Felt {
    let m: Vec<Fe> = msg.iter().map(Fe::from_felt).collect();
    scalar::hash_many_one(&m).to_felt()
}

/// `out[i] = hash(a[i], b[i])` on `backend`.
pub fn hash_batch(backend: Backend, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), HashError> {
    check_len("poseidon hash_batch", a.len(), b.len(), out.len())?;
    match super::concrete(backend, Family::Poseidon, a.len()) {
        Backend::Scalar => scalar::hash(a, b, out),
        Backend::Simd => simd::hash(a, b, out),
        #[cfg(feature = "gpu")]
        _ => gpu::hash(crate::gpu::GpuContext::get()?, a, b, out)?,
        #[cfg(not(feature = "gpu"))]
        _ => return Err(super::no_gpu()),
    }
    Ok(())
}

/// `out[i] = hash_single(a[i])` on `backend`.
pub fn hash_single_batch(backend: Backend, a: &[Fe], out: &mut [Fe]) -> Result<(), HashError> {
    check_len("poseidon hash_single_batch", a.len(), a.len(), out.len())?;
    match super::concrete(backend, Family::Poseidon, a.len()) {
        Backend::Scalar => scalar::hash_single(a, out),
        Backend::Simd => simd::hash_single(a, out),
        #[cfg(feature = "gpu")]
        _ => gpu::hash_single(crate::gpu::GpuContext::get()?, a, out)?,
        #[cfg(not(feature = "gpu"))]
        _ => return Err(super::no_gpu()),
    }
    Ok(())
}

/// `out[i] = hash_many(msgs[i])` on `backend` (messages of any lengths).
pub fn hash_many_batch(backend: Backend, msgs: &[&[Fe]], out: &mut [Fe]) -> Result<(), HashError> {
    check_len("poseidon hash_many_batch", msgs.len(), msgs.len(), out.len())?;
    match super::concrete(backend, Family::Poseidon, msgs.len()) {
        Backend::Scalar => scalar::hash_many(msgs, out),
        Backend::Simd => simd::hash_many(msgs, out),
        #[cfg(feature = "gpu")]
        _ => gpu::hash_many(crate::gpu::GpuContext::get()?, msgs, out)?,
        #[cfg(not(feature = "gpu"))]
        _ => return Err(super::no_gpu()),
    }
    Ok(())
}

/// [`hash_batch`] over the public felt type.
pub fn hash_batch_felts(backend: Backend, a: &[Felt], b: &[Felt]) -> Result<Vec<Felt>, HashError> {
    let (a, b) = (to_fe(a), to_fe(b));
    let mut out = vec![Fe::ZERO; a.len()];
    hash_batch(backend, &a, &b, &mut out)?;
    Ok(out.into_iter().map(Fe::to_felt).collect())
}

/// [`hash_single_batch`] over the public felt type.
pub fn hash_single_batch_felts(backend: Backend, a: &[Felt]) -> Result<Vec<Felt>, HashError> {
    let a = to_fe(a);
    let mut out = vec![Fe::ZERO; a.len()];
    hash_single_batch(backend, &a, &mut out)?;
    Ok(out.into_iter().map(Fe::to_felt).collect())
}

/// [`hash_many_batch`] over the public felt type.
pub fn hash_many_batch_felts(backend: Backend, msgs: &[Vec<Felt>]) -> Result<Vec<Felt>, HashError> {
    let m: Vec<Vec<Fe>> = msgs.iter().map(|m| to_fe(m)).collect();
    let refs: Vec<&[Fe]> = m.iter().map(Vec::as_slice).collect();
    let mut out = vec![Fe::ZERO; refs.len()];
    hash_many_batch(backend, &refs, &mut out)?;
    Ok(out.into_iter().map(Fe::to_felt).collect())
}

fn to_fe(v: &[Felt]) -> Vec<Fe> {
    v.iter().map(Fe::from_felt).collect()
}
