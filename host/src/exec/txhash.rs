//! The transaction hash: Poseidon over the transaction's fields, the work a
//! signature check costs per transaction.

use starknet_types_core::felt::Felt;
use wavelane_kernels::hash::poseidon;

/// Poseidon hash of `fields` (Starknet's `poseidon_hash_many`), computed by
/// wavelane's scalar Poseidon kernel.
pub fn tx_hash(fields: &[Felt]) -> Felt {
    poseidon::hash_many(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_starknet_crypto() {
        for n in 0..8u64 {
            let fields: Vec<Felt> = (0..n).map(|i| Felt::from(i * 0x1234_5678_9abc + 7) - Felt::from(n)).collect();
            assert_eq!(tx_hash(&fields), starknet_crypto::poseidon_hash_many(&fields), "{n} fields");
        }
    }
}
