//! Execution: the interface through which any VM or native program plugs in,
//! the native programs, and the serial executor.
//!
//! A [`Transaction`] executes against a [`StateView`] that answers reads of
//! state keys (storage cells, nonces, class hashes: [`StateKey`]) with felts
//! and, depending on the mode, records them. It returns a [`TxOutput`]: the
//! keys it writes with their new values, and a [`Receipt`]. A transaction
//! that fails still has defined effects, chosen by its program (the native
//! programs advance the nonce and charge the fee, or change nothing when
//! the nonce or the fee is wrong); those effects are simply its writes.
//!
//! The fee a receipt names is charged from the sender by the program; the
//! protocol credits it to the sequencer's fee-token balance after the
//! transaction ([`FeeSink`]), which is how the block executor keeps that one
//! cell, written by every transaction, from serializing the block.
//!
//! A read may be refused with [`Blocked`] (Block-STM hit an ESTIMATE marker);
//! the transaction then stops at once by returning the error with `?`.
//!
//! * `native.rs`: the fee-token transfer and the swap ([`NativeTx`]), and
//!   their preparation in batches ([`prepare`]).
//! * `erc20.rs`: the storage layout of Starknet's ERC-20 tokens.
//! * `program.rs`: a native transaction as data ([`Program`]), what a batch
//!   backend (the GPU) executes.
//! * `u256.rs`: [`U256`] amounts, two cells each.
//! * `fees.rs`: [`FeeSink`], the sequencer's balance and the fee credit.
//! * `txhash.rs`: the Poseidon transaction hash.
//! * `serial.rs`: block-order execution, the baseline ([`execute_serial`]).

mod erc20;
mod fees;
mod native;
mod program;
mod serial;
#[cfg(test)]
mod tests;
mod txhash;
mod u256;

pub use erc20::{
    balance_key, balance_key_batch, balance_keys, normalize, read_balance, write_balance, BALANCES_BASE, ETH, STRK,
};
pub use fees::FeeSink;
pub use native::{prepare, Direction, NativeTx, Prepared, Swap, Transfer, RESERVE0, RESERVE1, SWAP_CU, TRANSFER_CU};
pub use program::Program;
pub use serial::{execute_serial, execute_serial_with_fees, BlockOutput};
pub use txhash::tx_hash;
pub use u256::U256;

pub use crate::state::{ContractAddress, StateKey, StorageKey};
use starknet_types_core::felt::Felt;

/// A read the view could not answer now: the value is being rewritten by
/// transaction `0` (Block-STM's ESTIMATE). The transaction must return it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked(pub u32);

/// Reads of state during one transaction's execution.
pub trait StateView {
    /// The current value at `key` as seen by this transaction (0 when never
    /// written).
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked>;
}

/// The state keys a transaction declares it may read and write.
///
/// A declared write counts as a read as well (read-modify-write).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessSet {
    /// Keys read and not written.
    pub reads: Vec<StateKey>,
    /// Keys written (and possibly read).
    pub writes: Vec<StateKey>,
}

impl AccessSet {
    /// Whether `key` is declared at all.
    pub fn covers(&self, key: &StateKey) -> bool {
        self.writes.contains(key) || self.reads.contains(key)
    }
}

/// Why a transaction failed. A failed transaction still has the effects its
/// program defines (usually the fee and the nonce).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ExecError {
    /// The nonce does not match the sender's.
    #[error("account {account:#x}: nonce {got}, expected {expected}")]
    BadNonce {
        /// The sender.
        account: ContractAddress,
        /// The sender's nonce.
        expected: Felt,
        /// The transaction's nonce.
        got: u64,
    },
    /// The sender cannot pay.
    #[error("account {account:#x}: balance {have} is below {need}")]
    InsufficientBalance {
        /// The sender.
        account: ContractAddress,
        /// What the transaction needs.
        need: U256,
        /// What the account holds.
        have: U256,
    },
    /// A swap would return less than its minimum.
    #[error("pool {pool:#x}: swap returns {out}, below the minimum {min_out}")]
    Slippage {
        /// The pool.
        pool: ContractAddress,
        /// What the swap would return.
        out: U256,
        /// The transaction's minimum.
        min_out: U256,
    },
    /// An amount overflowed.
    #[error("account {account:#x}: amount overflows")]
    Overflow {
        /// The account whose amount overflowed.
        account: ContractAddress,
    },
    /// A cell that holds half of a u256 amount holds more than 128 bits.
    #[error("{key}: not a 128-bit half of an amount")]
    BadCell {
        /// The cell.
        key: StateKey,
    },
    /// A program-defined failure (for programs outside this crate).
    #[error("{0}")]
    Program(String),
}

/// What a transaction did: its receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The transaction hash.
    pub hash: Felt,
    /// The fee charged from the sender, in the fee token; the protocol
    /// credits it to the sequencer.
    pub fee: u128,
    /// Success, or why it failed.
    pub status: Result<(), ExecError>,
}

/// The result of one execution: the write set and the receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutput {
    /// Keys written, with their new values (each key at most once).
    pub writes: Vec<(StateKey, Felt)>,
    /// The receipt.
    pub receipt: Receipt,
}

/// A transaction of any VM or native program.
///
/// `execute` must be a pure function of the values it reads: executed again
/// against the same values it returns the same output. Every scheduling mode
/// relies on this (and on nothing else) to equal serial execution.
pub trait Transaction: Sync {
    /// Executes against `view`. `Err(Blocked)` only when a read returned it.
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked>;

    /// The keys this transaction may touch, when it declares them.
    fn declared(&self) -> Option<AccessSet> {
        None
    }

    /// This transaction as data, when it is a program a batch backend can
    /// run ([`Program`]); the others run on the CPU.
    fn program(&self) -> Option<Program> {
        None
    }
}

impl<T: Transaction + ?Sized> Transaction for &T {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        (**self).execute(view)
    }

    fn declared(&self) -> Option<AccessSet> {
        (**self).declared()
    }

    fn program(&self) -> Option<Program> {
        (**self).program()
    }
}
