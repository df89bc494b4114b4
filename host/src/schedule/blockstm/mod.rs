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

/// A value on cache lines of its own: two lines, as the adjacent-line
/// prefetcher fetches pairs. Writes to it then do not invalidate what sits
/// beside it, and reads of it do not pull in neighbours that other threads
/// write.
#[repr(align(128))]
#[derive(Default)]
struct Padded<T>(T);

impl<T> std::ops::Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// `n` values made by `f`, built on the threads of the current rayon pool:
/// a segment's per-transaction arrays are megabytes, and building them on
/// one thread is time the other workers would spend waiting.
fn par_slice<T: Send>(n: usize, f: impl Fn() -> T + Sync + Send) -> Box<[T]> {
    use rayon::prelude::*;
    (0..n).into_par_iter().with_min_len(1024).map(|_| f()).collect::<Vec<_>>().into_boxed_slice()
}

#[cfg(test)]
mod tests;
