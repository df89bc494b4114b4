//! Native programs as contracts: the ERC-20 transfer and a swap on a
//! constant-product pool, over Starknet's state layout.
//!
//! * A [`Transfer`] moves `amount` of `token` between the balance cells of
//!   two accounts (see `erc20.rs`) and advances the sender's contract nonce.
//! * A [`Swap`] pays `amount_in` of one token of a pool (STRK or ETH) into
//!   the pool contract's reserve cells ([`RESERVE0`], [`RESERVE1`]: u256s
//!   as the balances are) and takes the other token out (`x · y = k`, a
//!   0.3 % pool fee).
//!
//! Both pay their fee in STRK and follow the same rules for failure: a
//! wrong nonce or a sender that cannot pay the fee changes nothing (fee 0);
//! any later failure advances the nonce and charges the fee, and changes
//! nothing else. The program debits the fee; the protocol credits it to the
//! sequencer ([`super::FeeSink`]).
//!
//! An account's balance key is a Pedersen hash, and the transaction hash a
//! Poseidon hash: [`prepare`] computes both for a whole block in batches,
//! which is most of a native transaction's work. A [`NativeTx`] executed
//! unprepared computes them itself.

use super::erc20::{balance_key, balance_key_batch, balance_keys, read_balance, write_balance, ETH, STRK};
use super::{AccessSet, Blocked, ExecError, Receipt, StateView, Transaction, TxOutput, U256};
use crate::state::{ContractAddress, StateKey, StorageKey};
use starknet_types_core::felt::Felt;
use wavelane_kernels::backend::Backend;
use wavelane_kernels::hash::{poseidon, HashError};

/// Compute units charged for a transfer.
pub const TRANSFER_CU: u64 = 300;
/// Compute units charged for a swap.
pub const SWAP_CU: u64 = 1_000;

/// `sn_keccak("Pair_reserve0")`: a pool's STRK reserve (low half; the high
/// half at the next key).
pub const RESERVE0: StorageKey = StorageKey::from_felt_unchecked(Felt::from_hex_unchecked(
    "0x1f39d03b790354c59a718e2b5a3f0bc5dea763d922a0a8c285778e9eb4a5c25",
));
/// `sn_keccak("Pair_reserve1")`: a pool's ETH reserve.
pub const RESERVE1: StorageKey = StorageKey::from_felt_unchecked(Felt::from_hex_unchecked(
    "0x28124ac0ee8d9ddd276ee950a3ae24ddebfb5c9c0dd6c35c39a0425f091c1a",
));

/// Moves `amount` of `token` from `from` to `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The token contract (STRK, the fee token, or any ERC-20).
    pub token: ContractAddress,
    /// The sender.
    pub from: ContractAddress,
    /// The recipient.
    pub to: ContractAddress,
    /// Amount moved.
    pub amount: U256,
    /// The sender's nonce.
    pub nonce: u64,
    /// Fee paid in STRK; divided by the compute units it is the priority.
    pub fee: u128,
}

/// Which way a swap goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Pays STRK, receives ETH.
    AToB,
    /// Pays ETH, receives STRK.
    BToA,
}

/// Swaps on a constant-product pool of STRK ([`RESERVE0`]) and ETH
/// ([`RESERVE1`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Swap {
    /// The trader (pays the fee).
    pub user: ContractAddress,
    /// The pool contract.
    pub pool: ContractAddress,
    /// Amount paid in.
    pub amount_in: U256,
    /// Which token is paid in.
    pub direction: Direction,
    /// The least the trader accepts.
    pub min_out: U256,
    /// The trader's nonce.
    pub nonce: u64,
    /// Fee paid in STRK.
    pub fee: u128,
}

/// A native transaction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NativeTx {
    /// A transfer.
    Transfer(Transfer),
    /// A swap.
    Swap(Swap),
}

/// Domain tags so a transfer and a swap never share a hash.
const TAG_TRANSFER: Felt = Felt::from_hex_unchecked("0x7472616e73666572"); // "transfer"
const TAG_SWAP: Felt = Felt::from_hex_unchecked("0x73776170"); // "swap"

impl NativeTx {
    /// Compute units this transaction is charged.
    pub fn compute_units(&self) -> u64 {
        match self {
            NativeTx::Transfer(_) => TRANSFER_CU,
            NativeTx::Swap(_) => SWAP_CU,
        }
    }

    /// The fee it pays.
    pub fn fee(&self) -> u128 {
        match self {
            NativeTx::Transfer(t) => t.fee,
            NativeTx::Swap(s) => s.fee,
        }
    }

    /// The account paying the fee.
    pub fn sender(&self) -> ContractAddress {
        match self {
            NativeTx::Transfer(t) => t.from,
            NativeTx::Swap(s) => s.user,
        }
    }

    /// The sender's nonce it carries.
    pub fn nonce(&self) -> u64 {
        match self {
            NativeTx::Transfer(t) => t.nonce,
            NativeTx::Swap(s) => s.nonce,
        }
    }

    /// The fields its hash covers, tag first.
    pub fn hash_fields(&self) -> Vec<Felt> {
        let u = |v: U256| [Felt::from(v.lo), Felt::from(v.hi)];
        match self {
            NativeTx::Transfer(t) => {
                let mut f = vec![TAG_TRANSFER, t.token.felt(), t.from.felt(), t.to.felt()];
                f.extend(u(t.amount));
                f.extend([Felt::from(t.nonce), Felt::from(t.fee)]);
                f
            }
            NativeTx::Swap(s) => {
                let dir = match s.direction {
                    Direction::AToB => Felt::ZERO,
                    Direction::BToA => Felt::ONE,
                };
                let mut f = vec![TAG_SWAP, s.user.felt(), s.pool.felt()];
                f.extend(u(s.amount_in));
                f.push(dir);
                f.extend(u(s.min_out));
                f.extend([Felt::from(s.nonce), Felt::from(s.fee)]);
                f
            }
        }
    }

    /// The accounts whose balance keys it needs: the sender, and the
    /// recipient of a transfer.
    fn accounts(&self) -> (ContractAddress, Option<ContractAddress>) {
        match self {
            NativeTx::Transfer(t) => (t.from, Some(t.to)),
            NativeTx::Swap(s) => (s.user, None),
        }
    }

    /// This transaction prepared one hash at a time (see [`prepare`]).
    pub fn prepare_one(&self) -> Prepared {
        self.prepare_with(poseidon::hash_many, balance_key)
    }

    /// This transaction prepared with the given hash functions: `hash_many`
    /// for the transaction hash (Poseidon over [`NativeTx::hash_fields`])
    /// and `balance_key` for the balance keys (a benchmark peer passes
    /// another library's).
    pub fn prepare_with(
        &self,
        hash_many: impl Fn(&[Felt]) -> Felt,
        balance_key: impl Fn(ContractAddress) -> StorageKey,
    ) -> Prepared {
        let (sender, other) = self.accounts();
        Prepared {
            tx: self.clone(),
            hash: hash_many(&self.hash_fields()),
            sender_key: balance_key(sender),
            other_key: other.map(balance_key).unwrap_or_default(),
        }
    }
}

/// A native transaction with its hash and balance keys computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The transaction.
    pub tx: NativeTx,
    /// Its hash.
    pub hash: Felt,
    /// The sender's balance key.
    sender_key: StorageKey,
    /// The recipient's balance key (transfers).
    other_key: StorageKey,
}

/// Prepares `block` for execution: every transaction hash as one Poseidon
/// batch and every balance key as one Pedersen batch on `backend` (the GPU
/// falls back to `simd` if it fails).
pub fn prepare(backend: Backend, block: &[NativeTx]) -> Result<Vec<Prepared>, HashError> {
    let fields: Vec<Vec<Felt>> = block.iter().map(NativeTx::hash_fields).collect();
    let mut accounts = Vec::with_capacity(2 * block.len());
    for t in block {
        let (a, b) = t.accounts();
        accounts.push(a.felt());
        accounts.extend(b.map(ContractAddress::felt));
    }
    let hashes = poseidon::hash_many_batch_felts(backend, &fields)
        .or_else(|_| poseidon::hash_many_batch_felts(Backend::Simd, &fields))?;
    let keys = balance_key_batch(backend, &accounts).or_else(|_| balance_key_batch(Backend::Simd, &accounts))?;
    let mut keys = keys.into_iter();
    Ok(block
        .iter()
        .zip(hashes)
        .map(|(t, hash)| {
            let sender_key = keys.next().expect("one key per sender");
            let other_key =
                if t.accounts().1.is_some() { keys.next().expect("one per recipient") } else { Default::default() };
            Prepared { tx: t.clone(), hash, sender_key, other_key }
        })
        .collect())
}

impl Prepared {
    /// The sender's balance key.
    pub(crate) fn sender_key(&self) -> StorageKey {
        self.sender_key
    }

    /// The recipient's balance key (transfers; 0 for swaps).
    pub(crate) fn other_key(&self) -> StorageKey {
        self.other_key
    }

    /// The state keys it may touch (all written).
    pub fn access(&self) -> AccessSet {
        let mut writes = Vec::with_capacity(9);
        let sender = self.tx.sender();
        writes.push(StateKey::Nonce(sender));
        writes.extend(balance_keys(STRK, self.sender_key));
        match &self.tx {
            NativeTx::Transfer(t) => {
                if t.token != STRK {
                    writes.extend(balance_keys(t.token, self.sender_key));
                }
                if t.to != t.from {
                    writes.extend(balance_keys(t.token, self.other_key));
                }
            }
            NativeTx::Swap(s) => {
                writes.extend(balance_keys(ETH, self.sender_key));
                writes.extend(balance_keys(s.pool, RESERVE0));
                writes.extend(balance_keys(s.pool, RESERVE1));
            }
        }
        AccessSet { reads: Vec::new(), writes }
    }
}

impl Transaction for Prepared {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        match &self.tx {
            NativeTx::Transfer(t) => transfer(self, t, view),
            NativeTx::Swap(s) => swap(self, s, view),
        }
    }

    fn declared(&self) -> Option<AccessSet> {
        Some(self.access())
    }

    fn program(&self) -> Option<super::Program> {
        Some(Prepared::program(self))
    }
}

impl Transaction for NativeTx {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        self.prepare_one().execute(view)
    }

    fn declared(&self) -> Option<AccessSet> {
        Some(self.prepare_one().access())
    }
}

fn fail(hash: Felt, fee: u128, writes: Vec<(StateKey, Felt)>, e: ExecError) -> TxOutput {
    TxOutput { writes, receipt: Receipt { hash, fee, status: Err(e) } }
}

/// The writes of the nonce and the fee, and the sender's STRK balance after
/// the fee.
type Charged = (Vec<(StateKey, Felt)>, U256);

/// The nonce checked and advanced and the fee debited: the writes so far
/// and the sender's STRK balance after the fee, or the output of a
/// transaction that fails with no effects.
fn charge<V: StateView + ?Sized>(
    p: &Prepared,
    nonce: u64,
    fee: u128,
    view: &mut V,
) -> Result<Result<Charged, TxOutput>, Blocked> {
    let sender = p.tx.sender();
    let nonce_key = StateKey::Nonce(sender);
    let have = view.read(&nonce_key)?;
    if have != Felt::from(nonce) {
        return Ok(Err(fail(
            p.hash,
            0,
            Vec::new(),
            ExecError::BadNonce { account: sender, expected: have, got: nonce },
        )));
    }
    let cells = balance_keys(STRK, p.sender_key);
    let balance = match read_balance(view, &cells)? {
        Ok(b) => b,
        Err(e) => return Ok(Err(fail(p.hash, 0, Vec::new(), e))),
    };
    let fee_u = U256::from(fee);
    let Some(after) = balance.checked_sub(fee_u) else {
        let e = ExecError::InsufficientBalance { account: sender, need: fee_u, have: balance };
        return Ok(Err(fail(p.hash, 0, Vec::new(), e)));
    };
    let mut writes = Vec::with_capacity(7);
    writes.push((nonce_key, have + Felt::ONE));
    write_balance(&mut writes, &cells, balance, after);
    Ok(Ok((writes, after)))
}

fn transfer<V: StateView + ?Sized>(p: &Prepared, t: &Transfer, view: &mut V) -> Result<TxOutput, Blocked> {
    let (mut writes, after_fee) = match charge(p, t.nonce, t.fee, view)? {
        Ok(c) => c,
        Err(out) => return Ok(out),
    };
    let fee_only = |writes, e| Ok(fail(p.hash, t.fee, writes, e));
    let src_cells = balance_keys(t.token, p.sender_key);
    let src = if t.token == STRK {
        after_fee
    } else {
        match read_balance(view, &src_cells)? {
            Ok(b) => b,
            Err(e) => return fee_only(writes, e),
        }
    };
    let Some(src_after) = src.checked_sub(t.amount) else {
        let e = ExecError::InsufficientBalance { account: t.from, need: t.amount, have: src };
        return fee_only(writes, e);
    };
    let ok = Receipt { hash: p.hash, fee: t.fee, status: Ok(()) };
    if t.to == t.from {
        return Ok(TxOutput { writes, receipt: ok });
    }
    let dst_cells = balance_keys(t.token, p.other_key);
    let dst = match read_balance(view, &dst_cells)? {
        Ok(b) => b,
        Err(e) => return fee_only(writes, e),
    };
    let Some(dst_after) = dst.checked_add(t.amount) else {
        return fee_only(writes, ExecError::Overflow { account: t.to });
    };
    write_balance(&mut writes, &src_cells, src, src_after);
    write_balance(&mut writes, &dst_cells, dst, dst_after);
    Ok(TxOutput { writes, receipt: ok })
}

/// `reserve_out · paid / (reserve_in · 1000 + paid)` with `paid = amount_in
/// · 997`: what a constant-product pool with a 0.3 % fee returns.
fn amount_out(reserve_in: U256, reserve_out: U256, amount_in: U256) -> Option<U256> {
    let one = U256::from(1u64);
    let paid = amount_in.mul_div(U256::from(997u64), one)?;
    let den = reserve_in.mul_div(U256::from(1000u64), one)?.checked_add(paid)?;
    reserve_out.mul_div(paid, den)
}

fn swap<V: StateView + ?Sized>(p: &Prepared, s: &Swap, view: &mut V) -> Result<TxOutput, Blocked> {
    let (mut writes, after_fee) = match charge(p, s.nonce, s.fee, view)? {
        Ok(c) => c,
        Err(out) => return Ok(out),
    };
    let fee_only = |writes, e| Ok(fail(p.hash, s.fee, writes, e));
    if s.user == s.pool {
        return fee_only(writes, ExecError::Program("a pool cannot swap with itself".into()));
    }
    let strk = balance_keys(STRK, p.sender_key);
    let eth = balance_keys(ETH, p.sender_key);
    let (r0, r1) = (balance_keys(s.pool, RESERVE0), balance_keys(s.pool, RESERVE1));
    // (the user's cells paid from and received into, the pool's reserves in and out)
    let (user_in, user_out, pool_in, pool_out) = match s.direction {
        Direction::AToB => (strk, eth, r0, r1),
        Direction::BToA => (eth, strk, r1, r0),
    };
    let read = |cells: &[StateKey; 2], view: &mut V| -> Result<Result<U256, ExecError>, Blocked> {
        if *cells == strk {
            Ok(Ok(after_fee))
        } else {
            read_balance(view, cells)
        }
    };
    let have_in = match read(&user_in, view)? {
        Ok(b) => b,
        Err(e) => return fee_only(writes, e),
    };
    if have_in < s.amount_in {
        let e = ExecError::InsufficientBalance { account: s.user, need: s.amount_in, have: have_in };
        return fee_only(writes, e);
    }
    let (res_in, res_out) = match (read(&pool_in, view)?, read(&pool_out, view)?) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fee_only(writes, e),
    };
    let Some(out) = amount_out(res_in, res_out, s.amount_in) else {
        return fee_only(writes, ExecError::Overflow { account: s.pool });
    };
    if out < s.min_out {
        return fee_only(writes, ExecError::Slippage { pool: s.pool, out, min_out: s.min_out });
    }
    let have_out = match read(&user_out, view)? {
        Ok(b) => b,
        Err(e) => return fee_only(writes, e),
    };
    let (Some(pool_in_after), Some(user_out_after)) = (res_in.checked_add(s.amount_in), have_out.checked_add(out))
    else {
        return fee_only(writes, ExecError::Overflow { account: s.pool });
    };
    // `out < res_out` always (the quotient is below `res_out`), and the
    // user holds `amount_in`: neither subtraction can fail.
    let pool_out_after = res_out.checked_sub(out).expect("a swap returns less than the reserve");
    let user_in_after = have_in.checked_sub(s.amount_in).expect("checked above");
    // The STRK cells may already hold the fee's debit; `write_balance`
    // replaces it with the final value.
    write_balance(&mut writes, &user_in, have_in, user_in_after);
    write_balance(&mut writes, &user_out, have_out, user_out_after);
    write_balance(&mut writes, &pool_in, res_in, pool_in_after);
    write_balance(&mut writes, &pool_out, res_out, pool_out_after);
    Ok(TxOutput { writes, receipt: Receipt { hash: p.hash, fee: s.fee, status: Ok(()) } })
}
