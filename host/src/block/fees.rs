//! The fee credit that does not serialize the block.
//!
//! Starknet credits each transaction's fee to the sequencer's fee-token
//! balance right after it, so by the protocol every transaction reads and
//! writes that one pair of cells ([`FeeSink`]). Run that way, no two
//! transactions of a block could run side by side. Credits commute, so the
//! executor does what blockifier's concurrent mode and the aggregators of
//! Block-STM's implementations do: the programs charge the fee (the
//! sender's debit is an ordinary write) and the credit is deferred; once
//! the block has run, the sum of its fees is credited in one step.
//!
//! That equals the protocol for every transaction that does not read the
//! sequencer's balance itself. One that does (the sequencer sends, or is
//! paid) must see the fees of every transaction before it. Each
//! transaction's view notes whether it read the sink; after the run, the
//! first one that read it while fees were due before it splits the block:
//! the part before it runs again on its own (its result is exact), the fees
//! so far are credited, the transaction runs alone on the exact balance, and
//! the rest of the block is run the same way. After [`MAX_SPLITS`] splits
//! the rest runs serially. A block in which no one touches the sequencer
//! (every workload but a sequencer's own transfers) runs once, in parallel.

use super::Mode;
use crate::exec::{
    execute_serial, execute_serial_with_fees, BlockOutput, Blocked, FeeSink, StateKey, StateView, Transaction,
    TxOutput, U256,
};
use crate::schedule::blockstm::{execute_block_stm, BlockStmConfig};
use crate::schedule::dag::execute_dag;
use crate::schedule::optimistic::{execute_optimistic, CpuWaves};
use crate::schedule::waves::{execute_waves, plan};
use crate::schedule::ScheduleError;
use crate::state::{Overlay, StateRead};
use starknet_types_core::felt::Felt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// Splits before the rest of a block runs serially.
pub(crate) const MAX_SPLITS: u64 = 4;

/// A transaction whose view notes reads of the fee sink.
struct Watched<'a, T> {
    tx: &'a T,
    sink: &'a FeeSink,
    read_sink: &'a AtomicBool,
}

struct WatchedView<'v, V: ?Sized> {
    inner: &'v mut V,
    sink: &'v FeeSink,
    read_sink: &'v AtomicBool,
}

impl<V: StateView + ?Sized> StateView for WatchedView<'_, V> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        if self.sink.holds(key) {
            self.read_sink.store(true, Ordering::Relaxed);
        }
        self.inner.read(key)
    }
}

impl<T: Transaction> Transaction for Watched<'_, T> {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        self.tx.execute(&mut WatchedView { inner: view, sink: self.sink, read_sink: self.read_sink })
    }

    fn declared(&self) -> Option<crate::exec::AccessSet> {
        self.tx.declared()
    }

    fn program(&self) -> Option<crate::exec::Program> {
        self.tx.program()
    }
}

/// What running one block cost, beyond its output.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RunCounters {
    pub(crate) schedule: f64,
    pub(crate) executions: u64,
    pub(crate) validations: u64,
    pub(crate) waves: u64,
    pub(crate) splits: u64,
}

/// Runs `block` under `mode` on the current rayon pool, fees deferred.
fn run_mode<T: Transaction, S: StateRead + ?Sized>(
    mode: Mode,
    stm: &BlockStmConfig,
    state: &S,
    block: &[T],
    counters: &mut RunCounters,
) -> Result<BlockOutput, ScheduleError> {
    let n = block.len() as u64;
    Ok(match mode {
        Mode::Serial => {
            counters.executions += n;
            execute_serial(state, block)
        }
        Mode::Waves => {
            let span = wavelane_kernels::trace::span("schedule");
            let t = Instant::now();
            let sets = crate::schedule::waves::declared_sets(block)?;
            let waves = plan(&sets);
            counters.schedule += t.elapsed().as_secs_f64();
            drop(span);
            counters.executions += n;
            counters.waves += waves.len() as u64;
            execute_waves(state, block, &sets, &waves)?
        }
        Mode::Dag => {
            let span = wavelane_kernels::trace::span("schedule");
            let t = Instant::now();
            let sets = crate::schedule::waves::declared_sets(block)?;
            counters.schedule += t.elapsed().as_secs_f64();
            drop(span);
            counters.executions += n;
            execute_dag(state, block, &sets)?
        }
        Mode::BlockStm => {
            let (out, s) = execute_block_stm(state, block, stm);
            counters.executions += s.executions;
            counters.validations += s.validations;
            out
        }
        Mode::Optimistic => {
            let (out, s) = execute_optimistic(state, block, &CpuWaves);
            counters.executions += s.executions;
            counters.validations += s.validations;
            counters.waves += s.waves;
            out
        }
    })
}

/// Adds `part` (run on top of `acc`) to `acc` and credits its fees.
fn absorb<S: StateRead + ?Sized>(acc: &mut BlockOutput, part: BlockOutput, state: &S, sink: &FeeSink) {
    let fees = part.fees();
    acc.receipts.extend(part.receipts);
    acc.delta.extend(part.delta);
    if fees != U256::ZERO {
        let read = |k: &StateKey| acc.delta.get(k).copied().unwrap_or_else(|| state.get(k));
        if let Some(cells) = sink.credit(read, fees) {
            acc.delta.extend(cells);
        }
    }
}

/// Executes `block` on top of `state` under `mode` with the protocol's fee
/// credit (the result of [`execute_serial_with_fees`]); see the module
/// documentation.
pub(crate) fn execute_with_fees<T: Transaction, S: StateRead + ?Sized>(
    mode: Mode,
    stm: &BlockStmConfig,
    state: &S,
    block: &[T],
    sink: &FeeSink,
) -> Result<(BlockOutput, RunCounters), ScheduleError> {
    let mut counters = RunCounters::default();
    if mode == Mode::Serial {
        counters.executions = block.len() as u64;
        return Ok((execute_serial_with_fees(state, block, sink), counters));
    }
    let flags: Vec<AtomicBool> = block.iter().map(|_| AtomicBool::new(false)).collect();
    let watched: Vec<Watched<'_, T>> =
        block.iter().zip(&flags).map(|(tx, read_sink)| Watched { tx, sink, read_sink }).collect();
    let mut acc = BlockOutput::default();
    let mut start = 0;
    while start < block.len() {
        let base = Overlay { base: state, delta: &acc.delta };
        if counters.splits >= MAX_SPLITS {
            let rest = execute_serial_with_fees(&base, &block[start..], sink);
            counters.executions += (block.len() - start) as u64;
            acc.receipts.extend(rest.receipts);
            acc.delta.extend(rest.delta);
            break;
        }
        for f in &flags[start..] {
            f.store(false, Ordering::Relaxed);
        }
        let part = &watched[start..];
        let out = run_mode(mode, stm, &base, part, &mut counters).map_err(|e| e.offset(start))?;
        // The first transaction that read the sink with fees due before it.
        let mut due = U256::ZERO;
        let mut split = None;
        for (i, r) in out.receipts.iter().enumerate() {
            if due != U256::ZERO && flags[start + i].load(Ordering::Relaxed) {
                split = Some(i);
                break;
            }
            due = due.saturating_add(U256::from(r.fee));
        }
        let Some(j) = split else {
            absorb(&mut acc, out, state, sink);
            break;
        };
        counters.splits += 1;
        drop(out);
        // The part before it alone (exact: no one in it read the sink with
        // fees due), its fees credited; then the reader on the exact value.
        let before =
            run_mode(mode, stm, &base, &watched[start..start + j], &mut counters).map_err(|e| e.offset(start))?;
        absorb(&mut acc, before, state, sink);
        let base = Overlay { base: state, delta: &acc.delta };
        let one = execute_serial(&base, &block[start + j..=start + j]);
        counters.executions += 1;
        absorb(&mut acc, one, state, sink);
        start += j + 1;
    }
    Ok((acc, counters))
}
