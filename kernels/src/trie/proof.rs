//! Membership and non-membership proofs.
//!
//! A proof for a key is the list of nodes from the root towards the key, as
//! Starknet's `getStorageProof` lists them: a binary node as its two child
//! hashes, an edge as its child hash, path and length. It ends at the leaf
//! (the key is a member; the last hash is its value) or at an edge whose
//! path leaves the key's bits (the key is absent, and the proof is what
//! creating a new account requires). The empty tree's proof is empty.
//!
//! [`verify`] recomputes each node's hash from the listed values, checks it
//! against the hash its parent committed to (the root for the first), and
//! follows the key's bits.

use super::bits::{self, HEIGHT};
use super::store::{Node, NodeStore};
use super::{key_limbs, Trie, TrieError, TrieHash};
use starknet_types_core::felt::Felt;

/// One node of a proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProofNode {
    /// A binary node: its children's hashes.
    Binary {
        /// The 0 side.
        left: Felt,
        /// The 1 side.
        right: Felt,
    },
    /// An edge node.
    Edge {
        /// The hash of the node below the edge.
        child: Felt,
        /// The edge's key bits, as an integer.
        path: Felt,
        /// The number of bits.
        len: u8,
    },
}

impl ProofNode {
    /// The node's hash under `hash`.
    pub fn hash(&self, hash: TrieHash) -> Felt {
        match *self {
            ProofNode::Binary { left, right } => hash.hash(left, right),
            ProofNode::Edge { child, path, len } => hash.hash(child, path) + Felt::from(len),
        }
    }
}

/// Why a proof does not verify.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    /// The key is not below 2^251.
    #[error("key {0:#x} is out of range: trie keys are below 2^251")]
    KeyOutOfRange(Felt),
    /// A node's hash is not what its parent (or the root) commits to.
    #[error("proof node {index} hashes to {got:#x}, expected {expected:#x}")]
    HashMismatch {
        /// The node's position in the proof.
        index: usize,
        /// Its recomputed hash.
        got: Felt,
        /// The committed hash.
        expected: Felt,
    },
    /// An edge is empty or runs past the leaves.
    #[error("proof node {index}: edge of length {len} at depth {depth} is malformed")]
    BadEdge {
        /// The node's position in the proof.
        index: usize,
        /// Its length.
        len: u8,
        /// The depth where it starts.
        depth: u32,
    },
    /// The proof stops before reaching the key's leaf or a diverging edge.
    #[error("proof ends at depth {depth} without reaching the key or leaving its path")]
    Truncated {
        /// The depth reached.
        depth: u32,
    },
    /// Nodes follow the point where the proof was complete.
    #[error("proof has {extra} node(s) after it is complete")]
    TrailingNodes {
        /// How many.
        extra: usize,
    },
    /// A non-empty proof for the empty tree, or an empty proof for a
    /// non-empty one.
    #[error("proof does not match the root {root:#x}")]
    RootMismatch {
        /// The root.
        root: Felt,
    },
}

impl<S: NodeStore> Trie<S> {
    /// The proof for `key` in the current tree.
    pub fn prove(&self, key: Felt) -> Result<Vec<ProofNode>, TrieError> {
        self.prove_at(self.root, key)
    }

    /// The proof for `key` in the tree under `root` (in this trie's store).
    pub(crate) fn prove_at(&self, root: Option<super::NodeId>, key: Felt) -> Result<Vec<ProofNode>, TrieError> {
        let k = key_limbs(key)?;
        let mut proof = Vec::new();
        let mut cur = root;
        let mut depth = 0;
        let h = |id| self.store.hash(id).to_felt();
        while let Some(id) = cur {
            match self.store.node(id) {
                Node::Leaf => break,
                Node::Binary { left, right } => {
                    proof.push(ProofNode::Binary { left: h(left), right: h(right) });
                    cur = Some(if bits::bit(&k, depth) { right } else { left });
                    depth += 1;
                }
                Node::Edge { child, path, len } => {
                    proof.push(ProofNode::Edge {
                        child: h(child),
                        path: crate::field::Fe::from_canonical(path).expect("path < 2^251").to_felt(),
                        len,
                    });
                    if bits::bits(&k, depth, len as u32) != path {
                        break;
                    }
                    cur = Some(child);
                    depth += len as u32;
                }
            }
        }
        Ok(proof)
    }
}

/// Checks `proof` for `key` against `root`: `Ok(Some(value))` when the key
/// is stored with that (non-zero) value, `Ok(None)` when it is absent.
pub fn verify(hash: TrieHash, root: Felt, key: Felt, proof: &[ProofNode]) -> Result<Option<Felt>, ProofError> {
    let k = key_limbs(key).map_err(|_| ProofError::KeyOutOfRange(key))?;
    if root == Felt::ZERO || proof.is_empty() {
        return if root == Felt::ZERO && proof.is_empty() { Ok(None) } else { Err(ProofError::RootMismatch { root }) };
    }
    let mut expected = root;
    let mut depth = 0u32;
    for (index, node) in proof.iter().enumerate() {
        let got = node.hash(hash);
        if got != expected {
            return Err(ProofError::HashMismatch { index, got, expected });
        }
        let done = |result: Option<Felt>| {
            let extra = proof.len() - index - 1;
            if extra == 0 {
                Ok(result)
            } else {
                Err(ProofError::TrailingNodes { extra })
            }
        };
        match *node {
            ProofNode::Binary { left, right } => {
                expected = if bits::bit(&k, depth) { right } else { left };
                depth += 1;
            }
            ProofNode::Edge { child, path, len } => {
                let l = len as u32;
                let p = crate::field::Fe::from_felt(&path).to_canonical();
                if l == 0 || depth + l > HEIGHT || bits::msb(&p).is_some_and(|m| m >= l) {
                    return Err(ProofError::BadEdge { index, len, depth });
                }
                if bits::bits(&k, depth, l) != p {
                    return done(None);
                }
                expected = child;
                depth += l;
            }
        }
        if depth == HEIGHT {
            return done(Some(expected));
        }
    }
    Err(ProofError::Truncated { depth })
}
