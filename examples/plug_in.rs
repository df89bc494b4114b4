//! Plugging a program of your own into wavelane's schedulers.
//!
//! `Airdrop` credits every account of a list from one treasury account. It
//! implements `Transaction`: it reads accounts through the `StateView` it is
//! given (passing on `Blocked` with `?`), returns its writes and a receipt,
//! and declares the accounts it touches. The block then runs serially, with
//! Block-STM (no declared sets needed) and on the declared dependency graph,
//! on a pool of two threads, and the three results must be equal.
//!
//! `cargo run --release --example plug_in`

use std::time::Instant;
use wavelane::host::exec::{
    execute_serial, tx_hash, AccessSet, Account, Address, Blocked, ExecError, Receipt, StateView, Transaction, TxOutput,
};
use wavelane::host::schedule::blockstm::{execute_block_stm, BlockStmConfig};
use wavelane::host::schedule::dag::execute_dag;
use wavelane::host::schedule::waves::declared_sets;
use wavelane::host::state::MemStore;
use wavelane::Felt;

/// Pays `amount` to each of `to` out of `treasury`.
struct Airdrop {
    treasury: Address,
    to: Vec<Address>,
    amount: u128,
}

impl Transaction for Airdrop {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        // The transaction's own work: its hash over its fields.
        let mut fields = vec![self.treasury, Felt::from(self.amount)];
        fields.extend(&self.to);
        let hash = tx_hash(&fields);
        let mut treasury = view.read(&self.treasury)?;
        let need = self.amount * self.to.len() as u128;
        if treasury.balance < need {
            let status = Err(ExecError::InsufficientBalance { account: self.treasury, need, have: treasury.balance });
            return Ok(TxOutput { writes: Vec::new(), receipt: Receipt { hash, fee: 0, status } });
        }
        treasury.balance -= need;
        // The write set gets its final length at once: growing it would
        // `realloc`, which takes the allocator's lock on every worker.
        let mut writes = Vec::with_capacity(1 + self.to.len());
        writes.push((self.treasury, treasury));
        for a in &self.to {
            let mut account = view.read(a)?;
            account.balance += self.amount;
            writes.push((*a, account));
        }
        Ok(TxOutput { writes, receipt: Receipt { hash, fee: 0, status: Ok(()) } })
    }

    fn declared(&self) -> Option<AccessSet> {
        let mut writes = vec![self.treasury];
        writes.extend(&self.to);
        Some(AccessSet { reads: Vec::new(), writes })
    }
}

fn main() {
    // Four treasuries, each paying 2,000 small airdrops to 3 of 5,000 users.
    let mut state = MemStore::new();
    for t in 0..4u64 {
        state.insert(Felt::from(1_000_000 + t), Account { balance: 1 << 40, aux: 0, nonce: 0 });
    }
    let block: Vec<Airdrop> = (0..8_000u64)
        .map(|i| Airdrop {
            treasury: Felt::from(1_000_000 + i % 4),
            to: (0..3).map(|k| Felt::from((i * 7919 + k * 104_729) % 5_000)).collect(),
            amount: 10,
        })
        .collect();

    let t = Instant::now();
    let serial = execute_serial(&state, &block);
    println!("serial:    {:>8.1} ms", t.elapsed().as_secs_f64() * 1e3);

    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().expect("a pool of two threads");
    let t = Instant::now();
    let (stm, stats) = pool.install(|| execute_block_stm(&state, &block, &BlockStmConfig::default()));
    println!(
        "block-stm: {:>8.1} ms on 2 threads, {} re-executions",
        t.elapsed().as_secs_f64() * 1e3,
        stats.re_executions(block.len())
    );
    assert_eq!(stm, serial, "Block-STM equals serial execution");

    let sets = declared_sets(&block).expect("every airdrop declares its accounts");
    let t = Instant::now();
    let dag = pool.install(|| execute_dag(&state, &block, &sets)).expect("the declared sets hold");
    println!("dag:       {:>8.1} ms on 2 threads", t.elapsed().as_secs_f64() * 1e3);
    assert_eq!(dag, serial, "the declared graph equals serial execution");

    let paid = serial.receipts.iter().filter(|r| r.status.is_ok()).count();
    println!("{paid} of {} airdrops paid, {} accounts changed", block.len(), serial.delta.len());
}
