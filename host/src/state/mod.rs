//! State: Starknet's state model, its diffs and their JSON, the commitment
//! (tries and the global root), the Cold LRU, and the reads the schedulers
//! make.
//!
//! * `keys.rs`: [`ContractAddress`], [`StorageKey`], [`StateKey`], the
//!   [`StateReader`] / [`StateWriter`] traits.
//! * `diff.rs`: [`StateDiff`], [`StateUpdate`], [`StarknetVersion`].
//! * `json.rs`: state updates as `starknet_getStateUpdate` (JSON-RPC) and
//!   the feeder gateway's `get_state_update` serve them, read and written.
//! * `mem.rs`: [`MemState`], Starknet state in memory.
//! * `index.rs`: [`AccountIndex`], the contracts' records, about 50 bytes
//!   each.
//! * [`commit`]: [`StateCommitment`], the storage forest, contract trie,
//!   class trie and the global root.
//! * `cold.rs`: [`ColdLru`], the deterministic LRU of *Cold*, by state key.
//! * `resident.rs`: [`Residency`], which keys the GPU keeps (the LRU's hot
//!   set) and at which slot of the device table.
//! * `mod.rs`: [`StateRead`], the infallible reads the schedulers make.

mod cold;
pub mod commit;
mod diff;
mod index;
pub mod json;
mod keys;
mod mem;
mod resident;

pub use cold::ColdLru;
pub use commit::{CommitError, CommitStats, LeafSource, Roots, StateCommitment, TrieChanges};
pub use diff::{BadVersion, StarknetVersion, StateDiff, StateUpdate};
pub use index::{swiss_table_bytes, AccountIndex};
pub use keys::{ClassHash, ContractAddress, StateError, StateKey, StateReader, StateWriter, StorageKey};
pub use mem::{ContractRecord, MemState};
pub use resident::{Residency, Settled, RESIDENT_ENTRY_BYTES};

use ahash::AHashMap;
use starknet_types_core::felt::Felt;

/// Reading the state a block starts from, as the schedulers do: a value
/// per state key (0 when absent), with no error. [`MemState`] implements
/// it; a store whose reads can fail is wrapped by the block executor,
/// which keeps the first error and refuses the block.
pub trait StateRead: Sync {
    /// The value at `key`.
    fn get(&self, key: &StateKey) -> Felt;
}

impl StateRead for MemState {
    fn get(&self, key: &StateKey) -> Felt {
        StateReader::get(self, *key).expect("memory reads never fail")
    }
}

/// What one cache of the RAM tier did in a block: the storage cells'
/// ([`TierStats::cells`]) or the trie nodes' ([`TierStats::nodes`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Reads served from memory. Cells: storage reads (a cell the block
    /// already read from disk included); nodes: ids the prefetch found
    /// in memory.
    pub hits: u64,
    /// Cells or nodes read from disk.
    pub misses: u64,
    /// Bytes of the rows read: `store::ROW_BYTES` per cell (found or not),
    /// a node's key and row.
    pub bytes_read: u64,
    /// Evicted after the block.
    pub evicted: u64,
    /// In memory after the block.
    pub resident: u64,
    /// Bytes of memory they hold after the block.
    pub bytes: u64,
}

/// What the store's RAM tier did in one block.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TierStats {
    /// The storage cells' cache.
    pub cells: CacheStats,
    /// The trie nodes' pages.
    pub nodes: CacheStats,
}

/// `base` with `delta` on top.
pub(crate) struct Overlay<'a, S: ?Sized> {
    pub(crate) base: &'a S,
    pub(crate) delta: &'a AHashMap<StateKey, Felt>,
}

impl<S: StateRead + ?Sized> StateRead for Overlay<'_, S> {
    fn get(&self, key: &StateKey) -> Felt {
        match self.delta.get(key) {
            Some(v) => *v,
            None => self.base.get(key),
        }
    }
}
