//! Relocation: segments laid out one after another from address 1, as
//! cairo-vm does, every pointer replaced by its relocated address.

use super::memory::{Relocatable, Value};
use super::run::{Run, EXEC};
use starknet_types_core::felt::Felt;

/// A relocated trace entry (pc, ap, fp as flat addresses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelocatedEntry {
    /// pc.
    pub pc: u64,
    /// ap.
    pub ap: u64,
    /// fp.
    pub fp: u64,
}

impl Run {
    /// The first flat address of each segment: segment 0 starts at 1 and each
    /// next one right after the previous one's last written cell.
    pub fn relocation_table(&self) -> Vec<u64> {
        let n = self.memory.num_segments();
        let mut table = Vec::with_capacity(n + 1);
        table.push(1u64);
        for i in 0..n {
            let last = table[i];
            table.push(last + self.memory.segment_len(i) as u64);
        }
        table
    }

    /// The flat address of `a` under `table`.
    pub fn relocate_addr(table: &[u64], a: Relocatable) -> u64 {
        table[a.segment as usize] + a.offset
    }

    /// The whole memory relocated: index = flat address (index 0 is unused
    /// and `None`), `None` for holes.
    pub fn relocated_memory(&self) -> Vec<Option<Felt>> {
        let table = self.relocation_table();
        let mut out = vec![None; *table.last().unwrap_or(&1) as usize];
        for s in 0..self.memory.num_segments() {
            let base = table[s] as usize;
            for (off, cell) in self.memory.cells(s).enumerate() {
                out[base + off] = cell.map(|v| match v {
                    Value::Int(f) => f.to_felt(),
                    Value::Rel(r) => Felt::from(Run::relocate_addr(&table, r)),
                });
            }
        }
        out
    }

    /// Final (pc, ap, fp), relocated.
    pub fn relocated_registers(&self) -> RelocatedEntry {
        let table = self.relocation_table();
        let exec = table[EXEC as usize];
        RelocatedEntry {
            pc: Run::relocate_addr(&table, self.pc),
            ap: exec + self.ap,
            fp: exec + self.fp,
        }
    }

    /// The trace, relocated (empty unless the run recorded one).
    pub fn relocated_trace(&self) -> Vec<RelocatedEntry> {
        let table = self.relocation_table();
        let exec = table[EXEC as usize];
        self.trace
            .iter()
            .map(|e| RelocatedEntry {
                pc: Run::relocate_addr(&table, e.pc),
                ap: exec + e.ap,
                fp: exec + e.fp,
            })
            .collect()
    }
}
