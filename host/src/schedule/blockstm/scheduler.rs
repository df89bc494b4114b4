//! Block-STM's collaborative scheduler (see the state diagram in
//! `schedule/mod.rs`).
//!
//! Two shared indices hand out work: `execution_idx`, the next transaction
//! to execute, and `validation_idx`, the next to look at for validation; a
//! worker takes a validation task when one is behind the execution
//! frontier. Validation is selective: each transaction has a *needs
//! validation* flag, and the validation sweep skips a transaction whose flag
//! is clear. A flag is set
//!
//! * by [`Scheduler::finish_execution`], for the transaction just executed
//!   (validated at once when the sweep has passed it, otherwise when the
//!   sweep gets there), so every incarnation is validated after it ran;
//! * by [`Scheduler::request_validation`], for the readers the
//!   multi-version memory names after a change to what they read (a new
//!   location written, writes turned into ESTIMATEs by an abort); the sweep
//!   is moved back to the lowest of them. Nobody else is validated again.
//!
//! The sweep validates a flagged transaction only in the EXECUTED state;
//! one that is executing or waiting to execute keeps its flag and is
//! validated after its next execution anyway, which ran after the change.
//!
//! Completion: `done` needs both indices past the end, no active task, and
//! `decrease_cnt` unchanged across the check. Every flag is set by an
//! active task, before that task ends, and either that task validates the
//! transaction itself or the sweep is still (or again, with `decrease_cnt`
//! bumped) at or below it; so a set flag always keeps the block from being
//! done until it has been served.
//!
//! Active tasks are counted per worker, each count on its own cache line,
//! and the check adds them up. A task never moves between workers (a
//! follow-up task stays with the worker that ran the task before it, and a
//! parked transaction comes back through a lowered index), so a worker
//! whose count is zero when the check reads it can only start a task by
//! taking an index below the end, after a decrease the check sees in
//! `decrease_cnt`: the sum read one count at a time is as good as one
//! shared counter, without every task's start and end moving that
//! counter's line between the cores.
//!
//! The shared indices sit on cache lines of their own, and `done_marker`,
//! which every worker reads on every turn of its loop, on another: a line
//! that is only read stays in every core's cache.
//!
//! Lock order: a dependency list before any status; never two lists.

use super::{par_slice, Incarnation, Padded, TxnIdx, Version};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
enum Status {
    #[default]
    ReadyToExecute,
    Executing,
    Executed,
    Aborting,
}

/// A unit of work for a worker.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Task {
    Execute(Version),
    Validate(Version),
}

pub(crate) struct Scheduler {
    n: usize,
    execution_idx: Padded<AtomicUsize>,
    validation_idx: Padded<AtomicUsize>,
    decrease_cnt: Padded<AtomicUsize>,
    /// Each worker's active tasks.
    active: Box<[Padded<AtomicUsize>]>,
    done_marker: Padded<AtomicBool>,
    txns: Box<[TxnState]>,
}

/// One transaction's scheduling state, on a cache line of its own:
/// neighbouring transactions mostly run on different workers, and sharing
/// a line would move it between their cores at every status change.
#[derive(Default)]
#[repr(align(64))]
struct TxnState {
    status: Mutex<(Incarnation, Status)>,
    /// The transactions parked until this one finishes executing.
    dependencies: Mutex<Vec<TxnIdx>>,
    needs_validation: AtomicBool,
}

impl Scheduler {
    /// A scheduler of `n` transactions for `workers` workers, numbered
    /// from 0.
    pub(crate) fn new(n: usize, workers: usize) -> Scheduler {
        Scheduler {
            n,
            execution_idx: Padded(AtomicUsize::new(0)),
            validation_idx: Padded(AtomicUsize::new(0)),
            decrease_cnt: Padded(AtomicUsize::new(0)),
            active: (0..workers).map(|_| Padded(AtomicUsize::new(0))).collect(),
            done_marker: Padded(AtomicBool::new(n == 0)),
            txns: par_slice(n, TxnState::default),
        }
    }

    fn status(&self, txn: usize) -> std::sync::MutexGuard<'_, (Incarnation, Status)> {
        self.txns[txn].status.lock().expect("no worker panics holding a status")
    }

    pub(crate) fn done(&self) -> bool {
        self.done_marker.load(SeqCst)
    }

    fn decrease_execution_idx(&self, target: usize) {
        self.execution_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn decrease_validation_idx(&self, target: usize) {
        self.validation_idx.fetch_min(target, SeqCst);
        self.decrease_cnt.fetch_add(1, SeqCst);
    }

    fn check_done(&self) {
        let observed = self.decrease_cnt.load(SeqCst);
        let frontier = self.execution_idx.load(SeqCst).min(self.validation_idx.load(SeqCst));
        if frontier >= self.n
            && self.active.iter().all(|a| a.load(SeqCst) == 0)
            && observed == self.decrease_cnt.load(SeqCst)
        {
            self.done_marker.store(true, SeqCst);
        }
    }

    /// READY_TO_EXECUTE(k) → EXECUTING(k); the caller keeps its active task.
    fn try_incarnate(&self, txn: usize) -> Option<Version> {
        if txn < self.n {
            let mut s = self.status(txn);
            if s.1 == Status::ReadyToExecute {
                s.1 = Status::Executing;
                return Some((txn as TxnIdx, s.0));
            }
        }
        None
    }

    fn next_version_to_execute(&self, worker: usize) -> Option<Version> {
        if self.execution_idx.load(SeqCst) >= self.n {
            self.check_done();
            return None;
        }
        self.active[worker].fetch_add(1, SeqCst);
        let idx = self.execution_idx.fetch_add(1, SeqCst);
        let v = self.try_incarnate(idx);
        if v.is_none() {
            self.active[worker].fetch_sub(1, SeqCst);
        }
        v
    }

    /// Takes `txn`'s validation if it is flagged and executed.
    fn take_validation(&self, txn: usize) -> Option<Version> {
        if !self.txns[txn].needs_validation.load(SeqCst) {
            return None;
        }
        let s = self.status(txn);
        (s.1 == Status::Executed && self.txns[txn].needs_validation.swap(false, SeqCst)).then_some((txn as TxnIdx, s.0))
    }

    /// Advances the validation sweep to the next flagged, executed
    /// transaction, skipping the others (at most up to the execution
    /// frontier, so a worker does not run far ahead of the executions).
    fn next_version_to_validate(&self, worker: usize) -> Option<Version> {
        if self.validation_idx.load(SeqCst) >= self.n {
            self.check_done();
            return None;
        }
        self.active[worker].fetch_add(1, SeqCst);
        loop {
            let idx = self.validation_idx.fetch_add(1, SeqCst);
            if idx >= self.n {
                break;
            }
            if let Some(v) = self.take_validation(idx) {
                return Some(v);
            }
            if idx + 1 >= self.execution_idx.load(SeqCst) {
                break;
            }
        }
        self.active[worker].fetch_sub(1, SeqCst);
        None
    }

    /// The next task for `worker`, if any is available now.
    pub(crate) fn next_task(&self, worker: usize) -> Option<Task> {
        if self.validation_idx.load(SeqCst) < self.execution_idx.load(SeqCst) {
            self.next_version_to_validate(worker).map(Task::Validate)
        } else {
            self.next_version_to_execute(worker).map(Task::Execute)
        }
    }

    /// `txn` read an ESTIMATE of `blocking`: park it until `blocking`
    /// finishes. False when `blocking` has finished already (read again).
    /// `worker` runs `txn`'s execution, which ends here when it is parked.
    pub(crate) fn add_dependency(&self, worker: usize, txn: TxnIdx, blocking: TxnIdx) -> bool {
        let mut deps = self.txns[blocking as usize].dependencies.lock().expect("no panics");
        if self.status(blocking as usize).1 == Status::Executed {
            return false;
        }
        self.status(txn as usize).1 = Status::Aborting;
        deps.push(txn);
        drop(deps);
        self.active[worker].fetch_sub(1, SeqCst);
        true
    }

    /// ABORTING(k) → READY_TO_EXECUTE(k + 1).
    fn set_ready_status(&self, txn: usize) {
        let mut s = self.status(txn);
        debug_assert_eq!(s.1, Status::Aborting);
        *s = (s.0 + 1, Status::ReadyToExecute);
    }

    /// Sends `readers` (named by the multi-version memory after a change to
    /// what they read) to validation: each is flagged, and the sweep moves
    /// back to the lowest one unless it is there already. Called by an
    /// active task, before it ends.
    ///
    /// Why no flagged reader is skipped: the flag is stored before
    /// `validation_idx` is read (both SeqCst). If the sweep is above a
    /// reader it is moved back (and `decrease_cnt` bumped); if it is at or
    /// below, it has yet to hand out that index, so the worker that takes
    /// it loads the flag after this store.
    ///
    /// Why the validation that clears the flag sees the change: the change
    /// was made in a critical section of the key's shard lock before
    /// this store, and the validation re-reads the key in a critical
    /// section of the same lock after its SeqCst swap. A swap that comes
    /// after this store in the SeqCst order cannot have its critical
    /// section ordered before the change's (that would make the swap
    /// happen before the store), so it reads the new entry. A swap that
    /// came before this store leaves the flag set again for a later one.
    pub(crate) fn request_validation(&self, readers: &[TxnIdx]) {
        let Some(&lowest) = readers.iter().min() else {
            return;
        };
        for &r in readers {
            self.txns[r as usize].needs_validation.store(true, SeqCst);
        }
        if self.validation_idx.load(SeqCst) > lowest as usize {
            self.decrease_validation_idx(lowest as usize);
        }
    }

    /// EXECUTING(k) → EXECUTED(k); resumes the transactions parked on
    /// `txn`, flags `txn` for validation and returns that validation when
    /// the sweep has passed it already (a follow-up task for `worker`).
    pub(crate) fn finish_execution(&self, worker: usize, txn: TxnIdx, inc: Incarnation) -> Option<Task> {
        let t = txn as usize;
        self.status(t).1 = Status::Executed;
        let deps = std::mem::take(&mut *self.txns[t].dependencies.lock().expect("no panics"));
        for &d in &deps {
            self.set_ready_status(d as usize);
        }
        if let Some(&min) = deps.iter().min() {
            self.decrease_execution_idx(min as usize);
        }
        self.txns[t].needs_validation.store(true, SeqCst);
        // Sweep at or below `t`: it will validate `t` (the flag is set
        // first). Above: validate now, unless another worker took it.
        if self.validation_idx.load(SeqCst) > t && self.txns[t].needs_validation.swap(false, SeqCst) {
            return Some(Task::Validate((txn, inc)));
        }
        self.active[worker].fetch_sub(1, SeqCst);
        None
    }

    /// EXECUTED(k) → ABORTING(k) if incarnation `inc` is still the latest;
    /// exactly one failed validation wins.
    pub(crate) fn try_validation_abort(&self, txn: TxnIdx, inc: Incarnation) -> bool {
        let mut s = self.status(txn as usize);
        if *s == (inc, Status::Executed) {
            s.1 = Status::Aborting;
            true
        } else {
            false
        }
    }

    /// Ends a validation; after an abort (whose affected readers the caller
    /// has sent to [`Scheduler::request_validation`]), returns the
    /// re-execution when it can go at once (a follow-up task for `worker`).
    pub(crate) fn finish_validation(&self, worker: usize, txn: TxnIdx, aborted: bool) -> Option<Task> {
        let t = txn as usize;
        if aborted {
            self.set_ready_status(t);
            if self.execution_idx.load(SeqCst) > t {
                if let Some(v) = self.try_incarnate(t) {
                    return Some(Task::Execute(v));
                }
            }
        }
        self.active[worker].fetch_sub(1, SeqCst);
        None
    }
}
