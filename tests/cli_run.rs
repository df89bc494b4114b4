//! `wavelane run`: every mode gives the same roots; `--diffs DIR` writes
//! state updates that `wavelane commit --check` accepts; the JSON lines
//! carry every stage; `bench block` checks itself and reports; malformed
//! options exit 2 naming the option.

mod common;

use common::wavelane;
use std::path::PathBuf;

fn roots(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| l.split("root ").nth(1).and_then(|r| r.split_whitespace().next()).expect("a root").to_string())
        .collect()
}

#[test]
fn every_mode_gives_the_same_roots_and_the_diffs_recheck() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_run_diffs");
    let _ = std::fs::remove_dir_all(&dir);
    let common = ["run", "--workload", "erc20", "--blocks", "2", "--txs", "300", "--accounts", "200"];
    let mut seen: Option<Vec<String>> = None;
    for mode in ["serial", "waves", "dag", "block-stm", "optimistic"] {
        let mut args = common.to_vec();
        args.extend(["--mode", mode, "--backend", "simd", "--threads", "2"]);
        let diffs = dir.display().to_string();
        if mode == "dag" {
            args.extend(["--diffs", &diffs]);
        }
        let out = wavelane(&args, "");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{mode}: {}", String::from_utf8_lossy(&out.stderr));
        let r = roots(&stdout);
        assert_eq!(r.len(), 2, "{mode}: {stdout}");
        match &seen {
            Some(s) => assert_eq!(&r, s, "{mode} differs from serial"),
            None => seen = Some(r),
        }
    }
    let files: Vec<String> = (0..=2).map(|i| dir.join(format!("block_{i}.json")).display().to_string()).collect();
    let mut args = vec!["commit", "--check", "--backend", "scalar"];
    args.extend(files.iter().map(String::as_str));
    let out = wavelane(&args, "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let checked = roots(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(checked[1..], seen.expect("serial ran")[..], "commit --check recomputes the run's roots");
}

#[test]
fn json_lines_carry_the_stages_and_counts() {
    let out =
        wavelane(&["run", "--workload", "swaps", "--blocks", "1", "--txs", "200", "--accounts", "50", "--json"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON object");
    assert_eq!(v["block"], 1);
    assert_eq!(v["transactions"], 200);
    assert!(v["failed"].as_u64().expect("failed") > 0, "the workload's faults fail: {v}");
    for stage in ["prepare", "schedule", "execute", "diff", "storage", "leaves", "contracts", "classes", "apply"] {
        assert!(v["seconds"][stage].as_f64().is_some(), "stage {stage} in {v}");
    }
    assert!(v["new_root"].as_str().expect("root").starts_with("0x"));
    assert_ne!(v["new_root"], v["old_root"]);
}

#[test]
fn bench_block_checks_every_configuration_and_reports_the_peer() {
    let out = wavelane(
        &[
            "bench",
            "block",
            "--workload",
            "hot",
            "--hot",
            "0,0.9",
            "--txs",
            "300",
            "--accounts",
            "300",
            "--blocks",
            "1",
            "--backend",
            "simd",
            "--mode",
            "dag,block-stm",
            "--budget",
            "0.01",
            "--peer-updates",
            "50",
            "--json",
        ],
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON lines")).collect();
    // Per share: the peer, then serial, dag and block-stm against it.
    let rows: Vec<&serde_json::Value> = lines.iter().filter(|v| v["bench"] != "block.summary").collect();
    assert_eq!(rows.len(), 8, "{lines:?}");
    assert!(rows.iter().filter(|r| r["peer"].is_string()).all(|r| r["ratio"].as_f64().is_some_and(|x| x > 0.0)));
    let summary = lines.iter().find(|v| v["bench"] == "block.summary").expect("a summary");
    assert_eq!(summary["hot"].as_array().expect("two shares").len(), 2);
    assert!(summary["bound_by"].is_string());
}

#[test]
fn malformed_options_exit_2_naming_the_option() {
    for (args, needle) in [
        (vec!["run", "--workload", "nope"], "unknown workload"),
        (vec!["run", "--mode", "fast"], "unknown mode"),
        (vec!["run", "--txs", "0"], "--txs"),
        (vec!["run", "--threads", "0", "--txs", "5", "--accounts", "5"], "--threads"),
        (vec!["run", "--workload", "hot", "--hot", "1.5"], "--hot"),
        (vec!["run", "--workload", "zipf", "--zipf=-1"], "--zipf"),
        (vec!["run", "--workload", "swaps", "--pools", "0"], "--pools"),
        (vec!["run", "--backend", "quantum"], "quantum"),
        (vec!["bench", "block", "--blocks", "0"], "--blocks"),
        (vec!["bench", "residency", "--mode", "dag"], "--mode dag"),
        (vec!["bench", "residency", "--cache-fraction", "0"], "--cache-fraction"),
        (vec!["bench", "residency", "--arrivals", "0"], "--arrivals"),
    ] {
        let out = wavelane(&args, "");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}

#[test]
fn run_writes_a_trace_and_trace_summary_reads_it() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_run_trace");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("run.json");
    let path = file.display().to_string();
    let out = wavelane(
        &["run", "--txs", "200", "--accounts", "100", "--blocks", "2", "--backend", "simd", "--trace", &path],
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wavelane(&["trace", "summary", &path, "--json", "--top", "3"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    let stages: Vec<&str> = v["stages"].as_array().expect("stages").iter().filter_map(|s| s["name"].as_str()).collect();
    for s in ["block", "prepare", "execute", "commit.storage", "commit.contracts", "apply"] {
        assert!(stages.contains(&s), "{s} in {stages:?}");
    }
    let block = v["stages"].as_array().unwrap().iter().find(|s| s["name"] == "block").unwrap();
    assert_eq!(block["count"], 2);
    assert_eq!(v["longest"].as_array().expect("longest").len(), 3);
    assert_eq!(v["counters"]["storage_updates"]["samples"], 2);
    // The text form names the stages too.
    let text = wavelane(&["trace", "summary", &path], "");
    assert!(String::from_utf8_lossy(&text.stdout).contains("commit.storage"));
    // Not a trace: exit 2 naming the file.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"events\": []}").unwrap();
    let out = wavelane(&["trace", "summary", &bad.display().to_string()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("traceEvents"));
}

#[test]
fn bench_residency_checks_every_block_and_stays_under_load_limit() {
    let Some(_) = ::wavelane::kernels::gpu::context_or_skip("bench residency") else { return };
    let args = [
        "bench",
        "residency",
        "--workload",
        "zipf",
        "--accounts",
        "300",
        "--txs",
        "40",
        "--warmup",
        "2",
        "--blocks",
        "3",
        "--load-limit",
        "720",
        "--cache-fraction",
        "0.2",
        "--threads",
        "2",
        "--json",
    ];
    let out = wavelane(&args, "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<serde_json::Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    let blocks: Vec<&serde_json::Value> = lines.iter().filter(|v| v["bench"] == "residency.block").collect();
    assert_eq!(blocks.len(), 5, "{lines:?}");
    for b in blocks.iter().filter(|b| b["measured"] == true) {
        assert!(b["state_bytes_up"].as_u64().unwrap() <= 720, "{b}");
        assert!(b["baseline_state_bytes_up"].as_u64().unwrap() >= b["state_bytes_up"].as_u64().unwrap(), "{b}");
        assert_eq!(b["input_bytes_up"].as_u64().unwrap(), 136 * b["txs"].as_u64().unwrap(), "{b}");
    }
    let s = lines.iter().find(|v| v["bench"] == "residency.summary").expect("a summary");
    assert_eq!(s["blocks"], 3);
    assert!(s["reduction"].as_f64().unwrap() >= 1.0, "{s}");
}
