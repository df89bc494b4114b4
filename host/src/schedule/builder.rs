//! Block building for a leader: priority order under three watermarks.
//!
//! The pool is sorted by priority fee per compute unit (highest first; ties
//! keep pool order). Each transaction then goes in unless
//!
//! 1. the block's compute would exceed `max_compute`,
//! 2. an account it writes would carry more than `max_account_write_compute`
//!    units of writing transactions (a hot account cannot eat the block), or
//! 3. the cold bytes it loads — accounts cold per the [`ColdBytes`] oracle
//!    and not yet loaded by an earlier transaction of this block — would take
//!    the block past `load_limit` (`LOAD_LIMIT` of DESIGN.md). This is a
//!    watermark: once the cold budget is spent, transactions touching only
//!    hot (or already loaded) accounts still go in; the others wait for a
//!    later block.
//!
//! Each left-out transaction is reported with the first limit it hit.

use crate::exec::{AccessSet, Address, NativeTx};
use crate::state::ColdLru;
use ahash::{AHashMap, AHashSet};

/// What the builder needs to know of a pool transaction.
pub trait PoolTx {
    /// Compute units it is charged.
    fn compute_units(&self) -> u64;
    /// Priority fee it pays (ordered per compute unit).
    fn priority_fee(&self) -> u64;
    /// The accounts it touches.
    fn access(&self) -> AccessSet;
}

impl PoolTx for NativeTx {
    fn compute_units(&self) -> u64 {
        NativeTx::compute_units(self)
    }
    fn priority_fee(&self) -> u64 {
        self.fee()
    }
    fn access(&self) -> AccessSet {
        NativeTx::access(self)
    }
}

/// Which accounts are cold, and how many bytes loading each costs.
pub trait ColdBytes {
    /// Bytes loaded to use `address` now; 0 when it is hot.
    fn cold_bytes(&self, address: &Address) -> u64;
}

impl ColdBytes for ColdLru {
    fn cold_bytes(&self, address: &Address) -> u64 {
        ColdLru::cold_bytes(self, address)
    }
}

/// Every account is hot.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllHot;

impl ColdBytes for AllHot {
    fn cold_bytes(&self, _: &Address) -> u64 {
        0
    }
}

/// The watermarks of one block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLimits {
    /// Compute units of the whole block.
    pub max_compute: u64,
    /// Compute units of the transactions writing any one account.
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
    /// The write compute limit of `account`.
    AccountWriteCompute {
        /// The saturated account.
        account: Address,
        /// Units of its writers already in the block.
        used: u64,
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
    /// The block, in priority order.
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

    let mut built = BuiltBlock::default();
    let mut write_cu: AHashMap<Address, u64> = AHashMap::new();
    let mut loaded: AHashSet<Address> = AHashSet::new();
    for i in order {
        let txn = &pool[i];
        let cu = txn.compute_units();
        let access = txn.access();
        if let Some(why) = check(&built, limits, cold, &write_cu, &loaded, cu, &access) {
            built.excluded.push((i, why));
            continue;
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
    write_cu: &AHashMap<Address, u64>,
    loaded: &AHashSet<Address>,
    cu: u64,
    access: &AccessSet,
) -> Option<Exclusion> {
    if built.compute + cu > limits.max_compute {
        return Some(Exclusion::BlockCompute { used: built.compute, needed: cu });
    }
    for a in &access.writes {
        let used = write_cu.get(a).copied().unwrap_or(0);
        if used + cu > limits.max_account_write_compute {
            return Some(Exclusion::AccountWriteCompute { account: *a, used });
        }
    }
    let mut seen: Vec<&Address> = Vec::new();
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
