//! `wavelane run`: a workload's genesis and blocks through the block
//! executor, one line per block (transactions, failures, the global root,
//! the stage times), and with `--diffs DIR` each block's state diff as a
//! JSON-RPC state update that `wavelane commit --check` re-checks.

use super::InputError;
use anyhow::Context;
use clap::Args;
use serde_json::{json, Value};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use wavelane::host::block::{BlockExecutor, BlockResult, ExecutorConfig, Mode};
use wavelane::host::state::json::{to_json, JsonForm};
use wavelane::host::state::{StarknetVersion, StateDiff, StateUpdate};
use wavelane::kernels::Backend;
use wavelane::workload::{Generator, Kind, Spec};
use wavelane::Felt;

/// The workload options `run` and `bench block` share.
#[derive(Args, Clone, Debug)]
pub(crate) struct WorkloadArgs {
    /// Workload: p2p, erc20, swaps, zipf, hot or chain.
    #[arg(long, default_value = "p2p")]
    pub(crate) workload: String,
    /// Transactions per block.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) txs: usize,
    /// Accounts (traders, for swaps; the chain uses one per transaction).
    #[arg(long, default_value_t = 100_000)]
    pub(crate) accounts: usize,
    /// Pools (swaps).
    #[arg(long, default_value_t = 4)]
    pub(crate) pools: usize,
    /// Tokens, STRK first (erc20).
    #[arg(long, default_value_t = 3)]
    pub(crate) tokens: usize,
    /// The Zipf exponent (zipf).
    #[arg(long, default_value_t = 1.0)]
    pub(crate) zipf: f64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
}

impl WorkloadArgs {
    /// The spec, checked; `hot` is the hot share (hot workload).
    pub(crate) fn spec(&self, hot: f64) -> Result<Spec, InputError> {
        let kind: Kind = self.workload.parse().map_err(InputError)?;
        let bad = |what: String| Err(InputError(what));
        if self.txs == 0 {
            return bad("--txs must be at least 1".into());
        }
        if self.accounts == 0 && kind != Kind::Chain {
            return bad(format!("--accounts must be at least 1 for {}", kind.name()));
        }
        if self.pools == 0 && kind == Kind::Swaps {
            return bad("--pools must be at least 1 for swaps".into());
        }
        if self.tokens == 0 {
            return bad("--tokens must be at least 1".into());
        }
        if !self.zipf.is_finite() || self.zipf < 0.0 {
            return bad(format!("--zipf {} must be a finite exponent ≥ 0", self.zipf));
        }
        if !(0.0..=1.0).contains(&hot) {
            return bad(format!("--hot {hot} must be a share between 0 and 1"));
        }
        Ok(Spec {
            pools: self.pools,
            tokens: self.tokens,
            seed: self.seed,
            zipf: self.zipf,
            hot,
            ..Spec::new(kind, self.accounts, self.txs)
        })
    }
}

/// Arguments of `wavelane run`.
#[derive(Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    workload: WorkloadArgs,
    /// Blocks after the genesis.
    #[arg(long, default_value_t = 3)]
    blocks: u64,
    /// The share of transfers paying the hot account (hot workload).
    #[arg(long, default_value_t = 0.3)]
    hot: f64,
    /// Where hashing runs (preparation and commit): scalar, simd, gpu or auto.
    #[arg(long, default_value = "auto")]
    backend: Backend,
    /// Scheduling: serial, waves, dag, block-stm or optimistic.
    #[arg(long, default_value = "block-stm")]
    mode: Mode,
    /// Worker threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Keep the Cold LRU with this many bytes hot and report each block's
    /// cold loads and hot hits (96 bytes per state entry). On the GPU in
    /// the waves and optimistic modes, the device table keeps this many
    /// bytes of entries resident (36 bytes per entry, as loaded; default:
    /// everything touched stays).
    #[arg(long, value_name = "BYTES")]
    cache_size: Option<u64>,
    /// Write each block's state diff (the genesis as block 0) to
    /// DIR/block_N.json as a JSON-RPC state update with its roots.
    #[arg(long, value_name = "DIR")]
    diffs: Option<PathBuf>,
    /// One JSON object per block instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    trace: crate::cli::trace::TraceArg,
    /// Persist the chain in DIR (a redb store) and resume from its last
    /// block: --blocks more blocks, the same ones an uninterrupted run
    /// would have made.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// With --state: `always` (each block on disk when it is done) or
    /// `never` (fast; a power loss may take the store back some blocks).
    #[arg(long, default_value = "always")]
    sync: wavelane::host::store::Sync,
    /// With --state: keep storage cells and trie nodes in memory up to this
    /// many bytes (the RAM tier: a third for cells, two thirds for nodes;
    /// `512M`, `2G` or a number) and read the others from the store when a
    /// block needs them, instead of loading the whole state. redb's page
    /// cache gets a quarter of it on top. Each block reports the tier's
    /// hits, misses and bytes read.
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes, requires = "state")]
    ram_budget: Option<u64>,
}

/// A byte count: a number, or one with a `K`, `M` or `G` suffix (powers
/// of 1024).
pub(crate) fn parse_bytes(s: &str) -> Result<u64, String> {
    let (digits, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_uppercase()),
        _ => (s, 'B'),
    };
    let shift = match unit {
        'B' => 0,
        'K' => 10,
        'M' => 20,
        'G' => 30,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (expected K, M or G)")),
    };
    let n: u64 = digits.parse().map_err(|_| format!("{s:?} is not a byte count (e.g. 1048576, 512M, 2G)"))?;
    n.checked_mul(1 << shift).ok_or_else(|| format!("{s:?} is too large"))
}

/// The executor configuration from the shared options.
pub(crate) fn config(backend: Backend, mode: Mode, threads: Option<usize>) -> Result<ExecutorConfig, InputError> {
    let mut config = ExecutorConfig { backend, mode, ..ExecutorConfig::default() };
    if let Some(t) = threads {
        if t == 0 {
            return Err(InputError("--threads must be at least 1".into()));
        }
        config.threads = t;
    }
    Ok(config)
}

/// Runs `wavelane run`.
pub(crate) fn run(args: RunArgs) -> anyhow::Result<()> {
    args.trace.clone().around(|| run_blocks(args))
}

fn run_blocks(args: RunArgs) -> anyhow::Result<()> {
    let spec = args.workload.spec(args.hot)?;
    let mut config = config(args.backend, args.mode, args.threads)?;
    config.cache_size = args.cache_size;
    config.ram_budget = args.ram_budget;
    if let Some(dir) = &args.diffs {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let version = config.version;
    let threads = config.threads;
    let mut generator = Generator::new(spec);
    let mut exec = match &args.state {
        None => BlockExecutor::new(config)?,
        Some(dir) => {
            let store = match args.ram_budget {
                // redb's page cache a quarter of the tier's budget beside it.
                Some(b) => wavelane::host::store::Store::open_with_cache(
                    dir,
                    args.sync,
                    wavelane::host::store::tier_page_cache(b),
                )?,
                None => wavelane::host::store::Store::open(dir, args.sync)?,
            };
            let label = format!("wavelane run {spec:?}");
            let stored = store.set_label(&label)?;
            if stored != label {
                return Err(InputError(format!(
                    "{}: holds the chain of `{stored}`; this run asks for `{label}`",
                    dir.display()
                ))
                .into());
            }
            let t = Instant::now();
            let exec = BlockExecutor::open(config, store)?;
            if exec.next_block() > 0 {
                // The workload's blocks are a function of its seed and the
                // block number, but each sender's nonces continue from the
                // blocks before: generate those again (nothing runs).
                for n in 1..exec.next_block() {
                    generator.block(n);
                }
                let cells = match exec.tiered() {
                    true => "cells on disk".to_string(),
                    false => format!("{} cells", exec.state().cells()),
                };
                eprintln!(
                    "resumed {} at block {} (root {:#x}; {} contracts, {cells}; {:.2} s)",
                    dir.display(),
                    exec.next_block() - 1,
                    exec.root(),
                    exec.state().contracts(),
                    t.elapsed().as_secs_f64()
                );
            }
            exec
        }
    };

    if exec.next_block() == 0 {
        let t = Instant::now();
        let genesis = generator.genesis(exec.config().sequencer);
        let (roots, _) = exec.commit_diff(&genesis)?;
        eprintln!(
            "genesis: {} accounts, {} contracts, {} cells, root {:#x} ({:.2} s)",
            spec.account_count(),
            exec.state().contracts(),
            genesis.storage_updates(),
            roots.global,
            t.elapsed().as_secs_f64()
        );
        if let Some(dir) = &args.diffs {
            write_update(dir, 0, Felt::ZERO, roots.global, version, &genesis)?;
        }
    }

    let out = std::io::stdout();
    for _ in 0..args.blocks {
        let number = exec.next_block();
        let block = generator.block(number);
        let result = exec.execute_native(&block)?;
        if let Some(why) = &result.stats.commit_fallback {
            eprintln!("warning: block {number}: the GPU failed ({why}); the commit finished on the CPU");
        }
        if let Some(dir) = &args.diffs {
            write_update(dir, number, result.old_root, result.new_root(), version, &result.diff)?;
        }
        let mut o = out.lock();
        if args.json {
            writeln!(o, "{}", block_json(&result, spec.kind.name(), args.mode, threads))?;
        } else {
            writeln!(o, "{}", block_line(&result))?;
        }
    }
    Ok(())
}

/// One block as one line of text.
pub(crate) fn block_line(r: &BlockResult) -> String {
    let s = &r.stats;
    let ms = |x: f64| format!("{:.1} ms", x * 1e3);
    let mut cold = if s.cold_loads + s.hot_hits > 0 {
        format!("  cold {} ({} B) hot {}", s.cold_loads, s.cold_bytes, s.hot_hits)
    } else {
        String::new()
    };
    if let Some(d) = &s.device {
        cold += &format!(
            "  gpu: up {} B (state {}, jobs {}) down {} B (receipts {}, written {}) evicted {} resident {}",
            s.bytes_up,
            d.cold_bytes,
            d.input_bytes,
            s.bytes_down,
            d.receipt_bytes,
            d.written_bytes,
            d.evictions,
            d.resident
        );
    }
    if let Some(t) = &s.ram {
        let part = |what: &str, c: &wavelane::host::state::CacheStats| {
            format!(
                " {what} hits {} misses {} ({} B read) resident {} ({:.1} MB) evicted {}",
                c.hits,
                c.misses,
                c.bytes_read,
                c.resident,
                c.bytes as f64 / 1e6,
                c.evicted
            )
        };
        cold += &format!("  ram:{};{}", part("cells", &t.cells), part("nodes", &t.nodes));
    }
    if let Some(why) = &s.exec_fallback {
        cold += &format!("  (ran on the CPU: {why})");
    }
    format!(
        "block {}  txs {}  failed {}  root {:#x}  prepare {}  execute {}  commit {}  total {}  ({:.0} tx/s){cold}",
        r.number,
        s.transactions,
        s.failed,
        r.new_root(),
        ms(s.seconds.prepare + s.seconds.schedule),
        ms(s.seconds.execute),
        ms(s.seconds.diff + s.seconds.commit() + s.seconds.apply),
        ms(s.seconds.total),
        s.transactions as f64 / s.seconds.total
    )
}

/// One block as a JSON object.
pub(crate) fn block_json(r: &BlockResult, workload: &str, mode: Mode, threads: usize) -> Value {
    let s = &r.stats;
    let seconds: serde_json::Map<String, Value> =
        s.seconds.stages().iter().map(|(name, v)| (name.to_string(), json!(v))).collect();
    json!({
        "block": r.number,
        "workload": workload,
        "mode": mode.name(),
        "threads": threads,
        "backend": s.commit_backend.map(|b| b.name()),
        "transactions": s.transactions,
        "failed": s.failed,
        "old_root": format!("{:#x}", r.old_root),
        "new_root": format!("{:#x}", r.new_root()),
        "seconds": seconds,
        "total_seconds": s.seconds.total,
        "tx_per_sec": s.transactions as f64 / s.seconds.total,
        "executions": s.executions,
        "validations": s.validations,
        "waves": s.waves,
        "fee_splits": s.fee_splits,
        "storage_updates": s.storage_updates,
        "contracts_touched": s.contracts_touched,
        "bytes_up": s.bytes_up,
        "bytes_down": s.bytes_down,
        "cold_loads": s.cold_loads,
        "cold_bytes": s.cold_bytes,
        "hot_hits": s.hot_hits,
        "commit_fallback": s.commit_fallback,
        "exec_fallback": s.exec_fallback,
        "device": s.device.map(|d| json!({
            "cold_loads": d.cold_loads,
            "state_bytes_up": d.cold_bytes,
            "hot_hits": d.hot_hits,
            "evictions": d.evictions,
            "input_bytes_up": d.input_bytes,
            "receipt_bytes_down": d.receipt_bytes,
            "written_bytes_down": d.written_bytes,
            "touched": d.touched,
            "baseline_state_bytes_up": d.baseline_state_bytes(),
            "cpu_transactions": d.cpu_transactions,
            "kernel_seconds": d.kernel_seconds,
            "resident": d.resident,
            "leaves_from_table": d.leaves_from_table,
        })),
        "commit_kernel_seconds": s.commit_kernel_seconds,
        "ram": s.ram.map(|t| {
            let part = |c: &wavelane::host::state::CacheStats| json!({
                "hits": c.hits,
                "misses": c.misses,
                "bytes_read": c.bytes_read,
                "evicted": c.evicted,
                "resident": c.resident,
                "bytes": c.bytes,
            });
            json!({"cells": part(&t.cells), "nodes": part(&t.nodes)})
        }),
    })
}

/// Writes `DIR/block_N.json` whole: to a temporary name, then renamed, so
/// no half-written file is left behind.
fn write_update(
    dir: &Path,
    number: u64,
    old_root: Felt,
    new_root: Felt,
    version: StarknetVersion,
    diff: &StateDiff,
) -> anyhow::Result<()> {
    let update = StateUpdate {
        block_number: Some(number),
        block_hash: None,
        old_root: Some(old_root),
        new_root: Some(new_root),
        starknet_version: Some(version),
        diff: diff.clone(),
    };
    let path = dir.join(format!("block_{number}.json"));
    let tmp = dir.join(format!(".block_{number}.json.tmp"));
    let text = serde_json::to_string(&to_json(&update, JsonForm::Rpc))?;
    std::fs::write(&tmp, text).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}
