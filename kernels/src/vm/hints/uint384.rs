//! The Uint384 family's hints: divisions, square roots, inverses and
//! subtractions of integers held as 128-bit limbs (`Uint384(d0, d1, d2)`,
//! `Uint768(d0, .., d5)`, `Uint512(d0, .., d3)`, `Uint256(low, high)`, each
//! limb one member), and the modular square roots of `field_arithmetic`.
//!
//! Where cairo-vm departs from the Python hint (a zero square root refused,
//! `p` rather than 0 for `a - b` with `a == b`), this follows cairo-vm, the
//! reference these programs are checked against.

use super::ctx::{big, bool_felt, felt, HintCtx};
pub(super) use super::uint384_codes::CODES;
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::Value;
use num_bigint::{BigInt, BigUint};
use num_integer::Integer;

/// A hint of the Uint384 family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `uint384_unsigned_div_rem`.
    UnsignedDivRem,
    /// A felt as two 128-bit halves.
    Split128,
    /// The three carries of `add` (no range check of the result).
    AddNoCheck,
    /// `uint384_sqrt`.
    Sqrt,
    /// `memory[ap] = 1 if 0 <= a.d2 < 2**127`.
    SignedNn,
    /// `get_square_root` modulo a Uint384 prime: roots of `x` or of
    /// `generator * x`.
    GetSquareRoot,
    /// `b^-1 mod p` for Uint384s.
    Div,
    /// `(a - b) % p` for reduced Uint384s.
    SubReduced,
    /// `unsigned_div_rem_uint768_by_uint384` (two spellings).
    DivRemUint768,
    /// `get_square_root` modulo a Uint256 prime.
    Uint256GetSquareRoot,
    /// `uint512_unsigned_div_rem`: a Uint512 by a Uint256.
    Uint512DivRem,
    /// `x^-1 mod p`, `x` a Uint512 and `p` a Uint256.
    Uint512InvModP,
}

/// The first `limbs` members of `ids.name`, packed:
/// `sum(limb_i << (128 * i))`.
fn pack(cx: &HintCtx<'_>, h: &Hint, name: &str, limbs: u64) -> Result<BigUint, VmError> {
    let mut v = BigUint::ZERO;
    for i in (0..limbs).rev() {
        v = (v << 128u32) + big(cx.member_int(h, name, i)?);
    }
    Ok(v)
}

/// Writes `v` as `limbs` 128-bit limbs of `ids.name` (higher bits dropped).
fn split(cx: &mut HintCtx<'_>, h: &Hint, name: &str, v: &BigUint, limbs: u64) -> Result<(), VmError> {
    let mask = (BigUint::from(1u32) << 128u32) - 1u32;
    for i in 0..limbs {
        cx.set_member(h, name, i, Value::from(felt(&((v >> (128 * i)) & &mask))))?;
    }
    Ok(())
}

fn divide(cx: &HintCtx<'_>, a: &BigUint, div: &BigUint, what: &str) -> Result<(BigUint, BigUint), VmError> {
    if *div == BigUint::ZERO {
        return Err(cx.fail(format!("{what}: division by zero")));
    }
    Ok(a.div_rem(div))
}

/// The inverse of `a` modulo `p` by the extended Euclidean algorithm, as
/// cairo-vm computes it (also when `gcd(a, p) != 1`).
fn mul_inv(a: &BigInt, p: &BigInt) -> BigInt {
    if *a == BigInt::ZERO {
        return BigInt::ZERO;
    }
    let (mut r0, mut r1) = (BigInt::from(a.magnitude().clone()), BigInt::from(p.magnitude().clone()));
    let (mut x0, mut x1) = (BigInt::from(1), BigInt::ZERO);
    while r1 != BigInt::ZERO {
        let (q, r2) = r0.div_mod_floor(&r1);
        let x2 = &x0 - &q * &x1;
        (r0, r1, x0, x1) = (r1, r2, x1, x2);
    }
    if a.sign() == num_bigint::Sign::Minus {
        -x0
    } else {
        x0
    }
}

/// Whether `n` is (very probably) prime: Miller-Rabin over the first
/// twenty primes.
fn is_prime(n: &BigUint) -> bool {
    const BASES: [u32; 20] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71];
    if *n < BigUint::from(2u32) {
        return false;
    }
    for b in BASES {
        if *n == BigUint::from(b) {
            return true;
        }
        if (n % b) == BigUint::ZERO {
            return false;
        }
    }
    let one = BigUint::from(1u32);
    let n1 = n - &one;
    let s = n1.trailing_zeros().unwrap_or(0);
    let d = &n1 >> s;
    'bases: for b in BASES {
        let mut x = BigUint::from(b).modpow(&d, n);
        if x == one || x == n1 {
            continue;
        }
        for _ in 1..s {
            x = x.modpow(&BigUint::from(2u32), n);
            if x == n1 {
                continue 'bases;
            }
        }
        return false;
    }
    true
}

/// `is_quad_residue(a, p)` (every value counts as one modulo 2, and 0 and
/// 1 always do).
fn is_quad_residue(cx: &HintCtx<'_>, a: &BigUint, p: &BigUint) -> Result<bool, VmError> {
    if *p == BigUint::ZERO {
        return Err(cx.fail("is_quad_residue: the modulus is zero"));
    }
    let a = a % p;
    if a < BigUint::from(2u32) || *p < BigUint::from(3u32) {
        return Ok(true);
    }
    Ok(a.modpow(&((p - 1u32) >> 1u32), p) == BigUint::from(1u32))
}

/// A square root of `a` modulo the prime `p` (the smaller of the two, as
/// cairo-vm picks it), or `None` if `p` is not prime or `a` has none.
fn sqrt_mod_prime(a: &BigUint, p: &BigUint) -> Option<BigUint> {
    if !is_prime(p) {
        return None;
    }
    let (one, two) = (BigUint::from(1u32), BigUint::from(2u32));
    let a = a % p;
    if *p == two {
        return Some(a);
    }
    if !(a < two || a.modpow(&((p - 1u32) >> 1u32), p) == one) {
        return None;
    }
    let smaller = |r: BigUint| {
        let other = p - &r;
        if r < other {
            r
        } else {
            other
        }
    };
    if p % 4u32 == BigUint::from(3u32) {
        return Some(smaller(a.modpow(&((p + 1u32) >> 2u32), p)));
    }
    if p % 8u32 == BigUint::from(5u32) {
        if a.modpow(&((p - 1u32) >> 2u32), p) == one {
            return Some(smaller(a.modpow(&((p + 3u32) >> 3u32), p)));
        }
        let b = (BigUint::from(4u32) * &a).modpow(&((p - 5u32) >> 3u32), p);
        let x = (&two * &a * b) % p;
        if x.modpow(&two, p) == a {
            return Some(x);
        }
    }
    tonelli_shanks(&a, p)
}

/// Tonelli-Shanks for an odd prime `p` and a residue `n`: the smaller root
/// (`None` if the search fails, which a prime `p` never does).
fn tonelli_shanks(n: &BigUint, p: &BigUint) -> Option<BigUint> {
    let one = BigUint::from(1u32);
    if *n <= one {
        return Some(n.clone());
    }
    let p1 = p - &one;
    let s = p1.trailing_zeros().unwrap_or(0);
    let q = &p1 >> s;
    // The least quadratic non-residue.
    let mut z = BigUint::from(2u32);
    while z.modpow(&(&p1 >> 1u32), p) != p1 {
        z += 1u32;
        if z >= *p {
            return None;
        }
    }
    let (mut m, mut c, mut t) = (s, z.modpow(&q, p), n.modpow(&q, p));
    let mut r = n.modpow(&((&q + 1u32) >> 1u32), p);
    while t != one {
        let (mut i, mut t2) = (0u64, t.clone());
        while t2 != one {
            t2 = (&t2 * &t2) % p;
            i += 1;
            if i >= m {
                return None;
            }
        }
        let b = c.modpow(&(BigUint::from(1u32) << (m - i - 1)), p);
        m = i;
        c = (&b * &b) % p;
        t = (t * &c) % p;
        r = (r * b) % p;
    }
    let other = p - &r;
    Some(if r < other { r } else { other })
}

/// `get_square_root`: `success_x`, `success_gx` and the roots `sqrt_x`,
/// `sqrt_gx` (0 where there is none), the values `limbs` limbs wide.
fn get_square_root(cx: &mut HintCtx<'_>, h: &Hint, limbs: u64) -> Result<(), VmError> {
    let generator = pack(cx, h, "generator", limbs)?;
    let x = pack(cx, h, "x", limbs)?;
    let p = pack(cx, h, "p", limbs)?;
    let success_x = is_quad_residue(cx, &x, &p)?;
    let root_x = if success_x { sqrt_mod_prime(&x, &p).unwrap_or_default() } else { BigUint::ZERO };
    let gx = generator * &x;
    let success_gx = is_quad_residue(cx, &gx, &p)?;
    let root_gx = if success_gx { sqrt_mod_prime(&gx, &p).unwrap_or_default() } else { BigUint::ZERO };
    if x != BigUint::ZERO && success_x == success_gx {
        return Err(cx.fail("get_square_root: assert success_x + success_gx == 1"));
    }
    cx.set_int(h, "success_x", bool_felt(success_x))?;
    cx.set_int(h, "success_gx", bool_felt(success_gx))?;
    split(cx, h, "sqrt_x", &root_x, limbs)?;
    split(cx, h, "sqrt_gx", &root_gx, limbs)
}

/// Runs one hint of the Uint384 family.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    let shift = BigUint::from(1u32) << 128u32;
    match kind {
        Kind::UnsignedDivRem => {
            let (a, div) = (pack(cx, h, "a", 3)?, pack(cx, h, "div", 3)?);
            let (q, r) = divide(cx, &a, &div, "uint384_unsigned_div_rem")?;
            split(cx, h, "quotient", &q, 3)?;
            split(cx, h, "remainder", &r, 3)
        }
        Kind::Split128 => {
            let a = big(cx.get_int(h, "a")?);
            cx.set_int(h, "low", felt(&(&a % &shift)))?;
            cx.set_int(h, "high", felt(&(a >> 128u32)))
        }
        Kind::AddNoCheck => {
            let shift = big(h.constant_or("SHIFT", felt(&shift)));
            let mut carry = BigUint::ZERO;
            for (i, name) in ["carry_d0", "carry_d1", "carry_d2"].into_iter().enumerate() {
                let sum = big(cx.member_int(h, "a", i as u64)?) + big(cx.member_int(h, "b", i as u64)?) + &carry;
                carry = BigUint::from(u32::from(sum >= shift));
                cx.set_int(h, name, felt(&carry))?;
            }
            Ok(())
        }
        Kind::Sqrt => {
            let root = pack(cx, h, "a", 3)?.sqrt();
            if root == BigUint::ZERO || root.bits() > 192 {
                return Err(cx.fail("uint384_sqrt: assert 0 <= root < 2 ** 192 (with a zero root refused)"));
            }
            split(cx, h, "root", &root, 3)
        }
        Kind::SignedNn => {
            let d2 = cx.member_int(h, "a", 2)?;
            cx.write_ap(bool_felt(d2.bits() <= 127))
        }
        Kind::GetSquareRoot => get_square_root(cx, h, 3),
        Kind::Uint256GetSquareRoot => get_square_root(cx, h, 2),
        Kind::Div => {
            let (b, p) = (BigInt::from(pack(cx, h, "b", 3)?), BigInt::from(pack(cx, h, "p", 3)?));
            if b == BigInt::ZERO {
                return Err(cx.fail("uint384_div: division by zero"));
            }
            if p == BigInt::ZERO {
                return Err(cx.fail("uint384_div: the modulus is zero"));
            }
            let inv = mul_inv(&b, &p).mod_floor(&p).to_biguint().unwrap_or_default();
            split(cx, h, "b_inverse_mod_p", &inv, 3)
        }
        Kind::SubReduced => {
            let (a, b, p) = (pack(cx, h, "a", 3)?, pack(cx, h, "b", 3)?, pack(cx, h, "p", 3)?);
            if p == BigUint::ZERO {
                return Err(cx.fail("sub_reduced_a_and_reduced_b: the modulus is zero"));
            }
            let res = if a > b { (a - b) % &p } else { &p - (b - a) % &p };
            split(cx, h, "res", &res, 3)
        }
        Kind::DivRemUint768 => {
            let (a, div) = (pack(cx, h, "a", 6)?, pack(cx, h, "div", 3)?);
            let (q, r) = divide(cx, &a, &div, "unsigned_div_rem_uint768_by_uint384")?;
            split(cx, h, "quotient", &q, 6)?;
            split(cx, h, "remainder", &r, 3)
        }
        Kind::Uint512DivRem => {
            let (x, div) = (pack(cx, h, "x", 4)?, pack(cx, h, "div", 2)?);
            let (q, r) = divide(cx, &x, &div, "uint512_unsigned_div_rem")?;
            split(cx, h, "quotient", &q, 4)?;
            split(cx, h, "remainder", &r, 2)
        }
        Kind::Uint512InvModP => {
            let (x, p) = (BigInt::from(pack(cx, h, "x", 4)?), BigInt::from(pack(cx, h, "p", 2)?));
            let g = x.extended_gcd(&p);
            if p == BigInt::ZERO || g.gcd != BigInt::from(1) {
                return Err(cx.fail(format!("inv_mod_p_uint512: {x} has no inverse modulo {p}")));
            }
            // The inverse passes through a felt (reduced modulo PRIME), as
            // in cairo-vm.
            let inv = felt(&g.x.mod_floor(&p).to_biguint().unwrap_or_default());
            split(cx, h, "x_inverse_mod_p", &big(inv), 2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_roots_modulo_primes() {
        // p = 3 mod 4, p = 5 mod 8 and p = 1 mod 8 (Tonelli-Shanks).
        for p in [1_000_003u64, 1_000_037, 998_244_353] {
            let p = BigUint::from(p);
            assert!(is_prime(&p));
            for a in 2u64..200 {
                let a = BigUint::from(a);
                if let Some(r) = sqrt_mod_prime(&a, &p) {
                    assert_eq!((&r * &r) % &p, a, "root of {a} mod {p}");
                }
            }
        }
        assert!(!is_prime(&BigUint::from(1_000_001u64)));
        assert_eq!(sqrt_mod_prime(&BigUint::from(4u32), &BigUint::from(15u32)), None);
    }

    #[test]
    fn mul_inv_inverts() {
        let (a, p) = (BigInt::from(17), BigInt::from(1_000_003));
        assert_eq!((mul_inv(&a, &p) * &a).mod_floor(&p), BigInt::from(1));
    }
}
