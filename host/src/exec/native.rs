//! Native programs: a transfer and a swap on a constant-product pool.
//!
//! Both follow the same rules for failure: a wrong nonce or a sender that
//! cannot pay the fee changes nothing; any later failure charges the fee and
//! advances the nonce and changes nothing else. The fee is burned, so no
//! account is written by every transaction.

use super::{tx_hash, AccessSet, Account, Address, Blocked, ExecError, Receipt, StateView, Transaction, TxOutput};
use starknet_types_core::felt::Felt;

/// Compute units charged for a transfer.
pub const TRANSFER_CU: u64 = 300;
/// Compute units charged for a swap.
pub const SWAP_CU: u64 = 1_000;

/// Moves `amount` of the fee token from `from` to `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The sender.
    pub from: Address,
    /// The recipient.
    pub to: Address,
    /// Amount moved.
    pub amount: u128,
    /// The sender's nonce.
    pub nonce: u64,
    /// Fee paid (burned); divided by the compute units it is the priority.
    pub fee: u64,
}

/// Which way a swap goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Pays `balance` (token A), receives `aux` (token B).
    AToB,
    /// Pays `aux` (token B), receives `balance` (token A).
    BToA,
}

/// Swaps on a constant-product pool (`x * y = k`, 0.3 % pool fee). The pool
/// is an account holding `balance` (reserve A) and `aux` (reserve B).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swap {
    /// The trader (pays the fee).
    pub user: Address,
    /// The pool.
    pub pool: Address,
    /// Amount paid in.
    pub amount_in: u128,
    /// Which token is paid in.
    pub direction: Direction,
    /// The least the trader accepts.
    pub min_out: u128,
    /// The trader's nonce.
    pub nonce: u64,
    /// Fee paid (burned).
    pub fee: u64,
}

/// A native transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NativeTx {
    /// A transfer.
    Transfer(Transfer),
    /// A swap.
    Swap(Swap),
}

impl NativeTx {
    /// Compute units this transaction is charged.
    pub fn compute_units(&self) -> u64 {
        match self {
            NativeTx::Transfer(_) => TRANSFER_CU,
            NativeTx::Swap(_) => SWAP_CU,
        }
    }

    /// The fee it pays.
    pub fn fee(&self) -> u64 {
        match self {
            NativeTx::Transfer(t) => t.fee,
            NativeTx::Swap(s) => s.fee,
        }
    }

    /// The account paying the fee.
    pub fn sender(&self) -> Address {
        match self {
            NativeTx::Transfer(t) => t.from,
            NativeTx::Swap(s) => s.user,
        }
    }

    /// The accounts it may touch (all written).
    pub fn access(&self) -> AccessSet {
        let writes = match self {
            NativeTx::Transfer(t) if t.from == t.to => vec![t.from],
            NativeTx::Transfer(t) => vec![t.from, t.to],
            NativeTx::Swap(s) if s.user == s.pool => vec![s.user],
            NativeTx::Swap(s) => vec![s.user, s.pool],
        };
        AccessSet { reads: Vec::new(), writes }
    }
}

impl Transaction for NativeTx {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        match self {
            NativeTx::Transfer(t) => t.execute(view),
            NativeTx::Swap(s) => s.execute(view),
        }
    }

    fn declared(&self) -> Option<AccessSet> {
        Some(self.access())
    }
}

/// Domain tags so a transfer and a swap never share a hash.
const TAG_TRANSFER: Felt = Felt::from_hex_unchecked("0x7472616e73666572"); // "transfer"
const TAG_SWAP: Felt = Felt::from_hex_unchecked("0x73776170"); // "swap"

fn fail(hash: Felt, fee: u64, writes: Vec<(Address, Account)>, e: ExecError) -> TxOutput {
    TxOutput { writes, receipt: Receipt { hash, fee, status: Err(e) } }
}

/// Checks the nonce and charges the fee: the sender after both, or why the
/// transaction fails with no effects.
fn charge(address: Address, mut sender: Account, nonce: u64, fee: u64) -> Result<Account, ExecError> {
    if sender.nonce != nonce {
        return Err(ExecError::BadNonce { account: address, expected: sender.nonce, got: nonce });
    }
    if sender.balance < u128::from(fee) {
        return Err(ExecError::InsufficientBalance { account: address, need: fee.into(), have: sender.balance });
    }
    sender.balance -= u128::from(fee);
    sender.nonce += 1;
    Ok(sender)
}

impl Transfer {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        let hash = tx_hash(&[
            TAG_TRANSFER,
            self.from,
            self.to,
            Felt::from(self.amount),
            Felt::from(self.nonce),
            Felt::from(self.fee),
        ]);
        let sender = view.read(&self.from)?;
        let mut sender = match charge(self.from, sender, self.nonce, self.fee) {
            Ok(s) => s,
            Err(e) => return Ok(fail(hash, 0, Vec::new(), e)),
        };
        if sender.balance < self.amount {
            let e = ExecError::InsufficientBalance { account: self.from, need: self.amount, have: sender.balance };
            return Ok(fail(hash, self.fee, vec![(self.from, sender)], e));
        }
        let ok = Receipt { hash, fee: self.fee, status: Ok(()) };
        if self.to == self.from {
            return Ok(TxOutput { writes: vec![(self.from, sender)], receipt: ok });
        }
        let mut recipient = view.read(&self.to)?;
        let Some(credited) = recipient.balance.checked_add(self.amount) else {
            let e = ExecError::Overflow { account: self.to };
            return Ok(fail(hash, self.fee, vec![(self.from, sender)], e));
        };
        recipient.balance = credited;
        sender.balance -= self.amount;
        Ok(TxOutput { writes: vec![(self.from, sender), (self.to, recipient)], receipt: ok })
    }
}

/// `reserve_out * amount_in * 997 / (reserve_in * 1000 + amount_in * 997)`.
fn amount_out(reserve_in: u128, reserve_out: u128, amount_in: u128) -> Option<u128> {
    let paid = amount_in.checked_mul(997)?;
    let num = reserve_out.checked_mul(paid)?;
    let den = reserve_in.checked_mul(1000)?.checked_add(paid)?;
    num.checked_div(den)
}

impl Swap {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        let dir = match self.direction {
            Direction::AToB => Felt::ZERO,
            Direction::BToA => Felt::ONE,
        };
        let hash = tx_hash(&[
            TAG_SWAP,
            self.user,
            self.pool,
            Felt::from(self.amount_in),
            dir,
            Felt::from(self.min_out),
            Felt::from(self.nonce),
            Felt::from(self.fee),
        ]);
        let user = view.read(&self.user)?;
        let mut user = match charge(self.user, user, self.nonce, self.fee) {
            Ok(u) => u,
            Err(e) => return Ok(fail(hash, 0, Vec::new(), e)),
        };
        let fee_only = |user: Account, e: ExecError| fail(hash, self.fee, vec![(self.user, user)], e);
        if self.user == self.pool {
            return Ok(fee_only(user, ExecError::Program("a pool cannot swap with itself".into())));
        }
        let mut pool = view.read(&self.pool)?;
        // (what the user pays from, what the user receives into), same for the pool.
        let (user_in, pool_in, pool_out) = match self.direction {
            Direction::AToB => (user.balance, pool.balance, pool.aux),
            Direction::BToA => (user.aux, pool.aux, pool.balance),
        };
        if user_in < self.amount_in {
            let e = ExecError::InsufficientBalance { account: self.user, need: self.amount_in, have: user_in };
            return Ok(fee_only(user, e));
        }
        let Some(out) = amount_out(pool_in, pool_out, self.amount_in) else {
            return Ok(fee_only(user, ExecError::Overflow { account: self.pool }));
        };
        if out < self.min_out {
            let e = ExecError::Slippage { pool: self.pool, out, min_out: self.min_out };
            return Ok(fee_only(user, e));
        }
        let overflow = || ExecError::Overflow { account: self.pool };
        match self.direction {
            Direction::AToB => {
                let (Some(p), Some(u)) = (pool.balance.checked_add(self.amount_in), user.aux.checked_add(out)) else {
                    return Ok(fee_only(user, overflow()));
                };
                pool.balance = p;
                pool.aux -= out;
                user.balance -= self.amount_in;
                user.aux = u;
            }
            Direction::BToA => {
                let (Some(p), Some(u)) = (pool.aux.checked_add(self.amount_in), user.balance.checked_add(out)) else {
                    return Ok(fee_only(user, overflow()));
                };
                pool.aux = p;
                pool.balance -= out;
                user.aux -= self.amount_in;
                user.balance = u;
            }
        }
        let receipt = Receipt { hash, fee: self.fee, status: Ok(()) };
        Ok(TxOutput { writes: vec![(self.user, user), (self.pool, pool)], receipt })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::execute_serial;
    use crate::state::MemStore;

    fn store(accounts: &[(u64, Account)]) -> MemStore {
        let mut s = MemStore::new();
        for (a, acc) in accounts {
            s.insert(Felt::from(*a), *acc);
        }
        s
    }

    fn acc(balance: u128, aux: u128, nonce: u64) -> Account {
        Account { balance, aux, nonce }
    }

    fn transfer(from: u64, to: u64, amount: u128, nonce: u64, fee: u64) -> NativeTx {
        NativeTx::Transfer(Transfer { from: Felt::from(from), to: Felt::from(to), amount, nonce, fee })
    }

    #[test]
    fn transfer_moves_funds_and_burns_the_fee() {
        let s = store(&[(1, acc(100, 0, 0))]);
        let out = execute_serial(&s, &[transfer(1, 2, 30, 0, 5)]);
        assert_eq!(out.receipts[0].status, Ok(()));
        assert_eq!(out.receipts[0].fee, 5);
        assert_eq!(out.delta[&Felt::from(1)], acc(65, 0, 1));
        assert_eq!(out.delta[&Felt::from(2)], acc(30, 0, 0));
    }

    #[test]
    fn wrong_nonce_or_unpaid_fee_changes_nothing() {
        let s = store(&[(1, acc(100, 0, 3))]);
        let out = execute_serial(&s, &[transfer(1, 2, 30, 2, 5), transfer(1, 2, 0, 3, 500)]);
        assert!(matches!(out.receipts[0].status, Err(ExecError::BadNonce { expected: 3, got: 2, .. })));
        assert!(matches!(out.receipts[1].status, Err(ExecError::InsufficientBalance { .. })));
        assert_eq!(out.receipts[1].fee, 0);
        assert!(out.delta.is_empty());
    }

    #[test]
    fn overdraw_charges_fee_and_nonce_only() {
        let s = store(&[(1, acc(100, 0, 0))]);
        let out = execute_serial(&s, &[transfer(1, 2, 96, 0, 5)]);
        assert!(matches!(out.receipts[0].status, Err(ExecError::InsufficientBalance { need: 96, have: 95, .. })));
        assert_eq!(out.delta.len(), 1);
        assert_eq!(out.delta[&Felt::from(1)], acc(95, 0, 1));
    }

    #[test]
    fn self_transfer_only_pays_the_fee() {
        let s = store(&[(1, acc(100, 0, 0))]);
        let out = execute_serial(&s, &[transfer(1, 1, 50, 0, 5)]);
        assert_eq!(out.receipts[0].status, Ok(()));
        assert_eq!(out.delta[&Felt::from(1)], acc(95, 0, 1));
    }

    #[test]
    fn swap_keeps_the_constant_product_and_checks_slippage() {
        let s = store(&[(1, acc(10_000, 0, 0)), (9, acc(1_000_000, 1_000_000, 0))]);
        let swap = |min_out, nonce| {
            NativeTx::Swap(Swap {
                user: Felt::from(1),
                pool: Felt::from(9),
                amount_in: 1000,
                direction: Direction::AToB,
                min_out,
                nonce,
                fee: 10,
            })
        };
        let out = execute_serial(&s, &[swap(0, 0), swap(10_000, 1)]);
        // 1e6 * 1000 * 997 / (1e6 * 1000 + 1000 * 997) = 996
        assert_eq!(out.receipts[0].status, Ok(()));
        let pool = out.delta[&Felt::from(9)];
        assert_eq!((pool.balance, pool.aux), (1_001_000, 1_000_000 - 996));
        assert!(pool.balance * pool.aux >= 1_000_000 * 1_000_000);
        assert!(matches!(out.receipts[1].status, Err(ExecError::Slippage { min_out: 10_000, .. })));
        // The failed swap still paid its fee and advanced the nonce.
        assert_eq!(out.delta[&Felt::from(1)], acc(10_000 - 10 - 1000 - 10, 996, 2));
        assert_ne!(out.receipts[0].hash, out.receipts[1].hash);
    }
}
