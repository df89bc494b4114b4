//! Criterion bench `schedule`: what the schedulers themselves cost per
//! transaction. The transactions are transfers with no hashing (read the
//! sender's balance and nonce and the recipient's balance, write them), so
//! the time is the executor's: multi-version
//! memory, task hand-out, validation, the dependency graph. Serial
//! execution of the same block is the peer; the gap between a parallel
//! mode and serial, divided by the block's length, is that mode's overhead
//! per transaction, and the two-thread rows show what the threads'
//! shared bookkeeping costs on top.
//!
//! `wavelane bench schedule` measures the same modes on the workloads'
//! real transactions (with the Poseidon transaction hash).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::time::Duration;
use wavelane::host::exec::{
    balance_keys, execute_serial, AccessSet, Blocked, NativeTx, Receipt, StateKey, StateView, Transaction, TxOutput,
    STRK,
};
use wavelane::host::schedule::blockstm::{execute_block_stm, BlockStmConfig};
use wavelane::host::schedule::dag::execute_dag;
use wavelane::host::schedule::waves::declared_sets;
use wavelane::host::state::MemState;
use wavelane::workload::{generate, Kind, Spec};
use wavelane::Felt;

/// A transfer without the transaction hash: three reads, three writes (the
/// balances' low cells and the sender's nonce).
struct Light {
    nonce: StateKey,
    from: StateKey,
    to: StateKey,
    amount: u64,
}

impl Transaction for Light {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        let nonce = view.read(&self.nonce)?;
        let from = view.read(&self.from)?;
        let amount = Felt::from(self.amount);
        let receipt = Receipt { hash: Felt::ZERO, fee: 0, status: Ok(()) };
        if self.to == self.from {
            return Ok(TxOutput { writes: vec![(self.nonce, nonce + Felt::ONE)], receipt });
        }
        let to = view.read(&self.to)?;
        // One allocation of the exact size, as the native transfer makes.
        let writes = vec![(self.nonce, nonce + Felt::ONE), (self.from, from - amount), (self.to, to + amount)];
        Ok(TxOutput { writes, receipt })
    }

    fn declared(&self) -> Option<AccessSet> {
        let writes = if self.to == self.from { vec![self.nonce] } else { vec![self.nonce, self.from, self.to] };
        Some(AccessSet { reads: Vec::new(), writes })
    }
}

/// The p2p workload's accounts and transfers, without the hash.
fn light_p2p(accounts: usize, txs: usize) -> (MemState, Vec<Light>) {
    let w = generate(&Spec { seed: 7, ..Spec::new(Kind::P2p, accounts, txs) });
    let block = w
        .block
        .iter()
        .map(|p| {
            let NativeTx::Transfer(t) = &p.tx else { unreachable!("p2p is transfers") };
            let access = p.access();
            let from = balance_keys(STRK, wavelane::host::exec::balance_key(t.from))[0];
            let to = balance_keys(STRK, wavelane::host::exec::balance_key(t.to))[0];
            debug_assert!(access.covers(&from) && access.covers(&to));
            Light { nonce: StateKey::Nonce(t.from), from, to, amount: 1 + t.nonce % 7 }
        })
        .collect();
    (w.state, block)
}

fn schedule(c: &mut Criterion) {
    const TXS: usize = 10_000;
    let pools: Vec<_> = [1usize, 2]
        .into_iter()
        .map(|t| (t, rayon::ThreadPoolBuilder::new().num_threads(t).build().expect("a thread pool")))
        .collect();
    for accounts in [1000usize, 10] {
        let (state, block) = light_p2p(accounts, TXS);
        let serial = execute_serial(&state, &block);
        let sets = declared_sets(&block).expect("light transfers declare their accounts");
        for (_, pool) in &pools {
            let (stm, _) = pool.install(|| execute_block_stm(&state, &block, &BlockStmConfig::default()));
            assert_eq!(stm, serial, "Block-STM differs from serial");
            assert_eq!(pool.install(|| execute_dag(&state, &block, &sets)).expect("declared"), serial);
        }

        let mut g = c.benchmark_group(format!("schedule/light-p2p-{accounts}"));
        g.throughput(Throughput::Elements(TXS as u64));
        g.sample_size(20).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(2));
        // Each mode's output is dropped outside the timing, as serial's.
        g.bench_function("serial", |b| {
            b.iter_batched(|| (), |_| execute_serial(&state, &block), BatchSize::PerIteration)
        });
        for (t, pool) in &pools {
            g.bench_function(format!("block-stm/{t}"), |b| {
                b.iter_batched(
                    || (),
                    |_| pool.install(|| execute_block_stm(&state, &block, &BlockStmConfig::default())),
                    BatchSize::PerIteration,
                )
            });
            g.bench_function(format!("dag/{t}"), |b| {
                b.iter_batched(|| (), |_| pool.install(|| execute_dag(&state, &block, &sets)), BatchSize::PerIteration)
            });
        }
        g.finish();
    }
}

criterion_group!(benches, schedule);
criterion_main!(benches);
