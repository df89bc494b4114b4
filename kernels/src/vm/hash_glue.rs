//! The hashes behind the pedersen and poseidon builtins, in one place.
//!
//! Implemented with `starknet-crypto` for now; these two functions will call
//! `crate::hash` (the batch hashing kernels) once that module is available.

use starknet_types_core::felt::Felt;

/// Starknet Pedersen hash of `(a, b)`.
pub fn pedersen(a: Felt, b: Felt) -> Felt {
    starknet_crypto::pedersen_hash(&a, &b)
}

/// The Hades permutation behind Starknet Poseidon, in place.
pub fn poseidon_permute(state: &mut [Felt; 3]) {
    starknet_crypto::poseidon_permute_comp(state);
}
