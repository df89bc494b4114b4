//! Block building for a leader: priority order under three watermarks.
//!
//! The pool is sorted by priority fee per compute unit (highest first; ties
//! keep pool order), and a sender's transactions stay in nonce order: only
//! its lowest nonce not yet taken competes. Each candidate then goes in
//! unless
//!
//! 1. the block's compute would exceed `max_compute`,
//! 2. a state key it writes would carry more than
//!    `max_account_write_compute` units of writing transactions (a hot
//!    key cannot eat the block), or
//! 3. the cold bytes it loads — keys cold per the [`ColdBytes`] oracle and
//!    not yet loaded by an earlier transaction of this block — would take
//!    the block past `load_limit` (`LOAD_LIMIT`). This is a watermark: once
//!    the cold budget is spent, transactions touching only hot (or already
//!    loaded) keys still go in; the others wait for a later block.
//!
//! Each left-out transaction is reported with the first limit it hit; a
//! sender's later nonces after one left out are left out with it.

use crate::exec::{AccessSet, NativeTx, Prepared};
use crate::state::{ColdLru, ContractAddress, StateKey};
use ahash::{AHashMap, AHashSet};
use std::collections::BTreeSet;

/// What the builder needs to know of a pool transaction.
pub trait PoolTx {
    /// Compute units it is charged.
    fn compute_units(&self) -> u64;
    /// Priority fee it pays (ordered per compute unit).
    fn priority_fee(&self) -> u64;
    /// The state keys it touches.
    fn access(&self) -> AccessSet;
    /// Its sender and nonce, when it has them: a sender's transactions go
    /// into a block in nonce order.
    fn sender_nonce(&self) -> Option<(ContractAddress, u64)> {
        None
    }
}

impl PoolTx for Prepared {
    fn compute_units(&self) -> u64 {
        self.tx.compute_units()
    }
    fn priority_fee(&self) -> u64 {
        u64::try_from(self.tx.fee()).unwrap_or(u64::MAX)
    }
    fn access(&self) -> AccessSet {
        Prepared::access(self)
    }
    fn sender_nonce(&self) -> Option<(ContractAddress, u64)> {
        Some((self.tx.sender(), self.tx.nonce()))
    }
}

impl PoolTx for NativeTx {
    fn compute_units(&self) -> u64 {
        NativeTx::compute_units(self)
    }
    fn priority_fee(&self) -> u64 {
        u64::try_from(self.fee()).unwrap_or(u64::MAX)
    }
    fn access(&self) -> AccessSet {
        self.prepare_one().access()
    }
    fn sender_nonce(&self) -> Option<(ContractAddress, u64)> {
        Some((self.sender(), self.nonce()))
    }
}

/// Which keys are cold, and how many bytes loading each costs.
pub trait ColdBytes {
    /// Bytes loaded to use `key` now; 0 when it is hot.
    fn cold_bytes(&self, key: &StateKey) -> u64;
}

impl ColdBytes for crate::state::Residency {
    fn cold_bytes(&self, key: &StateKey) -> u64 {
        crate::state::Residency::cold_bytes(self, key)
    }
}

impl ColdBytes for ColdLru {
    fn cold_bytes(&self, key: &StateKey) -> u64 {
        ColdLru::cold_bytes(self, key)
    }
}

/// Every key is hot.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllHot;

impl ColdBytes for AllHot {
    fn cold_bytes(&self, _: &StateKey) -> u64 {
        0
    }
}

/// The watermarks of one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLimits {
    /// Compute units of the whole block.
    pub max_compute: u64,
    /// Compute units of the transactions writing any one key.
    pub max_account_write_compute: u64,
    /// Cold bytes loaded by the block (`LOAD_LIMIT`).
    pub load_limit: u64,
}

/// Why a transaction was left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exclusion {
    /// The block's compute limit: `used + needed > limit`.
    BlockCompute {
        /// Units already in the block.
        used: u64,
        /// This transaction's units.
        needed: u64,
    },
    /// The write compute limit of `key`.
    AccountWriteCompute {
        /// The saturated key.
        key: StateKey,
        /// Units of its writers already in the block.
        used: u64,
    },
    /// An earlier transaction of the same sender (a lower nonce) was left
    /// out, so this one cannot go in before it.
    EarlierNonce {
        /// The pool index of the transaction left out.
        waits_for: usize,
    },
    /// `LOAD_LIMIT`: its cold bytes no longer fit; it waits for a later block.
    LoadLimit {
        /// Cold bytes it would load.
        cold_bytes: u64,
        /// Cold bytes left in the block's budget.
        left: u64,
    },
}

/// A built block: indices into the pool.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuiltBlock {
    /// The block, in priority order (each sender's transactions in nonce
    /// order).
    pub included: Vec<usize>,
    /// Left-out transactions with the reason, in priority order.
    pub excluded: Vec<(usize, Exclusion)>,
    /// Compute units of the block.
    pub compute: u64,
    /// Cold bytes the block loads.
    pub cold_bytes: u64,
}

/// Fills a block from `pool` (see the module documentation).
pub fn build_block<T: PoolTx, C: ColdBytes + ?Sized>(pool: &[T], limits: &BlockLimits, cold: &C) -> BuiltBlock {
    let mut order: Vec<usize> = (0..pool.len()).collect();
    let keys: Vec<(u64, u64)> = pool.iter().map(|t| (t.priority_fee(), t.compute_units().max(1))).collect();
    // a/b > c/d  ⇔  a·d > c·b (exact; u64·u64 fits u128); stable sort keeps pool order on ties.
    order.sort_by(|&x, &y| {
        let (fx, cx) = keys[x];
        let (fy, cy) = keys[y];
        (u128::from(fy) * u128::from(cx)).cmp(&(u128::from(fx) * u128::from(cy)))
    });
    // Each sender's transactions by nonce; only the lowest one not taken
    // yet is a candidate, so the block keeps them in nonce order whatever
    // fees they pay. A candidate's rank is its place in priority order.
    let mut rank = vec![0usize; pool.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    let mut queues: AHashMap<ContractAddress, Vec<usize>> = AHashMap::new();
    let mut candidates: BTreeSet<(usize, usize)> = BTreeSet::new();
    for &i in &order {
        match pool[i].sender_nonce() {
            Some((sender, _)) => queues.entry(sender).or_default().push(i),
            None => {
                candidates.insert((rank[i], i));
            }
        }
    }
    for queue in queues.values_mut() {
        // Highest nonce first, so the next one is popped from the end
        // (ties keep priority order).
        queue.sort_by_key(|&i| std::cmp::Reverse((pool[i].sender_nonce().map(|s| s.1), rank[i])));
        let head = *queue.last().expect("a queue holds one at least");
        candidates.insert((rank[head], head));
    }

    let mut built = BuiltBlock::default();
    let mut write_cu: AHashMap<StateKey, u64> = AHashMap::new();
    let mut loaded: AHashSet<StateKey> = AHashSet::new();
    while let Some((_, i)) = candidates.pop_first() {
        let txn = &pool[i];
        let queue = txn.sender_nonce().and_then(|(sender, _)| queues.get_mut(&sender));
        let cu = txn.compute_units();
        let access = txn.access();
        if let Some(why) = check(&built, limits, cold, &write_cu, &loaded, cu, &access) {
            built.excluded.push((i, why));
            if let Some(queue) = queue {
                // Its later nonces cannot go in before it.
                queue.pop();
                built.excluded.extend(queue.drain(..).rev().map(|j| (j, Exclusion::EarlierNonce { waits_for: i })));
            }
            continue;
        }
        if let Some(queue) = queue {
            queue.pop();
            if let Some(&next) = queue.last() {
                candidates.insert((rank[next], next));
            }
        }
        for a in access.writes.iter() {
            *write_cu.entry(*a).or_insert(0) += cu;
        }
        for a in access.writes.iter().chain(&access.reads) {
            if loaded.insert(*a) {
                built.cold_bytes += cold.cold_bytes(a);
            }
        }
        built.compute += cu;
        built.included.push(i);
    }
    built
}

fn check<C: ColdBytes + ?Sized>(
    built: &BuiltBlock,
    limits: &BlockLimits,
    cold: &C,
    write_cu: &AHashMap<StateKey, u64>,
    loaded: &AHashSet<StateKey>,
    cu: u64,
    access: &AccessSet,
) -> Option<Exclusion> {
    if built.compute + cu > limits.max_compute {
        return Some(Exclusion::BlockCompute { used: built.compute, needed: cu });
    }
    for a in &access.writes {
        let used = write_cu.get(a).copied().unwrap_or(0);
        if used + cu > limits.max_account_write_compute {
            return Some(Exclusion::AccountWriteCompute { key: *a, used });
        }
    }
    let mut seen: Vec<&StateKey> = Vec::new();
    let mut cold_bytes = 0;
    for a in access.writes.iter().chain(&access.reads) {
        if !loaded.contains(a) && !seen.contains(&a) {
            seen.push(a);
            cold_bytes += cold.cold_bytes(a);
        }
    }
    let left = limits.load_limit.saturating_sub(built.cold_bytes);
    if cold_bytes > left {
        return Some(Exclusion::LoadLimit { cold_bytes, left });
    }
    None
}
