//! The tries in the store: every node of the storage forest, the contract
//! trie and the class trie, the storage trees' roots, and the two tries'
//! roots, so that opening a store reads the tries instead of rehashing the
//! whole state.
//!
//! ```text
//! nodes   (trie << 32 | id) → leaf    0, hash                     33 B
//!                             binary  1, left, right, hash        41 B
//!                             edge    2, child, len, path, hash   38 B + ⌈len/8⌉
//! trees   address → root id (4 B), values (8 B)
//! meta    "tries" → contract trie's root and values, class trie's (24 B)
//! ```
//!
//! Ids and counts are big-endian, hashes and paths little-endian limbs
//! (canonical, not Montgomery), a path in as many bytes as its length
//! needs. A block's write transaction holds the nodes its commit changed
//! (freed ones removed). `meta.tries` is present only while the nodes are
//! whole: a block written without its changes removes it, and the next
//! open rebuilds the tries and writes them anew.

use crate::state::{ContractAddress, StateCommitment, TrieChanges};
use redb::{ReadableTable, TableDefinition};
use starknet_types_core::felt::Felt;
use wavelane_kernels::field::Fe;
use wavelane_kernels::trie::{MemStore, Node, NodeId};

pub(super) const NODES: TableDefinition<u64, &[u8]> = TableDefinition::new("nodes");
pub(super) const TREES: TableDefinition<[u8; 32], [u8; 12]> = TableDefinition::new("trees");

/// The key `meta` keeps the tries' roots under.
pub(super) const TRIES: &str = "tries";

/// Which trie a node belongs to (the top half of its key).
#[derive(Clone, Copy)]
enum Space {
    Storage = 0,
    Contracts = 1,
    Classes = 2,
}

const NONE: u32 = u32::MAX;

fn key(space: Space, id: NodeId) -> u64 {
    (space as u64) << 32 | u64::from(id)
}

fn limbs_le(v: [u64; 4], out: &mut Vec<u8>, bytes: usize) {
    let all: Vec<u8> = v.iter().flat_map(|l| l.to_le_bytes()).collect();
    out.extend_from_slice(&all[..bytes]);
}

fn read_limbs(b: &[u8]) -> [u64; 4] {
    let mut all = [0u8; 32];
    all[..b.len()].copy_from_slice(b);
    std::array::from_fn(|i| u64::from_le_bytes(all[8 * i..8 * i + 8].try_into().expect("8 bytes")))
}

/// A node's row.
fn encode(node: &Node, hash: Fe, out: &mut Vec<u8>) {
    out.clear();
    match *node {
        Node::Leaf => out.push(0),
        Node::Binary { left, right } => {
            out.push(1);
            out.extend_from_slice(&left.to_be_bytes());
            out.extend_from_slice(&right.to_be_bytes());
        }
        Node::Edge { child, path, len } => {
            out.push(2);
            out.extend_from_slice(&child.to_be_bytes());
            out.push(len);
            limbs_le(path, out, (len as usize).div_ceil(8));
        }
    }
    limbs_le(hash.to_canonical(), out, 32);
}

/// A row back into its node, or `None` when it is not one [`encode`] writes.
fn decode(b: &[u8]) -> Option<(Node, Fe)> {
    let id = |b: &[u8]| u32::from_be_bytes(b.try_into().expect("4 bytes"));
    let (node, rest) = match *b.first()? {
        0 => (Node::Leaf, &b[1..]),
        1 if b.len() >= 9 => (Node::Binary { left: id(&b[1..5]), right: id(&b[5..9]) }, &b[9..]),
        2 if b.len() >= 6 => {
            let len = b[5];
            let n = (len as usize).div_ceil(8);
            if !(1..=251).contains(&len) || b.len() < 6 + n {
                return None;
            }
            (Node::Edge { child: id(&b[1..5]), path: read_limbs(&b[6..6 + n]), len }, &b[6 + n..])
        }
        _ => return None,
    };
    if rest.len() != 32 {
        return None;
    }
    Some((node, Fe::from_canonical(read_limbs(rest))?))
}

fn root_bytes(root: Option<(NodeId, usize)>, out: &mut [u8]) {
    let (id, n) = root.map_or((NONE, 0), |(id, n)| (id, n as u64));
    out[..4].copy_from_slice(&id.to_be_bytes());
    out[4..12].copy_from_slice(&n.to_be_bytes());
}

fn read_root(b: &[u8]) -> Option<(NodeId, usize)> {
    let id = u32::from_be_bytes(b[..4].try_into().expect("4 bytes"));
    let n = u64::from_be_bytes(b[4..12].try_into().expect("8 bytes"));
    (id != NONE).then_some((id, n as usize))
}

/// Writes `changes` into `txn`; with `whole`, the tries' tables are
/// cleared first (the changes are every node, after a rebuild).
pub(super) fn write(txn: &redb::WriteTransaction, changes: &TrieChanges, whole: bool) -> Result<(), redb::Error> {
    let mut nodes = txn.open_table(NODES)?;
    let mut trees = txn.open_table(TREES)?;
    if whole {
        nodes.retain(|_, _| false)?;
        trees.retain(|_, _| false)?;
    }
    let mut row = Vec::with_capacity(80);
    let spaces = [
        (Space::Storage, &changes.storage),
        (Space::Contracts, &changes.contracts),
        (Space::Classes, &changes.classes),
    ];
    for (space, list) in spaces {
        for (id, now) in list.iter() {
            match now {
                Some((node, hash)) => {
                    encode(node, *hash, &mut row);
                    nodes.insert(key(space, *id), row.as_slice())?;
                }
                None => {
                    nodes.remove(key(space, *id))?;
                }
            }
        }
    }
    for (address, root) in &changes.trees {
        let k = address.felt().to_bytes_be();
        match root {
            Some(r) => {
                let mut v = [0u8; 12];
                root_bytes(Some(*r), &mut v);
                trees.insert(k, v)?;
            }
            None => {
                trees.remove(k)?;
            }
        }
    }
    let mut roots = [0u8; 24];
    root_bytes(changes.contract_root, &mut roots[..12]);
    root_bytes(changes.class_root, &mut roots[12..]);
    txn.open_table(super::META)?.insert(TRIES, roots.as_slice())?;
    Ok(())
}

/// Marks the stored tries stale (a block written without its changes).
pub(super) fn forget(txn: &redb::WriteTransaction) -> Result<(), redb::Error> {
    txn.open_table(super::META)?.remove(TRIES)?;
    Ok(())
}

/// What went wrong reading the tries: a database error or a corrupt row.
pub(super) enum ReadError {
    Db(redb::Error),
    Corrupt(String),
}

impl<E: Into<redb::Error>> From<E> for ReadError {
    fn from(e: E) -> ReadError {
        ReadError::Db(e.into())
    }
}

/// The tries as stored, or `None` when they are not whole.
pub(super) fn read(txn: &redb::ReadTransaction) -> Result<Option<StateCommitment>, ReadError> {
    let meta = txn.open_table(super::META)?;
    let Some(roots) = meta.get(TRIES)? else { return Ok(None) };
    let roots = roots.value().to_vec();
    if roots.len() != 24 {
        return Err(ReadError::Corrupt(format!("meta.{TRIES}: {} bytes", roots.len())));
    }
    let nodes = txn.open_table(NODES)?;
    let mut stores = Vec::with_capacity(3);
    for (space, name) in [(Space::Storage, "storage"), (Space::Contracts, "contract"), (Space::Classes, "class")] {
        let mut bad = None;
        let rows = nodes.range(key(space, 0)..=key(space, NodeId::MAX))?;
        let mut parsed = Vec::new();
        for row in rows {
            let (k, v) = row?;
            let id = (k.value() & 0xffff_ffff) as NodeId;
            match decode(v.value()) {
                Some((node, hash)) => parsed.push((id, node, hash)),
                None => {
                    bad = Some(format!("{name} trie node {id}"));
                    break;
                }
            }
        }
        if let Some(what) = bad {
            return Err(ReadError::Corrupt(what));
        }
        let store = MemStore::from_nodes(parsed).map_err(|e| ReadError::Corrupt(format!("{name} trie: {e}")))?;
        stores.push(store);
    }
    let mut trees = Vec::new();
    for row in txn.open_table(TREES)?.iter()? {
        let (k, v) = row?;
        let address = Felt::from_bytes_be(&k.value());
        ContractAddress::new(address).map_err(|_| ReadError::Corrupt(format!("storage tree {address:#x}")))?;
        match read_root(&v.value()) {
            Some((root, leaves)) => trees.push((address, root, leaves)),
            None => return Err(ReadError::Corrupt(format!("storage tree {address:#x}: no root"))),
        }
    }
    let classes = stores.pop().expect("three stores");
    let contracts = stores.pop().expect("three stores");
    let storage = stores.pop().expect("three stores");
    StateCommitment::from_parts(
        (storage, trees),
        (contracts, read_root(&roots[..12])),
        (classes, read_root(&roots[12..])),
    )
    .map(Some)
    .map_err(ReadError::Corrupt)
}

/// Node rows stored (all three tries).
pub(super) fn count(txn: &redb::ReadTransaction) -> Result<u64, redb::Error> {
    use redb::ReadableTableMetadata;
    Ok(txn.open_table(NODES)?.len()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_bad_rows_are_refused() {
        let h = Fe::from_u64(0xdead_beef);
        let nodes = [
            Node::Leaf,
            Node::Binary { left: 0, right: (1 << 30) - 1 },
            Node::Edge { child: 7, path: [1, 0, 0, 0], len: 1 },
            Node::Edge { child: 7, path: [0x1234, 0, 0, 0], len: 13 },
            Node::Edge { child: 9, path: [u64::MAX, u64::MAX, u64::MAX, (1 << 59) - 1], len: 251 },
        ];
        let mut row = Vec::new();
        for n in nodes {
            encode(&n, h, &mut row);
            assert_eq!(decode(&row), Some((n, h)), "{n:?}");
            // A row cut short or with a byte more is not a node.
            assert_eq!(decode(&row[..row.len() - 1]), None);
            row.push(0);
            assert_eq!(decode(&row), None);
        }
        assert_eq!(decode(&[]), None);
        assert_eq!(decode(&[3; 33]), None, "an unknown tag");
        // A hash that is not a canonical felt is refused.
        let mut leaf = vec![0u8];
        leaf.extend_from_slice(&[0xff; 32]);
        assert_eq!(decode(&leaf), None);
    }
}
