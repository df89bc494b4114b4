//! Scalar Pedersen: one hash at a time with its own inversion, the
//! reference the other backends are checked against.

use super::curve::Jacobian;
use super::{digits, Tables, DIGITS};
use crate::field::Fe;

/// The Jacobian sum `shift + a_low·P0 + a_high·P1 + b_low·P2 + b_high·P3`.
#[inline(always)]
pub fn accumulate(t: &Tables, a: Fe, b: Fe) -> Jacobian {
    let mut acc = Jacobian::from_affine(&t.shift);
    for (k, x) in [a, b].into_iter().enumerate() {
        let d = digits(x);
        for (w, &dw) in d.iter().enumerate().take(DIGITS) {
            if dw != 0 {
                acc = acc.add_affine(t.entry(k, w, dw as usize));
            }
        }
    }
    acc
}

/// Starknet `pedersen_hash(a, b)`.
pub fn hash_one(a: Fe, b: Fe) -> Fe {
    let p = accumulate(Tables::get(), a, b);
    // The sum is never infinity unless discrete logs between the published
    // points were known; the oracle would panic there, we return zero.
    p.to_affine().map_or(Fe::ZERO, |q| q.x)
}

/// `out[i] = pedersen(a[i], b[i])`.
pub fn hash(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = hash_one(*x, *y);
    }
}
