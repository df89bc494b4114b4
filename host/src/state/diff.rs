//! A block's effect on the state, in Starknet's shape ([`StateDiff`]), the
//! state update that carries it with its roots ([`StateUpdate`]), and the
//! protocol version that picks the global-root rule ([`StarknetVersion`]).
//! Their JSON forms are in `json.rs`.

use super::keys::{ClassHash, ContractAddress, StorageKey};
use starknet_types_core::felt::Felt;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// A block's state diff, as `starknet_getStateUpdate` serves it. Maps are
/// ordered, so iteration (and the JSON written) is deterministic; a later
/// entry for the same key replaces an earlier one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateDiff {
    /// New storage values per contract (0 deletes the cell).
    pub storage: BTreeMap<ContractAddress, BTreeMap<StorageKey, Felt>>,
    /// New nonces.
    pub nonces: BTreeMap<ContractAddress, Felt>,
    /// Contracts deployed in the block, with their class hashes.
    pub deployed: BTreeMap<ContractAddress, ClassHash>,
    /// Contracts whose class was replaced, with the new class hashes.
    pub replaced: BTreeMap<ContractAddress, ClassHash>,
    /// Sierra classes declared: class hash → compiled class hash.
    pub declared: BTreeMap<ClassHash, Felt>,
    /// Classes whose compiled class hash was recomputed (Starknet 0.14.1's
    /// `migrated_compiled_classes`): class hash → new compiled class hash.
    pub migrated: BTreeMap<ClassHash, Felt>,
    /// Cairo 0 classes declared (they do not enter the commitment).
    pub deprecated_declared: BTreeSet<ClassHash>,
}

impl StateDiff {
    /// Number of storage cells written.
    pub fn storage_updates(&self) -> usize {
        self.storage.values().map(BTreeMap::len).sum()
    }

    /// Whether the diff changes nothing.
    pub fn is_empty(&self) -> bool {
        self.storage.values().all(BTreeMap::is_empty)
            && self.nonces.is_empty()
            && self.deployed.is_empty()
            && self.replaced.is_empty()
            && self.declared.is_empty()
            && self.migrated.is_empty()
            && self.deprecated_declared.is_empty()
    }

    /// The class hash a contract has after this diff, if the diff sets it
    /// (a replacement wins over a deployment in the same block).
    pub fn class_hash_of(&self, address: &ContractAddress) -> Option<ClassHash> {
        self.replaced.get(address).or_else(|| self.deployed.get(address)).copied()
    }

    /// Every contract whose commitment leaf this diff changes (storage,
    /// nonce or class), in order.
    pub fn touched_contracts(&self) -> BTreeSet<ContractAddress> {
        let mut out: BTreeSet<ContractAddress> =
            self.storage.iter().filter(|(_, cells)| !cells.is_empty()).map(|(a, _)| *a).collect();
        out.extend(self.nonces.keys().copied());
        out.extend(self.deployed.keys().copied());
        out.extend(self.replaced.keys().copied());
        out
    }

    /// `other` applied on top of `self` (the diff of two blocks in a row).
    pub fn merge(&mut self, other: &StateDiff) {
        for (a, cells) in &other.storage {
            self.storage.entry(*a).or_default().extend(cells.iter().map(|(k, v)| (*k, *v)));
        }
        self.nonces.extend(other.nonces.iter().map(|(k, v)| (*k, *v)));
        for (a, c) in &other.deployed {
            self.replaced.remove(a);
            self.deployed.insert(*a, *c);
        }
        self.replaced.extend(other.replaced.iter().map(|(k, v)| (*k, *v)));
        self.declared.extend(other.declared.iter().map(|(k, v)| (*k, *v)));
        self.migrated.extend(other.migrated.iter().map(|(k, v)| (*k, *v)));
        self.deprecated_declared.extend(other.deprecated_declared.iter().copied());
    }
}

/// A Starknet protocol version (`0.13.2`, `0.14.0.1`): up to four numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StarknetVersion(pub [u16; 4]);

impl StarknetVersion {
    /// 0.14.0: from here the global root is always the Poseidon form
    /// (unless both roots are 0).
    pub const V0_14_0: StarknetVersion = StarknetVersion([0, 14, 0, 0]);
    /// The version assumed when a state update names none: the rules
    /// before 0.14.0.
    pub const BEFORE_0_14: StarknetVersion = StarknetVersion([0, 13, 0, 0]);
}

impl fmt::Display for StarknetVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a}.{b}.{c}")?;
        if d != 0 {
            write!(f, ".{d}")?;
        }
        Ok(())
    }
}

/// A version string that is not `N.N[.N[.N]]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Starknet version (expected N.N[.N[.N]], e.g. 0.13.2)")]
pub struct BadVersion(pub String);

impl FromStr for StarknetVersion {
    type Err = BadVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadVersion(s.to_string());
        let parts: Vec<&str> = s.trim().split('.').collect();
        if !(2..=4).contains(&parts.len()) {
            return Err(bad());
        }
        let mut v = [0u16; 4];
        for (slot, p) in v.iter_mut().zip(&parts) {
            if p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            *slot = p.parse().map_err(|_| bad())?;
        }
        Ok(StarknetVersion(v))
    }
}

/// A block's state update: its diff and what the file says about it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateUpdate {
    /// The block number, when the source names it.
    pub block_number: Option<u64>,
    /// The block hash, when present.
    pub block_hash: Option<Felt>,
    /// The global root before the block, when present.
    pub old_root: Option<Felt>,
    /// The global root after the block, when present (a pending update has
    /// none).
    pub new_root: Option<Felt>,
    /// The protocol version, when present.
    pub starknet_version: Option<StarknetVersion>,
    /// The diff.
    pub diff: StateDiff,
}
