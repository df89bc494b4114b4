//! `wavelane cairo run`: the default step limit and `--steps-limit 0`;
//! batches (`--batch`, `--args-file`, `--backend`).

mod common;

use common::wavelane;

/// A hand-assembled program whose `main` is `jmp rel 0`: it never halts.
fn never_halts() -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("never_halts.json");
    let text = r#"{"prime":"0x800000000000011000000000000000000000000000000000000000000000001","data":["0x10780017fff7fff","0x0"],"builtins":[],"hints":{},"identifiers":{"__main__.main":{"pc":0,"type":"function"}},"reference_manager":{"references":[]}}"#;
    std::fs::write(&path, text).expect("write the test program");
    path
}

fn program(name: &str) -> String {
    format!("{}/tests/cairo/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_program_that_never_halts_stops_at_the_default_limit() {
    let path = never_halts();
    let out = wavelane(&["cairo", "run", path.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("step limit 10000000 exceeded at pc 0:0 (step 10000000)"), "{err}");
    assert!(err.contains("never_halts.json"), "the error names the file: {err}");
    assert!(out.stdout.is_empty());
}

#[test]
fn help_states_the_default_limit() {
    let out = wavelane(&["cairo", "run", "--help"], "");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[default: 10000000]") && help.contains("0 runs without a limit"), "{help}");
}

#[test]
fn the_limit_can_be_raised_or_removed() {
    // long_fib takes 1,950,004 steps.
    for limit in ["0", "2000000"] {
        let out = wavelane(&["cairo", "run", &program("long_fib"), "--steps-limit", limit], "");
        assert!(out.status.success(), "--steps-limit {limit}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("steps: 1950004\n"));
    }
    let out = wavelane(&["cairo", "run", &program("long_fib"), "--steps-limit", "1950003"], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("step limit 1950003 exceeded at pc 0:"));
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn a_batch_adds_the_lane_to_the_last_felt_argument() {
    let fib = program("fib_loop");
    let batch = json(&wavelane(
        &["cairo", "run", &fib, "--entry", "fib", "--args", "1,1,5", "--batch", "3", "--backend", "simd", "--json"],
        "",
    ));
    assert_eq!(batch["backend"], "simd");
    let lanes = batch["lanes"].as_array().expect("lanes");
    assert_eq!(lanes.len(), 3);
    for (i, lane) in lanes.iter().enumerate() {
        let args = format!("1,1,{}", 5 + i);
        let alone = json(&wavelane(&["cairo", "run", &fib, "--entry", "fib", "--args", &args, "--json"], ""));
        assert_eq!(lane, &alone, "lane {i} is fib(1, 1, {})", 5 + i);
    }
    assert_ne!(lanes[0]["steps"], lanes[1]["steps"]);
}

#[test]
fn an_args_file_gives_one_lane_per_line_and_failed_lanes_exit_2() {
    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("lanes.txt");
    std::fs::write(&path, "1,2,3\n\n4,5,6\n1,2\n").expect("write the argument lines");
    let entry = program("entry");
    let out = wavelane(
        &["cairo", "run", &entry, "--entry", "add_mul", "--args-file", path.to_str().unwrap(), "--backend", "scalar"],
        "",
    );
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("lanes: 3 (backend scalar)"), "{text}");
    assert!(text.contains("lane 0: steps ") && text.contains("lane 1: steps "), "{text}");
    assert!(text.contains("lane 2: error: ") && text.contains("takes 3 argument cells"), "{text}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 of 3 lanes failed"));
}
