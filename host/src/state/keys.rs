//! Starknet's state model: addresses, storage keys, class hashes, the state
//! keys transactions read and write, and the reading and writing traits a
//! pre-state store implements.
//!
//! A contract at a [`ContractAddress`] has a class hash, a nonce and a
//! storage ([`StorageKey`] → felt); an absent read is 0. A [`StateKey`]
//! names one of those values: the unit of read/write sets, residency and
//! `LOAD_LIMIT` accounting. Reading ([`StateReader`]) and writing
//! ([`StateWriter`]) are separate capabilities, in the spirit of
//! blockifier's `StateReader` and revm's `Database` / `DatabaseCommit`;
//! committing (the tries and the root) is [`super::commit`]'s.

use super::diff::StateDiff;
use starknet_types_core::felt::Felt;
use std::fmt;

/// 2^251: contract addresses and storage keys are below it (trie keys).
fn below_2_251(f: &Felt) -> bool {
    f.to_bytes_be()[0] < 0x08
}

macro_rules! trie_key {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(Felt);

        impl $name {
            /// `f`, checked to be below 2^251.
            pub fn new(f: Felt) -> Result<$name, StateError> {
                if below_2_251(&f) {
                    Ok($name(f))
                } else {
                    Err(StateError::OutOfRange { what: $what, value: f })
                }
            }

            /// `f` unchecked, for constants known to be below 2^251.
            pub(crate) const fn from_felt_unchecked(f: Felt) -> $name {
                $name(f)
            }

            /// A small value (always in range).
            pub fn from_u64(v: u64) -> $name {
                $name(Felt::from(v))
            }

            /// The felt.
            pub fn felt(self) -> Felt {
                self.0
            }
        }

        impl TryFrom<Felt> for $name {
            type Error = StateError;
            fn try_from(f: Felt) -> Result<$name, StateError> {
                $name::new(f)
            }
        }

        impl fmt::LowerHex for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::LowerHex::fmt(&self.0, f)
            }
        }
    };
}

trie_key!(
    /// A contract's address: a felt below 2^251.
    ContractAddress,
    "contract address"
);
trie_key!(
    /// A storage cell's key within a contract: a felt below 2^251.
    StorageKey,
    "storage key"
);

/// A class hash (any felt). Class hashes key the class trie, so a declared
/// class's hash must also be below 2^251 ([`super::commit`] checks).
pub type ClassHash = Felt;

/// One value of the state: what read/write sets, the multi-version memory,
/// the Cold LRU and the GPU-resident table are keyed by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StateKey {
    /// A storage cell.
    Storage(ContractAddress, StorageKey),
    /// A contract's nonce.
    Nonce(ContractAddress),
    /// A contract's class hash.
    ClassHash(ContractAddress),
}

impl fmt::Display for StateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateKey::Storage(a, k) => write!(f, "storage {k:#x} of {a:#x}"),
            StateKey::Nonce(a) => write!(f, "nonce of {a:#x}"),
            StateKey::ClassHash(a) => write!(f, "class hash of {a:#x}"),
        }
    }
}

impl StateKey {
    /// The contract the value belongs to.
    pub fn address(&self) -> ContractAddress {
        match *self {
            StateKey::Storage(a, _) | StateKey::Nonce(a) | StateKey::ClassHash(a) => a,
        }
    }
}

/// What can go wrong reading, writing or committing state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    /// An address or key is not below 2^251.
    #[error("{what} {value:#x} is out of range: it must be below 2^251")]
    OutOfRange {
        /// Which kind of value.
        what: &'static str,
        /// The value.
        value: Felt,
    },
    /// The store behind a reader or writer failed.
    #[error("state store: {0}")]
    Store(String),
}

/// Reading committed state (the pre-state of a block). Absent values read
/// as 0.
pub trait StateReader: Sync {
    /// The storage cell `key` of contract `address`.
    fn storage_at(&self, address: ContractAddress, key: StorageKey) -> Result<Felt, StateError>;
    /// The nonce of `address`.
    fn nonce_at(&self, address: ContractAddress) -> Result<Felt, StateError>;
    /// The class hash of `address` (0: no contract there).
    fn class_hash_at(&self, address: ContractAddress) -> Result<ClassHash, StateError>;
    /// The compiled class hash of a declared (Sierra) class (0: not declared).
    fn compiled_class_hash(&self, class: ClassHash) -> Result<Felt, StateError>;

    /// The value at any state key.
    fn get(&self, key: StateKey) -> Result<Felt, StateError> {
        match key {
            StateKey::Storage(a, k) => self.storage_at(a, k),
            StateKey::Nonce(a) => self.nonce_at(a),
            StateKey::ClassHash(a) => self.class_hash_at(a),
        }
    }
}

/// Writing a block's effect into a store.
pub trait StateWriter {
    /// Applies `diff` (a storage value of 0 deletes the cell).
    fn apply_diff(&mut self, diff: &StateDiff) -> Result<(), StateError>;
}
