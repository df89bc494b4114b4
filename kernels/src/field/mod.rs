//! felt252 arithmetic over the Starknet prime `p = 2^251 + 17·2^192 + 1`.
//!
//! * [`fe`]: the [`Fe`] element type (Montgomery form, R = 2^256, the same
//!   residue `starknet_types_core::felt::Felt` stores) and its scalar ops —
//!   what Poseidon, Pedersen, the trie and the VM build on.
//! * Batches: [`run`] applies one [`FieldOp`] element-wise over slices on the
//!   chosen [`Backend`]: [`scalar`] (the reference), [`simd`] (vector lanes +
//!   rayon), `gpu` (WGSL, `kernels/shaders/field.wgsl`; with the `gpu` feature). Every backend returns the
//!   same bits.

#[cfg(target_arch = "x86_64")]
pub mod avx512;
pub mod fe;
#[cfg(feature = "gpu")]
pub mod gpu;
pub mod scalar;
pub mod simd;

pub use fe::Fe;

use crate::backend::{Backend, Family};
use starknet_types_core::felt::Felt;

/// One element-wise field operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldOp {
    /// `a + b`.
    Add,
    /// `a - b`.
    Sub,
    /// `a · b`.
    Mul,
    /// `a⁻¹` (`b` unused). Batch kernels map zero to zero; [`run`] rejects zero.
    Inv,
}

impl FieldOp {
    /// Every op, in table order.
    pub const ALL: [FieldOp; 4] = [FieldOp::Add, FieldOp::Sub, FieldOp::Mul, FieldOp::Inv];

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            FieldOp::Add => "add",
            FieldOp::Sub => "sub",
            FieldOp::Mul => "mul",
            FieldOp::Inv => "inv",
        }
    }

    /// Whether the op reads its second operand.
    pub fn is_binary(self) -> bool {
        self != FieldOp::Inv
    }
}

/// What can go wrong with a field batch.
#[derive(Debug, thiserror::Error)]
pub enum FieldError {
    /// Operand and output slices differ in length.
    #[error("field batch `{op}`: lengths differ (a: {a}, b: {b}, out: {out})")]
    LengthMismatch {
        /// The op.
        op: &'static str,
        /// `a.len()`.
        a: usize,
        /// `b.len()`.
        b: usize,
        /// `out.len()`.
        out: usize,
    },
    /// Inverse of zero requested.
    #[error("field batch `inv`: element {index} is zero and has no inverse")]
    NotInvertible {
        /// Index of the first zero element.
        index: usize,
    },
    /// The GPU backend failed.
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
}

/// Applies `op` element-wise over `a` (and `b`) into `out` on `backend`.
///
/// `b` must have `a`'s length for binary ops and is ignored (may be empty)
/// for [`FieldOp::Inv`]; a zero element makes `Inv` fail with its index.
pub fn run(backend: Backend, op: FieldOp, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), FieldError> {
    let b_ok = !op.is_binary() || b.len() == a.len();
    if !b_ok || out.len() != a.len() {
        return Err(FieldError::LengthMismatch { op: op.name(), a: a.len(), b: b.len(), out: out.len() });
    }
    if op == FieldOp::Inv {
        if let Some(index) = a.iter().position(|x| x.is_zero()) {
            return Err(FieldError::NotInvertible { index });
        }
    }
    match backend.resolve_for(Family::Field, a.len()) {
        Backend::Scalar => scalar::run(op, a, b, out),
        Backend::Simd => simd::run(op, a, b, out),
        #[cfg(feature = "gpu")]
        Backend::Gpu => gpu::run(crate::gpu::GpuContext::get()?, op, a, b, out)?,
        #[cfg(not(feature = "gpu"))]
        Backend::Gpu => return Err(crate::gpu::GpuContext::get().unwrap_err().into()),
        Backend::Auto => unreachable!("resolve_for() never returns Auto"),
    }
    Ok(())
}

/// [`run`] over the public felt type: returns `a op b` element-wise.
pub fn run_felts(backend: Backend, op: FieldOp, a: &[Felt], b: &[Felt]) -> Result<Vec<Felt>, FieldError> {
    let a: Vec<Fe> = a.iter().map(Fe::from_felt).collect();
    let b: Vec<Fe> = b.iter().map(Fe::from_felt).collect();
    let mut out = vec![Fe::ZERO; a.len()];
    run(backend, op, &a, &b, &mut out)?;
    Ok(out.into_iter().map(Fe::to_felt).collect())
}
