//! `wavelane info`: CPU features, each backend and whether it is usable (and
//! why not), what `auto` resolves to and why, the batch sizes from which it
//! uses the GPU, the GPU adapter, its driver and key limits.

use clap::Args;
use serde_json::{json, Value};
use wavelane::kernels::backend::{auto_reason, cpu_features, Thresholds};
use wavelane::kernels::gpu::{wgpu, GpuContext};
use wavelane::kernels::{Backend, Family, SimdLevel};

/// Arguments of `wavelane info`.
#[derive(Args)]
pub(crate) struct InfoArgs {
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// Runs `wavelane info`.
pub(crate) fn run(args: InfoArgs) -> anyhow::Result<()> {
    let report = gather();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

fn gather() -> Value {
    let features: serde_json::Map<String, Value> =
        cpu_features().into_iter().map(|(name, on)| (name.to_string(), Value::Bool(on))).collect();
    let gpu = GpuContext::get();
    let gpu_json = match &gpu {
        Ok(ctx) => {
            let i = &ctx.info;
            let l = &ctx.limits;
            json!({
                "usable": true,
                "name": i.name,
                "backend": format!("{:?}", i.backend),
                "device_type": format!("{:?}", i.device_type),
                "software": i.device_type == wgpu::DeviceType::Cpu,
                "driver": i.driver,
                "driver_info": i.driver_info,
                "vendor": i.vendor,
                "device": i.device,
                "timestamp_queries": ctx.has_timestamps(),
                "limits": {
                    "max_storage_buffer_binding_size": l.max_storage_buffer_binding_size,
                    "max_buffer_size": l.max_buffer_size,
                    "max_compute_workgroups_per_dimension": l.max_compute_workgroups_per_dimension,
                    "max_compute_invocations_per_workgroup": l.max_compute_invocations_per_workgroup,
                    "max_compute_workgroup_storage_size": l.max_compute_workgroup_storage_size,
                },
            })
        }
        Err(e) => json!({ "usable": false, "reason": e.to_string() }),
    };
    let simd = SimdLevel::detect();
    let backends: Vec<Value> = Backend::CONCRETE
        .into_iter()
        .map(|b| match b {
            Backend::Gpu => match &gpu {
                Ok(ctx) => json!({"backend": "gpu", "usable": true, "software": ctx.info.device_type == wgpu::DeviceType::Cpu}),
                Err(e) => json!({"backend": "gpu", "usable": false, "reason": e.to_string()}),
            },
            Backend::Simd => json!({"backend": "simd", "usable": true, "level": simd.name(), "threads": rayon::current_num_threads()}),
            _ => json!({"backend": b.name(), "usable": true}),
        })
        .collect();
    let thresholds = Thresholds::get();
    let gpu_min: serde_json::Map<String, Value> =
        Family::ALL.into_iter().map(|f| (f.name().to_string(), json!(thresholds.min(f)))).collect();
    let ignored: Vec<Value> = thresholds.ignored.iter().map(|(var, v)| json!({"variable": var, "value": v})).collect();
    json!({
        "version": env!("CARGO_PKG_VERSION"),
        "cpu": {
            "arch": std::env::consts::ARCH,
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "features": features,
            "simd_level": simd.name(),
            "simd_level_hardware": SimdLevel::hardware().name(),
        },
        "backends": backends,
        "auto": Backend::Auto.resolve().name(),
        "auto_reason": auto_reason(),
        "auto_gpu_min": gpu_min,
        "auto_gpu_min_ignored": ignored,
        "gpu": gpu_json,
    })
}

fn print_text(r: &Value) {
    println!("wavelane {}", r["version"].as_str().unwrap_or("?"));
    let cpu = &r["cpu"];
    let on: Vec<&str> = cpu["features"]
        .as_object()
        .map(|m| m.iter().filter(|(_, v)| v.as_bool() == Some(true)).map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default();
    println!("cpu: {} x{} cores, features: {}", cpu["arch"].as_str().unwrap_or("?"), cpu["cores"], on.join(" "));
    println!("simd level: {}", cpu["simd_level"].as_str().unwrap_or("?"));
    println!("backends:");
    for b in r["backends"].as_array().into_iter().flatten() {
        let name = b["backend"].as_str().unwrap_or("?");
        if b["usable"].as_bool() == Some(true) && b["software"].as_bool() == Some(true) {
            println!("  {name:<7} usable (a software rasterizer: correct, but slower than simd)");
        } else if b["usable"].as_bool() == Some(true) {
            println!("  {name:<7} usable");
        } else {
            println!("  {name:<7} unusable: {}", b["reason"].as_str().unwrap_or("?"));
        }
    }
    println!("auto: {}", r["auto_reason"].as_str().unwrap_or("?"));
    let mins: Vec<String> =
        r["auto_gpu_min"].as_object().into_iter().flatten().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "  with a usable GPU, auto sends a batch there from: {} items (WAVELANE_GPU_MIN_<FAMILY> overrides)",
        mins.join(", ")
    );
    for i in r["auto_gpu_min_ignored"].as_array().into_iter().flatten() {
        println!(
            "  ignored {}=`{}`: not a number",
            i["variable"].as_str().unwrap_or("?"),
            i["value"].as_str().unwrap_or("?")
        );
    }
    let g = &r["gpu"];
    if g["usable"].as_bool() == Some(true) {
        println!(
            "gpu: {} ({}, {}), driver {} {}",
            g["name"].as_str().unwrap_or("?"),
            g["backend"].as_str().unwrap_or("?"),
            g["device_type"].as_str().unwrap_or("?"),
            g["driver"].as_str().unwrap_or("?"),
            g["driver_info"].as_str().unwrap_or(""),
        );
        println!("  timestamp queries: {}", g["timestamp_queries"]);
        for (k, v) in g["limits"].as_object().into_iter().flatten() {
            println!("  {k}: {v}");
        }
    }
}
