//! AVX-512 IFMA Poseidon: eight permutations per vector group.
//!
//! The state is kept for the whole permutation as three words × five
//! vectors of radix-2^52 limbs (lane `i` of every vector belongs to
//! permutation `i`), built on the Montgomery products of
//! [`crate::field::avx512`]: the inputs are transposed in once and the
//! outputs out once, so the conversion is paid per hash, not per product.
//!
//! Nothing is fully reduced between rounds. Two forms of a word are used:
//!
//! * *tight*: limbs 0..3 in `[0, 2^52)`, value in `[0, 2^255)` — what the
//!   IFMA products take and return (without their final subtraction).
//! * *loose*: signed limbs below 2^53 (limb 4 about 2^43), value in
//!   `(-2^213, 2^251 + 2^213)`, congruent to the word mod p.
//!
//! An S-box input is made tight by adding its round constant pre-biased by
//! `4p` (so the sum is positive) and one carry pass; the cube is two lazy
//! products. The MDS layer (additions only) works limb-wise on signed limbs
//! and ends with [`f::fold`], a carry-free partial reduction that brings all
//! three words back to loose form. Each output word is carried once more and
//! multiplied by the Montgomery one with a full reduction, which yields the
//! canonical residue the scalar code has.
//!
//! Every bound above is checked in the comments of [`f::fold`] and
//! [`f::mont_mul8_lazy`]; `tests/hash.rs` compares this path with the scalar
//! reference on random inputs.

use super::constants::{FULL_ROUNDS, PARTIAL_ROUNDS};
use super::Params;
use crate::field::avx512::{self as f, Limbs8};
use crate::field::fe::P3;
use crate::field::Fe;
use std::sync::OnceLock;

/// Permutations per vector group.
pub const LANES: usize = 8;
/// Vector groups advanced together by `hash` and `hash_single`.
const GROUPS: usize = 2;

/// A group of [`LANES`] permutation states (state `i` is `block[i]`).
pub type Block = [[Fe; 3]; LANES];

/// The round constants in radix 2^52, each plus `4p` (see the module docs).
struct Consts {
    full: [[[u64; 5]; 3]; FULL_ROUNDS],
    partial: [[u64; 5]; PARTIAL_ROUNDS],
    /// `4p`.
    bias: [u64; 5],
    /// The Montgomery form of 1.
    one: [u64; 5],
    /// The Montgomery form of 2.
    two: [u64; 5],
}

fn consts() -> &'static Consts {
    static C: OnceLock<Consts> = OnceLock::new();
    C.get_or_init(|| {
        let p = Params::get();
        Consts {
            full: p.full.map(|r| r.map(biased)),
            partial: p.partial.map(biased),
            bias: f::limbs52(FOUR_P),
            one: f::limbs52(Fe::ONE.0),
            two: f::limbs52(Fe::from_u64(2).0),
        }
    })
}

/// `4p` as a 256-bit integer.
const FOUR_P: [u64; 4] = [4, 0, 0, 4 * P3];

/// The radix-2^52 limbs of `c + 4p` (`< 5p < 2^254`).
fn biased(c: Fe) -> [u64; 5] {
    let mut s = [0u64; 4];
    let mut carry = 0u128;
    for (k, w) in s.iter_mut().enumerate() {
        let v = c.0[k] as u128 + FOUR_P[k] as u128 + carry;
        *w = v as u64;
        carry = v >> 64;
    }
    f::limbs52(s)
}

/// Whether this CPU has AVX-512 F and IFMA, which every function here needs.
pub fn available() -> bool {
    f::available()
}

/// `out[i] = hash(a[i], b[i])` for the largest multiple of [`LANES`]
/// elements; returns how many were done (0 without AVX-512 IFMA). The
/// caller finishes the tail.
pub fn hash(a: &[Fe], b: &[Fe], out: &mut [Fe]) -> usize {
    if !available() {
        return 0;
    }
    let n = a.len().min(b.len()).min(out.len()) / LANES * LANES;
    // SAFETY: `available()` checked avx512f and avx512ifma at run time; the
    // slices passed hold exactly `n` elements, a multiple of 8.
    unsafe { hash_ifma(&a[..n], Some(&b[..n]), &mut out[..n]) };
    n
}

/// `out[i] = hash_single(a[i])` for the largest multiple of [`LANES`]
/// elements; returns how many were done (0 without AVX-512 IFMA).
pub fn hash_single(a: &[Fe], out: &mut [Fe]) -> usize {
    if !available() {
        return 0;
    }
    let n = a.len().min(out.len()) / LANES * LANES;
    // SAFETY: as in `hash`.
    unsafe { hash_ifma(&a[..n], None, &mut out[..n]) };
    n
}

/// Applies the Hades permutation to the [`LANES`] states of `block`;
/// returns `false` (leaving `block` untouched) without AVX-512 IFMA.
pub fn permute_block(block: &mut Block) -> bool {
    if !available() {
        return false;
    }
    // SAFETY: `available()` checked avx512f and avx512ifma at run time.
    unsafe { permute_block_ifma(block) };
    true
}

/// `hash(a, b)` (when `b` is given) or `hash_single(a)`, eight at a time.
///
/// # Safety
/// The CPU must have avx512f and avx512ifma; `a`, `b` and `out` must have
/// the same length, a multiple of [`LANES`].
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn hash_ifma(a: &[Fe], b: Option<&[Fe]>, out: &mut [Fe]) {
    let k = consts();
    let init = |i: usize| {
        let x = &a[i * LANES..(i + 1) * LANES];
        // SAFETY: each chunk is 8 `Fe` = 32 contiguous u64 (Fe is
        // repr(transparent) over [u64; 4]); the loads are unaligned.
        let w0 = unsafe { f::load8(x.as_ptr().cast()) };
        match b {
            Some(b) => {
                let y = &b[i * LANES..(i + 1) * LANES];
                // SAFETY: as above.
                [w0, unsafe { f::load8(y.as_ptr().cast()) }, f::splat(&k.two)]
            }
            None => [w0, f::splat(&[0; 5]), f::splat(&k.one)],
        }
    };
    let groups = out.len() / LANES;
    let mut i = 0;
    while i + GROUPS <= groups {
        let mut s: [[Limbs8; 3]; GROUPS] = std::array::from_fn(|g| init(i + g));
        permute(&mut s, k);
        for (g, w) in s.iter().enumerate() {
            let o = &mut out[(i + g) * LANES..(i + g + 1) * LANES];
            // SAFETY: as above, 32 writable u64.
            unsafe { f::store8(o.as_mut_ptr().cast(), finish(w[0], k)) };
        }
        i += GROUPS;
    }
    for i in i..groups {
        let mut s = [init(i)];
        permute(&mut s, k);
        let o = &mut out[i * LANES..(i + 1) * LANES];
        // SAFETY: as above, 32 writable u64.
        unsafe { f::store8(o.as_mut_ptr().cast(), finish(s[0][0], k)) };
    }
}

/// # Safety
/// The CPU must have avx512f and avx512ifma.
#[target_feature(enable = "avx512f,avx512ifma")]
unsafe fn permute_block_ifma(block: &mut Block) {
    let k = consts();
    let mut words: [[Fe; LANES]; 3] = [[Fe::ZERO; LANES]; 3];
    for (i, st) in block.iter().enumerate() {
        for (w, v) in words.iter_mut().zip(st) {
            w[i] = *v;
        }
    }
    // SAFETY: each `words[j]` is 8 `Fe` = 32 contiguous u64.
    let mut s = unsafe {
        [[f::load8(words[0].as_ptr().cast()), f::load8(words[1].as_ptr().cast()), f::load8(words[2].as_ptr().cast())]]
    };
    permute(&mut s, k);
    for (w, v) in words.iter_mut().zip(s[0]) {
        // SAFETY: as above, 32 writable u64.
        unsafe { f::store8(w.as_mut_ptr().cast(), finish(v, k)) };
    }
    for (i, st) in block.iter_mut().enumerate() {
        for (v, w) in st.iter_mut().zip(&words) {
            *v = w[i];
        }
    }
}

/// The Hades permutation of `G` groups of eight states whose words are
/// tight or loose; the result is loose. The groups are independent, so
/// advancing them step by step in lock step lets the core overlap their
/// products (a partial round is otherwise one long dependency chain).
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn permute<const G: usize>(s: &mut [[Limbs8; 3]; G], k: &Consts) {
    let half = FULL_ROUNDS / 2;
    for c in &k.full[..half] {
        full_round(s, c);
    }
    for c in &k.partial {
        let x = s.map(|w| f::carry(f::add(w[2], f::splat(c))));
        let x2 = x.map(|x| f::mont_sqr8_lazy(x));
        for ((w, x), x2) in s.iter_mut().zip(x).zip(x2) {
            w[2] = f::mont_mul8_lazy(x2, x);
        }
        for w in s.iter_mut() {
            mix(w);
        }
    }
    for c in &k.full[half..] {
        full_round(s, c);
    }
}

#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn full_round<const G: usize>(s: &mut [[Limbs8; 3]; G], c: &[[u64; 5]; 3]) {
    for w in s.iter_mut() {
        for (w, c) in w.iter_mut().zip(c) {
            *w = sbox(*w, c);
        }
    }
    for w in s.iter_mut() {
        mix(w);
    }
}

/// `(x + c)³` for a loose `x` and a biased constant `c`; the result is tight.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn sbox(x: Limbs8, c: &[u64; 5]) -> Limbs8 {
    let x = f::carry(f::add(x, f::splat(c)));
    let x2 = f::mont_sqr8_lazy(x);
    f::mont_mul8_lazy(x2, x)
}

/// Starknet's MDS layer (see [`super::scalar::mix`]) on signed limbs, then
/// [`f::fold`] on each word. Words in: tight or loose; out: loose.
#[target_feature(enable = "avx512f")]
#[inline]
fn mix(s: &mut [Limbs8; 3]) {
    let [a, b, c] = *s;
    let t = f::add(f::add(a, b), c);
    *s = [f::add(t, f::double(a)), f::sub(t, f::double(b)), f::sub(f::sub(t, f::double(c)), c)].map(|w| f::fold(w));
}

/// A loose word as canonical Montgomery-form limbs (`< p`): made tight
/// (`4p` added, one carry pass), then multiplied by one with full reduction.
#[target_feature(enable = "avx512f,avx512ifma")]
#[inline]
fn finish(x: Limbs8, k: &Consts) -> Limbs8 {
    let x = f::carry(f::add(x, f::splat(&k.bias)));
    f::mont_mul8(x, f::splat(&k.one))
}
