//! GPU Poseidon: placeholder until the shader lands.

use crate::field::Fe;
use crate::gpu::{GpuContext, GpuError};

/// `out[i] = hash(a[i], b[i])` on the GPU.
pub fn hash(_ctx: &GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), GpuError> {
    super::scalar::hash(a, b, out);
    Ok(())
}

/// `out[i] = hash_single(a[i])` on the GPU.
pub fn hash_single(_ctx: &GpuContext, a: &[Fe], out: &mut [Fe]) -> Result<(), GpuError> {
    super::scalar::hash_single(a, out);
    Ok(())
}

/// `out[i] = hash_many(msgs[i])` on the GPU.
pub fn hash_many(_ctx: &GpuContext, msgs: &[&[Fe]], out: &mut [Fe]) -> Result<(), GpuError> {
    super::scalar::hash_many(msgs, out);
    Ok(())
}
