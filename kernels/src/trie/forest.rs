//! A forest: many tries over one node store, updated in one batch.
//!
//! Starknet keeps one storage trie per contract; a block touches thousands
//! of them, most with a handful of writes. Hashing each trie on its own
//! would cost one batch (one GPU dispatch, one rayon split) per level per
//! trie. A [`Forest`] instead keeps every tree's nodes in one
//! [`NodeStore`] (one id space) and updates them together:
//!
//! 1. **Merge** each tree's writes into its shape (`update.rs`, the same
//!    code a single [`Trie`] uses), marking the nodes whose hashes change.
//! 2. **Plan** every touched tree into one [`Plan`]: level `L` of the plan
//!    holds level `L` of every tree (a node's level is its height above the
//!    leaves among the marked nodes, so a level never depends on itself).
//! 3. **Hash** the plan level by level, each level one batch over the whole
//!    forest: SIMD lanes and rayon across all trees' nodes, or one GPU
//!    dispatch per level over the forest's node hashes, which stay
//!    resident on the device between blocks (`gpu.rs`).
//!
//! So many small tries cost what one trie with the same number of changed
//! nodes costs. On the GPU, [`Forest::update_from`] takes leaves' new
//! values from a device buffer ([`LeafSource`]) rather than uploading them. Trees are named by a felt (a contract address); a tree
//! whose last value is deleted disappears, and an absent tree's root is 0.

use super::bits::U256;
use super::paged::PagedStore;
use super::proof::ProofNode;
use super::source::{LeafSlots, LeafSource};
use super::store::{Journaled, MemStore, NodeChange, NodeId, NodeStore};
use super::update::{self, Plan, Write};
use super::{cpu_unless_complete, Trie, TrieError, TrieHash, TrieStats, UpdateStats};
use crate::backend::{Backend, Family};
use crate::field::Fe;
use starknet_types_core::felt::Felt;
use std::collections::HashMap;

/// One tree of a forest: its root node and its number of values.
#[derive(Clone, Copy, Debug, Default)]
struct Tree {
    root: Option<NodeId>,
    leaves: usize,
}

/// Many Starknet tries (same node hash) over one node store, updated in
/// one batch per block; see the module documentation.
#[derive(Clone, Debug)]
pub struct Forest<S: NodeStore = MemStore> {
    /// The shared store, dirty marks, pending work and device copy; its own
    /// root is unused between updates.
    engine: Trie<S>,
    trees: HashMap<Felt, Tree>,
    leaves: usize,
}

impl Forest<MemStore> {
    /// An empty in-memory forest.
    pub fn new(hash: TrieHash) -> Forest<MemStore> {
        Forest::with_store(hash, MemStore::default())
    }
}

impl<S: Journaled> Forest<S> {
    /// Starts recording which nodes change ([`Journaled::keep_journal`]).
    pub fn keep_journal(&mut self) {
        self.engine.keep_journal();
    }

    /// The nodes changed since the journal started or was last taken
    /// ([`Journaled::take_changes`]).
    pub fn take_changes(&mut self) -> Vec<NodeChange> {
        self.engine.take_changes()
    }
}

impl Forest<PagedStore> {
    /// Evicts nodes of the store down to `budget` bytes, keeping every
    /// tree's root ([`PagedStore::evict_keeping`]); returns how many went.
    pub fn evict(&mut self, budget: usize) -> usize {
        let keep: Vec<NodeId> = self.trees.values().filter_map(|t| t.root).collect();
        self.engine.store.evict_keeping(budget, &keep)
    }
}

impl<S: NodeStore> Forest<S> {
    /// A forest reloaded from its nodes: `store` (for a [`MemStore`], see
    /// [`MemStore::from_nodes`]) and each tree's name, root and number of
    /// values. Errs when a root is not below the store's capacity, or when
    /// a store that is not [`NodeStore::complete`] cannot read the roots in.
    pub fn from_parts(
        hash: TrieHash,
        store: S,
        trees: impl IntoIterator<Item = (Felt, NodeId, usize)>,
    ) -> Result<Forest<S>, String> {
        let capacity = store.capacity();
        let mut forest = Forest::with_store(hash, store);
        for (name, root, leaves) in trees {
            if root as usize >= capacity {
                return Err(format!("tree {name:#x}: root node {root} is not stored ({capacity} ids)"));
            }
            forest.trees.insert(name, Tree { root: Some(root), leaves });
            forest.leaves += leaves;
        }
        let roots: Vec<NodeId> = forest.trees.values().filter_map(|t| t.root).collect();
        forest.engine.store.fault(&roots).map_err(|e| format!("reading the roots: {e}"))?;
        Ok(forest)
    }

    /// The node store (see [`Trie::store_mut`] for what may be done with
    /// it; [`Forest::evict`] evicts).
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.engine.store
    }

    /// The node store.
    pub fn store(&self) -> &S {
        &self.engine.store
    }

    /// Brings into memory every node that an update, a `get` or a `prove`
    /// of these keys would read (`(tree, keys)`; see [`Trie::prefetch`]),
    /// one batched read per level across all trees. Nothing to do on a
    /// [`NodeStore::complete`] store.
    pub fn prefetch(&mut self, batch: &[(Felt, Vec<Felt>)]) -> Result<(), TrieError> {
        if self.engine.store.complete() {
            return Ok(());
        }
        let mut keys: HashMap<Felt, Vec<U256>> = HashMap::new();
        for (tree, ks) in batch {
            let limbs = keys.entry(*tree).or_default();
            for &k in ks {
                limbs.push(super::key_limbs(k)?);
            }
        }
        let mut trees: Vec<(Option<NodeId>, Vec<U256>)> = keys
            .into_iter()
            .map(|(tree, mut ks)| {
                super::prefetch::sort_keys(&mut ks);
                (self.tree_root(&tree), ks)
            })
            .collect();
        trees.sort_by_key(|t| t.0);
        let views: Vec<(Option<NodeId>, &[U256])> = trees.iter().map(|(r, k)| (*r, k.as_slice())).collect();
        self.engine.prefetch_trees(&views)
    }
    /// An empty forest over `store` (which must be empty).
    pub fn with_store(hash: TrieHash, store: S) -> Forest<S> {
        Forest { engine: Trie::with_store(hash, store), trees: HashMap::new(), leaves: 0 }
    }

    /// The node hash every tree uses.
    pub fn hash_kind(&self) -> TrieHash {
        self.engine.hash
    }

    /// The root of tree `tree` (0 when it is empty or absent).
    pub fn root(&self, tree: &Felt) -> Felt {
        self.trees.get(tree).and_then(|t| t.root).map_or(Felt::ZERO, |id| self.engine.store.hash(id).to_felt())
    }

    /// The value at `key` in tree `tree` (0 when absent).
    pub fn get(&self, tree: &Felt, key: Felt) -> Result<Felt, TrieError> {
        self.engine.get_at(self.tree_root(tree), key)
    }

    /// The proof for `key` in tree `tree` (see [`super::proof`]).
    pub fn prove(&self, tree: &Felt, key: Felt) -> Result<Vec<ProofNode>, TrieError> {
        self.engine.prove_at(self.tree_root(tree), key)
    }

    /// Number of non-empty trees.
    pub fn len(&self) -> usize {
        self.trees.len()
    }

    /// Whether every tree is empty.
    pub fn is_empty(&self) -> bool {
        self.trees.is_empty()
    }

    /// The names of the non-empty trees, in no particular order.
    pub fn trees(&self) -> impl Iterator<Item = &Felt> {
        self.trees.keys()
    }

    /// Values, nodes and bytes of the whole forest (the map of roots
    /// included).
    pub fn stats(&self) -> TrieStats {
        let map = self.trees.capacity() * (std::mem::size_of::<(Felt, Tree)>() + 1);
        let engine = self.engine.stats();
        TrieStats { leaves: self.leaves, nodes: engine.nodes, bytes: engine.bytes + map }
    }

    /// Bytes of device memory the resident node hashes hold (0 when none).
    pub fn gpu_resident_bytes(&self) -> u64 {
        self.engine.gpu_resident_bytes()
    }

    /// Tree `tree`'s root node and number of values (`None`: empty).
    pub fn tree(&self, tree: &Felt) -> Option<(NodeId, usize)> {
        self.trees.get(tree).and_then(|t| Some((t.root?, t.leaves)))
    }

    fn tree_root(&self, tree: &Felt) -> Option<NodeId> {
        self.trees.get(tree).and_then(|t| t.root)
    }

    /// Applies one block of writes to many trees (`(tree, writes)`; within a
    /// tree a later write to a key wins, a tree named twice takes both lists
    /// in order; value 0 deletes) and returns each named tree's new root, in
    /// the order the trees first appear. Every level of every tree is
    /// hashed in one batch on `backend`.
    ///
    /// Every key is checked before anything changes. If hashing fails (a
    /// GPU error) the trees keep their new shapes, the failed levels stay
    /// pending, and the next update (on any backend) computes them first.
    ///
    /// On a store that is not [`NodeStore::complete`] the update first
    /// brings in what it reads ([`Forest::prefetch`]; a source error leaves
    /// the forest unchanged) and hashes on the CPU: `gpu` runs as `simd`
    /// (the device copy would need every id's hash).
    pub fn update(
        &mut self,
        backend: Backend,
        batch: &[(Felt, Vec<(Felt, Felt)>)],
    ) -> Result<(Vec<(Felt, Felt)>, UpdateStats), TrieError> {
        self.update_from(backend, batch, None)
    }

    /// [`Forest::update`] where, on the GPU, each changed leaf whose
    /// `(tree, key)` has a slot in `source` takes its new value from the
    /// source's buffer instead of an upload ([`UpdateStats::from_source`]
    /// counts them). The writes still carry every value: the node store
    /// keeps them, and the CPU backends ignore `source`.
    pub fn update_from(
        &mut self,
        backend: Backend,
        batch: &[(Felt, Vec<(Felt, Felt)>)],
        source: Option<&LeafSource<'_>>,
    ) -> Result<(Vec<(Felt, Felt)>, UpdateStats), TrieError> {
        let writes = batch.iter().map(|(_, w)| w.len()).sum();
        let backend = cpu_unless_complete(backend.resolve_for(Family::Trie, writes), &self.engine.store);
        let hash = self.engine.hash;
        if backend == Backend::Gpu {
            let prepared = prepare(batch)?;
            let keys = prepared.iter().map(|(_, u)| u.len()).sum();
            let mut stats = self.engine.flush_pending()?;
            let (plan, slots) = self.apply(&prepared, source);
            stats = stats.merge(self.engine.hash_gpu(plan, slots.as_ref())?);
            stats.keys = keys;
            return Ok((self.roots_of(&prepared), stats));
        }
        self.update_with(batch, |a, b, out| hash.hash_batch(backend, a, b, out).map_err(TrieError::from))
    }

    /// [`Forest::update`] with the node hashes computed by `hash_pairs`
    /// (`out[i] = H(a[i], b[i])`, called once per level of the forest).
    /// Prefetches first on a store that is not [`NodeStore::complete`],
    /// as [`Forest::update`] does.
    pub fn update_with(
        &mut self,
        batch: &[(Felt, Vec<(Felt, Felt)>)],
        mut hash_pairs: impl FnMut(&[Fe], &[Fe], &mut [Fe]) -> Result<(), TrieError>,
    ) -> Result<(Vec<(Felt, Felt)>, UpdateStats), TrieError> {
        let prepared = prepare(batch)?;
        if !self.engine.store.complete() {
            let keys: Vec<Vec<U256>> = prepared.iter().map(|(_, ups)| ups.iter().map(|u| u.0).collect()).collect();
            let trees: Vec<(Option<NodeId>, &[U256])> =
                prepared.iter().zip(&keys).map(|((name, _), k)| (self.tree_root(name), k.as_slice())).collect();
            self.engine.prefetch_trees(&trees)?;
        }
        let keys = prepared.iter().map(|(_, u)| u.len()).sum();
        let mut stats = UpdateStats { keys, ..UpdateStats::default() };
        stats = stats.merge(self.engine.flush_pending()?);
        let (plan, _) = self.apply(&prepared, None);
        self.engine.gpu.0 = None;
        stats = stats.merge(self.engine.hash_cpu(plan, &mut hash_pairs)?);
        Ok((self.roots_of(&prepared), stats))
    }

    fn roots_of(&self, prepared: &[(Felt, Vec<Write>)]) -> Vec<(Felt, Felt)> {
        prepared.iter().map(|(t, _)| (*t, self.root(t))).collect()
    }

    /// Merges every tree's writes into its shape, then plans all touched
    /// trees into one plan. With a `source`, also the slots of the changed
    /// leaves it holds.
    fn apply<'s>(
        &mut self,
        prepared: &[(Felt, Vec<Write>)],
        source: Option<&LeafSource<'s>>,
    ) -> (Plan, Option<LeafSlots<'s>>) {
        let mut roots = Vec::with_capacity(prepared.len());
        let mut slots = HashMap::new();
        self.engine.written = source.map(|_| Vec::new());
        for (name, ups) in prepared {
            let before = self.trees.get(name).copied().unwrap_or_default();
            self.engine.root = before.root;
            self.engine.leaves = before.leaves;
            self.engine.merge_root(ups);
            if let (Some(src), Some(written)) = (source, &mut self.engine.written) {
                // A leaf id freed and reused later in the batch keeps its
                // last entry; only leaves still planned are looked up.
                for (id, key) in written.drain(..) {
                    let key = Fe::from_canonical(key).expect("keys are below 2^251").to_felt();
                    match (src.slot)(name, &key) {
                        Some(slot) => slots.insert(id, slot),
                        None => slots.remove(&id),
                    };
                }
            }
            let after = Tree { root: self.engine.root, leaves: self.engine.leaves };
            self.leaves = self.leaves - before.leaves + after.leaves;
            match after.root {
                Some(root) => {
                    self.trees.insert(*name, after);
                    roots.push(root);
                }
                None => {
                    self.trees.remove(name);
                }
            }
        }
        self.engine.written = None;
        self.engine.root = None;
        self.engine.leaves = 0;
        let mut plan = Plan::default();
        for root in roots {
            self.engine.plan_into(root, &mut plan);
        }
        (plan, source.map(|s| LeafSlots { buffer: s.buffer, slots }))
    }
}

/// Checks every key and groups the writes by tree (first appearance order).
fn prepare(batch: &[(Felt, Vec<(Felt, Felt)>)]) -> Result<Vec<(Felt, Vec<Write>)>, TrieError> {
    let mut index: HashMap<Felt, usize> = HashMap::with_capacity(batch.len());
    let mut groups: Vec<(Felt, Vec<usize>)> = Vec::with_capacity(batch.len());
    for (i, (tree, _)) in batch.iter().enumerate() {
        match index.get(tree) {
            Some(&g) => groups[g].1.push(i),
            None => {
                index.insert(*tree, groups.len());
                groups.push((*tree, vec![i]));
            }
        }
    }
    groups
        .into_iter()
        .map(|(tree, parts)| {
            let ups = match parts.as_slice() {
                [one] => update::prepare(&batch[*one].1)?,
                many => update::prepare(&many.iter().flat_map(|&i| batch[i].1.iter().copied()).collect::<Vec<_>>())?,
            };
            Ok((tree, ups))
        })
        .collect()
}
