//! Node storage: the [`NodeStore`] interface the trie reads and writes
//! through, and [`MemStore`], the in-memory store.
//!
//! A node is a shape ([`Node`]: leaf, binary or edge, with its children) plus
//! its hash; a leaf's hash is its value, as Starknet defines it. Nodes are
//! addressed by [`NodeId`]; freed ids are reused, so memory follows the live
//! tree. [`Node`] is the form the trie reads and writes, not a storage
//! format: each store encodes shapes as it likes ([`MemStore`] packs them
//! into 8 bytes). A persistent store implements the same trait (and may keep
//! a write-back cache); the trie never holds node references across calls.

use super::bits::{self, U256};
use super::chunks::Chunks;
use crate::field::Fe;

/// A node's address in its store, below [`MAX_NODES`].
pub type NodeId = u32;

/// Ids a store may hand out: `0..2^30`. The top two bits of a `u32` are
/// tags, in [`MemStore`]'s packed shapes and in the GPU backend's jobs.
pub const MAX_NODES: usize = 1 << 30;

/// A node's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    /// A stored value at depth 251; its hash is the value.
    Leaf,
    /// Two children; hash `H(left, right)`.
    Binary {
        /// The child on the 0 side.
        left: NodeId,
        /// The child on the 1 side.
        right: NodeId,
    },
    /// A run of `len` single-child steps; hash `H(child, path) + len`.
    Edge {
        /// The node the edge leads to (never an edge).
        child: NodeId,
        /// The key bits along the edge, as an integer (below `2^len`).
        path: U256,
        /// The number of bits (1..=251).
        len: u8,
    },
}

/// Where trie nodes live. Reading, writing and freeing are the only
/// operations the trie needs; ids are the store's to choose (below
/// [`MAX_NODES`]) and stay valid until freed.
pub trait NodeStore {
    /// The shape of node `id`.
    fn node(&self, id: NodeId) -> Node;
    /// The hash of node `id` (the value, for a leaf).
    fn hash(&self, id: NodeId) -> Fe;
    /// Stores a new node and returns its id.
    fn alloc(&mut self, node: Node, hash: Fe) -> NodeId;
    /// Replaces the shape of node `id`.
    fn set_node(&mut self, id: NodeId, node: Node);
    /// Replaces the hash of node `id`.
    fn set_hash(&mut self, id: NodeId, hash: Fe);
    /// Frees node `id`; the id may be handed out again.
    fn free(&mut self, id: NodeId);
    /// One more than the largest id handed out so far (the length of an
    /// array indexed by id, such as the GPU's resident hashes).
    fn capacity(&self) -> usize;
    /// Live nodes.
    fn live(&self) -> usize;
    /// Bytes of memory the store holds.
    fn bytes(&self) -> usize;
    /// Whether every node is in memory, so any id can be read at once. A
    /// store that pages nodes in ([`super::paged::PagedStore`]) says no, and
    /// the trie brings in what an update reads ([`NodeStore::fault`]) before
    /// it changes anything.
    fn complete(&self) -> bool {
        true
    }
    /// Brings nodes `ids` into memory (a complete store holds them all
    /// already). Errs with the source's message when it cannot read them.
    fn fault(&mut self, ids: &[NodeId]) -> Result<(), String> {
        let _ = ids;
        Ok(())
    }
}

/// A store that can record which nodes change, for a persistent copy that
/// writes only those.
pub trait Journaled: NodeStore {
    /// Starts recording which ids change (see [`Journaled::take_changes`]).
    fn keep_journal(&mut self);
    /// The nodes changed since the journal started or was last taken, by
    /// id, each with its shape and hash now (`None`: freed). Empty without
    /// a journal.
    fn take_changes(&mut self) -> Vec<NodeChange>;
}

/// A shape packed into two words; the top two bits of `a` say which.
///
/// ```text
///              a (tag | 30 bits)   b
/// binary       00 | left           right
/// leaf         01 | 0              0
/// long edge    10 | child          index of its path in `paths`
/// short edge   11 | child          path | 1 << len        (len ≤ 31)
/// ```
///
/// An edge's length is kept as a sentinel bit above its path (`path <
/// 2^len`, so the highest set bit is bit `len`): inline when that fits a
/// `u32`, else in a 32-byte entry of `paths` (`len ≤ 251` fits 256 bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Packed {
    a: u32,
    b: u32,
}

const TAG: u32 = 3 << 30;
const ID: u32 = !TAG;
const LEAF: u32 = 1 << 30;
const LONG_EDGE: u32 = 2 << 30;
const SHORT_EDGE: u32 = 3 << 30;

/// The longest edge whose path [`MemStore`] keeps inline, in the shape.
pub const SHORT_EDGE_BITS: u8 = 31;

/// `path | 1 << len`.
#[inline]
fn with_sentinel(path: &U256, len: u8) -> U256 {
    debug_assert!((1..=251).contains(&len) && bits::msb(path).is_none_or(|m| m < len as u32));
    let mut s = *path;
    s[len as usize / 64] |= 1 << (len % 64);
    s
}

/// `(path, len)` from [`with_sentinel`]'s form.
#[inline]
fn without_sentinel(mut s: U256) -> (U256, u8) {
    let len = bits::msb(&s).expect("a stored path has its sentinel bit");
    s[len as usize / 64] &= !(1 << (len % 64));
    (s, len as u8)
}

impl Packed {
    /// Packs `node`; a long edge's path (with its sentinel) goes to
    /// `put_long`, which returns what to keep in `b` (its index, say).
    #[inline]
    pub(super) fn new(node: Node, put_long: impl FnOnce(U256) -> u32) -> Packed {
        match node {
            Node::Leaf => Packed { a: LEAF, b: 0 },
            Node::Binary { left, right } => {
                debug_assert!(left & TAG == 0 && right & TAG == 0);
                Packed { a: left, b: right }
            }
            Node::Edge { child, path, len } => {
                debug_assert!(child & TAG == 0);
                let stored = with_sentinel(&path, len);
                if len <= SHORT_EDGE_BITS {
                    Packed { a: SHORT_EDGE | child, b: stored[0] as u32 }
                } else {
                    Packed { a: LONG_EDGE | child, b: put_long(stored) }
                }
            }
        }
    }

    /// The shape; a long edge's path comes from `long` (given `b`).
    #[inline]
    pub(super) fn unpack(self, long: impl FnOnce(u32) -> U256) -> Node {
        let Packed { a, b } = self;
        match a & TAG {
            0 => Node::Binary { left: a, right: b },
            LEAF => Node::Leaf,
            LONG_EDGE => {
                let (path, len) = without_sentinel(long(b));
                Node::Edge { child: a & ID, path, len }
            }
            _ => {
                let (path, len) = without_sentinel([b as u64, 0, 0, 0]);
                Node::Edge { child: a & ID, path, len }
            }
        }
    }

    /// Whether this is an edge whose path is kept outside the shape.
    #[inline]
    pub(super) fn is_long_edge(self) -> bool {
        self.a & TAG == LONG_EDGE
    }
}

/// Nodes in memory, in arrays that grow a chunk at a time ([`Chunks`]):
///
/// * per id, an 8-byte packed shape and a 32-byte hash
///   ([`MemStore::NODE_BYTES`]);
/// * per edge longer than [`SHORT_EDGE_BITS`], its 32-byte path
///   ([`MemStore::LONG_PATH_BYTES`], with a free list of its own).
///
/// A tree of `n` random leaves has about `n` leaves, `n - 1` binary nodes
/// and `1.25 n` edges, of which about `n` (those down to a leaf) are long:
/// `3.25 × 40 + 32 ≈ 162` bytes per leaf, plus at most one chunk of headroom
/// per array.
///
/// With a journal ([`MemStore::keep_journal`]) it also records which ids
/// changed (made, reshaped, rehashed or freed) since the last
/// [`MemStore::take_changes`], for a persistent copy that writes only
/// those.
#[derive(Clone, Debug, Default)]
pub struct MemStore {
    shapes: Chunks<Packed>,
    hashes: Chunks<Fe>,
    paths: Chunks<U256>,
    free: Vec<NodeId>,
    free_paths: Vec<u32>,
    journal: Option<Journal>,
}

/// The ids changed since the journal was last taken: one bit per id, and
/// the ids in the order of their first change (sorted when taken).
#[derive(Clone, Debug, Default)]
pub(super) struct Journal {
    marked: Vec<u64>,
    ids: Vec<NodeId>,
}

impl Journal {
    /// Records that `id` changed.
    pub(super) fn mark(&mut self, id: NodeId) {
        let (word, bit) = (id as usize / 64, id % 64);
        if self.marked.len() <= word {
            self.marked.resize(word + 1, 0);
        }
        if self.marked[word] >> bit & 1 == 0 {
            self.marked[word] |= 1 << bit;
            self.ids.push(id);
        }
    }

    /// Whether `id` changed since the last [`Journal::take`].
    pub(super) fn has(&self, id: NodeId) -> bool {
        self.marked.get(id as usize / 64).is_some_and(|w| w >> (id % 64) & 1 == 1)
    }

    /// The ids changed since the last take, ascending; starts afresh.
    pub(super) fn take(&mut self) -> Vec<NodeId> {
        let mut ids = std::mem::take(&mut self.ids);
        // In id order, a store's inserts walk its pages in order.
        ids.sort_unstable();
        self.marked.iter_mut().for_each(|w| *w = 0);
        ids
    }

    /// Bytes held.
    pub(super) fn bytes(&self) -> usize {
        self.marked.capacity() * 8 + self.ids.capacity() * 4
    }
}

/// A changed node as [`MemStore::take_changes`] reports it: its id, and its
/// shape and hash, or `None` when it was freed.
pub type NodeChange = (NodeId, Option<(Node, Fe)>);

impl MemStore {
    /// Bytes every node costs: its packed shape and its hash.
    pub const NODE_BYTES: usize = std::mem::size_of::<Packed>() + std::mem::size_of::<Fe>();
    /// Bytes an edge longer than [`SHORT_EDGE_BITS`] costs on top.
    pub const LONG_PATH_BYTES: usize = std::mem::size_of::<U256>();

    /// Starts recording which ids change (see [`MemStore::take_changes`]).
    pub fn keep_journal(&mut self) {
        self.journal.get_or_insert_with(Journal::default);
    }

    /// The nodes changed since the journal started or was last taken, by
    /// id, each with its shape and hash now (`None`: freed). Empty without
    /// a journal.
    pub fn take_changes(&mut self) -> Vec<NodeChange> {
        let Some(journal) = self.journal.as_mut() else { return Vec::new() };
        let ids = journal.take();
        let mut dead = vec![0u64; self.shapes.len().div_ceil(64)];
        for &id in &self.free {
            dead[id as usize / 64] |= 1 << (id % 64);
        }
        let live = |id: NodeId| dead[id as usize / 64] >> (id % 64) & 1 == 0;
        ids.into_iter().map(|id| (id, live(id).then(|| (self.node(id), self.hash(id))))).collect()
    }

    /// A store holding exactly `nodes` (`(id, shape, hash)`, ids ascending
    /// and distinct), as a journal's changes left them; the ids in between
    /// are free. Errs naming the first id out of order or out of range, or
    /// a child that is not among the nodes.
    pub fn from_nodes(nodes: impl IntoIterator<Item = (NodeId, Node, Fe)>) -> Result<MemStore, String> {
        let mut s = MemStore::default();
        for (id, node, hash) in nodes {
            if id as usize >= MAX_NODES || (id as usize) < s.shapes.len() {
                return Err(format!("node {id} out of order or range (after {})", s.shapes.len()));
            }
            while s.shapes.len() < id as usize {
                s.free.push(s.shapes.push(Packed { a: LEAF, b: 0 }) as NodeId);
                s.hashes.push(Fe::ZERO);
            }
            let packed = s.pack(node);
            s.shapes.push(packed);
            s.hashes.push(hash);
        }
        // Free ids go out lowest first, as in a store that freed them.
        s.free.reverse();
        let n = s.shapes.len();
        let mut live = vec![true; n];
        s.free.iter().for_each(|&id| live[id as usize] = false);
        for id in 0..n as NodeId {
            if !live[id as usize] {
                continue;
            }
            let children = match s.node(id) {
                Node::Leaf => [None, None],
                Node::Binary { left, right } => [Some(left), Some(right)],
                Node::Edge { child, .. } => [Some(child), None],
            };
            if let Some(c) = children.into_iter().flatten().find(|&c| c as usize >= n || !live[c as usize]) {
                return Err(format!("node {id} points at node {c}, which is not stored"));
            }
        }
        Ok(s)
    }

    fn note(&mut self, id: NodeId) {
        if let Some(j) = self.journal.as_mut() {
            j.mark(id);
        }
    }

    /// Stores a path (with its sentinel) and returns its index.
    fn put_path(&mut self, stored: U256) -> u32 {
        match self.free_paths.pop() {
            Some(p) => {
                self.paths.set(p as usize, stored);
                p
            }
            None => u32::try_from(self.paths.push(stored)).expect("fewer than 2^32 long edges"),
        }
    }

    /// Packs `node`, storing a long edge's path.
    fn pack(&mut self, node: Node) -> Packed {
        Packed::new(node, |stored| self.put_path(stored))
    }

    /// Releases what [`MemStore::pack`] stored beside a shape.
    fn release(&mut self, p: Packed) {
        if p.is_long_edge() {
            self.free_paths.push(p.b);
        }
    }
}

impl NodeStore for MemStore {
    #[inline]
    fn node(&self, id: NodeId) -> Node {
        self.shapes.get(id as usize).unpack(|i| self.paths.get(i as usize))
    }

    #[inline]
    fn hash(&self, id: NodeId) -> Fe {
        self.hashes.get(id as usize)
    }

    fn alloc(&mut self, node: Node, hash: Fe) -> NodeId {
        let packed = self.pack(node);
        let id = match self.free.pop() {
            Some(id) => {
                self.shapes.set(id as usize, packed);
                self.hashes.set(id as usize, hash);
                id
            }
            None => {
                let id = self.shapes.push(packed);
                assert!(id < MAX_NODES, "fewer than 2^30 trie nodes");
                self.hashes.push(hash);
                id as NodeId
            }
        };
        self.note(id);
        id
    }

    fn set_node(&mut self, id: NodeId, node: Node) {
        self.release(self.shapes.get(id as usize));
        let packed = self.pack(node);
        self.shapes.set(id as usize, packed);
        self.note(id);
    }

    #[inline]
    fn set_hash(&mut self, id: NodeId, hash: Fe) {
        self.hashes.set(id as usize, hash);
        self.note(id);
    }

    fn free(&mut self, id: NodeId) {
        self.release(self.shapes.get(id as usize));
        self.free.push(id);
        self.note(id);
    }

    fn capacity(&self) -> usize {
        self.shapes.len()
    }

    fn live(&self) -> usize {
        self.shapes.len() - self.free.len()
    }

    fn bytes(&self) -> usize {
        self.shapes.bytes()
            + self.hashes.bytes()
            + self.paths.bytes()
            + (self.free.capacity() + self.free_paths.capacity()) * std::mem::size_of::<u32>()
            + self.journal.as_ref().map_or(0, Journal::bytes)
    }
}

impl Journaled for MemStore {
    fn keep_journal(&mut self) {
        MemStore::keep_journal(self);
    }

    fn take_changes(&mut self) -> Vec<NodeChange> {
        MemStore::take_changes(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trie::chunks::CHUNK;

    /// The per-node costs the docs quote: an 8-byte packed shape and a
    /// 32-byte hash per node, and 32 bytes more for a long edge's path.
    #[test]
    fn a_node_is_40_bytes_and_a_long_edge_32_more() {
        assert_eq!((MemStore::NODE_BYTES, MemStore::LONG_PATH_BYTES), (40, 32));
        // A chunk each of leaves, short edges and long edges fills three
        // chunks of shapes and hashes and one of paths, with no headroom.
        let mut s = MemStore::default();
        for i in 0..CHUNK as NodeId {
            s.alloc(Node::Leaf, Fe::ONE);
            s.alloc(Node::Edge { child: i, path: [1, 0, 0, 0], len: 3 }, Fe::ONE);
            s.alloc(Node::Edge { child: i, path: [0, 0, 0, 1 << 50], len: 251 }, Fe::ONE);
        }
        let nodes = 3 * CHUNK * 40 + CHUNK * 32;
        let rest = s.bytes() - nodes;
        assert!(rest < 1024, "{rest} bytes beyond the nodes (chunk tables)");
    }

    #[test]
    fn shapes_round_trip() {
        let max = (MAX_NODES - 1) as NodeId;
        let ones = |len: u32| bits::low_bits(&[u64::MAX; 4], len);
        let shapes = [
            Node::Leaf,
            Node::Binary { left: 0, right: max },
            Node::Binary { left: max, right: 0 },
            Node::Edge { child: 0, path: [0; 4], len: 1 },
            Node::Edge { child: max, path: [1, 0, 0, 0], len: 1 },
            Node::Edge { child: 5, path: ones(31), len: 31 },
            Node::Edge { child: 5, path: [0; 4], len: 31 },
            Node::Edge { child: 6, path: ones(32), len: 32 },
            Node::Edge { child: 6, path: [0; 4], len: 64 },
            Node::Edge { child: 7, path: ones(64), len: 64 },
            Node::Edge { child: 7, path: ones(250), len: 251 },
            Node::Edge { child: max, path: ones(251), len: 251 },
            Node::Edge { child: 8, path: [0, 0, 0, 3], len: 200 },
        ];
        let mut s = MemStore::default();
        let ids: Vec<NodeId> = shapes.iter().map(|&n| s.alloc(n, Fe::from_u64(9))).collect();
        for (&id, &n) in ids.iter().zip(&shapes) {
            assert_eq!(s.node(id), n);
            assert_eq!(s.hash(id), Fe::from_u64(9));
        }
        // Every shape can become every other.
        for shift in 1..=shapes.len() {
            for (i, &id) in ids.iter().enumerate() {
                let n = shapes[(i + shift) % shapes.len()];
                s.set_node(id, n);
                assert_eq!(s.node(id), n);
            }
        }
        // Freed ids and long paths are handed out again.
        let (capacity, paths) = (s.capacity(), s.paths.len());
        for &id in &ids {
            s.free(id);
        }
        assert_eq!(s.live(), 0);
        for &n in &shapes {
            let id = s.alloc(n, Fe::ZERO);
            assert_eq!(s.node(id), n);
        }
        assert_eq!((s.capacity(), s.paths.len(), s.live()), (capacity, paths, shapes.len()));
    }
}
