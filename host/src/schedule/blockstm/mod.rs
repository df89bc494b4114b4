//! Block-STM on CPU threads (see `schedule/mod.rs` for the algorithm).
//!
//! * `mvmemory.rs`: the multi-version memory, read sets, ESTIMATE markers.
//! * `scheduler.rs`: the collaborative scheduler and its state machine.
//! * `executor.rs`: the worker loop and the segmenting of large blocks.

mod executor;
mod mvmemory;
mod scheduler;

pub use executor::{execute_block_stm, BlockStmConfig, BlockStmStats};

/// Index of a transaction within a segment.
type TxnIdx = u32;
/// How many times a transaction has been re-executed.
type Incarnation = u32;
/// One execution of one transaction.
type Version = (TxnIdx, Incarnation);

#[cfg(test)]
mod tests;
