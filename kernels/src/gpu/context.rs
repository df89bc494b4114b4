//! The wgpu side of the GPU backend: [`GpuContext`] (one adapter, device
//! and queue per process), kernel caching, uploads, readbacks and timers.

use super::select::{self, AdapterDesc, DeviceKind, Preferences, Selection};
use super::{GpuError, Traffic};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// A kernel's state once built (see [`GpuContext::kernel`]).
type KernelSlot = Mutex<Option<Arc<dyn Any + Send + Sync>>>;

/// One wgpu adapter + device + queue, shared by every kernel.
pub struct GpuContext {
    /// The adapter's identity (name, driver, backend).
    pub info: wgpu::AdapterInfo,
    /// The limits the device was created with.
    pub limits: wgpu::Limits,
    /// The device.
    pub device: wgpu::Device,
    /// Its queue.
    pub queue: wgpu::Queue,
    timestamps: bool,
    uploaded: AtomicU64,
    downloaded: AtomicU64,
    /// One slot per kernel type, each with its own lock, so that building a
    /// kernel may use (and build) others.
    kernels: Mutex<HashMap<TypeId, Arc<KernelSlot>>>,
}

impl std::fmt::Debug for GpuContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuContext").field("adapter", &self.info.name).field("backend", &self.info.backend).finish()
    }
}

/// The process-wide context (or why there is none), made on first use.
static CTX: OnceLock<Result<GpuContext, GpuError>> = OnceLock::new();

impl GpuContext {
    /// The process-wide context, created on first call; later calls return
    /// the same context or the same error.
    pub fn get() -> Result<&'static GpuContext, GpuError> {
        CTX.get_or_init(GpuContext::new).as_ref().map_err(Clone::clone)
    }

    /// The process-wide context if something has started it, without
    /// starting it (reading the byte counts must not start the graphics
    /// API).
    pub fn started() -> Option<&'static GpuContext> {
        CTX.get().and_then(|c| c.as_ref().ok())
    }

    /// Creates a fresh context on the adapter [`super::selection`] chose
    /// (tests and tools that want their own device).
    pub fn new() -> Result<GpuContext, GpuError> {
        let probe = probe();
        let index = probe.selection.adapter.clone().map_err(GpuError::Unavailable)?;
        pollster::block_on(Self::create(&probe.adapters[index]))
    }

    async fn create(adapter: &wgpu::Adapter) -> Result<GpuContext, GpuError> {
        let info = adapter.get_info();
        let features = adapter.features();
        if !features.contains(wgpu::Features::SHADER_INT64) {
            return Err(GpuError::Unavailable(format!(
                "adapter `{}` ({:?}) lacks SHADER_INT64, which the kernels require",
                info.name, info.backend
            )));
        }
        let timestamps = features.contains(wgpu::Features::TIMESTAMP_QUERY);
        let mut required = wgpu::Features::SHADER_INT64;
        if timestamps {
            required |= wgpu::Features::TIMESTAMP_QUERY;
        }
        let adapter_limits = adapter.limits();
        let limits = wgpu::Limits {
            max_storage_buffer_binding_size: adapter_limits.max_storage_buffer_binding_size,
            max_buffer_size: adapter_limits.max_buffer_size,
            max_storage_buffers_per_shader_stage: adapter_limits.max_storage_buffers_per_shader_stage,
            max_compute_workgroup_storage_size: adapter_limits.max_compute_workgroup_storage_size,
            max_compute_invocations_per_workgroup: adapter_limits.max_compute_invocations_per_workgroup,
            max_compute_workgroup_size_x: adapter_limits.max_compute_workgroup_size_x,
            max_compute_workgroups_per_dimension: adapter_limits.max_compute_workgroups_per_dimension,
            ..wgpu::Limits::default()
        };
        let (device, queue) = adapter
            .request_device(&wgpu::DeviceDescriptor {
                label: Some("wavelane device"),
                required_features: required,
                required_limits: limits.clone(),
                ..Default::default()
            })
            .await
            .map_err(|e| GpuError::Unavailable(format!("adapter `{}` refused a device: {e}", info.name)))?;
        Ok(GpuContext {
            info,
            limits,
            device,
            queue,
            timestamps,
            uploaded: AtomicU64::new(0),
            downloaded: AtomicU64::new(0),
            kernels: Mutex::new(HashMap::new()),
        })
    }

    /// Whether kernel-only times from timestamp queries are available.
    pub fn has_timestamps(&self) -> bool {
        self.timestamps
    }

    /// Bytes moved so far.
    pub fn traffic(&self) -> Traffic {
        Traffic { uploaded: self.uploaded.load(Ordering::Relaxed), downloaded: self.downloaded.load(Ordering::Relaxed) }
    }

    /// The kernel state of type `K` (pipelines, reusable buffers), built on
    /// first use with `K::build` and kept for the life of the context.
    pub fn kernel<K: Kernel>(&self) -> Result<Arc<K>, GpuError> {
        let slot = {
            let mut map = self.kernels.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(TypeId::of::<K>()).or_default().clone()
        };
        // Only this type's slot stays locked while it builds: concurrent
        // callers of the same kernel wait for one build, and a kernel built
        // on top of another (a pipeline over resident tables) can fetch it.
        let mut k = slot.lock().unwrap_or_else(|e| e.into_inner());
        if k.is_none() {
            // Building compiles the kernel's pipelines: seconds on a
            // software rasterizer, worth seeing in a trace.
            let mut span = crate::trace::span_named(|| format!("gpu.build {}", std::any::type_name::<K>()));
            span.arg("once per process", 1.0);
            *k = Some(Arc::new(K::build(self)?));
        }
        Ok(k.clone().expect("just built").downcast::<K>().expect("kernel slots are keyed by type"))
    }

    /// Compiles `shaders/<name>.wgsl` (with its includes) into a compute
    /// pipeline for `entry`, failing with the compiler's message.
    pub fn compute_pipeline(
        &self,
        name: &'static str,
        entry: &'static str,
        layout: &wgpu::BindGroupLayout,
    ) -> Result<wgpu::ComputePipeline, GpuError> {
        let source =
            super::shader::compose(name).map_err(|detail| GpuError::Device { what: "shader composition", detail })?;
        let scope = self.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let module = self.device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(name),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
        let pl = self.device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some(name),
            bind_group_layouts: &[Some(layout)],
            immediate_size: 0,
        });
        let pipeline = self.device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(entry),
            layout: Some(&pl),
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache: None,
        });
        if let Some(err) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Device { what: name, detail: err.to_string() });
        }
        Ok(pipeline)
    }

    /// A bind group layout of `n` storage buffers (the first `read_only`
    /// of them read-only) followed by one uniform buffer when `uniform`.
    pub fn storage_layout(&self, label: &str, read_only: usize, n: usize, uniform: bool) -> wgpu::BindGroupLayout {
        let mut entries: Vec<wgpu::BindGroupLayoutEntry> = (0..n)
            .map(|i| wgpu::BindGroupLayoutEntry {
                binding: i as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Storage { read_only: i < read_only },
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            })
            .collect();
        if uniform {
            entries.push(wgpu::BindGroupLayoutEntry {
                binding: n as u32,
                visibility: wgpu::ShaderStages::COMPUTE,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            });
        }
        self.device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor { label: Some(label), entries: &entries })
    }

    /// A device buffer of `size` bytes usable as storage and copy source/target.
    pub fn storage_buffer(&self, label: &str, size: u64) -> wgpu::Buffer {
        self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: size.max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_DST | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// A storage buffer holding `data`, uploaded once (tables and constants
    /// that stay resident on the device for every batch).
    pub fn resident_buffer(&self, label: &str, data: &[u8]) -> wgpu::Buffer {
        let buffer = self.storage_buffer(label, data.len() as u64);
        self.upload(&buffer, data);
        buffer
    }

    /// Writes `data` into `buffer` at offset 0, counting the bytes.
    pub fn upload(&self, buffer: &wgpu::Buffer, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.queue.write_buffer(buffer, 0, data);
        self.uploaded.fetch_add(data.len() as u64, Ordering::Relaxed);
    }

    /// Copies the first `size` bytes of `buffer` back to the host (after all
    /// submitted work), counting the bytes.
    pub fn read_back(&self, buffer: &wgpu::Buffer, size: u64) -> Result<Vec<u8>, GpuError> {
        if size == 0 {
            return Ok(Vec::new());
        }
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback staging"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc = self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("readback") });
        enc.copy_buffer_to_buffer(buffer, 0, &staging, 0, size);
        self.queue.submit([enc.finish()]);
        let bytes = self.map_read(&staging, size)?;
        self.downloaded.fetch_add(size, Ordering::Relaxed);
        Ok(bytes)
    }

    /// Writes `data` into `buffer` at byte `offset`, counting the bytes.
    pub fn upload_at(&self, buffer: &wgpu::Buffer, offset: u64, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        self.queue.write_buffer(buffer, offset, data);
        self.uploaded.fetch_add(data.len() as u64, Ordering::Relaxed);
    }

    /// Copies the byte ranges `(offset, size)` of `buffer` back to the host
    /// in one submission (after all submitted work), concatenated in the
    /// order given, counting the bytes. Offsets and sizes are multiples of 4.
    pub fn read_back_ranges(&self, buffer: &wgpu::Buffer, ranges: &[(u64, u64)]) -> Result<Vec<u8>, GpuError> {
        let total: u64 = ranges.iter().map(|r| r.1).sum();
        if total == 0 {
            return Ok(Vec::new());
        }
        let staging = self.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("readback staging (ranges)"),
            size: total,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc =
            self.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("readback (ranges)") });
        let mut at = 0;
        for &(offset, size) in ranges.iter().filter(|r| r.1 > 0) {
            enc.copy_buffer_to_buffer(buffer, offset, &staging, at, size);
            at += size;
        }
        self.queue.submit([enc.finish()]);
        let bytes = self.map_read(&staging, total)?;
        self.downloaded.fetch_add(total, Ordering::Relaxed);
        Ok(bytes)
    }

    fn map_read(&self, staging: &wgpu::Buffer, size: u64) -> Result<Vec<u8>, GpuError> {
        let slice = staging.slice(..size);
        let (tx, rx) = std::sync::mpsc::channel();
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Device { what: "poll", detail: e.to_string() })?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(GpuError::Device { what: "buffer map", detail: e.to_string() }),
            Err(e) => return Err(GpuError::Device { what: "buffer map", detail: e.to_string() }),
        }
        let bytes = slice
            .get_mapped_range()
            .map_err(|e| GpuError::Device { what: "buffer map", detail: e.to_string() })?
            .to_vec();
        staging.unmap();
        Ok(bytes)
    }

    /// Workgroup counts `(x, y)` covering `threads` invocations with
    /// `wg_size`-wide groups, splitting over y past the per-dimension limit.
    /// Shaders recover the index as `gid.x + gid.y * nwg.x * wg_size`.
    pub fn dispatch_dims(&self, threads: u32, wg_size: u32) -> (u32, u32) {
        let groups = threads.div_ceil(wg_size).max(1);
        let max = self.limits.max_compute_workgroups_per_dimension.max(1);
        if groups <= max {
            (groups, 1)
        } else {
            let y = groups.div_ceil(max);
            (groups.div_ceil(y), y)
        }
    }

    /// A timer for one compute pass, or `None` without timestamp queries.
    pub fn timer(&self, label: &str) -> Option<Timer> {
        self.timestamps.then(|| Timer::new(self, label))
    }
}

/// Kernel state cached in a [`GpuContext`]: pipelines and reusable buffers.
pub trait Kernel: Send + Sync + 'static {
    /// Builds the kernel's pipelines on `ctx`.
    fn build(ctx: &GpuContext) -> Result<Self, GpuError>
    where
        Self: Sized;
}

/// Timestamp queries around one compute pass: kernel-only time.
pub struct Timer {
    set: wgpu::QuerySet,
    resolve: wgpu::Buffer,
    period_ns: f64,
}

impl Timer {
    fn new(ctx: &GpuContext, label: &str) -> Timer {
        let set = ctx.device.create_query_set(&wgpu::QuerySetDescriptor {
            label: Some(label),
            ty: wgpu::QueryType::Timestamp,
            count: 2,
        });
        let resolve = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("timestamp resolve"),
            size: 16,
            usage: wgpu::BufferUsages::QUERY_RESOLVE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        Timer { set, resolve, period_ns: ctx.queue.get_timestamp_period() as f64 }
    }

    /// The timestamp writes to hand to a compute pass descriptor.
    pub fn pass_writes(&self) -> wgpu::ComputePassTimestampWrites<'_> {
        wgpu::ComputePassTimestampWrites {
            query_set: &self.set,
            beginning_of_pass_write_index: Some(0),
            end_of_pass_write_index: Some(1),
        }
    }

    /// Records the resolve of both timestamps; call after the pass ends.
    pub fn resolve(&self, enc: &mut wgpu::CommandEncoder) {
        enc.resolve_query_set(&self.set, 0..2, &self.resolve, 0);
    }

    /// Seconds between the two timestamps (after the submission completed).
    /// Reading them back is not counted as kernel traffic.
    pub fn seconds(&self, ctx: &GpuContext) -> Result<f64, GpuError> {
        let (b, e) = self.ticks(ctx)?;
        Ok(e.saturating_sub(b) as f64 * self.period_ns * 1e-9)
    }

    /// Nanoseconds per tick of [`Timer::ticks`].
    pub fn period_ns(&self) -> f64 {
        self.period_ns
    }

    /// The two raw timestamps, in ticks (after the submission completed).
    pub fn ticks(&self, ctx: &GpuContext) -> Result<(u64, u64), GpuError> {
        let staging = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("timestamp staging"),
            size: 16,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let mut enc =
            ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("timestamp copy") });
        enc.copy_buffer_to_buffer(&self.resolve, 0, &staging, 0, 16);
        ctx.queue.submit([enc.finish()]);
        let bytes = ctx.map_read(&staging, 16)?;
        let t: &[u64] = bytemuck::cast_slice(&bytes);
        Ok((t[0], t[1]))
    }
}

/// The adapters wgpu lists and the [`Selection`] over them, made once per
/// process (listing adapters starts the graphics API's loader, which is slow
/// on some systems, so `auto` asks only when a batch is large enough).
pub(super) struct Probe {
    adapters: Vec<wgpu::Adapter>,
    pub(super) selection: Selection,
}

pub(super) fn probe() -> &'static Probe {
    static PROBE: OnceLock<Probe> = OnceLock::new();
    PROBE.get_or_init(|| {
        let mut desc = wgpu::InstanceDescriptor::new_without_display_handle();
        desc.backends = wgpu::Backends::from_env().unwrap_or(wgpu::Backends::PRIMARY);
        let instance = wgpu::Instance::new(desc);
        let adapters = pollster::block_on(instance.enumerate_adapters(wgpu::Backends::all()));
        let descs: Vec<AdapterDesc> = adapters.iter().map(describe).collect();
        let selection = select::select(&descs, &Preferences::from_env());
        Probe { adapters, selection }
    })
}

fn describe(a: &wgpu::Adapter) -> AdapterDesc {
    let info = a.get_info();
    let kind = match info.device_type {
        wgpu::DeviceType::DiscreteGpu => DeviceKind::Discrete,
        wgpu::DeviceType::IntegratedGpu => DeviceKind::Integrated,
        wgpu::DeviceType::VirtualGpu => DeviceKind::Virtual,
        wgpu::DeviceType::Cpu => DeviceKind::Cpu,
        wgpu::DeviceType::Other => DeviceKind::Other,
    };
    AdapterDesc {
        name: info.name,
        api: format!("{:?}", info.backend),
        kind,
        shader_int64: a.features().contains(wgpu::Features::SHADER_INT64),
    }
}
