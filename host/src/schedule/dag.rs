//! Dependency-graph execution from declared read/write sets, for CPU threads.
//!
//! Declared waves put a barrier between waves: a wave ends when its slowest
//! transaction does, and a wave of three transactions keeps the third thread
//! of three idle. Here each transaction instead starts as soon as every
//! earlier transaction it conflicts with has finished, whatever wave the
//! others are in.
//!
//! [`Graph::build`] finds those predecessors in one pass over the block, with
//! the index the wave planner uses: per key its last writer and the
//! readers since. A transaction depends on the last writer of every key
//! it declares, and on the readers since of every key it writes. That is
//! enough: an earlier writer of the key is a predecessor of the last one,
//! and an earlier reader one of the writer that followed it.
//!
//! Why the result is exactly the serial one: when transaction `j` reads
//! key `a`, every earlier writer of `a` has finished (they precede `j`
//! through the chain of writers), and no later writer has started (each
//! depends on `j`, directly or through the writers in between). So `a`'s
//! slot holds the value of the last writer before `j`, as in block order. Two
//! transactions that may run at once declare no common key written by
//! either, so they touch disjoint slots.

use super::{check_declared, ScheduleError};
use crate::exec::{AccessSet, BlockOutput, Blocked, Receipt, StateKey, StateView, Transaction};
use crate::state::StateRead;
use ahash::AHashMap;
use rayon::prelude::*;
use smallvec::SmallVec;
use starknet_types_core::felt::Felt;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// The conflict graph of a block: for each transaction, the number of
/// earlier transactions it waits for and the later ones that wait for it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Graph {
    /// Dense id of every declared key.
    keys: AHashMap<StateKey, u32>,
    /// Per transaction, how many predecessors it has.
    preds: Vec<u32>,
    /// Successors of transaction `t`: `succs[starts[t]..starts[t + 1]]`.
    starts: Vec<u32>,
    succs: Vec<u32>,
}

impl Graph {
    /// Builds the graph of `sets` (in block order): one pass, linear in the
    /// number of declared keys and edges.
    pub fn build(sets: &[AccessSet]) -> Graph {
        /// Per key: the last writer, and the readers since.
        #[derive(Default)]
        struct Last {
            writer: Option<u32>,
            readers: SmallVec<[u32; 4]>,
        }
        let mut keys: AHashMap<StateKey, u32> = AHashMap::new();
        let mut last: Vec<Last> = Vec::new();
        let mut edges: Vec<(u32, u32)> = Vec::new();
        let mut preds = Vec::with_capacity(sets.len());
        let mut mine: SmallVec<[u32; 8]> = SmallVec::new();
        for (j, set) in sets.iter().enumerate() {
            let j = j as u32;
            let mut id = |a: &StateKey| {
                let next = keys.len() as u32;
                let id = *keys.entry(*a).or_insert(next);
                if id == next {
                    last.push(Last::default());
                }
                id as usize
            };
            mine.clear();
            let (writes, reads): (SmallVec<[usize; 4]>, SmallVec<[usize; 4]>) =
                (set.writes.iter().map(&mut id).collect(), set.reads.iter().map(&mut id).collect());
            for &a in &writes {
                mine.extend(last[a].writer);
                mine.extend_from_slice(&last[a].readers);
            }
            for &a in &reads {
                mine.extend(last[a].writer);
            }
            mine.sort_unstable();
            mine.dedup();
            preds.push(mine.len() as u32);
            edges.extend(mine.iter().map(|&p| (p, j)));
            for &a in &writes {
                last[a].writer = Some(j);
                last[a].readers.clear();
            }
            for &a in &reads {
                last[a].readers.push(j);
            }
        }
        // Successor lists side by side (a counting sort of the edges by
        // predecessor; each list stays in block order).
        let mut starts = vec![0u32; sets.len() + 1];
        for &(p, _) in &edges {
            starts[p as usize + 1] += 1;
        }
        for t in 0..sets.len() {
            starts[t + 1] += starts[t];
        }
        let mut fill = starts.clone();
        let mut succs = vec![0u32; edges.len()];
        for &(p, s) in &edges {
            succs[fill[p as usize] as usize] = s;
            fill[p as usize] += 1;
        }
        Graph { keys, preds, starts, succs }
    }

    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.preds.len()
    }

    /// Whether the block is empty.
    pub fn is_empty(&self) -> bool {
        self.preds.is_empty()
    }

    /// Number of edges (pairs of a transaction and a direct predecessor).
    pub fn edges(&self) -> usize {
        self.succs.len()
    }

    /// The transactions that wait for `txn`, in block order.
    pub fn successors(&self, txn: usize) -> &[u32] {
        &self.succs[self.starts[txn] as usize..self.starts[txn + 1] as usize]
    }

    /// Length of the longest chain of dependent transactions: the number of
    /// declared waves.
    pub fn depth(&self) -> usize {
        let mut level = vec![0u32; self.len()];
        let mut depth = 0;
        for t in 0..self.len() {
            depth = depth.max(level[t] + 1);
            for &s in self.successors(t) {
                level[s as usize] = level[s as usize].max(level[t] + 1);
            }
        }
        depth as usize
    }
}

/// A transaction's receipt, or why its declared set did not hold.
type TxResult = Result<Receipt, ScheduleError>;

/// What the workers share.
struct Run<'a, T, S: ?Sized> {
    block: &'a [T],
    sets: &'a [AccessSet],
    graph: &'a Graph,
    base: &'a S,
    /// Predecessors not finished yet, per transaction.
    waiting: Box<[AtomicU32]>,
    /// The latest value of each declared key (`None`: not written yet).
    values: Box<[Mutex<Option<Felt>>]>,
    /// Each transaction's receipt, or its error.
    results: Box<[Mutex<Option<TxResult>>]>,
}

/// A transaction's view: its declared keys' slots over the base state.
struct DagView<'r, 'a, T, S: ?Sized> {
    run: &'r Run<'a, T, S>,
    set: &'a AccessSet,
    undeclared: Option<StateKey>,
}

impl<T, S: StateRead + ?Sized> StateView for DagView<'_, '_, T, S> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        if !self.set.covers(key) {
            // Not ordered against anyone: note it, and read only the base.
            self.undeclared.get_or_insert(*key);
            return Ok(self.run.base.get(key));
        }
        let id = self.run.graph.keys[key] as usize;
        let value = *self.run.values[id].lock().expect("no worker panics holding a value");
        Ok(value.unwrap_or_else(|| self.run.base.get(key)))
    }
}

impl<T: Transaction, S: StateRead + ?Sized> Run<'_, T, S> {
    /// Executes `txn` and then, on this thread, one successor it made ready
    /// (spawning the others), and so on down the chain.
    fn execute<'s>(&'s self, mut txn: usize, scope: &rayon::Scope<'s>) {
        loop {
            let set = &self.sets[txn];
            let mut view = DagView { run: self, set, undeclared: None };
            let out = self.block[txn].execute(&mut view).expect("a declared view never blocks");
            let result = check_declared(txn, set, view.undeclared, &out).map(|()| {
                for (a, v) in &out.writes {
                    *self.values[self.graph.keys[a] as usize].lock().expect("no panics") = Some(*v);
                }
                out.receipt
            });
            *self.results[txn].lock().expect("no panics") = Some(result);
            // The release half of the decrement publishes this
            // transaction's writes to the successor that takes the count to
            // zero (its acquire half), which then reads them.
            let mut next = None;
            for &s in self.graph.successors(txn) {
                if self.waiting[s as usize].fetch_sub(1, Ordering::AcqRel) == 1 {
                    match next {
                        None => next = Some(s as usize),
                        Some(_) => scope.spawn(move |scope| self.execute(s as usize, scope)),
                    }
                }
            }
            match next {
                Some(s) => txn = s,
                None => return,
            }
        }
    }
}

/// Executes `block` on the current rayon pool, each transaction as soon as
/// the earlier ones it conflicts with (by `sets`, its declared read/write
/// sets) have finished. Builds the conflict graph first; see [`Graph`]. A
/// transaction touching a key outside its declared set is an error
/// (the lowest such transaction is reported).
pub fn execute_dag<T: Transaction, S: StateRead + ?Sized>(
    state: &S,
    block: &[T],
    sets: &[AccessSet],
) -> Result<BlockOutput, ScheduleError> {
    if sets.len() < block.len() {
        return Err(ScheduleError::NotDeclared { txn: sets.len() });
    }
    let graph = Graph::build(&sets[..block.len()]);
    let run = Run {
        block,
        sets,
        graph: &graph,
        base: state,
        waiting: graph.preds.iter().map(|&p| AtomicU32::new(p)).collect(),
        values: (0..graph.keys.len()).map(|_| Mutex::new(None)).collect(),
        results: (0..block.len()).map(|_| Mutex::new(None)).collect(),
    };
    let roots: Vec<usize> = (0..block.len()).filter(|&t| graph.preds[t] == 0).collect();
    // The roots are split among the threads like any parallel loop (no task
    // of its own per root); what they make ready runs inline or is spawned
    // into the scope, which waits for all of it.
    rayon::scope(|scope| roots.par_iter().for_each(|&t| run.execute(t, scope)));
    let Run { values, results, .. } = run;
    let receipts = Vec::from(results)
        .into_iter()
        .enumerate()
        .map(|(t, r)| r.into_inner().expect("no panics").ok_or(ScheduleError::NotScheduled { txn: t })?)
        .collect::<Result<Vec<_>, _>>()?;
    let values: Vec<Option<Felt>> = Vec::from(values).into_iter().map(|v| v.into_inner().expect("no panics")).collect();
    let delta = graph.keys.iter().filter_map(|(a, &id)| values[id as usize].map(|v| (*a, v))).collect();
    Ok(BlockOutput { receipts, delta })
}
