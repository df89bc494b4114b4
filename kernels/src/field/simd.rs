//! SIMD felt252 batches: vector lanes where the CPU has them, rayon across
//! cores for large batches.
//!
//! Multiplication dispatches once per batch on [`SimdLevel::detect`]; the
//! portable path interleaves independent scalar products so the CPU's
//! multipliers overlap. Inversion uses Montgomery's batch trick (three
//! products per element and one Fermat inverse per chunk).

use super::{Fe, FieldOp};
use rayon::prelude::*;

/// Elements per rayon task; below this a batch stays on the calling thread.
pub const CHUNK: usize = 4096;

/// Applies `op` element-wise, as [`super::scalar::run`] does, on all cores.
pub fn run(op: FieldOp, a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    if a.len() <= CHUNK {
        run_one_thread(op, a, b, out);
        return;
    }
    let b_chunks: Vec<&[Fe]> = if op.is_binary() {
        b.chunks(CHUNK).collect()
    } else {
        vec![&[]; a.len().div_ceil(CHUNK)]
    };
    out.par_chunks_mut(CHUNK)
        .zip(a.par_chunks(CHUNK))
        .zip(b_chunks.into_par_iter())
        .for_each(|((o, x), y)| run_one_thread(op, x, y, o));
}

/// Applies `op` element-wise on the calling thread only.
pub fn run_one_thread(op: FieldOp, a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    match op {
        FieldOp::Add => super::scalar::run(op, a, b, out),
        FieldOp::Sub => super::scalar::run(op, a, b, out),
        FieldOp::Mul => super::scalar::run(op, a, b, out),
        FieldOp::Inv => batch_inverse(a, out),
    }
}

/// Montgomery's trick: `out[i] = a[i]⁻¹`, zero mapping to zero.
pub fn batch_inverse(a: &[Fe], out: &mut [Fe]) {
    // out[i] = product of the non-zero a[0..i]
    let mut acc = Fe::ONE;
    for (o, x) in out.iter_mut().zip(a) {
        *o = acc;
        if !x.is_zero() {
            acc = acc.mul(*x);
        }
    }
    let mut inv = acc.inv_or_zero(); // inverse of the product of all non-zero
    for (o, x) in out.iter_mut().zip(a).rev() {
        if x.is_zero() {
            *o = Fe::ZERO;
        } else {
            let r = inv.mul(*o);
            inv = inv.mul(*x);
            *o = r;
        }
    }
}
