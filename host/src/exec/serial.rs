//! Serial execution in block order: the baseline every mode must equal.

use super::{Blocked, FeeSink, Receipt, StateKey, StateView, Transaction, TxOutput, U256};
use crate::state::{StateDiff, StateRead};
use ahash::AHashMap;
use starknet_types_core::felt::Felt;

/// The result of a block: one receipt per transaction and the state keys it
/// wrote (the last value written to each).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockOutput {
    /// Receipts in block order.
    pub receipts: Vec<Receipt>,
    /// Every key written by the block, with its final value.
    pub delta: AHashMap<StateKey, Felt>,
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

    /// The fees the receipts charged, summed (saturating).
    pub fn fees(&self) -> U256 {
        self.receipts.iter().fold(U256::ZERO, |s, r| s.saturating_add(U256::from(r.fee)))
    }

    /// The block's effect as a Starknet state diff over `pre`, the state
    /// before it: every key whose value changed (a write of the value it
    /// already held is no change). A class hash set where there was none is
    /// a deployment, over another one a replacement.
    pub fn to_diff<S: StateRead + ?Sized>(&self, pre: &S) -> StateDiff {
        let mut diff = StateDiff::default();
        for (key, value) in &self.delta {
            let before = pre.get(key);
            if before == *value {
                continue;
            }
            match *key {
                StateKey::Storage(a, k) => {
                    diff.storage.entry(a).or_default().insert(k, *value);
                }
                StateKey::Nonce(a) => {
                    diff.nonces.insert(a, *value);
                }
                StateKey::ClassHash(a) if before == Felt::ZERO => {
                    diff.deployed.insert(a, *value);
                }
                StateKey::ClassHash(a) => {
                    diff.replaced.insert(a, *value);
                }
            }
        }
        diff
    }
}

/// A view of `base` with `delta` on top; never blocks.
pub(crate) struct OverlayView<'a, S: ?Sized> {
    pub(crate) base: &'a S,
    pub(crate) delta: &'a AHashMap<StateKey, Felt>,
}

impl<S: StateRead + ?Sized> StateView for OverlayView<'_, S> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        Ok(match self.delta.get(key) {
            Some(v) => *v,
            None => self.base.get(key),
        })
    }
}

/// Executes `block` in order on top of `state`, one transaction at a time.
/// Fees are charged but credited to no one (the schedulers' baseline; see
/// [`execute_serial_with_fees`] for the protocol's credit).
pub fn execute_serial<T: Transaction, S: StateRead + ?Sized>(state: &S, block: &[T]) -> BlockOutput {
    let mut out = BlockOutput::default();
    for txn in block {
        let o = txn.execute(&mut OverlayView { base: state, delta: &out.delta }).expect("an overlay view never blocks");
        out.push(o);
    }
    out
}

/// Executes `block` in order on top of `state` as Starknet does: after each
/// transaction its fee is credited to the sequencer's balance (`sink`), so
/// the next one sees it. The definition every block-executor mode equals.
pub fn execute_serial_with_fees<T: Transaction, S: StateRead + ?Sized>(
    state: &S,
    block: &[T],
    sink: &FeeSink,
) -> BlockOutput {
    let mut out = BlockOutput::default();
    for txn in block {
        let o = txn.execute(&mut OverlayView { base: state, delta: &out.delta }).expect("an overlay view never blocks");
        let fee = U256::from(o.receipt.fee);
        out.push(o);
        if fee != U256::ZERO {
            let read = |k: &StateKey| out.delta.get(k).copied().unwrap_or_else(|| state.get(k));
            if let Some(cells) = sink.credit(read, fee) {
                out.delta.extend(cells);
            }
        }
    }
    out
}
