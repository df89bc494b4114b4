//! AVX-512 IFMA Pedersen for large batches: affine accumulators and one
//! inversion per digit window for the whole batch.
//!
//! [`super::avx512`] keeps each hash's point in Jacobian coordinates and
//! adds a table point per digit window with a mixed addition (8M + 3S).
//! Over a batch of [`MIN`] to [`BATCH`] hashes the points can stay affine instead:
//! the chord's slope `λ = (y2 - y1) / (x2 - x1)` needs an inverse per hash,
//! and Montgomery's trick gives all of them from one inversion — a forward
//! pass multiplies the denominators into running products, one inverse of
//! the total (per lane, on the scalar side), a backward pass peels each
//! inverse off. Per hash and window that is 5M + 1S (one product forward,
//! two backward, `λ`, `λ²` and `y3`) plus the shared inversion:
//!
//! ```text
//! forward   d_g = x2 - x1 (1 where the digit is 0);  run_g = run_{g-1} · d_g
//! invert    inv = 1 / run_last                         (8 lanes, scalar side)
//! backward  1/d_g = inv · run_{g-1};  inv = inv · d_g
//!           λ = (y2 - y1) / d_g;  x3 = λ² - x1 - x2;  y3 = λ (x1 - x3) - y1
//! ```
//!
//! Coordinates are kept below `2.1p` with the lazy products and [`f::settle`]
//! as in [`super::avx512`] (inputs below `2.1p` give lazy products below
//! `1.14p`). The formula is wrong only where the chord is vertical (`x1 = x2`:
//! the doubling or opposite case); such a lane makes the running product 0,
//! and the batch then reports failure so the caller hashes it on the
//! Jacobian path, which handles every case.

use super::avx512::{gather, table52, LANES, POINT_LIMBS, WINDOWS};
use super::{digits, Tables, DIGITS, INPUT_LEN, WINDOW};
use crate::field::avx512::{self as f, Limbs8};
use crate::field::Fe;
use std::arch::x86_64::*;

/// The most hashes per batch (beyond it the per-batch arrays outgrow the
/// L2 cache and the gain from sharing the inversion is spent).
pub const BATCH: usize = 4096;
/// The fewest hashes a batch pays off for: the shared inversion costs
/// about as much as 30 mixed additions, so below this the Jacobian path
/// is as fast (on the 2-core Sapphire Rapids-class VM, one thread, batches
/// of 256 / 512 / 1024 / 4096 hashed at 0.37–0.40 / 0.48–0.50 / 0.58 /
/// 0.63 M/s, against 0.26 M/s on the Jacobian path).
pub const MIN: usize = 256;

/// `out[i] = pedersen(a[i], b[i])` for slices whose length is a multiple of
/// [`LANES`]; returns `false` (with `out` unspecified) when the CPU lacks
/// AVX-512 IFMA or a lane met a vertical chord, so the caller must use the
/// Jacobian path.
pub fn hash(a: &[Fe], b: &[Fe], out: &mut [Fe]) -> bool {
    if !super::avx512::available() || a.len() != b.len() || a.len() != out.len() || !a.len().is_multiple_of(LANES) {
        return false;
    }
    // SAFETY: `available()` checked avx512f and avx512ifma at run time; the
    // three slices have the same length, a multiple of `LANES`.
    unsafe { hash_ifma(a, b, out) }
}

/// Blends `on` into the lanes of `mask`, keeping `off` elsewhere.
#[target_feature(enable = "avx512f")]
#[inline]
fn blend(mask: u8, off: Limbs8, on: Limbs8) -> Limbs8 {
    std::array::from_fn(|l| _mm512_mask_blend_epi64(mask, off[l], on[l]))
}

/// The inverses of eight elements by Montgomery's trick (one inversion),
/// or `None` when one of them is 0.
fn invert8(v: &[Fe; LANES]) -> Option<[Fe; LANES]> {
    let mut pre = [Fe::ONE; LANES];
    let mut run = Fe::ONE;
    for (p, x) in pre.iter_mut().zip(v) {
        *p = run;
        run = run.mul(*x);
    }
    let mut inv = run.inv_or_zero();
    if inv.is_zero() {
        return None;
    }
    let mut out = [Fe::ZERO; LANES];
    for i in (0..LANES).rev() {
        out[i] = inv.mul(pre[i]);
        inv = inv.mul(v[i]);
    }
    Some(out)
}

/// # Safety
/// The CPU must have avx512f and avx512ifma; `a`, `b` and `out` have the
/// same length, a multiple of [`LANES`].
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn hash_ifma(a: &[Fe], b: &[Fe], out: &mut [Fe]) -> bool {
    let t = Tables::get();
    let base = table52().as_ptr() as *const i64;
    let groups = a.len() / LANES;
    // Digits by window: `dig[s]` holds window `s` of every hash.
    let mut dig = vec![vec![0u8; a.len()]; WINDOWS];
    for (n, (x, y)) in a.iter().zip(b).enumerate() {
        for (w, v) in digits(*x).into_iter().chain(digits(*y)).enumerate() {
            dig[w][n] = v;
        }
    }
    let one = f::splat(&f::limbs52(Fe::ONE.0));
    let mut ax = vec![f::splat(&f::limbs52(t.shift.x.0)); groups];
    let mut ay = vec![f::splat(&f::limbs52(t.shift.y.0)); groups];
    let mut qx = vec![one; groups];
    let mut qy = vec![one; groups];
    let mut d = vec![one; groups];
    let mut run_at = vec![one; groups];
    let mut masks = vec![0u8; groups];
    for (s, window) in dig.iter().enumerate() {
        let (k, w) = (s / DIGITS, s % DIGITS);
        let mut run = one;
        for g in 0..groups {
            let mut offsets = [0i64; LANES];
            let mut mask = 0u8;
            for (lane, o) in offsets.iter_mut().enumerate() {
                let v = window[g * LANES + lane];
                if v != 0 {
                    *o = ((k * INPUT_LEN + w * WINDOW + v as usize - 1) * POINT_LIMBS) as i64;
                    mask |= 1 << lane;
                }
            }
            masks[g] = mask;
            if mask != 0 {
                // SAFETY: every offset is an entry of the table times ten
                // (or 0), so the ten u64 read per lane are in bounds.
                let [x2, y2] = unsafe { gather(base, &offsets) };
                qx[g] = x2;
                qy[g] = y2;
                d[g] = blend(mask, one, f::settle(f::sub(x2, ax[g])));
                run = f::mont_mul8_lazy(run, d[g]);
            }
            run_at[g] = run;
        }
        let mut total = [Fe::ZERO; LANES];
        // SAFETY: 8 `Fe` are 32 contiguous writable u64; the product with
        // one fully reduces a value below 1.14p.
        unsafe { f::store8(total.as_mut_ptr().cast(), f::mont_mul8(run, one)) };
        let Some(inverses) = invert8(&total) else {
            return false;
        };
        // SAFETY: 8 `Fe` are 32 contiguous u64, each below p.
        let mut inv = unsafe { f::load8(inverses.as_ptr().cast()) };
        for g in (0..groups).rev() {
            let mask = masks[g];
            if mask == 0 {
                continue;
            }
            let inv_d = if g > 0 { f::mont_mul8_lazy(inv, run_at[g - 1]) } else { inv };
            inv = f::mont_mul8_lazy(inv, d[g]);
            let lam = f::mont_mul8_lazy(f::settle(f::sub(qy[g], ay[g])), inv_d);
            let x3 = f::settle(f::sub(f::sub(f::mont_sqr8_lazy(lam), ax[g]), qx[g]));
            let y3 = f::settle(f::sub(f::mont_mul8_lazy(lam, f::settle(f::sub(ax[g], x3))), ay[g]));
            ax[g] = blend(mask, ax[g], x3);
            ay[g] = blend(mask, ay[g], y3);
        }
    }
    for (g, x) in ax.iter().enumerate() {
        // SAFETY: `out[8g..8g + 8]` is 32 contiguous writable u64; the
        // product with one fully reduces a coordinate below 2.1p.
        unsafe { f::store8(out[g * LANES..].as_mut_ptr().cast(), f::mont_mul8(*x, one)) };
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_batches_match_scalar() {
        let n = 8 * 37;
        let a: Vec<Fe> = (0..n as u64).map(|i| Fe::from_u64(i * 0x9e37_79b9_7f4a_7c15 + 1).square()).collect();
        let mut b: Vec<Fe> = a.iter().map(|x| x.mul(*x).add(Fe::from_u64(3))).collect();
        b[5] = Fe::ZERO; // zero digits everywhere in one input
        b[9] = Fe::ONE;
        let mut got = vec![Fe::ZERO; n];
        if !hash(&a, &b, &mut got) {
            println!("not run: this CPU lacks AVX-512 IFMA");
            return;
        }
        let mut want = vec![Fe::ZERO; n];
        super::super::scalar::hash(&a, &b, &mut want);
        assert_eq!(got, want);
    }
}
