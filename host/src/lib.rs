//! wavelane-host: scheduling, execution and state.
//!
//! * [`block`]: the block executor ([`block::BlockExecutor`]): a block in,
//!   receipts, the state diff and the state root out, on every mode.
//! * [`exec`]: the pluggable transaction interface ([`exec::Transaction`],
//!   [`exec::StateView`]), the native transfer and swap programs and the
//!   serial executor every other mode is checked against.
//! * [`schedule`]: what can run side by side — declared-set waves, block
//!   building (priority, compute limits, `LOAD_LIMIT`), Block-STM on CPU
//!   threads and optimistic waves for batch backends.
//! * [`state`]: Starknet's state model, diffs, the commitment, the Cold LRU.
//! * `store` (feature `store`): the state on disk in redb, one atomic
//!   write per block.

pub mod block;
pub mod exec;
pub mod schedule;
pub mod state;
#[cfg(feature = "store")]
pub mod store;

pub use starknet_types_core::felt::Felt;
