//! Block-STM's multi-version memory: per account, the value written by each
//! transaction's latest incarnation (or an ESTIMATE marker after an abort),
//! the transactions that have read the account, plus each transaction's
//! last read set and written locations.
//!
//! The map is sharded by account hash; each shard is a mutex over a map from
//! account to a [`Location`]: a sorted list of versions keyed by transaction
//! index, so a read by `j` is one range lookup for the highest entry below
//! `j`, and the set of transactions that read it.
//!
//! # The reader registry and why no affected reader is missed
//!
//! A transaction must be validated again whenever the entry it sees at an
//! account it read (the highest entry below it) may have changed. Instead of
//! validating every later transaction after such a change, the memory names
//! the ones concerned: every read registers its transaction in the
//! account's reader set, and every change that needs it returns the
//! registered readers it affects, which the scheduler then sends to
//! validation.
//!
//! * **No race between readers and writers.** A read registers its reader
//!   and takes the value in one critical section of the account's shard
//!   lock; a writer changes an entry and collects the readers in one
//!   critical section of the same lock. The lock orders the two: a reader
//!   whose section came first is registered when the writer collects, so the
//!   writer returns it; a reader whose section came second sees the new
//!   value or the ESTIMATE. The writer's task hands the readers to the
//!   scheduler before it counts as finished, so completion cannot be
//!   declared in between (see `scheduler.rs`).
//! * **Which readers.** A change of transaction `t`'s entry matters to the
//!   readers `j` with `t < j <= w`, where `w` is the next writer of the
//!   account after `t` (or the end of the block): the readers above `w` see
//!   `w`'s entry or a later one, before and after the change.
//! * **Which changes.** An entry appears ([`MvMemory::record`] writes an
//!   account the previous incarnation did not: the readers had seen an
//!   older writer or storage), or turns into an ESTIMATE
//!   ([`MvMemory::convert_writes_to_estimates`] after an abort). Those are
//!   the only changes that return readers. The other two, an ESTIMATE
//!   replaced by the next incarnation's value or removed because the next
//!   incarnation no longer writes the account, always follow the change to
//!   ESTIMATE of the same entry (incarnation `k + 1` exists only because
//!   `k` was aborted, and an abort converts every write of `k`): every
//!   reader registered before that conversion has been sent to validation
//!   by it, and any of its validations from the conversion on fails (an
//!   ESTIMATE never validates, and a read set names the version it saw,
//!   `(t, k)`, which can never be current again); a reader registered after
//!   the conversion met the ESTIMATE and stopped, or saw the new entry.
//!
//! Reader sets are not pruned when a re-execution stops reading an account:
//! a stale registration only costs a validation that passes. They live as
//! long as the segment, like the versions.

use super::{Incarnation, TxnIdx, Version};
use crate::exec::{Account, Address};
use ahash::AHashMap;
use smallvec::SmallVec;
use std::sync::Mutex;

const SHARDS: usize = 256;

#[derive(Clone, Copy)]
enum Cell {
    Write(Incarnation, Account),
    Estimate,
}

/// What a read by a transaction finds.
pub(crate) enum MvRead {
    /// Written by an earlier transaction's incarnation.
    Version(Version, Account),
    /// An earlier transaction's aborted write: wait for that transaction.
    Estimate(TxnIdx),
    /// No earlier transaction wrote it: read storage.
    Storage,
}

/// Where a recorded read came from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Origin {
    Version(Version),
    Storage,
}

/// One entry of a read set.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ReadDescriptor {
    pub(crate) address: Address,
    pub(crate) origin: Origin,
}

/// One account in the multi-version memory.
///
/// Both lists are kept sorted by transaction index in small vectors:
/// transactions mostly execute in block order, so an insertion is nearly
/// always a push at the end, and a lookup is a binary search (cheaper than
/// a B-tree's node allocations and pointer chasing at these sizes). The
/// first few entries live inline, so an account touched by a handful of
/// transactions (most of them, in a large block over many accounts) costs
/// no allocation at all.
#[derive(Default)]
struct Location {
    /// The latest incarnation's write (or ESTIMATE) of each writer.
    versions: SmallVec<[(TxnIdx, Cell); 2]>,
    /// Every transaction that has read the account in this segment.
    readers: SmallVec<[TxnIdx; 6]>,
}

impl Location {
    fn read(&self, txn: TxnIdx) -> MvRead {
        match self.versions[..self.versions.partition_point(|e| e.0 < txn)].last() {
            None => MvRead::Storage,
            Some(&(idx, Cell::Estimate)) => MvRead::Estimate(idx),
            Some(&(idx, Cell::Write(inc, v))) => MvRead::Version((idx, inc), v),
        }
    }

    /// Adds to `out` the readers that see `txn`'s entry: those after `txn`
    /// up to and including the next writer.
    fn readers_of(&self, txn: TxnIdx, out: &mut Vec<TxnIdx>) {
        let next = self.versions.partition_point(|e| e.0 <= txn);
        let next_writer = self.versions.get(next).map_or(TxnIdx::MAX, |e| e.0);
        let lo = self.readers.partition_point(|&r| r <= txn);
        let hi = self.readers.partition_point(|&r| r <= next_writer);
        out.extend_from_slice(&self.readers[lo..hi.max(lo)]);
    }

    /// Registers `txn` as a reader (once).
    fn add_reader(&mut self, txn: TxnIdx) {
        match self.readers.last() {
            Some(&last) if last >= txn => {
                if let Err(i) = self.readers.binary_search(&txn) {
                    self.readers.insert(i, txn);
                }
            }
            _ => self.readers.push(txn),
        }
    }

    /// Sets `txn`'s entry; returns the one it replaced.
    fn insert(&mut self, txn: TxnIdx, cell: Cell) -> Option<Cell> {
        match self.versions.binary_search_by_key(&txn, |e| e.0) {
            Ok(i) => Some(std::mem::replace(&mut self.versions[i].1, cell)),
            Err(i) => {
                self.versions.insert(i, (txn, cell));
                None
            }
        }
    }

    /// `txn`'s entry.
    fn get_mut(&mut self, txn: TxnIdx) -> Option<&mut Cell> {
        let i = self.versions.binary_search_by_key(&txn, |e| e.0).ok()?;
        Some(&mut self.versions[i].1)
    }

    /// Removes `txn`'s entry and returns it.
    fn remove(&mut self, txn: TxnIdx) -> Option<Cell> {
        let i = self.versions.binary_search_by_key(&txn, |e| e.0).ok()?;
        Some(self.versions.remove(i).1)
    }
}

/// A shard on its own cache line, so two threads working on neighbouring
/// shards do not invalidate each other's lock word.
#[repr(align(64))]
struct Shard(Mutex<AHashMap<Address, Location>>);

pub(crate) struct MvMemory {
    shards: Box<[Shard]>,
    hasher: ahash::RandomState,
    /// Per transaction, held inline (a transaction touches a few accounts),
    /// so recording an execution allocates nothing.
    last_written: Box<[Mutex<SmallVec<[Address; 2]>>]>,
    last_reads: Box<[Mutex<SmallVec<[ReadDescriptor; 2]>>]>,
}

impl MvMemory {
    pub(crate) fn new(n: usize) -> MvMemory {
        MvMemory {
            // A transaction touches a few accounts: room for two per
            // transaction up front saves the shards' rehashing while a
            // large block fills them.
            shards: (0..SHARDS)
                .map(|_| Shard(Mutex::new(AHashMap::with_capacity((2 * n).div_ceil(SHARDS).min(1 << 16)))))
                .collect(),
            hasher: ahash::RandomState::with_seeds(1, 2, 3, 4),
            last_written: (0..n).map(|_| Mutex::default()).collect(),
            last_reads: (0..n).map(|_| Mutex::default()).collect(),
        }
    }

    fn shard(&self, a: &Address) -> std::sync::MutexGuard<'_, AHashMap<Address, Location>> {
        let h = self.hasher.hash_one(a) as usize;
        self.shards[h % SHARDS].0.lock().expect("no worker panics holding a shard")
    }

    /// The value `txn` sees at `a` (the highest write below `txn`), with
    /// `txn` registered as a reader of `a` in the same critical section.
    pub(crate) fn read(&self, a: &Address, txn: TxnIdx) -> MvRead {
        let mut shard = self.shard(a);
        let location = shard.entry(*a).or_default();
        location.add_reader(txn);
        location.read(txn)
    }

    /// The value `txn` sees at `a`, without registering a read (validation
    /// re-reads what an execution registered already).
    fn peek(&self, a: &Address, txn: TxnIdx) -> MvRead {
        self.shard(a).get(a).map_or(MvRead::Storage, |l| l.read(txn))
    }

    /// Records an execution's read set and write set. Appends to `affected`
    /// the readers of every account the previous incarnation did not write
    /// (they saw an older writer or storage and must be validated again).
    pub(crate) fn record(
        &self,
        (txn, inc): Version,
        reads: &[ReadDescriptor],
        writes: &[(Address, Account)],
        affected: &mut Vec<TxnIdx>,
    ) {
        {
            let mut last = self.last_reads[txn as usize].lock().expect("no panics");
            last.clear();
            last.extend_from_slice(reads);
        }
        for (a, v) in writes {
            let mut shard = self.shard(a);
            let location = shard.entry(*a).or_default();
            match location.insert(txn, Cell::Write(inc, *v)) {
                None => location.readers_of(txn, affected),
                Some(old) => debug_assert!(matches!(old, Cell::Estimate), "an entry is replaced after its abort"),
            }
        }
        let mut prev = self.last_written[txn as usize].lock().expect("no panics");
        for a in prev.iter().filter(|a| !writes.iter().any(|w| w.0 == **a)) {
            if let Some(location) = self.shard(a).get_mut(a) {
                let old = location.remove(txn);
                debug_assert!(matches!(old, Some(Cell::Estimate)), "an entry is removed after its abort");
            }
        }
        prev.clear();
        prev.extend(writes.iter().map(|w| w.0));
    }

    /// Marks every write of `txn`'s aborted incarnation as an ESTIMATE and
    /// appends to `affected` the readers that saw those writes.
    pub(crate) fn convert_writes_to_estimates(&self, txn: TxnIdx, affected: &mut Vec<TxnIdx>) {
        let written = self.last_written[txn as usize].lock().expect("no panics");
        for a in written.iter() {
            let mut shard = self.shard(a);
            if let Some(location) = shard.get_mut(a) {
                if let Some(cell) = location.get_mut(txn) {
                    *cell = Cell::Estimate;
                    location.readers_of(txn, affected);
                }
            }
        }
    }

    /// Whether every read of `txn`'s last execution still sees the same
    /// version (an ESTIMATE never validates).
    pub(crate) fn validate_read_set(&self, txn: TxnIdx) -> bool {
        let reads = self.last_reads[txn as usize].lock().expect("no panics");
        reads.iter().all(|r| match (self.peek(&r.address, txn), r.origin) {
            (MvRead::Storage, Origin::Storage) => true,
            (MvRead::Version(now, _), Origin::Version(then)) => now == then,
            _ => false,
        })
    }
}
