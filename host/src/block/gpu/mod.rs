//! Blocks on the GPU over the device-resident state table.
//!
//! The device keeps, between blocks, the value of every hot state key (the
//! Cold LRU's hot set, [`Residency`]) in one table of felts
//! ([`DeviceTable`]). A block of native programs runs as data
//! ([`crate::exec::Program`] → [`Job`]) over that table:
//!
//! * **upload**: the jobs (136 bytes each: kind, slots, nonce, fee,
//!   amounts) and the values of the block's cold keys (36 bytes each);
//! * **execute**: declared waves in place, one dispatch per wave
//!   (`declared.rs`), or optimistic waves recording into a history buffer
//!   that the next wave reads on the device (`optimistic.rs`);
//! * **download**: the receipts (48 bytes each) and the entries the block
//!   wrote (32 bytes each), which are the diff.
//!
//! Transactions that are not programs run on the CPU in the same wave:
//! their keys' values come down, their writes go up. The fee credit
//! follows `fees.rs`: a transaction whose keys include the sequencer's
//! balance starts a new segment, and each segment's fees are credited on
//! the device before the next one runs, so the result is always
//! [`crate::exec::execute_serial_with_fees`].
//!
//! After the block the LRU is updated and the keys gone cold are evicted,
//! so the resident set is the hot set again (`Residency::settle`).

mod declared;
mod optimistic;

pub(crate) use declared::run_declared;
pub(crate) use optimistic::run_optimistic;

use super::DeviceStats;
use crate::exec::{BlockOutput, FeeSink, StateKey, U256};
use crate::schedule::ScheduleError;
use crate::state::{Residency, StateRead, RESIDENT_ENTRY_BYTES};
use starknet_types_core::felt::Felt;
use wavelane_kernels::gpu::GpuError;
use wavelane_kernels::native::{DeviceTable, JobRun};
use wavelane_kernels::Fe;

/// Why the GPU path did not finish a block.
#[derive(Debug)]
pub(crate) enum DeviceError {
    /// The block is refused (as on the CPU).
    Schedule(ScheduleError),
    /// The device failed; the block runs on the CPU instead.
    Gpu(GpuError),
    /// The block needs what the device path does not do; it runs on the
    /// CPU instead.
    Unsupported(String),
}

impl From<GpuError> for DeviceError {
    fn from(e: GpuError) -> DeviceError {
        DeviceError::Gpu(e)
    }
}

impl From<ScheduleError> for DeviceError {
    fn from(e: ScheduleError) -> DeviceError {
        DeviceError::Schedule(e)
    }
}

/// The device table, its index and the job buffers.
pub(crate) struct Device {
    pub(crate) residency: Residency,
    table: DeviceTable,
    run: JobRun,
}

impl Device {
    /// An empty table keeping `cache_size` bytes of entries hot.
    pub(crate) fn new(cache_size: u64) -> Result<Device, GpuError> {
        Ok(Device { residency: Residency::new(cache_size), table: DeviceTable::new(1024)?, run: JobRun::new()? })
    }

    /// The table's device buffer (the commit reads storage leaves there).
    pub(crate) fn table_buffer(&self) -> &wavelane_kernels::trie::DeviceBuffer {
        self.table.buffer()
    }

    fn slot(&self, key: &StateKey) -> u32 {
        self.residency.slot(key).expect("the block's keys are resident")
    }

    fn grow(&mut self) -> Result<(), GpuError> {
        let need = self.residency.high_water();
        if need > self.table.capacity() {
            self.table.grow(need.next_power_of_two())?;
        }
        Ok(())
    }

    /// Makes `keys` resident, uploading the values `state` holds for the
    /// cold ones; adds the counts to `stats`.
    fn load<S: StateRead + ?Sized>(
        &mut self,
        keys: &[StateKey],
        state: &S,
        stats: &mut DeviceStats,
    ) -> Result<Vec<(StateKey, u32)>, GpuError> {
        let loads = self.residency.load(keys.iter().copied());
        stats.touched += keys.len() as u64;
        stats.cold_loads += loads.len() as u64;
        stats.hot_hits += (keys.len() - loads.len()) as u64;
        stats.cold_bytes += loads.len() as u64 * RESIDENT_ENTRY_BYTES;
        self.upload(&loads, state)?;
        Ok(loads)
    }

    fn upload<S: StateRead + ?Sized>(&mut self, loads: &[(StateKey, u32)], state: &S) -> Result<(), GpuError> {
        if loads.is_empty() {
            return Ok(());
        }
        self.grow()?;
        let slots: Vec<u32> = loads.iter().map(|l| l.1).collect();
        let values: Vec<Fe> = loads.iter().map(|l| Fe::from_felt(&state.get(&l.0))).collect();
        self.table.write(&slots, &values);
        Ok(())
    }

    /// Writes `values` at the resident `keys`.
    fn write(&mut self, entries: &[(StateKey, Felt)]) -> Result<(), GpuError> {
        let (slots, values): (Vec<u32>, Vec<Fe>) =
            entries.iter().map(|(k, v)| (self.slot(k), Fe::from_felt(v))).unzip();
        self.table.write(&slots, &values);
        Ok(())
    }

    /// The values of the resident `keys`.
    fn read(&self, keys: &[StateKey]) -> Result<Vec<Felt>, GpuError> {
        let slots: Vec<u32> = keys.iter().map(|k| self.slot(k)).collect();
        Ok(self.table.read(&slots)?.into_iter().map(Fe::to_felt).collect())
    }

    /// After the block (its post-state in `state`): touches the block's
    /// keys in the LRU, evicts the cold ones and loads hot ones not yet
    /// resident.
    pub(crate) fn settle<S: StateRead + ?Sized>(
        &mut self,
        touches: &[StateKey],
        state: &S,
        stats: &mut DeviceStats,
    ) -> Result<(), GpuError> {
        let settled = self.residency.settle(touches.iter().copied());
        stats.evictions += settled.evicted.len() as u64;
        stats.touched += settled.loads.len() as u64;
        stats.cold_loads += settled.loads.len() as u64;
        stats.cold_bytes += settled.loads.len() as u64 * RESIDENT_ENTRY_BYTES;
        self.upload(&settled.loads, state)?;
        stats.resident = self.residency.len() as u64;
        Ok(())
    }

    /// Undoes a refused block: the keys it loaded leave the table, and the
    /// others of `keys` get their pre-block values back.
    fn restore<S: StateRead + ?Sized>(
        &mut self,
        keys: &[StateKey],
        loads: &[(StateKey, u32)],
        state: &S,
    ) -> Result<(), GpuError> {
        self.residency.unload(loads);
        let entries: Vec<(StateKey, Felt)> =
            keys.iter().filter(|k| self.residency.slot(k).is_some()).map(|k| (*k, state.get(k))).collect();
        self.write(&entries)
    }

    /// Checks the device against `state`: every resident value equal to
    /// the state's, and the resident set equal to the LRU's hot set. Reads
    /// the whole table back (for tests and tools).
    pub(crate) fn check<S: StateRead + ?Sized>(&self, state: &S) -> Result<usize, String> {
        let (resident, hot) = (self.residency.resident_keys(), self.residency.hot_set());
        if resident != hot {
            return Err(format!("{} keys resident, {} hot: the sets differ", resident.len(), hot.len()));
        }
        let values = self.read(&resident).map_err(|e| e.to_string())?;
        for (k, v) in resident.iter().zip(values) {
            let want = state.get(k);
            if v != want {
                return Err(format!("{k}: the device holds {v:#x}, the state {want:#x}"));
            }
        }
        Ok(resident.len())
    }
}

/// The keys of a block in first-touch order, each once.
fn first_touch(keys: impl IntoIterator<Item = StateKey>) -> Vec<StateKey> {
    let mut seen = ahash::AHashSet::new();
    keys.into_iter().filter(|k| seen.insert(*k)).collect()
}

/// Credits `fees` to the sink: on the device when its cells are resident
/// (read, add, write back), and in `acc.delta` in every case.
fn credit<S: StateRead + ?Sized>(
    dev: &mut Device,
    acc: &mut BlockOutput,
    state: &S,
    sink: &FeeSink,
    fees: U256,
) -> Result<(), GpuError> {
    if fees == U256::ZERO {
        return Ok(());
    }
    let cells = *sink.cells();
    let resident = cells.iter().all(|k| dev.residency.slot(k).is_some());
    let now: Vec<Felt> = if resident {
        dev.read(&cells)?
    } else {
        cells.iter().map(|k| acc.delta.get(k).copied().unwrap_or_else(|| state.get(k))).collect()
    };
    let Some(new) = sink.credit(|k| if *k == cells[0] { now[0] } else { now[1] }, fees) else {
        return Ok(()); // not a balance: left as it is, as on the CPU
    };
    if resident {
        dev.write(&new)?;
    }
    acc.delta.extend(new);
    Ok(())
}
