//! [`DeviceTable`]: the native programs' state, resident on the device as
//! one array of [`Fe`]s indexed by slot (`shaders/native_table.wgsl`
//! scatters into it, gathers from it and copies history entries into it).

use crate::field::Fe;
use crate::gpu::{GpuContext, GpuError, Kernel};
use crate::hash::gpu_batch::submit_pass;

pub(super) const WG: u32 = 64;
pub(super) const FE_BYTES: u64 = std::mem::size_of::<Fe>() as u64;

/// A zeroed device buffer of `entries` [`Fe`]s, within the storage binding
/// limit.
pub(super) fn fe_buffer(ctx: &GpuContext, label: &'static str, entries: u32) -> Result<wgpu::Buffer, GpuError> {
    let bytes = u64::from(entries) * FE_BYTES;
    let limit = ctx.limits.max_storage_buffer_binding_size;
    if bytes > limit {
        return Err(GpuError::Device {
            what: label,
            detail: format!("{entries} entries ({bytes} bytes) exceed the storage binding limit of {limit} bytes"),
        });
    }
    // wgpu zeroes new buffers.
    Ok(ctx.storage_buffer(label, bytes))
}

/// A buffer of `entries` [`Fe`]s holding `old`'s first `old_entries` (a
/// device-side copy; the rest zero).
pub(super) fn grown(
    ctx: &GpuContext,
    label: &'static str,
    old: &wgpu::Buffer,
    old_entries: u32,
    entries: u32,
) -> Result<wgpu::Buffer, GpuError> {
    let bigger = fe_buffer(ctx, label, entries)?;
    let mut enc = ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some(label) });
    enc.copy_buffer_to_buffer(old, 0, &bigger, 0, u64::from(old_entries) * FE_BYTES);
    ctx.queue.submit([enc.finish()]);
    Ok(bigger)
}

/// The table's pipelines (`native_scatter`, `native_gather`,
/// `native_copy`) over one layout: `words` (read), `vals`, `table`.
pub(super) struct TableKernel {
    layout: wgpu::BindGroupLayout,
    scatter: wgpu::ComputePipeline,
    gather: wgpu::ComputePipeline,
    copy: wgpu::ComputePipeline,
    /// Bound as `vals` where the entry point has none.
    unused: wgpu::Buffer,
}

impl Kernel for TableKernel {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let layout = ctx.storage_layout("native table layout", 1, 3, false);
        Ok(TableKernel {
            scatter: ctx.compute_pipeline("native_table", "native_scatter", &layout)?,
            gather: ctx.compute_pipeline("native_table", "native_gather", &layout)?,
            copy: ctx.compute_pipeline("native_table", "native_copy", &layout)?,
            unused: ctx.storage_buffer("native table (no values)", FE_BYTES),
            layout,
        })
    }
}

impl TableKernel {
    /// One labelled pass of `pipeline` over `words`, `vals`, `table`.
    fn pass(
        &self,
        ctx: &GpuContext,
        label: &'static str,
        pipeline: &wgpu::ComputePipeline,
        buffers: [&wgpu::Buffer; 3],
        threads: u32,
    ) {
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout: &self.layout,
            entries: &entries,
        });
        // Table maintenance is not timed: the pass is not waited for.
        let _ = submit_pass(ctx, label, pipeline, &bind, threads, WG);
    }

    /// `table[pairs[i].0] = history[pairs[i].1]` on the device.
    pub(super) fn copy_pairs(
        &self,
        ctx: &GpuContext,
        history: &wgpu::Buffer,
        table: &wgpu::Buffer,
        pairs: &[(u32, u32)],
    ) {
        if pairs.is_empty() {
            return;
        }
        let words: Vec<u32> = pairs.iter().flat_map(|&(s, h)| [s, h]).collect();
        let buf = ctx.storage_buffer("native copy pairs", words.len() as u64 * 4);
        ctx.upload(&buf, bytemuck::cast_slice(&words));
        self.pass(ctx, "native copy", &self.copy, [&buf, history, table], pairs.len() as u32);
    }
}

/// The native programs' state on the device: one [`Fe`] (Montgomery form)
/// per slot, zero until written, on the process's [`GpuContext`].
///
/// Every transfer is counted in the context's traffic: [`DeviceTable::write`]
/// uploads 36 bytes per entry (its slot and value), [`DeviceTable::read`]
/// uploads 4 and reads back 32 per entry; [`DeviceTable::grow`] copies on
/// the device.
pub struct DeviceTable {
    ctx: &'static GpuContext,
    kernel: std::sync::Arc<TableKernel>,
    buffer: wgpu::Buffer,
    slots: u32,
}

impl std::fmt::Debug for DeviceTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceTable").field("slots", &self.slots).finish()
    }
}

impl DeviceTable {
    /// A table of `slots` zeroed slots (at least one).
    pub fn new(slots: u32) -> Result<DeviceTable, GpuError> {
        let ctx = GpuContext::get()?;
        let kernel = ctx.kernel::<TableKernel>()?;
        let slots = slots.max(1);
        let buffer = Self::allocate(ctx, slots)?;
        Ok(DeviceTable { ctx, kernel, buffer, slots })
    }

    fn allocate(ctx: &GpuContext, slots: u32) -> Result<wgpu::Buffer, GpuError> {
        fe_buffer(ctx, "native state table (resident)", slots)
    }

    /// Slots the table holds.
    pub fn capacity(&self) -> u32 {
        self.slots
    }

    /// Makes the table hold at least `slots` slots, keeping its contents
    /// (a device-side copy; new slots are zero).
    pub fn grow(&mut self, slots: u32) -> Result<(), GpuError> {
        if slots <= self.slots {
            return Ok(());
        }
        self.buffer = grown(self.ctx, "native state table (resident)", &self.buffer, self.slots, slots)?;
        self.slots = slots;
        Ok(())
    }

    /// Sets `table[slots[i]] = values[i]`: one upload of 36 bytes per entry
    /// and one scatter pass (not waited for). A slot written twice keeps
    /// one of its values, unspecified which.
    ///
    /// # Panics
    /// When the lengths differ or a slot is past [`DeviceTable::capacity`].
    pub fn write(&self, slots: &[u32], values: &[Fe]) {
        assert_eq!(slots.len(), values.len(), "one value per slot");
        self.check(slots);
        if slots.is_empty() {
            return;
        }
        let mut bytes = Vec::with_capacity(slots.len() * 36);
        bytes.extend_from_slice(bytemuck::cast_slice(slots));
        bytes.extend_from_slice(bytemuck::cast_slice(values));
        let buf = self.ctx.storage_buffer("native table writes", bytes.len() as u64);
        self.ctx.upload(&buf, &bytes);
        let k = &self.kernel;
        k.pass(self.ctx, "native scatter", &k.scatter, [&buf, &k.unused, &self.buffer], slots.len() as u32);
    }

    /// The values at `slots`: one upload of 4 bytes per slot, a gather pass
    /// and one readback of 32 bytes per slot.
    ///
    /// # Panics
    /// When a slot is past [`DeviceTable::capacity`].
    pub fn read(&self, slots: &[u32]) -> Result<Vec<Fe>, GpuError> {
        self.check(slots);
        if slots.is_empty() {
            return Ok(Vec::new());
        }
        let n = slots.len() as u64;
        let idx = self.ctx.storage_buffer("native table read slots", n * 4);
        self.ctx.upload(&idx, bytemuck::cast_slice(slots));
        let out = self.ctx.storage_buffer("native table read values", n * FE_BYTES);
        let k = &self.kernel;
        k.pass(self.ctx, "native gather", &k.gather, [&idx, &out, &self.buffer], slots.len() as u32);
        let bytes = self.ctx.read_back(&out, n * FE_BYTES)?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }

    fn check(&self, slots: &[u32]) {
        if let Some(s) = slots.iter().find(|&&s| s >= self.slots) {
            panic!("slot {s} is past the table's {} slots", self.slots);
        }
    }

    /// The device buffer (`array<Fe>` by slot).
    pub fn buffer(&self) -> &wgpu::Buffer {
        &self.buffer
    }

    /// Bytes of device memory the table holds.
    pub fn device_bytes(&self) -> u64 {
        u64::from(self.slots) * FE_BYTES
    }

    pub(super) fn kernel(&self) -> &TableKernel {
        &self.kernel
    }
}
