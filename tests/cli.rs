//! The `wavelane` binary: `info` and `bench field` output contracts.

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
    assert!(["simd", "gpu"].contains(&v["auto"].as_str().unwrap()));
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
