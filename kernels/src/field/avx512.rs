//! AVX-512 IFMA felt252 multiplication: eight Montgomery products at a time.
//!
//! Eight `Fe`s (4×64-bit limbs each) are transposed into five vectors of
//! 52-bit limbs (radix 2^52, limb k of all eight elements in one register).
//! `vpmadd52{lo,hi}uq` forms the 25 limb products; Montgomery reduction
//! exploits `p = 1 + 17·2^192 + 2^251`, whose radix-2^52 limbs are
//! `[1, 0, 0, 17·2^36, 2^43]`: each step adds `m` at limb i, `m·17·2^36` at
//! limb i+3 and `m·2^43` at limb i+4 (four IFMA ops). Four full 52-bit steps
//! and one 48-bit step divide by exactly 2^256, so the result is in the same
//! Montgomery form (R = 2^256) as the scalar code and `Felt`; it is shifted
//! out from bit 256, reduced once, and transposed back.

use super::Fe;
use std::arch::x86_64::*;

const M52: i64 = (1 << 52) - 1;
const M48: i64 = (1 << 48) - 1;
const M43: i64 = (1 << 43) - 1;
/// p's radix-2^52 limb 3 (`17·2^36`) and limb 4 (`2^43`).
const C17: i64 = 17 << 36;
const C43: i64 = 1 << 43;
/// `p` in radix 2^52.
pub(crate) const P52: [u64; 5] = [1, 0, 0, C17 as u64, C43 as u64];

/// Eight field elements in radix 2^52: vector `k` holds limb `k` (bits
/// `52k..52k + 52`) of all eight lanes.
pub(crate) type Limbs8 = [__m512i; 5];

/// Whether this CPU can run [`mul`]'s vector path.
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512ifma")
}

/// `out[i] = a[i] · b[i]` for the largest multiple of 8 elements; returns how
/// many were done (0 when the CPU lacks AVX-512 IFMA). The caller finishes
/// the tail.
pub fn mul(a: &[Fe], b: &[Fe], out: &mut [Fe]) -> usize {
    if !available() {
        return 0;
    }
    let n = a.len().min(b.len()).min(out.len()) / 8 * 8;
    // SAFETY: `available()` checked avx512f and avx512ifma at run time, and
    // the three slices passed hold exactly `n` elements, a multiple of 8.
    unsafe { mul_ifma(&a[..n], &b[..n], &mut out[..n]) };
    n
}

#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn mul_ifma(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    for ((x, y), o) in a.chunks_exact(8).zip(b.chunks_exact(8)).zip(out.chunks_exact_mut(8)) {
        // SAFETY: each chunk is 8 `Fe` = 32 contiguous u64 (Fe is
        // repr(transparent) over [u64; 4]); unaligned loads/stores are used.
        let xa = unsafe { load8(x.as_ptr() as *const i64) };
        let ya = unsafe { load8(y.as_ptr() as *const i64) };
        let r = mont_mul8(xa, ya);
        unsafe { store8(o.as_mut_ptr() as *mut i64, r) };
    }
}

/// Loads 8 elements (32 u64) and returns their radix-2^52 limbs.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn load8(p: *const i64) -> Limbs8 {
    // SAFETY: the caller guarantees 32 readable u64 at `p`.
    let (z0, z1, z2, z3) = unsafe {
        (
            _mm512_loadu_epi64(p),
            _mm512_loadu_epi64(p.add(8)),
            _mm512_loadu_epi64(p.add(16)),
            _mm512_loadu_epi64(p.add(24)),
        )
    };
    // z0 = [e0.l0..l3, e1.l0..l3], z1 = e2,e3, ...: transpose to limb-major.
    let lo = _mm512_setr_epi64(0, 4, 8, 12, 1, 5, 9, 13); // limbs 0,1 of 4 elements
    let hi = _mm512_setr_epi64(2, 6, 10, 14, 3, 7, 11, 15); // limbs 2,3
    let first = _mm512_setr_epi64(0, 1, 2, 3, 8, 9, 10, 11);
    let second = _mm512_setr_epi64(4, 5, 6, 7, 12, 13, 14, 15);
    let u01 = _mm512_permutex2var_epi64(z0, lo, z1);
    let v01 = _mm512_permutex2var_epi64(z2, lo, z3);
    let u23 = _mm512_permutex2var_epi64(z0, hi, z1);
    let v23 = _mm512_permutex2var_epi64(z2, hi, z3);
    let l0 = _mm512_permutex2var_epi64(u01, first, v01);
    let l1 = _mm512_permutex2var_epi64(u01, second, v01);
    let l2 = _mm512_permutex2var_epi64(u23, first, v23);
    let l3 = _mm512_permutex2var_epi64(u23, second, v23);
    let m = _mm512_set1_epi64(M52);
    [
        _mm512_and_si512(l0, m),
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<52>(l0), _mm512_slli_epi64::<12>(l1)), m),
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<40>(l1), _mm512_slli_epi64::<24>(l2)), m),
        _mm512_and_si512(_mm512_or_si512(_mm512_srli_epi64::<28>(l2), _mm512_slli_epi64::<36>(l3)), m),
        _mm512_srli_epi64::<16>(l3),
    ]
}

/// Packs radix-2^52 limbs (each < 2^52, value < p) into 8 elements at `p`.
#[target_feature(enable = "avx512f")]
pub(crate) unsafe fn store8(p: *mut i64, r: Limbs8) {
    let l0 = _mm512_or_si512(r[0], _mm512_slli_epi64::<52>(r[1]));
    let l1 = _mm512_or_si512(_mm512_srli_epi64::<12>(r[1]), _mm512_slli_epi64::<40>(r[2]));
    let l2 = _mm512_or_si512(_mm512_srli_epi64::<24>(r[2]), _mm512_slli_epi64::<28>(r[3]));
    let l3 = _mm512_or_si512(_mm512_srli_epi64::<36>(r[3]), _mm512_slli_epi64::<16>(r[4]));
    let pair_lo = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11); // elements 0..3
    let pair_hi = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15); // elements 4..7
    let first = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
    let second = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
    let a01 = _mm512_permutex2var_epi64(l0, pair_lo, l1); // e0.l0 e0.l1 e1.l0 e1.l1 ...
    let a23 = _mm512_permutex2var_epi64(l2, pair_lo, l3);
    let b01 = _mm512_permutex2var_epi64(l0, pair_hi, l1);
    let b23 = _mm512_permutex2var_epi64(l2, pair_hi, l3);
    // SAFETY: the caller guarantees 32 writable u64 at `p`.
    unsafe {
        _mm512_storeu_epi64(p, _mm512_permutex2var_epi64(a01, first, a23));
        _mm512_storeu_epi64(p.add(8), _mm512_permutex2var_epi64(a01, second, a23));
        _mm512_storeu_epi64(p.add(16), _mm512_permutex2var_epi64(b01, first, b23));
        _mm512_storeu_epi64(p.add(24), _mm512_permutex2var_epi64(b01, second, b23));
    }
}

/// Montgomery product of eight pairs in radix 2^52, fully reduced: inputs
/// `< p`, or any `x, y < 2^255` whose product `x·y / 2^256 < p`.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
pub(crate) fn mont_mul8(x: Limbs8, y: Limbs8) -> Limbs8 {
    reduce_once(mont_mul8_lazy(x, y))
}

/// Montgomery product `x·y / 2^256 + m·p / 2^256` of eight pairs without the
/// final subtraction. Inputs: limbs in `[0, 2^52)`, values `< 2^255`;
/// the output has limbs in `[0, 2^52)` and value `< x·y / 2^256 + p`
/// (`< 2^255` again, and `< 2p` when both inputs are `< 4p`).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
pub(crate) fn mont_mul8_lazy(x: Limbs8, y: Limbs8) -> Limbs8 {
    let zero = _mm512_setzero_si512();
    let mut t = [zero; 11];
    for i in 0..5 {
        for j in 0..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], x[i], y[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], x[i], y[j]);
        }
    }
    mont_reduce8(t)
}

/// [`mont_mul8_lazy`]`(x, x)` with 15 limb products instead of 25: the
/// cross products are summed once and doubled (each column stays below
/// 2^60), then the squares of the limbs are added. Same bounds.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
pub(crate) fn mont_sqr8_lazy(x: Limbs8) -> Limbs8 {
    let zero = _mm512_setzero_si512();
    let mut t = [zero; 11];
    for i in 0..5 {
        for j in i + 1..5 {
            t[i + j] = _mm512_madd52lo_epu64(t[i + j], x[i], x[j]);
            t[i + j + 1] = _mm512_madd52hi_epu64(t[i + j + 1], x[i], x[j]);
        }
    }
    for v in t.iter_mut() {
        *v = _mm512_add_epi64(*v, *v);
    }
    for i in 0..5 {
        t[2 * i] = _mm512_madd52lo_epu64(t[2 * i], x[i], x[i]);
        t[2 * i + 1] = _mm512_madd52hi_epu64(t[2 * i + 1], x[i], x[i]);
    }
    mont_reduce8(t)
}

/// The Montgomery reduction of [`mont_mul8_lazy`]: `t / 2^256 + m·p / 2^256`
/// for an 11-column product `t` (columns below 2^61).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn mont_reduce8(mut t: [__m512i; 11]) -> Limbs8 {
    let zero = _mm512_setzero_si512();
    let m52 = _mm512_set1_epi64(M52);
    let c17 = _mm512_set1_epi64(C17);
    let c43 = _mm512_set1_epi64(C43);
    for i in 0..5 {
        // m = -t[i] mod 2^52 (2^48 in the last step, which makes the total
        // shift 4·52 + 48 = 256); t + m·p clears those bits.
        let mask = if i < 4 { m52 } else { _mm512_set1_epi64(M48) };
        let m = _mm512_and_si512(_mm512_sub_epi64(zero, t[i]), mask);
        t[i] = _mm512_add_epi64(t[i], m);
        if i < 4 {
            t[i + 1] = _mm512_add_epi64(t[i + 1], _mm512_srli_epi64::<52>(t[i]));
        }
        t[i + 3] = _mm512_madd52lo_epu64(t[i + 3], m, c17);
        t[i + 4] = _mm512_madd52hi_epu64(t[i + 4], m, c17);
        t[i + 4] = _mm512_madd52lo_epu64(t[i + 4], m, c43);
        t[i + 5] = _mm512_madd52hi_epu64(t[i + 5], m, c43);
    }
    for k in 4..10 {
        t[k + 1] = _mm512_add_epi64(t[k + 1], _mm512_srli_epi64::<52>(t[k]));
        t[k] = _mm512_and_si512(t[k], m52);
    }
    // The result is t >> 256: bit 48 of limb 4 onwards, re-sliced.
    let mut r = [zero; 5];
    for k in 0..5 {
        r[k] =
            _mm512_or_si512(_mm512_srli_epi64::<48>(t[4 + k]), _mm512_and_si512(_mm512_slli_epi64::<4>(t[5 + k]), m52));
    }
    r
}

/// Subtracts p once from each lane holding a value in `[p, 2p)`.
#[target_feature(enable = "avx512f")]
#[inline]
fn reduce_once(r: Limbs8) -> Limbs8 {
    let zero = _mm512_setzero_si512();
    let m52 = _mm512_set1_epi64(M52);
    // Signed limbs, arithmetic carries: d = r - p.
    let pl = splat(&P52);
    let mut d = [zero; 5];
    let mut carry = zero;
    for k in 0..5 {
        let v = _mm512_add_epi64(_mm512_sub_epi64(r[k], pl[k]), carry);
        carry = _mm512_srai_epi64::<52>(v);
        d[k] = _mm512_and_si512(v, m52);
    }
    let keep_r = _mm512_cmplt_epi64_mask(carry, zero); // r - p < 0
    let mut out = [zero; 5];
    for k in 0..5 {
        out[k] = _mm512_mask_blend_epi64(keep_r, d[k], r[k]);
    }
    out
}

/// The radix-2^52 limbs of a 256-bit integer (little-endian u64 limbs).
pub(crate) const fn limbs52(v: [u64; 4]) -> [u64; 5] {
    let m = M52 as u64;
    [v[0] & m, (v[0] >> 52 | v[1] << 12) & m, (v[1] >> 40 | v[2] << 24) & m, (v[2] >> 28 | v[3] << 36) & m, v[3] >> 16]
}

/// The same radix-2^52 constant in all eight lanes.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn splat(c: &[u64; 5]) -> Limbs8 {
    let mut r = [_mm512_setzero_si512(); 5];
    for (v, &l) in r.iter_mut().zip(c) {
        *v = _mm512_set1_epi64(l as i64);
    }
    r
}

/// Limb-wise `a + b` (no carries, no reduction).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn add(a: Limbs8, b: Limbs8) -> Limbs8 {
    let mut r = a;
    for (v, w) in r.iter_mut().zip(b) {
        *v = _mm512_add_epi64(*v, w);
    }
    r
}

/// Limb-wise `a - b` (signed limbs, no carries, no reduction).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn sub(a: Limbs8, b: Limbs8) -> Limbs8 {
    let mut r = a;
    for (v, w) in r.iter_mut().zip(b) {
        *v = _mm512_sub_epi64(*v, w);
    }
    r
}

/// Limb-wise `2·a` (signed limbs, no carries, no reduction).
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn double(a: Limbs8) -> Limbs8 {
    a.map(|v| _mm512_add_epi64(v, v))
}

/// Propagates carries through signed limbs: a non-negative value `< 2^260`
/// comes out with limbs 0..3 in `[0, 2^52)` and limb 4 = value >> 208, the
/// form [`mont_mul8_lazy`] takes.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn carry(v: Limbs8) -> Limbs8 {
    let m = _mm512_set1_epi64(M52);
    let mut r = v;
    for k in 0..4 {
        r[k + 1] = _mm512_add_epi64(r[k + 1], _mm512_srai_epi64::<52>(r[k]));
        r[k] = _mm512_and_si512(r[k], m);
    }
    r
}

/// A cheap partial reduction of signed limbs, all limbs at once (no carry
/// chain): each limb keeps its low 52 bits and passes its (signed) carry up
/// one limb; bits 251 and above (`q`) are folded back as
/// `q·2^251 ≡ -q·(17·2^192 + 1)`. The value stays congruent mod p. For
/// limbs 0..3 below 2^56 and limb 4 below 2^50 in magnitude, limbs 0..3
/// come out below 2^53 in magnitude, limb 4 in `(-2^4, 2^43 + 2^4)`, and
/// the value in `(-2^213, 2^251 + 2^213)`.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn fold(v: Limbs8) -> Limbs8 {
    let m52 = _mm512_set1_epi64(M52);
    let q = _mm512_srai_epi64::<43>(v[4]);
    let q17 = _mm512_add_epi64(_mm512_slli_epi64::<40>(q), _mm512_slli_epi64::<36>(q)); // q·17·2^36
    let lo = |x: __m512i| _mm512_and_si512(x, m52);
    let hi = |x: __m512i| _mm512_srai_epi64::<52>(x);
    [
        _mm512_sub_epi64(lo(v[0]), q),
        _mm512_add_epi64(lo(v[1]), hi(v[0])),
        _mm512_add_epi64(lo(v[2]), hi(v[1])),
        _mm512_sub_epi64(_mm512_add_epi64(lo(v[3]), hi(v[2])), q17),
        _mm512_add_epi64(_mm512_and_si512(v[4], _mm512_set1_epi64(M43)), hi(v[3])),
    ]
}

/// Signed limbs (0..3 below 2^56 and limb 4 below 2^50 in magnitude) to a
/// congruent value in `(p - 2^213, 2p + 2^213)` with limbs in `[0, 2^52)`,
/// the form [`mont_mul8_lazy`] takes: [`fold`] to `(-2^213, 2^251 + 2^213)`,
/// plus `p`, one [`carry`] pass.
#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) fn settle(v: Limbs8) -> Limbs8 {
    carry(add(fold(v), splat(&P52)))
}
