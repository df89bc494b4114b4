//! Waves from declared read/write sets.
//!
//! Each transaction goes into the earliest wave after every earlier
//! transaction it conflicts with (write-write, write-read, read-write;
//! read-read is no conflict). One pass over the block with an index holding,
//! per key, the wave of its last writer and the latest wave of its
//! readers since: O(total declared keys), no pairwise checks.
//!
//! Two transactions of one wave never conflict, and for each key its
//! writers sit in increasing waves in block order, so running the waves in
//! order — each wave in parallel against the state left by the previous
//! ones — gives exactly the serial result.

use super::{check_declared, ScheduleError};
use crate::exec::{AccessSet, BlockOutput, Blocked, StateKey, StateView, Transaction, TxOutput};
use crate::state::{Overlay, StateRead};
use ahash::AHashMap;
use rayon::prelude::*;
use starknet_types_core::felt::Felt;

/// A partition of a block into waves of transaction indices (each wave in
/// block order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Waves {
    waves: Vec<Vec<u32>>,
}

impl Waves {
    /// The waves, in execution order.
    pub fn waves(&self) -> &[Vec<u32>] {
        &self.waves
    }

    /// Number of waves.
    pub fn len(&self) -> usize {
        self.waves.len()
    }

    /// Whether there is no wave (an empty block).
    pub fn is_empty(&self) -> bool {
        self.waves.is_empty()
    }
}

/// Last writer's wave and latest reader's wave since, per key (-1: none).
#[derive(Clone, Copy)]
struct Slot {
    writer: i32,
    reader: i32,
}

/// Places each access set (in block order) in its earliest wave.
pub fn plan<'a>(sets: impl IntoIterator<Item = &'a AccessSet>) -> Waves {
    let mut index: AHashMap<StateKey, Slot> = AHashMap::new();
    let mut waves: Vec<Vec<u32>> = Vec::new();
    let none = Slot { writer: -1, reader: -1 };
    for (i, set) in sets.into_iter().enumerate() {
        let mut wave = 0i32;
        for a in &set.writes {
            if let Some(s) = index.get(a) {
                wave = wave.max(s.writer + 1).max(s.reader + 1);
            }
        }
        for a in &set.reads {
            if let Some(s) = index.get(a) {
                wave = wave.max(s.writer + 1);
            }
        }
        for a in &set.writes {
            let s = index.entry(*a).or_insert(none);
            s.writer = wave;
            s.reader = -1; // every earlier reader sits in a wave before this one
        }
        for a in &set.reads {
            let s = index.entry(*a).or_insert(none);
            s.reader = s.reader.max(wave);
        }
        let w = wave as usize;
        if waves.len() <= w {
            waves.resize_with(w + 1, Vec::new);
        }
        waves[w].push(i as u32);
    }
    Waves { waves }
}

/// The declared sets of a block, or the first transaction without one.
pub fn declared_sets<T: Transaction>(block: &[T]) -> Result<Vec<AccessSet>, ScheduleError> {
    block.iter().enumerate().map(|(i, t)| t.declared().ok_or(ScheduleError::NotDeclared { txn: i })).collect()
}

/// A view that refuses nothing but notes the first undeclared read.
struct CheckedView<'a, S: ?Sized> {
    state: Overlay<'a, S>,
    declared: &'a AccessSet,
    undeclared: Option<StateKey>,
}

impl<S: StateRead + ?Sized> StateView for CheckedView<'_, S> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        if !self.declared.covers(key) && self.undeclared.is_none() {
            self.undeclared = Some(*key);
        }
        Ok(self.state.get(key))
    }
}

/// Executes `block` wave by wave (each wave in parallel on the current rayon
/// pool) on top of `state`. A transaction touching a key outside its
/// declared set is an error.
pub fn execute_waves<T: Transaction, S: StateRead + ?Sized>(
    state: &S,
    block: &[T],
    sets: &[AccessSet],
    waves: &Waves,
) -> Result<BlockOutput, ScheduleError> {
    let mut delta: AHashMap<StateKey, Felt> = AHashMap::new();
    let mut receipts = vec![None; block.len()];
    for wave in &waves.waves {
        let mut span = wavelane_kernels::trace::span("wave");
        span.arg("transactions", wave.len() as f64);
        let outputs: Vec<Result<TxOutput, ScheduleError>> = wave
            .par_iter()
            .map(|&i| {
                let i = i as usize;
                let mut view =
                    CheckedView { state: Overlay { base: state, delta: &delta }, declared: &sets[i], undeclared: None };
                let out = block[i].execute(&mut view).expect("a wave view never blocks");
                check_declared(i, &sets[i], view.undeclared, &out).map(|()| out)
            })
            .collect();
        for (&i, out) in wave.iter().zip(outputs) {
            let out = out?;
            delta.extend(out.writes);
            receipts[i as usize] = Some(out.receipt);
        }
    }
    let receipts = receipts
        .into_iter()
        .enumerate()
        .map(|(i, r)| r.ok_or(ScheduleError::NotScheduled { txn: i }))
        .collect::<Result<_, _>>()?;
    Ok(BlockOutput { receipts, delta })
}
