//! The RAM tier of the store: storage cells kept in memory between blocks
//! up to a byte budget, so that a block reads from disk only the cells it
//! has not seen lately.
//!
//! ```text
//!  block N reads ──► CellCache (RAM, LRU by block) ──miss──► storage table
//!                        ▲                                 (one read txn)
//!  after the commit:     └── the block's misses and written cells, then
//!                            evict the least recently used down to budget
//! ```
//!
//! A cached cell holds its value (zeros too: a cached zero is a known
//! absent cell) and the last block that used it, an atomic so that
//! concurrent readers mark use without a lock. Misses go through a
//! [`TierRead`] made per block over one redb read transaction; its faults
//! join the cache once the block is committed, so the cache never holds a
//! value the disk lacks and eviction never loses one. Contract records and
//! classes stay in memory (the [`crate::state::AccountIndex`]), so only
//! storage reads reach the disk.
//!
//! Eviction is deterministic: once the cells outgrow what the budget holds
//! ([`CellCache::max_cells`]), the least recently used go first, ties by
//! key, down to 7/8 of that (so that it runs every few blocks, not every
//! block). Between blocks the cache's bytes are within the budget; during
//! a block its faults wait beside it.

use super::{cell_key, felt, Store, StoreError, STORAGE};
use crate::state::swiss_table_bytes;
use crate::state::{
    CacheStats, ClassHash, ContractAddress, MemState, StateError, StateKey, StateRead, StateReader, StorageKey,
};
use ahash::AHashMap;
use redb::ReadableDatabase;
use starknet_types_core::felt::Felt;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;

type Cell = (ContractAddress, StorageKey);

/// Bytes a storage row read from disk counts for: its key and value.
pub const ROW_BYTES: u64 = 96;

/// A cached cell: its value and the last block (epoch) that used it.
#[derive(Debug)]
struct Entry {
    value: Felt,
    used: AtomicU32,
    /// Written since the state tables' log was last folded: the tables
    /// lack it, so it is never evicted.
    pinned: bool,
}

/// Storage cells in memory up to a byte budget; see the module
/// documentation.
#[derive(Debug)]
pub struct CellCache {
    map: AHashMap<Cell, Entry>,
    budget: u64,
    epoch: u32,
    pinned: usize,
}

impl CellCache {
    /// An empty cache that keeps at most `budget` bytes.
    pub fn new(budget: u64) -> CellCache {
        CellCache { map: AHashMap::new(), budget, epoch: 1, pinned: 0 }
    }

    /// The byte budget.
    pub fn budget(&self) -> u64 {
        self.budget
    }

    /// Cells in memory.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no cell is in memory.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Bytes of memory the cache holds: its hash table (entries and
    /// control bytes at hashbrown's load factor).
    pub fn bytes(&self) -> u64 {
        swiss_table_bytes(self.map.capacity(), std::mem::size_of::<(Cell, Entry)>()) as u64
    }

    /// The value of a cached cell, marking it used by this block.
    fn get(&self, cell: &Cell) -> Option<Felt> {
        self.map.get(cell).map(|e| {
            e.used.store(self.epoch, Relaxed);
            e.value
        })
    }

    /// Whether `cell` is in memory.
    pub fn contains(&self, address: ContractAddress, key: StorageKey) -> bool {
        self.map.contains_key(&(address, key))
    }

    /// After a block's commit: its misses (`faults`) and the cells it wrote
    /// (`writes`, the new values) join the cache as used now, then the
    /// least recently used are evicted if the cache is over budget. Returns
    /// the block's statistics.
    ///
    /// `folded`: the block's write folded the state tables' log, so every
    /// cell is in the tables now and none stays pinned; else the written
    /// cells are pinned until the next folding.
    pub fn settle(
        &mut self,
        faults: Faults,
        writes: impl IntoIterator<Item = (Cell, Felt)>,
        folded: bool,
    ) -> CacheStats {
        let epoch = self.epoch;
        let mut stats = CacheStats { hits: faults.hits, misses: faults.cells.len() as u64, ..CacheStats::default() };
        stats.bytes_read = stats.misses * ROW_BYTES;
        if folded {
            self.map.values_mut().for_each(|e| e.pinned = false);
            self.pinned = 0;
        }
        for (cell, value) in faults.cells {
            self.map.insert(cell, Entry { value, used: AtomicU32::new(epoch), pinned: false });
        }
        self.pin(writes, !folded);
        stats.evicted = self.evict() as u64;
        self.epoch += 1;
        (stats.resident, stats.bytes) = (self.map.len() as u64, self.bytes());
        stats
    }

    /// Puts `cells` in memory as used now, pinned with `pin` (cells the
    /// state tables lack: written since their log was last folded).
    pub fn pin(&mut self, cells: impl IntoIterator<Item = (Cell, Felt)>, pin: bool) {
        for (cell, value) in cells {
            let e = self.map.entry(cell).or_insert(Entry { value, used: AtomicU32::new(0), pinned: false });
            e.value = value;
            *e.used.get_mut() = self.epoch;
            if pin && !e.pinned {
                e.pinned = true;
                self.pinned += 1;
            }
        }
    }

    /// Cells pinned (written since the state tables' log was last folded).
    pub fn pinned(&self) -> usize {
        self.pinned
    }

    /// Whether the block writing `diff` should fold the state tables' log
    /// early: its cells with those pinned would pass half of what the
    /// budget holds.
    pub fn wants_fold(&self, diff: &crate::state::StateDiff) -> bool {
        2 * (self.pinned + diff.storage_updates()) > self.max_cells()
    }

    /// The most cells the budget holds: a table of the largest power of
    /// two of buckets whose bytes fit, at hashbrown's 7/8 load factor.
    pub fn max_cells(&self) -> usize {
        let entry = std::mem::size_of::<(Cell, Entry)>() as u64 + 1;
        let buckets = self.budget / entry;
        if buckets < 8 {
            return 0;
        }
        (1u64 << (63 - buckets.leading_zeros())) as usize / 8 * 7
    }

    /// When more cells are in memory than the budget holds, evicts the
    /// least recently used that are not pinned (ties by key) down to 7/8
    /// of that and shrinks the table; returns how many.
    fn evict(&mut self) -> usize {
        let max = self.max_cells();
        if self.map.len() <= max && self.bytes() <= self.budget {
            return 0;
        }
        let keep = max / 8 * 7;
        let mut order: Vec<(u32, Cell)> =
            self.map.iter().filter(|(_, e)| !e.pinned).map(|(c, e)| (e.used.load(Relaxed), *c)).collect();
        let cut = (order.len() + self.pinned).saturating_sub(keep).min(order.len());
        if cut > 0 && cut < order.len() {
            order.select_nth_unstable(cut);
        }
        for (_, cell) in &order[..cut] {
            self.map.remove(cell);
        }
        self.map.shrink_to(keep);
        cut
    }
}

/// What a block's reads leave for the cache: the cells read from disk,
/// and how many reads memory served.
#[derive(Debug, Default)]
pub struct Faults {
    cells: AHashMap<Cell, Felt>,
    hits: u64,
}

/// One block's reads: the cache, then the block's own faults, then disk.
/// Storage comes from the tier; nonces, class hashes and classes from the
/// in-memory records. A disk error is kept (the first one) and the read
/// answers 0: [`TierRead::finish`] returns it, and the executor refuses the
/// block before committing anything.
pub struct TierRead<'a> {
    records: &'a MemState,
    cache: &'a CellCache,
    table: redb::ReadOnlyTable<[u8; 64], [u8; 32]>,
    store: &'a Store,
    faults: Mutex<AHashMap<Cell, Felt>>,
    hits: AtomicU64,
    error: Mutex<Option<StoreError>>,
}

impl<'a> TierRead<'a> {
    /// Reads over `cache`, `records` and a read transaction of `store`.
    pub fn new(store: &'a Store, cache: &'a CellCache, records: &'a MemState) -> Result<TierRead<'a>, StoreError> {
        let txn = store.db.begin_read().map_err(|e| store.err(e))?;
        let table = txn.open_table(STORAGE).map_err(|e| store.err(e))?;
        Ok(TierRead {
            records,
            cache,
            table,
            store,
            faults: Mutex::new(AHashMap::new()),
            hits: AtomicU64::new(0),
            error: Mutex::new(None),
        })
    }

    /// The block's reads done: what they read from disk, for
    /// [`CellCache::settle`], or the first disk error they met.
    pub fn finish(self) -> Result<Faults, StoreError> {
        if let Some(e) = self.error.into_inner().unwrap_or_else(|p| p.into_inner()) {
            return Err(e);
        }
        Ok(Faults { cells: self.faults.into_inner().unwrap_or_else(|p| p.into_inner()), hits: self.hits.into_inner() })
    }

    /// Reads the cells of `keys` that are neither cached nor read yet, in
    /// key order (neighbours share the B-tree's pages), before the block
    /// runs: a block whose transactions declare their keys then reads only
    /// memory.
    pub fn prefetch(&self, keys: impl IntoIterator<Item = StateKey>) {
        let mut cells: Vec<([u8; 64], Cell)> = keys
            .into_iter()
            .filter_map(|k| match k {
                StateKey::Storage(a, key) if !self.cache.map.contains_key(&(a, key)) => {
                    Some((cell_key(a, key), (a, key)))
                }
                _ => None,
            })
            .collect();
        cells.sort_unstable_by_key(|c| c.0);
        cells.dedup_by(|a, b| a.0 == b.0);
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        for (raw, cell) in cells {
            match self.table.get(raw) {
                Ok(row) => {
                    faults.insert(cell, row.map_or(Felt::ZERO, |v| felt(&v.value())));
                }
                Err(e) => {
                    self.error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(self.store.err(e));
                    return;
                }
            }
        }
    }

    fn cell(&self, address: ContractAddress, key: StorageKey) -> Felt {
        let cell = (address, key);
        if let Some(v) = self.cache.get(&cell) {
            self.hits.fetch_add(1, Relaxed);
            return v;
        }
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = faults.get(&cell) {
            self.hits.fetch_add(1, Relaxed);
            return *v;
        }
        let value = match self.table.get(cell_key(address, key)) {
            Ok(row) => row.map_or(Felt::ZERO, |v| felt(&v.value())),
            Err(e) => {
                self.error.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(self.store.err(e));
                return Felt::ZERO;
            }
        };
        faults.insert(cell, value);
        value
    }
}

impl StateRead for TierRead<'_> {
    fn get(&self, key: &StateKey) -> Felt {
        match *key {
            StateKey::Storage(a, k) => self.cell(a, k),
            _ => StateRead::get(self.records, key),
        }
    }
}

impl StateReader for TierRead<'_> {
    fn storage_at(&self, address: ContractAddress, key: StorageKey) -> Result<Felt, StateError> {
        Ok(self.cell(address, key))
    }

    fn nonce_at(&self, address: ContractAddress) -> Result<Felt, StateError> {
        self.records.nonce_at(address)
    }

    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, StateError> {
        self.records.class_hash_at(address)
    }

    fn compiled_class_hash(&self, class: ClassHash) -> Result<Felt, StateError> {
        self.records.compiled_class_hash(class)
    }
}
