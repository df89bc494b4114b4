//! AVX2 felt252 multiplication: four Montgomery products at a time.
//!
//! Four `Fe`s are transposed into nine vectors of 29-bit limbs (radix 2^29,
//! limb k of all four elements in one register); `vpmuludq` forms the 81
//! 58-bit limb products, accumulated without carries in 64-bit lanes. In
//! radix 2^29, `p = 1 + 17·2^192 + 2^251` has limbs
//! `[1, 0, 0, 0, 0, 0, 17·2^18, 0, 2^19]`, so each Montgomery step adds `m`
//! at limb i, `m·17·2^18` at limb i+6 (one product) and `m·2^19` at limb i+8
//! (a shift). Eight 29-bit steps and one 24-bit step divide by exactly
//! 2^256, keeping the scalar code's Montgomery form.

use super::Fe;
use std::arch::x86_64::*;

const M29: i64 = (1 << 29) - 1;
const M24: i64 = (1 << 24) - 1;
const C17: i64 = 17 << 18;

/// Whether this CPU can run [`mul`]'s vector path.
pub fn available() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
}

/// `out[i] = a[i] · b[i]` for the largest multiple of 4 elements; returns how
/// many were done (0 without AVX2). The caller finishes the tail.
pub fn mul(a: &[Fe], b: &[Fe], out: &mut [Fe]) -> usize {
    if !available() {
        return 0;
    }
    let n = a.len().min(b.len()).min(out.len()) / 4 * 4;
    // SAFETY: `available()` checked AVX2 at run time, and the three slices
    // passed hold exactly `n` elements, a multiple of 4.
    unsafe { mul_avx2(&a[..n], &b[..n], &mut out[..n]) };
    n
}

#[target_feature(enable = "avx2")]
unsafe fn mul_avx2(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    for ((x, y), o) in a.chunks_exact(4).zip(b.chunks_exact(4)).zip(out.chunks_exact_mut(4)) {
        // SAFETY: each chunk is 4 `Fe` = 16 contiguous u64 (Fe is
        // repr(transparent) over [u64; 4]); unaligned loads/stores are used.
        let xa = unsafe { load4(x.as_ptr() as *const __m256i) };
        let ya = unsafe { load4(y.as_ptr() as *const __m256i) };
        let r = mont_mul4(&xa, &ya);
        unsafe { store4(o.as_mut_ptr() as *mut __m256i, &r) };
    }
}

/// Loads 4 elements and returns their radix-2^29 limbs.
#[target_feature(enable = "avx2")]
unsafe fn load4(p: *const __m256i) -> [__m256i; 9] {
    // SAFETY: the caller guarantees 4 readable 32-byte elements at `p`.
    let (e0, e1, e2, e3) = unsafe {
        (
            _mm256_loadu_si256(p),
            _mm256_loadu_si256(p.add(1)),
            _mm256_loadu_si256(p.add(2)),
            _mm256_loadu_si256(p.add(3)),
        )
    };
    // 4×4 transpose of 64-bit words: l[j] = limb j of the four elements.
    let t0 = _mm256_unpacklo_epi64(e0, e1); // e0.l0 e1.l0 e0.l2 e1.l2
    let t1 = _mm256_unpackhi_epi64(e0, e1); // e0.l1 e1.l1 e0.l3 e1.l3
    let t2 = _mm256_unpacklo_epi64(e2, e3);
    let t3 = _mm256_unpackhi_epi64(e2, e3);
    let l0 = _mm256_permute2x128_si256::<0x20>(t0, t2);
    let l1 = _mm256_permute2x128_si256::<0x20>(t1, t3);
    let l2 = _mm256_permute2x128_si256::<0x31>(t0, t2);
    let l3 = _mm256_permute2x128_si256::<0x31>(t1, t3);
    let m = _mm256_set1_epi64x(M29);
    let or = |a: __m256i, b: __m256i| _mm256_and_si256(_mm256_or_si256(a, b), m);
    [
        _mm256_and_si256(l0, m),
        _mm256_and_si256(_mm256_srli_epi64::<29>(l0), m),
        or(_mm256_srli_epi64::<58>(l0), _mm256_slli_epi64::<6>(l1)),
        _mm256_and_si256(_mm256_srli_epi64::<23>(l1), m),
        or(_mm256_srli_epi64::<52>(l1), _mm256_slli_epi64::<12>(l2)),
        _mm256_and_si256(_mm256_srli_epi64::<17>(l2), m),
        or(_mm256_srli_epi64::<46>(l2), _mm256_slli_epi64::<18>(l3)),
        _mm256_and_si256(_mm256_srli_epi64::<11>(l3), m),
        _mm256_srli_epi64::<40>(l3),
    ]
}

/// Packs radix-2^29 limbs (value < p) into 4 elements at `p`.
#[target_feature(enable = "avx2")]
unsafe fn store4(p: *mut __m256i, r: &[__m256i; 9]) {
    let or3 = |a: __m256i, b: __m256i, c: __m256i| _mm256_or_si256(_mm256_or_si256(a, b), c);
    let l0 = or3(r[0], _mm256_slli_epi64::<29>(r[1]), _mm256_slli_epi64::<58>(r[2]));
    let l1 = or3(_mm256_srli_epi64::<6>(r[2]), _mm256_slli_epi64::<23>(r[3]), _mm256_slli_epi64::<52>(r[4]));
    let l2 = or3(_mm256_srli_epi64::<12>(r[4]), _mm256_slli_epi64::<17>(r[5]), _mm256_slli_epi64::<46>(r[6]));
    let l3 = or3(_mm256_srli_epi64::<18>(r[6]), _mm256_slli_epi64::<11>(r[7]), _mm256_slli_epi64::<40>(r[8]));
    let t0 = _mm256_unpacklo_epi64(l0, l1); // e0.l0 e0.l1 e2.l0 e2.l1
    let t1 = _mm256_unpackhi_epi64(l0, l1); // e1.l0 e1.l1 e3.l0 e3.l1
    let t2 = _mm256_unpacklo_epi64(l2, l3);
    let t3 = _mm256_unpackhi_epi64(l2, l3);
    // SAFETY: the caller guarantees 4 writable 32-byte elements at `p`.
    unsafe {
        _mm256_storeu_si256(p, _mm256_permute2x128_si256::<0x20>(t0, t2));
        _mm256_storeu_si256(p.add(1), _mm256_permute2x128_si256::<0x20>(t1, t3));
        _mm256_storeu_si256(p.add(2), _mm256_permute2x128_si256::<0x31>(t0, t2));
        _mm256_storeu_si256(p.add(3), _mm256_permute2x128_si256::<0x31>(t1, t3));
    }
}

/// Montgomery product of four pairs in radix 2^29, fully reduced.
#[target_feature(enable = "avx2")]
fn mont_mul4(x: &[__m256i; 9], y: &[__m256i; 9]) -> [__m256i; 9] {
    let zero = _mm256_setzero_si256();
    let mut t = [zero; 18];
    for i in 0..9 {
        for j in 0..9 {
            t[i + j] = _mm256_add_epi64(t[i + j], _mm256_mul_epu32(x[i], y[j]));
        }
    }
    let m29 = _mm256_set1_epi64x(M29);
    let c17 = _mm256_set1_epi64x(C17);
    for i in 0..9 {
        // m = -t[i] mod 2^29 (2^24 in the last step: 8·29 + 24 = 256).
        let mask = if i < 8 { m29 } else { _mm256_set1_epi64x(M24) };
        let m = _mm256_and_si256(_mm256_sub_epi64(zero, t[i]), mask);
        t[i] = _mm256_add_epi64(t[i], m);
        if i < 8 {
            t[i + 1] = _mm256_add_epi64(t[i + 1], _mm256_srli_epi64::<29>(t[i]));
        }
        t[i + 6] = _mm256_add_epi64(t[i + 6], _mm256_mul_epu32(m, c17));
        t[i + 8] = _mm256_add_epi64(t[i + 8], _mm256_slli_epi64::<19>(m));
    }
    for k in 8..17 {
        t[k + 1] = _mm256_add_epi64(t[k + 1], _mm256_srli_epi64::<29>(t[k]));
        t[k] = _mm256_and_si256(t[k], m29);
    }
    // t >> 256: bit 24 of limb 8 onwards, re-sliced into 29-bit limbs.
    let mut r = [zero; 9];
    for k in 0..9 {
        r[k] =
            _mm256_or_si256(_mm256_srli_epi64::<24>(t[8 + k]), _mm256_and_si256(_mm256_slli_epi64::<5>(t[9 + k]), m29));
    }
    // r < 2p: subtract p once where r ≥ p. Each limb borrows through a
    // 2^29 bias, since AVX2 has no 64-bit arithmetic shift.
    let pl = |k: usize| match k {
        0 => _mm256_set1_epi64x(1),
        6 => c17,
        8 => _mm256_set1_epi64x(1 << 19),
        _ => zero,
    };
    let bias = _mm256_set1_epi64x(1 << 29);
    let one = _mm256_set1_epi64x(1);
    let mut d = [zero; 9];
    let mut borrow = zero;
    for k in 0..9 {
        let v = _mm256_sub_epi64(_mm256_sub_epi64(_mm256_add_epi64(r[k], bias), pl(k)), borrow);
        borrow = _mm256_sub_epi64(one, _mm256_srli_epi64::<29>(v));
        d[k] = _mm256_and_si256(v, m29);
    }
    let keep_r = _mm256_cmpeq_epi64(borrow, one); // r - p < 0
    let mut out = [zero; 9];
    for k in 0..9 {
        out[k] = _mm256_blendv_epi8(d[k], r[k], keep_r);
    }
    out
}
