//! Scalar felt252 batches: one element at a time, the readable reference that
//! the other backends are checked against.

use super::{Fe, FieldOp};

/// Applies `op` element-wise: `out[i] = a[i] op b[i]` (`b` unused for
/// [`FieldOp::Inv`], where zero maps to zero).
pub fn run(op: FieldOp, a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    match op {
        FieldOp::Add => zip(a, b, out, Fe::add),
        FieldOp::Sub => zip(a, b, out, Fe::sub),
        FieldOp::Mul => zip(a, b, out, Fe::mul),
        FieldOp::Inv => {
            for (o, x) in out.iter_mut().zip(a) {
                *o = x.inv_or_zero();
            }
        }
    }
}

fn zip(a: &[Fe], b: &[Fe], out: &mut [Fe], f: impl Fn(Fe, Fe) -> Fe) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = f(*x, *y);
    }
}
