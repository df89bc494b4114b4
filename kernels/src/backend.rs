//! The one backend choice every kernel family uses, and CPU feature detection.
//!
//! `scalar` is the plain reference, `simd` uses CPU vector lanes (AVX-512 /
//! AVX2 detected once at run time, portable fallback) and rayon across cores,
//! `gpu` runs WGSL through wgpu, and `auto` picks the GPU when one is usable,
//! else `simd`.

use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// Where a batch runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Plain Rust, one element at a time: the reference.
    Scalar,
    /// CPU vector lanes plus rayon across cores.
    Simd,
    /// WGSL compute shaders through wgpu.
    Gpu,
    /// The GPU when one is usable, else `Simd`.
    Auto,
}

impl Backend {
    /// Every concrete backend, in the order tables print them.
    pub const CONCRETE: [Backend; 3] = [Backend::Scalar, Backend::Simd, Backend::Gpu];

    /// Resolves `Auto` to a concrete backend (probing the GPU once per process).
    pub fn resolve(self) -> Backend {
        match self {
            Backend::Auto => {
                if crate::gpu::GpuContext::get().is_ok() {
                    Backend::Gpu
                } else {
                    Backend::Simd
                }
            }
            b => b,
        }
    }

    /// The lower-case name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Scalar => "scalar",
            Backend::Simd => "simd",
            Backend::Gpu => "gpu",
            Backend::Auto => "auto",
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend name that is not one of `scalar`, `simd`, `gpu`, `auto`.
#[derive(Debug, thiserror::Error)]
#[error("unknown backend `{0}` (expected scalar, simd, gpu or auto)")]
pub struct UnknownBackend(pub String);

impl FromStr for Backend {
    type Err = UnknownBackend;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "scalar" => Ok(Backend::Scalar),
            "simd" => Ok(Backend::Simd),
            "gpu" => Ok(Backend::Gpu),
            "auto" => Ok(Backend::Auto),
            _ => Err(UnknownBackend(s.to_string())),
        }
    }
}

/// The widest CPU vector instruction set the SIMD kernels may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// No vector kernels: the portable code path (interleaved scalar lanes).
    Portable,
    /// x86-64 AVX2.
    Avx2,
    /// x86-64 AVX-512 F (+ IFMA where a kernel uses it).
    Avx512,
}

impl SimdLevel {
    /// The best level this CPU supports, detected once and cached.
    /// `WAVELANE_SIMD=portable|avx2|avx512` caps it (for testing fallbacks).
    pub fn detect() -> SimdLevel {
        static LEVEL: OnceLock<SimdLevel> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            let hw = Self::hardware();
            match std::env::var("WAVELANE_SIMD").ok().as_deref() {
                Some("portable") => SimdLevel::Portable,
                Some("avx2") => hw.min(SimdLevel::Avx2),
                _ => hw,
            }
        })
    }

    /// What the hardware supports, ignoring `WAVELANE_SIMD`.
    pub fn hardware() -> SimdLevel {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") && std::arch::is_x86_feature_detected!("avx512ifma") {
                return SimdLevel::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return SimdLevel::Avx2;
            }
        }
        SimdLevel::Portable
    }

    /// Whether this CPU can run kernels written for `self`.
    pub fn available(self) -> bool {
        self <= Self::hardware()
    }

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            SimdLevel::Portable => "portable",
            SimdLevel::Avx2 => "avx2",
            SimdLevel::Avx512 => "avx512",
        }
    }
}

/// Whether the CPU has BMI2 and ADX (`mulx`, flag-free carry chains), detected
/// once; scalar field code compiled with them runs faster.
pub fn has_bmi2_adx() -> bool {
    static HAS: OnceLock<bool> = OnceLock::new();
    *HAS.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            std::arch::is_x86_feature_detected!("bmi2") && std::arch::is_x86_feature_detected!("adx")
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            false
        }
    })
}

/// The x86 features the CPU reports that matter to the kernels (for `info`).
pub fn cpu_features() -> Vec<(&'static str, bool)> {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as d;
        vec![
            ("sse4.2", d!("sse4.2")),
            ("avx", d!("avx")),
            ("avx2", d!("avx2")),
            ("bmi2", d!("bmi2")),
            ("adx", d!("adx")),
            ("avx512f", d!("avx512f")),
            ("avx512ifma", d!("avx512ifma")),
        ]
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        Vec::new()
    }
}
