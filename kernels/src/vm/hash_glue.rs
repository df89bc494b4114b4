//! The hashes behind the pedersen and poseidon builtins, in one place: the
//! scalar kernels of [`crate::hash`].

use crate::field::Fe;
use crate::hash::{pedersen as ped, poseidon as pos};
use starknet_types_core::felt::Felt;

/// Starknet Pedersen hash of `(a, b)`.
pub fn pedersen(a: Felt, b: Felt) -> Felt {
    ped::scalar::hash_one(Fe::from_felt(&a), Fe::from_felt(&b)).to_felt()
}

/// The Hades permutation behind Starknet Poseidon, in place.
pub fn poseidon_permute(state: &mut [Felt; 3]) {
    let mut s = state.map(|f| Fe::from_felt(&f));
    pos::scalar::permute(&mut s);
    *state = s.map(Fe::to_felt);
}
