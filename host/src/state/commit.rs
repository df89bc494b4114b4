//! Starknet's state commitment: the tries and the global root, updated one
//! block diff at a time.
//!
//! ```text
//! diff ─► storage forest (Pedersen; one trie per contract, every level of
//!         every touched trie in one batch)
//!      ─► contract leaves H(H(H(class_hash, storage_root), nonce), 0)
//!         (three Pedersen batches over the touched contracts)
//!      ─► contract trie (Pedersen; address → leaf)
//!      ─► class trie (Poseidon; class hash → Poseidon("CONTRACT_CLASS_LEAF_V0",
//!         compiled_class_hash)), for declared and migrated Sierra classes
//!      ─► global root = Poseidon("STARKNET_STATE_V0", contracts_root, classes_root)
//! ```
//!
//! The global root is 0 when both roots are 0, and before Starknet 0.14.0 it
//! is the contracts root alone when the class trie is empty
//! ([`global_root`]). Deprecated (Cairo 0) declarations do not enter the
//! commitment. The tries persist: each commit updates what the previous one
//! left.
//!
//! A commit reads the class hashes and nonces of the contracts it touches
//! from the pre-state ([`StateReader`]); the caller applies the diff to its
//! store afterwards ([`super::StateWriter`]). Every value is checked before
//! any trie changes. If the GPU fails midway, the commit finishes on the
//! CPU (`simd`) and says so in [`CommitStats::fallback`], so the tries never
//! stay half-updated.
//!
//! On the GPU, what a commit sends is the tries' plans (16 bytes per changed
//! node), the edge paths and changed leaf values (32 bytes each) and the
//! contract and class leaves' hash inputs. The storage cells whose new
//! values already sit in a device buffer (the resident state table a block
//! ran over) need not go up again: [`StateCommitment::commit_from`] takes
//! them from that buffer, a [`LeafSource`], so only their jobs are sent.

use super::diff::{StarknetVersion, StateDiff};
use super::keys::{ContractAddress, StateError, StateReader};
use starknet_types_core::felt::Felt;
use std::time::Instant;
use wavelane_kernels::backend::Family;
use wavelane_kernels::field::Fe;
use wavelane_kernels::hash::{pedersen, poseidon, HashError};
pub use wavelane_kernels::trie::LeafSource;
use wavelane_kernels::trie::{
    Forest, Journaled, MemStore, NodeChange, NodeId, NodeStore, Trie, TrieError, TrieHash, UpdateStats,
};
use wavelane_kernels::{trace, Backend};

/// `"STARKNET_STATE_V0"` as a felt (a Cairo short string: ASCII bytes,
/// big-endian).
pub fn starknet_state_v0() -> Felt {
    Felt::from_bytes_be_slice(b"STARKNET_STATE_V0")
}

/// `"CONTRACT_CLASS_LEAF_V0"` as a felt.
pub fn contract_class_leaf_v0() -> Felt {
    Felt::from_bytes_be_slice(b"CONTRACT_CLASS_LEAF_V0")
}

/// The three roots after a commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Roots {
    /// The contract trie's root (Starknet's "storage commitment").
    pub contracts: Felt,
    /// The class trie's root ("class commitment").
    pub classes: Felt,
    /// The global state root.
    pub global: Felt,
}

/// What one commit did, per stage.
#[derive(Clone, Debug)]
pub struct CommitStats {
    /// The backend it ran on (`auto` resolved).
    pub backend: Backend,
    /// Storage cells written.
    pub storage_updates: usize,
    /// Storage tries touched.
    pub tries: usize,
    /// The storage forest's update.
    pub storage: UpdateStats,
    /// Contract leaves recomputed.
    pub contract_leaves: usize,
    /// The contract trie's update.
    pub contracts: UpdateStats,
    /// The class trie's update.
    pub classes: UpdateStats,
    /// Seconds per stage: storage forest, contract leaves, contract trie,
    /// class trie.
    pub seconds: [f64; 4],
    /// Set when the GPU failed and the commit finished on the CPU: why.
    pub fallback: Option<String>,
    /// Bytes sent to the GPU by the whole commit (tries and leaf hashes).
    pub bytes_up: u64,
    /// Bytes read back from the GPU by the whole commit.
    pub bytes_down: u64,
}

impl CommitStats {
    /// Node and leaf hashes computed in all stages.
    pub fn hashes(&self) -> usize {
        self.storage.hashes + 3 * self.contract_leaves + self.contracts.hashes + self.classes.hashes
    }
}

/// What can go wrong in a commit.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// A value is out of range, or the pre-state could not be read.
    #[error(transparent)]
    State(#[from] StateError),
    /// A trie rejected its input.
    #[error(transparent)]
    Trie(#[from] TrieError),
    /// Hashing failed on every backend tried.
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// The global root from the two trie roots under `version`'s rule.
pub fn global_root(contracts: Felt, classes: Felt, version: StarknetVersion) -> Felt {
    if contracts == Felt::ZERO && classes == Felt::ZERO {
        Felt::ZERO
    } else if classes == Felt::ZERO && version < StarknetVersion::V0_14_0 {
        contracts
    } else {
        poseidon::hash_many(&[starknet_state_v0(), contracts, classes])
    }
}

/// A contract's leaf in the contract trie.
pub fn contract_leaf(class_hash: Felt, storage_root: Felt, nonce: Felt) -> Felt {
    pedersen::hash(pedersen::hash(pedersen::hash(class_hash, storage_root), nonce), Felt::ZERO)
}

/// A declared class's leaf in the class trie.
pub fn class_leaf(compiled_class_hash: Felt) -> Felt {
    poseidon::hash(contract_class_leaf_v0(), compiled_class_hash)
}

/// What the tries changed since the journal was last taken
/// ([`StateCommitment::take_changes`]): the nodes of each, and the roots a
/// store keeps beside them.
#[derive(Clone, Debug, Default)]
pub struct TrieChanges {
    /// The storage forest's changed nodes.
    pub storage: Vec<NodeChange>,
    /// The contract trie's changed nodes.
    pub contracts: Vec<NodeChange>,
    /// The class trie's changed nodes.
    pub classes: Vec<NodeChange>,
    /// Each storage tree the diffs named: its root node and number of
    /// values, or `None` when it is empty now.
    pub trees: Vec<(ContractAddress, Option<(NodeId, usize)>)>,
    /// The contract trie's root node and number of values.
    pub contract_root: Option<(NodeId, usize)>,
    /// The class trie's root node and number of values.
    pub class_root: Option<(NodeId, usize)>,
    /// Write them, and the log, into the tables now rather than as a log
    /// row (the RAM tier asks for it when its pinned nodes grow).
    pub fold: bool,
}

/// The storage forest, the contract trie and the class trie of one chain,
/// over a node store: in memory ([`MemStore`], the default), or paged
/// from a store's disk (`PagedStore`, the RAM tier).
#[derive(Clone, Debug)]
pub struct StateCommitment<S: NodeStore = MemStore> {
    storage: Forest<S>,
    contracts: Trie<S>,
    classes: Trie<S>,
}

impl Default for StateCommitment {
    fn default() -> Self {
        StateCommitment::new()
    }
}

impl StateCommitment {
    /// The commitment of the empty state (every root 0).
    pub fn new() -> StateCommitment {
        StateCommitment {
            storage: Forest::new(TrieHash::Pedersen),
            contracts: Trie::new(TrieHash::Pedersen),
            classes: Trie::new(TrieHash::Poseidon),
        }
    }
}

impl<S: Journaled> StateCommitment<S> {
    /// A commitment reloaded from stored nodes: the storage forest's
    /// nodes and trees (name, root node, values), and the contract and
    /// class tries' nodes with their root node and number of values. Errs
    /// when a root is not among the nodes.
    pub fn from_parts(
        storage: (S, Vec<(Felt, NodeId, usize)>),
        contracts: (S, Option<(NodeId, usize)>),
        classes: (S, Option<(NodeId, usize)>),
    ) -> Result<StateCommitment<S>, String> {
        let trie = |hash, (store, root): (S, Option<(NodeId, usize)>)| {
            Trie::from_parts(hash, store, root.map(|r| r.0), root.map_or(0, |r| r.1))
        };
        Ok(StateCommitment {
            storage: Forest::from_parts(TrieHash::Pedersen, storage.0, storage.1)?,
            contracts: trie(TrieHash::Pedersen, contracts).map_err(|e| format!("contract trie: {e}"))?,
            classes: trie(TrieHash::Poseidon, classes).map_err(|e| format!("class trie: {e}"))?,
        })
    }

    /// Starts recording which nodes of the tries change, for
    /// [`StateCommitment::take_changes`].
    pub fn keep_journal(&mut self) {
        self.storage.keep_journal();
        self.contracts.keep_journal();
        self.classes.keep_journal();
    }

    /// What the tries changed since the journal started or was last
    /// taken; `diffs` are the diffs committed since then (they name the
    /// storage trees that may have changed).
    pub fn take_changes<'d>(&mut self, diffs: impl IntoIterator<Item = &'d StateDiff>) -> TrieChanges {
        let mut trees: Vec<ContractAddress> = diffs.into_iter().flat_map(|d| d.storage.keys().copied()).collect();
        trees.sort_unstable();
        trees.dedup();
        let root = |t: &Trie<S>| t.root_id().map(|r| (r, t.leaves()));
        TrieChanges {
            storage: self.storage.take_changes(),
            contracts: self.contracts.take_changes(),
            classes: self.classes.take_changes(),
            trees: trees.into_iter().map(|a| (a, self.storage.tree(&a.felt()))).collect(),
            contract_root: root(&self.contracts),
            class_root: root(&self.classes),
            fold: false,
        }
    }

    /// The storage forest, the contract trie and the class trie, to
    /// change their stores (evict, unpin).
    pub fn parts_mut(&mut self) -> (&mut Forest<S>, &mut Trie<S>, &mut Trie<S>) {
        (&mut self.storage, &mut self.contracts, &mut self.classes)
    }
}

impl<S: NodeStore> StateCommitment<S> {
    /// The current roots, the global one under `version`'s rule.
    pub fn roots(&self, version: StarknetVersion) -> Roots {
        let (contracts, classes) = (self.contracts.root(), self.classes.root());
        Roots { contracts, classes, global: global_root(contracts, classes, version) }
    }

    /// The root of `address`'s storage trie (0 when it holds nothing).
    pub fn storage_root(&self, address: &ContractAddress) -> Felt {
        self.storage.root(&address.felt())
    }

    /// The storage forest (proofs of cells, sizes).
    pub fn storage_forest(&self) -> &Forest<S> {
        &self.storage
    }

    /// The contract trie.
    pub fn contract_trie(&self) -> &Trie<S> {
        &self.contracts
    }

    /// The class trie.
    pub fn class_trie(&self) -> &Trie<S> {
        &self.classes
    }

    /// Commits `diff` on top of the tries, reading the touched contracts'
    /// class hashes and nonces that the diff does not set from `pre` (the
    /// state before the block), and returns the new roots.
    pub fn commit(
        &mut self,
        backend: Backend,
        pre: &(impl StateReader + ?Sized),
        diff: &StateDiff,
        version: StarknetVersion,
    ) -> Result<(Roots, CommitStats), CommitError> {
        self.commit_from(backend, pre, diff, version, None)
    }

    /// [`StateCommitment::commit`] where, on the GPU, the storage tries take
    /// the new values of the cells `source` has slots for from its device
    /// buffer instead of uploading them: its closure is called with a
    /// contract address and a storage key (as felts), and `buffer[slot]`
    /// must hold exactly the diff's value for that cell.
    /// [`UpdateStats::from_source`] of [`CommitStats::storage`] counts the
    /// leaves read so. The CPU backends, and a CPU fallback, ignore it.
    pub fn commit_from(
        &mut self,
        backend: Backend,
        pre: &(impl StateReader + ?Sized),
        diff: &StateDiff,
        version: StarknetVersion,
        source: Option<&LeafSource<'_>>,
    ) -> Result<(Roots, CommitStats), CommitError> {
        // One choice for the whole commit, by its size (`auto` sends small
        // diffs to the CPU), so the stages agree on where the tries live.
        let touched = diff.touched_contracts();
        let backend = backend.resolve_for(Family::Trie, diff.storage_updates() + touched.len());
        let mut stats = CommitStats {
            backend,
            storage_updates: diff.storage_updates(),
            tries: 0,
            storage: UpdateStats::default(),
            contract_leaves: 0,
            contracts: UpdateStats::default(),
            classes: UpdateStats::default(),
            seconds: [0.0; 4],
            fallback: None,
            bytes_up: 0,
            bytes_down: 0,
        };
        let traffic = wavelane_kernels::gpu::traffic;
        let before = if backend == Backend::Gpu { traffic() } else { Default::default() };

        // Everything that can be refused is checked (and the pre-state
        // read) before any trie changes.
        let class_writes: Vec<(Felt, Felt)> =
            diff.declared.iter().chain(&diff.migrated).map(|(c, cc)| (*c, *cc)).collect();
        for (class, _) in &class_writes {
            ContractAddress::new(*class).map_err(|_| StateError::OutOfRange { what: "class hash", value: *class })?;
        }
        let mut records = Vec::with_capacity(touched.len());
        for a in &touched {
            let class = match diff.class_hash_of(a) {
                Some(c) => c,
                None => pre.class_hash_at(*a)?,
            };
            let nonce = match diff.nonces.get(a) {
                Some(n) => *n,
                None => pre.nonce_at(*a)?,
            };
            records.push((*a, class, nonce));
        }

        // 1. The storage forest: one batch per level over every trie.
        let t = Instant::now();
        let span = trace::span("commit.storage");
        let batch: Vec<(Felt, Vec<(Felt, Felt)>)> = diff
            .storage
            .iter()
            .filter(|(_, cells)| !cells.is_empty())
            .map(|(a, cells)| (a.felt(), cells.iter().map(|(k, v)| (k.felt(), *v)).collect()))
            .collect();
        stats.tries = batch.len();
        stats.storage = match self.storage.update_from(backend, &batch, source) {
            Ok((_, s)) => s,
            Err(e) => {
                stats.fallback = Some(e.to_string());
                self.storage.update(Backend::Simd, &[])?.1
            }
        };
        stats.seconds[0] = t.elapsed().as_secs_f64();
        drop(span);

        // 2. The contract leaves, three Pedersen batches.
        let t = Instant::now();
        let span = trace::span("commit.leaves");
        let n = records.len();
        let class: Vec<Fe> = records.iter().map(|r| Fe::from_felt(&r.1)).collect();
        let root: Vec<Fe> = records.iter().map(|r| Fe::from_felt(&self.storage.root(&r.0.felt()))).collect();
        let nonce: Vec<Fe> = records.iter().map(|r| Fe::from_felt(&r.2)).collect();
        let zero = vec![Fe::ZERO; n];
        let mut h1 = vec![Fe::ZERO; n];
        let mut h2 = vec![Fe::ZERO; n];
        let mut leaf = vec![Fe::ZERO; n];
        let b = pedersen_batch(backend, &mut stats, &class, &root, &mut h1)?;
        let b = pedersen_batch(b, &mut stats, &h1, &nonce, &mut h2)?;
        pedersen_batch(b, &mut stats, &h2, &zero, &mut leaf)?;
        stats.contract_leaves = n;
        stats.seconds[1] = t.elapsed().as_secs_f64();
        drop(span);

        // 3. The contract trie.
        let t = Instant::now();
        let span = trace::span("commit.contracts");
        let writes: Vec<(Felt, Felt)> = records.iter().zip(&leaf).map(|(r, l)| (r.0.felt(), l.to_felt())).collect();
        stats.contracts = trie_update(&mut self.contracts, backend, &writes, &mut stats.fallback)?;
        stats.seconds[2] = t.elapsed().as_secs_f64();
        drop(span);

        // 4. The class trie.
        let t = Instant::now();
        let span = trace::span("commit.classes");
        if !class_writes.is_empty() {
            let prefix = vec![Fe::from_felt(&contract_class_leaf_v0()); class_writes.len()];
            let compiled: Vec<Fe> = class_writes.iter().map(|(_, cc)| Fe::from_felt(cc)).collect();
            let mut leaves = vec![Fe::ZERO; class_writes.len()];
            if let Err(e) = poseidon::hash_batch(backend, &prefix, &compiled, &mut leaves) {
                stats.fallback.get_or_insert(e.to_string());
                poseidon::hash_batch(Backend::Simd, &prefix, &compiled, &mut leaves)?;
            }
            let writes: Vec<(Felt, Felt)> =
                class_writes.iter().zip(&leaves).map(|((c, _), l)| (*c, l.to_felt())).collect();
            stats.classes = trie_update(&mut self.classes, backend, &writes, &mut stats.fallback)?;
        }
        stats.seconds[3] = t.elapsed().as_secs_f64();
        drop(span);
        if backend == Backend::Gpu {
            let after = traffic();
            stats.bytes_up = after.uploaded - before.uploaded;
            stats.bytes_down = after.downloaded - before.downloaded;
        }
        Ok((self.roots(version), stats))
    }
}

/// `out = H(a, b)` with Pedersen on `backend`, falling back to `simd` when
/// it fails; returns the backend that worked.
fn pedersen_batch(
    backend: Backend,
    stats: &mut CommitStats,
    a: &[Fe],
    b: &[Fe],
    out: &mut [Fe],
) -> Result<Backend, CommitError> {
    match pedersen::hash_batch(backend, a, b, out) {
        Ok(()) => Ok(backend),
        Err(e) => {
            stats.fallback.get_or_insert(e.to_string());
            pedersen::hash_batch(Backend::Simd, a, b, out)?;
            Ok(Backend::Simd)
        }
    }
}

/// A trie update on `backend`, finished on the CPU if the GPU fails.
fn trie_update<S: NodeStore>(
    trie: &mut Trie<S>,
    backend: Backend,
    writes: &[(Felt, Felt)],
    fallback: &mut Option<String>,
) -> Result<UpdateStats, CommitError> {
    match trie.update(backend, writes) {
        Ok((_, s)) => Ok(s),
        Err(TrieError::KeyOutOfRange { key }) => Err(TrieError::KeyOutOfRange { key }.into()),
        Err(e) => {
            fallback.get_or_insert(e.to_string());
            Ok(trie.update(Backend::Simd, &[])?.1)
        }
    }
}
