//! Block-STM's multi-version memory: per key, the value written by each
//! transaction's latest incarnation (or an ESTIMATE marker after an abort),
//! the transactions that have read the key, plus each transaction's
//! last read set and written locations.
//!
//! The map is sharded by key hash; each shard is a mutex over an index
//! from key to a [`Slot`] and the shard's [`Location`]s: per key a
//! sorted list of versions keyed by transaction index, so a read by `j` is
//! one range lookup for the highest entry below `j`, and the set of
//! transactions that read it. A read set names the slots it read, so
//! recording the writes of what was read and validating the reads go to the
//! location without hashing the key again.
//!
//! # The reader registry and why no affected reader is missed
//!
//! A transaction must be validated again whenever the entry it sees at an
//! key it read (the highest entry below it) may have changed. Instead of
//! validating every later transaction after such a change, the memory names
//! the ones concerned: every read registers its transaction in the
//! key's reader set, and every change that needs it returns the
//! registered readers it affects, which the scheduler then sends to
//! validation.
//!
//! * **No race between readers and writers.** A read registers its reader
//!   and takes the value in one critical section of the key's shard
//!   lock; a writer changes an entry and collects the readers in one
//!   critical section of the same lock. The lock orders the two: a reader
//!   whose section came first is registered when the writer collects, so the
//!   writer returns it; a reader whose section came second sees the new
//!   value or the ESTIMATE. The writer's task hands the readers to the
//!   scheduler before it counts as finished, so completion cannot be
//!   declared in between (see `scheduler.rs`).
//! * **Which readers.** A change of transaction `t`'s entry matters to the
//!   readers `j` with `t < j <= w`, where `w` is the next writer of the
//!   key after `t` (or the end of the block): the readers above `w` see
//!   `w`'s entry or a later one, before and after the change.
//! * **Which changes.** An entry appears ([`MvMemory::record`] writes an
//!   key the previous incarnation did not: the readers had seen an
//!   older writer or storage), or turns into an ESTIMATE
//!   ([`MvMemory::convert_writes_to_estimates`] after an abort). Those are
//!   the only changes that return readers. The other two, an ESTIMATE
//!   replaced by the next incarnation's value or removed because the next
//!   incarnation no longer writes the key, always follow the change to
//!   ESTIMATE of the same entry (incarnation `k + 1` exists only because
//!   `k` was aborted, and an abort converts every write of `k`): every
//!   reader registered before that conversion has been sent to validation
//!   by it, and any of its validations from the conversion on fails (an
//!   ESTIMATE never validates, and a read set names the version it saw,
//!   `(t, k)`, which can never be current again); a reader registered after
//!   the conversion met the ESTIMATE and stopped, or saw the new entry.
//!
//! Reader sets are not pruned when a re-execution stops reading a key:
//! a stale registration only costs a validation that passes. They live as
//! long as the segment, like the versions.

use super::{par_slice, Incarnation, TxnIdx, Version};
use crate::exec::StateKey;
use ahash::AHashMap;
use smallvec::SmallVec;
use starknet_types_core::felt::Felt;
use std::sync::Mutex;

const SHARDS: usize = 256;

/// The incarnation number that marks an entry as an ESTIMATE (no real
/// incarnation gets this far: each one follows an abort).
const ESTIMATE: Incarnation = Incarnation::MAX;

/// One writer's entry at a key: its latest incarnation's value, or an
/// ESTIMATE marker (`inc == ESTIMATE`) after an abort: 40 bytes (an enum
/// beside the index would take 48).
#[derive(Clone, Copy)]
struct Entry {
    txn: TxnIdx,
    inc: Incarnation,
    value: Felt,
}

const _: () = assert!(std::mem::size_of::<Entry>() == 40);

/// What a read by a transaction finds.
pub(crate) enum MvRead {
    /// Written by an earlier transaction's incarnation.
    Version(Version, Felt),
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
    pub(crate) key: StateKey,
    pub(crate) slot: Slot,
    pub(crate) origin: Origin,
}

/// One key in the multi-version memory.
///
/// Both lists are kept sorted by transaction index in small vectors:
/// transactions mostly execute in block order, so an insertion is nearly
/// always a push at the end, and a lookup is a binary search (cheaper than
/// a B-tree's node allocations and pointer chasing at these sizes). The
/// first few entries live inline, so a key touched by a handful of
/// transactions (most of them, in a large block over many keys) costs
/// no allocation at all.
#[derive(Default)]
struct Location {
    /// The latest incarnation's write (or ESTIMATE) of each writer.
    versions: SmallVec<[Entry; 2]>,
    /// Every transaction that has read the key in this segment.
    readers: SmallVec<[TxnIdx; 6]>,
}

/// Entries a list grows to when it first leaves its inline room: a key
/// that outgrows the inline entries is usually a busy one, and growing in
/// one step saves the reallocations of doubling from two.
const SPILL: usize = 16;

/// Appends `x`, growing a spilled list by [`SPILL`] at once.
fn push_spilling<A: smallvec::Array>(list: &mut SmallVec<A>, x: A::Item) {
    if list.len() == list.inline_size() {
        list.reserve(SPILL - list.len());
    }
    list.push(x);
}

impl Location {
    /// The number of entries below `txn`. Transactions mostly run in block
    /// order, so `txn` is usually above every entry: one comparison with the
    /// last entry (the only line touched) before a binary search.
    fn below(&self, txn: TxnIdx) -> usize {
        match self.versions.last() {
            Some(last) if last.txn >= txn => self.versions.partition_point(|e| e.txn < txn),
            _ => self.versions.len(),
        }
    }

    fn read(&self, txn: TxnIdx) -> MvRead {
        match self.below(txn).checked_sub(1).map(|i| &self.versions[i]) {
            None => MvRead::Storage,
            Some(e) if e.inc == ESTIMATE => MvRead::Estimate(e.txn),
            Some(e) => MvRead::Version((e.txn, e.inc), e.value),
        }
    }

    /// Adds to `out` the readers that see `txn`'s entry: those after `txn`
    /// up to and including the next writer.
    fn readers_of(&self, txn: TxnIdx, out: &mut Vec<TxnIdx>) {
        let next = self.below(txn.saturating_add(1));
        let next_writer = self.versions.get(next).map_or(TxnIdx::MAX, |e| e.txn);
        // Usually no reader is above `txn` yet (block order again).
        if self.readers.last().is_none_or(|&r| r <= txn) {
            return;
        }
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
            _ => push_spilling(&mut self.readers, txn),
        }
    }

    /// The position of `txn`'s entry, or where it would go.
    fn find(&self, txn: TxnIdx) -> Result<usize, usize> {
        let i = self.below(txn);
        match self.versions.get(i) {
            Some(e) if e.txn == txn => Ok(i),
            _ => Err(i),
        }
    }

    /// Sets `txn`'s entry; returns whether it replaced one.
    fn insert(&mut self, entry: Entry) -> Option<Incarnation> {
        match self.find(entry.txn) {
            Ok(i) => Some(std::mem::replace(&mut self.versions[i], entry).inc),
            Err(i) if i == self.versions.len() => {
                push_spilling(&mut self.versions, entry);
                None
            }
            Err(i) => {
                self.versions.insert(i, entry);
                None
            }
        }
    }

    /// `txn`'s entry.
    fn get_mut(&mut self, txn: TxnIdx) -> Option<&mut Entry> {
        let i = self.find(txn).ok()?;
        Some(&mut self.versions[i])
    }

    /// Removes `txn`'s entry and returns its incarnation.
    fn remove(&mut self, txn: TxnIdx) -> Option<Incarnation> {
        let i = self.find(txn).ok()?;
        Some(self.versions.remove(i).inc)
    }
}

/// Where a key's [`Location`] lives: its shard and its index in that
/// shard's list. Fixed for the segment once the key is first touched,
/// so a read set can name the location it read, and recording and
/// validation go straight to it instead of hashing and probing again.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Slot {
    shard: u32,
    index: u32,
}

/// One shard: an index from key to slot, and the locations in the order
/// they were first touched. The index holds small entries and the locations
/// sit side by side, so the keys of a block stay compact in cache
/// however large the index was sized.
#[derive(Default)]
struct ShardData {
    index: AHashMap<StateKey, u32>,
    locations: Vec<Location>,
}

impl ShardData {
    fn slot_of(&mut self, a: &StateKey) -> u32 {
        let next = self.locations.len() as u32;
        let index = *self.index.entry(*a).or_insert(next);
        if index == next {
            self.locations.push(Location::default());
        }
        index
    }
}

/// Shards emptied by [`MvMemory::drain_finals`], freed when dropped.
pub(crate) struct Spent {
    _shards: Vec<ShardData>,
}

/// A shard on its own cache line, so two threads working on neighbouring
/// shards do not invalidate each other's lock word.
#[repr(align(64))]
struct Shard(Mutex<ShardData>);

pub(crate) struct MvMemory {
    shards: Box<[Shard]>,
    hasher: ahash::RandomState,
    /// Per transaction, held inline (a transaction touches a few keys),
    /// so recording an execution allocates nothing.
    last_written: Box<[Mutex<SmallVec<[Slot; 2]>>]>,
    last_reads: Box<[Mutex<SmallVec<[ReadDescriptor; 2]>>]>,
}

impl MvMemory {
    pub(crate) fn new(n: usize) -> MvMemory {
        // A transaction touches a few keys: room for two per
        // transaction up front saves the shards' rehashing while a large
        // block fills them.
        let room = (2 * n).div_ceil(SHARDS).min(1 << 16);
        MvMemory {
            shards: (0..SHARDS)
                .map(|_| {
                    Shard(Mutex::new(ShardData {
                        index: AHashMap::with_capacity(room),
                        locations: Vec::with_capacity(room),
                    }))
                })
                .collect(),
            hasher: ahash::RandomState::with_seeds(1, 2, 3, 4),
            last_written: par_slice(n, Mutex::default),
            last_reads: par_slice(n, Mutex::default),
        }
    }

    fn lock(&self, shard: u32) -> std::sync::MutexGuard<'_, ShardData> {
        self.shards[shard as usize].0.lock().expect("no worker panics holding a shard")
    }

    fn shard_of(&self, a: &StateKey) -> u32 {
        (self.hasher.hash_one(a) % SHARDS as u64) as u32
    }

    /// The slot of `a`, made on first use.
    fn slot(&self, a: &StateKey) -> Slot {
        let shard = self.shard_of(a);
        Slot { shard, index: self.lock(shard).slot_of(a) }
    }

    /// The value `txn` sees at `a` (the highest write below `txn`), with
    /// `txn` registered as a reader of `a` in the same critical section;
    /// and where `a` lives, for the read set.
    pub(crate) fn read(&self, a: &StateKey, txn: TxnIdx) -> (MvRead, Slot) {
        let shard = self.shard_of(a);
        let mut data = self.lock(shard);
        let index = data.slot_of(a);
        let location = &mut data.locations[index as usize];
        location.add_reader(txn);
        (location.read(txn), Slot { shard, index })
    }

    /// The value `txn` sees at `slot`, without registering a read
    /// (validation re-reads what an execution registered already).
    fn peek(&self, slot: Slot, txn: TxnIdx) -> MvRead {
        self.lock(slot.shard).locations[slot.index as usize].read(txn)
    }

    /// Records an execution's read set and write set. Appends to `affected`
    /// the readers of every key the previous incarnation did not write
    /// (they saw an older writer or storage and must be validated again).
    pub(crate) fn record(
        &self,
        (txn, inc): Version,
        reads: &[ReadDescriptor],
        writes: &[(StateKey, Felt)],
        affected: &mut Vec<TxnIdx>,
    ) {
        debug_assert_ne!(inc, ESTIMATE, "incarnations stay below the ESTIMATE mark");
        {
            let mut last = self.last_reads[txn as usize].lock().expect("no panics");
            last.clear();
            last.extend_from_slice(reads);
        }
        // A program mostly writes what it read: the read set knows where.
        let written: SmallVec<[Slot; 2]> = writes
            .iter()
            .map(|(a, _)| reads.iter().find(|r| r.key == *a).map_or_else(|| self.slot(a), |r| r.slot))
            .collect();
        for (slot, (_, value)) in written.iter().zip(writes) {
            let mut data = self.lock(slot.shard);
            let location = &mut data.locations[slot.index as usize];
            match location.insert(Entry { txn, inc, value: *value }) {
                None => location.readers_of(txn, affected),
                Some(old) => debug_assert_eq!(old, ESTIMATE, "an entry is replaced after its abort"),
            }
        }
        let mut prev = self.last_written[txn as usize].lock().expect("no panics");
        for slot in prev.iter().filter(|s| !written.contains(s)) {
            let old = self.lock(slot.shard).locations[slot.index as usize].remove(txn);
            debug_assert_eq!(old, Some(ESTIMATE), "an entry is removed after its abort");
        }
        *prev = written;
    }

    /// Marks every write of `txn`'s aborted incarnation as an ESTIMATE and
    /// appends to `affected` the readers that saw those writes.
    pub(crate) fn convert_writes_to_estimates(&self, txn: TxnIdx, affected: &mut Vec<TxnIdx>) {
        let written = self.last_written[txn as usize].lock().expect("no panics");
        for slot in written.iter() {
            let mut data = self.lock(slot.shard);
            let location = &mut data.locations[slot.index as usize];
            if let Some(entry) = location.get_mut(txn) {
                entry.inc = ESTIMATE;
                location.readers_of(txn, affected);
            }
        }
    }

    /// Empties the shards `worker`, `worker + workers`, ... and returns the
    /// final value of every key written in them (the last entry of its
    /// versions), and the emptied shards. Called by every worker once the
    /// scheduler is done, when every entry is a value (an ESTIMATE is always
    /// replaced or removed by the next incarnation before the block is
    /// done).
    ///
    /// The emptied shards are the caller's to free, on one thread: their
    /// lists were allocated by whichever worker grew them, and workers
    /// freeing them all at once wait on each other's allocator arena locks
    /// (two workers took 0.63 ms each to drain half the shards this way, one
    /// worker 0.25 ms to drain them all).
    pub(crate) fn drain_finals(&self, worker: usize, workers: usize) -> (Vec<(StateKey, Felt)>, Spent) {
        let mut finals = Vec::new();
        let mut spent = Vec::new();
        for shard in self.shards.iter().skip(worker).step_by(workers.max(1)) {
            let data = std::mem::take(&mut *shard.0.lock().expect("no worker panics holding a shard"));
            finals.extend(data.index.iter().filter_map(|(a, &i)| {
                let last = data.locations[i as usize].versions.last()?;
                debug_assert_ne!(last.inc, ESTIMATE, "no ESTIMATE outlives the block");
                Some((*a, last.value))
            }));
            spent.push(data);
        }
        (finals, Spent { _shards: spent })
    }

    /// Whether every read of `txn`'s last execution still sees the same
    /// version (an ESTIMATE never validates).
    pub(crate) fn validate_read_set(&self, txn: TxnIdx) -> bool {
        let reads = self.last_reads[txn as usize].lock().expect("no panics");
        reads.iter().all(|r| match (self.peek(r.slot, txn), r.origin) {
            (MvRead::Storage, Origin::Storage) => true,
            (MvRead::Version(now, _), Origin::Version(then)) => now == then,
            _ => false,
        })
    }
}
