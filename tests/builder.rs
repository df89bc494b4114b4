//! Block building: priority order and each watermark (block compute,
//! per-key write compute, LOAD_LIMIT), each sender's transactions in nonce
//! order, with the reason for every left-out transaction.

use proptest::prelude::*;
use std::collections::BTreeMap;
use wavelane::host::exec::AccessSet;
use wavelane::host::schedule::builder::{build_block, AllHot, BlockLimits, BuiltBlock, ColdBytes, Exclusion, PoolTx};
use wavelane::host::state::{ColdLru, ContractAddress, StateKey, StorageKey};

#[derive(Clone, Debug)]
struct Tx {
    cu: u64,
    fee: u64,
    writes: Vec<u64>,
    reads: Vec<u64>,
    /// Sender and nonce, when it has them.
    sender: Option<(u64, u64)>,
}

fn tx(cu: u64, fee: u64, writes: &[u64]) -> Tx {
    Tx { cu, fee, writes: writes.to_vec(), reads: Vec::new(), sender: None }
}

/// A transaction of `sender` with `nonce` (writing its nonce).
fn sent(sender: u64, nonce: u64, cu: u64, fee: u64) -> Tx {
    Tx { sender: Some((sender, nonce)), ..tx(cu, fee, &[sender]) }
}

/// State key `k`: a storage cell of contract `k`.
fn addr(k: u64) -> StateKey {
    StateKey::Storage(ContractAddress::from_u64(k), StorageKey::from_u64(7))
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
    fn sender_nonce(&self) -> Option<(ContractAddress, u64)> {
        self.sender.map(|(s, n)| (ContractAddress::from_u64(s), n))
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
    assert_eq!(b.excluded, vec![(2, Exclusion::AccountWriteCompute { key: addr(7), used: 20 })]);
}

#[test]
fn reading_a_hot_account_does_not_count_as_writing_it() {
    let mut pool = vec![tx(10, 100, &[7])];
    for k in 0..5 {
        pool.push(Tx { reads: vec![7], ..tx(10, 50, &[10 + k]) });
    }
    let limits = BlockLimits { max_account_write_compute: 10, ..NO_LIMIT };
    let b = build_block(&pool, &limits, &AllHot);
    assert_eq!(b.included.len(), 6);
}

/// Accounts ≥ 100 are cold, 1000 bytes each.
struct ColdAbove100;

impl ColdBytes for ColdAbove100 {
    fn cold_bytes(&self, a: &StateKey) -> u64 {
        if a.address() >= ContractAddress::from_u64(100) {
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

#[test]
fn a_sender_s_later_nonce_waits_for_its_earlier_one_whatever_it_pays() {
    // Sender 1's nonce 1 pays the most and is first in the pool; its
    // nonce 0 pays the least. Sender 2 pays in between.
    let pool = [sent(1, 1, 10, 1000), sent(2, 0, 10, 500), sent(1, 0, 10, 10), sent(1, 2, 10, 2000)];
    let b = build_block(&pool, &NO_LIMIT, &AllHot);
    // Only nonce 0 of sender 1 competes at first (at its own fee, below
    // sender 2's); once in, nonce 1 and then nonce 2 follow.
    assert_eq!(b.included, vec![1, 2, 0, 3]);
    assert!(b.excluded.is_empty());
}

#[test]
fn a_sender_s_later_nonces_are_left_out_with_an_earlier_one() {
    // Sender 1's nonce 0 is over the compute left; its nonces 1 and 2
    // would fit, but cannot go in before it. Sender 2 is not held up.
    let pool = [sent(1, 2, 10, 900), sent(1, 0, 95, 95), sent(2, 0, 10, 50), sent(1, 1, 10, 800), sent(2, 1, 10, 40)];
    let limits = BlockLimits { max_compute: 100, ..NO_LIMIT };
    let b = build_block(&pool, &limits, &AllHot);
    assert_eq!(b.included, vec![2, 4]);
    assert_eq!(
        b.excluded,
        vec![
            (1, Exclusion::BlockCompute { used: 20, needed: 95 }),
            (3, Exclusion::EarlierNonce { waits_for: 1 }),
            (0, Exclusion::EarlierNonce { waits_for: 1 }),
        ]
    );
}

#[test]
fn a_sender_s_two_transactions_of_one_nonce_go_in_by_priority() {
    let pool = [sent(1, 0, 10, 10), sent(1, 0, 10, 50), sent(1, 1, 10, 1)];
    let b = build_block(&pool, &NO_LIMIT, &AllHot);
    assert_eq!(b.included, vec![1, 0, 2]);
}

/// Every pool transaction is in the block or left out, once; each sender's
/// included nonces rise; after a sender's first left-out transaction, its
/// higher nonces are all left out, waiting for an earlier one.
fn check_nonce_order(pool: &[Tx], b: &BuiltBlock) {
    let mut seen = vec![0u32; pool.len()];
    for &i in b.included.iter().chain(b.excluded.iter().map(|e| &e.0)) {
        seen[i] += 1;
    }
    assert!(seen.iter().all(|&n| n == 1), "each transaction once: {seen:?}");
    let mut last: BTreeMap<u64, u64> = BTreeMap::new();
    for &i in &b.included {
        let (s, n) = pool[i].sender.expect("every test transaction has a sender");
        if let Some(prev) = last.insert(s, n) {
            assert!(prev <= n, "sender {s}: nonce {n} after {prev}");
        }
    }
    for (pos, (i, why)) in b.excluded.iter().enumerate() {
        let (s, n) = pool[*i].sender.expect("a sender");
        let included_above = b.included.iter().any(|&j| pool[j].sender.is_some_and(|(t, m)| t == s && m > n));
        assert!(!included_above, "sender {s}: a nonce above the left-out {n} is in the block");
        if let Exclusion::EarlierNonce { waits_for } = why {
            let (t, m) = pool[*waits_for].sender.expect("a sender");
            assert!(t == s && m <= n, "{i} waits for {waits_for} of another sender or a later nonce");
            assert!(b.excluded[..pos].iter().any(|e| e.0 == *waits_for), "{waits_for} was left out before {i}");
        }
    }
}

proptest! {
    #[test]
    fn each_sender_s_nonces_stay_in_order(
        txs in prop::collection::vec((0u64..5, 1u64..100, 0u64..10_000), 0..40),
        max_compute in 50u64..3000,
    ) {
        // Nonces of each sender numbered in pool order, then the pool
        // reversed, so that pool order and nonce order disagree.
        let mut next = BTreeMap::new();
        let mut pool: Vec<Tx> = txs
            .iter()
            .map(|&(s, cu, fee)| {
                let n = next.entry(s).or_insert(0u64);
                *n += 1;
                sent(s, *n - 1, cu, fee)
            })
            .collect();
        pool.reverse();
        let b = build_block(&pool, &BlockLimits { max_compute, ..NO_LIMIT }, &AllHot);
        check_nonce_order(&pool, &b);
        prop_assert!(b.compute <= max_compute);
    }
}
