//! The Block-STM worker loop.
//!
//! Every thread of the current rayon pool runs [`worker`]: take a task from
//! the scheduler, execute or validate, and carry on with the follow-up task
//! the scheduler hands back, until the scheduler says the segment is done.
//! After an execution and after an abort, the readers the multi-version
//! memory names as affected go to the scheduler for validation, before the
//! task ends (see `mvmemory.rs` for why that finds every one).
//!
//! When the scheduler is done, the same workers take the block's result
//! from the multi-version memory: each one drains a share of the shards,
//! taking every key's last entry (its final value), so assembling the
//! result runs in parallel too and only the short per-key lists meet
//! on one thread. The drained shards are freed on one thread while another
//! takes the receipts out (frees from every worker at once wait on the
//! allocator's locks; see `MvMemory::drain_finals`). Building a segment's
//! per-transaction state before the workers start runs on the pool as well.
//!
//! A block longer than [`BlockStmConfig::segment`] runs as consecutive
//! segments on top of the previous ones' writes, which bounds the memory of
//! the multi-version structures (versions, reader sets, read sets).

use super::mvmemory::{MvMemory, MvRead, Origin, ReadDescriptor};
use super::scheduler::{Scheduler, Task};
use super::{par_slice, TxnIdx, Version};
use crate::exec::{BlockOutput, Blocked, Receipt, StateKey, StateView, Transaction};
use crate::state::{Overlay, StateRead};
use rayon::prelude::*;
use starknet_types_core::felt::Felt;
use std::sync::Mutex;

/// Tuning of Block-STM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockStmConfig {
    /// Most transactions in flight at once; longer blocks run in segments.
    pub segment: usize,
}

impl Default for BlockStmConfig {
    fn default() -> BlockStmConfig {
        BlockStmConfig { segment: 1 << 14 }
    }
}

/// What a Block-STM run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockStmStats {
    /// Executions, including re-executions.
    pub executions: u64,
    /// Validations: each execution's own, plus those of the readers named
    /// after a change to what they read.
    pub validations: u64,
    /// Validations that failed and aborted their incarnation.
    pub aborts: u64,
    /// Executions stopped by an ESTIMATE and parked on a dependency.
    pub suspensions: u64,
}

impl BlockStmStats {
    fn add(&mut self, other: &BlockStmStats) {
        self.executions += other.executions;
        self.validations += other.validations;
        self.aborts += other.aborts;
        self.suspensions += other.suspensions;
    }

    /// Executions beyond the first of each transaction.
    pub fn re_executions(&self, n: usize) -> u64 {
        self.executions.saturating_sub(n as u64)
    }
}

/// Executes `block` with Block-STM on the threads of the current rayon pool.
pub fn execute_block_stm<T: Transaction, S: StateRead + ?Sized>(
    state: &S,
    block: &[T],
    config: &BlockStmConfig,
) -> (BlockOutput, BlockStmStats) {
    let mut out = BlockOutput::default();
    let mut stats = BlockStmStats::default();
    out.receipts.reserve_exact(block.len());
    for segment in block.chunks(config.segment.max(1)) {
        let base = Overlay { base: state, delta: &out.delta };
        let (receipts, finals, s) = run_segment(&base, segment);
        stats.add(&s);
        out.receipts.extend(receipts);
        out.delta.reserve(finals.iter().map(Vec::len).sum());
        for f in finals {
            out.delta.extend(f);
        }
    }
    (out, stats)
}

struct Shared<'a, T, S: ?Sized> {
    block: &'a [T],
    base: &'a S,
    mv: MvMemory,
    scheduler: Scheduler,
    /// The receipt of each transaction's latest execution (its writes live
    /// in the multi-version memory).
    receipts: Box<[Mutex<Option<Receipt>>]>,
}

/// The receipts of a segment, its final values (one list per worker) and
/// what Block-STM did.
type SegmentResult = (Vec<Receipt>, Vec<Vec<(StateKey, Felt)>>, BlockStmStats);

fn run_segment<T: Transaction, S: StateRead + ?Sized>(base: &S, block: &[T]) -> SegmentResult {
    let n = block.len();
    let ((mv, scheduler), receipts) = rayon::join(
        || rayon::join(|| MvMemory::new(n), || Scheduler::new(n, rayon::current_num_threads())),
        || par_slice(n, || Mutex::new(None)),
    );
    let shared = Shared { block, base, mv, scheduler, receipts };
    let per_worker = rayon::broadcast(|ctx| {
        let stats = worker(&shared, ctx.index());
        // The scheduler is done: no task runs or can start, so the memory
        // holds the final incarnations' writes and no more.
        let (finals, spent) = shared.mv.drain_finals(ctx.index(), ctx.num_threads());
        (finals, spent, stats)
    });
    let mut stats = BlockStmStats::default();
    let mut finals = Vec::with_capacity(per_worker.len());
    let mut spent = Vec::with_capacity(per_worker.len());
    for (f, s, worker_stats) in per_worker {
        stats.add(&worker_stats);
        finals.push(f);
        spent.push(s);
    }
    // Taking the receipts out and freeing the per-transaction state run on
    // the pool too; the emptied shards are freed on one thread (see
    // `drain_finals`).
    let Shared { mv, scheduler, receipts, .. } = shared;
    let (receipts, _) = rayon::join(
        || {
            Vec::from(receipts)
                .into_par_iter()
                .with_min_len(1024)
                .map(|r| r.into_inner().expect("no panics").expect("every transaction executed"))
                .collect()
        },
        || rayon::join(|| drop((mv, scheduler)), || drop(spent)),
    );
    (receipts, finals, stats)
}

/// Runs tasks until the scheduler is done; returns what this worker did
/// (counted here, not in shared counters whose line every task would move
/// between the cores).
fn worker<T: Transaction, S: StateRead + ?Sized>(sh: &Shared<'_, T, S>, me: usize) -> BlockStmStats {
    let _span = wavelane_kernels::trace::span("blockstm.worker");
    let mut task: Option<Task> = None;
    let mut idle = 0u32;
    let mut stats = BlockStmStats::default();
    // The read set under construction, reused across executions (the
    // memory keeps a copy), so an execution allocates nothing for it.
    let mut reads = Vec::with_capacity(8);
    while !sh.scheduler.done() {
        task = match task.take() {
            Some(Task::Execute(v)) => try_execute(sh, me, v, &mut reads, &mut stats),
            Some(Task::Validate(v)) => needs_reexecution(sh, me, v, &mut stats),
            None => {
                let t = sh.scheduler.next_task(me);
                if t.is_none() {
                    idle += 1;
                    if idle.is_multiple_of(16) {
                        std::thread::yield_now();
                    } else {
                        std::hint::spin_loop();
                    }
                }
                t
            }
        };
    }
    stats
}

/// A transaction's view of the multi-version memory, recording its reads.
struct MvView<'a, S: ?Sized> {
    mv: &'a MvMemory,
    base: &'a S,
    txn: TxnIdx,
    reads: &'a mut Vec<ReadDescriptor>,
}

impl<S: StateRead + ?Sized> StateView for MvView<'_, S> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        let (found, slot) = self.mv.read(key, self.txn);
        let (origin, value) = match found {
            MvRead::Version(v, value) => (Origin::Version(v), value),
            MvRead::Storage => (Origin::Storage, self.base.get(key)),
            MvRead::Estimate(blocking) => return Err(Blocked(blocking)),
        };
        self.reads.push(ReadDescriptor { key: *key, slot, origin });
        Ok(value)
    }
}

fn try_execute<T: Transaction, S: StateRead + ?Sized>(
    sh: &Shared<'_, T, S>,
    me: usize,
    (txn, inc): Version,
    reads: &mut Vec<ReadDescriptor>,
    stats: &mut BlockStmStats,
) -> Option<Task> {
    loop {
        stats.executions += 1;
        reads.clear();
        let mut view = MvView { mv: &sh.mv, base: sh.base, txn, reads: &mut *reads };
        match sh.block[txn as usize].execute(&mut view) {
            Err(Blocked(blocking)) => {
                if sh.scheduler.add_dependency(me, txn, blocking) {
                    stats.suspensions += 1;
                    return None;
                }
                // `blocking` finished meanwhile: read again.
            }
            Ok(output) => {
                // Readers of keys this incarnation writes and the last
                // one did not: they saw an older value and are validated
                // again (the only transactions besides this one).
                let mut affected = Vec::new();
                sh.mv.record((txn, inc), reads, &output.writes, &mut affected);
                *sh.receipts[txn as usize].lock().expect("no panics") = Some(output.receipt);
                sh.scheduler.request_validation(&affected);
                return sh.scheduler.finish_execution(me, txn, inc);
            }
        }
    }
}

fn needs_reexecution<T: Transaction, S: StateRead + ?Sized>(
    sh: &Shared<'_, T, S>,
    me: usize,
    (txn, inc): Version,
    stats: &mut BlockStmStats,
) -> Option<Task> {
    stats.validations += 1;
    let valid = sh.mv.validate_read_set(txn);
    let aborted = !valid && sh.scheduler.try_validation_abort(txn, inc);
    if aborted {
        stats.aborts += 1;
        // Only the readers of what the aborted incarnation wrote are
        // validated again; they will meet the ESTIMATEs.
        let mut affected = Vec::new();
        sh.mv.convert_writes_to_estimates(txn, &mut affected);
        sh.scheduler.request_validation(&affected);
    }
    sh.scheduler.finish_validation(me, txn, aborted)
}
