//! `wavelane bench schedule --json`: a row for every mode at every thread
//! count, each parallel mode against its paired serial runs, the counts
//! line; and the bad-input cases (exit status 2, the option named, nothing
//! printed on stdout).

mod common;

use common::wavelane;
use serde_json::Value;

#[test]
fn json_has_every_mode_at_every_thread_count() {
    let args = "bench schedule --workload zipf --accounts 40 --txs 300 --threads 1,2 --budget 0.01 --json";
    let out = wavelane(&args.split(' ').collect::<Vec<_>>(), "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let row = |backend: &str, threads: u64| {
        rows.iter()
            .find(|r| r["backend"] == backend && r["threads"] == threads)
            .unwrap_or_else(|| panic!("no {backend} row at {threads} threads"))
    };
    assert_eq!(row("serial", 1)["n"], 300);
    assert_eq!(row("waves.plan", 1)["peer"], "serial");
    for threads in [1, 2] {
        for mode in ["ceiling", "waves", "dag", "block-stm", "optimistic"] {
            let r = row(mode, threads);
            assert_eq!(r["bench"], "schedule.zipf");
            assert_eq!(r["peer"], "serial (paired)", "{mode}");
            let ratio = r["ratio"].as_f64().expect("a ratio");
            assert!(ratio > 0.0 && ratio.is_finite(), "{mode}, {threads} threads: ratio {ratio}");
            assert!(r["per_sec"].as_f64().expect("a rate") > 0.0);
        }
    }
    let summary = rows.iter().find(|r| r["bench"] == "schedule.summary").expect("a summary line");
    assert_eq!((summary["workload"].as_str(), summary["txs"].as_u64()), (Some("zipf"), Some(300)));
    let waves = summary["declared_waves"].as_u64().expect("declared waves");
    assert!(waves > 1 && waves < 300, "a skewed block has some waves: {waves}");
    assert!(summary["declared_edges"].as_u64().expect("edges") >= waves - 1);
    assert!(summary["blockstm_validations"].as_u64().expect("validations") >= 300);
}

#[test]
fn modes_choose_the_rows_and_the_counts() {
    let args = "bench schedule --txs 200 --threads 2 --modes block-stm,dag --budget 0.01 --json";
    let out = wavelane(&args.split(' ').collect::<Vec<_>>(), "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("JSON")).collect();
    let backends: Vec<&str> = rows.iter().filter_map(|r| r["backend"].as_str()).collect();
    assert_eq!(backends, ["serial", "waves.plan", "block-stm", "dag"]);
    let summary = rows.last().expect("a summary line");
    assert_eq!(summary["bench"], "schedule.summary");
    assert!(summary["blockstm_validations"].as_u64().is_some());
    assert!(summary["optimistic_waves"].is_null(), "optimistic waves were not run");
}

#[test]
fn bad_input_names_the_option() {
    for (args, named) in [
        (&["--workload", "nope"][..], "unknown workload \"nope\""),
        (&["--threads", "0"][..], "--threads"),
        (&["--txs", "0"][..], "--txs"),
        (&["--accounts", "0"][..], "--accounts"),
        (&["--workload", "swaps", "--pools", "0"][..], "--pools"),
        (&["--modes", "block-stm,stm"][..], "--modes: unknown mode \"stm\""),
    ] {
        let out = wavelane(&[&["bench", "schedule", "--budget", "0.01"][..], args].concat(), "");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(named),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

/// A reader that stops early (`| head`) ends the command quietly, by
/// SIGPIPE like any Unix tool, not with a panic.
#[cfg(unix)]
#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::ExitStatusExt;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_wavelane"))
        .args(["bench", "schedule", "--txs", "2000", "--threads", "1", "--budget", "0.2", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wavelane");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("piped")).read_line(&mut first).expect("a first line");
    assert!(first.contains("\"backend\":\"serial\""), "{first}");
    // The reader is dropped here: the next line meets a closed pipe.
    let out = child.wait_with_output().expect("wait for wavelane");
    const SIGPIPE: i32 = 13; // on every Unix this runs on
    assert_eq!(out.status.signal(), Some(SIGPIPE), "{:?}", out.status);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
