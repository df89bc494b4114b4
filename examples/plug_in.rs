//! Plugging a program of your own into wavelane's block executor.
//!
//! `Airdrop` pays an amount of STRK to each account of a list out of a
//! treasury's balance. It implements `Transaction`: it reads state keys (the
//! ERC-20 balance cells) through the `StateView` it is given (passing on
//! `Blocked` with `?`), returns the keys it writes with their new values and
//! a receipt, and declares the keys it touches. The same blocks then run on
//! a `BlockExecutor` in three modes — serial, Block-STM (no declared sets
//! needed) and the declared dependency graph — on two threads; each block's
//! receipts, state diff and Starknet state root must agree.
//!
//! `cargo run --release --example plug_in`

use std::time::Instant;
use wavelane::host::block::{BlockExecutor, ExecutorConfig, Mode};
use wavelane::host::exec::{
    balance_key, balance_keys, read_balance, tx_hash, write_balance, AccessSet, Blocked, ExecError, Receipt, StateView,
    Transaction, TxOutput, STRK, U256,
};
use wavelane::host::state::{ContractAddress, StateDiff};
use wavelane::Felt;

/// Pays `amount` to each of `to` out of `treasury`.
struct Airdrop {
    treasury: ContractAddress,
    to: Vec<ContractAddress>,
    amount: u128,
}

impl Transaction for Airdrop {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        // The transaction's own work: its hash over its fields.
        let mut fields = vec![self.treasury.felt(), Felt::from(self.amount)];
        fields.extend(self.to.iter().map(|a| a.felt()));
        let hash = tx_hash(&fields);
        let cells = balance_keys(STRK, balance_key(self.treasury));
        let have = match read_balance(view, &cells)? {
            Ok(b) => b,
            Err(e) => return Ok(TxOutput { writes: Vec::new(), receipt: Receipt { hash, fee: 0, status: Err(e) } }),
        };
        let need = U256::from(self.amount * self.to.len() as u128);
        let Some(left) = have.checked_sub(need) else {
            let status = Err(ExecError::InsufficientBalance { account: self.treasury, need, have });
            return Ok(TxOutput { writes: Vec::new(), receipt: Receipt { hash, fee: 0, status } });
        };
        let mut writes = Vec::with_capacity(2 + 2 * self.to.len());
        write_balance(&mut writes, &cells, have, left);
        for a in &self.to {
            let cells = balance_keys(STRK, balance_key(*a));
            let before = match read_balance(view, &cells)? {
                Ok(b) => b,
                Err(e) => {
                    return Ok(TxOutput { writes: Vec::new(), receipt: Receipt { hash, fee: 0, status: Err(e) } })
                }
            };
            let after = before.checked_add(U256::from(self.amount)).unwrap_or(U256::MAX);
            write_balance(&mut writes, &cells, before, after);
        }
        Ok(TxOutput { writes, receipt: Receipt { hash, fee: 0, status: Ok(()) } })
    }

    fn declared(&self) -> Option<AccessSet> {
        let mut writes = balance_keys(STRK, balance_key(self.treasury)).to_vec();
        for a in &self.to {
            writes.extend(balance_keys(STRK, balance_key(*a)));
        }
        Some(AccessSet { reads: Vec::new(), writes })
    }
}

fn main() {
    // Four treasuries, each paying 500 airdrops a block to 3 of 5,000 users.
    let treasury = |t: u64| ContractAddress::from_u64(1_000_000 + t);
    let mut genesis = StateDiff::default();
    let cells = genesis.storage.entry(STRK).or_default();
    for t in 0..4 {
        cells.insert(balance_key(treasury(t)), Felt::from(1u128 << 100));
    }
    let block = |b: u64| -> Vec<Airdrop> {
        (0..2_000u64)
            .map(|i| Airdrop {
                treasury: treasury(i % 4),
                to: (0..3).map(|k| ContractAddress::from_u64((b * 7 + i * 7919 + k * 104_729) % 5_000 + 1)).collect(),
                amount: 10,
            })
            .collect()
    };

    let mut roots = Vec::new();
    for mode in [Mode::Serial, Mode::BlockStm, Mode::Dag] {
        let config = ExecutorConfig { mode, threads: 2, ..ExecutorConfig::default() };
        let mut exec = BlockExecutor::new(config).expect("a pool of two threads");
        exec.commit_diff(&genesis).expect("the genesis commits");
        let t = Instant::now();
        let mut results = Vec::new();
        for b in 1..=3 {
            results.push(exec.execute(&block(b)).expect("the declared sets hold"));
        }
        let last = results.last().expect("three blocks");
        println!(
            "{:<10} 3 blocks in {:>7.1} ms, root {:#x}",
            mode.name(),
            t.elapsed().as_secs_f64() * 1e3,
            last.new_root()
        );
        roots.push(results);
    }
    for other in &roots[1..] {
        for (a, b) in roots[0].iter().zip(other) {
            assert_eq!((&a.receipts, &a.diff, a.roots), (&b.receipts, &b.diff, b.roots), "every mode agrees");
        }
    }
    let last = roots[0].last().expect("three blocks");
    let paid = last.receipts.iter().filter(|r| r.status.is_ok()).count();
    println!(
        "{paid} of {} airdrops paid in the last block, {} cells changed",
        last.receipts.len(),
        last.stats.storage_updates
    );
}
