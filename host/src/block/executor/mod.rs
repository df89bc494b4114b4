//! [`BlockExecutor`]: the one call a sequencer or validator makes per block.

use super::fees::{execute_with_fees, RunCounters};
use super::tries::Tries;

mod store;
use super::{BlockError, BlockResult, BlockStats, DeviceStats, Mode, StageSeconds};
use crate::exec::{prepare, BlockOutput, FeeSink, NativeTx, Prepared, Transaction, STRK};
use crate::schedule::blockstm::BlockStmConfig;
use crate::schedule::builder::{build_block, AllHot, BlockLimits, BuiltBlock};
use crate::state::CacheStats;
#[cfg(feature = "store")]
use crate::state::TrieChanges;
use crate::state::{
    ColdLru, CommitStats, ContractAddress, MemState, Roots, StarknetVersion, StateCommitment, StateDiff, StateKey,
    StateWriter, TierStats,
};
#[cfg(feature = "gpu")]
use crate::state::{LeafSource, StorageKey};
use starknet_types_core::felt::Felt;
use std::time::Instant;
use wavelane_kernels::backend::Backend;
use wavelane_kernels::gpu::traffic;
use wavelane_kernels::trace;

/// Starknet mainnet's sequencer address, the default fee recipient.
pub const MAINNET_SEQUENCER: ContractAddress = ContractAddress::from_felt_unchecked(Felt::from_hex_unchecked(
    "0x01176a1bd84444c89232ec27754698e5d2e7e1a7f1539f12027f28b23ec9f3d8",
));

/// How a [`BlockExecutor`] runs blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct ExecutorConfig {
    /// Where hashing runs: the batched preparation and the commit
    /// (`auto` picks per batch size).
    pub backend: Backend,
    /// How transactions are scheduled.
    pub mode: Mode,
    /// Worker threads: the executor's own rayon pool, on which execution,
    /// the batched hashing and the commit run.
    pub threads: usize,
    /// The block limits: a block over `max_compute` is refused, and
    /// [`BlockExecutor::build`] fills blocks under all three watermarks.
    pub limits: BlockLimits,
    /// The protocol version, which picks the global-root rule.
    pub version: StarknetVersion,
    /// The sequencer, paid every fee in STRK.
    pub sequencer: ContractAddress,
    /// Block-STM's tuning.
    pub block_stm: BlockStmConfig,
    /// When set, the executor keeps the Cold LRU of the state keys blocks
    /// touch, with this many bytes hot, and reports each block's cold loads
    /// and hot hits: what would cross to the GPU with residency, or come
    /// from disk with a store.
    pub cache_size: Option<u64>,
    /// With a store ([`BlockExecutor::open`]): keep storage cells in memory
    /// between blocks up to this many bytes (the RAM tier,
    /// [`crate::store::CellCache`]) and read the others from disk when a
    /// block needs them, instead of loading the whole state. Contract
    /// records and classes stay in memory. `None`: the whole state in
    /// memory.
    pub ram_budget: Option<u64>,
}

/// The storage state key of a (contract, key) pair of felts from a trie.
#[cfg(feature = "gpu")]
fn storage_key(address: &Felt, key: &Felt) -> StateKey {
    StateKey::Storage(ContractAddress::from_felt_unchecked(*address), StorageKey::from_felt_unchecked(*key))
}

/// Bytes one state entry stands for in the Cold LRU: its contract address,
/// its key and its value.
pub const ENTRY_BYTES: u64 = 96;

impl Default for ExecutorConfig {
    fn default() -> ExecutorConfig {
        ExecutorConfig {
            backend: Backend::Auto,
            mode: Mode::BlockStm,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            limits: BlockLimits { max_compute: u64::MAX, max_account_write_compute: u64::MAX, load_limit: u64::MAX },
            version: StarknetVersion::V0_14_0,
            sequencer: MAINNET_SEQUENCER,
            block_stm: BlockStmConfig::default(),
            cache_size: None,
            ram_budget: None,
        }
    }
}

/// Executes blocks one after another on an in-memory state and its
/// commitment; each block starts from the previous one's post-state.
pub struct BlockExecutor {
    config: ExecutorConfig,
    pool: rayon::ThreadPool,
    state: MemState,
    tries: Tries,
    sink: FeeSink,
    next_block: u64,
    root: Felt,
    cold: Option<ColdLru>,
    #[cfg(feature = "store")]
    store: Option<crate::store::Store>,
    /// The RAM tier's cells (with a store and a `ram_budget`): `state`
    /// then holds only the contract records and classes.
    #[cfg(feature = "store")]
    cells: Option<crate::store::CellCache>,
    /// Set when a store write failed: the tries are ahead of the store.
    poisoned: Option<String>,
    /// The device-resident state (the `gpu` backend in the waves and
    /// optimistic modes), made on the first block that runs there.
    #[cfg(feature = "gpu")]
    device: Option<super::gpu::Device>,
    /// Why the device could not be made, once it failed.
    #[cfg(feature = "gpu")]
    device_failed: Option<String>,
}

/// A block's run: its output, the counters, and the device's statistics
/// and touched keys when it ran on the GPU.
type Run = (BlockOutput, RunCounters, Option<(DeviceStats, Vec<StateKey>)>);

/// A block's commit and write: the roots, the commit's statistics, the
/// write's seconds, the trie nodes' tier (paged tries), and whether the
/// write folded the state tables' log.
struct Persisted {
    roots: Roots,
    stats: CommitStats,
    seconds: f64,
    nodes: Option<CacheStats>,
    folded_cells: bool,
}

/// What a block read from disk through the RAM tier, for the cache.
#[cfg(feature = "store")]
type Faults = Option<crate::store::Faults>;
#[cfg(not(feature = "store"))]
type Faults = Option<()>;

impl BlockExecutor {
    /// An executor over the empty state; the first block is number 0.
    pub fn new(config: ExecutorConfig) -> Result<BlockExecutor, BlockError> {
        let threads = config.threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("wavelane-exec-{i}"))
            .build()
            .map_err(|e| BlockError::Threads { threads, message: e.to_string() })?;
        let sink = FeeSink::new(STRK, config.sequencer);
        let cold = config.cache_size.map(ColdLru::new);
        let mut exec = BlockExecutor {
            config,
            pool,
            state: MemState::new(),
            tries: Tries::Mem(StateCommitment::new()),
            sink,
            next_block: 0,
            root: Felt::ZERO,
            cold,
            #[cfg(feature = "store")]
            store: None,
            #[cfg(feature = "store")]
            cells: None,
            poisoned: None,
            #[cfg(feature = "gpu")]
            device: None,
            #[cfg(feature = "gpu")]
            device_failed: None,
        };
        exec.start_device();
        Ok(exec)
    }

    /// Whether blocks are to run on the GPU over the resident table (the
    /// `gpu` backend in the waves and optimistic modes).
    #[cfg(feature = "gpu")]
    fn runs_on_device(&self) -> bool {
        self.config.backend == Backend::Gpu && matches!(self.config.mode, Mode::Waves | Mode::Optimistic)
    }

    /// Makes the device table when blocks are to run on the GPU (the `gpu`
    /// backend in the waves and optimistic modes), so that the block
    /// builder sees its residency from the first block.
    fn start_device(&mut self) {
        #[cfg(feature = "gpu")]
        if self.runs_on_device() && self.device.is_none() && self.device_failed.is_none() {
            match super::gpu::Device::new(self.config.cache_size.unwrap_or(u64::MAX)) {
                Ok(d) => self.device = Some(d),
                Err(e) => self.device_failed = Some(e.to_string()),
            }
        }
    }

    /// Commits `diff` to the tries and, when there is a store, writes the
    /// block to it on a thread of its own at the same time (the root joins
    /// the write transaction when the tries have it). Returns the roots,
    /// the commit's statistics and the write's seconds. A failed write
    /// poisons the executor: its tries are then ahead of the store.
    ///
    /// With `from_table` (the block ran on the device), the storage leaves
    /// of resident cells are read from the device table, where execution
    /// left their new values, instead of being uploaded.
    fn commit_and_persist(&mut self, number: u64, diff: &StateDiff, from_table: bool) -> Result<Persisted, BlockError> {
        #[cfg(feature = "store")]
        let fold_cells = self.cells.as_ref().is_some_and(|c| c.wants_fold(diff));
        let (pool, tries, state, config) = (&self.pool, &mut self.tries, &self.state, &self.config);
        #[cfg(feature = "gpu")]
        let device = self.device.as_ref().filter(|_| from_table);
        #[cfg(not(feature = "gpu"))]
        let _ = from_table;
        let commit = |tries: &mut Tries| {
            #[cfg(feature = "gpu")]
            if let Some(dev) = device {
                let slot = |a: &Felt, k: &Felt| dev.residency.slot(&storage_key(a, k));
                let source = LeafSource { buffer: dev.table_buffer(), slot: &slot };
                return pool
                    .install(|| tries.commit(config.backend, state, diff, config.version, Some(&source)))
                    .map_err(|source| BlockError::Commit { block: number, source });
            }
            pool.install(|| tries.commit(config.backend, state, diff, config.version, None))
                .map_err(|source| BlockError::Commit { block: number, source })
        };
        #[cfg(feature = "store")]
        if let Some(store) = &self.store {
            let (tx, rx) = std::sync::mpsc::channel();
            let result = std::thread::scope(|s| {
                let writer = s.spawn(move || {
                    let _span = trace::span("persist");
                    let t = Instant::now();
                    store
                        .commit_block_when(
                            number,
                            diff,
                            diff,
                            Some(crate::store::Log { pre: state, fold: fold_cells }),
                            || rx.recv().ok().flatten(),
                        )
                        .map(|done| (done, t.elapsed().as_secs_f64()))
                });
                let result = commit(tries);
                // The root and the nodes the commit changed, or nothing (the
                // writer then drops its transaction).
                let done = result.as_ref().ok().map(|(roots, _)| roots.global);
                let changes = done.map(|_| TrieChanges { fold: tries.wants_fold(), ..tries.take_changes([diff]) });
                let folds = changes.as_ref().is_some_and(|c| crate::store::Store::folds(number, c));
                let _ = tx.send(done.map(|root| (root, changes)));
                (result, writer.join().expect("the store writer does not panic"), folds)
            });
            let (result, written, folds) = (result.0, result.1, result.2);
            let (roots, stats) = result?;
            return match written {
                Ok((_, seconds)) => Ok(Persisted {
                    roots,
                    stats,
                    seconds,
                    nodes: self.tries.settle(folds),
                    folded_cells: crate::store::folds_cells(number, diff, fold_cells),
                }),
                Err(e) => {
                    let message = e.to_string();
                    self.poisoned = Some(message.clone());
                    Err(BlockError::Store { block: number, message })
                }
            };
        }
        let (roots, stats) = commit(tries)?;
        Ok(Persisted { roots, stats, seconds: 0.0, nodes: None, folded_cells: true })
    }

    fn check_poisoned(&self) -> Result<(), BlockError> {
        match &self.poisoned {
            Some(why) => Err(BlockError::Store {
                block: self.next_block,
                message: format!("an earlier write failed ({why}); reopen the store"),
            }),
            None => Ok(()),
        }
    }

    /// Runs the block on the device when the configuration asks for it
    /// (the `gpu` backend, declared or optimistic waves); `None` to run it
    /// on the CPU, with the reason in `fallback` when the device failed.
    #[cfg(feature = "gpu")]
    fn run_on_device<T: Transaction>(
        &mut self,
        block: &[T],
        number: u64,
        fallback: &mut Option<String>,
    ) -> Result<Option<Run>, BlockError> {
        use super::gpu::{run_declared, run_optimistic, DeviceError};
        let mode = self.config.mode;
        if !self.runs_on_device() {
            return Ok(None);
        }
        self.start_device();
        let Some(dev) = self.device.as_mut() else {
            *fallback = self.device_failed.clone();
            return Ok(None);
        };
        let (state, sink) = (&self.state, &self.sink);
        let result = self.pool.install(|| match mode {
            Mode::Waves => run_declared(dev, state, block, sink),
            _ => run_optimistic(dev, state, block, sink),
        });
        match result {
            Ok((out, counters, stats, touches)) => Ok(Some((out, counters, Some((stats, touches))))),
            Err(DeviceError::Schedule(source)) => Err(BlockError::Schedule { block: number, source }),
            Err(DeviceError::Gpu(e)) => {
                // The table's contents are unknown now: start over cold.
                self.device = None;
                *fallback = Some(e.to_string());
                Ok(None)
            }
            Err(DeviceError::Unsupported(why)) => {
                self.device = None;
                *fallback = Some(why);
                Ok(None)
            }
        }
    }

    #[cfg(not(feature = "gpu"))]
    fn run_on_device<T: Transaction>(
        &mut self,
        _block: &[T],
        _number: u64,
        fallback: &mut Option<String>,
    ) -> Result<Option<Run>, BlockError> {
        if self.config.backend == Backend::Gpu {
            *fallback = Some("built without the `gpu` feature".into());
        }
        Ok(None)
    }

    /// After a block on the device: the LRU touched, cold keys evicted and
    /// hot ones loaded (a failure drops the device).
    #[cfg(feature = "gpu")]
    fn settle_device(&mut self, touches: &[StateKey], stats: &mut DeviceStats, fallback: &mut Option<String>) {
        if let Some(dev) = self.device.as_mut() {
            let _s = trace::span("gpu.settle");
            if let Err(e) = dev.settle(touches, &self.state, stats) {
                self.device = None;
                *fallback = Some(format!("after the block: {e}"));
            }
        }
    }

    #[cfg(not(feature = "gpu"))]
    fn settle_device(&mut self, _: &[StateKey], _: &mut DeviceStats, _: &mut Option<String>) {}

    /// Checks the device-resident table against the state: every resident
    /// value equal to the state's and the resident set equal to the Cold
    /// LRU's hot set. Returns the resident keys; `Ok(0)` without a device.
    /// Reads the whole table back: for tests and tools, not for every block.
    pub fn check_residency(&self) -> Result<usize, String> {
        #[cfg(feature = "gpu")]
        if let Some(dev) = &self.device {
            return dev.check(&self.state);
        }
        Ok(0)
    }

    /// The device's residency index (keys, slots, the LRU), when blocks run
    /// on the GPU.
    #[cfg(feature = "gpu")]
    pub fn residency(&self) -> Option<&crate::state::Residency> {
        self.device.as_ref().map(|d| &d.residency)
    }

    /// A new executor under `config` that starts where this one is: the
    /// same state, tries, root and next block number (the chain forks).
    pub fn fork(&self, config: ExecutorConfig) -> Result<BlockExecutor, BlockError> {
        if self.tiered() {
            let message = "a fork needs the whole state in memory; this executor keeps its cells in a RAM tier".into();
            return Err(BlockError::Store { block: self.next_block, message });
        }
        let mut fork = BlockExecutor::new(config)?;
        fork.state = self.state.clone();
        fork.tries = self.tries.clone();
        fork.next_block = self.next_block;
        fork.root = self.root;
        if fork.cold.is_some() && fork.config.cache_size == self.config.cache_size {
            fork.cold = self.cold.clone();
        }
        Ok(fork)
    }

    /// The configuration.
    pub fn config(&self) -> &ExecutorConfig {
        &self.config
    }

    /// Whether storage cells live in the store's RAM tier
    /// ([`ExecutorConfig::ram_budget`]).
    pub fn tiered(&self) -> bool {
        #[cfg(feature = "store")]
        return self.cells.is_some();
        #[cfg(not(feature = "store"))]
        false
    }

    /// The RAM tier's cells, when the executor keeps them there.
    #[cfg(feature = "store")]
    pub fn cells(&self) -> Option<&crate::store::CellCache> {
        self.cells.as_ref()
    }

    /// The state after the last block; with a RAM tier
    /// ([`BlockExecutor::tiered`]) only its contract records and classes.
    pub fn state(&self) -> &MemState {
        &self.state
    }

    /// The tries after the last block (proofs, roots).
    pub fn commitment(&self) -> Option<&StateCommitment> {
        match &self.tries {
            Tries::Mem(c) => Some(c),
            Tries::Paged(..) => None,
        }
    }

    /// The global root after the last block (0 before the first).
    pub fn root(&self) -> Felt {
        self.root
    }

    /// The number the next block gets.
    pub fn next_block(&self) -> u64 {
        self.next_block
    }

    /// Where the fees go.
    pub fn fee_sink(&self) -> &FeeSink {
        &self.sink
    }

    /// Commits a diff made elsewhere (a genesis, or the block of a sequencer
    /// with its own executor) as the next block: the tries, the root, then
    /// the state. Nothing changes if the commit refuses it.
    pub fn commit_diff(&mut self, diff: &StateDiff) -> Result<(Roots, CommitStats), BlockError> {
        let block = self.next_block;
        self.check_poisoned()?;
        let mut span = trace::span("block.commit_diff");
        span.arg("number", block as f64);
        let p = self.commit_and_persist(block, diff, false)?;
        let (roots, stats) = (p.roots, p.stats);
        self.apply(diff, Faults::default(), p.folded_cells);
        self.root = roots.global;
        self.next_block += 1;
        Ok((roots, stats))
    }

    /// Prepares native transactions: hashes and balance keys in batches.
    pub fn prepare(&self, block: &[NativeTx]) -> Result<Vec<Prepared>, BlockError> {
        self.pool
            .install(|| prepare(self.config.backend, block))
            .map_err(|source| BlockError::Hash { block: self.next_block, source })
    }

    /// Fills a block from `pool` under the configured limits (priority
    /// order, each sender's nonces in order).
    pub fn build(&self, pool: &[Prepared]) -> BuiltBlock {
        let _s = trace::span("build");
        #[cfg(feature = "gpu")]
        if let Some(dev) = &self.device {
            return build_block(pool, &self.config.limits, &dev.residency);
        }
        match &self.cold {
            Some(cold) => build_block(pool, &self.config.limits, cold),
            None => build_block(pool, &self.config.limits, &AllHot),
        }
    }

    /// Prepares and executes a block of native transactions.
    pub fn execute_native(&mut self, block: &[NativeTx]) -> Result<BlockResult, BlockError> {
        // A block is one capture in an attached graphics debugger (with
        // WAVELANE_GPU_CAPTURE=1 on the GPU backend).
        let _capture = (self.config.backend == Backend::Gpu).then(wavelane_kernels::gpu::capture);
        let mut span = trace::span("block");
        span.arg("number", self.next_block as f64);
        span.arg("transactions", block.len() as f64);
        let t = Instant::now();
        let traffic_before = traffic();
        let prepared = {
            let _s = trace::span("prepare");
            self.prepare(block)?
        };
        let prepare_seconds = t.elapsed().as_secs_f64();
        let compute: u64 = block.iter().map(NativeTx::compute_units).sum();
        if compute > self.config.limits.max_compute {
            return Err(BlockError::OverLimit {
                block: self.next_block,
                compute,
                limit: self.config.limits.max_compute,
            });
        }
        let mut result = self.execute(&prepared)?;
        let after = traffic();
        result.stats.seconds.prepare = prepare_seconds;
        result.stats.seconds.total += prepare_seconds;
        result.stats.bytes_up = after.uploaded - traffic_before.uploaded;
        result.stats.bytes_down = after.downloaded - traffic_before.downloaded;
        trace::counter("bytes_up", result.stats.bytes_up as f64);
        trace::counter("bytes_down", result.stats.bytes_down as f64);
        Ok(result)
    }

    /// Executes `block` on top of the current state, commits its diff and
    /// returns its receipts, diff, roots and costs. A refused block changes
    /// nothing.
    pub fn execute<T: Transaction>(&mut self, block: &[T]) -> Result<BlockResult, BlockError> {
        self.check_poisoned()?;
        let number = self.next_block;
        // Inside `execute_native`'s span this nests as the executed part.
        let mut span = trace::span("block.execute");
        span.arg("number", number as f64);
        let start = Instant::now();
        let traffic_before = traffic();
        let mut seconds = StageSeconds::default();

        let mut exec_fallback = None;
        let (output, counters, on_device, diff, faults) = match self.run_tiered(block, number, &mut seconds)? {
            Some((output, counters, diff, faults)) => (output, counters, None, diff, faults),
            None => {
                let t = Instant::now();
                let run = trace::span("execute");
                let (output, counters, on_device) = match self.run_on_device(block, number, &mut exec_fallback)? {
                    Some(run) => run,
                    None => {
                        let (config, state, sink) = (&self.config, &self.state, &self.sink);
                        let (output, counters) = self
                            .pool
                            .install(|| execute_with_fees(config.mode, &config.block_stm, state, block, sink))
                            .map_err(|source| BlockError::Schedule { block: number, source })?;
                        (output, counters, None)
                    }
                };
                drop(run);
                seconds.schedule = counters.schedule;
                seconds.execute = t.elapsed().as_secs_f64() - counters.schedule;
                let t = Instant::now();
                let diff = {
                    let _s = trace::span("diff");
                    output.to_diff(&self.state)
                };
                seconds.diff = t.elapsed().as_secs_f64();
                (output, counters, on_device, diff, Faults::default())
            }
        };

        let p = self.commit_and_persist(number, &diff, on_device.is_some())?;
        let (roots, commit, persist, nodes) = (p.roots, p.stats, p.seconds, p.nodes);
        [seconds.storage, seconds.leaves, seconds.contracts, seconds.classes] = commit.seconds;
        seconds.persist = persist;

        let t = Instant::now();
        let ram = self
            .apply(&diff, faults, p.folded_cells)
            .map(|cells| TierStats { cells, nodes: nodes.unwrap_or_default() });
        seconds.apply = t.elapsed().as_secs_f64();
        seconds.total = start.elapsed().as_secs_f64();

        let (mut cold_loads, mut cold_bytes, mut hot_hits) = (0, 0, 0);
        let device = match on_device {
            Some((mut stats, touches)) => {
                stats.leaves_from_table = commit.storage.from_source as u64;
                self.settle_device(&touches, &mut stats, &mut exec_fallback);
                (cold_loads, cold_bytes, hot_hits) = (stats.cold_loads, stats.cold_bytes, stats.hot_hits);
                trace::counter("cold_loads", cold_loads as f64);
                trace::counter("cold_bytes", cold_bytes as f64);
                Some(stats)
            }
            None => None,
        };
        if let (None, Some(cold)) = (&device, &mut self.cold) {
            let _s = trace::span("cold");
            let mut seen = ahash::AHashSet::new();
            let mut touch = |key: StateKey| {
                if seen.insert(key) {
                    if cold.size(&key) == 0 {
                        cold.set_size(key, ENTRY_BYTES);
                    }
                    match cold.cold_bytes(&key) {
                        0 => hot_hits += 1,
                        b => {
                            cold_loads += 1;
                            cold_bytes += b;
                        }
                    }
                    cold.touch(key);
                }
            };
            // The declared sets in block order; without them, the keys the
            // block wrote are what is known of what it touched.
            match block.iter().map(Transaction::declared).collect::<Option<Vec<_>>>() {
                Some(sets) => {
                    for set in sets {
                        set.writes.into_iter().chain(set.reads).for_each(&mut touch);
                    }
                }
                None => {
                    let mut keys: Vec<StateKey> = output.delta.keys().copied().collect();
                    keys.sort_unstable();
                    keys.into_iter().for_each(&mut touch);
                }
            }
            trace::counter("cold_loads", cold_loads as f64);
            trace::counter("cold_bytes", cold_bytes as f64);
        }
        let after = traffic();
        trace::counter("storage_updates", diff.storage_updates() as f64);
        let failed = output.receipts.iter().filter(|r| r.status.is_err()).count();
        trace::counter("failed", failed as f64);
        let stats = BlockStats {
            transactions: block.len(),
            failed,
            seconds,
            executions: counters.executions,
            validations: counters.validations,
            waves: counters.waves,
            fee_splits: counters.splits,
            storage_updates: diff.storage_updates(),
            contracts_touched: commit.contract_leaves,
            commit_backend: Some(commit.backend),
            commit_fallback: commit.fallback,
            bytes_up: after.uploaded - traffic_before.uploaded,
            bytes_down: after.downloaded - traffic_before.downloaded,
            cold_loads,
            cold_bytes,
            hot_hits,
            device,
            ram,
            exec_fallback,
            commit_kernel_seconds: [
                commit.storage.kernel_seconds,
                commit.contracts.kernel_seconds,
                commit.classes.kernel_seconds,
            ],
        };
        let old_root = std::mem::replace(&mut self.root, roots.global);
        self.next_block += 1;
        Ok(BlockResult { number, receipts: output.receipts, diff, old_root, roots, stats })
    }
}
