//! GPU Poseidon: `shaders/poseidon.wgsl`, one hash per invocation. The
//! folded round constants are uploaded once, when the kernel is built, and
//! stay resident; each batch uploads its inputs once, runs one dispatch and
//! reads the outputs once (a batch beyond the device's storage binding limit
//! runs as several).

use super::Params;
use crate::field::Fe;
use crate::gpu::{GpuContext, GpuError, Kernel};
use crate::hash::gpu_batch::{dispatch, params_buffer, read_fes, Dispatch, Slot};
use std::sync::Mutex;

const WG: u32 = 64;
const FE_BYTES: u64 = std::mem::size_of::<Fe>() as u64;

/// The Poseidon pipeline, its resident constants and reusable buffers.
pub struct PoseidonGpu {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    constants: wgpu::Buffer,
    bufs: Mutex<Buffers>,
}

#[derive(Default)]
struct Buffers {
    a: Slot,
    b: Slot,
    offsets: Slot,
    out: Slot,
    params: Option<wgpu::Buffer>,
}

/// The folded round constants resident on the device, shared by every
/// kernel that hashes with Poseidon.
pub struct PoseidonConstants(pub(crate) wgpu::Buffer);

impl Kernel for PoseidonConstants {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let flat = Params::get().flat();
        Ok(PoseidonConstants(ctx.resident_buffer("poseidon round constants", bytemuck::cast_slice(&flat))))
    }
}

impl Kernel for PoseidonGpu {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let layout = ctx.storage_layout("poseidon layout", 4, 5, true);
        let pipeline = ctx.compute_pipeline("poseidon", "poseidon", &layout)?;
        let constants = ctx.kernel::<PoseidonConstants>()?.0.clone();
        Ok(PoseidonGpu { layout, pipeline, constants, bufs: Mutex::new(Buffers::default()) })
    }
}

/// The inputs of one batch.
enum Input<'a> {
    Pair(&'a [Fe], &'a [Fe]),
    Single(&'a [Fe]),
    Many(&'a [&'a [Fe]]),
}

/// `out[i] = hash(a[i], b[i])`.
pub fn hash(ctx: &GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), GpuError> {
    hash_timed(ctx, a, b, out).map(|_| ())
}

/// [`hash`], returning the kernel-only seconds when timestamps are available.
pub fn hash_timed(ctx: &GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<Option<f64>, GpuError> {
    let chunk = max_elems(ctx);
    let mut total = ctx.has_timestamps().then_some(0.0);
    for (start, o) in (0..out.len()).step_by(chunk).zip(out.chunks_mut(chunk)) {
        let end = start + o.len();
        add(&mut total, run(ctx, Input::Pair(&a[start..end], &b[start..end]), o)?);
    }
    Ok(total)
}

/// `out[i] = hash_single(a[i])`.
pub fn hash_single(ctx: &GpuContext, a: &[Fe], out: &mut [Fe]) -> Result<(), GpuError> {
    let chunk = max_elems(ctx);
    for (x, o) in a.chunks(chunk).zip(out.chunks_mut(chunk)) {
        run(ctx, Input::Single(x), o)?;
    }
    Ok(())
}

/// `out[i] = hash_many(msgs[i])`; messages are flattened into one buffer
/// with an offsets table.
pub fn hash_many(ctx: &GpuContext, msgs: &[&[Fe]], out: &mut [Fe]) -> Result<(), GpuError> {
    let limit = max_elems(ctx);
    let mut start = 0;
    while start < msgs.len() {
        // As many messages as fit one binding (at least one).
        let (mut end, mut words) = (start, 0);
        while end < msgs.len() && (end == start || words + msgs[end].len() <= limit) && end - start < limit - 1 {
            words += msgs[end].len();
            end += 1;
        }
        run(ctx, Input::Many(&msgs[start..end]), &mut out[start..end])?;
        start = end;
    }
    Ok(())
}

fn add(total: &mut Option<f64>, s: Option<f64>) {
    if let (Some(t), Some(s)) = (total.as_mut(), s) {
        *t += s;
    }
}

fn max_elems(ctx: &GpuContext) -> usize {
    ((ctx.limits.max_storage_buffer_binding_size / FE_BYTES).min(u32::MAX as u64 / 2) as usize).max(2)
}

fn run(ctx: &GpuContext, input: Input<'_>, out: &mut [Fe]) -> Result<Option<f64>, GpuError> {
    if out.is_empty() {
        return Ok(None);
    }
    let k = ctx.kernel::<PoseidonGpu>()?;
    let mut g = k.bufs.lock().unwrap_or_else(|e| e.into_inner());
    let n = out.len() as u64;
    let Buffers { a, b, offsets, out: out_buf, params } = &mut *g;
    let (flat, offs, mode): (Vec<Fe>, Vec<u32>, u32) = match input {
        Input::Pair(x, y) => {
            ctx.upload(a.ensure(ctx, "poseidon a", n * FE_BYTES), bytemuck::cast_slice(x));
            ctx.upload(b.ensure(ctx, "poseidon b", n * FE_BYTES), bytemuck::cast_slice(y));
            (Vec::new(), Vec::new(), 0)
        }
        Input::Single(x) => {
            ctx.upload(a.ensure(ctx, "poseidon a", n * FE_BYTES), bytemuck::cast_slice(x));
            (Vec::new(), Vec::new(), 1)
        }
        Input::Many(m) => {
            let mut offs = Vec::with_capacity(m.len() + 1);
            let mut flat = Vec::with_capacity(m.iter().map(|x| x.len()).sum());
            offs.push(0u32);
            for msg in m {
                flat.extend_from_slice(msg);
                offs.push(flat.len() as u32);
            }
            (flat, offs, 2)
        }
    };
    if mode == 2 {
        ctx.upload(a.ensure(ctx, "poseidon a", flat.len() as u64 * FE_BYTES), bytemuck::cast_slice(&flat));
        ctx.upload(offsets.ensure(ctx, "poseidon offsets", offs.len() as u64 * 4), bytemuck::cast_slice(&offs));
    }
    // Bindings that this mode does not read still need a buffer.
    let a_buf = a.ensure(ctx, "poseidon a", FE_BYTES).clone();
    let b_buf = b.ensure(ctx, "poseidon b", FE_BYTES).clone();
    let off_buf = offsets.ensure(ctx, "poseidon offsets", 4).clone();
    let out_buf = out_buf.ensure(ctx, "poseidon out", n * FE_BYTES).clone();
    let params = params.get_or_insert_with(|| params_buffer(ctx, "poseidon params"));
    ctx.upload(params, bytemuck::cast_slice(&[n as u32, mode, 0, 0]));
    let secs = dispatch(
        ctx,
        &Dispatch {
            label: "poseidon",
            pipeline: &k.pipeline,
            layout: &k.layout,
            buffers: &[&a_buf, &b_buf, &off_buf, &k.constants, &out_buf, params],
            threads: n as u32,
            wg: WG,
        },
    )?;
    read_fes(ctx, &out_buf, out)?;
    Ok(secs)
}
