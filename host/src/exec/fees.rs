//! [`FeeSink`]: where the fees go — the sequencer's balance in the fee
//! token — and the protocol's credit after each transaction.
//!
//! On Starknet every transaction ends with a transfer of its fee to the
//! sequencer, so every transaction writes the sequencer's two balance
//! cells: executed as an ordinary read-modify-write, that one cell orders
//! the whole block. Credits commute, so the block executor (as blockifier's
//! concurrent mode and Block-STM's aggregators do) runs the programs without
//! the credit and adds the block's fees once at the end; only a transaction
//! that reads the sequencer's balance itself needs the running total, and
//! the executor handles those (see `block/`).

use super::erc20::{balance_key, balance_keys};
use super::U256;
use crate::state::{ContractAddress, StateKey};
use starknet_types_core::felt::Felt;

/// The sequencer's balance cells in the fee token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSink {
    /// The fee token.
    pub token: ContractAddress,
    /// The sequencer (the block's fee recipient).
    pub sequencer: ContractAddress,
    cells: [StateKey; 2],
}

impl FeeSink {
    /// The sink of `sequencer`'s balance in `token`.
    pub fn new(token: ContractAddress, sequencer: ContractAddress) -> FeeSink {
        FeeSink { token, sequencer, cells: balance_keys(token, balance_key(sequencer)) }
    }

    /// The two cells (low, high).
    pub fn cells(&self) -> &[StateKey; 2] {
        &self.cells
    }

    /// Whether `key` is one of the two cells.
    pub fn holds(&self, key: &StateKey) -> bool {
        self.cells.contains(key)
    }

    /// The cells after crediting `fee` to the balance they hold now (read
    /// with `read`). The credit saturates at 2^256 - 1, so credits in any
    /// grouping give the same value; a cell wider than 128 bits (no valid
    /// balance) is left as it is.
    pub fn credit(&self, read: impl Fn(&StateKey) -> Felt, fee: U256) -> Option<[(StateKey, Felt); 2]> {
        let now = U256::from_cells(&read(&self.cells[0]), &read(&self.cells[1]))?;
        let (lo, hi) = now.saturating_add(fee).cells();
        Some([(self.cells[0], lo), (self.cells[1], hi)])
    }
}
