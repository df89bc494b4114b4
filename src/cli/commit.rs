//! `wavelane commit FILE...`: applies Starknet state-update files (JSON-RPC
//! `starknet_getStateUpdate` results or feeder-gateway `get_state_update`
//! responses) in order, from the empty state, and prints each block's
//! contracts root, classes root and global state root.
//!
//! Each file is read and checked whole before any of it is applied: a
//! malformed file stops the run (exit 2) naming the file and the JSON path
//! of the bad value, after the blocks before it. `--check` compares each
//! block's global root with the file's `new_root` (and its `old_root` with
//! the previous block's root) and stops with exit 1 at the first mismatch,
//! naming the block and both roots.

use super::InputError;
use anyhow::bail;
use clap::Args;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use wavelane::host::state::json::parse_state_update;
use wavelane::host::state::{MemState, StarknetVersion, StateCommitment, StateWriter};
use wavelane::host::store::{Store, Sync};
use wavelane::kernels::Backend;
use wavelane::Felt;

/// Arguments of `wavelane commit`.
#[derive(Args)]
pub(crate) struct CommitArgs {
    /// State-update JSON files, applied in order from the empty state.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Where to hash: scalar, simd, gpu or auto.
    #[arg(long, default_value = "auto")]
    backend: Backend,
    /// The Starknet version for files that name none (it picks the
    /// global-root rule: from 0.14.0 an empty class trie still gives the
    /// Poseidon form). A file's own `starknet_version` wins. Default: the
    /// rules before 0.14.0.
    #[arg(long)]
    starknet_version: Option<StarknetVersion>,
    /// Compare each global root with the file's `new_root` (and `old_root`
    /// with the previous root); exit 1 at the first mismatch.
    #[arg(long)]
    check: bool,
    /// One JSON object per block instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    trace: crate::cli::trace::TraceArg,
    /// Persist the blocks in DIR (a redb store) and resume from its last
    /// block: files of blocks already stored are skipped.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
}

/// Runs `wavelane commit`.
pub(crate) fn run(args: CommitArgs) -> anyhow::Result<()> {
    args.trace.clone().around(|| commit_files(args))
}

fn commit_files(args: CommitArgs) -> anyhow::Result<()> {
    let mut state = MemState::new();
    let mut commitment = StateCommitment::new();
    let mut prev = Felt::ZERO;
    let store = match &args.state {
        Some(dir) => Some(Store::open(dir, Sync::Always)?),
        None => None,
    };
    let mut next = 0;
    commitment.keep_journal();
    if let Some((last, root)) = store.as_ref().map(Store::last_block).transpose()?.flatten() {
        // Resume: the stored state and its tries (rebuilt when the store's
        // are not whole), checked against the recorded root.
        let store = store.as_ref().expect("open");
        state = store.load()?;
        let version = args.starknet_version.unwrap_or(StarknetVersion::BEFORE_0_14);
        let roots = match store.load_tries_over(&state)? {
            Some(mut tries) => {
                tries.keep_journal();
                commitment = tries;
                commitment.roots(version)
            }
            None => {
                let diff = state.to_diff();
                let (roots, _) = commitment.commit(args.backend, &MemState::new(), &diff, version)?;
                store.write_tries(&commitment.take_changes([&diff]))?;
                roots
            }
        };
        let other =
            wavelane::host::state::commit::global_root(roots.contracts, roots.classes, StarknetVersion::V0_14_0);
        if roots.global != root && other != root {
            bail!("the state in the store rebuilds to root {:#x}, but block {last} recorded {root:#x}", roots.global);
        }
        eprintln!("resumed at block {last} (root {root:#x})");
        prev = root;
        next = last + 1;
    }
    let out = std::io::stdout();
    for (i, file) in args.files.iter().enumerate() {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file).map_err(|e| InputError(format!("{name}: cannot read: {e}")))?;
        let update = parse_state_update(&text).map_err(|e| InputError(format!("{name}: {e}")))?;
        let number = update.block_number.unwrap_or(next);
        if store.is_some() && number < next {
            eprintln!("{name}: block {number} is in the store already; skipped");
            continue;
        }
        let block = update.block_number.map_or_else(|| format!("#{i} ({name})"), |n| n.to_string());
        if args.check {
            if update.new_root.is_none() {
                return Err(InputError(format!("{name}: --check needs a `new_root`, and this file has none")).into());
            }
            if let Some(old) = update.old_root {
                if old != prev {
                    bail!("block {block}: old_root {old:#x} in {name} is not the previous block's root {prev:#x}");
                }
            }
        }
        let version = update.starknet_version.or(args.starknet_version).unwrap_or(StarknetVersion::BEFORE_0_14);
        let mut span = wavelane::kernels::trace::span("block");
        span.arg("index", i as f64);
        let (roots, stats) = commitment.commit(args.backend, &state, &update.diff, version)?;
        drop(span);
        state.apply_diff(&update.diff)?;
        if let Some(why) = &stats.fallback {
            eprintln!("warning: block {block}: the GPU failed ({why}); the commit finished on the CPU");
        }
        let matches = update.new_root.map(|r| r == roots.global);
        let mut o = out.lock();
        if args.json {
            let line = json!({
                "file": name,
                "block_number": update.block_number,
                "starknet_version": version.to_string(),
                "contracts_root": format!("{:#x}", roots.contracts),
                "classes_root": format!("{:#x}", roots.classes),
                "global_root": format!("{:#x}", roots.global),
                "new_root": update.new_root.map(|r| format!("{r:#x}")),
                "matches_new_root": matches,
                "backend": stats.backend.name(),
                "storage_updates": stats.storage_updates,
                "tries": stats.tries,
                "contract_leaves": stats.contract_leaves,
                "hashes": stats.hashes(),
                "bytes_up": stats.bytes_up,
                "bytes_down": stats.bytes_down,
                "seconds": stats.seconds.iter().sum::<f64>(),
            });
            writeln!(o, "{line}")?;
        } else {
            let mark = match matches {
                Some(true) => "  (= new_root)",
                Some(false) => "  (≠ new_root)",
                None => "",
            };
            writeln!(
                o,
                "block {block}  contracts {:#x}  classes {:#x}  root {:#x}{mark}",
                roots.contracts, roots.classes, roots.global
            )?;
        }
        drop(o);
        if args.check && matches == Some(false) {
            let want = update.new_root.expect("checked above");
            bail!("block {block}: computed root {:#x} differs from new_root {want:#x} in {name}", roots.global);
        }
        if let Some(store) = &store {
            store.commit_block(number, roots.global, &update.diff, Some(commitment.take_changes([&update.diff])))?;
        }
        next = number + 1;
        prev = roots.global;
    }
    Ok(())
}
