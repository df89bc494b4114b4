//! `bench block --store always|never`: the best configuration's blocks
//! with the redb store behind the executor (each block written in one
//! transaction before it is applied) against the same blocks in memory, in
//! alternating rounds; the per-block write latency (p50, p99). With
//! `--ram-budget`, also the store with its RAM tier: the cells read from
//! disk as the blocks need them.

use super::block::{label, Chain, Options};
use super::{Measurement, Reporter};
use serde::Serialize;
use std::time::Instant;
use wavelane_host::block::{BlockExecutor, ExecutorConfig};
use wavelane_host::state::CacheStats;
use wavelane_host::store::{Store, Sync};

/// What the store costs.
#[derive(Clone, Debug, Serialize)]
pub struct StoreCost {
    /// `always` or `never`.
    pub sync: String,
    /// Storage cells changed per block (mean).
    pub cells_per_block: f64,
    /// Per-block write latency, milliseconds: median and 99th percentile.
    pub persist_ms: [f64; 2],
    /// Best block in memory, seconds.
    pub memory_seconds: f64,
    /// Best block with the store, seconds.
    pub store_seconds: f64,
    /// Throughput with the store over throughput in memory.
    pub store_vs_memory: f64,
    /// Mean block in memory and with the store, seconds: with the store,
    /// the blocks that fold its logs included (one in
    /// `store::COMPACT_EVERY`; run at least that many blocks).
    pub mean_seconds: [f64; 2],
    /// Mean throughput with the store over mean throughput in memory.
    pub mean_vs_memory: f64,
    /// Bytes of the database after a round.
    pub bytes_on_disk: u64,
    /// With a RAM tier (`--ram-budget`): what it did.
    pub tier: Option<TierCost>,
}

/// The store with its RAM tier: the same blocks with only the cells and
/// trie nodes the budget holds kept in memory, starting cold after the
/// snapshot import.
#[derive(Clone, Debug, Serialize)]
pub struct TierCost {
    /// The byte budget (a third for cells, the rest for trie nodes).
    pub ram_budget: u64,
    /// Best block, seconds.
    pub seconds: f64,
    /// Throughput with the tier over throughput in memory.
    pub tier_vs_memory: f64,
    /// The storage cells' cache.
    pub cells: CacheMeans,
    /// The trie nodes' pages.
    pub nodes: CacheMeans,
}

/// One cache of the RAM tier over the measured blocks.
#[derive(Clone, Debug, Serialize)]
pub struct CacheMeans {
    /// Per block (mean over the chain's blocks and rounds): reads served
    /// from memory.
    pub hits: f64,
    /// Per block: cells or nodes read from disk.
    pub misses: f64,
    /// Per block: bytes read.
    pub bytes_read: f64,
    /// Per block: evicted.
    pub evicted: f64,
    /// The last block's misses (the warmest).
    pub last_misses: u64,
    /// Bytes held after the last block.
    pub bytes: u64,
}

impl CacheMeans {
    fn of(blocks: &[CacheStats]) -> CacheMeans {
        let n = blocks.len().max(1) as f64;
        let mean = |f: &dyn Fn(&CacheStats) -> u64| blocks.iter().map(f).sum::<u64>() as f64 / n;
        let last = blocks.last().copied().unwrap_or_default();
        CacheMeans {
            hits: mean(&|t| t.hits),
            misses: mean(&|t| t.misses),
            bytes_read: mean(&|t| t.bytes_read),
            evicted: mean(&|t| t.evicted),
            last_misses: last.misses,
            bytes: last.bytes,
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Measures `config` on the chain's blocks with and without a store (`sync`).
pub(crate) fn measure(
    rep: &mut Reporter,
    o: &Options,
    chain: &Chain<'_>,
    config: &ExecutorConfig,
    sync: Sync,
) -> anyhow::Result<StoreCost> {
    let (name, what, base) = (chain.name, label(config), chain.base);
    let sync_name = if sync == Sync::Always { "always" } else { "never" };
    let dir = std::env::temp_dir().join(format!("wavelane-bench-store-{}", std::process::id()));
    let (mut memory, mut stored) = (f64::INFINITY, f64::INFINITY);
    let mut persist = Vec::new();
    let mut cells = 0usize;
    let mut bytes_on_disk = 0;
    let mut tiered = f64::INFINITY;
    let mut means: [Vec<f64>; 2] = [Vec::new(), Vec::new()];
    let mut tier_blocks = Vec::new();
    let start = Instant::now();
    let mut rounds = 0;
    while rounds < 1 || start.elapsed() < o.budget {
        rep.step(&format!("{name}: {what} in memory, round {}", rounds + 1));
        chain.check_blocks(&mut base.fork(config.clone())?, &what, |s| {
            memory = memory.min(s.seconds.total);
            means[0].push(s.seconds.total);
        })?;
        rep.step(&format!("{name}: {what} with the store (sync {sync_name}), round {}", rounds + 1));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Store::open(&dir, sync)?;
        store.import_state(base.next_block() - 1, base.root(), base.state(), None)?;
        let mut exec = BlockExecutor::open(config.clone(), store)?;
        chain.check_blocks(&mut exec, &format!("{what} with the store"), |s| {
            stored = stored.min(s.seconds.total);
            means[1].push(s.seconds.total);
            persist.push(s.seconds.persist * 1e3);
            cells += s.storage_updates;
        })?;
        drop(exec);
        bytes_on_disk = std::fs::metadata(dir.join(wavelane_host::store::FILE)).map_or(0, |m| m.len());
        if let Some(budget) = o.ram_budget {
            rep.step(&format!("{name}: {what} with the store and a {budget}-byte RAM tier, round {}", rounds + 1));
            let _ = std::fs::remove_dir_all(&dir);
            let store = Store::open_with_cache(&dir, sync, wavelane_host::store::tier_page_cache(budget))?;
            store.import_state(base.next_block() - 1, base.root(), base.state(), None)?;
            let config = ExecutorConfig { ram_budget: Some(budget), ..config.clone() };
            let mut exec = BlockExecutor::open(config, store)?;
            chain.check_blocks(&mut exec, &format!("{what} with the RAM tier"), |s| {
                tiered = tiered.min(s.seconds.total);
                tier_blocks.push(s.ram.unwrap_or_default());
            })?;
        }
        rounds += 1;
    }
    let _ = std::fs::remove_dir_all(&dir);
    persist.sort_by(f64::total_cmp);
    let txs = chain.blocks[0].len() as u64;
    let mem_row = Measurement::new(name, &format!("{what} in memory"), txs, config.threads, memory);
    rep.push(mem_row.clone());
    let row = Measurement::new(name, &format!("{what} + redb (sync {sync_name})"), txs, config.threads, stored);
    rep.push(row.against(&mem_row));
    let tier = o.ram_budget.map(|ram_budget| {
        let row =
            Measurement::new(name, &format!("{what} + redb + {ram_budget} B RAM tier"), txs, config.threads, tiered);
        rep.push(row.against(&mem_row));
        let cells: Vec<CacheStats> = tier_blocks.iter().map(|t| t.cells).collect();
        let nodes: Vec<CacheStats> = tier_blocks.iter().map(|t| t.nodes).collect();
        TierCost {
            ram_budget,
            seconds: tiered,
            tier_vs_memory: memory / tiered,
            cells: CacheMeans::of(&cells),
            nodes: CacheMeans::of(&nodes),
        }
    });
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    let mean_seconds = [mean(&means[0]), mean(&means[1])];
    Ok(StoreCost {
        tier,
        mean_seconds,
        mean_vs_memory: mean_seconds[0] / mean_seconds[1],
        sync: sync_name.into(),
        cells_per_block: cells as f64 / persist.len().max(1) as f64,
        persist_ms: [percentile(&persist, 0.5), percentile(&persist, 0.99)],
        memory_seconds: memory,
        store_seconds: stored,
        store_vs_memory: memory / stored,
        bytes_on_disk,
    })
}
