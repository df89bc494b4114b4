//! The two CPU halves of a batch update: merging the sorted writes into the
//! tree's shape (marking what must be rehashed), and hashing the marked
//! nodes level by level.
//!
//! Shape changes, at a node at depth `d` receiving the writes below it:
//!
//! ```text
//! empty      build the subtree of the non-zero writes: an edge down to the
//!            first bit where they differ, a binary node there, recurse
//! leaf       new value (0: delete the leaf)
//! binary     split the writes by bit d and recurse; a side that becomes
//!            empty turns the node into a 1-bit edge above the other side
//! edge       all writes follow the path: recurse into the child, then
//!            re-wrap; some leave it at bit c: split into edge(c bits) →
//!            binary → {edge(rest) → old child, new subtree}
//! ```
//!
//! An edge whose child becomes an edge absorbs it, so edges stay maximal and
//! the shape stays a function of the stored keys. Deleting an absent key
//! changes nothing.

use super::bits::{self, HEIGHT, U256};
use super::store::{Node, NodeId, NodeStore};
use super::{key_limbs, Trie, TrieError, UpdateStats};
use crate::field::Fe;
use starknet_types_core::felt::Felt;

/// One write: canonical key limbs and the new value (zero deletes).
pub(super) type Write = (U256, Fe);

/// The nodes whose hashes an update must compute, in dependency order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// Leaves whose value changed (their hash is the value; already set).
    pub(crate) leaves: Vec<NodeId>,
    /// `levels[i]`: nodes whose dirty children all sit in lower levels.
    pub(crate) levels: Vec<Vec<NodeId>>,
}

impl Plan {
    pub(crate) fn hashes(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }
}

/// Checks and sorts a block's writes; the last write to a key wins.
pub(super) fn prepare(writes: &[(Felt, Felt)]) -> Result<Vec<Write>, TrieError> {
    let mut ups = Vec::with_capacity(writes.len());
    for (k, v) in writes {
        ups.push((key_limbs(*k)?, Fe::from_felt(v)));
    }
    // Stable sort on the key read as a big-endian integer, then keep the
    // last of each run of equal keys.
    ups.sort_by(|a, b| a.0.iter().rev().cmp(b.0.iter().rev()));
    let mut out: Vec<Write> = Vec::with_capacity(ups.len());
    for u in ups {
        match out.last_mut() {
            Some(last) if last.0 == u.0 => *last = u,
            _ => out.push(u),
        }
    }
    Ok(out)
}

/// `Fe` of a small length, for the edge hash's `+ len`.
pub(super) fn len_fe(len: u8) -> Fe {
    static LENS: std::sync::OnceLock<Vec<Fe>> = std::sync::OnceLock::new();
    LENS.get_or_init(|| (0..=HEIGHT as u64).map(Fe::from_u64).collect())[len as usize]
}

impl<S: NodeStore> Trie<S> {
    /// Merges `ups` into the shape and plans the hashing.
    pub(super) fn apply(&mut self, ups: &[Write]) -> Plan {
        self.merge_root(ups);
        let mut plan = Plan::default();
        if let Some(root) = self.root {
            self.plan(root, &mut plan);
        }
        plan
    }

    /// Merges `ups` into the shape under the current root, marking what
    /// must be rehashed (the first half of [`Trie::apply`]).
    pub(super) fn merge_root(&mut self, ups: &[Write]) {
        if !ups.is_empty() {
            let (root, _) = self.merge(self.root, 0, ups);
            self.root = root;
        }
    }

    /// Files the marked nodes under `root` in `plan` (the second half of
    /// [`Trie::apply`]); several trees sharing one store plan into one
    /// `plan`, level by level.
    pub(super) fn plan_into(&mut self, root: NodeId, plan: &mut Plan) {
        self.plan(root, plan);
    }

    /// Computes a plan's hashes with `hash_pairs`, level by level.
    pub(super) fn hash_cpu(
        &mut self,
        plan: Plan,
        hash_pairs: &mut impl FnMut(&[Fe], &[Fe], &mut [Fe]) -> Result<(), TrieError>,
    ) -> Result<UpdateStats, TrieError> {
        let mut stats = UpdateStats { hashes: plan.hashes(), levels: plan.levels.len(), ..UpdateStats::default() };
        let (mut a, mut b, mut out) = (Vec::new(), Vec::new(), Vec::new());
        for (i, level) in plan.levels.iter().enumerate() {
            let mut span = crate::trace::span("trie.level");
            span.arg("nodes", level.len() as f64);
            a.clear();
            b.clear();
            for &id in level {
                let (x, y) = self.pair(id);
                a.push(x);
                b.push(y);
            }
            out.clear();
            out.resize(level.len(), Fe::ZERO);
            if let Err(e) = hash_pairs(&a, &b, &mut out) {
                self.pending = Some(Plan { leaves: Vec::new(), levels: plan.levels[i..].to_vec() });
                return Err(e);
            }
            for (&id, h) in level.iter().zip(&out) {
                self.store.set_hash(id, self.finish(id, *h));
            }
        }
        stats.keys = 0;
        Ok(stats)
    }

    /// Hashes what a failed update left pending (on the CPU) and forgets the
    /// device copy, which no longer matches.
    pub(super) fn flush_pending(&mut self) -> Result<UpdateStats, TrieError> {
        match self.pending.take() {
            None => Ok(UpdateStats::default()),
            Some(plan) => {
                self.gpu.0 = None;
                let backend = crate::backend::Backend::Simd;
                let hash = self.hash;
                self.hash_cpu(plan, &mut |a, b, out| hash.hash_batch(backend, a, b, out).map_err(TrieError::from))
            }
        }
    }

    /// The two hash inputs of a binary or edge node.
    #[inline]
    pub(super) fn pair(&self, id: NodeId) -> (Fe, Fe) {
        match self.store.node(id) {
            Node::Binary { left, right } => (self.store.hash(left), self.store.hash(right)),
            Node::Edge { child, path, .. } => (self.store.hash(child), Fe::from_canonical(path).expect("path < 2^251")),
            Node::Leaf => unreachable!("leaves are never planned for hashing"),
        }
    }

    /// A node's hash from `H(a, b)`: edges add their length.
    #[inline]
    pub(super) fn finish(&self, id: NodeId, h: Fe) -> Fe {
        match self.store.node(id) {
            Node::Edge { len, .. } => h.add(len_fe(len)),
            _ => h,
        }
    }

    /// Marks `id` for rehashing.
    fn mark(&mut self, id: NodeId) {
        let (word, bit) = (id as usize / 64, id % 64);
        if self.dirty.len() <= word {
            self.dirty.resize((word + 1).max(self.store.capacity().div_ceil(64)), 0);
        }
        self.dirty[word] |= 1 << bit;
    }

    /// Clears `id`'s mark; returns whether it was marked.
    fn unmark(&mut self, id: NodeId) -> bool {
        let (word, bit) = (id as usize / 64, id % 64);
        match self.dirty.get_mut(word) {
            Some(w) if *w >> bit & 1 == 1 => {
                *w &= !(1 << bit);
                true
            }
            _ => false,
        }
    }

    fn alloc(&mut self, node: Node, hash: Fe) -> NodeId {
        let id = self.store.alloc(node, hash);
        self.mark(id);
        id
    }

    fn free(&mut self, id: NodeId) {
        self.unmark(id);
        if self.store.node(id) == Node::Leaf {
            self.leaves -= 1;
        }
        self.store.free(id);
    }

    /// Post-order walk over marked nodes: returns the node's level (0 for
    /// a clean node or a leaf) and files it in `plan`.
    fn plan(&mut self, id: NodeId, plan: &mut Plan) -> usize {
        if !self.unmark(id) {
            return 0;
        }
        let level = match self.store.node(id) {
            Node::Leaf => {
                plan.leaves.push(id);
                return 0;
            }
            Node::Binary { left, right } => 1 + self.plan(left, plan).max(self.plan(right, plan)),
            Node::Edge { child, .. } => 1 + self.plan(child, plan),
        };
        if plan.levels.len() < level {
            plan.levels.resize_with(level, Vec::new);
        }
        plan.levels[level - 1].push(id);
        level
    }

    /// Merges `ups` (sorted, distinct, all below this node) into the subtree
    /// `node` at depth `d`. Returns the new subtree and whether it changed.
    fn merge(&mut self, node: Option<NodeId>, d: u32, ups: &[Write]) -> (Option<NodeId>, bool) {
        let Some(id) = node else {
            let built = self.build(d, ups);
            return (built, built.is_some());
        };
        match self.store.node(id) {
            Node::Leaf => {
                let v = ups[ups.len() - 1].1;
                if v.is_zero() {
                    self.free(id);
                    (None, true)
                } else if v == self.store.hash(id) {
                    (Some(id), false)
                } else {
                    self.store.set_hash(id, v);
                    self.mark(id);
                    if let Some(w) = &mut self.written {
                        w.push((id, ups[ups.len() - 1].0));
                    }
                    (Some(id), true)
                }
            }
            Node::Binary { left, right } => {
                let split = ups.partition_point(|u| !bits::bit(&u.0, d));
                let (l, lc) =
                    if split > 0 { self.merge(Some(left), d + 1, &ups[..split]) } else { (Some(left), false) };
                let (r, rc) = if split < ups.len() {
                    self.merge(Some(right), d + 1, &ups[split..])
                } else {
                    (Some(right), false)
                };
                if !lc && !rc {
                    return (Some(id), false);
                }
                (self.join(Some(id), d, l, r), true)
            }
            Node::Edge { child, path, len } => {
                let len = len as u32;
                let prefix = |u: &Write| bits::path_prefix(&u.0, d, &path, len);
                let c = prefix(&ups[0]).min(prefix(&ups[ups.len() - 1]));
                if c == len {
                    let (ch, changed) = self.merge(Some(child), d + len, ups);
                    if !changed {
                        return (Some(id), false);
                    }
                    self.free(id);
                    return (self.make_edge(d, path, len, ch), true);
                }
                // Some writes leave the path. Deletions of absent keys there
                // change nothing: drop them and look again.
                if ups.iter().any(|u| u.1.is_zero() && prefix(u) < len) {
                    let kept: Vec<Write> =
                        ups.iter().filter(|u| !(u.1.is_zero() && prefix(u) < len)).copied().collect();
                    if kept.is_empty() {
                        return (Some(id), false);
                    }
                    return self.merge(Some(id), d, &kept);
                }
                // Split at depth d + c: the old child continues on the side of
                // the path's bit c, the diverging writes build the other side.
                let bd = d + c;
                let old_bit = bits::shr(&path, len - 1 - c)[0] & 1 == 1;
                let rest = len - c - 1;
                self.free(id);
                let old_side = if rest > 0 {
                    self.alloc(Node::Edge { child, path: bits::low_bits(&path, rest), len: rest as u8 }, Fe::ZERO)
                } else {
                    child
                };
                let split = ups.partition_point(|u| !bits::bit(&u.0, bd));
                let (zeros, ones) = ups.split_at(split);
                let (old_ups, new_ups) = if old_bit { (ones, zeros) } else { (zeros, ones) };
                let old =
                    if old_ups.is_empty() { Some(old_side) } else { self.merge(Some(old_side), bd + 1, old_ups).0 };
                let new = self.build(bd + 1, new_ups);
                let (l, r) = if old_bit { (new, old) } else { (old, new) };
                let b = self.join(None, bd, l, r);
                (self.make_edge(d, bits::shr(&path, len - c), c, b), true)
            }
        }
    }

    /// A binary node at depth `d` over `l` and `r` (reusing `existing`),
    /// collapsing to an edge or nothing when a side is empty.
    fn join(&mut self, existing: Option<NodeId>, d: u32, l: Option<NodeId>, r: Option<NodeId>) -> Option<NodeId> {
        match (l, r) {
            (Some(left), Some(right)) => Some(match existing {
                Some(id) => {
                    self.store.set_node(id, Node::Binary { left, right });
                    self.mark(id);
                    id
                }
                None => self.alloc(Node::Binary { left, right }, Fe::ZERO),
            }),
            (l, r) => {
                if let Some(id) = existing {
                    self.free(id);
                }
                match (l, r) {
                    (Some(x), None) => self.make_edge(d, [0; 4], 1, Some(x)),
                    (None, Some(x)) => self.make_edge(d, [1, 0, 0, 0], 1, Some(x)),
                    _ => None,
                }
            }
        }
    }

    /// An edge of `len` bits `path` from depth `d` to `child`, absorbing the
    /// child when it is itself an edge; just `child` when `len` is 0.
    fn make_edge(&mut self, d: u32, path: U256, len: u32, child: Option<NodeId>) -> Option<NodeId> {
        let child = child?;
        if len == 0 {
            return Some(child);
        }
        debug_assert!(d + len <= HEIGHT);
        let node = match self.store.node(child) {
            Node::Edge { child: grandchild, path: p2, len: l2 } => {
                self.free(child);
                Node::Edge { child: grandchild, path: bits::or(&bits::shl(&path, l2 as u32), &p2), len: len as u8 + l2 }
            }
            _ => Node::Edge { child, path, len: len as u8 },
        };
        Some(self.alloc(node, Fe::ZERO))
    }

    /// The subtree at depth `d` holding the non-zero writes of `ups`.
    fn build(&mut self, d: u32, ups: &[Write]) -> Option<NodeId> {
        let first = ups.iter().position(|u| !u.1.is_zero())?;
        let last = ups.iter().rposition(|u| !u.1.is_zero())?;
        let ups = &ups[first..=last];
        if ups.len() == 1 {
            let (k, v) = ups[0];
            let leaf = self.alloc(Node::Leaf, v);
            self.leaves += 1;
            if let Some(w) = &mut self.written {
                w.push((leaf, k));
            }
            return self.make_edge(d, bits::bits(&k, d, HEIGHT - d), HEIGHT - d, Some(leaf));
        }
        let c = bits::common_prefix(&ups[0].0, &ups[ups.len() - 1].0, d);
        let bd = d + c;
        let split = ups.partition_point(|u| !bits::bit(&u.0, bd));
        let l = self.build(bd + 1, &ups[..split]);
        let r = self.build(bd + 1, &ups[split..]);
        let b = self.join(None, bd, l, r);
        self.make_edge(d, bits::bits(&ups[0].0, d, c), c, b)
    }
}
