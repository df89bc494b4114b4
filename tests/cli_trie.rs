//! `wavelane trie` and `wavelane bench trie`: roots of published trees,
//! decimal and hex keys, proofs through files, and the bad-input cases (exit
//! status 2, the line named, nothing printed; a verify with no tree at all);
//! a proof that does not verify exits 1.

mod common;

use common::wavelane;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// pathfinder's `real_world::simple` tree; later lines overwrite earlier ones.
const TREE: &str = "0x1 0x5\n0x86 0x1\n\n0x87 0x2\n0x1 0x0\n";
const ROOT: &str = "0x5458b9f8491e7c845bffa4cd36cdb3a7c29dcdf75f2809bd6f4ce65386facfc";

#[test]
fn root_matches_the_published_tree_on_cpu_backends() {
    for backend in ["scalar", "simd"] {
        let out = wavelane(&["trie", "root", "--backend", backend], TREE);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(stdout(&out).trim(), ROOT, "{backend}");
    }
    let empty = wavelane(&["trie", "root", "--backend", "scalar"], "");
    assert_eq!(stdout(&empty).trim(), "0x0");
    let poseidon = wavelane(&["trie", "root", "--hash", "poseidon", "--backend", "scalar"], TREE);
    assert!(poseidon.status.success());
    assert_ne!(stdout(&poseidon).trim(), ROOT);
}

#[test]
fn proofs_round_trip_through_files() {
    let dir = std::env::temp_dir().join(format!("wavelane-cli-trie-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (key, want) in [("0x86", "member 0x1"), ("0x87", "member 0x2"), ("0x1", "non-member"), ("0x88", "non-member")] {
        let out = wavelane(&["trie", "prove", key, "--backend", "simd"], TREE);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("prove prints JSON");
        assert_eq!(json["root"], ROOT);
        let path = dir.join(format!("{key}.json"));
        std::fs::write(&path, &out.stdout).unwrap();
        let p = path.to_str().unwrap();
        let ok = wavelane(&["trie", "verify", "--proof", p, "--backend", "scalar"], TREE);
        assert_eq!(stdout(&ok).trim(), want, "{key}: {}", String::from_utf8_lossy(&ok.stderr));
        let with_root = wavelane(&["trie", "verify", "--proof", p, "--root", ROOT], "");
        assert_eq!(stdout(&with_root).trim(), want);
        // Another tree's root: the proof does not verify (exit 1).
        let other = wavelane(&["trie", "verify", "--proof", p, "--backend", "scalar"], "0x86 0x9\n0x87 0x2\n");
        assert_eq!(other.status.code(), Some(1), "{key}");
        assert!(String::from_utf8_lossy(&other.stderr).contains("does not verify"));
        assert!(other.stdout.is_empty());
    }
    // A tampered node.
    let out = wavelane(&["trie", "prove", "0x86", "--backend", "simd"], TREE);
    let tampered = stdout(&out).replace("\"0x1\"", "\"0x3\"");
    let path = dir.join("tampered.json");
    std::fs::write(&path, tampered).unwrap();
    let bad = wavelane(&["trie", "verify", "--proof", path.to_str().unwrap(), "--root", ROOT], "");
    assert_eq!(bad.status.code(), Some(1));
    // A malformed proof file is bad input.
    std::fs::write(&path, "{\"key\": \"0x86\", \"proof\": [{\"edge\": {\"child\": \"0x1\", \"path\": \"0x1\"}}]}")
        .unwrap();
    let malformed = wavelane(&["trie", "verify", "--proof", path.to_str().unwrap(), "--root", ROOT], "");
    assert_eq!(malformed.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&malformed.stderr).contains("proof[0].edge.length"));
    std::fs::remove_dir_all(&dir).ok();
}

fn assert_bad(args: &[&str], input: &str, line: usize, what: &str) {
    let out = wavelane(args, input);
    assert_eq!(out.status.code(), Some(2), "{what}: exit status");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("line {line}")), "{what}: message `{err}` names line {line}");
    assert!(out.stdout.is_empty(), "{what}: no output, got `{}`", stdout(&out));
}

#[test]
fn bad_lines_exit_2_naming_the_line() {
    let root = ["trie", "root", "--backend", "scalar"];
    assert_bad(&root, "0x1 0x2\n0x1 0xzz\n", 2, "not hex");
    assert_bad(&root, "0x1 0x2\n86 1f\n", 2, "hex without 0x");
    assert_bad(&root, "0x1 0x2\n0x3\n", 2, "one field");
    assert_bad(&root, "0x1 0x2\n0x3 0x4\n0x5 0x6 0x7\n", 3, "three fields");
    assert_bad(&root, "0x800000000000000000000000000000000000000000000000000000000000000 0x1\n", 1, "key = 2^251");
    assert_bad(&root, "0x1 0x800000000000011000000000000000000000000000000000000000000000001\n", 1, "value = p");
    assert_bad(&["trie", "prove", "0x1", "--backend", "scalar"], "0x1 0x2\nnope\n", 2, "prove input");
    let bad_hash = wavelane(&["trie", "root", "--hash", "sha256"], "0x1 0x2\n");
    assert_eq!(bad_hash.status.code(), Some(2));
    let bad_key = wavelane(&["trie", "prove", "0xzz", "--backend", "scalar"], "0x1 0x2\n");
    assert_eq!(bad_key.status.code(), Some(2));
}

#[test]
fn decimal_keys_and_values_are_decimal() {
    // TREE in decimal: 0x86 = 134, 0x87 = 135.
    let decimal = "1 5\n134 1\n\n135 2\n1 0\n";
    let out = wavelane(&["trie", "root", "--backend", "scalar"], decimal);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout(&out).trim(), ROOT);
    let out = wavelane(&["trie", "prove", "134", "--backend", "scalar"], TREE);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((json["key"].as_str(), json["value"].as_str()), (Some("0x86"), Some("0x1")));
    // `86` is eighty-six, not 0x86: absent from the tree.
    let out = wavelane(&["trie", "prove", "86", "--backend", "scalar"], TREE);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((json["key"].as_str(), json["value"].is_null()), (Some("0x56"), true));
    let bad = wavelane(&["trie", "prove", "8f", "--backend", "scalar"], TREE);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("KEY: `8f` is not a decimal number"));
}

#[test]
fn verify_without_a_tree_or_root_says_so() {
    let dir = std::env::temp_dir().join(format!("wavelane-cli-trie-none-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let proof = wavelane(&["trie", "prove", "0x86", "--backend", "scalar"], TREE);
    let path = dir.join("proof.json");
    std::fs::write(&path, &proof.stdout).unwrap();
    let out = wavelane(&["trie", "verify", "--proof", path.to_str().unwrap(), "--backend", "scalar"], "");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no tree to verify against") && err.contains("--root"), "{err}");
    assert!(!err.contains("does not verify"), "{err}");
    assert!(out.stdout.is_empty());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bench_trie_reports_every_cpu_backend_and_the_peer_as_json() {
    let out = wavelane(
        &[
            "bench",
            "trie",
            "--leaves",
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
        ],
        "",
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<serde_json::Value> =
        stdout(&out).lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    let find = |bench: &str, backend: &str| rows.iter().find(|r| r["bench"] == bench && r["backend"] == backend);
    assert!(find("trie.update.pedersen", "scalar").is_some());
    let simd = find("trie.update.pedersen", "simd").expect("simd row");
    assert_eq!(simd["peer"], "scalar");
    assert!(simd["per_sec"].as_f64().unwrap() > 0.0);
    assert!(find("trie.update.pedersen", "starknet-crypto per-key").is_some());
    let summary = rows.iter().find(|r| r["bench"] == "trie.summary").expect("summary");
    assert_eq!(summary["leaves"].as_u64(), Some(2000));
    assert!(summary["hashes"].as_u64().unwrap() > 300);
    assert!(summary["bytes_per_leaf"].as_f64().unwrap() > 32.0);
}
