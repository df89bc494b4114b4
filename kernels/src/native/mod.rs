//! Native programs as data: the records a wave of fee-token transfers and
//! swaps is made of, and (with the `gpu` feature) the device-resident state
//! table and the kernel that executes them over it.
//!
//! A transaction of a wave is a [`Job`]: its program ([`kind`]), its
//! parameters (nonce, fee, amounts, [`flag`]s) and, for each of its
//! [`SLOTS`] roles ([`role`]), where the value of that state key is: a slot
//! of the resident table, or (recorded mode) an entry of the history
//! buffer. Which state key a role is, the host decides; the kernel only
//! sees slots. Executing a job yields a [`JobReceipt`] (a status code, what
//! it read and wrote, one detail value) and the new values of the roles it
//! wrote:
//!
//! * **in place** (declared waves, where no two jobs of a dispatch share a
//!   slot): read from and write to the table at `src[j]`;
//! * **recorded** (optimistic waves): read from `src[j]` (table or history),
//!   write to `history[out_base + i * SLOTS + j]` for the wave's `i`-th job,
//!   leaving the table as it was.
//!
//! The semantics are exactly those of the host's native programs
//! (`wavelane-host`, `exec/native.rs`): the same failures in the same
//! order, the same reads, the same written halves.
//!
//! Balances and reserves are u256s in two cells (low, high), each a
//! canonical integer below 2^128; values in the table are [`crate::Fe`]s
//! (Montgomery form), as the trie kernels read leaves.

#[cfg(feature = "gpu")]
mod gpu;
#[cfg(feature = "gpu")]
mod table;

#[cfg(feature = "gpu")]
pub use gpu::{run_jobs, JobMode, JobRun};
#[cfg(feature = "gpu")]
pub use table::DeviceTable;

/// Roles per job.
pub const SLOTS: usize = 9;
/// A role the job does not use.
pub const NO_SLOT: u32 = u32::MAX;
/// Set in a `src` entry that names an index of the history buffer rather
/// than a table slot (recorded mode only).
pub const FROM_HISTORY: u32 = 0x8000_0000;

/// Program kinds.
pub mod kind {
    /// A token transfer ([`super::role`]: `NONCE`, `STRK_*`, `SRC_*`, `DST_*`).
    pub const TRANSFER: u32 = 0;
    /// A swap on a constant-product pool ([`super::role`]: `NONCE`, `STRK_*`,
    /// `ETH_*`, `R0_*`, `R1_*`).
    pub const SWAP: u32 = 1;
}

/// Job flags.
pub mod flag {
    /// Transfer: the token is STRK, the fee token (`SRC_*` unused: the
    /// source is the `STRK_*` cells after the fee).
    pub const TOKEN_IS_STRK: u32 = 1;
    /// Transfer: the recipient is the sender (`DST_*` unused).
    pub const SELF_TRANSFER: u32 = 2;
    /// Swap: pays ETH and receives STRK (otherwise pays STRK, receives ETH).
    pub const B_TO_A: u32 = 4;
    /// Swap: the trader is the pool (fails after the fee).
    pub const USER_IS_POOL: u32 = 8;
}

/// Role indices into [`Job::src`].
pub mod role {
    /// The sender's contract nonce.
    pub const NONCE: usize = 0;
    /// The sender's STRK balance, low half.
    pub const STRK_LO: usize = 1;
    /// The sender's STRK balance, high half.
    pub const STRK_HI: usize = 2;
    /// Transfer: the sender's balance in the token, low half.
    pub const SRC_LO: usize = 3;
    /// Transfer: the sender's balance in the token, high half.
    pub const SRC_HI: usize = 4;
    /// Transfer: the recipient's balance in the token, low half.
    pub const DST_LO: usize = 5;
    /// Transfer: the recipient's balance in the token, high half.
    pub const DST_HI: usize = 6;
    /// Swap: the trader's ETH balance, low half.
    pub const ETH_LO: usize = 3;
    /// Swap: the trader's ETH balance, high half.
    pub const ETH_HI: usize = 4;
    /// Swap: the pool's STRK reserve, low half.
    pub const R0_LO: usize = 5;
    /// Swap: the pool's STRK reserve, high half.
    pub const R0_HI: usize = 6;
    /// Swap: the pool's ETH reserve, low half.
    pub const R1_LO: usize = 7;
    /// Swap: the pool's ETH reserve, high half.
    pub const R1_HI: usize = 8;
}

/// Status codes of a [`JobReceipt`].
pub mod code {
    /// Success.
    pub const OK: u32 = 0;
    /// The nonce cell differs from the job's nonce (no effects, fee 0);
    /// `detail`: the nonce cell as read (an `Fe`).
    pub const BAD_NONCE: u32 = 1;
    /// The STRK balance is below the fee (no effects, fee 0); `detail`: the
    /// balance (u256).
    pub const FEE_UNPAID: u32 = 2;
    /// A STRK cell is not a 128-bit half (no effects, fee 0); `which`: the
    /// role.
    pub const FEE_BAD_CELL: u32 = 3;
    /// After the fee: the balance paid from is below the amount; `detail`:
    /// that balance (u256).
    pub const INSUFFICIENT: u32 = 4;
    /// After the fee: a cell is not a 128-bit half; `which`: the role.
    pub const BAD_CELL: u32 = 5;
    /// After the fee: an amount overflows (transfer: the recipient's
    /// balance; swap: the pool's arithmetic or a resulting balance).
    pub const OVERFLOW: u32 = 6;
    /// After the fee: the swap returns less than its minimum; `detail`:
    /// what it returns (u256).
    pub const SLIPPAGE: u32 = 7;
    /// After the fee: the trader is the pool.
    pub const SELF_SWAP: u32 = 8;
}

/// One transaction of a wave, as the kernel reads it (136 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Job {
    /// [`kind`].
    pub kind: u32,
    /// [`flag`] bits.
    pub flags: u32,
    /// Per role: a table slot, `FROM_HISTORY | index` (recorded mode), or
    /// [`NO_SLOT`].
    pub src: [u32; SLOTS],
    /// The transaction's nonce (u64, little-endian words).
    pub nonce: [u32; 2],
    /// The fee in STRK (u128, little-endian words).
    pub fee: [u32; 4],
    /// The transfer's amount or the swap's amount in (u256, little-endian words).
    pub amount: [u32; 8],
    /// The swap's least accepted return (u256, little-endian words).
    pub min_out: [u32; 8],
    /// Padding.
    pub pad: u32,
}

/// What a job did (48 bytes).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct JobReceipt {
    /// [`code`].
    pub code: u32,
    /// Bit `j`: role `j` was written; bit `16 + j`: role `j` was read.
    pub mask: u32,
    /// The role a `*_BAD_CELL` names.
    pub which: u32,
    /// Padding.
    pub pad: u32,
    /// The code's detail value (see [`code`]), little-endian words.
    pub detail: [u32; 8],
}

impl JobReceipt {
    /// Whether role `j` was written.
    pub fn wrote(&self, j: usize) -> bool {
        self.mask & (1 << j) != 0
    }

    /// Whether role `j` was read.
    pub fn read(&self, j: usize) -> bool {
        self.mask & (1 << (16 + j)) != 0
    }
}

const _: () = assert!(std::mem::size_of::<Job>() == 136);
const _: () = assert!(std::mem::size_of::<JobReceipt>() == 48);
