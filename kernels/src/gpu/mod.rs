//! The process-wide wgpu context every GPU kernel runs on.
//!
//! * [`select`] decides which adapter the GPU backend uses and whether
//!   `auto` may use it: a pure function over the adapters' descriptions
//!   (`WGPU_ADAPTER_NAME` filters them, `SHADER_INT64` is required, a
//!   discrete GPU is preferred; a software rasterizer such as lavapipe is
//!   used by `auto` only with `WAVELANE_ALLOW_SOFTWARE_GPU=1`).
//!   [`selection`] is that choice for this process.
//! * `GpuContext::get` creates one device per process on first use on the
//!   selected adapter (`WGPU_BACKEND`, e.g. `vulkan`, limits the APIs
//!   searched); `TIMESTAMP_QUERY` is enabled when present, and buffer limits
//!   are raised to what the adapter allows. Without a usable adapter it
//!   returns one [`GpuError::Unavailable`] naming the reason.
//! * `shader` composes WGSL sources from `kernels/shaders/`, including the
//!   shared field code once.
//! * `GpuContext::kernel` caches each kernel's pipelines and buffers for the
//!   life of the process; `GpuContext::upload` / `GpuContext::read_back`
//!   move bytes and count every one (`GpuContext::traffic`).
//! * `Timer` wraps timestamp queries around a compute pass.
//!
//! Every buffer, pipeline and pass carries a label so captures in RenderDoc
//! or Nsight are readable.
//!
//! Built without the crate's `gpu` feature (no wgpu), [`GpuContext::get`]
//! and [`selection`] report `built without the \`gpu\` feature` and `auto`
//! resolves to `simd`.

#[cfg(feature = "gpu")]
mod context;
pub mod select;
#[cfg(feature = "gpu")]
pub mod shader;

#[cfg(feature = "gpu")]
pub use context::{GpuContext, Kernel, Timer};
/// The wgpu version the context is built on (its public fields are wgpu types).
#[cfg(feature = "gpu")]
pub use wgpu;

use select::Selection;

/// What can go wrong on the GPU backend.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GpuError {
    /// No usable adapter: the one reason why.
    #[error("GPU backend unavailable: {0}")]
    Unavailable(String),
    /// The device failed while running a kernel.
    #[error("GPU error in {what}: {detail}")]
    Device {
        /// Which step failed.
        what: &'static str,
        /// The driver's or wgpu's message.
        detail: String,
    },
}

/// Why the GPU backend is unavailable in a build without the `gpu` feature.
pub const NOT_BUILT: &str = "built without the `gpu` feature of wavelane-kernels";

/// Bytes moved between host and device since the context was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Traffic {
    /// Host → device.
    pub uploaded: u64,
    /// Device → host.
    pub downloaded: u64,
}

/// Bytes moved so far by the process's context (zero when none has been
/// started, or in a build without the `gpu` feature); never starts one.
pub fn traffic() -> Traffic {
    #[cfg(feature = "gpu")]
    {
        GpuContext::started().map(|c| c.traffic()).unwrap_or_default()
    }
    #[cfg(not(feature = "gpu"))]
    {
        Traffic::default()
    }
}

/// This process's adapter [`Selection`] (made once; lists the adapters but
/// creates no device).
pub fn selection() -> &'static Selection {
    #[cfg(feature = "gpu")]
    {
        &context::probe().selection
    }
    #[cfg(not(feature = "gpu"))]
    {
        static NONE: std::sync::OnceLock<Selection> = std::sync::OnceLock::new();
        NONE.get_or_init(|| Selection::unavailable(NOT_BUILT.to_string()))
    }
}

/// Stands in for the wgpu context in a build without the `gpu` feature:
/// it has no values, so no GPU kernel can be reached.
#[cfg(not(feature = "gpu"))]
#[derive(Debug)]
pub enum GpuContext {}

#[cfg(not(feature = "gpu"))]
impl GpuContext {
    /// Always [`GpuError::Unavailable`]: this build has no GPU backend.
    pub fn get() -> Result<&'static GpuContext, GpuError> {
        Err(GpuError::Unavailable(NOT_BUILT.to_string()))
    }
}

/// The environment variable that wraps each block (each [`capture`] scope)
/// in a capture of the attached graphics debugger: `WAVELANE_GPU_CAPTURE=1`.
pub const CAPTURE_ENV: &str = "WAVELANE_GPU_CAPTURE";

/// A capture in an attached graphics debugger (RenderDoc's in-application
/// API, Xcode's capture manager) from [`capture`] until the guard drops;
/// it does nothing unless [`CAPTURE_ENV`] is `1` and the GPU context
/// exists, and only one is open at a time (a nested scope is part of the
/// outer capture).
#[must_use = "the capture ends when the guard is dropped"]
pub struct Capture {
    #[cfg(feature = "gpu")]
    ctx: Option<&'static GpuContext>,
}

#[cfg(feature = "gpu")]
static CAPTURING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Starts a capture scope (see [`Capture`]). A compute-only program has no
/// frames for a debugger to cut at; this makes one block one capture.
pub fn capture() -> Capture {
    #[cfg(feature = "gpu")]
    {
        use std::sync::atomic::Ordering;
        if !std::env::var(CAPTURE_ENV).is_ok_and(|v| v == "1") {
            return Capture { ctx: None };
        }
        let ctx = match GpuContext::get() {
            Ok(ctx) if !CAPTURING.swap(true, Ordering::AcqRel) => ctx,
            _ => return Capture { ctx: None },
        };
        // SAFETY: wgpu asks that no other capture be active (the flag just
        // taken guarantees it for this process's device) and defers the
        // rest to the debugger; without one attached the call does nothing.
        unsafe { ctx.device.start_graphics_debugger_capture() };
        Capture { ctx: Some(ctx) }
    }
    #[cfg(not(feature = "gpu"))]
    {
        Capture {}
    }
}

#[cfg(feature = "gpu")]
impl Drop for Capture {
    fn drop(&mut self) {
        if let Some(ctx) = self.ctx.take() {
            // Every submission of the block finishes inside the capture.
            let _ = ctx.device.poll(wgpu::PollType::wait_indefinitely());
            // SAFETY: the capture this guard started is the active one (the
            // flag is still ours), and the device is idle.
            unsafe { ctx.device.stop_graphics_debugger_capture() };
            CAPTURING.store(false, std::sync::atomic::Ordering::Release);
        }
    }
}

/// The environment variable that turns a missing GPU into a test failure.
pub const REQUIRE_GPU_ENV: &str = "WAVELANE_REQUIRE_GPU";

/// For tests and benches: the shared context, or `None` after writing a
/// visible `SKIPPED: no adapter` line ([`crate::testing::skip`]). Under
/// `WAVELANE_REQUIRE_GPU=1` a missing adapter panics instead, so CI fails
/// rather than skips.
pub fn context_or_skip(what: &str) -> Option<&'static GpuContext> {
    match GpuContext::get() {
        Ok(ctx) => Some(ctx),
        Err(e) => {
            if std::env::var(REQUIRE_GPU_ENV).is_ok_and(|v| v == "1") {
                panic!("{what}: {REQUIRE_GPU_ENV}=1 but {e}");
            }
            crate::testing::skip(what, &format!("no adapter: {e}"));
            None
        }
    }
}
