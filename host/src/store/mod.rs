//! [`Store`]: the state on disk, in one redb database, one atomic write
//! transaction per block.
//!
//! Tables: contracts (address → class hash, nonce), storage cells
//! ((address, key) → value; a zero value is no row), declared classes
//! (class hash → compiled class hash), blocks (number → global root and the
//! block's state diff, in binary: `record.rs`) and `meta` (the last block,
//! the label of what produced the chain). [`Store::commit_block`] writes a
//! block's diff, its record and the new last block in one transaction:
//! after a crash at any moment the database holds every block up to some
//! N whole and nothing of N + 1, and [`Store::last_block`] names N.
//!
//! The tries are stored too (`nodes.rs`): every 16 blocks a block's
//! transaction writes the trie nodes changed since the last folding, and
//! [`Store::load_tries`] reads them back and recomputes the changes of the
//! blocks since from their diffs, so [`crate::block::BlockExecutor::open`]
//! loads the state and its tries without rehashing the whole state and
//! checks their root against the recorded one. A store whose tries are not whole (written without them,
//! or by an older wavelane) has them rebuilt on open (one commit of the
//! whole state) and written back.
//!
//! * `nodes.rs`: the tries' tables and their rows.
//! * `fold.rs`: the state tables' log: a block's cells and records are
//!   kept in its record until every [`COMPACT_EVERY`] blocks they are
//!   folded into the tables.
//! * `record.rs`: a block's record (its root and diff), binary.
//! * `snapshot.rs`: a store's state at its last block as one checksummed
//!   file, and back ([`export`], [`import`]).
//! * `tier.rs`: the RAM tier, storage cells cached between blocks within a
//!   byte budget ([`CellCache`], [`TierRead`]).

mod fold;
mod nodes;
mod record;
mod snapshot;
mod tier;

pub use fold::{folds_cells, FOLD_CELLS};
pub use nodes::{COMPACT_EVERY, FOLD_NODES};
pub use snapshot::{export, import, SnapshotError, SnapshotInfo};
pub use tier::{CellCache, Faults, TierRead, ROW_BYTES};

use crate::state::{
    ContractAddress, ContractRecord, MemState, StateCommitment, StateDiff, StateUpdate, StateWriter, StorageKey,
    TrieChanges,
};
use redb::{Database, Durability, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};
use starknet_types_core::felt::Felt;
use std::path::{Path, PathBuf};
use wavelane_kernels::trace;
use wavelane_kernels::trie::{Journaled, NodeStore, PagedStore};

const CONTRACTS: TableDefinition<[u8; 32], [u8; 64]> = TableDefinition::new("contracts");
const STORAGE: TableDefinition<[u8; 64], [u8; 32]> = TableDefinition::new("storage");
const CLASSES: TableDefinition<[u8; 32], [u8; 32]> = TableDefinition::new("classes");
const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// The `meta` key of the last block and its root.
const LAST_BLOCK: &str = "last_block";

/// redb's page cache beside a RAM tier of `budget` bytes: a quarter of
/// it, at least 4 MiB ([`Store::open_with_cache`]).
pub fn tier_page_cache(budget: u64) -> usize {
    (budget / 4).max(64 << 20) as usize
}

/// The database file inside a state directory.
pub const FILE: &str = "state.redb";

/// Whether a commit waits for the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sync {
    /// Every block is on disk when its commit returns.
    Always,
    /// Commits return at once; after a power loss the store may be back at
    /// an earlier block (whole, never torn).
    Never,
}

impl std::str::FromStr for Sync {
    type Err = String;
    fn from_str(s: &str) -> Result<Sync, String> {
        match s {
            "always" => Ok(Sync::Always),
            "never" => Ok(Sync::Never),
            _ => Err(format!("unknown sync {s:?} (expected always or never)")),
        }
    }
}

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database failed.
    #[error("{path}: {source}")]
    Db {
        /// The database file.
        path: PathBuf,
        /// redb's error.
        source: redb::Error,
    },
    /// A value in the database is not what wavelane writes.
    #[error("{path}: corrupt {what}")]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What was wrong.
        what: String,
    },
    /// The directory could not be made.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// How the executor writes a block ([`Store::commit_block_when`]): its
/// diff in its record alone until the next folding of the state tables'
/// log (`fold.rs`), its touched contracts' records made from `pre`.
#[derive(Clone, Copy)]
pub struct Log<'a> {
    /// The state before the block, with every contract record (its cells
    /// may be absent).
    pub pre: &'a MemState,
    /// Fold the log in this block even off the schedule (the RAM tier asks
    /// when the cells it must hold grow).
    pub fold: bool,
}

/// A summary of a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreInfo {
    /// The last block and its global root.
    pub last_block: Option<(u64, Felt)>,
    /// Contracts with a class hash or a nonce.
    pub contracts: u64,
    /// Non-zero storage cells.
    pub cells: u64,
    /// Declared classes.
    pub classes: u64,
    /// Blocks recorded.
    pub blocks: u64,
    /// Trie nodes in the nodes table (all three tries), as of the last
    /// folding of the log.
    pub trie_nodes: u64,
    /// Blocks whose trie changes are not in the nodes table yet (reading
    /// the tries recomputes them from those blocks' diffs).
    pub trie_log_blocks: u64,
    /// Blocks whose diffs are in their records alone, not yet folded into
    /// the state tables (`cells` and `contracts` count the tables).
    pub diff_log_blocks: u64,
    /// Whether the stored tries are whole (else the next open rebuilds
    /// them).
    pub tries_whole: bool,
    /// Bytes of the database file.
    pub bytes_on_disk: u64,
    /// The label of what produced the chain, if one was set.
    pub label: Option<String>,
}

/// The state on disk; see the module documentation.
pub struct Store {
    db: std::sync::Arc<Database>,
    path: PathBuf,
    sync: Sync,
    /// The unfolded logs as the last commit left them (`fold.rs`).
    pending: std::sync::Mutex<fold::Pending>,
}

fn cell_key(a: ContractAddress, k: StorageKey) -> [u8; 64] {
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&a.felt().to_bytes_be());
    out[32..].copy_from_slice(&k.felt().to_bytes_be());
    out
}

fn felt(b: &[u8]) -> Felt {
    Felt::from_bytes_be_slice(b)
}

/// `diff` into the state tables of `txn`. With `pre` (the state before
/// the block), a touched contract's record is made from it and the diff
/// instead of being read from the table first.
fn write_diff(txn: &redb::WriteTransaction, diff: &StateDiff, pre: Option<&MemState>) -> Result<(), redb::Error> {
    let mut storage = txn.open_table(STORAGE)?;
    for (a, cells) in &diff.storage {
        for (k, v) in cells {
            if *v == Felt::ZERO {
                storage.remove(cell_key(*a, *k))?;
            } else {
                storage.insert(cell_key(*a, *k), v.to_bytes_be())?;
            }
        }
    }
    let mut contracts = txn.open_table(CONTRACTS)?;
    let touched = diff.nonces.keys().chain(diff.deployed.keys()).chain(diff.replaced.keys());
    for a in touched {
        let key = a.felt().to_bytes_be();
        let mut rec = match pre {
            Some(pre) => {
                let old = pre.contract(a).unwrap_or_default();
                let mut rec = [0u8; 64];
                rec[..32].copy_from_slice(&old.class_hash.to_bytes_be());
                rec[32..].copy_from_slice(&old.nonce.to_bytes_be());
                rec
            }
            None => contracts.get(key)?.map_or([0u8; 64], |v| v.value()),
        };
        if let Some(n) = diff.nonces.get(a) {
            rec[32..].copy_from_slice(&n.to_bytes_be());
        }
        if let Some(c) = diff.class_hash_of(a) {
            rec[..32].copy_from_slice(&c.to_bytes_be());
        }
        contracts.insert(key, rec)?;
    }
    let mut classes = txn.open_table(CLASSES)?;
    for (c, cc) in diff.declared.iter().chain(&diff.migrated) {
        classes.insert(c.to_bytes_be(), cc.to_bytes_be())?;
    }
    Ok(())
}

impl Store {
    /// Opens the store in `dir` (made if missing), creating the database
    /// on first use, with redb's page cache at its default (1 GiB).
    pub fn open(dir: &Path, sync: Sync) -> Result<Store, StoreError> {
        Store::open_with_cache(dir, sync, 1 << 30)
    }

    /// [`Store::open`] with redb's page cache at most `cache` bytes (with
    /// a RAM tier, what the process holds beside the tier's budget).
    pub fn open_with_cache(dir: &Path, sync: Sync, cache: usize) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(FILE);
        let db = Database::builder()
            .set_cache_size(cache)
            .create(&path)
            .map_err(|e| StoreError::Db { path: path.clone(), source: e.into() })?;
        let store = Store { db: std::sync::Arc::new(db), path, sync, pending: Default::default() };
        // The tables exist from the first open on, so reads never miss one.
        store.write(|txn| {
            txn.open_table(CONTRACTS)?;
            txn.open_table(STORAGE)?;
            txn.open_table(CLASSES)?;
            txn.open_table(BLOCKS)?;
            txn.open_table(META)?;
            txn.open_table(nodes::NODES)?;
            txn.open_table(nodes::TREES)?;
            txn.open_table(nodes::NODE_LOG)?;
            Ok(())
        })?;
        Ok(store)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, e: impl Into<redb::Error>) -> StoreError {
        StoreError::Db { path: self.path.clone(), source: e.into() }
    }

    fn write(&self, f: impl FnOnce(&redb::WriteTransaction) -> Result<(), redb::Error>) -> Result<(), StoreError> {
        let mut txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let durability = match self.sync {
            Sync::Always => Durability::Immediate,
            Sync::Never => Durability::None,
        };
        txn.set_durability(durability).map_err(|e| self.err(e))?;
        // Whatever this writes, the logs are read back from the tables next.
        self.take_pending();
        f(&txn).map_err(|e| self.err(e))?;
        txn.commit().map_err(|e| self.err(e))
    }

    /// The pending logs, taken: they are unknown until a commit puts them back.
    fn take_pending(&self) -> fold::Pending {
        std::mem::take(&mut *self.lock_pending())
    }

    /// The last block committed and its global root.
    pub fn last_block(&self) -> Result<Option<(u64, Felt)>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let meta = txn.open_table(META).map_err(|e| self.err(e))?;
        let Some(last) = meta.get(LAST_BLOCK).map_err(|e| self.err(e))? else { return Ok(None) };
        let bytes = last.value();
        if bytes.len() != 40 {
            return Err(StoreError::Corrupt { path: self.path.clone(), what: "meta.last_block".into() });
        }
        let n = u64::from_be_bytes(bytes[..8].try_into().expect("8 bytes"));
        Ok(Some((n, felt(&bytes[8..]))))
    }

    /// Stores `label` (what produces the chain, e.g. a workload's spec)
    /// unless one is stored already; returns the stored one.
    pub fn set_label(&self, label: &str) -> Result<String, StoreError> {
        if let Some(l) = self.label()? {
            return Ok(l);
        }
        self.write(|txn| {
            txn.open_table(META)?.insert("label", label.as_bytes())?;
            Ok(())
        })?;
        Ok(label.to_string())
    }

    /// The label stored with the chain (what produced it), if any.
    pub fn label(&self) -> Result<Option<String>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let meta = txn.open_table(META).map_err(|e| self.err(e))?;
        let v = meta.get("label").map_err(|e| self.err(e))?;
        Ok(v.map(|v| String::from_utf8_lossy(v.value()).into_owned()))
    }

    /// Writes block `number`: its diff into the state tables, the trie
    /// nodes its commit changed (`tries`; `None` leaves the stored tries
    /// stale, to be rebuilt on the next open), its record (root and diff)
    /// and the new last block, in one transaction.
    pub fn commit_block(
        &self,
        number: u64,
        root: Felt,
        diff: &StateDiff,
        tries: Option<TrieChanges>,
    ) -> Result<(), StoreError> {
        self.commit_block_when(number, diff, diff, None, || Some((root, tries))).map(|_| ())
    }

    /// The state tables' part of block `number`'s transaction: without a
    /// log, or when the block folds, the diffs since the last folding
    /// merged with this one into the tables; else only the mark that the
    /// tables lag.
    fn write_state(
        &self,
        txn: &redb::WriteTransaction,
        number: u64,
        diff: &StateDiff,
        log: Option<Log<'_>>,
        pending: Option<StateDiff>,
    ) -> Result<Option<StateDiff>, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt { path: self.path.clone(), what };
        let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
        let first = fold::first_unfolded(&meta).map_err(corrupt)?;
        if !log.is_none_or(|l| folds_cells(number, diff, l.fold)) {
            if first.is_none() {
                meta.insert(fold::UNFOLDED, number.to_be_bytes().as_slice()).map_err(|e| self.err(e))?;
                return Ok(Some(diff.clone()));
            }
            return Ok(pending.map(|mut p| {
                fold::merge(&mut p, diff);
                p
            }));
        }
        let pre = log.map(|l| l.pre);
        match first {
            None => write_diff(txn, diff, pre),
            Some(first) => {
                let mut all = match pending {
                    Some(p) => p,
                    None => fold::merged(&txn.open_table(BLOCKS).map_err(|e| self.err(e))?, first).map_err(corrupt)?,
                };
                fold::merge(&mut all, diff);
                write_diff(txn, &all, pre)
            }
        }
        .map_err(|e| self.err(e))?;
        meta.remove(fold::UNFOLDED).map_err(|e| self.err(e))?;
        Ok(Some(StateDiff::default()))
    }

    /// [`Store::commit_block`] with the root still being computed: the
    /// diff goes into the tables first, then `root()` gives the root and
    /// the tries' changes (it may wait for them) and the transaction is
    /// committed with them, or dropped (nothing written) when it gives
    /// `None`. Run on a thread of its own, the write overlaps the commit of
    /// the tries. Returns whether the block was committed. `recorded` is
    /// the diff kept in the block's record. With a `log` (the executor's
    /// blocks; `recorded` is then `diff`), the diff goes into the state
    /// tables only when the block folds their log ([`folds_cells`]).
    pub fn commit_block_when(
        &self,
        number: u64,
        diff: &StateDiff,
        recorded: &StateDiff,
        log: Option<Log<'_>>,
        root: impl FnOnce() -> Option<(Felt, Option<TrieChanges>)>,
    ) -> Result<bool, StoreError> {
        let mut txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let durability = match self.sync {
            Sync::Always => Durability::Immediate,
            Sync::Never => Durability::None,
        };
        txn.set_durability(durability).map_err(|e| self.err(e))?;
        let mut pending = self.take_pending();
        let (cells, mut trie_log) = {
            let _s = trace::span("store.diff");
            // The state tables here, the trie log on a thread beside:
            // merged, and folded when the schedule folds it whatever the
            // block changes, while the root is computed.
            let whole = nodes::tables_whole(&txn).map_err(|e| self.err(e))?;
            let (cells_for, nodes_for) = (pending.cells_for(number), pending.nodes.take());
            std::thread::scope(|s| {
                let trie_log = s.spawn(|| {
                    let _s = trace::span("store.trie_log");
                    let mut trie_log = fold::nodes_for(nodes_for, number);
                    if let Some(log) = trie_log.as_ref().filter(|_| nodes::folds_on_schedule(number)) {
                        if nodes::fold_pending(&txn, log, whole)? {
                            trie_log = Some(Default::default());
                        }
                    }
                    Ok::<_, redb::Error>(trie_log)
                });
                let cells = self.write_state(&txn, number, diff, log, cells_for);
                let trie_log = trie_log.join().expect("the trie log's thread does not panic");
                Ok::<_, StoreError>((cells?, trie_log.map_err(|e| self.err(e))?))
            })?
        };
        let wait = trace::span("store.wait");
        let Some((root, tries)) = root() else {
            return Ok(false); // the transaction is dropped: nothing of it lands
        };
        drop(wait);
        let span = trace::span("store.tries");
        let (trie_log, logged) = match &tries {
            Some(changes) => nodes::write(&txn, number, changes, false, trie_log.take()),
            None => nodes::forget(&txn).map(|()| (None, false)),
        }
        .map_err(|e| self.err(e))?;
        drop(span);
        let record = {
            let _s = trace::span("store.record");
            record::encode(root, recorded)
        };
        let meta = |txn: &redb::WriteTransaction| -> Result<(), redb::Error> {
            txn.open_table(BLOCKS)?.insert(number, record.as_slice())?;
            let mut last = [0u8; 40];
            last[..8].copy_from_slice(&number.to_be_bytes());
            last[8..].copy_from_slice(&root.to_bytes_be());
            txn.open_table(META)?.insert(LAST_BLOCK, last.as_slice())?;
            Ok(())
        };
        meta(&txn).map_err(|e| self.err(e))?;
        let _s = trace::span("store.commit");
        txn.commit().map_err(|e| self.err(e))?;
        *self.lock_pending() = fold::Pending {
            cells: cells.map(|d| (number + 1, d)),
            nodes: trie_log.map(|f| (number + 1, f, tries.filter(|_| logged))),
        };
        Ok(true)
    }

    /// Writes a whole `state` as block `number` with global root `root` (a
    /// snapshot's import) and its tries (every node, from a journal kept
    /// while they were built), in one transaction, into an empty store.
    pub fn import_state(
        &self,
        number: u64,
        root: Felt,
        state: &MemState,
        tries: Option<TrieChanges>,
    ) -> Result<(), StoreError> {
        if self.last_block()?.is_some() {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                what: "import into a store that holds blocks".into(),
            });
        }
        // The block's record names its root; its diff (the whole state)
        // is not kept twice.
        // Its tries go into the tables: the record holds no diff to recompute them from.
        let tries = tries.map(|t| TrieChanges { fold: true, ..t });
        self.commit_block_when(number, &state.to_diff(), &StateDiff::default(), None, || Some((root, tries)))
            .map(|_| ())
    }

    /// Writes the tries whole (every node, from a journal kept while they
    /// were rebuilt), replacing what the tries' tables held, in one
    /// transaction of their own.
    pub fn write_tries(&self, changes: &TrieChanges) -> Result<(), StoreError> {
        let block = self.last_block()?.map_or(0, |(n, _)| n);
        self.write(|txn| nodes::write(txn, block, changes, true, None).map(drop))?;
        self.lock_pending().nodes = Some((block + 1, Default::default(), None));
        Ok(())
    }

    fn lock_pending(&self) -> std::sync::MutexGuard<'_, fold::Pending> {
        self.pending.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn read_error(&self, e: nodes::ReadError) -> StoreError {
        match e {
            nodes::ReadError::Db(e) => self.err(e),
            nodes::ReadError::Corrupt(what) => StoreError::Corrupt { path: self.path.clone(), what },
        }
    }

    /// The tries at the last block, or `None` when they are not whole (the
    /// store was written without them); a row that is not a node is an
    /// error. The tables are as of the last folding: the changes since are
    /// recomputed from the blocks' diffs, and kept for the next folding.
    pub fn load_tries(&self) -> Result<Option<StateCommitment>, StoreError> {
        self.load_tries_over(&self.load_records()?)
    }

    /// [`Store::load_tries`] with the contract records at the last block
    /// already loaded ([`Store::load_records`] or [`Store::load`]).
    pub fn load_tries_over(&self, records: &MemState) -> Result<Option<StateCommitment>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let Some((mut tries, at)) = nodes::read(&txn).map_err(|e| self.read_error(e))? else { return Ok(None) };
        self.catch_up(&txn, at, &mut tries, records)?;
        Ok(Some(tries))
    }

    /// The stored tries paged: only the nodes changed since the last
    /// folding are in memory, pinned (recomputed from the blocks' diffs,
    /// as [`Store::load_tries`] does); the others are read from the
    /// `nodes` table when an update needs them (the RAM tier). `records`
    /// are the contract records at the last block. `None` when the tries
    /// are not whole.
    pub fn load_tries_paged(&self, records: &MemState) -> Result<Option<StateCommitment<PagedStore>>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let Some((mut tries, at)) = nodes::read_paged(&self.db, &txn).map_err(|e| self.read_error(e))? else {
            return Ok(None);
        };
        self.catch_up(&txn, at, &mut tries, records)?;
        Ok(Some(tries))
    }

    /// Brings `tries`, read as of block `at` (`None`: the last), to the
    /// last block: the diffs of the blocks since, merged, are committed on
    /// them over `records`, and the nodes that changed are kept for the
    /// next folding.
    fn catch_up<S: Journaled + NodeStore>(
        &self,
        txn: &redb::ReadTransaction,
        at: Option<u64>,
        tries: &mut StateCommitment<S>,
        records: &MemState,
    ) -> Result<(), StoreError> {
        let corrupt = |what: String| StoreError::Corrupt { path: self.path.clone(), what };
        let Some((last, _)) = self.last_block()? else { return Ok(()) };
        let mut log = nodes::Folded::default();
        if let Some(at) = at.filter(|&at| at < last) {
            let _s = trace::span("store.catch_up");
            let all = fold::merged(&txn.open_table(BLOCKS).map_err(|e| self.err(e))?, at + 1).map_err(corrupt)?;
            tries.keep_journal();
            tries
                .commit(wavelane_kernels::Backend::Simd, records, &all, crate::state::StarknetVersion::V0_14_0)
                .map_err(|e| corrupt(format!("tries: the blocks since {at}: {e}")))?;
            log.add_changes(&tries.take_changes([&all]));
        }
        self.lock_pending().nodes = Some((last + 1, log, None));
        Ok(())
    }

    /// Empty tries paged from this store's tables (for a store without
    /// blocks yet).
    pub fn empty_tries_paged(&self) -> StateCommitment<PagedStore> {
        nodes::empty_paged(&self.db)
    }

    /// Whether writing block `number` with `changes` folds the trie log
    /// into the tables, after which the `nodes` table holds every node.
    pub fn folds(number: u64, changes: &TrieChanges) -> bool {
        changes.fold || nodes::folds(number, changes.storage.len() + changes.contracts.len() + changes.classes.len())
    }

    /// The whole state, read into memory (row by row into the state's
    /// maps: no diff in between).
    pub fn load(&self) -> Result<MemState, StoreError> {
        self.load_with(true)
    }

    /// The contract records and classes, without the storage cells: what
    /// an executor with a RAM tier keeps in memory ([`CellCache`] holds the
    /// cells it uses).
    pub fn load_records(&self) -> Result<MemState, StoreError> {
        self.load_with(false)
    }

    fn load_with(&self, cells: bool) -> Result<MemState, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let mut state = MemState::new();
        let corrupt = |what: &str| StoreError::Corrupt { path: self.path.clone(), what: what.into() };
        let storage = txn.open_table(STORAGE).map_err(|e| self.err(e))?;
        for row in storage.iter().map_err(|e| self.err(e))?.take(if cells { usize::MAX } else { 0 }) {
            let (k, v) = row.map_err(|e| self.err(e))?;
            let k = k.value();
            let a = ContractAddress::new(felt(&k[..32])).map_err(|_| corrupt("storage address"))?;
            let key = StorageKey::new(felt(&k[32..])).map_err(|_| corrupt("storage key"))?;
            state.set_storage(a, key, felt(&v.value()));
        }
        for row in txn.open_table(CONTRACTS).map_err(|e| self.err(e))?.iter().map_err(|e| self.err(e))? {
            let (k, v) = row.map_err(|e| self.err(e))?;
            let a = ContractAddress::new(felt(&k.value())).map_err(|_| corrupt("contract address"))?;
            let v = v.value();
            state.set_contract(a, ContractRecord { class_hash: felt(&v[..32]), nonce: felt(&v[32..]) });
        }
        for row in txn.open_table(CLASSES).map_err(|e| self.err(e))?.iter().map_err(|e| self.err(e))? {
            let (k, v) = row.map_err(|e| self.err(e))?;
            state.set_class(felt(&k.value()), felt(&v.value()));
        }
        for (_, diff) in self.unfolded_in(&txn)? {
            match cells {
                true => state.apply_diff(&diff).expect("memory writes never fail"),
                false => state.apply_records(&diff),
            }
        }
        Ok(state)
    }

    /// The diffs not yet folded into the state tables, by block, in order.
    pub fn unfolded(&self) -> Result<Vec<(u64, StateDiff)>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        self.unfolded_in(&txn)
    }

    fn unfolded_in(&self, txn: &redb::ReadTransaction) -> Result<Vec<(u64, StateDiff)>, StoreError> {
        let corrupt = |what: String| StoreError::Corrupt { path: self.path.clone(), what };
        let meta = txn.open_table(META).map_err(|e| self.err(e))?;
        let Some(first) = fold::first_unfolded(&meta).map_err(corrupt)? else { return Ok(Vec::new()) };
        fold::diffs(&txn.open_table(BLOCKS).map_err(|e| self.err(e))?, first).map_err(corrupt)
    }

    /// Block `number`'s recorded diff and root.
    pub fn block(&self, number: u64) -> Result<Option<StateUpdate>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let blocks = txn.open_table(BLOCKS).map_err(|e| self.err(e))?;
        let Some(v) = blocks.get(number).map_err(|e| self.err(e))? else { return Ok(None) };
        let what = |e: String| StoreError::Corrupt { path: self.path.clone(), what: format!("block {number}: {e}") };
        let mut update = record::decode(v.value()).map_err(what)?;
        update.block_number = Some(number);
        Ok(Some(update))
    }

    /// Counts and bytes.
    pub fn info(&self) -> Result<StoreInfo, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let count = |n: Result<u64, redb::StorageError>| n.map_err(|e| self.err(e));
        let contracts = count(txn.open_table(CONTRACTS).map_err(|e| self.err(e))?.len())?;
        let cells = count(txn.open_table(STORAGE).map_err(|e| self.err(e))?.len())?;
        let classes = count(txn.open_table(CLASSES).map_err(|e| self.err(e))?.len())?;
        let blocks = count(txn.open_table(BLOCKS).map_err(|e| self.err(e))?.len())?;
        let (trie_nodes, trie_log_blocks) = nodes::count(&txn).map_err(|e| self.err(e))?;
        let last = self.last_block()?.map(|(n, _)| n);
        let trie_log_blocks =
            match nodes::lag(&txn, last).map_err(|what| StoreError::Corrupt { path: self.path.clone(), what })? {
                Some(lag) if trie_log_blocks == 0 => lag,
                _ => trie_log_blocks,
            };
        let meta = txn.open_table(META).map_err(|e| self.err(e))?;
        let first =
            fold::first_unfolded(&meta).map_err(|what| StoreError::Corrupt { path: self.path.clone(), what })?;
        let diff_log_blocks = match (first, self.last_block()?) {
            (Some(f), Some((last, _))) => last + 1 - f,
            _ => 0,
        };
        let tries_whole =
            txn.open_table(META).map_err(|e| self.err(e))?.get(nodes::TRIES).map_err(|e| self.err(e))?.is_some();
        drop(txn);
        let bytes_on_disk = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        Ok(StoreInfo {
            last_block: self.last_block()?,
            contracts,
            cells,
            classes,
            blocks,
            trie_nodes,
            trie_log_blocks,
            diff_log_blocks,
            tries_whole,
            bytes_on_disk,
            label: self.label()?,
        })
    }
}
