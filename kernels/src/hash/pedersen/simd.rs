//! SIMD Pedersen: on AVX-512 IFMA, eight hashes per vector group
//! ([`super::avx512`]); elsewhere (and for a chunk's last few hashes)
//! [`LANES`] hashes accumulated in lock step per thread (their mixed
//! additions are independent, so the products overlap), `bmi2`/`adx` code
//! when the CPU has it. One batched inversion per chunk instead of one per
//! hash, and rayon across cores for large batches.

use super::curve::Jacobian;
use super::{digits, Tables, DIGITS};
use crate::field::Fe;
use rayon::prelude::*;

/// Hashes accumulated together on one thread.
pub const LANES: usize = 4;
/// Hashes per rayon task (and per batched inversion).
pub const CHUNK: usize = 512;

/// `out[i] = pedersen(a[i], b[i])`, as [`super::scalar::hash`].
pub fn hash(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    #[cfg(target_arch = "x86_64")]
    if out.len() >= super::affine::MIN && crate::backend::SimdLevel::detect() == crate::backend::SimdLevel::Avx512 {
        // Affine accumulators with one inversion per window for each batch:
        // batches of up to `affine::BATCH`, split so that every thread gets
        // one; a short last batch, or one that met a vertical chord, takes
        // the Jacobian path.
        use super::affine::{BATCH, MIN};
        let threads = rayon::current_num_threads().max(1);
        let per = out.len().div_ceil(threads).next_multiple_of(8).clamp(MIN, BATCH);
        out.par_chunks_mut(per).zip(a.par_chunks(per).zip(b.par_chunks(per))).for_each(|(o, (x, y))| {
            let n = if o.len() >= MIN { o.len() / 8 * 8 } else { 0 };
            if n == 0 || !super::affine::hash(&x[..n], &y[..n], &mut o[..n]) {
                chunk(x, y, o);
            } else if n < o.len() {
                chunk(&x[n..], &y[n..], &mut o[n..]);
            }
        });
        return;
    }
    if out.len() <= CHUNK {
        chunk(a, b, out);
    } else {
        out.par_chunks_mut(CHUNK)
            .zip(a.par_chunks(CHUNK).zip(b.par_chunks(CHUNK)))
            .for_each(|(o, (x, y))| chunk(x, y, o));
    }
}

fn chunk(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    #[cfg(target_arch = "x86_64")]
    if crate::backend::has_bmi2_adx() {
        // SAFETY: `bmi2` and `adx` were detected on this CPU.
        unsafe { chunk_bmi2(a, b, out) };
        return;
    }
    chunk_portable(a, b, out, false);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi2,adx")]
fn chunk_bmi2(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    chunk_portable(a, b, out, crate::backend::SimdLevel::detect() == crate::backend::SimdLevel::Avx512);
}

/// One chunk: the leading multiple of eight on AVX-512 IFMA when `wide`,
/// the rest in [`LANES`]-wide groups and singly, then one batched inversion.
#[inline(always)]
fn chunk_portable(a: &[Fe], b: &[Fe], out: &mut [Fe], wide: bool) {
    let t = Tables::get();
    let mut acc: Vec<Jacobian> = Vec::with_capacity(out.len());
    #[cfg(target_arch = "x86_64")]
    if wide {
        acc.resize(out.len(), Jacobian::INFINITY);
        let done = super::avx512::accumulate(a, b, &mut acc);
        acc.truncate(done);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = wide;
    let start = acc.len();
    let (a, b) = (&a[start..], &b[start..]);
    let mut pairs = a.chunks_exact(LANES).zip(b.chunks_exact(LANES));
    for (x, y) in pairs.by_ref() {
        acc.extend(accumulate_lanes(t, x, y));
    }
    let done = acc.len() - start;
    for (x, y) in a[done..].iter().zip(&b[done..]) {
        acc.push(super::scalar::accumulate(t, *x, *y));
    }
    let zs: Vec<Fe> = acc.iter().map(|p| p.z).collect();
    let mut zi = vec![Fe::ZERO; zs.len()];
    crate::field::simd::batch_inverse(&zs, &mut zi);
    for ((o, p), zi) in out.iter_mut().zip(&acc).zip(&zi) {
        *o = p.x.mul(zi.square()); // infinity (z = 0) maps to zero, as in scalar
    }
}

#[inline(always)]
fn accumulate_lanes(t: &Tables, a: &[Fe], b: &[Fe]) -> [Jacobian; LANES] {
    let start = Jacobian::from_affine(&t.shift);
    let mut acc = [start; LANES];
    for (k, x) in [a, b].into_iter().enumerate() {
        let d: [[u8; DIGITS]; LANES] = std::array::from_fn(|j| digits(x[j]));
        for w in 0..DIGITS {
            for (p, dj) in acc.iter_mut().zip(&d) {
                let dw = dj[w];
                if dw != 0 {
                    *p = p.add_affine(t.entry(k, w, dw as usize));
                }
            }
        }
    }
    acc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interleaved-lane path (what CPUs without AVX-512 IFMA run, and
    /// what finishes every chunk's tail) against the scalar reference.
    #[test]
    fn portable_lanes_match_scalar() {
        let n = 203;
        let a: Vec<Fe> =
            (0..n as u64).map(|i| Fe::from_u64(i * 0x9e37_79b9_7f4a_7c15).mul(Fe::from_u64(i + 3))).collect();
        let b: Vec<Fe> = a.iter().map(|x| x.square().add(Fe::ONE)).collect();
        let (mut got, mut want) = (vec![Fe::ZERO; n], vec![Fe::ZERO; n]);
        chunk_portable(&a, &b, &mut got, false);
        super::super::scalar::hash(&a, &b, &mut want);
        assert_eq!(got, want);
    }
}
