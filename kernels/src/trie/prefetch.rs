//! The prefetch walk: bringing in, before an update on a store that pages
//! nodes in, every node the update (or a `get` or `prove` of the same keys)
//! will read, one batched [`NodeStore::fault`] per level of the walk.
//!
//! What the merge (`update.rs`) reads, at a node on some key's path:
//!
//! ```text
//! leaf     its hash (the old value)
//! binary   both children: the written side is walked on; the other one
//!          (the sibling) is hashed by the new parent, and when the written
//!          side empties, the node becomes a 1-bit edge over the sibling,
//!          which reads its shape and, for an edge sibling, absorbs it:
//!          the merged edge is hashed over the sibling's child, so that
//!          child comes in too
//! edge     its child: an edge the keys follow is walked on; one they leave
//!          splits, and the shortened edge above the old child is hashed
//!          over the child's hash
//! ```
//!
//! Nothing deeper is read: an absorbed edge's child is only named by the
//! new edge, and every other node the merge touches is one it made. The
//! same set covers [`Trie::get`] (the path) and [`Trie::prove`] (the path
//! and each node's children's hashes). Each tree's root comes in even with
//! no keys (the update returns it), as do the children of the nodes a
//! failed update left to hash. A faulted node counts as used in the store's
//! current epoch, which is what its eviction order goes by.

use super::bits::{self, U256};
use super::store::{Node, NodeId, NodeStore};
use super::{key_limbs, Trie, TrieError};
use starknet_types_core::felt::Felt;

/// A node on some keys' path: the keys (sorted) that pass through it.
struct Visit<'k> {
    id: NodeId,
    depth: u32,
    keys: &'k [U256],
}

/// Sorts keys as big-endian integers (the order the merge walks) and drops
/// repeats.
pub(super) fn sort_keys(keys: &mut Vec<U256>) {
    keys.sort_unstable_by(|a, b| a.iter().rev().cmp(b.iter().rev()));
    keys.dedup();
}

/// `a < b` as integers.
fn less(a: &U256, b: &U256) -> bool {
    a.iter().rev().lt(b.iter().rev())
}

impl<S: NodeStore> Trie<S> {
    /// Brings into memory every node that an update, a [`Trie::get`] or a
    /// [`Trie::prove`] of `keys` would read (see the module documentation
    /// of `prefetch.rs`), one batched read of the store's source per level.
    /// Nothing to do on a [`NodeStore::complete`] store; updates call it
    /// themselves on the others.
    pub fn prefetch(&mut self, keys: &[Felt]) -> Result<(), TrieError> {
        if self.store.complete() {
            return Ok(());
        }
        let mut limbs = keys.iter().map(|&k| key_limbs(k)).collect::<Result<Vec<_>, _>>()?;
        sort_keys(&mut limbs);
        self.prefetch_trees(&[(self.root, &limbs)])
    }

    /// The walk for several trees of this store at once: `(root, keys)`,
    /// each tree's keys sorted and distinct.
    pub(super) fn prefetch_trees(&mut self, trees: &[(Option<NodeId>, &[U256])]) -> Result<(), TrieError> {
        let mut span = crate::trace::span("trie.prefetch");
        let mut batch: Vec<NodeId> = Vec::new();
        let mut frontier: Vec<Visit<'_>> = Vec::new();
        for &(root, keys) in trees {
            if let Some(id) = root {
                batch.push(id);
                frontier.push(Visit { id, depth: 0, keys });
            }
        }
        // What a failed update left to hash: it reads those nodes' children.
        if let Some(plan) = &self.pending {
            for &id in plan.levels.iter().flatten() {
                match self.store.node(id) {
                    Node::Binary { left, right } => batch.extend([left, right]),
                    Node::Edge { child, .. } => batch.push(child),
                    Node::Leaf => {}
                }
            }
        }
        // Siblings faulted in the last batch: an edge among them brings its child.
        let mut siblings: Vec<NodeId> = Vec::new();
        let mut levels = 0;
        while !batch.is_empty() {
            self.store.fault(&batch).map_err(TrieError::Source)?;
            levels += 1;
            batch.clear();
            for s in std::mem::take(&mut siblings) {
                if let Node::Edge { child, .. } = self.store.node(s) {
                    batch.push(child);
                }
            }
            let mut next = Vec::with_capacity(frontier.len());
            for v in frontier.drain(..) {
                match self.store.node(v.id) {
                    Node::Leaf => {}
                    Node::Binary { left, right } => {
                        batch.extend([left, right]);
                        let (l, r) = v.keys.split_at(v.keys.partition_point(|k| !bits::bit(k, v.depth)));
                        for (child, keys) in [(left, l), (right, r)] {
                            if keys.is_empty() {
                                siblings.push(child);
                            } else {
                                next.push(Visit { id: child, depth: v.depth + 1, keys });
                            }
                        }
                    }
                    Node::Edge { child, path, len } => {
                        batch.push(child);
                        // The keys share bits `..depth`, so their next `len`
                        // bits ascend with them: those equal to the path are
                        // one run.
                        let (d, l) = (v.depth, len as u32);
                        let lo = v.keys.partition_point(|k| less(&bits::bits(k, d, l), &path));
                        let hi = lo + v.keys[lo..].partition_point(|k| bits::bits(k, d, l) == path);
                        if lo < hi {
                            next.push(Visit { id: child, depth: d + l, keys: &v.keys[lo..hi] });
                        }
                    }
                }
            }
            frontier = next;
        }
        span.arg("levels", levels as f64);
        Ok(())
    }
}
