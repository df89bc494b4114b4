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
    /// Hash lines of hex felts from stdin with Poseidon or Pedersen.
    Hash(cli::hash::HashArgs),
    /// Run compiled Cairo 0 programs on the CPU VM.
    Cairo(cli::cairo::CairoArgs),
    /// Merkle-Patricia trie roots and proofs of KEY VALUE lines from stdin.
    Trie(cli::trie::TrieArgs),
    /// Apply Starknet state-update files in order and print each block's state root.
    Commit(cli::commit::CommitArgs),
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

fn main() -> std::process::ExitCode {
    #[cfg(unix)]
    exit_quietly_on_closed_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Info(args) => cli::info::run(args),
        Command::Bench(args) => cli::bench::run(args),
        Command::Hash(args) => cli::hash::run(args),
        Command::Cairo(args) => cli::cairo::run_cmd(args),
        Command::Trie(args) => cli::trie::run(args),
        Command::Commit(args) => cli::commit::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::from(cli::exit_code(&e))
        }
    }
}
