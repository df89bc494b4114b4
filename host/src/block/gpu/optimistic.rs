//! Optimistic waves on the GPU: a [`WaveBackend`] whose waves are jobs in
//! recorded mode.
//!
//! The scheduler (`schedule::optimistic`) validates on the host; each wave
//! it asks for runs here as one dispatch. A job reads each role where the
//! snapshot says its value is: the resident table for the pre-block value,
//! or the history buffer for a value an earlier execution of this block
//! wrote — every execution writes its outputs to a fresh history range, so
//! the next wave's inputs are read on the device, and no value goes back
//! up. Only a value that no execution on the device wrote (one a CPU
//! transaction wrote) is uploaded into the history. The receipts and the
//! written entries come down for validation.
//!
//! At the end of each segment the final value of every resident key the
//! segment wrote is copied from the history into the table on the device.

use super::{credit, first_touch, Device, DeviceError, DeviceStats};
use crate::block::fees::RunCounters;
use crate::exec::{BlockOutput, StateKey, Transaction};
use crate::exec::{FeeSink, Program};
use crate::schedule::optimistic::{execute_optimistic, CpuWaves, Recorded, Snapshot, WaveBackend};
use crate::state::{Overlay, StateRead};
use ahash::AHashMap;
use starknet_types_core::felt::Felt;
use std::cell::RefCell;
use wavelane_kernels::gpu::GpuError;
use wavelane_kernels::native::{JobMode, FROM_HISTORY, SLOTS};
use wavelane_kernels::Fe;

/// What the backend keeps across the waves of one segment.
#[derive(Default)]
struct History {
    /// Entries of the history buffer in use.
    len: u32,
    /// Where a value of a key sits in the history (any entry holding it).
    at: AHashMap<(StateKey, Felt), u32>,
    /// The first device failure; later waves run on the CPU.
    failed: Option<GpuError>,
    /// Set when a transaction run on the CPU read the sequencer's balance
    /// after the first of its segment (the fee credit would be due).
    read_sink: bool,
    stats: DeviceStats,
}

struct GpuWaves<'a> {
    dev: RefCell<&'a mut Device>,
    /// The segment's transactions as data (by index in the segment).
    programs: &'a [Option<Program>],
    history: RefCell<History>,
    sink: &'a FeeSink,
}

impl WaveBackend for GpuWaves<'_> {
    fn execute_wave<T: Transaction>(&self, block: &[T], wave: &[u32], snapshot: &Snapshot<'_>) -> Vec<Recorded> {
        if self.history.borrow().failed.is_some() {
            return CpuWaves.execute_wave(block, wave, snapshot);
        }
        match self.try_wave(block, wave, snapshot) {
            Ok(r) => r,
            Err(e) => {
                self.history.borrow_mut().failed = Some(e);
                CpuWaves.execute_wave(block, wave, snapshot)
            }
        }
    }
}

impl GpuWaves<'_> {
    fn try_wave<T: Transaction>(
        &self,
        block: &[T],
        wave: &[u32],
        snapshot: &Snapshot<'_>,
    ) -> Result<Vec<Recorded>, GpuError> {
        let mut dev = self.dev.borrow_mut();
        let dev = &mut **dev;
        let mut h = self.history.borrow_mut();
        let mut results: Vec<Option<Recorded>> = vec![None; wave.len()];
        let mut jobs = Vec::new();
        let mut placed: Vec<(usize, u32, &Program)> = Vec::new(); // (position in wave, txn, program)
        let upload_at = h.len;
        let mut uploads: Vec<Fe> = Vec::new();
        for (pos, &i) in wave.iter().enumerate() {
            match &self.programs[i as usize] {
                Some(p) => {
                    let job = p.job(|_, k| match snapshot.lookup(k, i) {
                        (None, _) => dev.slot(k),
                        (Some(_), v) => {
                            let at = match h.at.get(&(*k, v)) {
                                Some(&at) => at,
                                None => {
                                    let at = upload_at + uploads.len() as u32;
                                    uploads.push(Fe::from_felt(&v));
                                    h.at.insert((*k, v), at);
                                    at
                                }
                            };
                            FROM_HISTORY | at
                        }
                    });
                    jobs.push(job);
                    placed.push((pos, i, p));
                }
                None => {
                    let mut view = snapshot.view(i);
                    let output = block[i as usize].execute(&mut view).expect("a snapshot never blocks");
                    let reads = view.into_reads();
                    if i > 0 && reads.iter().any(|r| self.sink.holds(&r.0)) {
                        h.read_sink = true;
                    }
                    h.stats.cpu_transactions += 1;
                    results[pos] = Some(Recorded { reads, output });
                }
            }
        }
        if !jobs.is_empty() {
            let out_base = upload_at + uploads.len() as u32;
            h.len = out_base + (jobs.len() * SLOTS) as u32;
            dev.run.ensure_history(h.len)?;
            dev.run.write_history(upload_at, &uploads)?;
            dev.run.upload_jobs(&jobs);
            h.stats.input_bytes += (jobs.len() * std::mem::size_of_val(&jobs[0])) as u64;
            let seconds = dev.run.dispatch(&dev.table, 0, jobs.len() as u32, JobMode::Recorded { out_base })?;
            h.stats.kernel_seconds += seconds.unwrap_or(0.0);
            let receipts = dev.run.receipts(0, jobs.len() as u32)?;
            h.stats.receipt_bytes += receipts.len() as u64 * 48;
            // The written roles, as runs of consecutive history entries.
            let mut ranges: Vec<(u32, u32)> = Vec::new();
            for (q, r) in receipts.iter().enumerate() {
                for j in (0..SLOTS).filter(|&j| r.wrote(j)) {
                    let at = out_base + (q * SLOTS + j) as u32;
                    match ranges.last_mut() {
                        Some(last) if last.0 + last.1 == at => last.1 += 1,
                        _ => ranges.push((at, 1)),
                    }
                }
            }
            let values = if ranges.is_empty() { Vec::new() } else { dev.run.read_history(&ranges)? };
            h.stats.written_bytes += values.len() as u64 * 32;
            let mut values = values.into_iter();
            for ((pos, i, p), (q, r)) in placed.into_iter().zip(receipts.iter().enumerate()) {
                let mut written = [Felt::ZERO; SLOTS];
                for (j, w) in written.iter_mut().enumerate().filter(|(j, _)| r.wrote(*j)) {
                    *w = values.next().expect("one value per written role").to_felt();
                    let key = p.keys[j].expect("a written role is used");
                    h.at.insert((key, *w), out_base + (q * SLOTS + j) as u32);
                }
                let reads = p.reads(r).map(|(_, k)| (k, snapshot.value_at(&k, i))).collect();
                let output = p.output(r, |j| written[j]);
                results[pos] = Some(Recorded { reads, output });
            }
        }
        Ok(results.into_iter().map(|r| r.expect("every transaction of the wave ran")).collect())
    }
}

/// Runs `block` in optimistic waves on the device over `state`'s resident
/// values; returns the output, the counters, the device's statistics and
/// the keys the block touched (block order).
pub(crate) fn run_optimistic<T: Transaction, S: StateRead + ?Sized>(
    dev: &mut Device,
    state: &S,
    block: &[T],
    sink: &FeeSink,
) -> Result<(BlockOutput, RunCounters, DeviceStats, Vec<StateKey>), DeviceError> {
    let programs: Vec<Option<Program>> = block.iter().map(Transaction::program).collect();
    let known = |i: usize| -> Vec<StateKey> {
        match &programs[i] {
            Some(p) => p.used_keys().collect(),
            None => block[i].declared().map(|s| s.writes.into_iter().chain(s.reads).collect()).unwrap_or_default(),
        }
    };
    let keys = first_touch((0..block.len()).flat_map(known));
    let mut stats = DeviceStats::default();
    let loads = dev.load(&keys, state, &mut stats)?;
    match segments(dev, state, block, &programs, sink, &mut stats) {
        Ok((out, counters)) => {
            // Keys a transaction without a declared set touched are known
            // now: what it wrote.
            let mut extra: Vec<StateKey> = Vec::new();
            if (0..block.len()).any(|i| programs[i].is_none() && block[i].declared().is_none()) {
                extra = out.delta.keys().copied().filter(|k| dev.residency.slot(k).is_none()).collect();
                extra.sort_unstable();
            }
            Ok((out, counters, stats, first_touch(keys.into_iter().chain(extra))))
        }
        Err(e) => {
            dev.restore(&keys, &loads, state)?;
            Err(e)
        }
    }
}

fn segments<T: Transaction, S: StateRead + ?Sized>(
    dev: &mut Device,
    state: &S,
    block: &[T],
    programs: &[Option<Program>],
    sink: &FeeSink,
    stats: &mut DeviceStats,
) -> Result<(BlockOutput, RunCounters), DeviceError> {
    let cells = *sink.cells();
    let touches_sink = |i: usize| programs[i].as_ref().is_some_and(|p| p.touches(&cells));
    let mut counters = RunCounters::default();
    let mut acc = BlockOutput::default();
    let mut start = 0;
    while start < block.len() {
        let end = (start + 1..block.len()).find(|&i| touches_sink(i)).unwrap_or(block.len());
        if start > 0 {
            counters.splits += 1;
        }
        let backend = GpuWaves {
            dev: RefCell::new(&mut *dev),
            programs: &programs[start..end],
            history: RefCell::new(History::default()),
            sink,
        };
        let (out, s) = {
            let base = Overlay { base: state, delta: &acc.delta };
            execute_optimistic(&base, &block[start..end], &backend)
        };
        let h = backend.history.into_inner();
        if let Some(e) = h.failed {
            return Err(DeviceError::Gpu(e));
        }
        if h.read_sink {
            return Err(DeviceError::Unsupported(
                "a transaction that is not a program read the sequencer's balance".into(),
            ));
        }
        add(stats, &h.stats);
        counters.executions += s.executions;
        counters.validations += s.validations;
        counters.waves += s.waves;
        // The segment's final values into the table: from the history on
        // the device, or uploaded when no device execution wrote them.
        let (mut pairs, mut uploads) = (Vec::new(), Vec::new());
        for (k, v) in &out.delta {
            if let Some(slot) = dev.residency.slot(k) {
                match h.at.get(&(*k, *v)) {
                    Some(&at) => pairs.push((slot, at)),
                    None => uploads.push((*k, *v)),
                }
            }
        }
        pairs.sort_unstable();
        uploads.sort_unstable();
        dev.run.copy_history_to_table(&dev.table, &pairs);
        dev.write(&uploads)?;
        let fees = out.fees();
        acc.receipts.extend(out.receipts);
        acc.delta.extend(out.delta);
        credit(dev, &mut acc, state, sink, fees)?;
        start = end;
    }
    Ok((acc, counters))
}

fn add(to: &mut DeviceStats, from: &DeviceStats) {
    to.cpu_transactions += from.cpu_transactions;
    to.input_bytes += from.input_bytes;
    to.receipt_bytes += from.receipt_bytes;
    to.written_bytes += from.written_bytes;
    to.kernel_seconds += from.kernel_seconds;
}
