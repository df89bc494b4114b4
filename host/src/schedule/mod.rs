//! Scheduling: deciding what can run side by side, with the serial result.
//!
//! Five ways to execute a block, all equal to [`crate::exec::execute_serial`]
//! (same receipts, same final state) for every thread count:
//!
//! * **Declared waves** (`waves.rs`). When every transaction declares the
//!   keys it reads and writes, each goes into the earliest wave after
//!   every earlier transaction it conflicts with. An index of each key's
//!   last writer and readers since makes this one linear pass. Waves run in
//!   order, each in parallel: the batch backends' plan (the GPU).
//! * **Declared dependency graph** (`dag.rs`), the CPU's way with declared
//!   sets: the same index gives each transaction its conflicting
//!   predecessors, and it starts as soon as they have finished, with no
//!   barrier between waves.
//! * **Block building** (`builder.rs`). A leader orders its pool by priority
//!   fee per compute unit and fills a block under three watermarks: the block
//!   compute limit, a per-key write compute limit, and `LOAD_LIMIT` on
//!   cold bytes (once spent, transactions touching only hot keys still
//!   fit). Every left-out transaction gets its reason.
//! * **Block-STM** (`blockstm/`), for transactions without declared sets, on
//!   CPU threads. Transactions execute optimistically against a
//!   multi-version memory (`blockstm/mvmemory.rs`) holding, per key, the
//!   value written by each transaction's latest *incarnation*. A read by
//!   transaction `j` sees the highest writer below `j`, or storage; the read
//!   set records which version was seen. Validation re-reads the set: a
//!   different version means the incarnation is aborted, its writes turn
//!   into ESTIMATE markers, and it runs again as incarnation `k + 1`. A
//!   reader that meets an ESTIMATE stops at once and is parked on that
//!   transaction's dependency list until it finishes (no wasted work on a
//!   value known to be stale). The collaborative scheduler
//!   (`blockstm/scheduler.rs`) hands out execution and validation tasks from
//!   two shared indices. Re-validation is selective: the multi-version
//!   memory keeps, per key, the transactions that read it, and when a
//!   transaction's writes change (a key written for the first time, or
//!   writes turned into ESTIMATEs by an abort) only the readers of those
//!   keys after it, up to the next writer, are validated again, besides
//!   each transaction once after each of its executions; only a transaction
//!   whose read set no longer validates runs again. The worker loop is in
//!   `blockstm/executor.rs`; at the end the same workers take the block
//!   result (each key's last entry) from the multi-version memory in
//!   parallel. Large blocks run as consecutive segments so memory stays
//!   bounded.
//! * **Optimistic waves** (`optimistic.rs`), for batch backends (the GPU).
//!   Wave 0 runs every transaction against the pre-block state, recording
//!   what it read. The host validates in block order; a transaction whose
//!   reads differ from the values its predecessors now write is invalid, and
//!   the next wave holds the invalidated transactions and their dependents
//!   (those that read what they write, transitively) whose inputs moved to
//!   values likely to hold, each run on the latest values; the other
//!   dependents wait for their dependency. Repeat until every transaction
//!   is final. The batch is executed through [`optimistic::WaveBackend`].
//!
//! The state of one transaction in Block-STM's scheduler:
//!
//! ```text
//!                    next_task / try_incarnate
//!   READY_TO_EXECUTE(k) ───────────────────────► EXECUTING(k)
//!         ▲                                       │       │
//!         │                       finish_execution│       │ read an ESTIMATE of
//!         │                                       ▼       │ txn b: add_dependency
//!         │ set_ready_status               EXECUTED(k)    │ (parked on b)
//!         │ k ← k + 1                             │       │
//!         │                    validation failed: │       │
//!         │                   try_validation_abort│       │
//!         │                                       ▼       ▼
//!         └──────────────────────────────────── ABORTING(k)
//!            finish_validation (after an abort), or b's
//!            finish_execution resuming its dependents
//! ```

pub mod blockstm;
pub mod builder;
pub mod dag;
pub mod optimistic;
pub mod waves;

use crate::exec::{AccessSet, StateKey, TxOutput};

/// Checks transaction `txn`'s execution against its declared `set`: the
/// first undeclared read its view noted, or else the first write outside
/// the declared writes, is an error (declared waves and the declared graph).
fn check_declared(
    txn: usize,
    set: &AccessSet,
    undeclared_read: Option<StateKey>,
    out: &TxOutput,
) -> Result<(), ScheduleError> {
    match undeclared_read.or_else(|| out.writes.iter().map(|w| w.0).find(|a| !set.writes.contains(a))) {
        Some(key) => Err(ScheduleError::Undeclared { txn, key }),
        None => Ok(()),
    }
}

/// Errors of the scheduling modes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// A transaction has no declared access set (declared waves need one).
    #[error("transaction {txn}: no declared read/write set")]
    NotDeclared {
        /// Index in the block.
        txn: usize,
    },
    /// A transaction touched a state key it did not declare.
    #[error("transaction {txn}: touched the undeclared {key}")]
    Undeclared {
        /// Index in the block.
        txn: usize,
        /// The key.
        key: StateKey,
    },
    /// The waves given do not cover the block.
    #[error("transaction {txn}: in no wave")]
    NotScheduled {
        /// Index in the block.
        txn: usize,
    },
}

impl ScheduleError {
    /// The same error with its transaction index moved by `by` (for a
    /// scheduler run on a part of a block that starts at `by`).
    pub fn offset(self, by: usize) -> ScheduleError {
        match self {
            ScheduleError::NotDeclared { txn } => ScheduleError::NotDeclared { txn: txn + by },
            ScheduleError::Undeclared { txn, key } => ScheduleError::Undeclared { txn: txn + by, key },
            ScheduleError::NotScheduled { txn } => ScheduleError::NotScheduled { txn: txn + by },
        }
    }
}
