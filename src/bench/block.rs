//! `wavelane bench block`: whole blocks through the block executor —
//! transactions per second **including the state root** — on every backend
//! and mode, against what a straightforward sequencer does, in the same run.
//!
//! The workload's genesis is committed once; every configuration then runs
//! the same `blocks` blocks from a fork of that state, in rounds until the
//! budget is spent, and keeps its best block (end to end: preparation,
//! scheduling, execution, the diff, the commit). Every block's receipts,
//! diff and roots are checked against serial execution before a figure
//! counts.
//!
//! The **peer** is serial execution with starknet-crypto's hashes (each
//! transaction hash and balance key computed on its own, the fee credited
//! after each transaction) followed by a per-key commit: each storage
//! write's path rehashed with starknet-crypto, then its contract's leaf and
//! contract-trie path. The commit part runs on a prefix of the block's
//! writes (`peer_updates`) and is scaled to the block, as `bench commit`
//! does; its execution part is checked against the serial result.

use super::commit::{per_key_peer, Leaves};
use super::{Measurement, Reporter};
use crate::workload::{Generator, Kind, Spec};
use anyhow::ensure;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use wavelane_host::block::{BlockExecutor, BlockResult, BlockStats, ExecutorConfig, Mode};
use wavelane_host::exec::{execute_serial_with_fees, normalize, NativeTx, BALANCES_BASE};
use wavelane_kernels::Backend;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The workload (its `hot` share is replaced by each of `hot`).
    pub spec: Spec,
    /// Hot shares to measure (the hot workload); empty: the spec's.
    pub hot: Vec<f64>,
    /// Blocks each configuration runs per round.
    pub blocks: usize,
    /// Backends to measure.
    pub backends: Vec<Backend>,
    /// Modes to measure (serial is always measured).
    pub modes: Vec<Mode>,
    /// Threads of every configuration.
    pub threads: usize,
    /// Storage writes the per-key peer's commit applies (scaled to the block).
    pub peer_updates: usize,
    /// Time spent per hot share, over all configurations.
    pub budget: Duration,
    /// Also measure what tracing costs: the best configuration with the
    /// recorder on and off, alternately, and a disabled span's own cost.
    pub trace_cost: bool,
    /// Also measure the best configuration with a redb store behind it.
    pub store: Option<wavelane_host::store::Sync>,
    /// With `store`: also measure it with the RAM tier of this many bytes
    /// (cells read from disk when not cached).
    pub ram_budget: Option<u64>,
    /// The Cold LRU's (and on the GPU the resident table's) bytes, for
    /// every configuration.
    pub cache_size: Option<u64>,
}

/// One block of a configuration that ran on the GPU over the resident
/// table (the last round's blocks).
#[derive(Clone, Debug, Serialize)]
pub struct DeviceRow {
    /// `backend/mode`.
    pub config: String,
    /// The block's place in the run (0: the first after the fork, all cold).
    pub block: usize,
    /// Every byte sent to the GPU (the commit's and the hashing's included).
    pub bytes_up: u64,
    /// Every byte read back.
    pub bytes_down: u64,
    /// Cold entries uploaded.
    pub cold_loads: u64,
    /// Their bytes.
    pub state_bytes_up: u64,
    /// Resident entries used.
    pub hot_hits: u64,
    /// Uploading every touched key instead (the baseline), in bytes.
    pub baseline_state_bytes_up: u64,
    /// The jobs (the transactions' inputs), in bytes.
    pub input_bytes_up: u64,
    /// Receipts and written entries downloaded.
    pub execution_bytes_down: u64,
    /// Kernel-only seconds: execution, storage forest, contract trie, class
    /// trie (`None` without timestamps).
    pub kernel_seconds: [Option<f64>; 4],
    /// The block end to end.
    pub total_seconds: f64,
}

/// What tracing costs (`--trace-cost`).
#[derive(Clone, Debug, Serialize)]
pub struct TraceCost {
    /// Best block with the recorder off (the spans' code present).
    pub off_seconds: f64,
    /// Best block with the recorder on.
    pub on_seconds: f64,
    /// `on / off - 1`.
    pub on_overhead: f64,
    /// Spans, passes and counters recorded per block.
    pub events_per_block: f64,
    /// Nanoseconds one span costs while the recorder is off.
    pub off_ns_per_span: f64,
    /// That cost times the events of a block, over the block's time.
    pub off_overhead: f64,
}

/// One hot share's best configuration.
#[derive(Clone, Debug, Serialize)]
pub struct HotRow {
    /// The share of transactions paying the hot account.
    pub share: f64,
    /// The best configuration, `backend/mode`.
    pub best: String,
    /// Its transactions per second, root included.
    pub tx_per_sec: f64,
    /// Against the best at the first share measured (the conflict-free
    /// one when it is 0).
    pub vs_first_share: f64,
}

/// What the table does not show.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The workload's name.
    pub workload: String,
    /// Transactions per block.
    pub txs: usize,
    /// Accounts.
    pub accounts: usize,
    /// Threads.
    pub threads: usize,
    /// The best configuration (at the first share), `backend/mode`.
    pub best: String,
    /// Its transactions per second, root included.
    pub best_tx_per_sec: f64,
    /// The peer's transactions per second.
    pub peer_tx_per_sec: f64,
    /// Best over peer.
    pub best_vs_peer: f64,
    /// The peer's seconds: execution, and the commit scaled to the block.
    pub peer_seconds: [f64; 2],
    /// Share of the best block's time per stage.
    pub stage_shares: BTreeMap<String, f64>,
    /// The stage that takes the most of the best block.
    pub bound_by: String,
    /// Per hot share, when more than one was measured.
    pub hot: Vec<HotRow>,
    /// What tracing costs, when measured.
    pub trace_cost: Option<TraceCost>,
    /// What the store costs, when measured.
    pub store: Option<super::block_store::StoreCost>,
    /// The GPU configurations' blocks over the resident table.
    pub device: Vec<DeviceRow>,
}

/// Progress steps of a run.
pub fn steps(o: &Options) -> u64 {
    let shares = o.hot.len().max(1) as u64;
    shares * (1 + (o.backends.len() * (1 + o.modes.len())) as u64)
        + if o.trace_cost { 2 } else { 0 }
        + if o.store.is_some() { 2 + o.ram_budget.is_some() as u64 } else { 0 }
}

fn same(got: &BlockResult, want: &BlockResult, what: &str) -> anyhow::Result<()> {
    ensure!(got.receipts == want.receipts, "{what}: block {}: receipts differ from serial execution", got.number);
    ensure!(got.diff == want.diff, "{what}: block {}: the state diff differs from serial execution", got.number);
    ensure!(got.roots == want.roots, "{what}: block {}: the roots differ from serial execution", got.number);
    Ok(())
}

/// `backend/mode`, how a configuration is named in the table.
pub(crate) fn label(config: &ExecutorConfig) -> String {
    format!("{}/{}", config.backend.name(), config.mode.name())
}

/// What every measurement of one workload shares: the state after the
/// genesis, the blocks, and the serial results they must give.
pub(crate) struct Chain<'a> {
    /// The bench's name (`block.p2p`).
    pub(crate) name: &'a str,
    /// The executor after the genesis; every run forks it.
    pub(crate) base: &'a BlockExecutor,
    /// The blocks each run executes.
    pub(crate) blocks: &'a [Vec<NativeTx>],
    /// Their serial results.
    pub(crate) reference: &'a [BlockResult],
}

impl Chain<'_> {
    /// Runs the blocks on `exec`, each checked against serial execution
    /// (`what` names the run in an error), and hands each block's costs to
    /// `each`.
    pub(crate) fn check_blocks(
        &self,
        exec: &mut BlockExecutor,
        what: &str,
        mut each: impl FnMut(BlockStats),
    ) -> anyhow::Result<()> {
        for (b, want) in self.blocks.iter().zip(self.reference) {
            let got = exec.execute_native(b)?;
            same(&got, want, what)?;
            each(got.stats);
        }
        Ok(())
    }
}

/// Measures every configuration and the peer; see the module documentation.
pub fn run(rep: &mut Reporter, o: &Options) -> anyhow::Result<Summary> {
    let shares = if o.hot.is_empty() { vec![o.spec.hot] } else { o.hot.clone() };
    let mut summary: Option<Summary> = None;
    let mut hot_rows = Vec::new();
    let mut trace_cost = None;
    let mut store_cost = None;
    let mut device_rows = Vec::new();
    for &share in &shares {
        let spec = Spec { hot: share, ..o.spec };
        let name = match (spec.kind, shares.len()) {
            (Kind::Hot, n) if n > 1 || share != 0.3 => format!("block.hot{share}"),
            _ => format!("block.{}", spec.kind.name()),
        };
        rep.step(&format!("{name}: genesis"));
        let mut generator = Generator::new(spec);
        let serial = |backend| ExecutorConfig { backend, mode: Mode::Serial, threads: 1, ..ExecutorConfig::default() };
        let mut base = BlockExecutor::new(serial(Backend::Simd))?;
        base.commit_diff(&generator.genesis(base.config().sequencer))?;
        let blocks: Vec<Vec<NativeTx>> =
            (0..o.blocks.max(1)).map(|i| generator.block(base.next_block() + i as u64)).collect();
        rep.step(&format!("{name}: the serial reference"));
        let mut reference_exec = base.fork(serial(Backend::Simd))?;
        let reference: Vec<BlockResult> =
            blocks.iter().map(|b| reference_exec.execute_native(b)).collect::<Result<_, _>>()?;

        // The peer, on the first block.
        rep.step(&format!("{name}: serial + per-key starknet-crypto peer"));
        let (state, sink) = (base.state(), base.fee_sink());
        let t = Instant::now();
        let prepared: Vec<_> = blocks[0]
            .iter()
            .map(|tx| {
                tx.prepare_with(
                    |f| starknet_crypto::poseidon_hash_many(f),
                    |a| normalize(starknet_crypto::pedersen_hash(&BALANCES_BASE, &a.felt())),
                )
            })
            .collect();
        let out = execute_serial_with_fees(state, &prepared, sink);
        let exec_seconds = t.elapsed().as_secs_f64();
        let diff = out.to_diff(state);
        ensure!(out.receipts == reference[0].receipts && diff == reference[0].diff, "the peer differs from serial");
        let prefix = o.peer_updates.min(diff.storage_updates()).max(1);
        let commit_seconds = per_key_peer(
            base.commitment().expect("the base keeps its tries in memory"),
            state,
            &diff,
            prefix,
            Leaves::PerWrite,
        )? * diff.storage_updates() as f64
            / prefix as f64;
        let peer = Measurement::new(
            &name,
            "serial + per-key starknet-crypto",
            spec.txs as u64,
            1,
            exec_seconds + commit_seconds,
        )
        .scope(&format!("commit scaled from {prefix} writes"));
        rep.push(peer.clone());

        // Every configuration, in rounds.
        let mut configs = Vec::new();
        for &backend in &o.backends {
            for mode in std::iter::once(Mode::Serial).chain(o.modes.iter().copied().filter(|m| *m != Mode::Serial)) {
                configs.push(ExecutorConfig {
                    backend,
                    mode,
                    threads: o.threads,
                    cache_size: o.cache_size,
                    ..ExecutorConfig::default()
                });
            }
        }
        let chain = Chain { name: &name, base: &base, blocks: &blocks, reference: &reference };
        let mut best: Vec<Option<BlockStats>> = vec![None; configs.len()];
        let mut last: Vec<Vec<BlockStats>> = vec![Vec::new(); configs.len()];
        let start = Instant::now();
        let mut rounds = 0;
        while rounds == 0 || start.elapsed() < o.budget {
            for ((config, best), last) in configs.iter().zip(best.iter_mut()).zip(last.iter_mut()) {
                let what = label(config);
                rep.step(&format!("{name}: {what}, round {}", rounds + 1));
                last.clear();
                chain.check_blocks(&mut base.fork(config.clone())?, &what, |stats| {
                    if best.as_ref().is_none_or(|s| stats.seconds.total < s.seconds.total) {
                        *best = Some(stats.clone());
                    }
                    last.push(stats);
                })?;
            }
            rounds += 1;
        }
        if summary.is_none() {
            device_rows = device_rows_of(&configs, &last);
        }
        let mut top: Option<(&ExecutorConfig, BlockStats)> = None;
        for (config, stats) in configs.iter().zip(best) {
            let stats = stats.expect("every configuration ran a round");
            let m = Measurement::new(&name, &label(config), spec.txs as u64, config.threads, stats.seconds.total)
                .against(&peer)
                .scope("root included");
            rep.push(m);
            if top.as_ref().is_none_or(|t| stats.seconds.total < t.1.seconds.total) {
                top = Some((config, stats));
            }
        }
        let (best_config, stats) = top.expect("one configuration at least");
        let what = label(best_config);
        if o.trace_cost && summary.is_none() {
            trace_cost = Some(measure_trace_cost(rep, o, &chain, best_config)?);
        }
        if let (Some(sync), true) = (o.store, summary.is_none()) {
            store_cost = Some(super::block_store::measure(rep, o, &chain, best_config, sync)?);
        }
        let tx_per_sec = spec.txs as f64 / stats.seconds.total;
        let first = hot_rows.first().map_or(tx_per_sec, |r: &HotRow| r.tx_per_sec);
        hot_rows.push(HotRow { share, best: what.clone(), tx_per_sec, vs_first_share: tx_per_sec / first });
        if summary.is_none() {
            let total = stats.seconds.total;
            let stage_shares: BTreeMap<String, f64> =
                stats.seconds.stages().iter().map(|(n, s)| (n.to_string(), s / total)).collect();
            let bound_by = stats
                .seconds
                .stages()
                .iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(n, _)| n.to_string())
                .unwrap_or_default();
            summary = Some(Summary {
                workload: spec.kind.name().to_string(),
                txs: spec.txs,
                accounts: spec.account_count(),
                threads: o.threads,
                best: what,
                best_tx_per_sec: tx_per_sec,
                peer_tx_per_sec: peer.per_sec,
                best_vs_peer: tx_per_sec / peer.per_sec,
                peer_seconds: [exec_seconds, commit_seconds],
                stage_shares,
                bound_by,
                hot: Vec::new(),
                trace_cost: None,
                store: None,
                device: Vec::new(),
            });
        }
    }
    let mut summary = summary.expect("one share at least");
    summary.trace_cost = trace_cost;
    summary.store = store_cost;
    summary.device = device_rows;
    if hot_rows.len() > 1 {
        summary.hot = hot_rows;
    }
    Ok(summary)
}

/// The blocks of the configurations that ran on the GPU over the resident
/// table.
fn device_rows_of(configs: &[ExecutorConfig], last: &[Vec<BlockStats>]) -> Vec<DeviceRow> {
    let mut rows = Vec::new();
    for (config, blocks) in configs.iter().zip(last) {
        for (block, s) in blocks.iter().enumerate() {
            let Some(d) = s.device else { continue };
            rows.push(DeviceRow {
                config: label(config),
                block,
                bytes_up: s.bytes_up,
                bytes_down: s.bytes_down,
                cold_loads: d.cold_loads,
                state_bytes_up: d.cold_bytes,
                hot_hits: d.hot_hits,
                baseline_state_bytes_up: d.baseline_state_bytes(),
                input_bytes_up: d.input_bytes,
                execution_bytes_down: d.receipt_bytes + d.written_bytes,
                kernel_seconds: [
                    Some(d.kernel_seconds).filter(|&k| k > 0.0),
                    s.commit_kernel_seconds[0],
                    s.commit_kernel_seconds[1],
                    s.commit_kernel_seconds[2],
                ],
                total_seconds: s.seconds.total,
            });
        }
    }
    rows
}

/// The best configuration's blocks with the recorder off and on, in
/// alternating rounds until the budget is spent, and a disabled span's cost.
fn measure_trace_cost(
    rep: &mut Reporter,
    o: &Options,
    chain: &Chain<'_>,
    config: &ExecutorConfig,
) -> anyhow::Result<TraceCost> {
    use wavelane_kernels::trace;
    let (name, what) = (chain.name, label(config));
    let (mut off, mut on) = (f64::INFINITY, f64::INFINITY);
    let mut events = 0usize;
    let start = Instant::now();
    let mut rounds = 0;
    while rounds < 2 || start.elapsed() < o.budget {
        for traced in [false, true] {
            rep.step(&format!("{name}: {what}, tracing {}", if traced { "on" } else { "off" }));
            let mut exec = chain.base.fork(config.clone())?;
            if traced {
                trace::start();
            }
            let best = if traced { &mut on } else { &mut off };
            let ran = chain.check_blocks(&mut exec, &what, |stats| *best = best.min(stats.seconds.total));
            if traced {
                events = trace::finish().events.len() / chain.blocks.len().max(1);
            }
            ran?;
        }
        rounds += 1;
    }
    let n = 10_000_000u32;
    let t = Instant::now();
    for i in 0..n {
        let span = trace::span(std::hint::black_box(if i & 1 == 0 { "a" } else { "b" }));
        drop(std::hint::black_box(span));
    }
    let off_ns_per_span = t.elapsed().as_secs_f64() * 1e9 / f64::from(n);
    let txs = chain.blocks[0].len() as u64;
    let off_row = Measurement::new(name, &format!("{what} tracing off"), txs, config.threads, off);
    rep.push(off_row.clone());
    rep.push(Measurement::new(name, &format!("{what} tracing on"), txs, config.threads, on).against(&off_row));
    let off_cost = off_ns_per_span * 1e-9 * events as f64;
    Ok(TraceCost {
        off_seconds: off,
        on_seconds: on,
        on_overhead: on / off - 1.0,
        events_per_block: events as f64,
        off_ns_per_span,
        off_overhead: off_cost / off,
    })
}
