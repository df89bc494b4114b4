//! Which adapter the GPU backend uses, and whether `auto` uses it: a pure
//! function of the adapters the system lists and a few preferences, so the
//! choice can be tested against made-up adapter lists.
//!
//! * The GPU backend ([`Selection::adapter`]) takes, among the adapters with
//!   `SHADER_INT64` (and matching `WGPU_ADAPTER_NAME` when set), a discrete
//!   GPU first, then an integrated one, a virtual one, a software one
//!   (Mesa's lavapipe reports itself as [`DeviceKind::Cpu`]), anything else.
//! * `auto` ([`Selection::auto_gpu`]) uses that adapter unless it is a
//!   software rasterizer: running the kernels on an emulated GPU is slower
//!   than the CPU backend on the same cores. `WAVELANE_ALLOW_SOFTWARE_GPU=1`
//!   lets `auto` use it anyway; `--backend gpu` always does.

/// What kind of device an adapter drives (wgpu's `DeviceType`, without wgpu).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeviceKind {
    /// A discrete GPU.
    Discrete,
    /// A GPU integrated with the CPU.
    Integrated,
    /// A virtual GPU (a VM's paravirtual device).
    Virtual,
    /// A software rasterizer running on the CPU (Mesa lavapipe, SwiftShader, WARP).
    Cpu,
    /// Anything the driver does not classify.
    Other,
}

impl DeviceKind {
    /// Preference order: lower is better.
    fn rank(self) -> u8 {
        match self {
            DeviceKind::Discrete => 0,
            DeviceKind::Integrated => 1,
            DeviceKind::Virtual => 2,
            DeviceKind::Cpu => 3,
            DeviceKind::Other => 4,
        }
    }

    /// Words for messages, e.g. `discrete GPU`.
    pub fn describe(self) -> &'static str {
        match self {
            DeviceKind::Discrete => "discrete GPU",
            DeviceKind::Integrated => "integrated GPU",
            DeviceKind::Virtual => "virtual GPU",
            DeviceKind::Cpu => "software rasterizer",
            DeviceKind::Other => "unclassified device",
        }
    }
}

/// One adapter as the selection sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AdapterDesc {
    /// The adapter's name, e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`.
    pub name: String,
    /// The graphics API it is reached through, e.g. `Vulkan`.
    pub api: String,
    /// What kind of device it is.
    pub kind: DeviceKind,
    /// Whether it offers 64-bit integers in shaders (the kernels need them).
    pub shader_int64: bool,
}

/// What the user asked for, read from the environment by [`Preferences::from_env`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preferences {
    /// `WGPU_ADAPTER_NAME`: a case-insensitive substring of the adapter name.
    pub name: Option<String>,
    /// `WGPU_BACKEND`, if set (only quoted in messages: wgpu already listed
    /// just the adapters of that API).
    pub api: Option<String>,
    /// `WAVELANE_ALLOW_SOFTWARE_GPU=1`: `auto` may use a software adapter.
    pub allow_software: bool,
}

/// The environment variable that lets `auto` use a software adapter.
pub const ALLOW_SOFTWARE_ENV: &str = "WAVELANE_ALLOW_SOFTWARE_GPU";

impl Preferences {
    /// `WGPU_ADAPTER_NAME`, `WGPU_BACKEND` and `WAVELANE_ALLOW_SOFTWARE_GPU`.
    pub fn from_env() -> Preferences {
        Preferences {
            name: std::env::var("WGPU_ADAPTER_NAME").ok(),
            api: std::env::var("WGPU_BACKEND").ok(),
            allow_software: std::env::var(ALLOW_SOFTWARE_ENV).is_ok_and(|v| v == "1"),
        }
    }
}

/// The outcome of [`select`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// The index of the adapter the GPU backend uses, or why there is none.
    pub adapter: Result<usize, String>,
    /// Whether `auto` may send batches to that adapter.
    pub auto_gpu: bool,
    /// Why `auto` resolves as it does, starting with the backend, e.g.
    /// `simd — the only adapter, llvmpipe, is a software rasterizer; …`.
    pub reason: String,
}

impl Selection {
    /// The selection when the GPU backend is unavailable for `why`.
    pub fn unavailable(why: String) -> Selection {
        Selection {
            reason: format!("simd — the GPU backend is unavailable: {why}"),
            adapter: Err(why),
            auto_gpu: false,
        }
    }
}

/// Chooses the GPU backend's adapter among `adapters` and decides whether
/// `auto` uses it (see the module docs).
pub fn select(adapters: &[AdapterDesc], prefs: &Preferences) -> Selection {
    if adapters.is_empty() {
        let why = match &prefs.api {
            Some(api) => format!("no GPU adapter found for WGPU_BACKEND=`{api}`"),
            None => "no GPU adapter found (on a CPU-only Linux machine install the software Vulkan driver: \
                     apt-get install mesa-vulkan-drivers)"
                .to_string(),
        };
        return Selection::unavailable(why);
    }
    let mut candidates: Vec<usize> = (0..adapters.len()).collect();
    if let Some(want) = &prefs.name {
        let want_lc = want.to_lowercase();
        candidates.retain(|&i| adapters[i].name.to_lowercase().contains(&want_lc));
        if candidates.is_empty() {
            let names: Vec<&str> = adapters.iter().map(|a| a.name.as_str()).collect();
            return Selection::unavailable(format!("WGPU_ADAPTER_NAME=`{want}` matches none of {names:?}"));
        }
    }
    let best = |ids: &[usize]| ids.iter().copied().min_by_key(|&i| adapters[i].kind.rank());
    let with_int64: Vec<usize> = candidates.iter().copied().filter(|&i| adapters[i].shader_int64).collect();
    let Some(chosen) = best(&with_int64) else {
        let a = &adapters[best(&candidates).expect("candidates are not empty")];
        return Selection::unavailable(format!(
            "adapter `{}` ({}) lacks SHADER_INT64, which the kernels require",
            a.name, a.api
        ));
    };
    let a = &adapters[chosen];
    let (auto_gpu, reason) = if a.kind != DeviceKind::Cpu {
        (true, format!("gpu — `{}` is a {} ({})", a.name, a.kind.describe(), a.api))
    } else if prefs.allow_software {
        (true, format!("gpu — `{}` is a software rasterizer, used because {ALLOW_SOFTWARE_ENV}=1", a.name))
    } else {
        let which = if adapters.len() == 1 { "the only adapter" } else { "the best usable adapter" };
        (false, format!("simd — {which}, {}, is a software rasterizer; set {ALLOW_SOFTWARE_ENV}=1 to use it", a.name))
    };
    Selection { adapter: Ok(chosen), auto_gpu, reason }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desc(name: &str, kind: DeviceKind, shader_int64: bool) -> AdapterDesc {
        AdapterDesc { name: name.into(), api: "Vulkan".into(), kind, shader_int64 }
    }

    fn lavapipe() -> AdapterDesc {
        desc("llvmpipe (LLVM 15.0.6, 256 bits)", DeviceKind::Cpu, true)
    }

    #[test]
    fn a_discrete_gpu_wins_and_auto_uses_it() {
        let list = [
            lavapipe(),
            desc("Intel(R) UHD 770", DeviceKind::Integrated, true),
            desc("RTX 4090", DeviceKind::Discrete, true),
        ];
        let s = select(&list, &Preferences::default());
        assert_eq!(s.adapter, Ok(2));
        assert!(s.auto_gpu);
        assert!(s.reason.starts_with("gpu — `RTX 4090` is a discrete GPU"), "{}", s.reason);
    }

    #[test]
    fn an_integrated_gpu_beats_software() {
        let list = [lavapipe(), desc("Intel(R) UHD 770", DeviceKind::Integrated, true)];
        let s = select(&list, &Preferences::default());
        assert_eq!(s.adapter, Ok(1));
        assert!(s.auto_gpu);
    }

    #[test]
    fn software_only_is_for_the_gpu_backend_not_auto() {
        let s = select(&[lavapipe()], &Preferences::default());
        assert_eq!(s.adapter, Ok(0), "--backend gpu still runs on lavapipe");
        assert!(!s.auto_gpu);
        assert_eq!(
            s.reason,
            "simd — the only adapter, llvmpipe (LLVM 15.0.6, 256 bits), is a software rasterizer; \
             set WAVELANE_ALLOW_SOFTWARE_GPU=1 to use it"
        );
    }

    #[test]
    fn the_environment_can_allow_software() {
        let prefs = Preferences { allow_software: true, ..Preferences::default() };
        let s = select(&[lavapipe()], &prefs);
        assert_eq!(s.adapter, Ok(0));
        assert!(s.auto_gpu);
        assert!(s.reason.contains("WAVELANE_ALLOW_SOFTWARE_GPU=1"), "{}", s.reason);
    }

    #[test]
    fn adapters_without_int64_are_passed_over() {
        let list = [desc("Old GPU", DeviceKind::Discrete, false), lavapipe()];
        let s = select(&list, &Preferences::default());
        assert_eq!(s.adapter, Ok(1), "the only adapter with SHADER_INT64");
        assert!(!s.auto_gpu);
        assert!(s.reason.contains("the best usable adapter"), "{}", s.reason);

        let s = select(&list[..1], &Preferences::default());
        let why = s.adapter.unwrap_err();
        assert!(why.contains("`Old GPU` (Vulkan) lacks SHADER_INT64"), "{why}");
        assert!(!s.auto_gpu);
        assert!(s.reason.starts_with("simd — the GPU backend is unavailable"), "{}", s.reason);
    }

    #[test]
    fn no_adapter_and_name_filters_explain_themselves() {
        let s = select(&[], &Preferences::default());
        assert!(s.adapter.unwrap_err().contains("mesa-vulkan-drivers"));
        let s = select(&[], &Preferences { api: Some("metal".into()), ..Preferences::default() });
        assert_eq!(s.adapter.unwrap_err(), "no GPU adapter found for WGPU_BACKEND=`metal`");

        let list = [desc("RTX 4090", DeviceKind::Discrete, true), lavapipe()];
        let named = |n: &str| select(&list, &Preferences { name: Some(n.into()), ..Preferences::default() });
        assert_eq!(named("LLVMPIPE").adapter, Ok(1), "the filter is case-insensitive");
        assert!(!named("llvmpipe").auto_gpu, "naming a software adapter does not make auto use it");
        let none = named("nonexistent").adapter.unwrap_err();
        assert!(none.contains("WGPU_ADAPTER_NAME=`nonexistent` matches none of"), "{none}");
    }
}
