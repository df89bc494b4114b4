//! Hint families against cairo-vm, one program of `tests/cairo/` each: the
//! step count, final registers, the whole relocated memory and the
//! relocated trace must be equal (`tests/vm.rs` holds the older families).

#[path = "support/oracle.rs"]
#[allow(dead_code)]
mod oracle;

use oracle::check;

/// secp256r1 with SECP_P, N and ALPHA from the scope, 2^255 - 19, secp256r1's
/// prime under its own name, the `pt` spellings, ec_recover's helpers and
/// the five-limb division.
#[test]
fn secp_curve_hints() {
    check("secp_curves", true);
}

/// Temporary segments and relocate_segment, normalize_address, `n >= 10`,
/// and the cairo_keccak spellings of the permutation, finalize and full_word.
#[test]
fn segment_relocation_and_keccak_spellings() {
    check("segments", true);
}

/// SHA-256: whether a word is full, one compression of the IV, one of a
/// state in memory, and finalize_sha256's dummy instances.
#[test]
fn sha256_hints() {
    check("sha256", true);
}

/// Uint384: division, split, carries, square root, sign, modular square
/// roots, inverse and reduced subtraction; Uint768 by Uint384 (both
/// spellings); Uint256 square roots modulo primes 3 mod 4, 5 mod 8 and
/// 1 mod 8; Uint512 by Uint256 and a Uint512's inverse.
#[test]
fn uint384_family_hints() {
    check("uint384", true);
}

/// The scalar bits of an ec_mul over two scalars (dibit, quad_bit, len_hi),
/// a felt's bit length, uint128_add and keccak's second output word.
#[test]
fn scalar_bits_and_small_hints() {
    check("bits", true);
}

/// finalize_blake2s's other spellings, encode_felt252_to_u32s's loop test
/// and one compression of a final block.
#[test]
fn blake2s_variant_hints() {
    check("blake2s_variants", true);
}
