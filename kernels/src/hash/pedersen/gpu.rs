//! GPU Pedersen: placeholder until the shader lands.

use crate::field::Fe;
use crate::gpu::{GpuContext, GpuError};

/// `out[i] = pedersen(a[i], b[i])` on the GPU.
pub fn hash(_ctx: &GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), GpuError> {
    super::scalar::hash(a, b, out);
    Ok(())
}
