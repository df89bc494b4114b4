//! Host plumbing shared by the hash kernels on the GPU: growable device
//! buffers reused across batches, and one labelled, timed dispatch.

use crate::gpu::{GpuContext, GpuError};

/// A device buffer that grows (to a power of two) and is otherwise reused.
#[derive(Default)]
pub(crate) struct Slot(Option<(u64, wgpu::Buffer)>);

impl Slot {
    /// The buffer, at least `bytes` long.
    pub(crate) fn ensure(&mut self, ctx: &GpuContext, label: &str, bytes: u64) -> &wgpu::Buffer {
        if self.0.as_ref().is_none_or(|(cap, _)| *cap < bytes) {
            let cap = bytes.max(32).next_power_of_two();
            self.0 = Some((cap, ctx.storage_buffer(label, cap)));
        }
        &self.0.as_ref().expect("just filled").1
    }

    /// The buffer, if one was made.
    pub(crate) fn buffer(&self) -> Option<&wgpu::Buffer> {
        self.0.as_ref().map(|(_, b)| b)
    }
}

/// A 16-byte uniform buffer for a kernel's parameters.
pub(crate) fn params_buffer(ctx: &GpuContext, label: &str) -> wgpu::Buffer {
    ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: 16,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    })
}

/// What one dispatch binds and runs.
pub(crate) struct Dispatch<'a> {
    pub(crate) label: &'static str,
    pub(crate) pipeline: &'a wgpu::ComputePipeline,
    pub(crate) layout: &'a wgpu::BindGroupLayout,
    /// Buffers in binding order.
    pub(crate) buffers: &'a [&'a wgpu::Buffer],
    /// Invocations.
    pub(crate) threads: u32,
    /// The shader's workgroup size.
    pub(crate) wg: u32,
}

/// Submits one compute pass; returns the kernel-only seconds when the
/// device has timestamp queries (waiting for the pass to finish).
pub(crate) fn dispatch(ctx: &GpuContext, d: &Dispatch<'_>) -> Result<Option<f64>, GpuError> {
    let entries: Vec<wgpu::BindGroupEntry> = d
        .buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
        .collect();
    let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some(d.label),
        layout: d.layout,
        entries: &entries,
    });
    let timer = submit_pass(ctx, d.label, d.pipeline, &bind, d.threads, d.wg);
    match &timer {
        Some(t) => {
            let ticks = t.ticks(ctx)?;
            crate::trace::gpu_passes(d.label, std::time::Instant::now(), &[ticks], t.period_ns());
            Ok(Some(ticks.1.saturating_sub(ticks.0) as f64 * t.period_ns() * 1e-9))
        }
        None => Ok(None),
    }
}

/// Records and submits one labelled compute pass of `threads` invocations
/// (`wg`-wide groups) with timestamps when the device has them; returns the
/// timer without waiting for the pass.
pub(crate) fn submit_pass(
    ctx: &GpuContext,
    label: &str,
    pipeline: &wgpu::ComputePipeline,
    bind: &wgpu::BindGroup,
    threads: u32,
    wg: u32,
) -> Option<crate::gpu::Timer> {
    let timer = ctx.timer(label);
    let mut enc = ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
    {
        let mut pass = enc.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some(label),
            timestamp_writes: timer.as_ref().map(|t| t.pass_writes()),
        });
        // While a trace records, the pass sits in a debug group named after
        // the stage that submitted it (`block/commit.storage/trie.level`),
        // so a RenderDoc or Nsight capture shows the block's structure.
        let group = crate::trace::current_path();
        if let Some(g) = &group {
            pass.push_debug_group(g);
        }
        pass.insert_debug_marker(label);
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind, &[]);
        let (gx, gy) = ctx.dispatch_dims(threads, wg);
        pass.dispatch_workgroups(gx, gy, 1);
        if group.is_some() {
            pass.pop_debug_group();
        }
    }
    if let Some(t) = &timer {
        t.resolve(&mut enc);
    }
    ctx.queue.submit([enc.finish()]);
    timer
}

/// Reads `n` field elements back from `buf` into `out`.
pub(crate) fn read_fes(ctx: &GpuContext, buf: &wgpu::Buffer, out: &mut [crate::field::Fe]) -> Result<(), GpuError> {
    let bytes = ctx.read_back(buf, std::mem::size_of_val(out) as u64)?;
    bytemuck::cast_slice_mut::<_, u8>(out).copy_from_slice(&bytes);
    Ok(())
}
