//! [`MemState`]: Starknet state in hash maps, the default store for tests,
//! benchmarks and the CLI.

use super::diff::StateDiff;
use super::index::AccountIndex;
use super::keys::{ClassHash, ContractAddress, StateError, StateReader, StateWriter, StorageKey};
use ahash::AHashMap;
use starknet_types_core::felt::Felt;

/// A contract's class hash and nonce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ContractRecord {
    /// Its class hash (0: not deployed).
    pub class_hash: ClassHash,
    /// Its nonce.
    pub nonce: Felt,
}

/// Contracts, storage cells and declared classes in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemState {
    contracts: AccountIndex,
    storage: AHashMap<(ContractAddress, StorageKey), Felt>,
    classes: AHashMap<ClassHash, Felt>,
}

impl MemState {
    /// An empty state.
    pub fn new() -> MemState {
        MemState::default()
    }

    /// Sets one storage cell (0 deletes it).
    pub fn set_storage(&mut self, address: ContractAddress, key: StorageKey, value: Felt) {
        if value == Felt::ZERO {
            self.storage.remove(&(address, key));
        } else {
            self.storage.insert((address, key), value);
        }
    }

    /// Sets `address`'s class hash and nonce.
    pub fn set_contract(&mut self, address: ContractAddress, record: ContractRecord) {
        self.contracts.set_class_hash(address, record.class_hash);
        self.contracts.set_nonce(address, record.nonce);
    }

    /// Declares `class` with its compiled class hash.
    pub fn set_class(&mut self, class: ClassHash, compiled: Felt) {
        self.classes.insert(class, compiled);
    }

    /// The contract record at `address`, if any value of it was ever set.
    pub fn contract(&self, address: &ContractAddress) -> Option<ContractRecord> {
        self.contracts.get(address)
    }

    /// Number of contracts with a record (a class hash or a nonce).
    pub fn contracts(&self) -> usize {
        self.contracts.len()
    }

    /// Bytes of memory the contracts' records hold (the
    /// [`AccountIndex`]).
    pub fn index_bytes(&self) -> usize {
        self.contracts.bytes()
    }

    /// Number of non-zero storage cells.
    pub fn cells(&self) -> usize {
        self.storage.len()
    }

    /// Number of declared (Sierra) classes.
    pub fn classes(&self) -> usize {
        self.classes.len()
    }

    /// The whole state as one diff from the empty state: committed on empty
    /// tries it gives this state's root (how a loaded state gets its tries).
    pub fn to_diff(&self) -> StateDiff {
        let mut diff = StateDiff::default();
        for ((a, k), v) in &self.storage {
            diff.storage.entry(*a).or_default().insert(*k, *v);
        }
        for (a, c) in self.contracts.iter() {
            if c.nonce != Felt::ZERO {
                diff.nonces.insert(a, c.nonce);
            }
            if c.class_hash != Felt::ZERO {
                diff.deployed.insert(a, c.class_hash);
            }
        }
        diff.declared.extend(self.classes.iter().map(|(c, cc)| (*c, *cc)));
        diff
    }
}

impl MemState {
    /// Applies the contract records and classes of `diff`, not its
    /// storage: the records of a state whose cells live in a store's RAM
    /// tier.
    pub fn apply_records(&mut self, diff: &StateDiff) {
        for (address, nonce) in &diff.nonces {
            self.contracts.set_nonce(*address, *nonce);
        }
        for (address, class) in diff.deployed.iter().chain(&diff.replaced) {
            self.contracts.set_class_hash(*address, *class);
        }
        for (class, compiled) in diff.declared.iter().chain(&diff.migrated) {
            self.classes.insert(*class, *compiled);
        }
    }
}

impl StateReader for MemState {
    fn storage_at(&self, address: ContractAddress, key: StorageKey) -> Result<Felt, StateError> {
        Ok(self.storage.get(&(address, key)).copied().unwrap_or_default())
    }

    fn nonce_at(&self, address: ContractAddress) -> Result<Felt, StateError> {
        Ok(self.contracts.get(&address).map_or(Felt::ZERO, |c| c.nonce))
    }

    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, StateError> {
        Ok(self.contracts.get(&address).map_or(Felt::ZERO, |c| c.class_hash))
    }

    fn compiled_class_hash(&self, class: ClassHash) -> Result<Felt, StateError> {
        Ok(self.classes.get(&class).copied().unwrap_or_default())
    }
}

impl StateWriter for MemState {
    fn apply_diff(&mut self, diff: &StateDiff) -> Result<(), StateError> {
        for (address, cells) in &diff.storage {
            for (key, value) in cells {
                self.set_storage(*address, *key, *value);
            }
        }
        self.apply_records(diff);
        Ok(())
    }
}
