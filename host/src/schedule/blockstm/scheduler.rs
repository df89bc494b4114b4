//! Block-STM's collaborative scheduler (see the state diagram in
//! `schedule/mod.rs`).
//!
//! Two shared indices hand out work: `execution_idx`, the next transaction
//! to execute, and `validation_idx`, the next to validate; a worker takes a
//! validation task when one is behind the execution frontier. Aborts and
//! resumed dependencies move the indices back (`decrease_cnt` counts such
//! moves so that completion is detected only when nothing moved and no task
//! is active).
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

    fn next_version_to_validate(&self) -> Option<Version> {
        if self.validation_idx.load(SeqCst) >= self.n {
            self.check_done();
            return None;
        }
        self.num_active_tasks.fetch_add(1, SeqCst);
        let idx = self.validation_idx.fetch_add(1, SeqCst);
        if idx < self.n {
            let s = self.status(idx);
            if s.1 == Status::Executed {
                return Some((idx as TxnIdx, s.0));
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

    /// EXECUTING(k) → EXECUTED(k); resumes the transactions parked on
    /// `txn` and returns its validation when that can go at once.
    pub(crate) fn finish_execution(&self, txn: TxnIdx, inc: Incarnation, wrote_new_location: bool) -> Option<Task> {
        let t = txn as usize;
        self.status(t).1 = Status::Executed;
        let deps = std::mem::take(&mut *self.dependencies[t].lock().expect("no panics"));
        for &d in &deps {
            self.set_ready_status(d as usize);
        }
        if let Some(&min) = deps.iter().min() {
            self.decrease_execution_idx(min as usize);
        }
        if self.validation_idx.load(SeqCst) > t {
            if wrote_new_location {
                self.decrease_validation_idx(t);
            } else {
                return Some(Task::Validate((txn, inc)));
            }
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

    /// Ends a validation; after an abort, returns the re-execution when it
    /// can go at once and sends later transactions to validation again.
    pub(crate) fn finish_validation(&self, txn: TxnIdx, aborted: bool) -> Option<Task> {
        let t = txn as usize;
        if aborted {
            self.set_ready_status(t);
            self.decrease_validation_idx(t + 1);
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
