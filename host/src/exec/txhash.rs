//! The transaction hash: Poseidon over the transaction's fields, the work a
//! signature check costs per transaction.

use starknet_types_core::felt::Felt;

/// Poseidon hash of `fields` (Starknet's `poseidon_hash_many`).
///
/// Computed with `starknet-crypto` for now; it moves to
/// `wavelane_kernels::hash` (bit-exact with it) once that is in place, so
/// this is the one place to re-point.
pub fn tx_hash(fields: &[Felt]) -> Felt {
    starknet_crypto::poseidon_hash_many(fields)
}
