//! SIMD Poseidon: rayon across cores for large batches; per thread, eight
//! permutations per vector group on AVX-512 IFMA ([`super::avx512`], chosen
//! once per batch on [`SimdLevel::detect`]), the tail and other CPUs on
//! several independent permutations interleaved.
//!
//! A 256-bit Montgomery product is a chain of 64×64-bit multiplications;
//! AVX2 has only 32×32-bit vector multiplies, which measured slower than the
//! scalar `mulx` path, so the "lanes" here are [`LANES`] states advanced in
//! lock step ([`scalar::permute_lanes`]): the partial rounds of one state are
//! a serial dependency chain, and interleaving lets the core's multipliers
//! work on the other states meanwhile. When the CPU has `bmi2` and `adx`
//! (detected once) the same code is compiled with them enabled, so the
//! products use `mulx` and flag-free carries.

use super::scalar;
use crate::backend::SimdLevel;
use crate::field::Fe;
use rayon::prelude::*;

/// States advanced together on one thread.
pub const LANES: usize = 4;
/// Hashes per rayon task; smaller batches stay on the calling thread.
pub const CHUNK: usize = 2048;

type Block = [[Fe; 3]; LANES];

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,adx")]
fn permute_block_bmi2(b: &mut Block) {
    scalar::permute_lanes(b);
}

/// Permutes [`LANES`] states with the best code path for this CPU.
#[inline]
pub fn permute_block(b: &mut Block) {
    #[cfg(target_arch = "x86_64")]
    if crate::backend::has_bmi2_adx() {
        // SAFETY: `bmi2` and `adx` were detected on this CPU.
        unsafe { permute_block_bmi2(b) };
        return;
    }
    scalar::permute_lanes(b);
}

/// Runs `f` over `out` in chunks of [`CHUNK`] (with the chunk's start
/// index), on all cores when the batch is large.
fn for_chunks(out: &mut [Fe], f: impl Fn(usize, &mut [Fe]) + Sync) {
    if out.len() <= CHUNK {
        f(0, out);
    } else {
        out.par_chunks_mut(CHUNK).enumerate().for_each(|(i, o)| f(i * CHUNK, o));
    }
}

/// Fills `out[i]` with word 0 of the permutation of `init(i)`, [`LANES`] at a time.
fn permute_each(out: &mut [Fe], init: impl Fn(usize) -> [Fe; 3]) {
    let mut blocks = out.chunks_exact_mut(LANES);
    let mut base = 0;
    for o in blocks.by_ref() {
        let mut b: Block = std::array::from_fn(|j| init(base + j));
        permute_block(&mut b);
        for (w, s) in o.iter_mut().zip(&b) {
            *w = s[0];
        }
        base += LANES;
    }
    for (j, w) in blocks.into_remainder().iter_mut().enumerate() {
        let mut s = init(base + j);
        scalar::permute(&mut s);
        *w = s[0];
    }
}

/// Whether this batch takes the AVX-512 IFMA path.
fn wide() -> bool {
    SimdLevel::detect() == SimdLevel::Avx512
}

/// `out[i] = hash(a[i], b[i])`, as [`scalar::hash`].
pub fn hash(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    let two = Fe::from_u64(2);
    let wide = wide();
    for_chunks(out, |start, o| {
        let (a, b) = (&a[start..start + o.len()], &b[start..start + o.len()]);
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if wide {
            done = super::avx512::hash(a, b, o);
        }
        permute_each(&mut o[done..], |i| [a[done + i], b[done + i], two]);
    });
}

/// `out[i] = hash_single(a[i])`, as [`scalar::hash_single`].
pub fn hash_single(a: &[Fe], out: &mut [Fe]) {
    let wide = wide();
    for_chunks(out, |start, o| {
        let a = &a[start..start + o.len()];
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if wide {
            done = super::avx512::hash_single(a, o);
        }
        permute_each(&mut o[done..], |i| [a[done + i], Fe::ZERO, Fe::ONE]);
    });
}

/// `out[i] = hash_many(msgs[i])`, as [`scalar::hash_many`]. Messages are
/// taken eight (AVX-512 IFMA) or [`LANES`] at a time; a lane whose message
/// is shorter than the others' idles (its state is permuted but no longer
/// read).
pub fn hash_many(msgs: &[&[Fe]], out: &mut [Fe]) {
    let wide = wide();
    for_chunks(out, |start, o| {
        let msgs = &msgs[start..start + o.len()];
        let mut base = 0;
        #[cfg(target_arch = "x86_64")]
        if wide {
            use super::avx512;
            for g in o.chunks_exact_mut(avx512::LANES) {
                many_block(&msgs[base..base + avx512::LANES], g, |b| {
                    if !avx512::permute_block(b) {
                        scalar::permute_lanes(b);
                    }
                });
                base += avx512::LANES;
            }
        }
        let mut groups = o[base..].chunks_exact_mut(LANES);
        for g in groups.by_ref() {
            many_block(&msgs[base..base + LANES], g, permute_block);
            base += LANES;
        }
        for (w, m) in groups.into_remainder().iter_mut().zip(&msgs[base..]) {
            *w = scalar::hash_many_one(m);
        }
    });
}

/// `hash_many` of `L` messages in lock step, `permute` advancing all `L` states.
fn many_block<const L: usize>(msgs: &[&[Fe]], out: &mut [Fe], permute: impl Fn(&mut [[Fe; 3]; L])) {
    // Message `m` takes `m.len() / 2 + 1` permutations (the last one absorbs
    // the padded tail).
    let perms: [usize; L] = std::array::from_fn(|j| msgs[j].len() / 2 + 1);
    let most = perms.iter().copied().max().unwrap_or(0);
    let mut b = [[Fe::ZERO; 3]; L];
    for k in 0..most {
        for (j, s) in b.iter_mut().enumerate() {
            let m = msgs[j];
            if k + 1 < perms[j] {
                s[0] = s[0].add(m[2 * k]);
                s[1] = s[1].add(m[2 * k + 1]);
            } else if k + 1 == perms[j] {
                match &m[2 * k..] {
                    [last] => {
                        s[0] = s[0].add(*last);
                        s[1] = s[1].add(Fe::ONE);
                    }
                    _ => s[0] = s[0].add(Fe::ONE),
                }
            }
        }
        permute(&mut b);
        for (j, s) in b.iter().enumerate() {
            if k + 1 == perms[j] {
                out[j] = s[0];
            }
        }
    }
}
