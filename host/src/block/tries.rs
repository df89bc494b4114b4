//! The executor's tries: all in memory ([`MemStore`]), or paged from the
//! store's disk within a byte budget ([`PagedStore`], the RAM tier).
//!
//! A paged commit reads what it needs first (the prefetch of the written
//! keys' paths, one batched read per level), so it never waits on the disk
//! midway. After the block's write, the three tries' stores are evicted
//! down to the node budget, least recently used first, each in proportion
//! to what it holds; the nodes changed since the store last folded its log
//! stay pinned (the `nodes` table lacks them) until the next folding,
//! which comes early when they hold over half the budget.

// Without the store nothing pages the tries.
#![cfg_attr(not(feature = "store"), allow(dead_code))]

use crate::state::{
    CacheStats, CommitError, CommitStats, LeafSource, Roots, StarknetVersion, StateCommitment, StateDiff, StateReader,
    TrieChanges,
};
use wavelane_kernels::trie::{MemStore, NodeStore, PagedStore};
use wavelane_kernels::Backend;

/// The tries, in memory or paged.
#[derive(Clone, Debug)]
pub(crate) enum Tries {
    /// Every node in memory.
    Mem(StateCommitment<MemStore>),
    /// Nodes paged from the store within a budget of bytes.
    Paged(StateCommitment<PagedStore>, u64),
}

impl Tries {
    /// Starts recording which nodes change.
    pub(crate) fn keep_journal(&mut self) {
        match self {
            Tries::Mem(c) => c.keep_journal(),
            Tries::Paged(c, _) => c.keep_journal(),
        }
    }

    /// What the tries changed since the journal was last taken.
    pub(crate) fn take_changes<'d>(&mut self, diffs: impl IntoIterator<Item = &'d StateDiff>) -> TrieChanges {
        match self {
            Tries::Mem(c) => c.take_changes(diffs),
            Tries::Paged(c, _) => c.take_changes(diffs),
        }
    }

    /// The roots under `version`'s rule.
    pub(crate) fn roots(&self, version: StarknetVersion) -> Roots {
        match self {
            Tries::Mem(c) => c.roots(version),
            Tries::Paged(c, _) => c.roots(version),
        }
    }

    /// Commits `diff` (see [`StateCommitment::commit_from`]); a paged
    /// commit runs on the CPU and ignores `source`.
    pub(crate) fn commit(
        &mut self,
        backend: Backend,
        pre: &(impl StateReader + ?Sized),
        diff: &StateDiff,
        version: StarknetVersion,
        source: Option<&LeafSource<'_>>,
    ) -> Result<(Roots, CommitStats), CommitError> {
        match self {
            Tries::Mem(c) => c.commit_from(backend, pre, diff, version, source),
            Tries::Paged(c, _) => c.commit(backend, pre, diff, version),
        }
    }

    /// Whether the next write should fold the store's log: with paged
    /// tries whose pinned nodes (changed since the last folding, so not in
    /// the `nodes` table) hold over half the node budget.
    pub(crate) fn wants_fold(&self) -> bool {
        let Tries::Paged(c, budget) = self else { return false };
        let pinned = |s: &PagedStore| s.bytes() as u128 * s.pinned() as u128 / s.resident_nodes().max(1) as u128;
        let (f, t, k) = (c.storage_forest().store(), c.contract_trie().store(), c.class_trie().store());
        2 * (pinned(f) + pinned(t) + pinned(k)) > *budget as u128
    }

    /// After a block's write: with paged tries, unpins every node when the
    /// write `folded` the log into the tables, evicts down to the budget
    /// and returns what the block's faults found and what stays.
    pub(crate) fn settle(&mut self, folded: bool) -> Option<CacheStats> {
        let Tries::Paged(c, budget) = self else { return None };
        let (forest, contracts, classes) = c.parts_mut();
        let mut stats = CacheStats::default();
        let mut held = [forest.store().bytes(), contracts.store().bytes(), classes.store().bytes()];
        let total: usize = held.iter().sum();
        // Each trie's share of the budget, in proportion to what it holds.
        let share = |b: usize| (*budget as u128 * b as u128 / total.max(1) as u128) as usize;
        let over = total as u64 > *budget;
        for (i, store) in [forest.store_mut(), contracts.store_mut(), classes.store_mut()].into_iter().enumerate() {
            let s = store.take_stats();
            (stats.hits, stats.misses, stats.bytes_read) =
                (stats.hits + s.hits, stats.misses + s.misses, stats.bytes_read + s.bytes_read);
            if folded {
                store.unpin_all();
            }
            store.next_epoch();
            held[i] = share(held[i]);
        }
        if over {
            stats.evicted += forest.evict(held[0]) as u64;
            stats.evicted += contracts.evict(held[1]) as u64;
            stats.evicted += classes.evict(held[2]) as u64;
        }
        for store in [forest.store(), contracts.store(), classes.store()] {
            stats.resident += store.live() as u64;
            stats.bytes += store.bytes() as u64;
        }
        Some(stats)
    }
}
