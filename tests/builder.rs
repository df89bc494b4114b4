//! Block building: priority order and each watermark (block compute,
//! per-account write compute, LOAD_LIMIT), with the reason for every
//! left-out transaction.

use wavelane::host::exec::{AccessSet, Address};
use wavelane::host::schedule::builder::{build_block, AllHot, BlockLimits, ColdBytes, Exclusion, PoolTx};
use wavelane::host::state::ColdLru;
use wavelane::Felt;

#[derive(Clone, Debug)]
struct Tx {
    cu: u64,
    fee: u64,
    writes: Vec<u64>,
    reads: Vec<u64>,
}

fn tx(cu: u64, fee: u64, writes: &[u64]) -> Tx {
    Tx { cu, fee, writes: writes.to_vec(), reads: Vec::new() }
}

fn addr(k: u64) -> Address {
    Felt::from(k)
}

impl PoolTx for Tx {
    fn compute_units(&self) -> u64 {
        self.cu
    }
    fn priority_fee(&self) -> u64 {
        self.fee
    }
    fn access(&self) -> AccessSet {
        AccessSet {
            reads: self.reads.iter().copied().map(addr).collect(),
            writes: self.writes.iter().copied().map(addr).collect(),
        }
    }
}

const NO_LIMIT: BlockLimits =
    BlockLimits { max_compute: u64::MAX / 4, max_account_write_compute: u64::MAX / 4, load_limit: u64::MAX / 4 };

#[test]
fn orders_by_priority_fee_per_compute_unit() {
    // fee/cu: 1, 4, 2, 2 (tie keeps pool order), 0.5
    let pool = [tx(100, 100, &[1]), tx(50, 200, &[2]), tx(10, 20, &[3]), tx(20, 40, &[4]), tx(200, 100, &[5])];
    let b = build_block(&pool, &NO_LIMIT, &AllHot);
    assert_eq!(b.included, vec![1, 2, 3, 0, 4]);
    assert!(b.excluded.is_empty());
    assert_eq!(b.compute, 380);
}

#[test]
fn block_compute_limit() {
    let pool = [tx(60, 600, &[1]), tx(50, 400, &[2]), tx(40, 200, &[3])];
    let limits = BlockLimits { max_compute: 100, ..NO_LIMIT };
    let b = build_block(&pool, &limits, &AllHot);
    // 60 in; 50 would make 110; 40 fits.
    assert_eq!(b.included, vec![0, 2]);
    assert_eq!(b.excluded, vec![(1, Exclusion::BlockCompute { used: 60, needed: 50 })]);
    assert!(b.compute <= 100);
}

#[test]
fn per_account_write_compute_limit() {
    // Three writers of hot account 7 by priority; the limit holds two.
    let pool = [tx(10, 100, &[7, 1]), tx(10, 90, &[7, 2]), tx(10, 80, &[7, 3]), tx(10, 70, &[4, 5])];
    let limits = BlockLimits { max_account_write_compute: 20, ..NO_LIMIT };
    let b = build_block(&pool, &limits, &AllHot);
    assert_eq!(b.included, vec![0, 1, 3]);
    assert_eq!(b.excluded, vec![(2, Exclusion::AccountWriteCompute { account: addr(7), used: 20 })]);
}

#[test]
fn reading_a_hot_account_does_not_count_as_writing_it() {
    let mut pool = vec![tx(10, 100, &[7])];
    for k in 0..5 {
        pool.push(Tx { cu: 10, fee: 50, writes: vec![10 + k], reads: vec![7] });
    }
    let limits = BlockLimits { max_account_write_compute: 10, ..NO_LIMIT };
    let b = build_block(&pool, &limits, &AllHot);
    assert_eq!(b.included.len(), 6);
}

/// Accounts ≥ 100 are cold, 1000 bytes each.
struct ColdAbove100;

impl ColdBytes for ColdAbove100 {
    fn cold_bytes(&self, a: &Address) -> u64 {
        if *a >= addr(100) {
            1000
        } else {
            0
        }
    }
}

#[test]
fn load_limit_is_a_watermark() {
    let pool = [
        tx(10, 900, &[100, 1]),   // 1000 cold bytes
        tx(10, 800, &[101, 102]), // 2000: does not fit in the 1500 left
        tx(10, 700, &[100, 2]),   // 100 already loaded by this block: hot now
        tx(10, 600, &[103]),      // 1000: fits (500 left afterwards)
        tx(10, 500, &[104]),      // 1000 > 500 left: waits
        tx(10, 100, &[3, 4]),     // only hot accounts: still goes in
    ];
    let limits = BlockLimits { load_limit: 2500, ..NO_LIMIT };
    let b = build_block(&pool, &limits, &ColdAbove100);
    assert_eq!(b.included, vec![0, 2, 3, 5]);
    assert_eq!(
        b.excluded,
        vec![
            (1, Exclusion::LoadLimit { cold_bytes: 2000, left: 1500 }),
            (4, Exclusion::LoadLimit { cold_bytes: 1000, left: 500 }),
        ]
    );
    assert_eq!(b.cold_bytes, 2000);
}

#[test]
fn cold_lru_follows_the_load_counter_rule() {
    let mut lru = ColdLru::new(250);
    for k in 0..4 {
        lru.set_size(addr(k), 100);
    }
    // Never used: counter 0, cold.
    assert!(lru.is_cold(&addr(0)));
    assert_eq!(lru.cold_bytes(&addr(0)), 100);
    lru.touch(addr(0)); // loaded 100, counter(0) = 100
    assert!(!lru.is_cold(&addr(0)));
    lru.touch(addr(1)); // 200
    lru.touch(addr(2)); // 300: 300 - 100 = 200 ≤ 250, 0 still hot
    assert!(!lru.is_cold(&addr(0)));
    lru.touch(addr(3)); // 400: 400 - 100 = 300 > 250, 0 is cold again
    assert!(lru.is_cold(&addr(0)));
    assert!(!lru.is_cold(&addr(3)));
    // The builder reads the same oracle.
    let pool = [tx(10, 10, &[0]), tx(10, 10, &[3])];
    let b = build_block(&pool, &BlockLimits { load_limit: 0, ..NO_LIMIT }, &lru);
    assert_eq!(b.included, vec![1]);
    assert_eq!(b.excluded, vec![(0, Exclusion::LoadLimit { cold_bytes: 100, left: 0 })]);
}

#[test]
fn a_transaction_over_the_whole_block_limit_is_reported() {
    let pool = [tx(500, 1_000_000, &[1])];
    let b = build_block(&pool, &BlockLimits { max_compute: 100, ..NO_LIMIT }, &AllHot);
    assert!(b.included.is_empty());
    assert_eq!(b.excluded, vec![(0, Exclusion::BlockCompute { used: 0, needed: 500 })]);
}
