//! The `wavelane` binary: `info` and `bench field` output contracts, what
//! `auto` resolves to, and a quiet stderr without `XDG_RUNTIME_DIR`.

mod common;

use common::wavelane;

#[test]
fn info_json_lists_every_backend() {
    let out = wavelane(&["info", "--json"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let names: Vec<&str> = v["backends"].as_array().unwrap().iter().map(|b| b["backend"].as_str().unwrap()).collect();
    assert_eq!(names, ["scalar", "simd", "gpu"]);
    let gpu = &v["gpu"];
    if gpu["usable"] == false {
        assert!(gpu["reason"].as_str().is_some_and(|r| !r.is_empty()), "an unusable GPU names its reason");
    } else {
        assert!(gpu["name"].as_str().is_some());
    }
    let auto = v["auto"].as_str().unwrap();
    assert!(["simd", "gpu"].contains(&auto));
    let reason = v["auto_reason"].as_str().unwrap();
    assert!(reason.starts_with(&format!("{auto} — ")), "the reason starts with the backend: {reason}");
    if gpu["software"] == true && std::env::var_os("WAVELANE_ALLOW_SOFTWARE_GPU").is_none() {
        assert_eq!(auto, "simd", "auto never picks a software adapter unless allowed");
        assert!(reason.contains("software rasterizer") && reason.contains("WAVELANE_ALLOW_SOFTWARE_GPU=1"));
    }
    let mins = v["auto_gpu_min"].as_object().unwrap();
    for family in ["field", "poseidon", "pedersen", "trie"] {
        assert!(mins[family].as_u64().is_some(), "threshold of {family}");
    }
}

/// `wavelane ARGS` with `env` set and `XDG_RUNTIME_DIR` removed.
fn run_env(args: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wavelane"));
    cmd.args(args).env_remove("XDG_RUNTIME_DIR").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run wavelane");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn info_names_why_auto_has_no_gpu() {
    let out = run_env(&["info", "--json"], &[("WGPU_ADAPTER_NAME", "no-such-adapter")], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["auto"], "simd");
    let reason = v["auto_reason"].as_str().unwrap();
    assert!(reason.contains("WGPU_ADAPTER_NAME=`no-such-adapter` matches none"), "{reason}");
    let text = run_env(&["info"], &[("WGPU_ADAPTER_NAME", "no-such-adapter")], "");
    assert!(String::from_utf8_lossy(&text.stdout).contains("auto: simd — the GPU backend is unavailable"));
}

#[test]
fn commands_that_work_keep_stderr_empty() {
    // `info` lists the adapters (starting the Vulkan loader); `hash` and
    // `trie` run small batches on the CPU.
    for (args, stdin) in [
        (&["info"][..], ""),
        (&["hash", "--algo", "poseidon"][..], "0x1 0x2\n"),
        (&["trie", "root"][..], "0x86 0x1\n0x87 0x2\n"),
    ] {
        let out = run_env(args, &[], stdin);
        assert!(out.status.success(), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{args:?} writes nothing to stderr");
    }
}

#[test]
fn bench_field_json_has_peer_ratios() {
    let out = wavelane(&["bench", "field", "--n", "256", "--budget", "0.01", "--backend", "simd", "--json"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    assert_eq!(rows.len(), 4, "peer x2 + simd x2");
    for r in &rows {
        for key in ["bench", "backend", "n", "seconds", "per_sec"] {
            assert!(!r[key].is_null(), "{key} missing in {r}");
        }
        assert_eq!(r["n"], 256);
    }
    let simd: Vec<_> = rows.iter().filter(|r| r["backend"] == "simd").collect();
    assert_eq!(simd.len(), 2);
    for r in simd {
        assert_eq!(r["peer"], "starknet-types-core");
        assert!(r["ratio"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn bench_rejects_unknown_backend_and_op() {
    let out = wavelane(&["bench", "field", "--backend", "tpu"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tpu"));
    let out = wavelane(&["bench", "field", "--ops", "div", "--n", "8"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown op `div`"));
}
