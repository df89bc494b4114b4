//! `wavelane cairo run`: the default step limit and `--steps-limit 0`.

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
