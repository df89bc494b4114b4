//! Transactions as data: a native transaction's [`Program`] — its kind, its
//! parameters and the state key of each role — which a batch backend
//! turns into a [`Job`] by resolving the keys to slots, and whose
//! [`JobReceipt`] it turns back into the receipt and writes
//! [`Prepared::execute`] gives.
//!
//! The roles and codes are the kernels' (`wavelane_kernels::native`); the
//! semantics are those of `native.rs`, which the GPU kernel mirrors and
//! the tests check role by role.

use super::erc20::{balance_keys, ETH, STRK};
use super::native::{Direction, NativeTx, Prepared, RESERVE0, RESERVE1};
use super::{ExecError, Receipt, TxOutput, U256};
use crate::state::{ContractAddress, StateKey};
use starknet_types_core::felt::Felt;
use wavelane_kernels::native::{code, flag, kind, role, Job, JobReceipt, NO_SLOT, SLOTS};
use wavelane_kernels::Fe;

/// A native transaction as data: what a batch backend executes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// The kind and flags of the job (`wavelane_kernels::native::{kind, flag}`).
    pub kind: u32,
    /// Flag bits.
    pub flags: u32,
    /// The state key of each role (`None`: unused).
    pub keys: [Option<StateKey>; SLOTS],
    /// The transaction's nonce.
    pub nonce: u64,
    /// Its fee.
    pub fee: u128,
    /// The amount moved (a swap's amount in).
    pub amount: U256,
    /// A swap's least accepted return.
    pub min_out: U256,
    /// The transaction hash.
    pub hash: Felt,
    /// The sender.
    pub sender: ContractAddress,
    /// A transfer's recipient, or a swap's pool.
    pub other: ContractAddress,
}

fn words4(v: u128) -> [u32; 4] {
    [v as u32, (v >> 32) as u32, (v >> 64) as u32, (v >> 96) as u32]
}

fn words8(v: U256) -> [u32; 8] {
    let (a, b) = (words4(v.lo), words4(v.hi));
    [a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]]
}

fn u256_of(w: &[u32; 8]) -> U256 {
    let half = |w: &[u32]| w.iter().rev().fold(0u128, |acc, &x| (acc << 32) | u128::from(x));
    U256 { lo: half(&w[..4]), hi: half(&w[4..]) }
}

impl Prepared {
    /// This transaction as data (see the module documentation).
    pub fn program(&self) -> Program {
        let mut keys = [None; SLOTS];
        let sender = self.tx.sender();
        keys[role::NONCE] = Some(StateKey::Nonce(sender));
        let [lo, hi] = balance_keys(STRK, self.sender_key());
        keys[role::STRK_LO] = Some(lo);
        keys[role::STRK_HI] = Some(hi);
        let base = |kind, flags, other| Program {
            kind,
            flags,
            keys,
            nonce: self.tx.nonce(),
            fee: self.tx.fee(),
            amount: U256::ZERO,
            min_out: U256::ZERO,
            hash: self.hash,
            sender,
            other,
        };
        match &self.tx {
            NativeTx::Transfer(t) => {
                let mut flags = 0;
                let mut p = base(kind::TRANSFER, 0, t.to);
                if t.token == STRK {
                    flags |= flag::TOKEN_IS_STRK;
                } else {
                    let [lo, hi] = balance_keys(t.token, self.sender_key());
                    p.keys[role::SRC_LO] = Some(lo);
                    p.keys[role::SRC_HI] = Some(hi);
                }
                if t.to == t.from {
                    flags |= flag::SELF_TRANSFER;
                } else {
                    let [lo, hi] = balance_keys(t.token, self.other_key());
                    p.keys[role::DST_LO] = Some(lo);
                    p.keys[role::DST_HI] = Some(hi);
                }
                p.flags = flags;
                p.amount = t.amount;
                p
            }
            NativeTx::Swap(s) => {
                let mut flags = 0;
                if s.direction == Direction::BToA {
                    flags |= flag::B_TO_A;
                }
                if s.user == s.pool {
                    flags |= flag::USER_IS_POOL;
                }
                let mut p = base(kind::SWAP, flags, s.pool);
                let cells = [
                    (role::ETH_LO, balance_keys(ETH, self.sender_key())),
                    (role::R0_LO, balance_keys(s.pool, RESERVE0)),
                    (role::R1_LO, balance_keys(s.pool, RESERVE1)),
                ];
                for (r, [lo, hi]) in cells {
                    p.keys[r] = Some(lo);
                    p.keys[r + 1] = Some(hi);
                }
                p.amount = s.amount_in;
                p.min_out = s.min_out;
                p
            }
        }
    }
}

impl Program {
    /// The keys of the roles it uses, in role order.
    pub fn used_keys(&self) -> impl Iterator<Item = StateKey> + '_ {
        self.keys.iter().flatten().copied()
    }

    /// The job, with each used role's source given by `src` (a table slot,
    /// or `FROM_HISTORY | index`).
    pub fn job(&self, mut src: impl FnMut(usize, &StateKey) -> u32) -> Job {
        let mut slots = [NO_SLOT; SLOTS];
        for (j, k) in self.keys.iter().enumerate() {
            if let Some(k) = k {
                slots[j] = src(j, k);
            }
        }
        Job {
            kind: self.kind,
            flags: self.flags,
            src: slots,
            nonce: [self.nonce as u32, (self.nonce >> 32) as u32],
            fee: words4(self.fee),
            amount: words8(self.amount),
            min_out: words8(self.min_out),
            pad: 0,
        }
    }

    fn key(&self, j: usize) -> StateKey {
        self.keys[j].expect("a receipt names a role the program uses")
    }

    /// The receipt a job's [`JobReceipt`] stands for.
    pub fn receipt(&self, r: &JobReceipt) -> Receipt {
        let detail = u256_of(&r.detail);
        let (fee, status) = match r.code {
            code::OK => (self.fee, Ok(())),
            code::BAD_NONCE => {
                let expected = Fe(bytemuck::cast(r.detail)).to_felt();
                (0, Err(ExecError::BadNonce { account: self.sender, expected, got: self.nonce }))
            }
            code::FEE_UNPAID => (
                0,
                Err(ExecError::InsufficientBalance { account: self.sender, need: U256::from(self.fee), have: detail }),
            ),
            code::FEE_BAD_CELL => (0, Err(ExecError::BadCell { key: self.key(r.which as usize) })),
            code::INSUFFICIENT => (
                self.fee,
                Err(ExecError::InsufficientBalance { account: self.sender, need: self.amount, have: detail }),
            ),
            code::BAD_CELL => (self.fee, Err(ExecError::BadCell { key: self.key(r.which as usize) })),
            code::OVERFLOW => (self.fee, Err(ExecError::Overflow { account: self.other })),
            code::SLIPPAGE => {
                (self.fee, Err(ExecError::Slippage { pool: self.other, out: detail, min_out: self.min_out }))
            }
            code::SELF_SWAP => (self.fee, Err(ExecError::Program("a pool cannot swap with itself".into()))),
            other => (0, Err(ExecError::Program(format!("unknown job status {other}")))),
        };
        Receipt { hash: self.hash, fee, status }
    }

    /// The output of a job: its receipt, and the written roles with the
    /// values `value(j)` gives for them.
    pub fn output(&self, r: &JobReceipt, mut value: impl FnMut(usize) -> Felt) -> TxOutput {
        let writes = (0..SLOTS).filter(|&j| r.wrote(j)).map(|j| (self.key(j), value(j))).collect();
        TxOutput { writes, receipt: self.receipt(r) }
    }

    /// The roles the job read, with their keys.
    pub fn reads<'a>(&'a self, r: &'a JobReceipt) -> impl Iterator<Item = (usize, StateKey)> + 'a {
        (0..SLOTS).filter(|&j| r.read(j)).map(|j| (j, self.key(j)))
    }

    /// Whether any role is one of `keys`.
    pub fn touches(&self, keys: &[StateKey]) -> bool {
        self.used_keys().any(|k| keys.contains(&k))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::{Swap, Transfer};

    #[test]
    fn words_round_trip() {
        let v = U256 { lo: 0x0123_4567_89ab_cdef_0011_2233_4455_6677, hi: 0xfedc_ba98_7654_3210_8899_aabb_ccdd_eeff };
        assert_eq!(u256_of(&words8(v)), v);
    }

    #[test]
    fn roles_are_the_declared_keys() {
        let a = ContractAddress::from_u64(0x11);
        let b = ContractAddress::from_u64(0x22);
        let token = ContractAddress::from_u64(0x77);
        let txs = [
            NativeTx::Transfer(Transfer { token: STRK, from: a, to: b, amount: 5u64.into(), nonce: 0, fee: 1 }),
            NativeTx::Transfer(Transfer { token, from: a, to: b, amount: 5u64.into(), nonce: 0, fee: 1 }),
            NativeTx::Transfer(Transfer { token, from: a, to: a, amount: 5u64.into(), nonce: 0, fee: 1 }),
            NativeTx::Swap(Swap {
                user: a,
                pool: b,
                amount_in: 5u64.into(),
                direction: Direction::BToA,
                min_out: 1u64.into(),
                nonce: 3,
                fee: 2,
            }),
        ];
        for tx in txs {
            let p = tx.prepare_one();
            let mut roles: Vec<StateKey> = p.program().used_keys().collect();
            let mut declared = p.access().writes;
            roles.sort_unstable();
            declared.sort_unstable();
            assert_eq!(roles, declared, "{tx:?}");
        }
    }
}
