//! The native programs against oracles: balance cells keyed by
//! starknet-crypto's Pedersen hash, amounts checked with integer
//! arithmetic on felts (products of 18-decimal reserves fit 2^251, not
//! 2^128), the failure rules write by write, the batched preparation
//! against one-by-one, and the protocol's fee credit.

use super::*;
use crate::state::{MemState, StateDiff, StateRead, StateWriter};
use wavelane_kernels::backend::Backend;

/// `2^251 - 256`, Cairo's `ADDR_BOUND`.
const ADDR_BOUND: Felt = Felt::from_hex_unchecked("0x7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00");

/// The low balance cell of `account`, from starknet-crypto.
fn oracle_key(account: ContractAddress) -> StorageKey {
    let h = starknet_crypto::pedersen_hash(&BALANCES_BASE, &account.felt());
    let h = if h.to_bytes_be() >= ADDR_BOUND.to_bytes_be() { h - ADDR_BOUND } else { h };
    StorageKey::new(h).expect("normalized below 2^251")
}

/// `account`'s two balance cells in `token`.
fn cells(token: ContractAddress, account: ContractAddress) -> [StateKey; 2] {
    let k = oracle_key(account).felt();
    [
        StateKey::Storage(token, StorageKey::new(k).expect("in range")),
        StateKey::Storage(token, StorageKey::new(k + Felt::ONE).expect("in range")),
    ]
}

fn acct(i: u64) -> ContractAddress {
    ContractAddress::from_u64(0x1000 + i)
}

const POOL: ContractAddress = ContractAddress::from_felt_unchecked(Felt::from_hex_unchecked("0x9001"));
const TOKEN: ContractAddress = ContractAddress::from_felt_unchecked(Felt::from_hex_unchecked("0x70c"));

fn u(hi: u128, lo: u128) -> U256 {
    U256 { lo, hi }
}

/// A state built from `(key, value)` pairs.
fn state(values: &[(StateKey, Felt)]) -> MemState {
    let mut diff = StateDiff::default();
    for (key, v) in values {
        match *key {
            StateKey::Storage(a, k) => {
                diff.storage.entry(a).or_default().insert(k, *v);
            }
            StateKey::Nonce(a) => {
                diff.nonces.insert(a, *v);
            }
            StateKey::ClassHash(a) => {
                diff.deployed.insert(a, *v);
            }
        }
    }
    let mut s = MemState::new();
    s.apply_diff(&diff).expect("memory writes never fail");
    s
}

/// The two cells of `amount` held by `account` in `token`.
fn holds(token: ContractAddress, account: ContractAddress, amount: U256) -> [(StateKey, Felt); 2] {
    let [lo, hi] = cells(token, account);
    [(lo, Felt::from(amount.lo)), (hi, Felt::from(amount.hi))]
}

/// A view that records the keys read.
struct Recording<'a> {
    state: &'a MemState,
    reads: Vec<StateKey>,
}

impl StateView for Recording<'_> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        self.reads.push(*key);
        Ok(StateRead::get(self.state, key))
    }
}

/// Executes `tx` on `s`: its output (writes sorted) and the keys it read.
/// Its writes and reads are within its declared set.
fn run(s: &MemState, tx: &NativeTx) -> (TxOutput, Vec<StateKey>) {
    let mut view = Recording { state: s, reads: Vec::new() };
    let mut out = tx.execute(&mut view).expect("a memory view never blocks");
    let declared = tx.declared().expect("native programs declare their sets");
    for k in out.writes.iter().map(|w| &w.0).chain(&view.reads) {
        assert!(declared.covers(k), "{k} is not declared");
    }
    let mut keys: Vec<StateKey> = out.writes.iter().map(|w| w.0).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), out.writes.len(), "each key written once");
    out.writes.sort();
    (out, view.reads)
}

fn sorted(mut w: Vec<(StateKey, Felt)>) -> Vec<(StateKey, Felt)> {
    w.sort();
    w
}

fn transfer(token: ContractAddress, from: u64, to: u64, amount: U256, nonce: u64, fee: u128) -> NativeTx {
    NativeTx::Transfer(Transfer { token, from: acct(from), to: acct(to), amount, nonce, fee })
}

#[test]
fn balance_keys_are_starknet_crypto_s_pedersen() {
    let mut x = 0x2545_f491_4f6c_dd1du64;
    for i in 0..64u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let a = ContractAddress::new(Felt::from(x).pow(3u32) + Felt::from(i)).unwrap_or(acct(i));
        assert_eq!(balance_key(a), oracle_key(a), "{a:#x}");
        assert_eq!(balance_keys(STRK, balance_key(a)), cells(STRK, a));
    }
}

#[test]
fn a_transfer_carries_and_borrows_across_the_halves() {
    // The sender holds 2^128 + 3 and pays 2 + 10: a borrow from its high
    // half. The recipient holds 2^128 - 6 and gets 10: a carry into its
    // high half.
    let s = state(&[
        holds(STRK, acct(1), u(1, 3))[0],
        holds(STRK, acct(1), u(1, 3))[1],
        holds(STRK, acct(2), u(0, u128::MAX - 5))[0],
        (StateKey::Nonce(acct(1)), Felt::from(5u64)),
    ]);
    let (out, _) = run(&s, &transfer(STRK, 1, 2, U256::from(10u64), 5, 2));
    assert_eq!(out.receipt.status, Ok(()));
    assert_eq!(out.receipt.fee, 2);
    let [s_lo, s_hi] = cells(STRK, acct(1));
    let [r_lo, r_hi] = cells(STRK, acct(2));
    let want = vec![
        (StateKey::Nonce(acct(1)), Felt::from(6u64)),
        (s_lo, Felt::from(u128::MAX - 8)), // 2^128 + 3 - 12 = 2^128 - 9
        (s_hi, Felt::ZERO),
        (r_lo, Felt::from(4u64)), // 2^128 - 6 + 10 = 2^128 + 4
        (r_hi, Felt::ONE),
    ];
    assert_eq!(out.writes, sorted(want));
    assert_eq!(
        out.receipt.hash,
        starknet_crypto::poseidon_hash_many(&NativeTx::hash_fields(&transfer(STRK, 1, 2, U256::from(10u64), 5, 2)))
    );
}

#[test]
fn a_wrong_nonce_or_an_unpaid_fee_changes_nothing() {
    let s = state(&[holds(STRK, acct(1), U256::from(100u64))[0], (StateKey::Nonce(acct(1)), Felt::from(3u64))]);
    for nonce in [0, 2, 4, u64::MAX] {
        let (out, _) = run(&s, &transfer(STRK, 1, 2, U256::from(1u64), nonce, 1));
        assert!(out.writes.is_empty(), "nonce {nonce}");
        assert_eq!(out.receipt.fee, 0);
        let want = ExecError::BadNonce { account: acct(1), expected: Felt::from(3u64), got: nonce };
        assert_eq!(out.receipt.status, Err(want));
    }
    // 100 pays a fee of 100, not 101; the amount does not matter then.
    let (out, _) = run(&s, &transfer(STRK, 1, 2, U256::ZERO, 3, 101));
    assert!(out.writes.is_empty());
    assert_eq!(out.receipt.fee, 0);
    let want = ExecError::InsufficientBalance { account: acct(1), need: U256::from(101u64), have: U256::from(100u64) };
    assert_eq!(out.receipt.status, Err(want));
    let (out, _) = run(&s, &transfer(STRK, 1, 2, U256::ZERO, 3, 100));
    assert_eq!((out.receipt.status, out.receipt.fee), (Ok(()), 100));
    // A swap follows the same rules.
    let swap = NativeTx::Swap(Swap {
        user: acct(1),
        pool: POOL,
        amount_in: U256::from(1u64),
        direction: Direction::AToB,
        min_out: U256::ZERO,
        nonce: 3,
        fee: 101,
    });
    let (out, _) = run(&s, &swap);
    assert!(out.writes.is_empty() && out.receipt.fee == 0 && out.receipt.status.is_err());
}

/// The writes of a failed transaction of `account` (nonce `nonce`, holding
/// `had` STRK) that still pays `fee`: the nonce and the fee.
fn fee_and_nonce(account: ContractAddress, nonce: u64, had: U256, fee: u128) -> Vec<(StateKey, Felt)> {
    let after = had.checked_sub(U256::from(fee)).expect("pays");
    let mut w = vec![(StateKey::Nonce(account), Felt::from(nonce + 1))];
    for ((key, old), (_, new)) in holds(STRK, account, had).into_iter().zip(holds(STRK, account, after)) {
        if old != new {
            w.push((key, new));
        }
    }
    sorted(w)
}

#[test]
fn an_overdraw_charges_the_fee_and_the_nonce_only() {
    let had = u(2, 50);
    let s = state(&holds(STRK, acct(1), had));
    // 2^129 + 50 - 60 leaves 2^129 - 10 (a borrow); 2^129 + 1 is too much.
    let (out, _) = run(&s, &transfer(STRK, 1, 2, u(2, 1), 0, 60));
    let have = u(1, u128::MAX - 9);
    assert_eq!(out.receipt.status, Err(ExecError::InsufficientBalance { account: acct(1), need: u(2, 1), have }));
    assert_eq!(out.receipt.fee, 60);
    assert_eq!(out.writes, fee_and_nonce(acct(1), 0, had, 60));
    // Exactly what is left moves.
    let (out, _) = run(&s, &transfer(STRK, 1, 2, have, 0, 60));
    assert_eq!(out.receipt.status, Ok(()));
    // In another token: the fee in STRK, the token untouched.
    let s = state(&[holds(STRK, acct(1), had)[0], holds(STRK, acct(1), had)[1], holds(TOKEN, acct(1), u(0, 7))[0]]);
    let (out, _) = run(&s, &transfer(TOKEN, 1, 2, U256::from(8u64), 0, 60));
    assert!(matches!(out.receipt.status, Err(ExecError::InsufficientBalance { .. })));
    assert_eq!(out.writes, fee_and_nonce(acct(1), 0, had, 60));
}

#[test]
fn a_recipient_over_2_256_overflows_and_pays_the_fee_only() {
    for token in [STRK, TOKEN] {
        let had = U256::from(1000u64);
        let mut values = vec![];
        values.extend(holds(STRK, acct(1), had));
        values.extend(holds(token, acct(1), had));
        values.extend(holds(token, acct(2), u(u128::MAX, u128::MAX - 4)));
        let s = state(&values);
        let (out, _) = run(&s, &transfer(token, 1, 2, U256::from(5u64), 0, 7));
        assert_eq!(out.receipt.status, Err(ExecError::Overflow { account: acct(2) }), "{token:#x}");
        assert_eq!(out.writes, fee_and_nonce(acct(1), 0, had, 7));
        // One less fits exactly: 2^256 - 1.
        let (out, _) = run(&s, &transfer(token, 1, 2, U256::from(4u64), 0, 7));
        assert_eq!(out.receipt.status, Ok(()));
        let [lo, hi] = cells(token, acct(2));
        let written: Vec<_> = out.writes.iter().filter(|w| w.0 == lo || w.0 == hi).collect();
        assert_eq!(written, [&(lo, Felt::from(u128::MAX))], "only the low half changes");
    }
}

#[test]
fn a_self_transfer_pays_the_fee_and_moves_nothing() {
    let had = U256::from(500u64);
    let s = state(&[holds(STRK, acct(1), had)[0], holds(TOKEN, acct(1), had)[0]]);
    for token in [STRK, TOKEN] {
        let (out, _) = run(&s, &transfer(token, 1, 1, U256::from(400u64), 0, 50));
        assert_eq!(out.receipt.status, Ok(()), "{token:#x}");
        assert_eq!(out.writes, fee_and_nonce(acct(1), 0, had, 50));
        // It still needs the amount (after the fee, in STRK).
        let (out, _) = run(&s, &transfer(token, 1, 1, U256::from(451u64), 0, 50));
        assert_eq!(out.receipt.status.is_ok(), token != STRK, "{token:#x}");
        assert_eq!(out.writes, fee_and_nonce(acct(1), 0, had, 50));
    }
}

#[test]
fn a_token_transfer_reads_both_tokens_and_pays_the_fee_in_strk() {
    let mut values = vec![];
    values.extend(holds(STRK, acct(1), U256::from(100u64)));
    values.extend(holds(TOKEN, acct(1), u(3, 0)));
    values.extend(holds(TOKEN, acct(2), U256::from(9u64)));
    values.extend(holds(STRK, acct(2), U256::from(77u64)));
    let s = state(&values);
    let (out, reads) = run(&s, &transfer(TOKEN, 1, 2, U256::from(1u64), 0, 40));
    assert_eq!(out.receipt.status, Ok(()));
    for k in cells(STRK, acct(1)).iter().chain(&cells(TOKEN, acct(1))).chain(&cells(TOKEN, acct(2))) {
        assert!(reads.contains(k), "{k} not read");
    }
    assert!(!cells(STRK, acct(2)).iter().any(|k| reads.contains(k)), "the recipient's STRK is not read");
    let [t1_lo, t1_hi] = cells(TOKEN, acct(1));
    let mut want = fee_and_nonce(acct(1), 0, U256::from(100u64), 40);
    want.extend([
        (t1_lo, Felt::from(u128::MAX)),
        (t1_hi, Felt::from(2u64)),
        (cells(TOKEN, acct(2))[0], Felt::from(10u64)),
    ]);
    assert_eq!(out.writes, sorted(want));
}

#[test]
fn a_cell_over_128_bits_is_a_bad_cell() {
    let wide = Felt::from(u128::MAX) + Felt::ONE;
    let had = U256::from(1000u64);
    // The sender's STRK: it cannot pay, nothing changes.
    let [lo, hi] = cells(STRK, acct(1));
    for key in [lo, hi] {
        let s = state(&[(key, wide)]);
        let (out, _) = run(&s, &transfer(STRK, 1, 2, U256::ZERO, 0, 1));
        assert_eq!((out.receipt.status, out.receipt.fee), (Err(ExecError::BadCell { key }), 0));
        assert!(out.writes.is_empty());
    }
    // The recipient's, or the sender's other token: the fee is charged.
    for (token, key) in [(STRK, cells(STRK, acct(2))[1]), (TOKEN, cells(TOKEN, acct(1))[0])] {
        let mut values = holds(STRK, acct(1), had).to_vec();
        values.extend(holds(TOKEN, acct(1), had));
        values.push((key, wide));
        let s = state(&values);
        let (out, _) = run(&s, &transfer(token, 1, 2, U256::from(1u64), 0, 3));
        assert_eq!((out.receipt.status, out.receipt.fee), (Err(ExecError::BadCell { key }), 3));
        assert_eq!(out.writes, fee_and_nonce(acct(1), 0, had, 3));
    }
}

fn be(f: Felt) -> [u8; 32] {
    f.to_bytes_be()
}

fn felt(v: U256) -> Felt {
    Felt::from(v.hi) * Felt::TWO.pow(128u32) + Felt::from(v.lo)
}

/// The pool's reserve cells.
fn reserves(pool: ContractAddress) -> ([StateKey; 2], [StateKey; 2]) {
    let next = |k: StorageKey| StorageKey::new(k.felt() + Felt::ONE).expect("in range");
    (
        [StateKey::Storage(pool, RESERVE0), StateKey::Storage(pool, next(RESERVE0))],
        [StateKey::Storage(pool, RESERVE1), StateKey::Storage(pool, next(RESERVE1))],
    )
}

fn read_u256(s: &MemState, out: &TxOutput, cells: &[StateKey; 2]) -> U256 {
    let get = |k: &StateKey| out.writes.iter().find(|w| w.0 == *k).map_or_else(|| StateRead::get(s, k), |w| w.1);
    U256::from_cells(&get(&cells[0]), &get(&cells[1])).expect("128-bit halves")
}

#[test]
fn swaps_keep_the_product_and_check_slippage_at_18_decimal_scales() {
    // Reserves near 10^27 (10^9 tokens of 18 decimals), trades up to
    // 10^25: every product is past 2^128, below 2^251.
    let (r0, r1) = reserves(POOL);
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for case in 0..40 {
        let res0 = u(0, 10u128.pow(27) + u128::from(next()) * 1_000_003);
        let res1 = u(0, 3 * 10u128.pow(26) + u128::from(next()));
        let amount_in = u(0, u128::from(next()) * 10u128.pow(6) + 1);
        let direction = if case % 2 == 0 { Direction::AToB } else { Direction::BToA };
        let user_strk = U256::from(10u128.pow(26));
        let user_eth = U256::from(10u128.pow(26));
        let mut values = vec![];
        values.extend(holds(STRK, acct(1), user_strk));
        values.extend(holds(ETH, acct(1), user_eth));
        values.extend([(r0[0], Felt::from(res0.lo)), (r1[0], Felt::from(res1.lo))]);
        let s = state(&values);
        let (res_in, res_out) = if direction == Direction::AToB { (res0, res1) } else { (res1, res0) };
        // The oracle, on felts: out = ⌊res_out · in · 997 / (res_in · 1000 + in · 997)⌋.
        let paid = felt(amount_in) * Felt::from(997u64);
        let num = felt(res_out) * paid;
        let den = felt(res_in) * Felt::from(1000u64) + paid;
        let swap = |min_out: U256| {
            NativeTx::Swap(Swap { user: acct(1), pool: POOL, amount_in, direction, min_out, nonce: 0, fee: 11 })
        };
        let (out, _) = run(&s, &swap(U256::ZERO));
        assert_eq!(out.receipt.status, Ok(()), "case {case}");
        let (pool_in, pool_out) = if direction == Direction::AToB { (r0, r1) } else { (r1, r0) };
        let got_out = res_out.checked_sub(read_u256(&s, &out, &pool_out)).expect("the pool pays out");
        let o = felt(got_out);
        assert!(be(o * den) <= be(num) && be(num) < be((o + Felt::ONE) * den), "case {case}: out {got_out}");
        assert_eq!(read_u256(&s, &out, &pool_in), res_in.checked_add(amount_in).unwrap());
        // x · y never falls.
        let k_before = felt(res_in) * felt(res_out);
        let k_after = felt(read_u256(&s, &out, &pool_in)) * felt(read_u256(&s, &out, &pool_out));
        assert!(be(k_after) >= be(k_before), "case {case}");
        // The user: paid in (and the fee in STRK), got out.
        let fee = U256::from(11u64);
        let (strk, eth) = (read_u256(&s, &out, &cells(STRK, acct(1))), read_u256(&s, &out, &cells(ETH, acct(1))));
        let want = match direction {
            Direction::AToB => (
                user_strk.checked_sub(fee).unwrap().checked_sub(amount_in).unwrap(),
                user_eth.checked_add(got_out).unwrap(),
            ),
            Direction::BToA => (
                user_strk.checked_sub(fee).unwrap().checked_add(got_out).unwrap(),
                user_eth.checked_sub(amount_in).unwrap(),
            ),
        };
        assert_eq!((strk, eth), want, "case {case}");
        // Asking exactly what it gives passes; one more is slippage.
        assert_eq!(run(&s, &swap(got_out)).0.receipt.status, Ok(()));
        let (out, _) = run(&s, &swap(got_out.checked_add(U256::from(1u64)).unwrap()));
        let want =
            ExecError::Slippage { pool: POOL, out: got_out, min_out: got_out.checked_add(U256::from(1u64)).unwrap() };
        assert_eq!(out.receipt.status, Err(want));
        assert_eq!(out.writes, fee_and_nonce(acct(1), 0, user_strk, 11));
    }
}

/// A mixed block: transfers in three tokens, swaps both ways, some
/// addresses large (their hashes anywhere below 2^251).
fn mixed_block(n: u64) -> Vec<NativeTx> {
    (0..n)
        .map(|i| {
            let big = ContractAddress::new(Felt::from(i + 1) * Felt::from(0x1234_5678_9abc_def1u64).pow(3u32))
                .unwrap_or(acct(i));
            let from = if i % 3 == 0 { big } else { acct(i % 7) };
            if i % 4 == 3 {
                let direction = if i % 8 == 3 { Direction::AToB } else { Direction::BToA };
                let (amount_in, min_out) = (U256::from(i * 1000), U256::from(i));
                NativeTx::Swap(Swap { user: from, pool: POOL, amount_in, direction, min_out, nonce: i, fee: i.into() })
            } else {
                let token = [STRK, ETH, TOKEN][(i % 3) as usize];
                let to = if i % 5 == 0 { from } else { acct(i % 11) };
                NativeTx::Transfer(Transfer { token, from, to, amount: u(i.into(), 3), nonce: i / 2, fee: 7 })
            }
        })
        .collect()
}

#[test]
fn prepare_in_batches_equals_one_by_one() {
    for n in [0u64, 1, 2, 7, 8, 9, 33, 100] {
        let block = mixed_block(n);
        for backend in [Backend::Scalar, Backend::Simd] {
            let batch = prepare(backend, &block).expect("CPU hashing never fails");
            assert_eq!(batch.len(), block.len());
            for (i, (p, t)) in batch.iter().zip(&block).enumerate() {
                assert_eq!(p, &t.prepare_one(), "{backend}: {n} transactions, number {i}");
                assert_eq!(p.hash, starknet_crypto::poseidon_hash_many(&t.hash_fields()));
            }
        }
    }
}

#[test]
fn the_serial_protocol_credits_the_sequencer_the_sum_of_the_fees() {
    let sequencer = acct(99);
    let sink = FeeSink::new(STRK, sequencer);
    assert_eq!(sink.cells(), &cells(STRK, sequencer));
    // The sequencer starts just below 2^128: the credits carry.
    let start = u(0, u128::MAX - 1000);
    let mut values = holds(STRK, sequencer, start).to_vec();
    for a in 0..6 {
        values.extend(holds(STRK, acct(a), U256::from(10u128.pow(24))));
        values.extend(holds(TOKEN, acct(a), U256::from(10u128.pow(24))));
    }
    let s = state(&values);
    // Transfers among six accounts; some fail (nonces, an overdraw).
    let mut nonces = [0u64; 6];
    let block: Vec<NativeTx> = (0..60u64)
        .map(|i| {
            let from = (i * 5 % 6) as usize;
            let nonce = if i % 17 == 5 { 1000 } else { nonces[from] };
            nonces[from] += u64::from(i % 17 != 5);
            let amount = if i % 13 == 4 { U256::from(10u128.pow(30)) } else { U256::from(i * 10u64.pow(15)) };
            let token = if i % 3 == 0 { TOKEN } else { STRK };
            transfer(token, from as u64, i * 7 % 6, amount, nonce, 100 + u128::from(i))
        })
        .collect();
    let plain = execute_serial(&s, &block);
    let paid = execute_serial_with_fees(&s, &block, &sink);
    assert_eq!(plain.receipts, paid.receipts, "no one here reads the sequencer's balance");
    let fees: u128 = paid.receipts.iter().map(|r| r.fee).sum();
    assert!(paid.receipts.iter().any(|r| r.fee == 0) && fees > 1000, "some pay, some do not");
    assert_eq!(paid.fees(), U256::from(fees));
    let credited = U256::from_cells(&paid.delta[&sink.cells()[0]], &paid.delta[&sink.cells()[1]]).expect("halves");
    assert_eq!(credited, start.checked_add(U256::from(fees)).unwrap());
    assert_eq!(credited.hi, 1, "the credit carried into the high half");
    // Everything else is the plain run's.
    let mut rest = paid.delta.clone();
    rest.retain(|k, _| !sink.holds(k));
    assert_eq!(rest, plain.delta);
    // The sequencer sending: it sees its credits so far, the plain run does not.
    let mut block = block;
    block.push(transfer(STRK, 99, 1, start.checked_add(U256::from(fees - 5)).unwrap(), 0, 5));
    let plain = execute_serial(&s, &block);
    let paid = execute_serial_with_fees(&s, &block, &sink);
    assert!(plain.receipts[60].status.is_err(), "without the credits it cannot pay");
    assert_eq!(paid.receipts[60].status, Ok(()), "with them it sends all but its fee");
    let left = U256::from_cells(&paid.delta[&sink.cells()[0]], &paid.delta[&sink.cells()[1]]).expect("halves");
    assert_eq!(left, U256::from(5u64), "it paid itself its own fee");
}
