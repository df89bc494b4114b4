//! Hints over `cairo_secp`'s `BigInt3` field elements (three 86-bit limbs,
//! each read as a signed felt): reduction, zero tests, slopes, doubling and
//! addition, `ec_mul`'s bits, points from x, division modulo the group order
//! and `ec_recover`'s helpers.
//!
//! The same computations come in several spellings ([`super::secp_codes`])
//! over three fields: secp256k1 (`from secp_utils import SECP_P`),
//! 2^255 - 19 (`SECP_P = 2**255-19`) and secp256r1 (`import SECP256R1_P as
//! SECP_P`, or `SECP256R1_P` itself). As in Python, a hint that imports or
//! assigns `SECP_P` (or `N`, `ALPHA`) leaves it in the current scope, and a
//! hint that only uses it reads it from there ([`P::Scope`]). Results go
//! through the scope variable `value` that `nondet_bigint3` splits into
//! limbs.

use super::ctx::{felt, offset, HintCtx, Var};
use super::math::signed;
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::Value;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use starknet_types_core::felt::Felt;

/// Where a hint's prime `SECP_P` (or, for division modulo the group order,
/// `N`) comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum P {
    /// secp256k1's, imported by the hint (and so set in the scope).
    K1,
    /// 2^255 - 19, assigned by the hint (and so set in the scope).
    Ed,
    /// secp256r1's, imported under its own name (the scope's `SECP_P` is
    /// left alone).
    R1,
    /// secp256r1's, and the limbs packed modulo it rather than `PRIME` (so
    /// read unsigned).
    R1Unsigned,
    /// The scope's, set by an earlier hint.
    Scope,
}

/// The curve's `alpha` in `ec_double_slope`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alpha {
    /// secp256k1's 0.
    Zero,
    /// The constant of the 2^255 - 19 (Weierstrass form) hints.
    Ed,
    /// secp256r1's.
    R1,
    /// The scope's `ALPHA`.
    Scope,
}

/// A secp hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `nondet_bigint3`: split `value` into `ids.res`.
    NondetBigint3,
    /// `bigint_to_uint256`: the low 128 bits.
    BigintToUint256,
    /// `verify_zero`: `ids.q`, the quotient of `pack(ids.val)` by SECP_P.
    VerifyZero(P),
    /// `is_zero`: `x = pack(ids.x) % SECP_P`.
    IsZeroPack(P),
    /// `is_zero`: `memory[ap] = x == 0`.
    IsZeroNondet,
    /// `is_zero`: `value = x_inv = 1 / x`.
    IsZeroAssignScopeVars(P),
    /// `reduce`.
    Reduce(P),
    /// `ec_negate`.
    EcNegate(P),
    /// `compute_doubling_slope` of the point named so.
    EcDoubleSlope(P, Alpha, &'static str),
    /// `compute_slope` of the points named so (`point0`, `point1` or `pt0`,
    /// `pt1`).
    ComputeSlope(P, &'static str),
    /// `ec_double`: new x.
    EcDoubleAssignNewX(P, &'static str),
    /// `ec_double`: new y.
    EcDoubleAssignNewY,
    /// `fast_ec_add`: new x.
    FastEcAddAssignNewX(P, &'static str),
    /// `fast_ec_add`: new y.
    FastEcAddAssignNewY,
    /// `ec_mul_inner`: the scalar's low bit.
    EcMulInner,
    /// `div_mod_n`: `res = a / b mod N` (N secp256k1's, or the scope's).
    DivModNPacked(P),
    /// `div_mod_n`: `k = (res * b - a) / N` (plus one), with the scope's
    /// variables named `a` and `b`.
    SafeDiv {
        /// The dividend's subtrahend.
        a: &'static str,
        /// The factor of `res`.
        b: &'static str,
        /// Whether 1 is added to the quotient.
        plus_one: bool,
    },
    /// `get_point_from_x`.
    GetPointFromX,
    /// `SECP_P` = secp256r1's prime.
    ImportR1P,
    /// `N` = secp256r1's group order.
    ImportR1N,
    /// `ALPHA` = secp256r1's alpha.
    ImportR1Alpha,
    /// `ec_recover`: `res = x / s mod N`, N packed from `ids.n` or
    /// secp256k1's order.
    EcRecoverDivModN {
        /// Whether N comes from `ids.n`.
        n_from_ids: bool,
    },
    /// `ec_recover`: `res = a - b`.
    EcRecoverSubAB,
    /// `ec_recover`: `res = a * b % m`.
    EcRecoverProductMod,
    /// `ec_recover`: `k = product // m`.
    EcRecoverProductDivM,
    /// `bigint_div_mod`: `res = x / y mod P`, x of five limbs.
    BigintPackDivMod,
    /// `bigint_div_mod`: `|k|` and its sign, `k = (res * y - x) / p`.
    BigintSafeDiv,
}

pub(super) use super::secp_codes::CODES;

/// secp256k1's field prime, 2^256 - 2^32 - 977.
fn secp_p() -> BigInt {
    (BigInt::from(1) << 256u32) - (BigInt::from(1) << 32u32) - 977
}

/// 2^255 - 19.
fn ed_p() -> BigInt {
    (BigInt::from(1) << 255u32) - 19
}

/// secp256r1's field prime, 2^256 - 2^224 + 2^192 + 2^96 - 1.
fn r1_p() -> BigInt {
    (BigInt::from(1) << 256u32) - (BigInt::from(1) << 224u32) + (BigInt::from(1) << 192u32) + (BigInt::from(1) << 96u32)
        - 1
}

fn hex(s: &str) -> BigInt {
    BigInt::parse_bytes(s.as_bytes(), 16).unwrap_or_default()
}

/// secp256k1's group order.
fn secp_n() -> BigInt {
    hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141")
}

/// secp256r1's group order.
fn r1_n() -> BigInt {
    hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551")
}

/// secp256r1's alpha (p - 3).
fn r1_alpha() -> BigInt {
    hex("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC")
}

/// The alpha of the 2^255 - 19 hints.
fn ed_alpha() -> BigInt {
    BigInt::parse_bytes(b"42204101795669822316448953119945047945709099015225996174933988943478124189485", 10)
        .unwrap_or_default()
}

/// `BASE`: 2^86.
fn base() -> BigInt {
    BigInt::from(1) << 86u32
}

/// `pack(ids.name + off, PRIME)`: the three limbs at member offset `off`,
/// each as a signed integer (`unsigned`: as it is, as packing modulo a
/// prime above 2 * PRIME reads it).
fn pack_limbs(cx: &HintCtx<'_>, h: &Hint, name: &str, off: u64, unsigned: bool) -> Result<BigInt, VmError> {
    let mut acc = BigInt::from(0);
    for i in (0..3).rev() {
        let limb = cx.member_int(h, name, off + i)?;
        let limb = if unsigned { BigInt::from(limb.to_biguint()) } else { signed(limb) };
        acc = acc * base() + limb;
    }
    Ok(acc)
}

/// `pack(ids.name + off, PRIME)`.
fn pack(cx: &HintCtx<'_>, h: &Hint, name: &str, off: u64) -> Result<BigInt, VmError> {
    pack_limbs(cx, h, name, off, false)
}

fn modp(v: &BigInt, m: &BigInt) -> BigInt {
    v.mod_floor(m)
}

/// `div_mod(n, m, p)`: x in [0, p) with m·x ≡ n (mod p); m must be
/// invertible modulo p (p need not be prime).
fn div_mod(cx: &HintCtx<'_>, n: &BigInt, m: &BigInt, p: &BigInt) -> Result<BigInt, VmError> {
    if p.sign() != Sign::Plus {
        return Err(cx.fail(format!("div_mod: modulus {p} is not positive")));
    }
    let e = modp(m, p).extended_gcd(p);
    if e.gcd != BigInt::from(1) {
        return Err(cx.fail(format!("div_mod: {m} is not invertible modulo {p}")));
    }
    Ok(modp(&(n * e.x), p))
}

/// `safe_div(x, y)`: x / y, which must be exact.
fn safe_div(cx: &HintCtx<'_>, x: &BigInt, y: &BigInt) -> Result<BigInt, VmError> {
    if y.sign() == Sign::NoSign {
        return Err(cx.fail("safe_div: division by zero"));
    }
    let (q, r) = x.div_mod_floor(y);
    if r.sign() != Sign::NoSign {
        return Err(cx.fail(format!("safe_div: {x} is not divisible by {y}")));
    }
    Ok(q)
}

fn set_value(cx: &mut HintCtx<'_>, also: &'static str, v: BigInt) {
    cx.put(also, Var::Big(v.clone()));
    cx.put("value", Var::Big(v));
}

fn put_all<const N: usize>(cx: &mut HintCtx<'_>, vars: [(&'static str, BigInt); N]) {
    for (n, v) in vars {
        cx.put(n, Var::Big(v));
    }
}

/// The prime `SECP_P` of a hint, setting it in the scope where the hint
/// imports or assigns it.
fn prime(cx: &mut HintCtx<'_>, p: P) -> Result<BigInt, VmError> {
    Ok(match p {
        P::K1 | P::Ed => {
            let v = if p == P::K1 { secp_p() } else { ed_p() };
            cx.put("SECP_P", Var::Big(v.clone()));
            v
        }
        P::R1 | P::R1Unsigned => r1_p(),
        P::Scope => cx.var_big("SECP_P")?,
    })
}

/// The group order `N` of a hint (secp256k1's, imported and so set in the
/// scope, or the scope's).
fn order(cx: &mut HintCtx<'_>, p: P) -> Result<BigInt, VmError> {
    if p == P::Scope {
        return cx.var_big("N");
    }
    cx.put("N", Var::Big(secp_n()));
    Ok(secp_n())
}

/// A non-negative integer below p as a felt; anything else reduced mod p.
fn to_felt(v: &BigInt) -> Felt {
    let m = Felt::from(&BigUint::from_bytes_le(&v.magnitude().to_bytes_le()));
    if v.sign() == Sign::Minus {
        -m
    } else {
        m
    }
}

/// Runs one secp hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::NondetBigint3 => {
            let mut v = cx.var_big("value")?;
            let res = cx.addr(h, "res")?;
            let mut limbs = Vec::with_capacity(3);
            for _ in 0..3 {
                let (q, r) = v.div_mod_floor(&base());
                limbs.push(r);
                v = q;
            }
            if v != BigInt::from(0) {
                return Err(cx.fail("nondet_bigint3: value does not fit in three limbs"));
            }
            for (i, l) in limbs.iter().enumerate() {
                cx.write_at(offset(res, i as u64), Value::from(to_felt(l)))?;
            }
            Ok(())
        }
        Kind::BigintToUint256 => {
            let (d0, d1) = (cx.member_int(h, "x", 0)?, cx.member_int(h, "x", 1)?);
            let b = h.constant_or("BASE", Felt::TWO.pow(86u32));
            let v = d0.to_biguint() + d1.to_biguint() * b.to_biguint();
            cx.set_int(h, "low", felt(&(v & ((BigUint::from(1u32) << 128u32) - 1u32))))
        }
        Kind::VerifyZero(p) => {
            let p = prime(cx, p)?;
            let (q, r) = pack(cx, h, "val", 0)?.div_mod_floor(&p);
            if r != BigInt::from(0) {
                return Err(cx.fail("verify_zero: Invalid input"));
            }
            cx.set_int(h, "q", to_felt(&q))
        }
        Kind::IsZeroPack(p) => {
            let p = prime(cx, p)?;
            let x = modp(&pack(cx, h, "x", 0)?, &p);
            cx.put("x", Var::Big(x));
            Ok(())
        }
        Kind::IsZeroNondet => {
            let zero = cx.var_big("x")? == BigInt::from(0);
            cx.write_ap(if zero { Felt::ONE } else { Felt::ZERO })
        }
        Kind::IsZeroAssignScopeVars(p) => {
            let p = prime(cx, p)?;
            let x = cx.var_big("x")?;
            let inv = div_mod(cx, &BigInt::from(1), &x, &p)?;
            set_value(cx, "x_inv", inv);
            Ok(())
        }
        Kind::Reduce(p) => {
            let p = prime(cx, p)?;
            let v = modp(&pack(cx, h, "x", 0)?, &p);
            cx.put("value", Var::Big(v));
            Ok(())
        }
        Kind::EcNegate(p) => {
            let p = prime(cx, p)?;
            let y = modp(&pack(cx, h, "point", 3)?, &p);
            cx.put("y", Var::Big(y.clone()));
            cx.put("value", Var::Big(modp(&-y, &p)));
            Ok(())
        }
        Kind::EcDoubleSlope(p, alpha, name) => {
            let unsigned = p == P::R1Unsigned;
            let p = prime(cx, p)?;
            let alpha = match alpha {
                Alpha::Zero => BigInt::from(0),
                Alpha::Ed => ed_alpha(),
                Alpha::R1 => r1_alpha(),
                Alpha::Scope => cx.var_big("ALPHA")?,
            };
            let (x, y) = (pack_limbs(cx, h, name, 0, unsigned)?, pack_limbs(cx, h, name, 3, unsigned)?);
            if modp(&y, &p) == BigInt::from(0) {
                return Err(cx.fail("ec_double_slope: the point's y is 0"));
            }
            let slope = div_mod(cx, &(3 * &x * &x + alpha), &(2 * &y), &p)?;
            put_all(cx, [("x", x), ("y", y)]);
            set_value(cx, "slope", slope);
            Ok(())
        }
        Kind::ComputeSlope(p, name) => {
            let p = prime(cx, p)?;
            let (n0, n1) = if name == "pt" { ("pt0", "pt1") } else { ("point0", "point1") };
            let (x0, y0) = (pack(cx, h, n0, 0)?, pack(cx, h, n0, 3)?);
            let (x1, y1) = (pack(cx, h, n1, 0)?, pack(cx, h, n1, 3)?);
            if modp(&(&x0 - &x1), &p) == BigInt::from(0) {
                return Err(cx.fail("line_slope: the points have the same x"));
            }
            let slope = div_mod(cx, &(&y0 - &y1), &(&x0 - &x1), &p)?;
            put_all(cx, [("x0", x0), ("y0", y0), ("x1", x1), ("y1", y1)]);
            set_value(cx, "slope", slope);
            Ok(())
        }
        Kind::EcDoubleAssignNewX(p, name) => {
            let p = prime(cx, p)?;
            let slope = pack(cx, h, "slope", 0)?;
            let (x, y) = (pack(cx, h, name, 0)?, pack(cx, h, name, 3)?);
            let new_x = modp(&(&slope * &slope - 2 * &x), &p);
            put_all(cx, [("slope", slope), ("x", x), ("y", y)]);
            set_value(cx, "new_x", new_x);
            Ok(())
        }
        Kind::EcDoubleAssignNewY => {
            let (slope, x, y, new_x) = (cx.var_big("slope")?, cx.var_big("x")?, cx.var_big("y")?, cx.var_big("new_x")?);
            let p = cx.var_big("SECP_P")?;
            set_value(cx, "new_y", modp(&(slope * (x - new_x) - y), &p));
            Ok(())
        }
        Kind::FastEcAddAssignNewX(p, name) => {
            let p = prime(cx, p)?;
            let (n0, n1) = if name == "pt" { ("pt0", "pt1") } else { ("point0", "point1") };
            let slope = pack(cx, h, "slope", 0)?;
            let (x0, x1, y0) = (pack(cx, h, n0, 0)?, pack(cx, h, n1, 0)?, pack(cx, h, n0, 3)?);
            let new_x = modp(&(&slope * &slope - &x0 - &x1), &p);
            put_all(cx, [("slope", slope), ("x0", x0), ("x1", x1), ("y0", y0)]);
            set_value(cx, "new_x", new_x);
            Ok(())
        }
        Kind::FastEcAddAssignNewY => {
            let (slope, x0, y0, new_x) =
                (cx.var_big("slope")?, cx.var_big("x0")?, cx.var_big("y0")?, cx.var_big("new_x")?);
            let p = cx.var_big("SECP_P")?;
            set_value(cx, "new_y", modp(&(slope * (x0 - new_x) - y0), &p));
            Ok(())
        }
        Kind::EcMulInner => {
            let s = cx.get_int(h, "scalar")?;
            cx.write_ap(Felt::from(s.to_le_digits()[0] & 1))
        }
        Kind::DivModNPacked(n) => {
            let n = order(cx, n)?;
            let (a, b) = (pack(cx, h, "a", 0)?, pack(cx, h, "b", 0)?);
            let res = div_mod(cx, &a, &b, &n)?;
            put_all(cx, [("a", a), ("b", b)]);
            set_value(cx, "res", res);
            Ok(())
        }
        Kind::SafeDiv { a, b, plus_one } => {
            let (res, av, bv, n) = (cx.var_big("res")?, cx.var_big(a)?, cx.var_big(b)?, cx.var_big("N")?);
            let k = safe_div(cx, &(res * bv - av), &n)?;
            if plus_one {
                set_value(cx, "k_plus_one", k + 1);
            } else {
                set_value(cx, "k", k);
            }
            Ok(())
        }
        Kind::GetPointFromX => {
            let p = prime(cx, P::K1)?;
            let beta = BigInt::from(h.constant_or("BETA", Felt::from(7)).to_biguint());
            let x_cube = modp(&pack(cx, h, "x_cube", 0)?, &p);
            let y_square = modp(&(x_cube + beta), &p);
            let y = y_square.modpow(&((&p + 1) / 4), &p);
            let v = cx.get_int(h, "v")?;
            let same = (v.to_le_digits()[0] & 1) == u64::from(y.is_odd());
            let value = if same { y } else { modp(&-y, &p) };
            cx.put("value", Var::Big(value));
            Ok(())
        }
        Kind::ImportR1P => {
            cx.put("SECP_P", Var::Big(r1_p()));
            Ok(())
        }
        Kind::ImportR1N => {
            cx.put("N", Var::Big(r1_n()));
            Ok(())
        }
        Kind::ImportR1Alpha => {
            cx.put("ALPHA", Var::Big(r1_alpha()));
            Ok(())
        }
        Kind::EcRecoverDivModN { n_from_ids } => {
            let n = if n_from_ids { pack(cx, h, "n", 0)? } else { secp_n() };
            if n.sign() != Sign::Plus {
                return Err(cx.fail(format!("ec_recover: N = {n} is not positive")));
            }
            let (x, s) = (modp(&pack(cx, h, "x", 0)?, &n), modp(&pack(cx, h, "s", 0)?, &n));
            let res = div_mod(cx, &x, &s, &n)?;
            put_all(cx, [("N", n), ("x", x), ("s", s)]);
            set_value(cx, "res", res);
            Ok(())
        }
        Kind::EcRecoverSubAB => {
            let (a, b) = (pack(cx, h, "a", 0)?, pack(cx, h, "b", 0)?);
            let res = &a - &b;
            put_all(cx, [("a", a), ("b", b)]);
            set_value(cx, "res", res);
            Ok(())
        }
        Kind::EcRecoverProductMod => {
            let (a, b, m) = (pack(cx, h, "a", 0)?, pack(cx, h, "b", 0)?, pack(cx, h, "m", 0)?);
            if m.sign() == Sign::NoSign {
                return Err(cx.fail("ec_recover: m is 0"));
            }
            let product = &a * &b;
            let res = modp(&product, &m);
            put_all(cx, [("a", a), ("b", b), ("product", product), ("m", m)]);
            set_value(cx, "res", res);
            Ok(())
        }
        Kind::EcRecoverProductDivM => {
            let (product, m) = (cx.var_big("product")?, cx.var_big("m")?);
            if m.sign() == Sign::NoSign {
                return Err(cx.fail("ec_recover: m is 0"));
            }
            set_value(cx, "k", product.div_floor(&m));
            Ok(())
        }
        Kind::BigintPackDivMod => {
            let b = BigInt::from(h.constant_or("BASE", Felt::TWO.pow(86u32)).to_biguint());
            let p = pack(cx, h, "P", 0)?;
            let (d3, d4) = (signed(cx.member_int(h, "x", 3)?), signed(cx.member_int(h, "x", 4)?));
            let x = pack(cx, h, "x", 0)? + d3 * b.pow(3) + d4 * b.pow(4);
            let y = pack(cx, h, "y", 0)?;
            let res = div_mod(cx, &x, &y, &p)?;
            put_all(cx, [("p", p), ("x", x), ("y", y)]);
            set_value(cx, "res", res);
            Ok(())
        }
        Kind::BigintSafeDiv => {
            let (res, x, y, p) = (cx.var_big("res")?, cx.var_big("x")?, cx.var_big("y")?, cx.var_big("p")?);
            let k = safe_div(cx, &(res * y - x), &p)?;
            let positive = k.sign() == Sign::Plus;
            cx.put("k", Var::Big(k.clone()));
            cx.put("value", Var::Big(if positive { k } else { -k }));
            cx.set_int(h, "flag", if positive { Felt::ONE } else { Felt::ZERO })
        }
    }
}
