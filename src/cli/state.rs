//! `wavelane state info --state DIR`: the last block of a store, its root,
//! its counts and its bytes on disk.

use super::InputError;
use clap::{Args, Subcommand};
use serde_json::json;
use std::path::PathBuf;
use wavelane::host::store::{Store, Sync, FILE};

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
        if let Some(l) = info.label {
            println!("made by: {l}");
        }
    }
    Ok(())
}
