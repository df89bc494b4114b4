//! `wavelane commit`: real chains under `--check`, the JSON lines, a
//! mismatch (exit 1) and every kind of bad input (exit 2, naming the file
//! and the JSON path, with nothing of that file applied).

mod common;

use common::wavelane;
use std::path::PathBuf;

fn data(path: &str) -> String {
    format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))
}

fn chain(name: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| data(&format!("{name}/state_update_{i}.json"))).collect()
}

/// Writes `text` to a fresh file in the target directory.
fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_commit");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn check_passes_on_mainnet_and_goerli2() {
    for (name, n, last) in [
        ("mainnet", 3, "0x3ceee867d50b5926bb88c0ec7e0b9c20ae6b537e74aac44b8fcf6bb6da138d9"),
        ("goerli2", 5, "0x631af1bb6ed804990d1a562d9c46cb3796f0f2eae69edbd6d95bd0285477c03"),
    ] {
        let files = chain(name, n);
        let mut args = vec!["commit", "--check", "--backend", "simd"];
        args.extend(files.iter().map(String::as_str));
        let out = wavelane(&args, "");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), n, "{stdout}");
        assert!(lines.iter().all(|l| l.ends_with("(= new_root)")), "{stdout}");
        assert!(lines[n - 1].contains(&format!("root {last}")), "{stdout}");
    }
}

#[test]
fn check_passes_on_every_backend() {
    // simd runs above; scalar and the GPU (lavapipe in CI: `--backend gpu`
    // takes a software adapter when asked) on the goerli2 chain.
    let mut backends = vec!["scalar"];
    if wavelane::kernels::gpu::context_or_skip("commit --check on the gpu").is_some() {
        backends.push("gpu");
    }
    let files = chain("goerli2", 5);
    for backend in backends {
        let mut args = vec!["commit", "--check", "--json", "--backend", backend];
        args.extend(files.iter().map(String::as_str));
        let out = wavelane(&args, "");
        assert!(out.status.success(), "{backend}: {}", String::from_utf8_lossy(&out.stderr));
        let rows: Vec<serde_json::Value> =
            String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(rows.len(), 5);
        assert!(rows.iter().all(|r| r["backend"] == backend && r["matches_new_root"] == true), "{rows:?}");
        let moved = rows.iter().map(|r| r["bytes_up"].as_u64().unwrap()).sum::<u64>();
        assert_eq!(moved > 0, backend == "gpu", "{backend}: bytes up {moved}");
    }
}

#[test]
fn json_rpc_files_check_like_feeder_files() {
    use wavelane::host::state::json::{parse_state_update, to_json, JsonForm};
    let files: Vec<String> = chain("goerli2", 5)
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let u = parse_state_update(&std::fs::read_to_string(f).unwrap()).unwrap();
            let rpc = serde_json::json!({"jsonrpc": "2.0", "id": i, "result": to_json(&u, JsonForm::Rpc)});
            temp_file(&format!("rpc_{i}.json"), &rpc.to_string()).to_string_lossy().into_owned()
        })
        .collect();
    let mut args = vec!["commit", "--check", "--backend", "simd"];
    args.extend(files.iter().map(String::as_str));
    let out = wavelane(&args, "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 5);
    assert!(stdout.contains("root 0x631af1bb6ed804990d1a562d9c46cb3796f0f2eae69edbd6d95bd0285477c03"), "{stdout}");
}

#[test]
fn json_lines_carry_the_three_roots_and_the_0_14_rule() {
    let out = wavelane(&["commit", "--json", "--backend", "simd", &data("v0_14_zero_class_commitment.json")], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["global_root"], "0x68bcf9e9257ab6bffd9425833a208aaab6b85649fd21c787a546cb7cb9abf");
    assert_eq!(v["classes_root"], "0x0");
    assert_eq!(v["block_number"], 0);
    assert_eq!(v["starknet_version"], "0.14.0");
    assert_eq!(v["matches_new_root"], true);
    assert_eq!(v["storage_updates"], 1);
    // The flag fills in for files without a version: goerli2 under 0.14
    // rules gives the Poseidon form, which is not the published root.
    let g = chain("goerli2", 1);
    let out = wavelane(&["commit", "--json", "--backend", "simd", "--starknet-version", "0.14.0", &g[0]], "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["matches_new_root"], false);
    assert_ne!(v["global_root"], v["contracts_root"]);
    let out = wavelane(&["commit", "--starknet-version", "zero", &g[0]], "");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_mismatch_exits_1_naming_the_block_and_both_roots() {
    let text = std::fs::read_to_string(data("goerli2/state_update_1.json")).unwrap();
    let good = "0x70689c07b6f78fb37ae726d55cc252ca44e24b63ef4ec2c3b100751fb251a15";
    let bad = temp_file("wrong_root.json", &text.replace(good, "0x1234"));
    let g = chain("goerli2", 1);
    let out = wavelane(&["commit", "--check", "--backend", "simd", &g[0], bad.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("#1") && err.contains(good) && err.contains("0x1234"), "{err}");
    // A wrong old_root is caught before the block is applied.
    let out = wavelane(&["commit", "--check", "--backend", "simd", &chain("goerli2", 3)[2]], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("old_root"));
    // Without --check a mismatch is only marked.
    let out = wavelane(&["commit", "--backend", "simd", &g[0], bad.to_str().unwrap()], "");
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("(≠ new_root)"));
}

#[test]
fn bad_input_exits_2_naming_the_file_and_the_path() {
    let big = "0x800000000000000000000000000000000000000000000000000000000000000";
    let cases = [
        ("not_json.json", "{ \"state_diff\": ".to_string(), "malformed JSON"),
        ("no_diff.json", r#"{"new_root": "0x0"}"#.to_string(), "`state_diff`: missing"),
        (
            "big_value.json",
            r#"{"state_diff": {"storage_diffs": {"0x1": [{"key": "0x1", "value": "0x800000000000011000000000000000000000000000000000000000000000001"}]}}}"#.to_string(),
            "`state_diff.storage_diffs.0x1[0].value`",
        ),
        (
            "big_address.json",
            format!(r#"{{"state_diff": {{"storage_diffs": {{"{big}": [{{"key": "0x1", "value": "0x1"}}]}}}}}}"#),
            "is out of range",
        ),
        (
            "big_key.json",
            format!(r#"{{"state_diff": {{"storage_diffs": [{{"address": "0x1", "storage_entries": [{{"key": "{big}", "value": "0x1"}}]}}]}}}}"#),
            "`state_diff.storage_diffs[0].storage_entries[0].key`",
        ),
        (
            "missing_key.json",
            r#"{"state_diff": {"storage_diffs": [], "deployed_contracts": [{"address": "0x1"}]}}"#.to_string(),
            "`state_diff.deployed_contracts[0].class_hash`: missing",
        ),
    ];
    let g = chain("goerli2", 1);
    for (name, text, want) in cases {
        let path = temp_file(name, &text);
        let out = wavelane(&["commit", "--backend", "simd", &g[0], path.to_str().unwrap()], "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
        // The block before it was applied and printed; nothing of the bad one.
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1, "{name}");
    }
    let out = wavelane(&["commit", "/nonexistent/state_update.json"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/state_update.json"));
    let no_root = temp_file("no_root.json", r#"{"state_diff": {"storage_diffs": []}}"#);
    let out = wavelane(&["commit", "--check", no_root.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("new_root"));
}

#[test]
fn bench_commit_json_checks_its_backends_against_scalar_and_the_peer() {
    let args = [
        "bench",
        "commit",
        "--contracts",
        "50",
        "--cells",
        "2000",
        "--updates",
        "300",
        "--peer-updates",
        "50",
        "--backend",
        "scalar,simd",
        "--budget",
        "0.01",
        "--json",
    ];
    let out = wavelane(&args, "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
    let find = |bench: &str, backend: &str| {
        rows.iter()
            .find(|r| r["bench"] == bench && r["backend"] == backend)
            .unwrap_or_else(|| panic!("{bench} {backend}"))
    };
    assert!(find("commit.block", "simd")["ratio"].as_f64().unwrap() > 0.0);
    assert!(find("commit.block.vs-peer", "simd")["peer"].as_str().unwrap().contains("starknet-crypto"));
    let summary = rows.iter().find(|r| r["bench"] == "commit.summary").expect("summary");
    assert_eq!(summary["contracts"], 50);
    assert!(summary["tries"].as_u64().unwrap() > 0);
    assert!(summary["forest_vs_one_trie"].as_f64().unwrap() > 0.0);
    assert!(summary["root"].as_str().unwrap().starts_with("0x"));
    let bad = wavelane(&["bench", "commit", "--contracts", "0"], "");
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn state_persists_the_chain_and_resumes_it() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_commit_state");
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.display().to_string();
    let files = chain("mainnet", 3);
    let out = wavelane(&["commit", "--check", "--backend", "simd", "--state", &d, &files[0], &files[1]], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Resumed with the third (these files carry no block number: it is the
    // store's next, 2), checked against its published root on top of the
    // stored state.
    let out = wavelane(&["commit", "--check", "--backend", "simd", "--state", &d, &files[2]], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("resumed at block 1"), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.contains("(= new_root)"), "{stdout}");
    // A file that does not follow the stored chain is refused.
    let out = wavelane(&["commit", "--check", "--backend", "simd", "--state", &d, &files[0]], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not the previous block's root"));
    let out = wavelane(&["state", "info", "--state", &d, "--json"], "");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["last_block"], 2);
    assert_eq!(v["root"], "0x3ceee867d50b5926bb88c0ec7e0b9c20ae6b537e74aac44b8fcf6bb6da138d9");
}
