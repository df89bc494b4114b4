//! A transaction of the tests' own: it reads one key and writes that value
//! plus one to another, declaring what it is told to (a liar declares less
//! than it touches).

// Each test file uses a part of it.
#![allow(dead_code)]

use wavelane::host::exec::{AccessSet, Blocked, Receipt, StateView, Transaction, TxOutput};
use wavelane::host::state::StateKey;
use wavelane::Felt;

/// Reads `read`, writes its value plus one to `write`, declares `declared`.
#[derive(Clone)]
pub(crate) struct Cell {
    pub(crate) read: StateKey,
    pub(crate) write: StateKey,
    pub(crate) declared: AccessSet,
}

impl Cell {
    /// Declares its read and its write.
    pub(crate) fn honest(read: StateKey, write: StateKey) -> Cell {
        Cell { read, write, declared: AccessSet { reads: vec![read], writes: vec![write] } }
    }

    /// Declares that it writes `declared`, and nothing else.
    pub(crate) fn writing(read: StateKey, write: StateKey, declared: StateKey) -> Cell {
        Cell { read, write, declared: AccessSet { reads: Vec::new(), writes: vec![declared] } }
    }
}

impl Transaction for Cell {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        let v = view.read(&self.read)?;
        let receipt = Receipt { hash: v, fee: 0, status: Ok(()) };
        Ok(TxOutput { writes: vec![(self.write, v + Felt::ONE)], receipt })
    }

    fn declared(&self) -> Option<AccessSet> {
        Some(self.declared.clone())
    }
}
