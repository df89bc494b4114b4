//! `wavelane bench residency`: what crosses to the GPU per block in steady
//! state, with the hot state resident, against a device that uploads every
//! key a block touches.
//!
//! A mempool is fed one generated block of transactions per block; the
//! executor's builder fills each block from it under `LOAD_LIMIT` (the
//! device's cold bytes; transactions left out wait in the mempool) and a
//! compute limit of `txs` transactions; the block runs on the GPU backend
//! with the cache sized to a fraction of the state, after warm-up blocks
//! that load whatever they touch. Every block is checked
//! against serial execution on the CPU (receipts, diff, root) before its
//! figures count. Byte counts are exact on any adapter; times are the
//! adapter's (a software one's are not GPU figures).

use super::Reporter;
use crate::workload::{Generator, Spec};
use anyhow::ensure;
use serde::Serialize;
use std::time::Instant;
use wavelane_host::block::{BlockExecutor, ExecutorConfig, Mode};
use wavelane_host::exec::{NativeTx, Prepared};
use wavelane_host::schedule::builder::{build_block, BlockLimits};
use wavelane_host::state::RESIDENT_ENTRY_BYTES;
use wavelane_kernels::Backend;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The workload.
    pub spec: Spec,
    /// Blocks measured after the warm-up.
    pub blocks: usize,
    /// Blocks run first to fill the cache.
    pub warmup: usize,
    /// The cache as a share of the state's keys (3 per account: its nonce
    /// and the two halves of its STRK balance).
    pub cache_fraction: f64,
    /// `LOAD_LIMIT`: cold bytes a block may upload.
    pub load_limit: u64,
    /// Declared or optimistic waves.
    pub mode: Mode,
    /// Threads of the executor.
    pub threads: usize,
    /// Transactions arriving in the mempool per block, as a multiple of
    /// `txs` (above 1 keeps blocks full while cold transactions wait).
    pub arrivals: f64,
}

/// One block's figures.
#[derive(Clone, Debug, Serialize)]
pub struct BlockRow {
    /// The block's number.
    pub number: u64,
    /// Whether it counts (after the warm-up).
    pub measured: bool,
    /// Transactions in the block.
    pub txs: usize,
    /// Transactions left waiting in the mempool.
    pub waiting: usize,
    /// Cold entries uploaded.
    pub cold_loads: u64,
    /// Their bytes: the state uploaded.
    pub state_bytes_up: u64,
    /// Resident entries the block used.
    pub hot_hits: u64,
    /// Entries evicted after the block.
    pub evictions: u64,
    /// The transactions' inputs uploaded (the jobs), the same with or
    /// without residency.
    pub input_bytes_up: u64,
    /// The baseline's state bytes: every touched key uploaded.
    pub baseline_state_bytes_up: u64,
    /// Receipts downloaded.
    pub receipt_bytes_down: u64,
    /// Written entries downloaded (the diff's values).
    pub written_bytes_down: u64,
    /// Every byte up in the block (the commit's included).
    pub bytes_up: u64,
    /// Every byte down in the block (the commit's included).
    pub bytes_down: u64,
    /// Kernel-only seconds: execution, storage forest, contract trie,
    /// class trie (timestamp queries; `None` without them).
    pub kernel_seconds: [Option<f64>; 4],
    /// Seconds of the execute stage, end to end.
    pub execute_seconds: f64,
    /// Seconds of the commit's stages, end to end.
    pub commit_seconds: f64,
    /// Seconds of the whole block, end to end.
    pub total_seconds: f64,
    /// Entries resident after the block.
    pub resident: u64,
    /// Storage leaves the commit read from the table (not uploaded).
    pub leaves_from_table: u64,
}

/// The steady state.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The workload's name.
    pub workload: String,
    /// The adapter the blocks ran on.
    pub adapter: String,
    /// Accounts.
    pub accounts: usize,
    /// Transactions per block (the compute limit).
    pub txs: usize,
    /// Mean transactions per measured block.
    pub mean_txs: f64,
    /// The mode.
    pub mode: String,
    /// The cache in bytes (`RESIDENT_ENTRY_BYTES` per entry).
    pub cache_bytes: u64,
    /// `LOAD_LIMIT` in bytes.
    pub load_limit: u64,
    /// Blocks measured.
    pub blocks: usize,
    /// Mean state bytes uploaded per measured block.
    pub state_bytes_up: f64,
    /// The most state bytes any measured block uploaded.
    pub max_state_bytes_up: u64,
    /// Mean baseline state bytes per measured block.
    pub baseline_state_bytes_up: f64,
    /// Baseline over residency.
    pub reduction: f64,
    /// Mean input bytes per measured block (the same in both).
    pub input_bytes_up: f64,
    /// Mean bytes down per measured block (receipts and written entries).
    pub execution_bytes_down: f64,
    /// Mean hit rate of the resident table.
    pub hit_rate: f64,
    /// Transactions per second over the measured blocks, root included.
    pub tx_per_sec: f64,
}

/// Progress steps of a run.
pub fn steps(o: &Options) -> u64 {
    (o.warmup + o.blocks) as u64 + 1
}

/// Runs the blocks; returns each block's figures and the steady state.
pub fn run(rep: &mut Reporter, o: &Options) -> anyhow::Result<(Vec<BlockRow>, Summary)> {
    ensure!(o.blocks > 0, "--blocks must be at least 1");
    ensure!(o.cache_fraction > 0.0 && o.cache_fraction.is_finite(), "--cache-fraction must be above 0");
    let spec = o.spec;
    rep.step("genesis");
    let mut g = Generator::new(spec);
    let accounts = spec.account_count();
    let cache_bytes = ((3 * accounts) as f64 * o.cache_fraction) as u64 * RESIDENT_ENTRY_BYTES;
    // One generated block tells the compute units a block of `txs` takes.
    let sample = g.block(1 << 40);
    let per_tx = sample.iter().map(NativeTx::compute_units).sum::<u64>() / sample.len().max(1) as u64;
    let limits = BlockLimits {
        max_compute: per_tx.max(1) * spec.txs as u64,
        max_account_write_compute: u64::MAX,
        load_limit: o.load_limit,
    };
    let mut g = Generator::new(spec);
    let serial =
        ExecutorConfig { backend: Backend::Simd, mode: Mode::Serial, threads: o.threads, ..Default::default() };
    let mut reference = BlockExecutor::new(serial)?;
    reference.commit_diff(&g.genesis(reference.config().sequencer))?;
    let config = ExecutorConfig {
        backend: Backend::Gpu,
        mode: o.mode,
        threads: o.threads,
        limits,
        cache_size: Some(cache_bytes),
        ..Default::default()
    };
    let mut exec = reference.fork(config)?;
    let adapter = wavelane_kernels::gpu::GpuContext::get()
        .map(|c| format!("{} ({:?})", c.info.name, c.info.backend))
        .map_err(|e| anyhow::anyhow!("the GPU backend: {e}"))?;
    let mut mempool: Vec<Prepared> = Vec::new();
    let mut rows = Vec::new();
    for n in 0..o.warmup + o.blocks {
        let number = exec.next_block();
        rep.step(&format!("block {number} ({} waiting)", mempool.len()));
        // `arrivals` blocks' worth of new transactions (the generator's
        // nonces run on; the number only seeds it).
        let new = (o.arrivals * spec.txs as f64).round() as usize;
        let mut arrived: Vec<NativeTx> = Vec::with_capacity(new + spec.txs);
        let mut k = 0;
        while arrived.len() < new {
            arrived.extend(g.block((number << 8) + k));
            k += 1;
        }
        arrived.truncate(new);
        mempool.extend(exec.prepare(&arrived)?);
        // Warm-up blocks load what they touch (a node filling its cache);
        // measured ones are built under LOAD_LIMIT.
        let built = match (n < o.warmup, exec.residency()) {
            (true, Some(r)) => build_block(&mempool, &BlockLimits { load_limit: u64::MAX, ..limits }, r),
            _ => exec.build(&mempool),
        };
        let block: Vec<Prepared> = built.included.iter().map(|&i| mempool[i].clone()).collect();
        let mut left: Vec<usize> = built.excluded.iter().map(|e| e.0).collect();
        left.sort_unstable();
        let t = Instant::now();
        let got = exec.execute(&block)?;
        let seconds = t.elapsed().as_secs_f64();
        let want = reference.execute(&block)?;
        ensure!(got.receipts == want.receipts, "block {number}: receipts differ from serial execution");
        ensure!(got.diff == want.diff, "block {number}: the diff differs from serial execution");
        ensure!(got.roots == want.roots, "block {number}: the roots differ from serial execution");
        let s = &got.stats;
        if let Some(why) = &s.exec_fallback {
            anyhow::bail!("block {number} ran on the CPU: {why}");
        }
        let d = s.device.ok_or_else(|| anyhow::anyhow!("block {number}: no device statistics"))?;
        ensure!(
            n < o.warmup || d.cold_bytes <= o.load_limit,
            "block {number}: {} state bytes over LOAD_LIMIT",
            d.cold_bytes
        );
        mempool = left.into_iter().map(|i| mempool[i].clone()).collect();
        rows.push(BlockRow {
            number,
            measured: n >= o.warmup,
            txs: block.len(),
            waiting: mempool.len(),
            cold_loads: d.cold_loads,
            state_bytes_up: d.cold_bytes,
            hot_hits: d.hot_hits,
            evictions: d.evictions,
            input_bytes_up: d.input_bytes,
            baseline_state_bytes_up: d.baseline_state_bytes(),
            receipt_bytes_down: d.receipt_bytes,
            written_bytes_down: d.written_bytes,
            bytes_up: s.bytes_up,
            bytes_down: s.bytes_down,
            kernel_seconds: [
                Some(d.kernel_seconds).filter(|&k| k > 0.0),
                s.commit_kernel_seconds[0],
                s.commit_kernel_seconds[1],
                s.commit_kernel_seconds[2],
            ],
            execute_seconds: s.seconds.execute,
            commit_seconds: s.seconds.commit(),
            total_seconds: seconds,
            resident: d.resident,
            leaves_from_table: d.leaves_from_table,
        });
        rep.progress_inc();
    }
    let m: Vec<&BlockRow> = rows.iter().filter(|r| r.measured).collect();
    let mean = |f: &dyn Fn(&BlockRow) -> f64| m.iter().map(|r| f(r)).sum::<f64>() / m.len() as f64;
    let state = mean(&|r| r.state_bytes_up as f64);
    let baseline = mean(&|r| r.baseline_state_bytes_up as f64);
    let hits = mean(&|r| r.hot_hits as f64);
    let loads = mean(&|r| r.cold_loads as f64);
    let txs: usize = m.iter().map(|r| r.txs).sum();
    let secs: f64 = m.iter().map(|r| r.total_seconds).sum();
    let summary = Summary {
        workload: spec.kind.name().to_string(),
        adapter,
        accounts,
        txs: spec.txs,
        mean_txs: txs as f64 / m.len() as f64,
        mode: o.mode.name().to_string(),
        cache_bytes,
        load_limit: o.load_limit,
        blocks: m.len(),
        state_bytes_up: state,
        max_state_bytes_up: m.iter().map(|r| r.state_bytes_up).max().unwrap_or(0),
        baseline_state_bytes_up: baseline,
        reduction: if state > 0.0 { baseline / state } else { f64::INFINITY },
        input_bytes_up: mean(&|r| r.input_bytes_up as f64),
        execution_bytes_down: mean(&|r| (r.receipt_bytes_down + r.written_bytes_down) as f64),
        hit_rate: hits / (hits + loads).max(1.0),
        tx_per_sec: txs as f64 / secs,
    };
    Ok((rows, summary))
}
