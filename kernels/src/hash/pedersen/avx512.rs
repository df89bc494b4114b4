//! AVX-512 IFMA Pedersen: eight hashes per vector group.
//!
//! Each lane of a group accumulates one hash: the Jacobian point `(X, Y, Z)`
//! lives in three radix-2^52 words ([`crate::field::avx512`]), and every
//! digit window adds the lanes' table points with one mixed addition of
//! eight. The table entries are fetched with gathers from a copy of the
//! fixed-base tables already in radix 2^52 (10 limbs per point); a lane
//! whose digit is 0 computes the addition anyway and keeps its old point
//! (one blend), so the lanes never diverge.
//!
//! The addition is `madd-2004-hmv` (8M + 3S): `H = U2 - X1`, `r = S2 - Y1`,
//! `X3 = r² - H³ - 2·X1·H²`, `Y3 = r·(X1·H² - X3) - Y1·H³`, `Z3 = Z1·H`.
//! Nothing is fully reduced inside the loop; with `x < a·p`, `y < b·p` a lazy
//! Montgomery product is below `(a·b/32 + 1)·p`, and the coordinates are
//! kept below `2.1p`:
//!
//! * `Z1Z1 = Z1² < 1.14p`, `U2 = x2·Z1Z1 < 1.04p`, `S2 = y2·Z1·Z1Z1 < 1.04p`;
//! * `H = U2 - X1 + 3p` and `r = S2 - Y1 + 3p` are positive and `< 4.04p`
//!   after one carry pass;
//! * `H² < 1.51p`, `H³ < 1.19p`, `V = X1·H² < 1.1p`, `r² < 1.51p`;
//! * `X3` and `Y3` are formed on signed limbs and brought back below `2.1p`
//!   by [`f::settle`] (a carry-free fold, `+p`, one carry pass);
//!   `V - X3 + 3p < 4.1p`; `Z3 = Z1·H < 1.27p`.
//!
//! Every product input stays below `2^255`, as [`f::mont_mul8_lazy`] needs.
//!
//! The formula is wrong only where the textbook one branches: when a lane
//! adds a point with its own x (`H ≡ 0`, the doubling or opposite case).
//! Then `Z3 = Z1·H ≡ 0` and Z stays 0 for the rest of the hash, so a lane
//! that ends with `Z ≡ 0` is recomputed by the scalar reference, which
//! handles every case. (For the published points this needs a known
//! discrete-log relation, so it does not happen in practice; the unit test
//! below forces it.)

use super::curve::{Affine, Jacobian};
use super::{digits, Tables, DIGITS, INPUT_LEN, WINDOW};
use crate::field::avx512::{self as f, Limbs8};
use crate::field::Fe;
use std::arch::x86_64::*;
use std::sync::OnceLock;

/// Hashes per vector group.
pub const LANES: usize = 8;
/// Vector groups advanced together (their products overlap).
const GROUPS: usize = 2;
/// u64 limbs per table point: x then y, five radix-2^52 limbs each.
pub(super) const POINT_LIMBS: usize = 10;
/// Digit windows per hash (both inputs).
pub(super) const WINDOWS: usize = 2 * DIGITS;

/// `3p` in radix 2^52.
const P52X3: [u64; 5] = {
    let p = f::P52;
    [3 * p[0], 3 * p[1], 3 * p[2], 3 * p[3], 3 * p[4]]
};

/// The fixed-base table points in radix 2^52 (same order as
/// [`Tables::points`]), built on first use from the Montgomery-form table.
pub(super) fn table52() -> &'static [[u64; POINT_LIMBS]] {
    static T: OnceLock<Vec<[u64; POINT_LIMBS]>> = OnceLock::new();
    T.get_or_init(|| {
        Tables::get()
            .points
            .iter()
            .map(|p| {
                let (x, y) = (f::limbs52(p.x.0), f::limbs52(p.y.0));
                std::array::from_fn(|i| if i < 5 { x[i] } else { y[i - 5] })
            })
            .collect()
    })
}

/// Whether this CPU has AVX-512 F and IFMA, which every function here needs.
pub fn available() -> bool {
    f::available()
}

/// `out[i] = shift + a[i]·(P0, P1) + b[i]·(P2, P3)` (see
/// [`super::scalar::accumulate`]; the coordinates are canonical but the
/// Jacobian representative may differ) for the largest multiple of
/// [`LANES`] elements; returns how many were done (0 without AVX-512 IFMA).
/// The caller finishes the tail.
pub fn accumulate(a: &[Fe], b: &[Fe], out: &mut [Jacobian]) -> usize {
    if !available() {
        return 0;
    }
    let n = a.len().min(b.len()).min(out.len()) / LANES * LANES;
    // SAFETY: `available()` checked avx512f and avx512ifma at run time; the
    // slices passed hold exactly `n` elements, a multiple of `LANES`.
    unsafe { accumulate_ifma(&a[..n], &b[..n], &mut out[..n]) };
    n
}

/// # Safety
/// The CPU must have avx512f and avx512ifma; `a`, `b` and `out` must have
/// the same length, a multiple of [`LANES`].
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn accumulate_ifma(a: &[Fe], b: &[Fe], out: &mut [Jacobian]) {
    let t = Tables::get();
    let t52 = table52();
    let mut i = 0;
    while i + GROUPS * LANES <= out.len() {
        let r = i..i + GROUPS * LANES;
        group::<GROUPS>(t, t52, &a[r.clone()], &b[r.clone()], &mut out[r]);
        i += GROUPS * LANES;
    }
    while i < out.len() {
        let r = i..i + LANES;
        group::<1>(t, t52, &a[r.clone()], &b[r.clone()], &mut out[r]);
        i += LANES;
    }
}

/// The digit windows of `G·LANES` hashes: for window `s` of group `g`, the
/// u64 offsets of the lanes' table points and the mask of lanes whose
/// digit is not 0 (their offset is 0, a valid point, otherwise).
struct Windows<const G: usize> {
    offsets: [[[i64; LANES]; WINDOWS]; G],
    masks: [[u8; WINDOWS]; G],
}

impl<const G: usize> Windows<G> {
    fn new(a: &[Fe], b: &[Fe]) -> Self {
        let mut w = Windows { offsets: [[[0; LANES]; WINDOWS]; G], masks: [[0; WINDOWS]; G] };
        for g in 0..G {
            for lane in 0..LANES {
                let n = g * LANES + lane;
                for (k, x) in [a[n], b[n]].into_iter().enumerate() {
                    for (d, &v) in digits(x).iter().enumerate() {
                        if v != 0 {
                            let s = k * DIGITS + d;
                            let entry = k * INPUT_LEN + d * WINDOW + v as usize - 1;
                            w.offsets[g][s][lane] = (entry * POINT_LIMBS) as i64;
                            w.masks[g][s] |= 1 << lane;
                        }
                    }
                }
            }
        }
        w
    }
}

/// A Jacobian point per lane: `[X, Y, Z]`, each below `2.1p`.
type Point8 = [Limbs8; 3];

/// Accumulates `G` groups of [`LANES`] hashes in lock step.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn group<const G: usize>(t: &Tables, t52: &[[u64; POINT_LIMBS]], a: &[Fe], b: &[Fe], out: &mut [Jacobian]) {
    let win = Windows::<G>::new(a, b);
    let one = f::splat(&f::limbs52(Fe::ONE.0));
    let start: Point8 = [f::splat(&f::limbs52(t.shift.x.0)), f::splat(&f::limbs52(t.shift.y.0)), one];
    let mut acc = [start; G];
    let base = t52.as_ptr() as *const i64;
    for s in 0..WINDOWS {
        let q: [[Limbs8; 2]; G] = std::array::from_fn(|g| {
            // SAFETY: every offset is `entry · 10` for an entry of the
            // table (or 0), so the ten u64 read per lane are in bounds.
            unsafe { gather(base, &win.offsets[g][s]) }
        });
        let sum = madd(&acc, &q);
        for g in 0..G {
            let m = win.masks[g][s];
            for c in 0..3 {
                for l in 0..5 {
                    acc[g][c][l] = _mm512_mask_blend_epi64(m, acc[g][c][l], sum[g][c][l]);
                }
            }
        }
    }
    for (g, p) in acc.iter().enumerate() {
        let mut coords = [[Fe::ZERO; LANES]; 3];
        for (c, v) in coords.iter_mut().zip(p) {
            // SAFETY: `c` is 8 `Fe` = 32 contiguous writable u64 (Fe is
            // repr(transparent) over [u64; 4]). The product with one fully
            // reduces a coordinate below 2.1p (`< 1.07p` before the final
            // subtraction).
            unsafe { f::store8(c.as_mut_ptr().cast(), f::mont_mul8(*v, one)) };
        }
        let [xs, ys, zs] = coords;
        for (lane, ((x, y), z)) in xs.into_iter().zip(ys).zip(zs).enumerate() {
            let n = g * LANES + lane;
            out[n] = if z.is_zero() { super::scalar::accumulate(t, a[n], b[n]) } else { Jacobian { x, y, z } };
        }
    }
}

/// The x and y limbs of the eight table points at `offsets` (u64 units).
///
/// # Safety
/// Each `base + offsets[i] .. + 10` must be readable.
#[target_feature(enable = "avx512f")]
#[inline]
pub(super) unsafe fn gather(base: *const i64, offsets: &[i64; LANES]) -> [Limbs8; 2] {
    // SAFETY: 8 i64 from a `[i64; 8]`, unaligned load.
    let idx = unsafe { _mm512_loadu_epi64(offsets.as_ptr()) };
    // SAFETY: the caller guarantees the ten limbs after every offset.
    let limb = |l: usize| unsafe { _mm512_i64gather_epi64::<8>(idx, base.add(l)) };
    [std::array::from_fn(&limb), std::array::from_fn(|l| limb(5 + l))]
}

/// `acc + q` for every lane of `G` groups (see the module docs for bounds).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn madd<const G: usize>(acc: &[Point8; G], q: &[[Limbs8; 2]; G]) -> [Point8; G] {
    let mul = |x: Limbs8, y: Limbs8| f::mont_mul8_lazy(x, y);
    let p3 = f::splat(&P52X3);
    let z1z1: [Limbs8; G] = std::array::from_fn(|g| f::mont_sqr8_lazy(acc[g][2]));
    let yz: [Limbs8; G] = std::array::from_fn(|g| mul(q[g][1], acc[g][2]));
    let u2: [Limbs8; G] = std::array::from_fn(|g| mul(q[g][0], z1z1[g]));
    let s2: [Limbs8; G] = std::array::from_fn(|g| mul(yz[g], z1z1[g]));
    let h: [Limbs8; G] = std::array::from_fn(|g| f::carry(f::add(f::sub(u2[g], acc[g][0]), p3)));
    let r: [Limbs8; G] = std::array::from_fn(|g| f::carry(f::add(f::sub(s2[g], acc[g][1]), p3)));
    let hh: [Limbs8; G] = std::array::from_fn(|g| f::mont_sqr8_lazy(h[g]));
    let rr: [Limbs8; G] = std::array::from_fn(|g| f::mont_sqr8_lazy(r[g]));
    let hhh: [Limbs8; G] = std::array::from_fn(|g| mul(h[g], hh[g]));
    let v: [Limbs8; G] = std::array::from_fn(|g| mul(acc[g][0], hh[g]));
    let x3: [Limbs8; G] = std::array::from_fn(|g| f::settle(f::sub(f::sub(rr[g], hhh[g]), f::double(v[g]))));
    let w: [Limbs8; G] = std::array::from_fn(|g| f::carry(f::add(f::sub(v[g], x3[g]), p3)));
    let rw: [Limbs8; G] = std::array::from_fn(|g| mul(r[g], w[g]));
    let yh: [Limbs8; G] = std::array::from_fn(|g| mul(acc[g][1], hhh[g]));
    std::array::from_fn(|g| [x3[g], f::settle(f::sub(rw[g], yh[g])), mul(acc[g][2], h[g])])
}

/// `p + q` for eight affine pairs through the vector addition (for tests:
/// the exceptional lanes come back with `Z = 0`); `None` without AVX-512
/// IFMA.
pub fn add8(p: &[Affine; LANES], q: &[Affine; LANES]) -> Option<[Jacobian; LANES]> {
    if !available() {
        return None;
    }
    // SAFETY: `available()` checked avx512f and avx512ifma at run time.
    Some(unsafe { add8_ifma(p, q) })
}

/// # Safety
/// The CPU must have avx512f and avx512ifma.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn add8_ifma(p: &[Affine; LANES], q: &[Affine; LANES]) -> [Jacobian; LANES] {
    let load = |pts: &[Affine; LANES], c: usize| {
        let v: [Fe; LANES] = std::array::from_fn(|i| if c == 0 { pts[i].x } else { pts[i].y });
        // SAFETY: 8 `Fe` = 32 contiguous u64.
        unsafe { f::load8(v.as_ptr().cast()) }
    };
    let one = f::splat(&f::limbs52(Fe::ONE.0));
    let acc = [[load(p, 0), load(p, 1), one]];
    let sum = madd(&acc, &[[load(q, 0), load(q, 1)]]);
    let mut coords = [[Fe::ZERO; LANES]; 3];
    for (c, v) in coords.iter_mut().zip(sum[0]) {
        // SAFETY: 32 writable u64.
        unsafe { f::store8(c.as_mut_ptr().cast(), f::mont_mul8(v, one)) };
    }
    std::array::from_fn(|i| Jacobian { x: coords[0][i], y: coords[1][i], z: coords[2][i] })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vector addition agrees with the scalar one on generic pairs and
    /// signals the doubling and opposite cases with `Z = 0`.
    #[test]
    fn vector_addition_matches_scalar_and_flags_exceptions() {
        let t = Tables::get();
        let p: [Affine; LANES] = std::array::from_fn(|i| t.points[7 * i + 3]);
        let mut q: [Affine; LANES] = std::array::from_fn(|i| t.points[1000 + 11 * i]);
        q[2] = p[2]; // doubling
        q[5] = Affine { x: p[5].x, y: p[5].y.neg() }; // opposite
        if !crate::testing::simd_or_skip(crate::SimdLevel::Avx512, "pedersen avx512 add8") {
            return;
        }
        let sum = add8(&p, &q).expect("AVX-512 IFMA is available");
        for i in 0..LANES {
            if i == 2 || i == 5 {
                assert!(sum[i].z.is_zero(), "lane {i} should flag its exceptional case");
                continue;
            }
            let want = Jacobian::from_affine(&p[i]).add_affine(&q[i]).to_affine();
            assert_eq!(sum[i].to_affine(), want, "lane {i}");
        }
    }
}
