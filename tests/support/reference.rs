//! The from-scratch reference the trie and commitment tests compare with:
//! Starknet's tree built on starknet-crypto's hashes, one recursion over
//! the sorted keys, sharing no code with the kernels.

#![allow(dead_code)]

use std::collections::BTreeMap;
use wavelane::kernels::trie::TrieHash;
use wavelane::Felt;

/// The oracle hash.
pub(crate) fn oracle(h: TrieHash, a: Felt, b: Felt) -> Felt {
    match h {
        TrieHash::Pedersen => starknet_crypto::pedersen_hash(&a, &b),
        TrieHash::Poseidon => starknet_crypto::poseidon_hash(a, b),
    }
}

/// Key bits from the root down (depth 0 first).
fn key_bits(k: &Felt) -> Vec<bool> {
    let le = k.to_bits_le();
    (0..251).map(|d| le[250 - d]).collect()
}

/// The root of the tree holding `leaves` (non-zero values), computed from
/// scratch: the subtree of the keys at `depth` is an edge down to their first
/// differing bit, a binary node there, and so on.
pub(crate) fn reference_root(h: TrieHash, leaves: &BTreeMap<Felt, Felt>) -> Felt {
    fn sub(h: TrieHash, keys: &[(Vec<bool>, Felt)], depth: usize) -> Felt {
        if depth == 251 {
            return keys[0].1;
        }
        // Length of the common run from `depth`.
        let first = &keys[0].0;
        let mut len = 0;
        while depth + len < 251 && keys.iter().all(|(k, _)| k[depth + len] == first[depth + len]) {
            len += 1;
        }
        let below = if depth + len == 251 {
            keys[0].1
        } else {
            let split = keys.iter().position(|(k, _)| k[depth + len]).expect("two sides");
            let l = sub(h, &keys[..split], depth + len + 1);
            let r = sub(h, &keys[split..], depth + len + 1);
            oracle(h, l, r)
        };
        if len == 0 {
            return below;
        }
        let path = first[depth..depth + len].iter().fold(Felt::ZERO, |p, b| p * Felt::TWO + Felt::from(*b as u8));
        oracle(h, below, path) + Felt::from(len as u64)
    }
    let keys: Vec<(Vec<bool>, Felt)> =
        leaves.iter().filter(|(_, v)| **v != Felt::ZERO).map(|(k, v)| (key_bits(k), *v)).collect();
    if keys.is_empty() {
        return Felt::ZERO;
    }
    sub(h, &keys, 0)
}

/// A whole Starknet state, as plain maps.
#[derive(Clone, Debug, Default)]
pub(crate) struct RefState {
    /// Per contract: class hash, nonce, storage.
    pub(crate) contracts: BTreeMap<Felt, (Felt, Felt, BTreeMap<Felt, Felt>)>,
    /// Declared classes: class hash → compiled class hash.
    pub(crate) classes: BTreeMap<Felt, Felt>,
}

fn short_string(s: &str) -> Felt {
    Felt::from_bytes_be_slice(s.as_bytes())
}

impl RefState {
    /// Applies `d` (a storage value of 0 deletes the cell).
    pub(crate) fn apply(&mut self, d: &wavelane::host::state::StateDiff) {
        for (a, cells) in &d.storage {
            let c = self.contracts.entry(a.felt()).or_default();
            for (k, v) in cells {
                if *v == Felt::ZERO {
                    c.2.remove(&k.felt());
                } else {
                    c.2.insert(k.felt(), *v);
                }
            }
        }
        for (a, n) in &d.nonces {
            self.contracts.entry(a.felt()).or_default().1 = *n;
        }
        for (a, class) in d.deployed.iter().chain(&d.replaced) {
            self.contracts.entry(a.felt()).or_default().0 = *class;
        }
        self.classes.extend(d.declared.iter().chain(&d.migrated).map(|(k, v)| (*k, *v)));
    }

    /// The global root, recomputed from scratch on starknet-crypto.
    pub(crate) fn root(&self, v014: bool) -> (Felt, Felt, Felt) {
        use starknet_crypto::{pedersen_hash as ped, poseidon_hash, poseidon_hash_many};
        let leaves: BTreeMap<Felt, Felt> = self
            .contracts
            .iter()
            .map(|(a, (class, nonce, storage))| {
                let root = reference_root(TrieHash::Pedersen, storage);
                (*a, ped(&ped(&ped(class, &root), nonce), &Felt::ZERO))
            })
            .collect();
        let contracts = reference_root(TrieHash::Pedersen, &leaves);
        let class_leaves: BTreeMap<Felt, Felt> = self
            .classes
            .iter()
            .map(|(c, cc)| (*c, poseidon_hash(short_string("CONTRACT_CLASS_LEAF_V0"), *cc)))
            .collect();
        let classes = reference_root(TrieHash::Poseidon, &class_leaves);
        let global = if contracts == Felt::ZERO && classes == Felt::ZERO {
            Felt::ZERO
        } else if classes == Felt::ZERO && !v014 {
            contracts
        } else {
            poseidon_hash_many(&[short_string("STARKNET_STATE_V0"), contracts, classes])
        };
        (contracts, classes, global)
    }
}
