//! The storage layout of Starknet's ERC-20 tokens (the STRK and ETH fee
//! tokens among them): an account's balance is a u256 in two cells of the
//! token contract, the low 128 bits at `normalize(pedersen(base, account))`
//! with `base = sn_keccak("ERC20_balances")`, the high 128 bits at the next
//! key. `normalize` is Cairo's `normalize_address`: a hash at or above
//! `2^251 - 256` has `2^251 - 256` taken off, so the next key stays below
//! 2^251 too.

use super::{Blocked, ExecError, StateView, U256};
use crate::state::{ContractAddress, StateKey, StorageKey};
use starknet_types_core::felt::Felt;
use wavelane_kernels::backend::Backend;
use wavelane_kernels::hash::{pedersen, HashError};

/// `sn_keccak("ERC20_balances")`, the base of the balances map.
pub const BALANCES_BASE: Felt =
    Felt::from_hex_unchecked("0x3a4e8ec16e258a799fe707996fd5d21d42b29adc1499a370edf7f809d8c458a");

/// The STRK token contract on Starknet mainnet (the fee token).
pub const STRK: ContractAddress = ContractAddress::from_felt_unchecked(Felt::from_hex_unchecked(
    "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d",
));

/// The ETH token contract on Starknet mainnet.
pub const ETH: ContractAddress = ContractAddress::from_felt_unchecked(Felt::from_hex_unchecked(
    "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7",
));

/// `2^251 - 256`, Cairo's `ADDR_BOUND`.
const ADDR_BOUND: Felt = Felt::from_hex_unchecked("0x7ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff00");

/// A Pedersen hash as a storage key: Cairo's `normalize_address`.
pub fn normalize(h: Felt) -> StorageKey {
    let k = if h >= ADDR_BOUND { h - ADDR_BOUND } else { h };
    StorageKey::from_felt_unchecked(k)
}

/// The storage key of `account`'s balance (its low half) in any token.
pub fn balance_key(account: ContractAddress) -> StorageKey {
    normalize(pedersen::hash(BALANCES_BASE, account.felt()))
}

/// The balance keys of many accounts, hashed as one batch on `backend`.
pub fn balance_key_batch(backend: Backend, accounts: &[Felt]) -> Result<Vec<StorageKey>, HashError> {
    let bases = vec![BALANCES_BASE; accounts.len()];
    Ok(pedersen::hash_batch_felts(backend, &bases, accounts)?.into_iter().map(normalize).collect())
}

/// The two cells of the balance whose low half is at `key`, in `token`.
pub fn balance_keys(token: ContractAddress, key: StorageKey) -> [StateKey; 2] {
    let high = StorageKey::from_felt_unchecked(key.felt() + Felt::ONE);
    [StateKey::Storage(token, key), StateKey::Storage(token, high)]
}

/// Reads the u256 in `cells`; a cell wider than 128 bits is an error.
pub fn read_balance<V: StateView + ?Sized>(
    view: &mut V,
    cells: &[StateKey; 2],
) -> Result<Result<U256, ExecError>, Blocked> {
    let (lo, hi) = (view.read(&cells[0])?, view.read(&cells[1])?);
    Ok(match (super::u256::felt_u128(&lo), super::u256::felt_u128(&hi)) {
        (Some(lo), Some(hi)) => Ok(U256 { lo, hi }),
        (None, _) => Err(ExecError::BadCell { key: cells[0] }),
        (_, None) => Err(ExecError::BadCell { key: cells[1] }),
    })
}

/// Writes the balance in `cells` going from `old` (the value the program
/// holds) to `new`: a half that differs from `old` is written, and so is a
/// half `writes` holds already (its value replaced), so each key is written
/// once, with its final value. An unchanged half is not written.
pub fn write_balance(writes: &mut Vec<(StateKey, Felt)>, cells: &[StateKey; 2], old: U256, new: U256) {
    for (key, (o, n)) in cells.iter().zip([(old.lo, new.lo), (old.hi, new.hi)]) {
        match writes.iter_mut().find(|w| w.0 == *key) {
            Some(w) => w.1 = Felt::from(n),
            None if o != n => writes.push((*key, Felt::from(n))),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balance_key_is_cairo_storage_var_address() {
        // cairo-lang 0.14: get_storage_var_address("ERC20_balances", 0x123).
        let want = Felt::from_hex_unchecked("0x709c6298f62a9011c05499b9f5ccce4ecc3e0753e48096edef484c409c25181");
        assert_eq!(balance_key(ContractAddress::from_u64(0x123)).felt(), want);
    }

    #[test]
    fn batch_keys_equal_one_by_one() {
        let accounts: Vec<Felt> = (0..300u64).map(|i| Felt::from(i * 0x9e37_79b9 + 1)).collect();
        let batch = balance_key_batch(Backend::Simd, &accounts).expect("simd never fails");
        for (a, k) in accounts.iter().zip(batch) {
            assert_eq!(balance_key(ContractAddress::new(*a).expect("small")), k);
        }
    }

    #[test]
    fn normalize_takes_the_bound_off() {
        assert_eq!(normalize(ADDR_BOUND).felt(), Felt::ZERO);
        assert_eq!(normalize(ADDR_BOUND + Felt::from(5u64)).felt(), Felt::from(5u64));
        assert_eq!(normalize(Felt::from(5u64)).felt(), Felt::from(5u64));
    }
}
