//! GPU Pedersen: `shaders/pedersen.wgsl`, one hash per invocation. The
//! fixed-base tables (≈ 1 MiB, plus the shift point) are uploaded once, when
//! the kernel is built, and stay resident; each batch uploads its inputs
//! once, runs one dispatch and reads the outputs once.

use super::{Tables, INPUT_LEN};
use crate::field::Fe;
use crate::gpu::{GpuContext, GpuError, Kernel};
use crate::hash::gpu_batch::{dispatch, params_buffer, read_fes, Dispatch, Slot};
use std::sync::Mutex;

const WG: u32 = 64;
const FE_BYTES: u64 = std::mem::size_of::<Fe>() as u64;

/// The Pedersen pipeline, its resident tables and reusable buffers.
pub struct PedersenGpu {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    table: wgpu::Buffer,
    bufs: Mutex<Buffers>,
}

#[derive(Default)]
struct Buffers {
    a: Slot,
    b: Slot,
    out: Slot,
    params: Option<wgpu::Buffer>,
}

/// The fixed-base tables resident on the device (x, y per entry; the shift
/// point last), shared by every kernel that hashes with Pedersen.
pub struct PedersenTable(pub(crate) wgpu::Buffer);

impl Kernel for PedersenTable {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let t = Tables::get();
        let mut flat = t.points.clone();
        flat.push(t.shift);
        Ok(PedersenTable(ctx.resident_buffer("pedersen fixed-base tables", bytemuck::cast_slice(&flat))))
    }
}

impl Kernel for PedersenGpu {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let layout = ctx.storage_layout("pedersen layout", 3, 4, true);
        let pipeline = ctx.compute_pipeline("pedersen", "pedersen", &layout)?;
        let table = ctx.kernel::<PedersenTable>()?.0.clone();
        Ok(PedersenGpu { layout, pipeline, table, bufs: Mutex::new(Buffers::default()) })
    }
}

/// `out[i] = pedersen(a[i], b[i])`.
pub fn hash(ctx: &GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), GpuError> {
    hash_timed(ctx, a, b, out).map(|_| ())
}

/// [`hash`], returning the kernel-only seconds when timestamps are available.
pub fn hash_timed(ctx: &GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<Option<f64>, GpuError> {
    let chunk = ((ctx.limits.max_storage_buffer_binding_size / FE_BYTES).min(u32::MAX as u64) as usize).max(1);
    let mut total = ctx.has_timestamps().then_some(0.0);
    for (start, o) in (0..out.len()).step_by(chunk).zip(out.chunks_mut(chunk)) {
        let end = start + o.len();
        if let (Some(t), Some(s)) = (total.as_mut(), run(ctx, &a[start..end], &b[start..end], o)?) {
            *t += s;
        }
    }
    Ok(total)
}

fn run(ctx: &GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<Option<f64>, GpuError> {
    if out.is_empty() {
        return Ok(None);
    }
    let k = ctx.kernel::<PedersenGpu>()?;
    let mut g = k.bufs.lock().unwrap_or_else(|e| e.into_inner());
    let n = out.len() as u64;
    let Buffers { a: a_slot, b: b_slot, out: out_slot, params } = &mut *g;
    let a_buf = a_slot.ensure(ctx, "pedersen a", n * FE_BYTES).clone();
    let b_buf = b_slot.ensure(ctx, "pedersen b", n * FE_BYTES).clone();
    let out_buf = out_slot.ensure(ctx, "pedersen out", n * FE_BYTES).clone();
    ctx.upload(&a_buf, bytemuck::cast_slice(a));
    ctx.upload(&b_buf, bytemuck::cast_slice(b));
    let params = params.get_or_insert_with(|| params_buffer(ctx, "pedersen params"));
    ctx.upload(params, bytemuck::cast_slice(&[n as u32, INPUT_LEN as u32, 0, 0]));
    let secs = dispatch(
        ctx,
        &Dispatch {
            label: "pedersen",
            pipeline: &k.pipeline,
            layout: &k.layout,
            buffers: &[&a_buf, &b_buf, &k.table, &out_buf, params],
            threads: n as u32,
            wg: WG,
        },
    )?;
    read_fes(ctx, &out_buf, out)?;
    Ok(secs)
}
