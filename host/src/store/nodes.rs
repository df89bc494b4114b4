//! The tries in the store: every node of the storage forest, the contract
//! trie and the class trie, the storage trees' roots, and the two tries'
//! roots, so that opening a store reads the tries instead of rehashing the
//! whole state.
//!
//! ```text
//! nodes     (trie << 32 | id) → leaf    0, hash                    33 B
//!                               binary  1, left, right, hash       41 B
//!                               edge    2, child, len, path, hash  38 B + ⌈len/8⌉
//! trees     address → root id (4 B), values (8 B)
//! meta      "tries" → the contract trie's root and values, the class trie's,
//!           and the block the tables are as of (8 B)
//! node_log  block → the nodes and trees the block changed (stores written
//!           before the blocks' diffs became the log; read, never written):
//!           trie (0..3), id, n, row (n bytes; 0: freed)  |  3, address, root
//! ```
//!
//! Ids and counts are big-endian, hashes and paths little-endian limbs
//! (canonical, not Montgomery), a path in as many bytes as its length
//! needs.
//!
//! A block changes nodes all over the tries, and inserting them one row
//! each would rewrite most of the B-tree's pages every block; writing them
//! as one log row per block still writes and syncs some 60 B a node, many
//! times the block's diff. So a block writes no trie rows at all: its
//! diff, in its record, is the log. Every [`COMPACT_EVERY`] blocks
//! (and for a block of [`FOLD_NODES`] changes or more, such as a genesis,
//! and when the RAM tier asks) the nodes changed since the last folding,
//! which the store keeps in memory as the commits give them (`fold.rs`),
//! go into `nodes` and `trees` (the last change of each key, in key order)
//! in that block's transaction, and `meta.tries` names the block. Reading
//! the tries ([`super::Store::load_tries`]) reads the tables and commits
//! the diffs of the blocks since, merged, on top (the tries are a function
//! of the state alone), so a store reopened after a crash has the tries of
//! its last block, and the changes that commit made are the ones the next
//! folding writes. `meta.tries` is present only while the nodes are whole:
//! a block written without its changes, or a folding that does not know
//! the changes since the last one, removes it, and the next open rebuilds
//! the tries and writes them anew.

use crate::state::{ContractAddress, StateCommitment, TrieChanges};
use redb::{ReadableDatabase, ReadableTable, TableDefinition};
use starknet_types_core::felt::Felt;
use std::sync::Arc;
use wavelane_kernels::field::Fe;
use wavelane_kernels::trie::{Journaled, MemStore, Node, NodeId, NodeSource, PagedStore};

pub(super) const NODES: TableDefinition<u64, &[u8]> = TableDefinition::new("nodes");
pub(super) const TREES: TableDefinition<[u8; 32], [u8; 12]> = TableDefinition::new("trees");
pub(super) const NODE_LOG: TableDefinition<u64, &[u8]> = TableDefinition::new("node_log");

/// Blocks between two foldings of the log into the tables.
pub const COMPACT_EVERY: u64 = 16;

/// A block changing this many nodes or more writes them into the tables
/// (after folding the log) rather than as a log row.
pub const FOLD_NODES: usize = 1 << 20;

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

/// One change as the tables take it: a node's row by key (`None`: freed)
/// or a storage tree's root by address (`None`: removed).
enum Change<'a> {
    Node(u64, Option<&'a [u8]>),
    Tree([u8; 32], Option<[u8; 12]>),
}

/// Calls `f` with each of `changes`, nodes in key order, then trees.
fn each_change<E>(changes: &TrieChanges, mut f: impl FnMut(Change<'_>) -> Result<(), E>) -> Result<(), E> {
    let mut row = Vec::with_capacity(80);
    let spaces = [
        (Space::Storage, &changes.storage),
        (Space::Contracts, &changes.contracts),
        (Space::Classes, &changes.classes),
    ];
    for (space, list) in spaces {
        for (id, now) in list.iter() {
            let now = now.map(|(node, hash)| {
                encode(&node, hash, &mut row);
                row.as_slice()
            });
            f(Change::Node(key(space, *id), now))?;
        }
    }
    for (address, root) in &changes.trees {
        let mut v = [0u8; 12];
        root_bytes(*root, &mut v);
        f(Change::Tree(address.felt().to_bytes_be(), root.map(|_| v)))?;
    }
    Ok(())
}

/// One change into the tables.
fn apply(
    nodes: &mut redb::Table<u64, &[u8]>,
    trees: &mut redb::Table<[u8; 32], [u8; 12]>,
    change: Change<'_>,
) -> Result<(), redb::Error> {
    match change {
        Change::Node(k, Some(r)) => nodes.insert(k, r).map(drop),
        Change::Node(k, None) => nodes.remove(k).map(drop),
        Change::Tree(a, Some(v)) => trees.insert(a, v).map(drop),
        Change::Tree(a, None) => trees.remove(a).map(drop),
    }
    .map_err(Into::into)
}

/// One block's changes as a log blob (as stores written before the log
/// went into the records hold them).
#[cfg(test)]
fn log_blob(changes: &TrieChanges) -> Vec<u8> {
    let n = changes.storage.len() + changes.contracts.len() + changes.classes.len();
    let mut blob = Vec::with_capacity(n * 64 + changes.trees.len() * 45);
    let _ = each_change(changes, |c| -> Result<(), ()> {
        match c {
            Change::Node(k, row) => {
                blob.push((k >> 32) as u8);
                blob.extend_from_slice(&((k & 0xffff_ffff) as u32).to_be_bytes());
                let row = row.unwrap_or(&[]);
                blob.push(row.len() as u8);
                blob.extend_from_slice(row);
            }
            Change::Tree(a, root) => {
                blob.push(TREE_RECORD);
                blob.extend_from_slice(&a);
                let mut none = [0u8; 12];
                root_bytes(None, &mut none);
                blob.extend_from_slice(&root.unwrap_or(none));
            }
        }
        Ok(())
    });
    blob
}

const TREE_RECORD: u8 = 3;

/// A log blob's changes, last one of each key winning: node rows by key,
/// tree roots by address (`None`: removed).
#[derive(Default)]
pub(super) struct Folded {
    nodes: std::collections::BTreeMap<u64, Option<Vec<u8>>>,
    trees: std::collections::BTreeMap<[u8; 32], Option<[u8; 12]>>,
}

impl Folded {
    /// Folds one block's changes in, as [`Folded::add`] folds their blob.
    pub(super) fn add_changes(&mut self, changes: &TrieChanges) {
        let _ = each_change(changes, |c| -> Result<(), ()> {
            match c {
                Change::Node(k, row) => drop(self.nodes.insert(k, row.map(<[u8]>::to_vec))),
                Change::Tree(a, root) => drop(self.trees.insert(a, root)),
            }
            Ok(())
        });
    }

    /// Folds one blob in; `None` when it is not one [`log_blob`] writes.
    fn add(&mut self, mut b: &[u8]) -> Option<()> {
        while let Some(&kind) = b.first() {
            if kind == TREE_RECORD {
                let rec = b.get(1..45)?;
                let v: [u8; 12] = rec[32..].try_into().expect("12 bytes");
                let removed = read_root(&v).is_none();
                self.trees.insert(rec[..32].try_into().expect("32 bytes"), (!removed).then_some(v));
                b = &b[45..];
                continue;
            }
            let space = match kind {
                0 => Space::Storage,
                1 => Space::Contracts,
                2 => Space::Classes,
                _ => return None,
            };
            let id = u32::from_be_bytes(b.get(1..5)?.try_into().expect("4 bytes"));
            let n = *b.get(5)? as usize;
            let row = b.get(6..6 + n)?;
            self.nodes.insert(key(space, id), (n > 0).then(|| row.to_vec()));
            b = &b[6 + n..];
        }
        Some(())
    }
}

/// Writes block `block`'s trie `changes` into `txn`. Every
/// [`COMPACT_EVERY`] blocks, for a block changing [`FOLD_NODES`] nodes or
/// more (a genesis) and when asked (`changes.fold`), the changes since the
/// tables were last written (`pending`, as the commits kept them) and then
/// this block's go into the tables, in key order, and `meta.tries` names
/// the block; else nothing is written: the blocks' diffs in their records
/// are the log, and reading the tries recomputes the changes since from
/// them ([`super::Store::load_tries`]). With `whole` (the changes are
/// every node, after a rebuild) the tries' tables are replaced. Returns
/// the changes not in the tables after this block, when known, and
/// whether this block's are among them (not written).
///
/// A store written before the trie log went into the records holds rows
/// in `node_log`; its next write folds them.
pub(super) fn write(
    txn: &redb::WriteTransaction,
    block: u64,
    changes: &TrieChanges,
    whole: bool,
    pending: Option<Folded>,
) -> Result<(Option<Folded>, bool), redb::Error> {
    use redb::ReadableTableMetadata;
    let mut log = txn.open_table(NODE_LOG)?;
    let mut nodes = txn.open_table(NODES)?;
    let mut trees = txn.open_table(TREES)?;
    let mut meta = txn.open_table(super::META)?;
    if whole {
        nodes.retain(|_, _| false)?;
        trees.retain(|_, _| false)?;
        log.retain(|_, _| false)?;
    }
    let old_log = !log.is_empty()?;
    let at = tables_at(&meta).map_err(|what| redb::StorageError::Io(std::io::Error::other(what)))?;
    // The store's first block writes the tables.
    let first = meta.get(super::LAST_BLOCK)?.is_none();
    if !whole && !first && at.is_none() {
        return Ok((None, false)); // stale tries stay stale until rebuilt
    }
    let changed = changes.storage.len() + changes.contracts.len() + changes.classes.len();
    if !whole && !first && !old_log && !changes.fold && !folds(block, changed) {
        return Ok((pending, true));
    }
    let current = whole || first || old_log || at == Some(None) || at == Some(block.checked_sub(1));
    let folded = match pending.filter(|_| !whole) {
        Some(p) => Some(p),
        None if old_log => Some(read_log(&log)?),
        None if current => Some(Folded::default()),
        None => None,
    };
    let Some(folded) = folded else {
        // The changes since the tables were written are not known here:
        // the tries are marked stale, and the next open rebuilds them.
        meta.remove(TRIES)?;
        return Ok((None, false));
    };
    fold_into(&mut log, &mut nodes, &mut trees, Some(folded))?;
    // This block's changes come after the others, in key order.
    each_change(changes, |c| apply(&mut nodes, &mut trees, c))?;
    meta.insert(TRIES, tries_row(changes, block).as_slice())?;
    Ok((Some(Folded::default()), false))
}

/// `meta.tries`: the contract and class tries' roots, and the block the
/// tables are as of.
fn tries_row(changes: &TrieChanges, block: u64) -> [u8; 32] {
    let mut row = [0u8; 32];
    root_bytes(changes.contract_root, &mut row[..12]);
    root_bytes(changes.class_root, &mut row[12..24]);
    row[24..].copy_from_slice(&block.to_be_bytes());
    row
}

/// The block the tries' tables are as of: `None` when they are stale,
/// `Some(None)` for a store written before `meta.tries` named it (as of
/// its last block, with its `node_log` over the tables).
fn tables_at(meta: &impl ReadableTable<&'static str, &'static [u8]>) -> Result<Option<Option<u64>>, String> {
    let Some(v) = meta.get(TRIES).map_err(|e| e.to_string())? else { return Ok(None) };
    match v.value().len() {
        24 => Ok(Some(None)),
        32 => Ok(Some(Some(u64::from_be_bytes(v.value()[24..].try_into().expect("8 bytes"))))),
        n => Err(format!("meta.{TRIES}: {n} bytes")),
    }
}

/// The rows of a `node_log` (stores written before the log went into the
/// records), folded.
fn read_log(log: &impl ReadableTable<u64, &'static [u8]>) -> Result<Folded, redb::Error> {
    let mut folded = Folded::default();
    for row in log.iter()? {
        let (_, blob) = row?;
        if folded.add(blob.value()).is_none() {
            let e = std::io::Error::new(std::io::ErrorKind::InvalidData, "a trie log row wavelane does not write");
            return Err(redb::StorageError::Io(e).into());
        }
    }
    Ok(folded)
}

/// Writes `pending` (the changes since the tables were written, as the
/// commits kept them) into the tables of `txn` ahead of the block's own,
/// when the tables are whole and hold no old `node_log`; returns whether
/// it did (else [`write`] folds).
/// `whole`: [`tables_whole`] said so (read first, as `meta` may be open on
/// another thread meanwhile).
pub(super) fn fold_pending(txn: &redb::WriteTransaction, pending: &Folded, whole: bool) -> Result<bool, redb::Error> {
    use redb::ReadableTableMetadata;
    let mut log = txn.open_table(NODE_LOG)?;
    if !whole || !log.is_empty()? {
        return Ok(false);
    }
    let (mut nodes, mut trees) = (txn.open_table(NODES)?, txn.open_table(TREES)?);
    for (k, row) in &pending.nodes {
        apply(&mut nodes, &mut trees, Change::Node(*k, row.as_deref()))?;
    }
    for (a, root) in &pending.trees {
        apply(&mut nodes, &mut trees, Change::Tree(*a, *root))?;
    }
    log.retain(|_, _| false)?;
    Ok(true)
}

/// Whether the tries' tables are whole (`meta.tries` is there).
pub(super) fn tables_whole(txn: &redb::WriteTransaction) -> Result<bool, redb::Error> {
    let meta = txn.open_table(super::META)?;
    Ok(tables_at(&meta).map_err(|what| redb::StorageError::Io(std::io::Error::other(what)))?.is_some())
}

fn fold_into(
    log: &mut redb::Table<u64, &[u8]>,
    nodes: &mut redb::Table<u64, &[u8]>,
    trees: &mut redb::Table<[u8; 32], [u8; 12]>,
    pending: Option<Folded>,
) -> Result<(), redb::Error> {
    let folded = match pending {
        Some(p) => p,
        None => read_log(log)?,
    };
    log.retain(|_, _| false)?;
    for (k, row) in &folded.nodes {
        apply(nodes, trees, Change::Node(*k, row.as_deref()))?;
    }
    for (a, root) in &folded.trees {
        apply(nodes, trees, Change::Tree(*a, *root))?;
    }
    Ok(())
}

/// Whether block `block`'s write folds the log whatever it changes.
pub(super) fn folds_on_schedule(block: u64) -> bool {
    (block + 1).is_multiple_of(COMPACT_EVERY)
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

/// What every reading of the tries starts from: the two tries' roots
/// (`meta.tries`), the log folded, and every storage tree's root with the
/// log over the table. `None` when the tries are not whole.
struct Stored {
    roots: Vec<u8>,
    folded: Folded,
    trees: Vec<(Felt, NodeId, usize)>,
    /// The block the tables are as of (`None`: the store's last).
    at: Option<u64>,
}

fn stored(txn: &redb::ReadTransaction) -> Result<Option<Stored>, ReadError> {
    let meta = txn.open_table(super::META)?;
    let Some(at) = tables_at(&meta).map_err(ReadError::Corrupt)? else { return Ok(None) };
    let roots = meta.get(TRIES)?.expect("read above").value()[..24].to_vec();
    let mut folded = Folded::default();
    for row in txn.open_table(NODE_LOG)?.iter()? {
        let (block, blob) = row?;
        folded
            .add(blob.value())
            .ok_or_else(|| ReadError::Corrupt(format!("the trie log of block {}", block.value())))?;
    }
    let mut trees = Vec::new();
    let mut add_tree = |a: &[u8; 32], v: &[u8; 12]| -> Result<(), ReadError> {
        let address = Felt::from_bytes_be(a);
        ContractAddress::new(address).map_err(|_| ReadError::Corrupt(format!("storage tree {address:#x}")))?;
        let (root, leaves) =
            read_root(v).ok_or_else(|| ReadError::Corrupt(format!("storage tree {address:#x}: no root")))?;
        trees.push((address, root, leaves));
        Ok(())
    };
    for row in txn.open_table(TREES)?.iter()? {
        let (k, v) = row?;
        let k = k.value();
        if !folded.trees.contains_key(&k) {
            add_tree(&k, &v.value())?;
        }
    }
    for (a, v) in &folded.trees {
        if let Some(v) = v {
            add_tree(a, v)?;
        }
    }
    Ok(Some(Stored { roots, folded, trees, at }))
}

/// The commitment from its three stores (storage, contracts, classes),
/// the storage trees and `meta.tries`' roots.
fn assemble<S: Journaled>(
    mut stores: Vec<S>,
    trees: Vec<(Felt, NodeId, usize)>,
    roots: &[u8],
) -> Result<Option<StateCommitment<S>>, ReadError> {
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

/// Tries read from the tables, with the block they are as of (`None`:
/// the store's last).
pub(super) type AsOf<T> = (T, Option<u64>);

/// The three tries' names and spaces.
const SPACES: [(Space, &str); 3] =
    [(Space::Storage, "storage"), (Space::Contracts, "contract"), (Space::Classes, "class")];

/// The tries as stored (the tables with the log over them), or `None`
/// when they are not whole.
pub(super) fn read(txn: &redb::ReadTransaction) -> Result<Option<AsOf<StateCommitment>>, ReadError> {
    let Some(Stored { roots, folded, trees, at }) = stored(txn)? else { return Ok(None) };
    let nodes = txn.open_table(NODES)?;
    let mut stores = Vec::with_capacity(3);
    for (space, name) in SPACES {
        let bad = |id: u64| ReadError::Corrupt(format!("{name} trie node {}", id & 0xffff_ffff));
        let mut parsed = Vec::new();
        let (lo, hi) = (key(space, 0), key(space, NodeId::MAX));
        let mut logged = folded.nodes.range(lo..=hi).peekable();
        let mut push = |k: u64, row: &[u8]| -> Result<(), ReadError> {
            let (node, hash) = decode(row).ok_or_else(|| bad(k))?;
            parsed.push(((k & 0xffff_ffff) as NodeId, node, hash));
            Ok(())
        };
        // The table and the log, merged by key; the log wins.
        for row in nodes.range(lo..=hi)? {
            let (k, v) = row?;
            let k = k.value();
            while let Some((&lk, lrow)) = logged.next_if(|(lk, _)| **lk < k) {
                if let Some(r) = lrow {
                    push(lk, r)?;
                }
            }
            match logged.next_if(|(lk, _)| **lk == k) {
                Some((_, Some(r))) => push(k, r)?,
                Some((_, None)) => {}
                None => push(k, v.value())?,
            }
        }
        for (&lk, lrow) in logged {
            if let Some(r) = lrow {
                push(lk, r)?;
            }
        }
        let store = MemStore::from_nodes(parsed).map_err(|e| ReadError::Corrupt(format!("{name} trie: {e}")))?;
        stores.push(store);
    }
    Ok(assemble(stores, trees, &roots)?.map(|c| (c, at)))
}

/// One trie's nodes in the `nodes` table, read by id for a [`PagedStore`]:
/// the nodes changed since the log was last folded are not there, so the
/// paged store holds them pinned until the next folding.
struct TableSource {
    db: Arc<redb::Database>,
    space: Space,
}

impl NodeSource for TableSource {
    fn read(&self, ids: &[NodeId], out: &mut Vec<Option<(Node, Fe)>>) -> Result<u64, String> {
        let mut read = || -> Result<u64, ReadError> {
            let nodes = self.db.begin_read()?.open_table(NODES)?;
            let mut bytes = 0;
            // In key order, so that neighbours share the B-tree's pages.
            let mut order: Vec<usize> = (0..ids.len()).collect();
            order.sort_unstable_by_key(|&i| ids[i]);
            let mut found = vec![None; ids.len()];
            for i in order {
                let id = ids[i];
                if let Some(row) = nodes.get(key(self.space, id))? {
                    let row = row.value();
                    bytes += 8 + row.len() as u64;
                    found[i] = Some(decode(row).ok_or_else(|| ReadError::Corrupt(format!("trie node {id}")))?);
                }
            }
            out.extend(found);
            Ok(bytes)
        };
        read().map_err(|e| match e {
            ReadError::Db(e) => e.to_string(),
            ReadError::Corrupt(what) => format!("corrupt {what}"),
        })
    }
}

/// The tries as stored, paged: only the nodes the log holds (newer than
/// the table) are read now, pinned; the others come from the `nodes`
/// table as updates need them. `None` when the tries are not whole.
pub(super) fn read_paged(
    db: &Arc<redb::Database>,
    txn: &redb::ReadTransaction,
) -> Result<Option<AsOf<StateCommitment<PagedStore>>>, ReadError> {
    let Some(Stored { roots, folded, trees, at }) = stored(txn)? else { return Ok(None) };
    let nodes = txn.open_table(NODES)?;
    let mut stores = Vec::with_capacity(3);
    for (space, name) in SPACES {
        let (lo, hi) = (key(space, 0), key(space, NodeId::MAX));
        let logged = folded.nodes.range(lo..=hi);
        let in_table = nodes.range(lo..=hi)?.next_back().transpose()?.map(|(k, _)| k.value());
        let last = logged.clone().next_back().map(|(k, _)| *k).max(in_table);
        let next_id = last.map_or(0, |k| (k & 0xffff_ffff) as NodeId + 1);
        let mut store = PagedStore::new(Arc::new(TableSource { db: db.clone(), space }), next_id);
        for (&k, row) in logged {
            let id = (k & 0xffff_ffff) as NodeId;
            match row {
                Some(r) => {
                    let (node, hash) =
                        decode(r).ok_or_else(|| ReadError::Corrupt(format!("{name} trie node {id} in the log")))?;
                    store.insert(id, node, hash, true);
                }
                None => store.forget(id),
            }
        }
        store.keep_journal();
        stores.push(store);
    }
    Ok(assemble(stores, trees, &roots)?.map(|c| (c, at)))
}

/// Empty paged tries over the tables of `db`.
pub(super) fn empty_paged(db: &Arc<redb::Database>) -> StateCommitment<PagedStore> {
    let store = |space| {
        let mut s = PagedStore::new(Arc::new(TableSource { db: db.clone(), space }), 0);
        s.keep_journal();
        s
    };
    StateCommitment::from_parts(
        (store(Space::Storage), Vec::new()),
        (store(Space::Contracts), None),
        (store(Space::Classes), None),
    )
    .expect("empty tries have no roots to read")
}

/// Whether block `block`'s write, changing `changed` nodes, folds the log
/// into the tables (so that every node is in the `nodes` table after it).
pub(super) fn folds(block: u64, changed: usize) -> bool {
    folds_on_schedule(block) || changed >= FOLD_NODES
}

/// Blocks the tries' tables lag the store's `last` block by (their
/// changes are recomputed from the blocks' diffs on reading); `None` when
/// the tries are stale or not as of a named block.
pub(super) fn lag(txn: &redb::ReadTransaction, last: Option<u64>) -> Result<Option<u64>, String> {
    let meta = txn.open_table(super::META).map_err(|e| e.to_string())?;
    Ok(match (tables_at(&meta)?, last) {
        (Some(Some(at)), Some(last)) => Some(last.saturating_sub(at)),
        _ => None,
    })
}

/// Rows of the nodes table (all three tries), and of the log.
pub(super) fn count(txn: &redb::ReadTransaction) -> Result<(u64, u64), redb::Error> {
    use redb::ReadableTableMetadata;
    Ok((txn.open_table(NODES)?.len()?, txn.open_table(NODE_LOG)?.len()?))
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

    #[test]
    fn a_log_blob_folds_to_the_last_change_of_each_key() {
        let a = ContractAddress::new(Felt::from(77u8)).unwrap();
        let h = Fe::from_u64(5);
        let first = TrieChanges {
            storage: vec![(3, Some((Node::Leaf, h))), (4, Some((Node::Binary { left: 3, right: 9 }, h)))],
            contracts: vec![(3, Some((Node::Edge { child: 1, path: [5, 0, 0, 0], len: 9 }, h)))],
            trees: vec![(a, Some((4, 2)))],
            ..TrieChanges::default()
        };
        let second = TrieChanges { storage: vec![(3, None)], trees: vec![(a, None)], ..TrieChanges::default() };
        let mut f = Folded::default();
        f.add(&log_blob(&first)).unwrap();
        f.add(&log_blob(&second)).unwrap();
        assert_eq!(f.nodes.len(), 3);
        assert_eq!(f.nodes[&key(Space::Storage, 3)], None, "freed later");
        let row = f.nodes[&key(Space::Contracts, 3)].as_ref().unwrap();
        assert_eq!(decode(row), Some((Node::Edge { child: 1, path: [5, 0, 0, 0], len: 9 }, h)));
        assert_eq!(f.trees.get(&a.felt().to_bytes_be()), Some(&None));
        // A blob cut short or of an unknown kind is not one.
        let blob = log_blob(&first);
        assert!(Folded::default().add(&blob[..blob.len() - 1]).is_none());
        assert!(Folded::default().add(&[9, 0, 0, 0, 0, 0]).is_none());
    }

    /// Block `n`'s diff: cells of two contracts.
    fn diff(n: u64) -> crate::state::StateDiff {
        use crate::state::StorageKey;
        let mut d = crate::state::StateDiff::default();
        for a in [3u64, 4] {
            let cells = d.storage.entry(ContractAddress::from_u64(a)).or_default();
            for k in 0..5 {
                cells.insert(StorageKey::from_u64(k * 7 + n % 3), Felt::from(n * 100 + k + 1));
            }
        }
        d
    }

    #[test]
    fn a_store_with_an_old_node_log_reads_it_and_folds_it_on_its_next_write() {
        use crate::state::{MemState, StarknetVersion};
        let path = std::env::temp_dir().join(format!("wavelane-old-log-{}.redb", std::process::id()));
        let db = redb::Database::create(&path).unwrap();
        let mut tries = StateCommitment::new();
        tries.keep_journal();
        let mut changes = Vec::new();
        for n in 0..3 {
            let d = diff(n);
            tries.commit(wavelane_kernels::Backend::Scalar, &MemState::new(), &d, StarknetVersion::V0_14_0).unwrap();
            changes.push(tries.take_changes([&d]));
        }
        let roots = |c: &StateCommitment| c.roots(StarknetVersion::V0_14_0);
        // As an older wavelane wrote it: block 0 in the tables, block 1 as
        // a log row, `meta.tries` of 24 bytes.
        let txn = db.begin_write().unwrap();
        write(&txn, 0, &changes[0], true, None).unwrap();
        txn.open_table(NODE_LOG).unwrap().insert(1, log_blob(&changes[1]).as_slice()).unwrap();
        let mut meta = txn.open_table(super::super::META).unwrap();
        meta.insert(TRIES, &tries_row(&changes[1], 1)[..24]).unwrap();
        meta.insert(super::super::LAST_BLOCK, [0u8; 40].as_slice()).unwrap();
        drop(meta);
        txn.commit().unwrap();
        let mut want = StateCommitment::new();
        for n in 0..2 {
            want.commit(wavelane_kernels::Backend::Scalar, &MemState::new(), &diff(n), StarknetVersion::V0_14_0)
                .unwrap();
        }
        let (read_back, at) = read(&db.begin_read().unwrap()).ok().flatten().expect("whole");
        assert_eq!((roots(&read_back), at), (roots(&want), None));
        // Block 2, not on the schedule, folds the old log with its own changes.
        let txn = db.begin_write().unwrap();
        let (pending, logged) = write(&txn, 2, &changes[2], false, None).unwrap();
        assert!(pending.is_some_and(|p| p.nodes.is_empty()) && !logged);
        txn.commit().unwrap();
        let txn = db.begin_read().unwrap();
        assert_eq!(count(&txn).unwrap().1, 0, "the log is emptied");
        let (read_back, at) = read(&txn).ok().flatten().expect("whole");
        assert_eq!((roots(&read_back), at), (roots(&tries), Some(2)));
        // Every cell proves against the tables: no row of the log was lost.
        let forest = read_back.storage_forest();
        let mut last = crate::state::StateDiff::default();
        (0..3).for_each(|n| super::super::fold::merge(&mut last, &diff(n)));
        for (a, cells) in &last.storage {
            for (k, v) in cells {
                let proof = forest.prove(&a.felt(), k.felt()).unwrap();
                let got =
                    wavelane_kernels::trie::proof::verify(forest.hash_kind(), forest.root(&a.felt()), k.felt(), &proof);
                assert_eq!(got, Ok(Some(*v)), "{a:?} {k:?}");
            }
        }
        drop((txn, db));
        let _ = std::fs::remove_file(&path);
    }
}
