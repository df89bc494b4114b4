//! Block-STM's multi-version memory: per account, the value written by each
//! transaction's latest incarnation (or an ESTIMATE marker after an abort),
//! plus each transaction's last read set and written locations.
//!
//! The map is sharded by account hash; each shard is a mutex over a map from
//! account to a `BTreeMap` keyed by transaction index, so a read by `j` is
//! one range lookup for the highest entry below `j`.

use super::{Incarnation, TxnIdx, Version};
use crate::exec::{Account, Address};
use ahash::AHashMap;
use std::collections::BTreeMap;
use std::sync::Mutex;

const SHARDS: usize = 64;

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
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Version(Version),
    Storage,
}

/// One entry of a read set.
#[derive(Clone, Copy)]
pub(crate) struct ReadDescriptor {
    pub(crate) address: Address,
    pub(crate) origin: Origin,
}

type Shard = Mutex<AHashMap<Address, BTreeMap<TxnIdx, Cell>>>;

pub(crate) struct MvMemory {
    shards: Box<[Shard]>,
    hasher: ahash::RandomState,
    last_written: Box<[Mutex<Vec<Address>>]>,
    last_reads: Box<[Mutex<Vec<ReadDescriptor>>]>,
}

impl MvMemory {
    pub(crate) fn new(n: usize) -> MvMemory {
        MvMemory {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: ahash::RandomState::with_seeds(1, 2, 3, 4),
            last_written: (0..n).map(|_| Mutex::default()).collect(),
            last_reads: (0..n).map(|_| Mutex::default()).collect(),
        }
    }

    fn shard(&self, a: &Address) -> std::sync::MutexGuard<'_, AHashMap<Address, BTreeMap<TxnIdx, Cell>>> {
        let h = self.hasher.hash_one(a) as usize;
        self.shards[h % SHARDS].lock().expect("no worker panics holding a shard")
    }

    /// The value `txn` sees at `a`: the highest write below `txn`.
    pub(crate) fn read(&self, a: &Address, txn: TxnIdx) -> MvRead {
        let shard = self.shard(a);
        let Some(versions) = shard.get(a) else {
            return MvRead::Storage;
        };
        match versions.range(..txn).next_back() {
            None => MvRead::Storage,
            Some((&idx, Cell::Estimate)) => MvRead::Estimate(idx),
            Some((&idx, &Cell::Write(inc, v))) => MvRead::Version((idx, inc), v),
        }
    }

    /// Records an execution's read set and write set; true when it wrote an
    /// account its previous incarnation did not (later transactions must be
    /// validated again then).
    pub(crate) fn record(
        &self,
        (txn, inc): Version,
        reads: Vec<ReadDescriptor>,
        writes: &[(Address, Account)],
    ) -> bool {
        *self.last_reads[txn as usize].lock().expect("no panics") = reads;
        for (a, v) in writes {
            self.shard(a).entry(*a).or_default().insert(txn, Cell::Write(inc, *v));
        }
        let mut prev = self.last_written[txn as usize].lock().expect("no panics");
        for a in prev.iter().filter(|a| !writes.iter().any(|w| w.0 == **a)) {
            if let Some(versions) = self.shard(a).get_mut(a) {
                versions.remove(&txn);
            }
        }
        let wrote_new = writes.iter().any(|w| !prev.contains(&w.0));
        *prev = writes.iter().map(|w| w.0).collect();
        wrote_new
    }

    /// Marks every write of `txn`'s aborted incarnation as an ESTIMATE.
    pub(crate) fn convert_writes_to_estimates(&self, txn: TxnIdx) {
        let written = self.last_written[txn as usize].lock().expect("no panics");
        for a in written.iter() {
            if let Some(cell) = self.shard(a).get_mut(a).and_then(|v| v.get_mut(&txn)) {
                *cell = Cell::Estimate;
            }
        }
    }

    /// Whether every read of `txn`'s last execution still sees the same
    /// version (an ESTIMATE never validates).
    pub(crate) fn validate_read_set(&self, txn: TxnIdx) -> bool {
        let reads = self.last_reads[txn as usize].lock().expect("no panics");
        reads.iter().all(|r| match (self.read(&r.address, txn), r.origin) {
            (MvRead::Storage, Origin::Storage) => true,
            (MvRead::Version(now, _), Origin::Version(then)) => now == then,
            _ => false,
        })
    }
}
