//! GPU felt252 batches: `shaders/field_ops.wgsl`, one invocation per element.
//!
//! The pipeline and buffers are built once per context and reused; a batch
//! larger than the device's storage binding limit runs as several dispatches.

use super::{Fe, FieldOp};
use crate::gpu::{GpuContext, GpuError, Kernel};
use std::sync::Mutex;

const WG: u32 = 64;
const FE_BYTES: u64 = std::mem::size_of::<Fe>() as u64;

/// The field kernel's pipeline and reusable buffers.
pub struct FieldGpu {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    bufs: Mutex<Option<Buffers>>,
}

struct Buffers {
    capacity: u64, // elements
    a: wgpu::Buffer,
    b: wgpu::Buffer,
    out: wgpu::Buffer,
    params: wgpu::Buffer,
}

impl Kernel for FieldGpu {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let layout = ctx.storage_layout("field_ops layout", 2, 3, true);
        let pipeline = ctx.compute_pipeline("field_ops", "field_ops", &layout)?;
        Ok(FieldGpu { layout, pipeline, bufs: Mutex::new(None) })
    }
}

/// Applies `op` element-wise on the GPU, as [`super::scalar::run`] does.
pub fn run(ctx: &GpuContext, op: FieldOp, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), GpuError> {
    run_timed(ctx, op, a, b, out).map(|_| ())
}

/// [`run`], returning the kernel-only seconds from timestamp queries when the
/// device has them.
pub fn run_timed(ctx: &GpuContext, op: FieldOp, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<Option<f64>, GpuError> {
    let k = ctx.kernel::<FieldGpu>()?;
    let max_elems = (ctx.limits.max_storage_buffer_binding_size / FE_BYTES).min(u32::MAX as u64) as usize;
    let chunk = max_elems.min(a.len()).max(1);
    let mut kernel_s = ctx.has_timestamps().then_some(0.0);
    let mut guard = k.bufs.lock().unwrap_or_else(|e| e.into_inner());
    for (start, x) in (0..a.len()).step_by(chunk).zip(a.chunks(chunk)) {
        let n = x.len();
        let bufs = ensure_buffers(ctx, &mut guard, n as u64);
        ctx.upload(&bufs.a, bytemuck::cast_slice(x));
        if op.is_binary() {
            ctx.upload(&bufs.b, bytemuck::cast_slice(&b[start..start + n]));
        }
        let code = match op {
            FieldOp::Add => 0u32,
            FieldOp::Sub => 1,
            FieldOp::Mul => 2,
            FieldOp::Inv => 3,
        };
        ctx.upload(&bufs.params, bytemuck::cast_slice(&[n as u32, code, 0, 0]));
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("field_ops bind group"),
            layout: &k.layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: bufs.a.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: bufs.b.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 2, resource: bufs.out.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 3, resource: bufs.params.as_entire_binding() },
            ],
        });
        let timer = crate::hash::gpu_batch::submit_pass(ctx, "field_ops", &k.pipeline, &bind, n as u32, WG);
        let bytes = ctx.read_back(&bufs.out, n as u64 * FE_BYTES)?;
        out[start..start + n].copy_from_slice(bytemuck::cast_slice(&bytes));
        if let (Some(t), Some(acc)) = (&timer, kernel_s.as_mut()) {
            *acc += t.seconds(ctx)?;
        }
    }
    Ok(kernel_s)
}

fn ensure_buffers<'a>(ctx: &GpuContext, slot: &'a mut Option<Buffers>, n: u64) -> &'a Buffers {
    if slot.as_ref().is_none_or(|b| b.capacity < n) {
        let cap = n.next_power_of_two();
        let size = cap * FE_BYTES;
        *slot = Some(Buffers {
            capacity: cap,
            a: ctx.storage_buffer("field_ops a", size),
            b: ctx.storage_buffer("field_ops b", size),
            out: ctx.storage_buffer("field_ops out", size),
            params: ctx.device.create_buffer(&wgpu::BufferDescriptor {
                label: Some("field_ops params"),
                size: 16,
                usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                mapped_at_creation: false,
            }),
        });
    }
    slot.as_ref().expect("just filled")
}
