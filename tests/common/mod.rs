//! What the CLI tests share (`mod common;` in each): running the built
//! `wavelane` binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `wavelane args` with `stdin` as its input (`""`: none) and returns
/// its exit status and captured output.
///
/// The command may exit before reading its input (a bad argument); the
/// broken pipe that leaves is not an error here: the test judges the
/// command by what it returns.
pub(crate) fn wavelane(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wavelane"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wavelane");
    if let Err(e) = child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "writing wavelane's input: {e}");
    }
    child.wait_with_output().expect("wait for wavelane")
}
