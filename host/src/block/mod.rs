//! The block executor: a block in; its receipts, its state diff and the
//! Starknet state root out, on every backend and scheduling mode.
//!
//! [`BlockExecutor::execute`] runs the stages of one block:
//!
//! 1. **prepare** (native blocks): every transaction hash and balance key
//!    hashed in two batches on the configured backend;
//! 2. **schedule**: the declared sets and the waves (declared modes);
//! 3. **execute**: the [`Mode`]'s scheduler on the executor's thread pool,
//!    with the fee credit deferred (`fees.rs`);
//! 4. **diff**: the keys whose value changed, as a [`StateDiff`];
//! 5. **commit**: the storage forest, the contract leaves and trie and the
//!    class trie ([`crate::state::StateCommitment`]), then the diff applied
//!    to the state. Each block starts from the previous one's post-state.
//!
//! Nothing changes when a block is refused: the state and the tries are
//! written only once the block has executed and its diff is checked.
//!
//! * `executor.rs`: [`BlockExecutor`] and its configuration.
//! * `fees.rs`: the fee credit that does not serialize the block.

mod executor;
mod fees;
#[cfg(feature = "gpu")]
mod gpu;
mod tries;

pub use executor::{BlockExecutor, ExecutorConfig, ENTRY_BYTES, MAINNET_SEQUENCER};

use crate::exec::Receipt;
use crate::schedule::ScheduleError;
use crate::state::{CommitError, Roots, StateDiff, RESIDENT_ENTRY_BYTES};
use starknet_types_core::felt::Felt;
use std::fmt;
use std::str::FromStr;
use wavelane_kernels::backend::Backend;
use wavelane_kernels::hash::HashError;

/// How a block's transactions are scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// One at a time in block order: the reference.
    Serial,
    /// Declared waves, each in parallel (`schedule::waves`).
    Waves,
    /// The declared dependency graph (`schedule::dag`).
    Dag,
    /// Block-STM, no declared sets needed (`schedule::blockstm`).
    BlockStm,
    /// Optimistic waves on the CPU wave backend (`schedule::optimistic`).
    Optimistic,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 5] = [Mode::Serial, Mode::Waves, Mode::Dag, Mode::BlockStm, Mode::Optimistic];

    /// The name used on the command line and in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Serial => "serial",
            Mode::Waves => "waves",
            Mode::Dag => "dag",
            Mode::BlockStm => "block-stm",
            Mode::Optimistic => "optimistic",
        }
    }

    /// Whether the mode needs every transaction's declared set.
    pub fn needs_declared(self) -> bool {
        matches!(self, Mode::Waves | Mode::Dag)
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        Mode::ALL
            .into_iter()
            .find(|m| m.name() == s)
            .ok_or_else(|| format!("unknown mode {s:?} (expected one of: serial, waves, dag, block-stm, optimistic)"))
    }
}

/// Wall-clock seconds per stage of one block.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StageSeconds {
    /// Transaction hashes and balance keys, batched (native blocks).
    pub prepare: f64,
    /// Declared sets and waves.
    pub schedule: f64,
    /// The scheduler's execution, fee credit included.
    pub execute: f64,
    /// The state diff.
    pub diff: f64,
    /// The storage forest's commit.
    pub storage: f64,
    /// The contract leaves.
    pub leaves: f64,
    /// The contract trie.
    pub contracts: f64,
    /// The class trie.
    pub classes: f64,
    /// Writing the block to the store (when there is one), on a thread of
    /// its own while the tries commit: it adds to the block's time only
    /// where it outlasts the commit.
    pub persist: f64,
    /// Applying the diff to the state.
    pub apply: f64,
    /// The whole block.
    pub total: f64,
}

impl StageSeconds {
    /// The commit's four stages together.
    pub fn commit(&self) -> f64 {
        self.storage + self.leaves + self.contracts + self.classes
    }

    /// `(name, seconds)` of every stage but the total, in order.
    pub fn stages(&self) -> [(&'static str, f64); 10] {
        [
            ("prepare", self.prepare),
            ("schedule", self.schedule),
            ("execute", self.execute),
            ("diff", self.diff),
            ("storage", self.storage),
            ("leaves", self.leaves),
            ("contracts", self.contracts),
            ("classes", self.classes),
            ("persist", self.persist),
            ("apply", self.apply),
        ]
    }
}

/// What one block did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BlockStats {
    /// Transactions in the block.
    pub transactions: usize,
    /// Transactions whose receipt is a failure.
    pub failed: usize,
    /// Seconds per stage.
    pub seconds: StageSeconds,
    /// Executions, re-executions included.
    pub executions: u64,
    /// Validations (Block-STM and optimistic waves).
    pub validations: u64,
    /// Waves (declared or optimistic).
    pub waves: u64,
    /// Transactions that read the sequencer's balance after fees were due
    /// and so split the block (see `fees.rs`).
    pub fee_splits: u64,
    /// Storage cells in the diff.
    pub storage_updates: usize,
    /// Contracts whose commitment leaf changed.
    pub contracts_touched: usize,
    /// The backend the commit ran on (`auto` resolved).
    pub commit_backend: Option<Backend>,
    /// Set when the GPU failed and the commit finished on the CPU: why.
    pub commit_fallback: Option<String>,
    /// Bytes sent to the GPU during the block.
    pub bytes_up: u64,
    /// Bytes read back from the GPU during the block.
    pub bytes_down: u64,
    /// State keys the block touched that were cold in the Cold LRU (when
    /// the executor keeps one: `cache_size`).
    pub cold_loads: u64,
    /// Their bytes.
    pub cold_bytes: u64,
    /// State keys the block touched that were hot.
    pub hot_hits: u64,
    /// What the block moved and ran on the GPU, when it ran there (the
    /// `gpu` backend in the `waves` and `optimistic` modes).
    pub device: Option<DeviceStats>,
    /// What the store's RAM tier read and kept, when the executor has one
    /// ([`ExecutorConfig::ram_budget`]).
    pub ram: Option<crate::state::TierStats>,
    /// Set when the block was to run on the GPU but ran on the CPU: why.
    pub exec_fallback: Option<String>,
    /// Kernel-only seconds of the commit on the GPU (timestamp queries),
    /// per trie stage: the storage forest, the contract trie, the class
    /// trie (`None`: not on the GPU, or no timestamps).
    pub commit_kernel_seconds: [Option<f64>; 3],
}

/// What one block moved and ran on the device.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DeviceStats {
    /// Keys the block touched that were not resident: loaded.
    pub cold_loads: u64,
    /// Their bytes (`RESIDENT_ENTRY_BYTES` each).
    pub cold_bytes: u64,
    /// Keys the block touched that were resident.
    pub hot_hits: u64,
    /// Keys evicted after the block.
    pub evictions: u64,
    /// Bytes of jobs uploaded (the transactions' inputs).
    pub input_bytes: u64,
    /// Bytes of receipts downloaded.
    pub receipt_bytes: u64,
    /// Bytes of written entries downloaded (the diff's values).
    pub written_bytes: u64,
    /// Distinct keys the block touched: what a device without residency
    /// uploads every block (`RESIDENT_ENTRY_BYTES` each).
    pub touched: u64,
    /// Transactions that ran on the CPU inside a GPU wave.
    pub cpu_transactions: u64,
    /// Kernel-only seconds of the block's job dispatches (timestamp
    /// queries; 0 without them).
    pub kernel_seconds: f64,
    /// Resident keys after the block.
    pub resident: u64,
    /// Storage leaves the commit read from the table instead of uploading
    /// them (32 bytes each saved).
    pub leaves_from_table: u64,
}

impl DeviceStats {
    /// Bytes a device without residency would upload for the block's
    /// state: every touched key, every block.
    pub fn baseline_state_bytes(&self) -> u64 {
        self.touched * RESIDENT_ENTRY_BYTES
    }
}

/// A block executed and committed.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockResult {
    /// The block's number.
    pub number: u64,
    /// One receipt per transaction, in block order.
    pub receipts: Vec<Receipt>,
    /// The block's state diff.
    pub diff: StateDiff,
    /// The global root before the block.
    pub old_root: Felt,
    /// The roots after it.
    pub roots: Roots,
    /// What it cost.
    pub stats: BlockStats,
}

impl BlockResult {
    /// The global root after the block.
    pub fn new_root(&self) -> Felt {
        self.roots.global
    }
}

/// Why a block was refused (the state is unchanged).
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The scheduler refused the block (a declared set did not hold, or a
    /// declared mode met a transaction without one).
    #[error("block {block}: {source}")]
    Schedule {
        /// The block's number.
        block: u64,
        /// What the scheduler found.
        source: ScheduleError,
    },
    /// The block exceeds the compute limit.
    #[error("block {block}: {compute} compute units exceed the limit of {limit}")]
    OverLimit {
        /// The block's number.
        block: u64,
        /// The block's compute units.
        compute: u64,
        /// The limit.
        limit: u64,
    },
    /// Preparing the block's hashes failed on every backend.
    #[error("block {block}: hashing the transactions: {source}")]
    Hash {
        /// The block's number.
        block: u64,
        /// The hashing error.
        source: HashError,
    },
    /// The commit refused the diff.
    #[error("block {block}: commit: {source}")]
    Commit {
        /// The block's number.
        block: u64,
        /// The commit's error.
        source: CommitError,
    },
    /// The store failed, or holds a state whose rebuilt root is not the
    /// one it recorded. After a failed write the executor refuses further
    /// blocks (its tries are ahead of the store).
    #[error("block {block}: store: {message}")]
    Store {
        /// The block's number.
        block: u64,
        /// What failed.
        message: String,
    },
    /// The thread pool could not be built.
    #[error("thread pool of {threads} threads: {message}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why it failed.
        message: String,
    },
}
