//! The `wavelane` command-line tool. Each subcommand lives in `src/cli/`.

use clap::{Parser, Subcommand};

mod cli;

/// wavelane: GPU/SIMD-accelerated batch executor for account-based blockchains.
#[derive(Parser)]
#[command(name = "wavelane", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// CPU features, backends and whether each is usable, the GPU adapter.
    Info(cli::info::InfoArgs),
    /// Measure kernels on every backend against their peers.
    Bench(cli::bench::BenchArgs),
    /// Hash lines of felts from stdin with Poseidon or Pedersen.
    #[command(after_help = cli::hash::FELT_SYNTAX)]
    Hash(cli::hash::HashArgs),
    /// Run compiled Cairo 0 programs: the CPU VM, or batches on CPU threads and GPU lanes.
    Cairo(cli::cairo::CairoArgs),
    /// Merkle-Patricia trie roots and proofs of KEY VALUE lines from stdin.
    #[command(after_help = cli::hash::FELT_SYNTAX)]
    Trie(cli::trie::TrieArgs),
    /// Apply Starknet state-update files in order and print each block's state root.
    Commit(cli::commit::CommitArgs),
    /// Execute a workload's blocks: receipts, state diffs and state roots.
    Run(cli::run::RunArgs),
    /// Read a trace written with --trace: time per stage, the longest spans.
    Trace(cli::trace::TraceArgs),
    /// Inspect a persistent state directory.
    State(cli::state::StateArgs),
    /// Export a state directory to one snapshot file, or import one.
    Snapshot(cli::state::SnapshotArgs),
}

/// Lets a closed output pipe end the process silently, as it does any Unix
/// tool (`wavelane bench --json | head`), instead of a panic in `println!`.
#[cfg(unix)]
fn exit_quietly_on_closed_pipe() {
    // SAFETY: `signal` only sets this process's disposition of SIGPIPE back
    // to the default (Rust's runtime starts with it ignored); it runs first
    // in `main`, before any other thread exists, and touches no memory of
    // ours.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Gives the process a private, empty `XDG_RUNTIME_DIR` when none is set.
///
/// When the variable is unset, the Vulkan loader's window-system probing
/// (libwayland, reached through Mesa's drivers) prints `error:
/// XDG_RUNTIME_DIR is invalid or not set in the environment.` on stderr for
/// every command that lists GPU adapters, as on a server or in a container.
/// An empty directory of our own (`$TMPDIR/wavelane-runtime-<uid>`, mode
/// 0700) gives it nothing to connect to and nothing to report. The variable
/// is set for this process and its children only; a value already set is
/// left alone, and so is a directory of that name that is not ours and
/// private (the variable then stays unset).
#[cfg(unix)]
fn private_runtime_dir() {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    if std::env::var_os("XDG_RUNTIME_DIR").is_some() {
        return;
    }
    // SAFETY: `getuid` has no preconditions, cannot fail and touches no
    // memory of ours.
    let uid = unsafe { libc::getuid() };
    let dir = std::env::temp_dir().join(format!("wavelane-runtime-{uid}"));
    // An existing directory is checked below, so "already exists" is fine.
    let _ = std::fs::DirBuilder::new().mode(0o700).create(&dir);
    match std::fs::symlink_metadata(&dir) {
        Ok(m) if m.is_dir() && m.uid() == uid && m.mode() & 0o077 == 0 => {
            // Sound: this runs first in `main`, before any other thread
            // exists (nothing can read the environment concurrently), and
            // before wgpu or the Vulkan loader start.
            std::env::set_var("XDG_RUNTIME_DIR", &dir);
        }
        _ => {}
    }
}

fn main() -> std::process::ExitCode {
    #[cfg(unix)]
    exit_quietly_on_closed_pipe();
    #[cfg(unix)]
    private_runtime_dir();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => cli::info::run(args),
        Command::Bench(args) => cli::bench::run(args),
        Command::Hash(args) => cli::hash::run(args),
        Command::Cairo(args) => cli::cairo::run_cmd(args),
        Command::Trie(args) => cli::trie::run(args),
        Command::Commit(args) => cli::commit::run(args),
        Command::Run(args) => cli::run::run(args),
        Command::Trace(args) => cli::trace::run(args),
        Command::State(args) => cli::state::run(args),
        Command::Snapshot(args) => cli::state::snapshot(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(cli::exit_code(&e))
        }
    }
}
