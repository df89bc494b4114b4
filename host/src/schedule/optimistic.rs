//! Optimistic waves, for batch backends (the GPU path).
//!
//! 1. Wave 0 executes every transaction against the pre-block state,
//!    recording each value it read.
//! 2. The outputs go into a multi-version map (per account, the value each
//!    transaction last wrote) and a reader index (per account, the
//!    transactions that read it). A transaction whose output changed a
//!    value sends the readers after it, up to the next writer, to
//!    validation — no one else.
//! 3. The host validates in block order: a transaction is valid when every
//!    value it read equals what the map holds at its position (the latest
//!    write below it, or the pre-block state). One that read from a
//!    transaction still waiting to run or to be validated is a *dependent*:
//!    it is parked on that transaction and validated once it has settled. One that
//!    read a settled but different value is *invalidated* and forms the next
//!    wave.
//! 4. The next wave runs against the map (each transaction sees the values at
//!    its position); repeat until nothing is left.
//!
//! The lowest unsettled transaction only reads settled values, so each wave
//! makes at least one more transaction final; when nothing is left every
//! transaction read exactly what the transactions before it wrote, which is
//! the serial result. A fully dependent chain takes one wave per
//! transaction, with no wasted executions.
//!
//! Executing a wave is the backend's job ([`WaveBackend`]); [`CpuWaves`]
//! runs it on the rayon pool.

use crate::exec::{Account, Address, BlockOutput, Blocked, StateView, Transaction, TxOutput};
use crate::state::StateRead;
use ahash::AHashMap;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// One execution: what it read (in order) and what it produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Every read: the account and the value seen.
    pub reads: Vec<(Address, Account)>,
    /// The output.
    pub output: TxOutput,
}

/// The state as each position of the block sees it during a wave: the
/// latest write below the position, or the pre-block state.
pub struct Snapshot<'a> {
    base: &'a dyn StateRead,
    versions: &'a AHashMap<Address, BTreeMap<u32, Account>>,
}

impl Snapshot<'_> {
    /// The value transaction `txn` reads at `address`, and its writer.
    fn lookup(&self, address: &Address, txn: u32) -> (Option<u32>, Account) {
        match self.versions.get(address).and_then(|v| v.range(..txn).next_back()) {
            Some((&w, &value)) => (Some(w), value),
            None => (None, self.base.get(address)),
        }
    }

    /// The value transaction `txn` reads at `address`.
    pub fn value_at(&self, address: &Address, txn: u32) -> Account {
        self.lookup(address, txn).1
    }

    /// A recording view for transaction `txn`.
    pub fn view(&self, txn: u32) -> PositionView<'_> {
        PositionView { snapshot: self, txn, reads: Vec::new() }
    }
}

/// A view of a [`Snapshot`] at one position, recording every read.
pub struct PositionView<'a> {
    snapshot: &'a Snapshot<'a>,
    txn: u32,
    reads: Vec<(Address, Account)>,
}

impl PositionView<'_> {
    /// The reads so far.
    pub fn into_reads(self) -> Vec<(Address, Account)> {
        self.reads
    }
}

impl StateView for PositionView<'_> {
    fn read(&mut self, address: &Address) -> Result<Account, Blocked> {
        let value = self.snapshot.value_at(address, self.txn);
        self.reads.push((*address, value));
        Ok(value)
    }
}

/// Executes one wave: every listed transaction against its position in the
/// snapshot, results in the order listed.
pub trait WaveBackend {
    /// Runs `wave` (indices into `block`, ascending).
    fn execute_wave<T: Transaction>(&self, block: &[T], wave: &[u32], snapshot: &Snapshot<'_>) -> Vec<Recorded>;
}

/// Runs waves on the CPU, in parallel on the current rayon pool.
#[derive(Clone, Copy, Debug, Default)]
pub struct CpuWaves;

impl WaveBackend for CpuWaves {
    fn execute_wave<T: Transaction>(&self, block: &[T], wave: &[u32], snapshot: &Snapshot<'_>) -> Vec<Recorded> {
        wave.par_iter()
            .map(|&i| {
                let mut view = snapshot.view(i);
                let output = block[i as usize].execute(&mut view).expect("a snapshot never blocks");
                Recorded { reads: view.into_reads(), output }
            })
            .collect()
    }
}

/// What an optimistic-waves run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OptimisticStats {
    /// Waves executed.
    pub waves: u64,
    /// Executions, including re-executions.
    pub executions: u64,
    /// Validations.
    pub validations: u64,
}

impl OptimisticStats {
    /// Executions beyond the first of each transaction.
    pub fn re_executions(&self, n: usize) -> u64 {
        self.executions.saturating_sub(n as u64)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Read values consistent with the map when last validated.
    Valid,
    /// Invalidated: in the next wave.
    Pending,
    /// Read from an unsettled transaction: validated again next round.
    Dependent,
}

/// Executes `block` in optimistic waves on `backend`.
pub fn execute_optimistic<T: Transaction, S: StateRead, B: WaveBackend>(
    state: &S,
    block: &[T],
    backend: &B,
) -> (BlockOutput, OptimisticStats) {
    let n = block.len();
    let mut stats = OptimisticStats::default();
    let mut recorded: Vec<Option<Recorded>> = vec![None; n];
    let mut versions: AHashMap<Address, BTreeMap<u32, Account>> = AHashMap::new();
    let mut readers: AHashMap<Address, BTreeSet<u32>> = AHashMap::new();
    let mut status = vec![Status::Pending; n];
    let mut wave: Vec<u32> = (0..n as u32).collect();
    let mut check: BTreeSet<u32> = BTreeSet::new();
    // Dependents parked on the transaction they wait for.
    let mut waiting: AHashMap<u32, Vec<u32>> = AHashMap::new();

    while !wave.is_empty() || !check.is_empty() {
        if !wave.is_empty() {
            let snapshot = Snapshot { base: state, versions: &versions };
            let results = backend.execute_wave(block, &wave, &snapshot);
            stats.waves += 1;
            stats.executions += wave.len() as u64;
            for (&i, rec) in wave.iter().zip(results) {
                let old = recorded[i as usize].take();
                apply(i, old.as_ref(), &rec, &mut versions, &mut readers, &status, &mut check);
                recorded[i as usize] = Some(rec);
                status[i as usize] = Status::Valid;
                check.insert(i);
            }
        }
        wave = Vec::new();
        while let Some(j) = check.pop_first() {
            stats.validations += 1;
            let snapshot = Snapshot { base: state, versions: &versions };
            let (verdict, blocker) = validate(j, &recorded, &status, &snapshot, &readers);
            let was = std::mem::replace(&mut status[j as usize], verdict);
            if was == Status::Valid && verdict != Status::Valid {
                // Later transactions can no longer count on it: look at the
                // readers of what it wrote or read again.
                let rec = recorded[j as usize].as_ref().expect("executed");
                for a in rec.output.writes.iter().map(|w| &w.0).chain(rec.reads.iter().map(|r| &r.0)) {
                    readers_after(j, a, &versions, &readers, &status, &mut check);
                }
            }
            match (verdict, blocker) {
                (Status::Valid, _) => {
                    // Settled: what waited on it is validated now (all later).
                    check.extend(waiting.remove(&j).unwrap_or_default());
                }
                (Status::Pending, _) => wave.push(j),
                (Status::Dependent, Some(b)) => waiting.entry(b).or_default().push(j),
                (Status::Dependent, None) => unreachable!("a dependent names its blocker"),
            }
        }
    }
    let outputs = recorded.into_iter().map(|r| r.expect("every transaction executed").output);
    (BlockOutput::from_outputs(outputs), stats)
}

/// Valid when every value `j` read is what the map holds at its position
/// and comes from settled transactions; pending (to run again) when a value
/// differs; dependent when it may still change: its writer is not valid, or
/// a transaction between the writer and `j` that also read the account is
/// not valid (it will run again and may write what it read — a sender whose
/// nonce was wrong in wave 0 wrote nothing).
fn validate(
    j: u32,
    recorded: &[Option<Recorded>],
    status: &[Status],
    snapshot: &Snapshot<'_>,
    readers: &AHashMap<Address, BTreeSet<u32>>,
) -> (Status, Option<u32>) {
    let rec = recorded[j as usize].as_ref().expect("executed before validated");
    let mut verdict = Status::Valid;
    for (a, seen) in &rec.reads {
        let (writer, now) = snapshot.lookup(a, j);
        if let Some(w) = writer.filter(|&w| status[w as usize] != Status::Valid) {
            return (Status::Dependent, Some(w));
        }
        let since = writer.map_or(0, |w| w + 1);
        let unsettled =
            readers.get(a).and_then(|r| r.range(since..j).rev().find(|&&p| status[p as usize] != Status::Valid));
        if let Some(&p) = unsettled {
            return (Status::Dependent, Some(p));
        }
        if now != *seen {
            verdict = Status::Pending;
        }
    }
    (verdict, None)
}

/// Sends the valid readers of `a` after `i`, up to the next writer, to
/// validation (the others are about to run again, or parked on a blocker
/// and validated when it settles).
fn readers_after(
    i: u32,
    a: &Address,
    versions: &AHashMap<Address, BTreeMap<u32, Account>>,
    readers: &AHashMap<Address, BTreeSet<u32>>,
    status: &[Status],
    check: &mut BTreeSet<u32>,
) {
    let next_writer = versions.get(a).and_then(|m| m.range(i + 1..).next()).map_or(u32::MAX, |(&w, _)| w);
    if let Some(r) = readers.get(a) {
        check.extend(r.range(i + 1..=next_writer).filter(|&&k| status[k as usize] == Status::Valid));
    }
}

/// Replaces transaction `i`'s recorded execution `old` by `new` in the
/// multi-version map and the reader index, and sends the readers of every
/// value that changed (after `i`, up to the next writer) to validation.
fn apply(
    i: u32,
    old: Option<&Recorded>,
    new: &Recorded,
    versions: &mut AHashMap<Address, BTreeMap<u32, Account>>,
    readers: &mut AHashMap<Address, BTreeSet<u32>>,
    status: &[Status],
    check: &mut BTreeSet<u32>,
) {
    let mut changed: Vec<Address> = Vec::new();
    if let Some(old) = old {
        for (a, _) in &old.reads {
            if let Some(r) = readers.get_mut(a) {
                r.remove(&i);
            }
        }
        for (a, v) in &old.output.writes {
            if new.output.writes.iter().any(|w| w == &(*a, *v)) {
                continue; // same value: nobody is affected
            }
            if let Some(m) = versions.get_mut(a) {
                m.remove(&i);
            }
            changed.push(*a);
        }
    }
    for (a, v) in &new.output.writes {
        let prev = versions.entry(*a).or_default().insert(i, *v);
        if prev != Some(*v) && !changed.contains(a) {
            changed.push(*a);
        }
    }
    for (a, _) in &new.reads {
        readers.entry(*a).or_default().insert(i);
    }
    for a in changed {
        readers_after(i, &a, versions, readers, status, check);
    }
}
