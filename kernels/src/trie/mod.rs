//! Starknet's binary Merkle-Patricia trie (height 251) with batched updates
//! and proofs.
//!
//! The tree Starknet specifies: keys are 251-bit felts read from the most
//! significant bit; a leaf's hash is its value; a binary node hashes
//! `H(left, right)`; an edge node (a maximal run of single-child steps)
//! hashes `H(child, path) + len`; the empty tree's root is 0 and writing 0
//! deletes a key. `H` is Pedersen (storage and contract tries) or Poseidon
//! (the class trie): [`TrieHash`].
//!
//! A block's changes are applied in one [`Trie::update`]:
//!
//! 1. **Plan** ([`update`]): the updates are sorted (the last write to a
//!    key wins) and merged into the tree in one recursive pass that splits,
//!    collapses and merges edges and marks every node whose hash changes.
//!    A second pass orders the marked nodes by height above the leaves:
//!    level 1 holds nodes whose children are all clean, and so on up.
//! 2. **Hash** level by level from the leaves up, each level one batch on
//!    the chosen [`Backend`]: `scalar` (the reference), `simd` (SIMD lanes,
//!    rayon over the level's nodes, i.e. across subtrees) or `gpu`
//!    ([`gpu`]: node hashes stay resident on the device between blocks;
//!    per block only the changed leaves and the plan go up, and only the new
//!    hashes the host keeps come back; a [`Forest`] update can read leaves'
//!    new values from a device buffer, a [`LeafSource`], instead).
//!
//! Nodes live in a [`NodeStore`] ([`store`]); [`MemStore`] keeps them in
//! memory at 40 bytes per node (an 8-byte packed shape and a 32-byte hash)
//! plus 32 bytes per edge longer than 31 bits, in arrays that grow a chunk
//! at a time (`chunks.rs`): a random tree has about 3.25 nodes and one long
//! edge per leaf, about 163 bytes per leaf ([`Trie::stats`] reports it).
//! Membership and non-membership proofs, and their verification, are in
//! [`proof`].
//!
//! A store need not hold every node: [`paged::PagedStore`] keeps some in
//! memory, up to a byte budget, and reads the rest from a
//! [`paged::NodeSource`] (a disk). Before an update on such a store the trie
//! walks the written keys' paths level by level and brings in, in one batch
//! per level, every node the update will read (`prefetch.rs`); a source
//! that fails leaves the trie as it was ([`TrieError::Source`]).

pub mod bits;
mod chunks;
pub mod forest;
#[cfg_attr(not(feature = "gpu"), path = "gpu_off.rs")]
pub mod gpu;
pub mod paged;
mod prefetch;
pub mod proof;
pub mod source;
pub mod store;
mod update;

use crate::backend::{Backend, Family};
use crate::field::Fe;
use crate::hash::HashError;
use bits::U256;
pub use forest::Forest;
pub use paged::{NodeSource, PageStats, PagedStore};
pub use source::{DeviceBuffer, LeafSource};
use starknet_types_core::felt::Felt;
pub use store::{Journaled, MemStore, Node, NodeChange, NodeId, NodeStore, MAX_NODES};

/// The node hash a trie uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrieHash {
    /// Pedersen: Starknet's storage and contract tries.
    Pedersen,
    /// Poseidon: Starknet's class trie.
    Poseidon,
}

impl TrieHash {
    /// `"pedersen"` or `"poseidon"`.
    pub fn name(self) -> &'static str {
        match self {
            TrieHash::Pedersen => "pedersen",
            TrieHash::Poseidon => "poseidon",
        }
    }

    /// Parses a [`TrieHash::name`].
    pub fn parse(s: &str) -> Option<TrieHash> {
        match s {
            "pedersen" => Some(TrieHash::Pedersen),
            "poseidon" => Some(TrieHash::Poseidon),
            _ => None,
        }
    }

    /// `H(a, b)` for one pair.
    pub fn hash(self, a: Felt, b: Felt) -> Felt {
        match self {
            TrieHash::Pedersen => crate::hash::pedersen::hash(a, b),
            TrieHash::Poseidon => crate::hash::poseidon::hash(a, b),
        }
    }

    /// `out[i] = H(a[i], b[i])` on `backend`.
    pub fn hash_batch(self, backend: Backend, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> Result<(), HashError> {
        match self {
            TrieHash::Pedersen => crate::hash::pedersen::hash_batch(backend, a, b, out),
            TrieHash::Poseidon => crate::hash::poseidon::hash_batch(backend, a, b, out),
        }
    }
}

/// What can go wrong with a trie operation.
#[derive(Debug, thiserror::Error)]
pub enum TrieError {
    /// A key is not below 2^251.
    #[error("key {key:#x} is out of range: trie keys are below 2^251")]
    KeyOutOfRange {
        /// The key.
        key: Felt,
    },
    /// Hashing a level failed (the GPU backend).
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The GPU backend failed.
    #[error(transparent)]
    Gpu(#[from] crate::gpu::GpuError),
    /// A paged store could not read nodes from its source (the trie is
    /// unchanged).
    #[error("reading trie nodes from the store's source: {0}")]
    Source(String),
}

/// What one [`Trie::update`] did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct UpdateStats {
    /// Distinct keys written.
    pub keys: usize,
    /// Node hashes computed.
    pub hashes: usize,
    /// Levels (batches) hashed.
    pub levels: usize,
    /// Bytes sent to the GPU (0 on the CPU backends).
    pub bytes_up: u64,
    /// Bytes read back from the GPU.
    pub bytes_down: u64,
    /// Changed leaves whose new value the GPU read from a [`LeafSource`]
    /// (32 bytes each not uploaded).
    pub from_source: usize,
    /// Kernel-only GPU seconds, when the device has timestamp queries.
    pub kernel_seconds: Option<f64>,
}

/// The size of a trie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrieStats {
    /// Stored (non-zero) values.
    pub leaves: usize,
    /// Live nodes of every kind.
    pub nodes: usize,
    /// Bytes of node memory.
    pub bytes: usize,
}

/// A Starknet binary Merkle-Patricia trie over a [`NodeStore`].
#[derive(Clone, Debug)]
pub struct Trie<S: NodeStore = MemStore> {
    hash: TrieHash,
    store: S,
    root: Option<NodeId>,
    leaves: usize,
    /// Per node id, one bit: its hash must be recomputed.
    dirty: Vec<u64>,
    /// Nodes whose hashes a failed update left to compute, by level.
    pending: Option<update::Plan>,
    /// While a [`LeafSource`] is in use: each leaf the merge sets or
    /// creates, with its key.
    written: Option<Vec<(NodeId, U256)>>,
    gpu: gpu::DeviceCopy,
}

impl Trie<MemStore> {
    /// An empty in-memory trie (root 0).
    pub fn new(hash: TrieHash) -> Trie<MemStore> {
        Trie::with_store(hash, MemStore::default())
    }
}

impl<S: Journaled> Trie<S> {
    /// Starts recording which nodes change ([`Journaled::keep_journal`]).
    pub fn keep_journal(&mut self) {
        self.store.keep_journal();
    }

    /// The nodes changed since the journal started or was last taken
    /// ([`Journaled::take_changes`]).
    pub fn take_changes(&mut self) -> Vec<NodeChange> {
        self.store.take_changes()
    }
}

impl Trie<PagedStore> {
    /// Evicts nodes of the store down to `budget` bytes, keeping the root
    /// ([`PagedStore::evict_keeping`]); returns how many went.
    pub fn evict(&mut self, budget: usize) -> usize {
        let keep: Vec<NodeId> = self.root.into_iter().collect();
        self.store.evict_keeping(budget, &keep)
    }
}

impl<S: NodeStore> Trie<S> {
    /// A trie reloaded from its nodes: `store` (for a [`MemStore`], see
    /// [`MemStore::from_nodes`]) with root `root` holding `leaves` values.
    /// Errs when the root is not below the store's capacity, or when a
    /// store that is not [`NodeStore::complete`] cannot read it in.
    pub fn from_parts(hash: TrieHash, mut store: S, root: Option<NodeId>, leaves: usize) -> Result<Trie<S>, String> {
        if let Some(r) = root {
            if r as usize >= store.capacity() {
                return Err(format!("root node {r} is not stored ({} ids)", store.capacity()));
            }
            store.fault(&[r]).map_err(|e| format!("root node {r}: {e}"))?;
        }
        let mut trie = Trie::with_store(hash, store);
        (trie.root, trie.leaves) = (root, leaves);
        Ok(trie)
    }

    /// The number of values stored.
    pub fn leaves(&self) -> usize {
        self.leaves
    }

    /// An empty trie over `store` (which must be empty).
    pub fn with_store(hash: TrieHash, store: S) -> Trie<S> {
        Trie {
            hash,
            store,
            root: None,
            leaves: 0,
            dirty: Vec::new(),
            pending: None,
            written: None,
            gpu: gpu::DeviceCopy::default(),
        }
    }

    /// The node hash.
    pub fn hash_kind(&self) -> TrieHash {
        self.hash
    }

    /// The root hash (0 for the empty tree), as of the last completed update.
    pub fn root(&self) -> Felt {
        self.root.map_or(Felt::ZERO, |id| self.store.hash(id).to_felt())
    }

    /// The node store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The node store, for what is particular to it (a [`PagedStore`]'s
    /// [`PagedStore::unpin_all`], [`PagedStore::next_epoch`] and
    /// [`PagedStore::take_stats`]). Changing nodes through it, or evicting
    /// the root, breaks the trie: use [`Trie::evict`] to evict.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// The root node, if the tree is not empty.
    pub fn root_id(&self) -> Option<NodeId> {
        self.root
    }

    /// Leaves, nodes and bytes.
    pub fn stats(&self) -> TrieStats {
        TrieStats {
            leaves: self.leaves,
            nodes: self.store.live(),
            bytes: self.store.bytes() + self.dirty.capacity() * 8 + self.gpu.0.as_ref().map_or(0, |g| g.host_bytes()),
        }
    }

    /// The value stored at `key` (0 when absent).
    pub fn get(&self, key: Felt) -> Result<Felt, TrieError> {
        self.get_at(self.root, key)
    }

    /// The value at `key` in the tree under `root` (in this trie's store).
    pub(crate) fn get_at(&self, root: Option<NodeId>, key: Felt) -> Result<Felt, TrieError> {
        let k = key_limbs(key)?;
        let mut cur = root;
        let mut depth = 0;
        while let Some(id) = cur {
            match self.store.node(id) {
                Node::Leaf => return Ok(self.store.hash(id).to_felt()),
                Node::Binary { left, right } => {
                    cur = Some(if bits::bit(&k, depth) { right } else { left });
                    depth += 1;
                }
                Node::Edge { child, path, len } => {
                    if bits::bits(&k, depth, len as u32) != path {
                        break;
                    }
                    cur = Some(child);
                    depth += len as u32;
                }
            }
        }
        Ok(Felt::ZERO)
    }

    /// Applies a block of writes (`(key, value)` in order; a later write to
    /// the same key wins; value 0 deletes) and returns the new root, hashing
    /// on `backend`.
    ///
    /// Every key is checked before anything changes. If hashing fails (a
    /// GPU error), the tree keeps the new shape, the failed levels stay
    /// pending, and the next update (on any backend) computes them first.
    ///
    /// On a store that is not [`NodeStore::complete`] the update first
    /// brings in the nodes it reads ([`Trie::prefetch`]); a source error
    /// then leaves the trie unchanged. Such a store runs on the CPU: the
    /// GPU backend keeps every id's hash on the device, so `gpu` (and an
    /// `auto` that picks it) hashes on `simd` instead.
    pub fn update(&mut self, backend: Backend, writes: &[(Felt, Felt)]) -> Result<(Felt, UpdateStats), TrieError> {
        let backend = cpu_unless_complete(backend.resolve_for(Family::Trie, writes.len()), &self.store);
        let hash = self.hash;
        if backend == Backend::Gpu {
            let ups = update::prepare(writes)?;
            let keys = ups.len();
            let mut stats = self.flush_pending()?;
            let plan = self.apply(&ups);
            stats = stats.merge(self.hash_gpu(plan, None)?);
            stats.keys = keys;
            return Ok((self.root(), stats));
        }
        self.update_with(writes, |a, b, out| hash.hash_batch(backend, a, b, out).map_err(TrieError::from))
    }

    /// [`Trie::update`] with the node hashes computed by `hash_pairs`
    /// (`out[i] = H(a[i], b[i])`), for peers and custom backends.
    /// Prefetches first on a store that is not [`NodeStore::complete`],
    /// as [`Trie::update`] does.
    pub fn update_with(
        &mut self,
        writes: &[(Felt, Felt)],
        mut hash_pairs: impl FnMut(&[Fe], &[Fe], &mut [Fe]) -> Result<(), TrieError>,
    ) -> Result<(Felt, UpdateStats), TrieError> {
        let ups = update::prepare(writes)?;
        if !self.store.complete() {
            let keys: Vec<U256> = ups.iter().map(|u| u.0).collect();
            self.prefetch_trees(&[(self.root, &keys)])?;
        }
        let mut stats = UpdateStats { keys: ups.len(), ..UpdateStats::default() };
        stats = stats.merge(self.flush_pending()?);
        let plan = self.apply(&ups);
        self.gpu.0 = None;
        stats = stats.merge(self.hash_cpu(plan, &mut hash_pairs)?);
        Ok((self.root(), stats))
    }
}

impl UpdateStats {
    fn merge(self, o: UpdateStats) -> UpdateStats {
        UpdateStats {
            keys: self.keys.max(o.keys),
            hashes: self.hashes + o.hashes,
            levels: self.levels + o.levels,
            bytes_up: self.bytes_up + o.bytes_up,
            bytes_down: self.bytes_down + o.bytes_down,
            from_source: self.from_source + o.from_source,
            kernel_seconds: match (self.kernel_seconds, o.kernel_seconds) {
                (Some(a), Some(b)) => Some(a + b),
                (a, b) => a.or(b),
            },
        }
    }
}

/// `backend`, or [`Backend::Simd`] for the GPU when `store` is not
/// [`NodeStore::complete`] (the device would need every id's hash).
pub(crate) fn cpu_unless_complete(backend: Backend, store: &impl NodeStore) -> Backend {
    if backend == Backend::Gpu && !store.complete() {
        Backend::Simd
    } else {
        backend
    }
}

/// The canonical limbs of a key, checked to be below 2^251.
pub(crate) fn key_limbs(key: Felt) -> Result<U256, TrieError> {
    let k = Fe::from_felt(&key).to_canonical();
    if bits::in_range(&k) {
        Ok(k)
    } else {
        Err(TrieError::KeyOutOfRange { key })
    }
}
