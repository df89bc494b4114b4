//! Node storage: the [`NodeStore`] interface the trie reads and writes
//! through, and [`MemStore`], the in-memory store.
//!
//! A node is a [`Node`] record (its shape and children) plus its hash. A
//! leaf's hash is its value, as Starknet defines it. Nodes are addressed by
//! [`NodeId`]; freed ids are reused, so memory follows the live tree. A
//! persistent store implements the same trait (and may keep a write-back
//! cache); the trie never holds node references across calls.

use super::bits::U256;
use crate::field::Fe;

/// A node's address in its store.
pub type NodeId = u32;

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
        /// The key bits along the edge, as an integer.
        path: U256,
        /// The number of bits (1..=251).
        len: u8,
    },
}

/// Where trie nodes live. Reading, writing and freeing are the only
/// operations the trie needs.
pub trait NodeStore {
    /// The node at `id`.
    fn node(&self, id: NodeId) -> Node;
    /// The hash of the node at `id` (the value, for a leaf).
    fn hash(&self, id: NodeId) -> Fe;
    /// Stores a new node and returns its id.
    fn alloc(&mut self, node: Node, hash: Fe) -> NodeId;
    /// Replaces the shape of node `id`.
    fn set_node(&mut self, id: NodeId, node: Node);
    /// Replaces the hash of node `id`.
    fn set_hash(&mut self, id: NodeId, hash: Fe);
    /// Frees node `id`; the id may be handed out again.
    fn free(&mut self, id: NodeId);
    /// One more than the largest id handed out so far.
    fn capacity(&self) -> usize;
    /// Live nodes.
    fn live(&self) -> usize;
    /// Bytes of memory the store holds.
    fn bytes(&self) -> usize;
}

/// Nodes in two parallel vectors (shape, hash) with a free list.
///
/// A node costs `size_of::<Node>() + 32` bytes (72); a tree of `n` random
/// leaves has about `n` leaves, `n - 1` binary nodes and `n` edges.
#[derive(Clone, Debug, Default)]
pub struct MemStore {
    nodes: Vec<Node>,
    hashes: Vec<Fe>,
    free: Vec<NodeId>,
}

impl MemStore {
    /// All hashes, indexed by id (freed slots hold stale values).
    pub fn hashes(&self) -> &[Fe] {
        &self.hashes
    }
}

impl NodeStore for MemStore {
    #[inline]
    fn node(&self, id: NodeId) -> Node {
        self.nodes[id as usize]
    }

    #[inline]
    fn hash(&self, id: NodeId) -> Fe {
        self.hashes[id as usize]
    }

    fn alloc(&mut self, node: Node, hash: Fe) -> NodeId {
        match self.free.pop() {
            Some(id) => {
                self.nodes[id as usize] = node;
                self.hashes[id as usize] = hash;
                id
            }
            None => {
                let id = NodeId::try_from(self.nodes.len()).expect("fewer than 2^32 trie nodes");
                self.nodes.push(node);
                self.hashes.push(hash);
                id
            }
        }
    }

    #[inline]
    fn set_node(&mut self, id: NodeId, node: Node) {
        self.nodes[id as usize] = node;
    }

    #[inline]
    fn set_hash(&mut self, id: NodeId, hash: Fe) {
        self.hashes[id as usize] = hash;
    }

    fn free(&mut self, id: NodeId) {
        self.free.push(id);
    }

    fn capacity(&self) -> usize {
        self.nodes.len()
    }

    fn live(&self) -> usize {
        self.nodes.len() - self.free.len()
    }

    fn bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.hashes.capacity() * std::mem::size_of::<Fe>()
            + self.free.capacity() * std::mem::size_of::<NodeId>()
    }
}

#[cfg(test)]
mod tests {
    /// The per-node cost the docs quote: a 40-byte shape plus a 32-byte hash.
    #[test]
    fn a_node_is_72_bytes() {
        assert_eq!(std::mem::size_of::<super::Node>() + std::mem::size_of::<crate::field::Fe>(), 72);
    }
}
