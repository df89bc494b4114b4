//! Declared waves on the GPU: one dispatch per wave, in place over the
//! resident table.
//!
//! The block's keys are loaded first (the cold ones), then each segment
//! (see `mod.rs`: a transaction touching the sequencer's balance starts
//! one) is planned into waves from the declared sets, its jobs uploaded in
//! wave order once, and each wave is one dispatch over a contiguous range
//! of them. Two transactions of a wave never share a key, so the jobs
//! write the table in place; a wave's transactions that are not programs
//! run on the CPU after its dispatch, on their keys' values read back,
//! and their writes go up before the next wave. At the end the receipts
//! and the written entries come down.

use super::{credit, first_touch, Device, DeviceError, DeviceStats};
use crate::block::fees::RunCounters;
use crate::exec::{AccessSet, BlockOutput, Blocked, Receipt, StateKey, StateView, Transaction, TxOutput, U256};
use crate::exec::{FeeSink, Program};
use crate::schedule::waves::{declared_sets, plan};
use crate::schedule::ScheduleError;
use crate::state::StateRead;
use ahash::AHashMap;
use starknet_types_core::felt::Felt;
use wavelane_kernels::native::{Job, JobMode, SLOTS};
use wavelane_kernels::trace;

/// A view over values read back from the device, noting the first read
/// outside the declared set (which is then an error).
struct DeclaredView<'a, S: ?Sized> {
    values: &'a AHashMap<StateKey, Felt>,
    state: &'a S,
    undeclared: Option<StateKey>,
}

impl<S: StateRead + ?Sized> StateView for DeclaredView<'_, S> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        match self.values.get(key) {
            Some(v) => Ok(*v),
            None => {
                self.undeclared.get_or_insert(*key);
                Ok(self.state.get(key))
            }
        }
    }
}

/// Runs `block` (declared sets required) on the device over `state`'s
/// resident values. The device holds the post-block values of the
/// block's keys afterwards, unless the block is refused (then they are put
/// back).
pub(crate) fn run_declared<T: Transaction, S: StateRead + ?Sized>(
    dev: &mut Device,
    state: &S,
    block: &[T],
    sink: &FeeSink,
) -> Result<(BlockOutput, RunCounters, DeviceStats, Vec<StateKey>), DeviceError> {
    let mut counters = RunCounters::default();
    let mut stats = DeviceStats::default();
    let sets = {
        let _s = trace::span("schedule");
        declared_sets(block)?
    };
    let programs: Vec<Option<Program>> = block.iter().map(Transaction::program).collect();
    // A program's roles are its declared writes; they are listed too, so
    // that a program whose declared set left one out still finds it.
    let keys = first_touch(
        sets.iter()
            .flat_map(|s| s.writes.iter().chain(&s.reads).copied())
            .chain(programs.iter().flatten().flat_map(Program::used_keys)),
    );
    let loads = {
        let _s = trace::span("gpu.load");
        dev.load(&keys, state, &mut stats)?
    };
    match run_segments(dev, state, block, &sets, &programs, sink, &mut counters, &mut stats) {
        Ok(out) => Ok((out, counters, stats, keys)),
        Err(e) => {
            // The device may hold some of the block's writes: put the
            // pre-block values back (if the device still answers).
            if let DeviceError::Schedule(_) = e {
                dev.restore(&keys, &loads, state)?;
            }
            Err(e)
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run_segments<T: Transaction, S: StateRead + ?Sized>(
    dev: &mut Device,
    state: &S,
    block: &[T],
    sets: &[AccessSet],
    programs: &[Option<Program>],
    sink: &FeeSink,
    counters: &mut RunCounters,
    stats: &mut DeviceStats,
) -> Result<BlockOutput, DeviceError> {
    let sink_cells = *sink.cells();
    let touches_sink = |i: usize| sets[i].writes.iter().chain(&sets[i].reads).any(|k| sink_cells.contains(k));
    let mut receipts: Vec<Option<Receipt>> = vec![None; block.len()];
    let mut acc = BlockOutput::default();
    // Keys written on the device (by jobs or by CPU transactions).
    let mut written: Vec<StateKey> = Vec::new();
    let mut start = 0;
    while start < block.len() {
        let end = (start + 1..block.len()).find(|&i| touches_sink(i)).unwrap_or(block.len());
        if start > 0 {
            counters.splits += 1;
        }
        let t = std::time::Instant::now();
        let waves = {
            let _s = trace::span("schedule");
            plan(&sets[start..end])
        };
        counters.schedule += t.elapsed().as_secs_f64();
        counters.waves += waves.len() as u64;
        counters.executions += (end - start) as u64;
        // Jobs in wave order; each wave's jobs are one range.
        let mut jobs: Vec<Job> = Vec::new();
        let mut job_tx: Vec<usize> = Vec::new();
        let mut ranges = Vec::with_capacity(waves.len());
        for wave in waves.waves() {
            let first = jobs.len();
            for &i in wave {
                let i = start + i as usize;
                if let Some(p) = &programs[i] {
                    jobs.push(p.job(|_, k| dev.slot(k)));
                    job_tx.push(i);
                }
            }
            ranges.push((first, jobs.len()));
        }
        stats.input_bytes += (jobs.len() * std::mem::size_of::<Job>()) as u64;
        dev.run.upload_jobs(&jobs);
        for (wave, &(first, last)) in waves.waves().iter().zip(&ranges) {
            let mut span = trace::span("wave");
            span.arg("transactions", wave.len() as f64);
            if last > first {
                let seconds = dev.run.dispatch(&dev.table, first as u32, (last - first) as u32, JobMode::InPlace)?;
                stats.kernel_seconds += seconds.unwrap_or(0.0);
            }
            for &i in wave {
                let i = start + i as usize;
                if programs[i].is_none() {
                    let out = run_on_cpu(dev, state, &block[i], &sets[i], i)?;
                    stats.cpu_transactions += 1;
                    written.extend(out.writes.iter().map(|w| w.0));
                    receipts[i] = Some(out.receipt);
                }
            }
        }
        let got = dev.run.receipts(0, jobs.len() as u32)?;
        stats.receipt_bytes += got.len() as u64 * 48;
        for (r, &i) in got.iter().zip(&job_tx) {
            let p = programs[i].as_ref().expect("a job is a program");
            written.extend((0..SLOTS).filter(|&j| r.wrote(j)).map(|j| p.keys[j].expect("a written role is used")));
            receipts[i] = Some(p.receipt(r));
        }
        let fees = receipts[start..end]
            .iter()
            .map(|r| U256::from(r.as_ref().expect("every transaction ran").fee))
            .fold(U256::ZERO, U256::saturating_add);
        credit(dev, &mut acc, state, sink, fees)?;
        start = end;
    }
    let written = super::first_touch(written);
    let values = dev.read(&written)?;
    stats.written_bytes += written.len() as u64 * 32;
    acc.delta.extend(written.into_iter().zip(values));
    acc.receipts = receipts.into_iter().map(|r| r.expect("every transaction ran")).collect();
    Ok(acc)
}

/// Runs a transaction that is not a program on the CPU: its declared keys'
/// values from the device, its writes back to it.
fn run_on_cpu<T: Transaction, S: StateRead + ?Sized>(
    dev: &mut Device,
    state: &S,
    tx: &T,
    set: &AccessSet,
    index: usize,
) -> Result<TxOutput, DeviceError> {
    let keys: Vec<StateKey> = set.writes.iter().chain(&set.reads).copied().collect();
    let values: AHashMap<StateKey, Felt> = keys.iter().copied().zip(dev.read(&keys)?).collect();
    let mut view = DeclaredView { values: &values, state, undeclared: None };
    let out = tx.execute(&mut view).expect("a device view never blocks");
    if let Some(key) = view.undeclared.or_else(|| out.writes.iter().map(|w| w.0).find(|k| !set.writes.contains(k))) {
        return Err(ScheduleError::Undeclared { txn: index, key }.into());
    }
    dev.write(&out.writes)?;
    Ok(out)
}
