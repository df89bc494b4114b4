//! The one backend choice every kernel family uses, and CPU feature detection.
//!
//! `scalar` is the plain reference, `simd` uses CPU vector lanes (AVX-512 /
//! AVX2 detected once at run time, portable fallback) and rayon across cores,
//! `gpu` runs WGSL through wgpu, and `auto` picks per batch:
//!
//! * the GPU only when `auto` may use the adapter ([`crate::gpu::select`]:
//!   never a software rasterizer such as lavapipe unless
//!   `WAVELANE_ALLOW_SOFTWARE_GPU=1`, never in a build without the `gpu`
//!   feature), and
//! * only for a batch of at least the family's [`Thresholds`] size, below
//!   which the GPU's fixed cost per batch (submission, dispatch, readback:
//!   about 150 µs) is more than the whole batch costs on `simd`
//!   (BENCHMARKS.md, "When `auto` uses the GPU"; `WAVELANE_GPU_MIN_<FAMILY>`
//!   overrides a threshold).
//!
//! Otherwise `auto` is `simd`. [`Backend::resolve_for`] makes that choice for
//! one batch; [`Backend::resolve`] answers for a large batch of any family.
//! A batch below its threshold never touches the GPU, so small jobs do not
//! even start the graphics API's loader.

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

    /// Resolves `Auto` to a concrete backend regardless of batch size: `Gpu`
    /// when `auto` may use the adapter and a device could be created on it
    /// (probed once per process), else `Simd`. Kernels use
    /// [`Backend::resolve_for`], which also weighs the batch size.
    pub fn resolve(self) -> Backend {
        match self {
            Backend::Auto => {
                if auto_gpu() {
                    Backend::Gpu
                } else {
                    Backend::Simd
                }
            }
            b => b,
        }
    }

    /// Resolves `Auto` for one batch of `n` items of `family`: `Gpu` when
    /// `n` reaches the family's threshold and [`Backend::resolve`] would
    /// pick the GPU, else `Simd`. Below the threshold the GPU is not probed.
    pub fn resolve_for(self, family: Family, n: usize) -> Backend {
        match self {
            Backend::Auto if n < Thresholds::get().min(family) => Backend::Simd,
            b => b.resolve(),
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

/// Whether `auto` sends large batches to the GPU (probed once).
fn auto_gpu() -> bool {
    static GPU: OnceLock<bool> = OnceLock::new();
    *GPU.get_or_init(|| crate::gpu::selection().auto_gpu && crate::gpu::GpuContext::get().is_ok())
}

/// Why `auto` resolves as it does on this machine, starting with the
/// backend, e.g. `simd — the only adapter, llvmpipe, is a software
/// rasterizer; set WAVELANE_ALLOW_SOFTWARE_GPU=1 to use it` (probes the GPU).
pub fn auto_reason() -> String {
    let s = crate::gpu::selection();
    match (s.auto_gpu, crate::gpu::GpuContext::get()) {
        (true, Err(e)) => format!("simd — {e}"),
        _ => s.reason.clone(),
    }
}

/// A kernel family, for the batch size at which `auto` uses the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Family {
    /// felt252 element-wise batches (`field::run`).
    Field,
    /// Poseidon batches (`hash::poseidon`), counted in hashes.
    Poseidon,
    /// Pedersen batches (`hash::pedersen`), counted in hashes.
    Pedersen,
    /// Trie updates (`trie::Trie::update`), counted in writes.
    Trie,
}

impl Family {
    /// Every family, in table order.
    pub const ALL: [Family; 4] = [Family::Field, Family::Poseidon, Family::Pedersen, Family::Trie];

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Field => "field",
            Family::Poseidon => "poseidon",
            Family::Pedersen => "pedersen",
            Family::Trie => "trie",
        }
    }

    /// The environment variable overriding this family's threshold, e.g.
    /// `WAVELANE_GPU_MIN_POSEIDON`.
    pub fn env_var(self) -> &'static str {
        match self {
            Family::Field => "WAVELANE_GPU_MIN_FIELD",
            Family::Poseidon => "WAVELANE_GPU_MIN_POSEIDON",
            Family::Pedersen => "WAVELANE_GPU_MIN_PEDERSEN",
            Family::Trie => "WAVELANE_GPU_MIN_TRIE",
        }
    }

    /// The built-in threshold: the GPU's fixed cost per batch over `simd`'s
    /// cost per item, rounded up to a power of two (BENCHMARKS.md, "When
    /// `auto` uses the GPU").
    pub fn default_min(self) -> usize {
        match self {
            // 150 µs / ~5 ns per product (a single op never gains much more:
            // the operands cross the bus at about the rate simd multiplies).
            Family::Field => 32_768,
            // 150 µs / ~0.9 µs per hash.
            Family::Poseidon => 256,
            // 150 µs / ~3.4 µs per hash.
            Family::Pedersen => 64,
            // One dispatch per level (~17 levels for a small block): ~0.8 ms
            // over ~16–37 µs per write.
            Family::Trie => 64,
        }
    }
}

/// The smallest batch, per family, that `auto` sends to the GPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Thresholds {
    min: [usize; 4],
    /// Overrides that were set but could not be read (variable, value),
    /// for `wavelane info`; their family keeps its built-in threshold.
    pub ignored: Vec<(&'static str, String)>,
}

impl Thresholds {
    /// The thresholds of this process: the built-in ones, each replaced by
    /// its `WAVELANE_GPU_MIN_<FAMILY>` variable when that holds a number
    /// (read once).
    pub fn get() -> &'static Thresholds {
        static T: OnceLock<Thresholds> = OnceLock::new();
        T.get_or_init(|| Thresholds::from_lookup(|var| std::env::var(var).ok()))
    }

    /// The thresholds with overrides read through `lookup(variable)`.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Thresholds {
        let mut t = Thresholds { min: Family::ALL.map(Family::default_min), ignored: Vec::new() };
        for (slot, family) in t.min.iter_mut().zip(Family::ALL) {
            if let Some(v) = lookup(family.env_var()) {
                match v.trim().parse::<usize>() {
                    Ok(n) => *slot = n,
                    Err(_) => t.ignored.push((family.env_var(), v)),
                }
            }
        }
        t
    }

    /// The smallest batch of `family` that `auto` sends to the GPU.
    pub fn min(&self, family: Family) -> usize {
        self.min[family as usize]
    }

    /// Whether `min(family)` came from the environment.
    pub fn overridden(&self, family: Family) -> bool {
        self.min(family) != family.default_min()
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

    /// Words for messages, e.g. `AVX-512 IFMA`.
    pub fn describe(self) -> &'static str {
        match self {
            SimdLevel::Portable => "portable code",
            SimdLevel::Avx2 => "AVX2",
            SimdLevel::Avx512 => "AVX-512 IFMA",
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_take_numeric_overrides_only() {
        let t = Thresholds::from_lookup(|_| None);
        for f in Family::ALL {
            assert_eq!(t.min(f), f.default_min());
            assert!(!t.overridden(f));
        }
        let t = Thresholds::from_lookup(|v| match v {
            "WAVELANE_GPU_MIN_POSEIDON" => Some("0".into()),
            "WAVELANE_GPU_MIN_TRIE" => Some(" 1000 ".into()),
            "WAVELANE_GPU_MIN_FIELD" => Some("lots".into()),
            _ => None,
        });
        assert_eq!(t.min(Family::Poseidon), 0);
        assert_eq!(t.min(Family::Trie), 1000);
        assert_eq!(t.min(Family::Field), Family::Field.default_min());
        assert_eq!(t.ignored, vec![("WAVELANE_GPU_MIN_FIELD", "lots".to_string())]);
    }

    #[cfg(not(feature = "gpu"))]
    #[test]
    fn without_the_gpu_feature_gpu_fails_and_auto_is_simd() {
        use crate::field::{self, Fe, FieldOp};
        use crate::trie::{Trie, TrieHash};
        assert_eq!(Backend::Auto.resolve(), Backend::Simd);
        assert!(crate::gpu::selection().reason.contains("built without the `gpu` feature"));
        let a = [Fe::ONE; 300];
        let mut out = [Fe::ZERO; 300];
        let e = crate::hash::poseidon::hash_batch(Backend::Gpu, &a, &a, &mut out).unwrap_err();
        assert!(e.to_string().contains("built without the `gpu` feature"), "{e}");
        let e = field::run(Backend::Gpu, FieldOp::Mul, &a, &a, &mut out).unwrap_err();
        assert!(e.to_string().contains("built without the `gpu` feature"), "{e}");
        crate::hash::pedersen::hash_batch(Backend::Auto, &a, &a, &mut out).expect("auto runs on simd");
        let mut t = Trie::new(TrieHash::Pedersen);
        let writes = [(crate::Felt::ONE, crate::Felt::TWO)];
        assert!(t.update(Backend::Gpu, &writes).unwrap_err().to_string().contains("`gpu` feature"));
        let (root, _) = t.update(Backend::Simd, &[]).expect("the pending hashes run on simd");
        assert_ne!(root, crate::Felt::ZERO);
    }

    #[test]
    fn small_batches_stay_on_the_cpu_without_probing() {
        // Below every default threshold `auto` is simd whatever the machine has.
        for f in Family::ALL.into_iter().filter(|&f| Thresholds::get().min(f) > 1) {
            assert_eq!(Backend::Auto.resolve_for(f, 1), Backend::Simd, "{}", f.name());
        }
        assert_eq!(Backend::Scalar.resolve_for(Family::Field, usize::MAX), Backend::Scalar);
        assert_eq!(Backend::Gpu.resolve_for(Family::Trie, 0), Backend::Gpu);
    }
}
