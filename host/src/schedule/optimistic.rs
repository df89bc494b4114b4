//! Optimistic waves, for batch backends (the GPU path).
//!
//! 1. Wave 0 executes every transaction against the pre-block state,
//!    recording each value it read.
//! 2. The outputs go into a multi-version map (per key, the value each
//!    transaction last wrote) and a reader index (per key, the
//!    transactions that read it). A transaction whose output changed a
//!    value sends the readers after it, up to the next writer, to
//!    validation — no one else.
//! 3. The host validates in block order. A transaction is *stale* when a
//!    value it read differs from what the map holds at its position (the
//!    latest write below it, or the pre-block state). It *depends* on a
//!    transaction that is not valid when that one wrote a value it read,
//!    or read the key between the writer and itself without writing
//!    it (it may write it when it runs again: a sender whose nonce was
//!    wrong in wave 0 wrote nothing). Then:
//!
//!    | stale | depends on                            | verdict                    |
//!    |-------|---------------------------------------|----------------------------|
//!    | no    | nothing                               | valid                      |
//!    | yes   | nothing                               | invalidated: next wave     |
//!    | yes   | only writers of values likely to hold | dependent: next wave too   |
//!    | yes   | anything else                         | waits for it               |
//!    | no    | anything                              | waits (a run would repeat) |
//!
//!    So the next wave holds the invalidated transactions and those of
//!    their (transitive) dependents whose inputs have moved on to values
//!    likely to hold: each runs on the values the not-yet-valid
//!    transactions wrote, betting on them. A value is likely to hold when
//!    its writer read that key's current value from a valid writer or
//!    storage (or did not read it) and runs again for some other input: a
//!    credit does not change when the sender's balance does, so a chain of
//!    transfers settles in two waves. The same holds of a reader between
//!    the writer and the dependent that read the key's current value (a
//!    transfer reads the high half of its recipient's balance and seldom
//!    writes it). A balance its writer read stale, a reader in between
//!    that read it stale, or a write that is not there yet, is not worth a
//!    bet: the dependent waits. Running a dependent whose inputs have not moved would only
//!    repeat its result, so it waits too.
//!
//!    A bet is lost when what the dependent read changes before it is
//!    valid. Right after its wave, the bet's execution is then replaced by
//!    the one before it, so that what the bet wrote misleads no one (a
//!    value that was right stays right), and the loser waits from then on:
//!    each transaction loses at most one bet, so a contended block wastes
//!    at most one execution per transaction, not one per wave. A waiting
//!    transaction is validated again once the one it waits for is valid.
//! 4. The next wave runs against the map (each transaction sees the values at
//!    its position); repeat until nothing is left.
//!
//! The lowest transaction that is not valid only reads valid ones, which
//! by induction wrote the serial values, so it is in the next wave and
//! final after it: each wave makes at least one more transaction final.
//! When nothing is left every transaction read exactly what the
//! transactions before it wrote, which is the serial result. Whether a
//! bet is placed, won or lost changes which executions happen, never the
//! result: the map always holds, for each transaction, the output of one
//! of its executions with exactly the reads it made.
//!
//! Executing a wave is the backend's job ([`WaveBackend`]); [`CpuWaves`]
//! runs it on the rayon pool.

use crate::exec::{BlockOutput, Blocked, StateKey, StateView, Transaction, TxOutput};
use crate::state::StateRead;
use ahash::AHashMap;
use rayon::prelude::*;
use starknet_types_core::felt::Felt;
use std::collections::{BTreeMap, BTreeSet};

/// One execution: what it read (in order) and what it produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Every read: the key and the value seen.
    pub reads: Vec<(StateKey, Felt)>,
    /// The output.
    pub output: TxOutput,
}

/// The state as each position of the block sees it during a wave: the
/// latest write below the position, or the pre-block state.
pub struct Snapshot<'a> {
    base: &'a dyn StateRead,
    versions: &'a AHashMap<StateKey, BTreeMap<u32, Felt>>,
}

impl Snapshot<'_> {
    /// The value transaction `txn` reads at `key`, and its writer (`None`:
    /// the pre-block state).
    pub fn lookup(&self, key: &StateKey, txn: u32) -> (Option<u32>, Felt) {
        match self.versions.get(key).and_then(|v| v.range(..txn).next_back()) {
            Some((&w, &value)) => (Some(w), value),
            None => (None, self.base.get(key)),
        }
    }

    /// The value transaction `txn` reads at `key`.
    pub fn value_at(&self, key: &StateKey, txn: u32) -> Felt {
        self.lookup(key, txn).1
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
    reads: Vec<(StateKey, Felt)>,
}

impl PositionView<'_> {
    /// The reads so far.
    pub fn into_reads(self) -> Vec<(StateKey, Felt)> {
        self.reads
    }
}

impl StateView for PositionView<'_> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        let value = self.snapshot.value_at(key, self.txn);
        self.reads.push((*key, value));
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
    /// Executions of a dependent in the same wave as a transaction it read
    /// from that was not valid yet (a bet that what it read holds).
    pub speculative: u64,
    /// Bets lost: what the dependent read changed before it was valid.
    pub lost_bets: u64,
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
    /// In the next wave.
    Pending,
    /// Waiting for a transaction that is not valid; validated again once
    /// that one is.
    Dependent,
}

/// Executes `block` in optimistic waves on `backend`.
pub fn execute_optimistic<T: Transaction, S: StateRead + ?Sized, B: WaveBackend>(
    state: &S,
    block: &[T],
    backend: &B,
) -> (BlockOutput, OptimisticStats) {
    let state = &ByRef(state);
    let mut host = Host::new(block.len());
    let mut wave: Vec<u32> = (0..block.len() as u32).collect();
    while !wave.is_empty() {
        let snapshot = Snapshot { base: state, versions: &host.versions };
        let mut span = wavelane_kernels::trace::span("wave");
        span.arg("transactions", wave.len() as f64);
        let results = backend.execute_wave(block, &wave, &snapshot);
        drop(span);
        host.stats.waves += 1;
        host.stats.executions += wave.len() as u64;
        host.record(&wave, results);
        let _validate = wavelane_kernels::trace::span("validate");
        wave = host.validate(state);
    }
    debug_assert!(host.status.iter().all(|&s| s == Status::Valid), "every transaction is final");
    let outputs = host.recorded.into_iter().map(|r| r.expect("every transaction executed").output);
    (BlockOutput::from_outputs(outputs), host.stats)
}

/// A reference to any reader, sized, so a [`Snapshot`] can hold it as a
/// trait object.
struct ByRef<'a, S: ?Sized>(&'a S);

impl<S: StateRead + ?Sized> StateRead for ByRef<'_, S> {
    fn get(&self, key: &StateKey) -> Felt {
        self.0.get(key)
    }
}

/// The host's side of a run: each transaction's latest execution, the
/// multi-version map and reader index built from them, and the state of
/// validation.
struct Host {
    recorded: Vec<Option<Recorded>>,
    versions: AHashMap<StateKey, BTreeMap<u32, Felt>>,
    readers: AHashMap<StateKey, BTreeSet<u32>>,
    status: Vec<Status>,
    /// Ran as a dependent, betting on what it read, and is not valid yet.
    betting: Vec<bool>,
    /// The execution before the bet, for each transaction that bet in the
    /// last wave, until it is validated.
    before_bet: AHashMap<u32, Recorded>,
    /// Lost a bet once: waits for its dependencies from then on.
    lost_bet: Vec<bool>,
    /// To validate, in block order.
    check: BTreeSet<u32>,
    /// Transactions parked on the one they wait for.
    waiting: AHashMap<u32, Vec<u32>>,
    stats: OptimisticStats,
}

impl Host {
    fn new(n: usize) -> Host {
        Host {
            recorded: vec![None; n],
            versions: AHashMap::new(),
            readers: AHashMap::new(),
            status: vec![Status::Pending; n],
            betting: vec![false; n],
            before_bet: AHashMap::new(),
            lost_bet: vec![false; n],
            check: BTreeSet::new(),
            waiting: AHashMap::new(),
            stats: OptimisticStats::default(),
        }
    }

    /// Takes a wave's executions into the map; each is validated next.
    fn record(&mut self, wave: &[u32], results: Vec<Recorded>) {
        for (&i, rec) in wave.iter().zip(results) {
            let old = self.recorded[i as usize].take();
            apply(i, old.as_ref(), &rec, &mut self.versions, &mut self.readers, &self.status, &mut self.check);
            if self.betting[i as usize] {
                self.before_bet.insert(i, old.expect("a dependent has run before"));
            }
            self.recorded[i as usize] = Some(rec);
            self.status[i as usize] = Status::Valid;
            self.check.insert(i);
        }
    }

    /// Validates in block order everything that needs it; the next wave.
    fn validate<S: StateRead>(&mut self, state: &S) -> Vec<u32> {
        let mut wave = Vec::new();
        while let Some(j) = self.check.pop_first() {
            let ju = j as usize;
            self.stats.validations += 1;
            let mut found = self.compare(j, state);
            let before = self.before_bet.remove(&j);
            if self.betting[ju] && found.stale {
                // Lost: what it read has changed since. It waits from now on.
                self.betting[ju] = false;
                self.lost_bet[ju] = true;
                self.stats.lost_bets += 1;
                if let Some(before) = before {
                    // Right after the bet's wave: put back the execution
                    // before the bet, so that what the bet wrote misleads
                    // no one (a value that was right stays right).
                    let bet = self.recorded[ju].take().expect("executed");
                    apply(j, Some(&bet), &before, &mut self.versions, &mut self.readers, &self.status, &mut self.check);
                    self.recorded[ju] = Some(before);
                    found = self.compare(j, state);
                }
            }
            let blocker = found.blocker();
            let verdict = match found {
                Check { stale: false, .. } if blocker.is_none() => Status::Valid,
                Check { stale: true, .. } if blocker.is_none() => Status::Pending,
                // A dependent of an invalidated transaction whose inputs
                // have moved on: it runs in the next wave on the values the
                // invalidated ones wrote, betting that they hold, unless it
                // lost such a bet before.
                Check { stale: true, wait_for: None, bet_on: Some(_) } if !self.lost_bet[ju] => Status::Pending,
                // What it read is current (running it again would repeat
                // its result), or may yet be written, or it lost a bet:
                // wait until the blocker is valid.
                _ => Status::Dependent,
            };
            let was = std::mem::replace(&mut self.status[ju], verdict);
            if was == Status::Valid && verdict != Status::Valid {
                // Later transactions can no longer count on it: look at the
                // readers of what it wrote or read again.
                let rec = self.recorded[ju].as_ref().expect("executed");
                for a in rec.output.writes.iter().map(|w| &w.0).chain(rec.reads.iter().map(|r| &r.0)) {
                    readers_after(j, a, &self.versions, &self.readers, &self.status, &mut self.check);
                }
            }
            match verdict {
                // Settled: what waited on it is validated now (all later).
                Status::Valid => {
                    self.betting[ju] = false; // won
                    self.check.extend(self.waiting.remove(&j).unwrap_or_default());
                }
                Status::Pending => {
                    if blocker.is_some() {
                        self.betting[ju] = true;
                        self.stats.speculative += 1;
                    }
                    wave.push(j);
                }
                Status::Dependent => {
                    self.waiting.entry(blocker.expect("a dependent names its blocker")).or_default().push(j)
                }
            }
        }
        wave
    }

    /// Compares what `j` read with the map at its position.
    fn compare<S: StateRead>(&self, j: u32, state: &S) -> Check {
        let snapshot = Snapshot { base: state, versions: &self.versions };
        validate(j, &self.recorded, &self.status, &snapshot, &self.readers)
    }
}

/// What validating one transaction found.
struct Check {
    /// A value it read differs from what the map holds at its position.
    stale: bool,
    /// A transaction that is not valid wrote a value it read, having read
    /// that key's current value from a valid writer or storage itself
    /// (or not read it), or read such a key's current value between its
    /// writer and this one without writing it: it runs again for some
    /// other input, and the value may well hold (a credit does not change
    /// when the sender's balance does).
    bet_on: Option<u32>,
    /// A transaction that is not valid whose value is likely to change or
    /// is not there yet: any other writer of a value it read, or one that
    /// read the key stale between the writer and this one without writing
    /// it (it may write it when it runs again: a sender whose nonce was
    /// wrong in wave 0 wrote nothing).
    wait_for: Option<u32>,
}

impl Check {
    /// The transaction to wait for, if it does not run.
    fn blocker(&self) -> Option<u32> {
        self.wait_for.or(self.bet_on)
    }
}

/// Compares what `j` read with the map at its position.
fn validate(
    j: u32,
    recorded: &[Option<Recorded>],
    status: &[Status],
    snapshot: &Snapshot<'_>,
    readers: &AHashMap<StateKey, BTreeSet<u32>>,
) -> Check {
    let rec = recorded[j as usize].as_ref().expect("executed before validated");
    let mut check = Check { stale: false, bet_on: None, wait_for: None };
    // Whether transaction `t` read `a`'s current value at its position,
    // from a valid writer or storage (or did not read it).
    let read_current = |t: u32, a: &StateKey| {
        let t_rec = recorded[t as usize].as_ref().expect("a reader or writer has executed");
        t_rec.reads.iter().filter(|r| r.0 == *a).all(|(x, v)| {
            let (w, now) = snapshot.lookup(x, t);
            now == *v && w.is_none_or(|w| status[w as usize] == Status::Valid)
        })
    };
    for (a, seen) in &rec.reads {
        let (writer, now) = snapshot.lookup(a, j);
        check.stale |= now != *seen;
        if let Some(w) = writer.filter(|&w| status[w as usize] != Status::Valid) {
            let slot = if read_current(w, a) { &mut check.bet_on } else { &mut check.wait_for };
            slot.get_or_insert(w);
        }
        if check.wait_for.is_none() {
            // The readers between the writer and `j` that are not valid
            // may write the key when they run again. One that read its
            // current value runs again for some other input and is a bet
            // (a transfer reads the high half of the recipient's balance
            // and rarely writes it); one that read it stale is waited for.
            let since = writer.map_or(0, |w| w + 1);
            let between = readers.get(a).into_iter().flat_map(|r| r.range(since..j).rev().copied());
            for p in between.filter(|&p| status[p as usize] != Status::Valid) {
                if read_current(p, a) {
                    check.bet_on.get_or_insert(p);
                } else {
                    check.wait_for = Some(p);
                    break;
                }
            }
        }
        if check.stale && check.wait_for.is_some() {
            break; // it waits, whatever the other reads say
        }
    }
    check
}

/// Sends the valid readers of `a` after `i`, up to the next writer, to
/// validation (the others are about to run again, or parked on a blocker
/// and validated when it settles).
fn readers_after(
    i: u32,
    a: &StateKey,
    versions: &AHashMap<StateKey, BTreeMap<u32, Felt>>,
    readers: &AHashMap<StateKey, BTreeSet<u32>>,
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
    versions: &mut AHashMap<StateKey, BTreeMap<u32, Felt>>,
    readers: &mut AHashMap<StateKey, BTreeSet<u32>>,
    status: &[Status],
    check: &mut BTreeSet<u32>,
) {
    let mut changed: Vec<StateKey> = Vec::new();
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
