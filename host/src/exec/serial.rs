//! Serial execution in block order: the baseline every mode must equal.

use super::{Account, Address, Blocked, Receipt, StateView, Transaction, TxOutput};
use crate::state::StateRead;
use ahash::AHashMap;

/// The result of a block: one receipt per transaction and the accounts it
/// changed (the last value written to each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockOutput {
    /// Receipts in block order.
    pub receipts: Vec<Receipt>,
    /// Every account written by the block, with its final value.
    pub delta: AHashMap<Address, Account>,
}

impl BlockOutput {
    /// Folds per-transaction outputs, in block order, into a block output.
    pub fn from_outputs(outputs: impl IntoIterator<Item = TxOutput>) -> BlockOutput {
        let mut out = BlockOutput::default();
        for o in outputs {
            out.push(o);
        }
        out
    }

    /// Appends the next transaction's output.
    pub fn push(&mut self, o: TxOutput) {
        self.delta.extend(o.writes);
        self.receipts.push(o.receipt);
    }
}

/// A view of `base` with `delta` on top; never blocks.
pub(crate) struct OverlayView<'a, S: ?Sized> {
    pub(crate) base: &'a S,
    pub(crate) delta: &'a AHashMap<Address, Account>,
}

impl<S: StateRead + ?Sized> StateView for OverlayView<'_, S> {
    fn read(&mut self, address: &Address) -> Result<Account, Blocked> {
        Ok(match self.delta.get(address) {
            Some(a) => *a,
            None => self.base.get(address),
        })
    }
}

/// Executes `block` in order on top of `state`, one transaction at a time.
pub fn execute_serial<T: Transaction, S: StateRead + ?Sized>(state: &S, block: &[T]) -> BlockOutput {
    let mut out = BlockOutput::default();
    for txn in block {
        let o = txn.execute(&mut OverlayView { base: state, delta: &out.delta }).expect("an overlay view never blocks");
        out.push(o);
    }
    out
}
