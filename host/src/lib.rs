//! wavelane-host: scheduling, execution and state.
//!
//! * [`exec`]: the pluggable transaction interface ([`exec::Transaction`],
//!   [`exec::StateView`]), the native transfer and swap programs and the
//!   serial executor every other mode is checked against.
//! * [`schedule`]: what can run side by side — declared-set waves, block
//!   building (priority, compute limits, `LOAD_LIMIT`), Block-STM on CPU
//!   threads and optimistic waves for batch backends.
//! * [`state`]: the in-memory account store and the Cold LRU hotness oracle.

pub mod exec;
pub mod schedule;
pub mod state;

pub use starknet_types_core::felt::Felt;
