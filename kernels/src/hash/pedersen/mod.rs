//! Starknet Pedersen: `pedersen(a, b)` is the x coordinate of
//! `shift + a_low·P0 + a_high·P1 + b_low·P2 + b_high·P3` on the Stark curve,
//! where `a_low` is the low 248 bits of `a` and `a_high` the top 4.
//!
//! Fixed-base tables ([`Tables`], built once): every input is cut into 32
//! digits — bytes 0..30 (the low 248 bits) and the top nibble — and digit
//! `w` of value `d ≠ 0` selects the precomputed affine point
//! `d·2^(8w)·P` (`d·P1` / `d·P3` for the top nibble). A hash is therefore at
//! most 64 mixed additions onto the shift point and no doublings; the final
//! `X/Z²` needs one inversion, which batch forms share across a chunk
//! (Montgomery's trick).
//!
//! Files: [`curve`] (Jacobian arithmetic), [`scalar`] (the reference),
//! [`simd`] (interleaved lanes, batched inversion, rayon; eight lanes per
//! vector on AVX-512 IFMA in `avx512`),
//! `gpu` (`kernels/shaders/pedersen.wgsl`, tables resident on the device; with
//! the `gpu` feature).

#[cfg(target_arch = "x86_64")]
#[cfg(target_arch = "x86_64")]
pub mod affine;
pub mod avx512;
pub mod curve;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod scalar;
pub mod simd;

use super::{check_len, fe_from_hex, HashError};
use crate::backend::{Backend, Family};
use crate::field::Fe;
use curve::{Affine, Jacobian};
use starknet_types_core::felt::Felt;
use std::sync::OnceLock;

/// Digits per input: 31 bytes of the low part and the 4-bit high part.
pub const DIGITS: usize = 32;
/// Points per 8-bit window (digit 0 adds nothing).
const WINDOW: usize = 255;
/// Table entries for one 248-bit low part.
const LOW_LEN: usize = (DIGITS - 1) * WINDOW;
/// Table entries for one 4-bit high part.
const HIGH_LEN: usize = 15;
/// Table entries for one input (low then high part).
pub const INPUT_LEN: usize = LOW_LEN + HIGH_LEN;

/// The shift point and P0..P3, as published with the Stark curve
/// (canonical x, y).
const POINTS: [(&str, &str); 5] = [
    (
        "049ee3eba8c1600700ee1b87eb599f16716b0b1022947733551fde4050ca6804",
        "03ca0cfe4b3bc6ddf346d49d06ea0ed34e621062c0e056c1d0405d266e10268a",
    ),
    (
        "0234287dcbaffe7f969c748655fca9e58fa8120b6d56eb0c1080d17957ebe47b",
        "03b056f100f96fb21e889527d41f4e39940135dd7a6c94cc6ed0268ee89e5615",
    ),
    (
        "04fa56f376c83db33f9dab2656558f3399099ec1de5e3018b7a6932dba8aa378",
        "03fa0984c931c9e38113e0c0e47e4401562761f92a7a23b45168f4e80ff5b54d",
    ),
    (
        "04ba4cc166be8dec764910f75b45f74b40c690c74709e90f3aa372f0bd2d6997",
        "0040301cf5c1751f4b971e46c4ede85fcac5c59a5ce5ae7c48151f27b24b219c",
    ),
    (
        "054302dcb0e6cc1c6e44cca8f61a63bb2ca65048d53fb325d36ff12c49a58202",
        "01b77b3e37d13504b348046268d8ae25ce98ad783c25561a879dcc77e99c2426",
    ),
];

/// The fixed-base tables: for input `k` (0 = `a`, 1 = `b`), entry
/// `k·INPUT_LEN + w·255 + d - 1` is `d·2^(8w)·P(2k)` for `w < 31`, and entry
/// `k·INPUT_LEN + 31·255 + d - 1` is `d·P(2k+1)`.
#[derive(Debug)]
pub struct Tables {
    /// The shift point.
    pub shift: Affine,
    /// `2 · INPUT_LEN` affine points (≈ 1 MiB).
    pub points: Vec<Affine>,
}

impl Tables {
    /// The tables, built on first use (a few milliseconds).
    pub fn get() -> &'static Tables {
        static T: OnceLock<Tables> = OnceLock::new();
        T.get_or_init(Tables::build)
    }

    fn build() -> Tables {
        let pt = |i: usize| Affine { x: fe_from_hex(POINTS[i].0), y: fe_from_hex(POINTS[i].1) };
        let mut jac = Vec::with_capacity(2 * INPUT_LEN);
        for k in 0..2 {
            let mut base = pt(1 + 2 * k);
            for _ in 0..DIGITS - 1 {
                let mut acc = Jacobian::INFINITY;
                for _ in 0..WINDOW {
                    acc = acc.add_affine(&base);
                    jac.push(acc);
                }
                base = acc.add_affine(&base).to_affine().expect("256·B is not infinity");
            }
            let high = pt(2 + 2 * k);
            let mut acc = Jacobian::INFINITY;
            for _ in 0..HIGH_LEN {
                acc = acc.add_affine(&high);
                jac.push(acc);
            }
        }
        let zs: Vec<Fe> = jac.iter().map(|p| p.z).collect();
        let mut zi = vec![Fe::ZERO; zs.len()];
        crate::field::simd::batch_inverse(&zs, &mut zi);
        let points = jac
            .iter()
            .zip(&zi)
            .map(|(p, zi)| {
                let zi2 = zi.square();
                Affine { x: p.x.mul(zi2), y: p.y.mul(zi2).mul(*zi) }
            })
            .collect();
        Tables { shift: pt(0), points }
    }

    /// The table entry for digit `w` of value `d ≠ 0` of input `k`.
    #[inline(always)]
    pub fn entry(&self, k: usize, w: usize, d: usize) -> &Affine {
        &self.points[k * INPUT_LEN + w * WINDOW + d - 1]
    }
}

/// The 32 digits of `x` (see the module docs): bytes 0..31 of its canonical
/// little-endian value (byte 31 is the top nibble: `x < p < 2^252`).
#[inline(always)]
pub fn digits(x: Fe) -> [u8; DIGITS] {
    let c = x.to_canonical();
    std::array::from_fn(|i| (c[i / 8] >> (8 * (i % 8))) as u8)
}

/// Starknet `pedersen_hash(a, b)`.
pub fn hash(a: Felt, b: Felt) -> Felt {
    scalar::hash_one(Fe::from_felt(&a), Fe::from_felt(&b)).to_felt()
}

/// `out[i] = pedersen(a[i], b[i])` on `backend`.
pub fn hash_batch(backend: Backend, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), HashError> {
    check_len("pedersen hash_batch", a.len(), b.len(), out.len())?;
    match super::concrete(backend, Family::Pedersen, a.len()) {
        Backend::Scalar => scalar::hash(a, b, out),
        Backend::Simd => simd::hash(a, b, out),
        #[cfg(feature = "gpu")]
        _ => gpu::hash(crate::gpu::GpuContext::get()?, a, b, out)?,
        #[cfg(not(feature = "gpu"))]
        _ => return Err(super::no_gpu()),
    }
    Ok(())
}

/// [`hash_batch`] over the public felt type.
pub fn hash_batch_felts(backend: Backend, a: &[Felt], b: &[Felt]) -> Result<Vec<Felt>, HashError> {
    let a: Vec<Fe> = a.iter().map(Fe::from_felt).collect();
    let b: Vec<Fe> = b.iter().map(Fe::from_felt).collect();
    let mut out = vec![Fe::ZERO; a.len()];
    hash_batch(backend, &a, &b, &mut out)?;
    Ok(out.into_iter().map(Fe::to_felt).collect())
}
