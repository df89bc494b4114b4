//! The native programs' kernel (`shaders/native.wgsl`): [`JobRun`] keeps
//! a wave's jobs, receipts and history on the device and runs dispatches
//! of jobs over a [`DeviceTable`].

use super::table::{DeviceTable, FE_BYTES, WG};
use super::{Job, JobReceipt, SLOTS};
use crate::field::Fe;
use crate::gpu::{GpuContext, GpuError, Kernel};
use crate::hash::gpu_batch::{params_buffer, submit_pass, Slot};

const JOB_BYTES: u64 = std::mem::size_of::<Job>() as u64;
const RECEIPT_BYTES: u64 = std::mem::size_of::<JobReceipt>() as u64;

/// Where a dispatch's jobs write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobMode {
    /// Reads and writes the table at each role's slot (no two jobs of the
    /// dispatch may share a slot).
    InPlace,
    /// Reads the table or the history (`FROM_HISTORY` slots) and writes
    /// role `j` of the dispatch's `i`-th job to history entry
    /// `out_base + i * SLOTS + j`; the table is not written.
    Recorded {
        /// The history entry of the dispatch's first job's role 0.
        out_base: u32,
    },
}

/// The job pipeline and its layout: jobs (read), table, history, receipts,
/// parameters.
struct JobKernel {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
}

impl Kernel for JobKernel {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let layout = ctx.storage_layout("native jobs layout", 1, 4, true);
        let pipeline = ctx.compute_pipeline("native", "native_jobs", &layout)?;
        Ok(JobKernel { layout, pipeline })
    }
}

/// A wave's device buffers, reused across waves: the jobs (136 bytes
/// each), their receipts (48 bytes each) and the history buffer (an array
/// of [`Fe`]s that recorded dispatches read from and write to).
///
/// Every transfer goes through the context and is counted: 136 bytes up per
/// job, 16 up per dispatch (its parameters), 48 down per receipt read, 32
/// per history entry written or read, 8 up per pair copied to the table.
pub struct JobRun {
    ctx: &'static GpuContext,
    kernel: std::sync::Arc<JobKernel>,
    jobs: Slot,
    receipts: Slot,
    /// Jobs uploaded by the last [`JobRun::upload_jobs`].
    uploaded: u32,
    history: wgpu::Buffer,
    /// Entries `history` holds.
    history_cap: u32,
    params: wgpu::Buffer,
}

impl std::fmt::Debug for JobRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRun").field("jobs", &self.uploaded).field("history", &self.history_cap).finish()
    }
}

impl JobRun {
    /// Empty buffers on the process's context (building the job pipeline on
    /// first use).
    pub fn new() -> Result<JobRun, GpuError> {
        let ctx = GpuContext::get()?;
        let kernel = ctx.kernel::<JobKernel>()?;
        Ok(JobRun {
            ctx,
            kernel,
            jobs: Slot::default(),
            receipts: Slot::default(),
            uploaded: 0,
            history: ctx.storage_buffer("native history", FE_BYTES),
            history_cap: 1,
            params: params_buffer(ctx, "native jobs params"),
        })
    }

    /// Uploads `jobs` (136 bytes each), replacing the previous ones; their
    /// receipts are undefined until dispatched.
    pub fn upload_jobs(&mut self, jobs: &[Job]) {
        let n = jobs.len() as u64;
        let buf = self.jobs.ensure(self.ctx, "native jobs", n.max(1) * JOB_BYTES);
        self.ctx.upload(buf, bytemuck::cast_slice(jobs));
        self.receipts.ensure(self.ctx, "native receipts", n.max(1) * RECEIPT_BYTES);
        self.uploaded = jobs.len() as u32;
    }

    /// Runs the uploaded jobs `[first, first + n)` over `table` in one
    /// compute pass (uploading its 16-byte parameters). Returns the
    /// kernel's seconds when the device has timestamp queries (waiting for
    /// the pass); otherwise `None`, without waiting.
    ///
    /// # Panics
    /// When the range is past the uploaded jobs, or (recorded) the history
    /// buffer is too small for the dispatch's output.
    pub fn dispatch(
        &mut self,
        table: &DeviceTable,
        first: u32,
        n: u32,
        mode: JobMode,
    ) -> Result<Option<f64>, GpuError> {
        let end = first.checked_add(n).expect("job range overflows u32");
        assert!(end <= self.uploaded, "jobs [{first}, {end}) past the {} uploaded", self.uploaded);
        if n == 0 {
            return Ok(self.ctx.has_timestamps().then_some(0.0));
        }
        let (mode_word, out_base) = match mode {
            JobMode::InPlace => (0, 0),
            JobMode::Recorded { out_base } => {
                let need = u64::from(out_base) + u64::from(n) * SLOTS as u64;
                assert!(need <= u64::from(self.history_cap), "recorded output needs {need} history entries");
                (1, out_base)
            }
        };
        self.ctx.upload(&self.params, bytemuck::cast_slice(&[first, n, mode_word, out_base]));
        let (Some(jobs), Some(receipts)) = (self.jobs.buffer(), self.receipts.buffer()) else {
            unreachable!("jobs were uploaded")
        };
        let buffers = [jobs, table.buffer(), &self.history, receipts, &self.params];
        let entries: Vec<wgpu::BindGroupEntry> = buffers
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect();
        let label = match mode {
            JobMode::InPlace => "native jobs (in place)",
            JobMode::Recorded { .. } => "native jobs (recorded)",
        };
        let bind = self.ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(label),
            layout: &self.kernel.layout,
            entries: &entries,
        });
        let Some(timer) = submit_pass(self.ctx, label, &self.kernel.pipeline, &bind, n, WG) else {
            return Ok(None);
        };
        let ticks = timer.ticks(self.ctx)?;
        crate::trace::gpu_passes(label, std::time::Instant::now(), &[ticks], timer.period_ns());
        Ok(Some(ticks.1.saturating_sub(ticks.0) as f64 * timer.period_ns() * 1e-9))
    }

    /// The receipts of jobs `[first, first + n)`, in one readback (48 bytes
    /// each, after all submitted work).
    ///
    /// # Panics
    /// When the range is past the uploaded jobs.
    pub fn receipts(&self, first: u32, n: u32) -> Result<Vec<JobReceipt>, GpuError> {
        let end = first.checked_add(n).expect("job range overflows u32");
        assert!(end <= self.uploaded, "receipts [{first}, {end}) past the {} jobs uploaded", self.uploaded);
        if n == 0 {
            return Ok(Vec::new());
        }
        let Some(buf) = self.receipts.buffer() else { unreachable!("jobs were uploaded") };
        let range = (u64::from(first) * RECEIPT_BYTES, u64::from(n) * RECEIPT_BYTES);
        let bytes = self.ctx.read_back_ranges(buf, &[range])?;
        Ok(bytemuck::pod_collect_to_vec(&bytes))
    }

    /// Entries the history buffer holds.
    pub fn history_capacity(&self) -> u32 {
        self.history_cap
    }

    /// Makes the history hold at least `entries` entries, keeping its
    /// contents (a device-side copy; new entries are zero).
    pub fn ensure_history(&mut self, entries: u32) -> Result<(), GpuError> {
        if entries <= self.history_cap {
            return Ok(());
        }
        let cap = entries.checked_next_power_of_two().unwrap_or(entries);
        self.history = super::table::grown(self.ctx, "native history", &self.history, self.history_cap, cap)?;
        self.history_cap = cap;
        Ok(())
    }

    /// Writes `values` to history entries `[at, at + len)` (growing the
    /// history as needed): one upload of 32 bytes per value.
    pub fn write_history(&mut self, at: u32, values: &[Fe]) -> Result<(), GpuError> {
        let end = u32::try_from(u64::from(at) + values.len() as u64).expect("history index overflows u32");
        self.ensure_history(end)?;
        self.ctx.upload_at(&self.history, u64::from(at) * FE_BYTES, bytemuck::cast_slice(values));
        Ok(())
    }

    /// The history entries of the `(start, len)` ranges, concatenated, in
    /// one readback (32 bytes per entry, after all submitted work).
    ///
    /// # Panics
    /// When a range is past [`JobRun::history_capacity`].
    pub fn read_history(&self, ranges: &[(u32, u32)]) -> Result<Vec<Fe>, GpuError> {
        let bytes: Vec<(u64, u64)> = ranges
            .iter()
            .map(|&(start, len)| {
                let end = u64::from(start) + u64::from(len);
                assert!(end <= u64::from(self.history_cap), "history [{start}, {end}) past {}", self.history_cap);
                (u64::from(start) * FE_BYTES, u64::from(len) * FE_BYTES)
            })
            .collect();
        let out = self.ctx.read_back_ranges(&self.history, &bytes)?;
        Ok(bytemuck::pod_collect_to_vec(&out))
    }

    /// Sets `table[slot] = history[index]` for each `(slot, index)` pair on
    /// the device (8 bytes uploaded per pair, not waited for).
    ///
    /// # Panics
    /// When a slot is past the table or an index past the history.
    pub fn copy_history_to_table(&self, table: &DeviceTable, pairs: &[(u32, u32)]) {
        for &(slot, index) in pairs {
            assert!(slot < table.capacity(), "slot {slot} is past the table's {} slots", table.capacity());
            assert!(index < self.history_cap, "history entry {index} is past {}", self.history_cap);
        }
        table.kernel().copy_pairs(self.ctx, &self.history, table.buffer(), pairs);
    }
}

/// Runs `jobs` over `table` in one dispatch and returns their receipts (a
/// recorded run's history, fresh and zeroed, is dropped with it).
pub fn run_jobs(table: &DeviceTable, jobs: &[Job], mode: JobMode) -> Result<Vec<JobReceipt>, GpuError> {
    let mut run = JobRun::new()?;
    run.upload_jobs(jobs);
    let n = jobs.len() as u32;
    if let JobMode::Recorded { out_base } = mode {
        run.ensure_history(out_base + n * SLOTS as u32)?;
    }
    run.dispatch(table, 0, n, mode)?;
    run.receipts(0, n)
}
