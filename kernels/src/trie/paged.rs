//! [`PagedStore`]: a RAM tier for trie nodes. It holds some nodes in memory,
//! up to a byte budget the caller enforces with [`PagedStore::evict`], and
//! reads the others from a [`NodeSource`] (a disk store that has every node
//! by id) when an update needs them.
//!
//! * **Faults.** The trie never reads a node that is not in memory: before
//!   an update (or on [`super::Trie::prefetch`]) it walks the written keys'
//!   paths and calls [`NodeStore::fault`] once per level of the walk
//!   (`prefetch.rs`). Reading a node that is not resident panics naming
//!   the id: that is a missing prefetch, a bug.
//! * **Pins.** A node changed (made, reshaped, rehashed or freed) since the
//!   last [`PagedStore::unpin_all`] is newer than the source, so it is never
//!   evicted; the caller unpins once it has written the changes (from the
//!   journal, [`Journaled::take_changes`]) through to the source. A node
//!   still in an untaken journal is not evicted either.
//! * **Eviction** is least recently used first, by the epoch
//!   ([`PagedStore::next_epoch`], once per block) of the last fault that
//!   touched a node, ties by id, so it is deterministic.
//! * **Ids.** Freed ids are handed out again; ids below the `next_id` the
//!   store was opened with that it never saw freed are assumed live on the
//!   source (such gaps are never reused).
//!
//! [`PagedStore::bytes`] is an estimate of the heap it holds, from
//! hashbrown's layout (`table_bytes`): per resident node one 48-byte
//! bucket (id, packed shape, hash, epoch) and a control byte, per edge
//! longer than [`super::store::SHORT_EDGE_BITS`] a 40-byte bucket (id,
//! path) and a control byte, each table sized for 8/7 of what it can hold
//! (a power of two); plus the free list, the pin list and the journal.

use super::bits::U256;
use super::store::{Journal, Journaled, Node, NodeChange, NodeId, NodeStore, Packed, MAX_NODES};
use crate::field::Fe;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

/// Where a [`PagedStore`] reads the nodes it does not hold (a disk store).
pub trait NodeSource: Send + Sync {
    /// Appends to `out`, for each id in order, its shape and hash as last
    /// written (`None`: the source has no such node). Returns the bytes
    /// read, for statistics; `Err(message)` on an I/O failure.
    fn read(&self, ids: &[NodeId], out: &mut Vec<Option<(Node, Fe)>>) -> Result<u64, String>;
}

/// What a [`PagedStore`]'s faults found, since the last
/// [`PagedStore::take_stats`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PageStats {
    /// Ids asked for that were in memory.
    pub hits: u64,
    /// Nodes read from the source.
    pub misses: u64,
    /// Bytes the source reported reading.
    pub bytes_read: u64,
}

/// The epoch of a node that must stay in memory.
const PINNED: u32 = u32::MAX;

/// A resident node. The hash is kept as `u32`s so that, with its `u32`
/// key, a bucket is 48 bytes (an `Fe` would align it to 56).
#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: [u32; 8],
    shape: Packed,
    /// The last epoch a fault touched it, or [`PINNED`].
    epoch: u32,
}

/// Hashes a node id by one multiplication (Fibonacci hashing): ids are
/// dense integers, and the table takes its control bits from the top.
#[derive(Clone, Copy, Debug, Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u32(&mut self, id: u32) {
        self.0 = (id as u64 ^ self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type IdMap<V> = HashMap<NodeId, V, BuildHasherDefault<IdHasher>>;

/// Heap bytes of a hashbrown table that can hold `capacity` entries of
/// `entry` bytes: its buckets (a power of two, at most 7/8 full; fewer than
/// 8 buckets hold one less than their number), a control byte each, and a
/// group's worth (16) of trailing control bytes.
fn table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 8 { capacity + 1 } else { capacity * 8 / 7 }.next_power_of_two();
    buckets * (entry + 1) + 16
}

/// The capacity a table holding `len` entries has after `shrink_to_fit`
/// (hashbrown: 4 or 8 buckets below 8 entries, else the power of two above
/// `len * 8 / 7`).
fn shrunk_capacity(len: usize) -> usize {
    match len {
        0 => 0,
        1..=3 => 3,
        4..=7 => 7,
        _ => (len * 8 / 7).next_power_of_two() / 8 * 7,
    }
}

/// Trie nodes partly in memory, the rest on a [`NodeSource`]; see the
/// module documentation.
#[derive(Clone)]
pub struct PagedStore {
    source: Arc<dyn NodeSource>,
    nodes: IdMap<Entry>,
    /// Paths (with their sentinel bit) of the resident long edges.
    long: IdMap<U256>,
    /// One more than the largest id that may exist.
    next_id: NodeId,
    free: Vec<NodeId>,
    /// Ids pinned since the last `unpin_all` (some since freed).
    pinned: Vec<NodeId>,
    epoch: u32,
    stats: PageStats,
    journal: Option<Journal>,
}

impl std::fmt::Debug for PagedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PagedStore")
            .field("resident", &self.nodes.len())
            .field("next_id", &self.next_id)
            .field("free", &self.free.len())
            .field("pinned", &self.pinned.len())
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

impl PagedStore {
    /// A store over `source` whose ids below `next_id` may be on the
    /// source; ids from `next_id` on are unallocated. Nothing is resident.
    pub fn new(source: Arc<dyn NodeSource>, next_id: NodeId) -> PagedStore {
        assert!(next_id as usize <= MAX_NODES, "next id {next_id} is past MAX_NODES");
        PagedStore {
            source,
            nodes: IdMap::default(),
            long: IdMap::default(),
            next_id,
            free: Vec::new(),
            pinned: Vec::new(),
            epoch: 0,
            stats: PageStats::default(),
            journal: None,
        }
    }

    /// Puts node `id` in memory as its newest version. A `pinned` node is
    /// one the source does not have yet (a change log's node, written since
    /// the source was): it is journaled and stays until
    /// [`PagedStore::unpin_all`]. An unpinned one is a cached copy of the
    /// source's. Inserting an id that [`PagedStore::forget`] freed takes it
    /// off the free list (a scan of the list).
    pub fn insert(&mut self, id: NodeId, node: Node, hash: Fe, pinned: bool) {
        self.claim(id);
        if let Some(i) = self.free.iter().rposition(|&f| f == id) {
            self.free.swap_remove(i);
        }
        self.put(id, node, hash);
        if pinned {
            self.changed(id);
        }
    }

    /// Marks `id` freed without loading it (a change log said it was):
    /// journaled, and handed out again by `alloc`. `id` must not be free
    /// already.
    pub fn forget(&mut self, id: NodeId) {
        self.claim(id);
        debug_assert!(!self.free.contains(&id), "node {id} forgotten twice");
        self.drop_resident(id);
        self.free.push(id);
        self.note(id);
    }

    /// Reads the ids that are not in memory from the source, in one read,
    /// and marks every id asked for as used in this epoch. Errs (keeping
    /// what is resident as it was) on a source error, an id the source
    /// lacks, or one past the store's ids.
    pub fn fault(&mut self, ids: &[NodeId]) -> Result<(), String> {
        let mut misses = Vec::new();
        for &id in ids {
            match self.nodes.get_mut(&id) {
                Some(e) => {
                    self.stats.hits += 1;
                    if e.epoch != PINNED {
                        e.epoch = self.epoch;
                    }
                }
                None => misses.push(id),
            }
        }
        if misses.is_empty() {
            return Ok(());
        }
        misses.sort_unstable();
        misses.dedup();
        if let Some(&id) = misses.last().filter(|&&id| id >= self.next_id) {
            return Err(format!("node {id} is past the store's {} ids", self.next_id));
        }
        let mut read = Vec::with_capacity(misses.len());
        let bytes = self.source.read(&misses, &mut read)?;
        if read.len() != misses.len() {
            return Err(format!("asked the source for {} nodes, got {}", misses.len(), read.len()));
        }
        if let Some(i) = read.iter().position(Option::is_none) {
            return Err(format!("node {} is not on the source", misses[i]));
        }
        self.stats.misses += misses.len() as u64;
        self.stats.bytes_read += bytes;
        for (id, got) in misses.into_iter().zip(read) {
            let (node, hash) = got.expect("checked above");
            self.put(id, node, hash);
        }
        Ok(())
    }

    /// Whether node `id` is in memory.
    pub fn resident(&self, id: NodeId) -> bool {
        self.nodes.contains_key(&id)
    }

    /// Nodes in memory.
    pub fn resident_nodes(&self) -> usize {
        self.nodes.len()
    }

    /// Nodes pinned since the last [`PagedStore::unpin_all`] (an upper
    /// bound: some may have been freed since).
    pub fn pinned(&self) -> usize {
        self.pinned.len()
    }

    /// Evicts nodes that are not pinned, least recently used first (ties
    /// by id), until [`NodeStore::bytes`] is at most `budget` or none is
    /// left to evict, and shrinks the tables. Returns how many went.
    pub fn evict(&mut self, budget: usize) -> usize {
        self.evict_keeping(budget, &[])
    }

    /// [`PagedStore::evict`], never evicting the ids in `keep` (a trie's
    /// roots, which [`super::Trie::root`] reads).
    pub fn evict_keeping(&mut self, budget: usize, keep: &[NodeId]) -> usize {
        if self.bytes() <= budget {
            return 0;
        }
        let mut keep = keep.to_vec();
        keep.sort_unstable();
        let journal = self.journal.as_ref();
        let mut order: Vec<(u32, NodeId, bool)> = self
            .nodes
            .iter()
            .filter(|(id, e)| {
                e.epoch != PINNED && !journal.is_some_and(|j| j.has(**id)) && keep.binary_search(id).is_err()
            })
            .map(|(&id, e)| (e.epoch, id, e.shape.is_long_edge()))
            .collect();
        order.sort_unstable();
        // How many to evict so that the shrunk tables fit the budget.
        let fixed = self.bytes() - self.table_bytes();
        let (mut n, mut l) = (self.nodes.len(), self.long.len());
        let projected = |n: usize, l: usize| {
            fixed
                + table_bytes(shrunk_capacity(n), std::mem::size_of::<(NodeId, Entry)>())
                + table_bytes(shrunk_capacity(l), std::mem::size_of::<(NodeId, U256)>())
        };
        let mut count = 0;
        while count < order.len() && projected(n, l) > budget {
            n -= 1;
            l -= order[count].2 as usize;
            count += 1;
        }
        for &(_, id, _) in &order[..count] {
            self.drop_resident(id);
        }
        self.shrink();
        // Should the tables come out larger than projected, evict on.
        while count < order.len() && self.bytes() > budget {
            self.drop_resident(order[count].1);
            count += 1;
            self.shrink();
        }
        count
    }

    /// Unpins every node changed since the last call: the source has them
    /// now. They count as used in the current epoch.
    pub fn unpin_all(&mut self) {
        for id in std::mem::take(&mut self.pinned) {
            if let Some(e) = self.nodes.get_mut(&id) {
                if e.epoch == PINNED {
                    e.epoch = self.epoch;
                }
            }
        }
    }

    /// Starts a new use epoch (once per block): eviction goes by the last
    /// epoch a node was used in.
    pub fn next_epoch(&mut self) {
        self.epoch = (self.epoch + 1).min(PINNED - 1);
    }

    /// The fault counters since the last take, and starts them afresh.
    pub fn take_stats(&mut self) -> PageStats {
        std::mem::take(&mut self.stats)
    }

    /// Starts recording which ids change (see [`PagedStore::take_changes`]).
    pub fn keep_journal(&mut self) {
        self.journal.get_or_insert_with(Journal::default);
    }

    /// The nodes changed since the journal started or was last taken, by
    /// id, each with its shape and hash now (`None`: freed); the same
    /// contract as [`super::MemStore::take_changes`]. Empty without a
    /// journal.
    pub fn take_changes(&mut self) -> Vec<NodeChange> {
        let Some(journal) = self.journal.as_mut() else { return Vec::new() };
        // A journaled node is never evicted, so one not resident is freed.
        let ids = journal.take();
        ids.into_iter()
            .map(|id| (id, self.nodes.get(&id).map(|e| (self.unpack(id, e.shape), Fe(bytemuck::cast(e.hash))))))
            .collect()
    }

    /// Extends the id range to cover `id`.
    fn claim(&mut self, id: NodeId) {
        assert!((id as usize) < MAX_NODES, "node {id} is past MAX_NODES");
        self.next_id = self.next_id.max(id + 1);
    }

    /// Stores `node` (replacing any resident version) as used now.
    fn put(&mut self, id: NodeId, node: Node, hash: Fe) {
        let shape = self.pack(id, node);
        let epoch = self.nodes.get(&id).map_or(self.epoch, |e| e.epoch);
        self.nodes.insert(id, Entry { hash: bytemuck::cast(hash.0), shape, epoch });
    }

    /// Packs `node` for `id`, keeping or dropping its long path.
    fn pack(&mut self, id: NodeId, node: Node) -> Packed {
        let mut long = None;
        let shape = Packed::new(node, |stored| {
            long = Some(stored);
            0
        });
        match long {
            Some(stored) => {
                self.long.insert(id, stored);
            }
            None => {
                if self.nodes.get(&id).is_some_and(|e| e.shape.is_long_edge()) {
                    self.long.remove(&id);
                }
            }
        }
        shape
    }

    fn unpack(&self, id: NodeId, shape: Packed) -> Node {
        shape.unpack(|_| self.long[&id])
    }

    fn entry(&self, id: NodeId) -> &Entry {
        self.nodes.get(&id).unwrap_or_else(|| panic!("trie node {id} is not in memory: prefetch before reading it"))
    }

    fn entry_mut(&mut self, id: NodeId) -> &mut Entry {
        self.nodes
            .get_mut(&id)
            .unwrap_or_else(|| panic!("trie node {id} is not in memory: prefetch before changing it"))
    }

    /// Pins `id` (it is newer than the source) and journals it.
    fn changed(&mut self, id: NodeId) {
        let e = self.entry_mut(id);
        if e.epoch != PINNED {
            e.epoch = PINNED;
            self.pinned.push(id);
        }
        self.note(id);
    }

    fn note(&mut self, id: NodeId) {
        if let Some(j) = self.journal.as_mut() {
            j.mark(id);
        }
    }

    /// Removes `id` from memory, if there.
    fn drop_resident(&mut self, id: NodeId) {
        if let Some(e) = self.nodes.remove(&id) {
            if e.shape.is_long_edge() {
                self.long.remove(&id);
            }
        }
    }

    fn shrink(&mut self) {
        self.nodes.shrink_to_fit();
        self.long.shrink_to_fit();
    }

    /// Bytes of the two tables.
    fn table_bytes(&self) -> usize {
        table_bytes(self.nodes.capacity(), std::mem::size_of::<(NodeId, Entry)>())
            + table_bytes(self.long.capacity(), std::mem::size_of::<(NodeId, U256)>())
    }
}

impl NodeStore for PagedStore {
    fn node(&self, id: NodeId) -> Node {
        self.unpack(id, self.entry(id).shape)
    }

    fn hash(&self, id: NodeId) -> Fe {
        Fe(bytemuck::cast(self.entry(id).hash))
    }

    fn alloc(&mut self, node: Node, hash: Fe) -> NodeId {
        let id = loop {
            match self.free.pop() {
                // An id inserted again after it was forgotten.
                Some(id) if self.nodes.contains_key(&id) => continue,
                Some(id) => break id,
                None => {
                    let id = self.next_id;
                    assert!((id as usize) < MAX_NODES, "fewer than 2^30 trie nodes");
                    self.next_id += 1;
                    break id;
                }
            }
        };
        self.put(id, node, hash);
        self.changed(id);
        id
    }

    fn set_node(&mut self, id: NodeId, node: Node) {
        self.entry(id);
        let shape = self.pack(id, node);
        self.entry_mut(id).shape = shape;
        self.changed(id);
    }

    fn set_hash(&mut self, id: NodeId, hash: Fe) {
        self.entry_mut(id).hash = bytemuck::cast(hash.0);
        self.changed(id);
    }

    fn free(&mut self, id: NodeId) {
        self.entry(id);
        self.drop_resident(id);
        self.free.push(id);
        self.note(id);
    }

    /// The store's id range: one more than the largest id that may exist.
    fn capacity(&self) -> usize {
        self.next_id as usize
    }

    /// The resident nodes (how many live on the source alone is not known
    /// here).
    fn live(&self) -> usize {
        self.nodes.len()
    }

    fn bytes(&self) -> usize {
        self.table_bytes()
            + (self.free.capacity() + self.pinned.capacity()) * std::mem::size_of::<NodeId>()
            + self.journal.as_ref().map_or(0, Journal::bytes)
    }

    fn complete(&self) -> bool {
        false
    }

    fn fault(&mut self, ids: &[NodeId]) -> Result<(), String> {
        PagedStore::fault(self, ids)
    }
}

impl Journaled for PagedStore {
    fn keep_journal(&mut self) {
        PagedStore::keep_journal(self);
    }

    fn take_changes(&mut self) -> Vec<NodeChange> {
        PagedStore::take_changes(self)
    }
}

#[cfg(test)]
mod tests;
