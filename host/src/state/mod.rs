//! State: Starknet's state model, its diffs and their JSON, the commitment
//! (tries and the global root), and the account records the schedulers
//! still run on.
//!
//! * `keys.rs`: [`ContractAddress`], [`StorageKey`], [`StateKey`], the
//!   [`StateReader`] / [`StateWriter`] traits.
//! * `diff.rs`: [`StateDiff`], [`StateUpdate`], [`StarknetVersion`].
//! * `json.rs`: state updates as `starknet_getStateUpdate` (JSON-RPC) and
//!   the feeder gateway's `get_state_update` serve them, read and written.
//! * `mem.rs`: [`MemState`], Starknet state in memory.
//! * [`commit`]: [`StateCommitment`], the storage forest, contract trie,
//!   class trie and the global root.
//! * `cold.rs`: [`ColdLru`], the deterministic LRU of *Cold*.
//! * `mod.rs`: the account records of the native programs ([`StateRead`],
//!   [`MemStore`]), which the schedulers use until they move to state keys.

mod cold;
pub mod commit;
mod diff;
pub mod json;
mod keys;
mod mem;

pub use cold::ColdLru;
pub use commit::{CommitError, CommitStats, Roots, StateCommitment};
pub use diff::{BadVersion, StarknetVersion, StateDiff, StateUpdate};
pub use keys::{ClassHash, ContractAddress, StateError, StateKey, StateReader, StateWriter, StorageKey};
pub use mem::{ContractRecord, MemState};

use crate::exec::{Account, Address, BlockOutput};
use ahash::AHashMap;

/// Reading committed account state. Absent accounts read as default.
pub trait StateRead: Sync {
    /// The account at `address`.
    fn get(&self, address: &Address) -> Account;
}

/// Accounts in a hash map.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemStore {
    accounts: AHashMap<Address, Account>,
}

impl MemStore {
    /// An empty store.
    pub fn new() -> MemStore {
        MemStore::default()
    }

    /// Sets one account.
    pub fn insert(&mut self, address: Address, account: Account) {
        self.accounts.insert(address, account);
    }

    /// Commits a block's changes.
    pub fn apply(&mut self, output: &BlockOutput) {
        self.accounts.extend(output.delta.iter().map(|(k, v)| (*k, *v)));
    }

    /// Number of stored accounts.
    pub fn len(&self) -> usize {
        self.accounts.len()
    }

    /// Whether no account is stored.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }

    /// All stored accounts, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Address, &Account)> {
        self.accounts.iter()
    }
}

impl StateRead for MemStore {
    fn get(&self, address: &Address) -> Account {
        self.accounts.get(address).copied().unwrap_or_default()
    }
}

/// `base` with `delta` on top.
pub(crate) struct Overlay<'a, S: ?Sized> {
    pub(crate) base: &'a S,
    pub(crate) delta: &'a AHashMap<Address, Account>,
}

impl<S: StateRead + ?Sized> StateRead for Overlay<'_, S> {
    fn get(&self, address: &Address) -> Account {
        match self.delta.get(address) {
            Some(a) => *a,
            None => self.base.get(address),
        }
    }
}
