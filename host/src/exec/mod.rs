//! Execution: the interface through which any VM or native program plugs in,
//! the native programs, and the serial executor.
//!
//! A [`Transaction`] executes against a [`StateView`] that answers reads of
//! [`Account`]s by address (a felt) and, depending on the mode, records them.
//! It returns a [`TxOutput`]: a write set and a [`Receipt`]. A transaction
//! that fails still has defined effects, chosen by its program (the native
//! programs charge the fee and advance the nonce, or change nothing when the
//! nonce or the fee is wrong); those effects are simply its write set.
//!
//! A read may be refused with [`Blocked`] (Block-STM hit an ESTIMATE marker);
//! the transaction then stops at once by returning the error with `?`.
//!
//! * `native.rs`: the transfer and swap programs ([`NativeTx`]).
//! * `txhash.rs`: the Poseidon transaction hash every native program computes.
//! * `serial.rs`: block-order execution, the baseline ([`execute_serial`]).

mod native;
mod serial;
mod txhash;

pub use native::{Direction, NativeTx, Swap, Transfer, SWAP_CU, TRANSFER_CU};
pub use serial::{execute_serial, BlockOutput};
pub use txhash::tx_hash;

use starknet_types_core::felt::Felt;

/// An account address (a felt).
pub type Address = Felt;

/// The state of one account. Absent accounts read as [`Account::default`]
/// (zero balances, nonce 0).
///
/// `balance` is the fee token; `aux` a second token (a pool's second
/// reserve, a user's holding of the swapped token).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Account {
    /// Balance of the fee token.
    pub balance: u128,
    /// Balance of the second token.
    pub aux: u128,
    /// Number of transactions this account has sent.
    pub nonce: u64,
}

/// A read the view could not answer now: the value is being rewritten by
/// transaction `0` (Block-STM's ESTIMATE). The transaction must return it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Blocked(pub u32);

/// Reads of account state during one transaction's execution.
pub trait StateView {
    /// The current value of `address` as seen by this transaction.
    fn read(&mut self, address: &Address) -> Result<Account, Blocked>;
}

/// The accounts a transaction declares it may read and write.
///
/// A declared write counts as a read as well (read-modify-write).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessSet {
    /// Accounts read and not written.
    pub reads: Vec<Address>,
    /// Accounts written (and possibly read).
    pub writes: Vec<Address>,
}

impl AccessSet {
    /// Whether `address` is declared at all.
    pub fn covers(&self, address: &Address) -> bool {
        self.writes.contains(address) || self.reads.contains(address)
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
        account: Address,
        /// The sender's nonce.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// The sender cannot pay.
    #[error("account {account:#x}: balance {have} is below {need}")]
    InsufficientBalance {
        /// The sender.
        account: Address,
        /// What the transaction needs.
        need: u128,
        /// What the account holds.
        have: u128,
    },
    /// A swap would return less than its minimum.
    #[error("pool {pool:#x}: swap returns {out}, below the minimum {min_out}")]
    Slippage {
        /// The pool.
        pool: Address,
        /// What the swap would return.
        out: u128,
        /// The transaction's minimum.
        min_out: u128,
    },
    /// An amount overflowed.
    #[error("account {account:#x}: amount overflows")]
    Overflow {
        /// The account whose amount overflowed.
        account: Address,
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
    /// The fee charged (burned).
    pub fee: u64,
    /// Success, or why it failed.
    pub status: Result<(), ExecError>,
}

/// The result of one execution: the write set and the receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutput {
    /// Accounts written, with their new values (each address at most once).
    pub writes: Vec<(Address, Account)>,
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

    /// The accounts this transaction may touch, when it declares them.
    fn declared(&self) -> Option<AccessSet> {
        None
    }
}
