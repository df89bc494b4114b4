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
//! Lock order: a dependency list before any status; never two lists.

use super::{Incarnation, TxnIdx, Version};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Mutex;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Status {
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
    execution_idx: AtomicUsize,
    validation_idx: AtomicUsize,
    decrease_cnt: AtomicUsize,
    num_active_tasks: AtomicUsize,
    done_marker: AtomicBool,
    status: Box<[Mutex<(Incarnation, Status)>]>,
    dependencies: Box<[Mutex<Vec<TxnIdx>>]>,
    needs_validation: Box<[AtomicBool]>,
}

impl Scheduler {
    pub(crate) fn new(n: usize) -> Scheduler {
        Scheduler {
            n,
            execution_idx: AtomicUsize::new(0),
            validation_idx: AtomicUsize::new(0),
            decrease_cnt: AtomicUsize::new(0),
            num_active_tasks: AtomicUsize::new(0),
            done_marker: AtomicBool::new(n == 0),
            status: (0..n).map(|_| Mutex::new((0, Status::ReadyToExecute))).collect(),
            dependencies: (0..n).map(|_| Mutex::default()).collect(),
            needs_validation: (0..n).map(|_| AtomicBool::new(false)).collect(),
        }
    }

    fn status(&self, txn: usize) -> std::sync::MutexGuard<'_, (Incarnation, Status)> {
        self.status[txn].lock().expect("no worker panics holding a status")
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
        if frontier >= self.n && self.num_active_tasks.load(SeqCst) == 0 && observed == self.decrease_cnt.load(SeqCst) {
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

    fn next_version_to_execute(&self) -> Option<Version> {
        if self.execution_idx.load(SeqCst) >= self.n {
            self.check_done();
            return None;
        }
        self.num_active_tasks.fetch_add(1, SeqCst);
        let idx = self.execution_idx.fetch_add(1, SeqCst);
        let v = self.try_incarnate(idx);
        if v.is_none() {
            self.num_active_tasks.fetch_sub(1, SeqCst);
        }
        v
    }

    /// Takes `txn`'s validation if it is flagged and executed.
    fn take_validation(&self, txn: usize) -> Option<Version> {
        if !self.needs_validation[txn].load(SeqCst) {
            return None;
        }
        let s = self.status(txn);
        (s.1 == Status::Executed && self.needs_validation[txn].swap(false, SeqCst)).then_some((txn as TxnIdx, s.0))
    }

    /// Advances the validation sweep to the next flagged, executed
    /// transaction, skipping the others (at most up to the execution
    /// frontier, so a worker does not run far ahead of the executions).
    fn next_version_to_validate(&self) -> Option<Version> {
        if self.validation_idx.load(SeqCst) >= self.n {
            self.check_done();
            return None;
        }
        self.num_active_tasks.fetch_add(1, SeqCst);
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
        self.num_active_tasks.fetch_sub(1, SeqCst);
        None
    }

    /// The next task, if any is available now.
    pub(crate) fn next_task(&self) -> Option<Task> {
        if self.validation_idx.load(SeqCst) < self.execution_idx.load(SeqCst) {
            self.next_version_to_validate().map(Task::Validate)
        } else {
            self.next_version_to_execute().map(Task::Execute)
        }
    }

    /// `txn` read an ESTIMATE of `blocking`: park it until `blocking`
    /// finishes. False when `blocking` has finished already (read again).
    pub(crate) fn add_dependency(&self, txn: TxnIdx, blocking: TxnIdx) -> bool {
        let mut deps = self.dependencies[blocking as usize].lock().expect("no panics");
        if self.status(blocking as usize).1 == Status::Executed {
            return false;
        }
        self.status(txn as usize).1 = Status::Aborting;
        deps.push(txn);
        drop(deps);
        self.num_active_tasks.fetch_sub(1, SeqCst);
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
    /// was made in a critical section of the account's shard lock before
    /// this store, and the validation re-reads the account in a critical
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
            self.needs_validation[r as usize].store(true, SeqCst);
        }
        if self.validation_idx.load(SeqCst) > lowest as usize {
            self.decrease_validation_idx(lowest as usize);
        }
    }

    /// EXECUTING(k) → EXECUTED(k); resumes the transactions parked on
    /// `txn`, flags `txn` for validation and returns that validation when
    /// the sweep has passed it already.
    pub(crate) fn finish_execution(&self, txn: TxnIdx, inc: Incarnation) -> Option<Task> {
        let t = txn as usize;
        self.status(t).1 = Status::Executed;
        let deps = std::mem::take(&mut *self.dependencies[t].lock().expect("no panics"));
        for &d in &deps {
            self.set_ready_status(d as usize);
        }
        if let Some(&min) = deps.iter().min() {
            self.decrease_execution_idx(min as usize);
        }
        self.needs_validation[t].store(true, SeqCst);
        // Sweep at or below `t`: it will validate `t` (the flag is set
        // first). Above: validate now, unless another worker took it.
        if self.validation_idx.load(SeqCst) > t && self.needs_validation[t].swap(false, SeqCst) {
            return Some(Task::Validate((txn, inc)));
        }
        self.num_active_tasks.fetch_sub(1, SeqCst);
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
    /// re-execution when it can go at once.
    pub(crate) fn finish_validation(&self, txn: TxnIdx, aborted: bool) -> Option<Task> {
        let t = txn as usize;
        if aborted {
            self.set_ready_status(t);
            if self.execution_idx.load(SeqCst) > t {
                if let Some(v) = self.try_incarnate(t) {
                    return Some(Task::Execute(v));
                }
            }
        }
        self.num_active_tasks.fetch_sub(1, SeqCst);
        None
    }
}
