//! The state tables' log: a block written by the executor keeps its diff
//! in its record alone, and every [`COMPACT_EVERY`] blocks (or when asked,
//! or for a block of [`FOLD_CELLS`] cells or more, such as a genesis) the
//! diffs since the last folding are merged, each cell and record once,
//! and written into the `storage`, `contracts` and `classes` tables in key
//! order, in that block's transaction.
//!
//! A block changes cells all over the tables, and writing them in place
//! every block dirties most of the B-trees' pages; the record is one row. `meta`'s
//! `unfolded` names the first block whose diff is not in the tables yet
//! (absent: every block is); readers merge those blocks' diffs over the
//! tables ([`super::Store::load`]), and the RAM tier keeps their cells in
//! memory until the next folding.
//!
//! The store also keeps both logs in memory as its commits wrote them
//! ([`Pending`]): the diffs merged, and the trie changes merged by key (the
//! last block's merged by the next commit, while that block's root is
//! computed). A folding writes those instead of reading the records back
//! (after an open, or a write that failed, the diffs are not known and the
//! first folding reads them); the node changes are seeded by reading the
//! tries on open (`nodes.rs`), and a folding without them marks the tries
//! stale.

use super::nodes::{Folded, COMPACT_EVERY};
use super::record;
use crate::state::{StateDiff, TrieChanges};
use redb::ReadableTable;

/// The `meta` key of the first block whose diff is not in the tables.
pub(super) const UNFOLDED: &str = "unfolded";

/// A block with this many storage cells or more folds (a genesis).
pub const FOLD_CELLS: usize = 1 << 20;

/// Whether block `number`, with `diff`, folds the state tables' log
/// (`asked`: the writer wants it now).
pub fn folds_cells(number: u64, diff: &StateDiff, asked: bool) -> bool {
    asked || (number + 1).is_multiple_of(COMPACT_EVERY) || diff.storage_updates() >= FOLD_CELLS
}

/// `later` over `into`: each cell, nonce and class takes the later value.
pub(super) fn merge(into: &mut StateDiff, later: &StateDiff) {
    for (a, cells) in &later.storage {
        into.storage.entry(*a).or_default().extend(cells.iter().map(|(k, v)| (*k, *v)));
    }
    into.nonces.extend(later.nonces.iter().map(|(a, n)| (*a, *n)));
    into.deployed.extend(later.deployed.iter().map(|(a, c)| (*a, *c)));
    into.replaced.extend(later.replaced.iter().map(|(a, c)| (*a, *c)));
    into.declared.extend(later.declared.iter().map(|(c, cc)| (*c, *cc)));
    into.migrated.extend(later.migrated.iter().map(|(c, cc)| (*c, *cc)));
    into.deprecated_declared.extend(later.deprecated_declared.iter().copied());
}

/// The first unfolded block, from `meta`.
pub(super) fn first_unfolded(meta: &impl ReadableTable<&'static str, &'static [u8]>) -> Result<Option<u64>, String> {
    let Some(v) = meta.get(UNFOLDED).map_err(|e| e.to_string())? else { return Ok(None) };
    let b: [u8; 8] = v.value().try_into().map_err(|_| format!("meta.{UNFOLDED}: {} bytes", v.value().len()))?;
    Ok(Some(u64::from_be_bytes(b)))
}

/// The diffs of blocks `first..` from their records, merged.
pub(super) fn merged(blocks: &impl ReadableTable<u64, &'static [u8]>, first: u64) -> Result<StateDiff, String> {
    let mut all = StateDiff::default();
    for (_, d) in &diffs(blocks, first)? {
        merge(&mut all, d);
    }
    Ok(all)
}

/// The diffs of blocks `first..`, in order, from their records.
pub(super) fn diffs(
    blocks: &impl ReadableTable<u64, &'static [u8]>,
    first: u64,
) -> Result<Vec<(u64, StateDiff)>, String> {
    let mut out = Vec::new();
    for row in blocks.range(first..).map_err(|e| e.to_string())? {
        let (n, v) = row.map_err(|e| e.to_string())?;
        let n = n.value();
        let update = record::decode(v.value()).map_err(|e| format!("block {n}: {e}"))?;
        out.push((n, update.diff));
    }
    Ok(out)
}

/// The unfolded logs as the last commits left them, so that a folding
/// writes them without reading them back and decoding them: each part is
/// valid only for the block it names next (`None`: not known, read from
/// the tables), and a commit takes both and puts them back only once it
/// has landed, so a failed write leaves them unknown.
#[derive(Default)]
pub(super) struct Pending {
    /// The next block, and the merged diffs of the blocks since the last
    /// folding of the state tables' log.
    pub(super) cells: Option<(u64, StateDiff)>,
    /// The next block, and the trie log's changes merged but for the last
    /// block's, which the next commit merges while its root is computed.
    pub(super) nodes: Option<(u64, Folded, Option<TrieChanges>)>,
}

impl Pending {
    /// The cells part, when it is the one block `number` follows.
    pub(super) fn cells_for(&mut self, number: u64) -> Option<StateDiff> {
        self.cells.take().and_then(|(n, d)| (n == number).then_some(d))
    }
}

/// The nodes part of a [`Pending`], taken, when it is the one block
/// `number` follows, with the last block's changes merged in.
pub(super) fn nodes_for(nodes: Option<(u64, Folded, Option<TrieChanges>)>, number: u64) -> Option<Folded> {
    let (n, mut folded, last) = nodes?;
    if n != number {
        return None;
    }
    if let Some(changes) = last {
        folded.add_changes(&changes);
    }
    Some(folded)
}
