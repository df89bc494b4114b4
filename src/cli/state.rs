//! `wavelane state info --state DIR`: the last block of a store, its root,
//! its counts and its bytes on disk; `wavelane snapshot export|import`: a
//! store's state in one checksummed file, and back.

use super::InputError;
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use wavelane::host::store::{export, import, SnapshotError, SnapshotInfo, Store, Sync, FILE};
use wavelane::kernels::Backend;

/// Arguments of `wavelane state`.
#[derive(Args)]
pub(crate) struct StateArgs {
    #[command(subcommand)]
    command: StateCommand,
}

#[derive(Subcommand)]
enum StateCommand {
    /// The last block, its root, counts and bytes on disk.
    Info {
        /// The state directory (written by `run --state`).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// One JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

/// Runs `wavelane state`.
pub(crate) fn run(args: StateArgs) -> anyhow::Result<()> {
    let StateCommand::Info { state, json } = args.command;
    if !state.join(FILE).exists() {
        return Err(InputError(format!("{}: no store here (no {FILE})", state.display())).into());
    }
    let info = Store::open(&state, Sync::Always)?.info()?;
    let (block, root) = match info.last_block {
        Some((n, r)) => (Some(n), Some(format!("{r:#x}"))),
        None => (None, None),
    };
    if json {
        let v = json!({
            "state": state.display().to_string(),
            "last_block": block,
            "root": root,
            "contracts": info.contracts,
            "cells": info.cells,
            "classes": info.classes,
            "blocks": info.blocks,
            "trie_nodes": info.trie_nodes,
            "trie_log_blocks": info.trie_log_blocks,
            "diff_log_blocks": info.diff_log_blocks,
            "tries_whole": info.tries_whole,
            "bytes_on_disk": info.bytes_on_disk,
            "label": info.label,
        });
        println!("{v}");
    } else {
        match (block, root) {
            (Some(n), Some(r)) => println!("{}: block {n}, root {r}", state.display()),
            _ => println!("{}: empty", state.display()),
        }
        println!(
            "{} contracts, {} cells, {} classes, {} blocks, {} bytes on disk",
            info.contracts, info.cells, info.classes, info.blocks, info.bytes_on_disk
        );
        let whole = if info.tries_whole { "whole" } else { "stale: the next open rebuilds them" };
        println!("tries: {} nodes, {} blocks in the log ({whole})", info.trie_nodes, info.trie_log_blocks);
        println!(
            "state tables: {} blocks' diffs not folded in yet (the counts above are the tables')",
            info.diff_log_blocks
        );
        if let Some(l) = info.label {
            println!("made by: {l}");
        }
    }
    Ok(())
}

/// Arguments of `wavelane snapshot`.
#[derive(Args)]
pub(crate) struct SnapshotArgs {
    #[command(subcommand)]
    command: SnapshotCommand,
    /// One JSON object instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum SnapshotCommand {
    /// Write the state at the store's last block to FILE.
    Export {
        /// The state directory.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The snapshot file to write.
        file: PathBuf,
    },
    /// Restore FILE into a new state directory, checking its checksum and
    /// its root.
    Import {
        /// The snapshot file.
        file: PathBuf,
        /// The state directory to create (must hold no store).
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// Where the tries are rebuilt: scalar, simd, gpu or auto.
        #[arg(long, default_value = "auto")]
        backend: Backend,
    },
}

/// Runs `wavelane snapshot`.
pub(crate) fn snapshot(args: SnapshotArgs) -> anyhow::Result<()> {
    let (what, info) = match args.command {
        SnapshotCommand::Export { state, file } => {
            if !state.join(FILE).exists() {
                return Err(InputError(format!("{}: no store here (no {FILE})", state.display())).into());
            }
            ("exported", export(&state, &file).map_err(refusal)?)
        }
        SnapshotCommand::Import { file, state, backend } => {
            ("imported", import(&file, &state, backend).map_err(refusal)?)
        }
    };
    print_snapshot(what, &info, args.json);
    Ok(())
}

/// A snapshot the user gave that is not whole or intact is bad input (exit
/// 2); the rest are failures.
fn refusal(e: SnapshotError) -> anyhow::Error {
    match e {
        SnapshotError::Invalid { .. } => InputError(e.to_string()).into(),
        e => e.into(),
    }
}

fn print_snapshot(what: &str, i: &SnapshotInfo, json: bool) {
    if json {
        let v = json!({
            "snapshot": what,
            "block": i.block,
            "root": format!("{:#x}", i.root),
            "contracts": i.counts[0],
            "cells": i.counts[1],
            "classes": i.counts[2],
            "bytes": i.bytes,
            "seconds": {"read": i.seconds[0], "rebuild": i.seconds[1], "write": i.seconds[2]},
        });
        println!("{v}");
    } else {
        println!(
            "{what} block {} (root {:#x}): {} contracts, {} cells, {} classes, {} bytes; read {:.2} s, rebuild {:.2} s, write {:.2} s",
            i.block, i.root, i.counts[0], i.counts[1], i.counts[2], i.bytes, i.seconds[0], i.seconds[1], i.seconds[2]
        );
    }
}
