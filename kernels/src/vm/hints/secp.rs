//! secp256k1 hints (`cairo_secp`): field elements as `BigInt3` (three
//! 86-bit limbs, each read as a signed felt), reduction, zero tests, slopes,
//! doubling and addition, `ec_mul`'s bits, points from x and division
//! modulo the group order. Results go through the scope variable `value`
//! that `nondet_bigint3` splits into limbs.

use super::ctx::{felt, offset, HintCtx, Var};
use super::math::signed;
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::Value;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use starknet_types_core::felt::Felt;

/// A secp hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `nondet_bigint3`: split `value` into `ids.res`.
    NondetBigint3,
    /// `bigint_to_uint256`: the low 128 bits.
    BigintToUint256,
    /// `verify_zero`.
    VerifyZero,
    /// `is_zero`: `x = pack(ids.x) % SECP_P`.
    IsZeroPack,
    /// `is_zero`: `x == 0`.
    IsZeroNondet,
    /// `is_zero`: `value = x_inv = 1 / x`.
    IsZeroAssignScopeVars,
    /// `reduce`.
    Reduce,
    /// `ec_negate`.
    EcNegate,
    /// `compute_doubling_slope`.
    EcDoubleSlope,
    /// `compute_slope`.
    ComputeSlope,
    /// `ec_double`: new x.
    EcDoubleAssignNewX,
    /// `ec_double`: new y.
    EcDoubleAssignNewY,
    /// `fast_ec_add`: new x.
    FastEcAddAssignNewX,
    /// `fast_ec_add`: new y.
    FastEcAddAssignNewY,
    /// `ec_mul_inner`: the scalar's low bit.
    EcMulInner,
    /// `div_mod_n`: `res = a / b mod N`.
    DivModNPackedDivmod,
    /// `div_mod_n`: `k = (res * b - a) / N`.
    DivModNSafeDiv,
    /// `get_point_from_x`.
    GetPointFromX,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::NondetBigint3,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import split

segments.write_arg(ids.res.address_, split(value))"#,
    ),
    (Kind::BigintToUint256, r#"ids.low = (ids.x.d0 + ids.x.d1 * ids.BASE) & ((1 << 128) - 1)"#),
    (
        Kind::VerifyZero,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

q, r = divmod(pack(ids.val, PRIME), SECP_P)
assert r == 0, f"verify_zero: Invalid input {ids.val.d0, ids.val.d1, ids.val.d2}."
ids.q = q % PRIME"#,
    ),
    (
        Kind::IsZeroPack,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

x = pack(ids.x, PRIME) % SECP_P"#,
    ),
    (Kind::IsZeroNondet, r#"memory[ap] = to_felt_or_relocatable(x == 0)"#),
    (
        Kind::IsZeroAssignScopeVars,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P
from starkware.python.math_utils import div_mod

value = x_inv = div_mod(1, x, SECP_P)"#,
    ),
    (
        Kind::Reduce,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

value = pack(ids.x, PRIME) % SECP_P"#,
    ),
    (
        Kind::EcNegate,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

y = pack(ids.point.y, PRIME) % SECP_P
# The modulo operation in python always returns a nonnegative number.
value = (-y) % SECP_P"#,
    ),
    (
        Kind::EcDoubleSlope,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack
from starkware.python.math_utils import ec_double_slope

# Compute the slope.
x = pack(ids.point.x, PRIME)
y = pack(ids.point.y, PRIME)
value = slope = ec_double_slope(point=(x, y), alpha=0, p=SECP_P)"#,
    ),
    (
        Kind::ComputeSlope,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack
from starkware.python.math_utils import line_slope

# Compute the slope.
x0 = pack(ids.point0.x, PRIME)
y0 = pack(ids.point0.y, PRIME)
x1 = pack(ids.point1.x, PRIME)
y1 = pack(ids.point1.y, PRIME)
value = slope = line_slope(point1=(x0, y0), point2=(x1, y1), p=SECP_P)"#,
    ),
    (
        Kind::EcDoubleAssignNewX,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

slope = pack(ids.slope, PRIME)
x = pack(ids.point.x, PRIME)
y = pack(ids.point.y, PRIME)

value = new_x = (pow(slope, 2, SECP_P) - 2 * x) % SECP_P"#,
    ),
    (Kind::EcDoubleAssignNewY, r#"value = new_y = (slope * (x - new_x) - y) % SECP_P"#),
    (
        Kind::FastEcAddAssignNewX,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

slope = pack(ids.slope, PRIME)
x0 = pack(ids.point0.x, PRIME)
x1 = pack(ids.point1.x, PRIME)
y0 = pack(ids.point0.y, PRIME)

value = new_x = (pow(slope, 2, SECP_P) - x0 - x1) % SECP_P"#,
    ),
    (Kind::FastEcAddAssignNewY, r#"value = new_y = (slope * (x0 - new_x) - y0) % SECP_P"#),
    (Kind::EcMulInner, r#"memory[ap] = (ids.scalar % PRIME) % 2"#),
    (
        Kind::DivModNPackedDivmod,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import N, pack
from starkware.python.math_utils import div_mod, safe_div

a = pack(ids.a, PRIME)
b = pack(ids.b, PRIME)
value = res = div_mod(a, b, N)"#,
    ),
    (Kind::DivModNSafeDiv, r#"value = k = safe_div(res * b - a, N)"#),
    (
        Kind::GetPointFromX,
        r#"from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

x_cube_int = pack(ids.x_cube, PRIME) % SECP_P
y_square_int = (x_cube_int + ids.BETA) % SECP_P
y = pow(y_square_int, (SECP_P + 1) // 4, SECP_P)

# We need to decide whether to take y or SECP_P - y.
if ids.v % 2 == y % 2:
    value = y
else:
    value = (-y) % SECP_P"#,
    ),
];

/// secp256k1's field prime, 2^256 - 2^32 - 977.
fn secp_p() -> BigInt {
    (BigInt::from(1) << 256u32) - (BigInt::from(1) << 32u32) - 977
}

/// secp256k1's group order.
fn secp_n() -> BigInt {
    BigInt::parse_bytes(b"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16).unwrap_or_default()
}

/// `BASE`: 2^86.
fn base() -> BigInt {
    BigInt::from(1) << 86u32
}

/// `pack(ids.name + off, PRIME)`: the three limbs at member offset `off`,
/// each as a signed integer.
fn pack(cx: &HintCtx<'_>, h: &Hint, name: &str, off: u64) -> Result<BigInt, VmError> {
    let mut acc = BigInt::from(0);
    for i in (0..3).rev() {
        acc = acc * base() + signed(cx.member_int(h, name, off + i)?);
    }
    Ok(acc)
}

fn modp(v: &BigInt, m: &BigInt) -> BigInt {
    v.mod_floor(m)
}

/// `div_mod(a, b, m)`: x with b·x ≡ a (mod m), m prime.
fn div_mod(cx: &HintCtx<'_>, a: &BigInt, b: &BigInt, m: &BigInt) -> Result<BigInt, VmError> {
    let b = modp(b, m);
    if b == BigInt::from(0) {
        return Err(cx.fail("secp: division by zero"));
    }
    let inv = b.modpow(&(m - 2), m);
    Ok(modp(&(modp(a, m) * inv), m))
}

fn set_value(cx: &mut HintCtx<'_>, also: &'static str, v: BigInt) {
    cx.put(also, Var::Big(v.clone()));
    cx.put("value", Var::Big(v));
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
    let p = secp_p();
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
        Kind::VerifyZero => {
            let (q, r) = pack(cx, h, "val", 0)?.div_mod_floor(&p);
            if r != BigInt::from(0) {
                return Err(cx.fail("verify_zero: Invalid input"));
            }
            cx.set_int(h, "q", to_felt(&q))
        }
        Kind::IsZeroPack => {
            let x = modp(&pack(cx, h, "x", 0)?, &p);
            cx.put("x", Var::Big(x));
            Ok(())
        }
        Kind::IsZeroNondet => {
            let zero = cx.var_big("x")? == BigInt::from(0);
            cx.write_ap(if zero { Felt::ONE } else { Felt::ZERO })
        }
        Kind::IsZeroAssignScopeVars => {
            let x = cx.var_big("x")?;
            let inv = div_mod(cx, &BigInt::from(1), &x, &p)?;
            set_value(cx, "x_inv", inv);
            Ok(())
        }
        Kind::Reduce => {
            let v = modp(&pack(cx, h, "x", 0)?, &p);
            cx.put("value", Var::Big(v));
            Ok(())
        }
        Kind::EcNegate => {
            let y = modp(&pack(cx, h, "point", 3)?, &p);
            cx.put("y", Var::Big(y.clone()));
            cx.put("value", Var::Big(modp(&-y, &p)));
            Ok(())
        }
        Kind::EcDoubleSlope => {
            let (x, y) = (pack(cx, h, "point", 0)?, pack(cx, h, "point", 3)?);
            let slope = div_mod(cx, &(3 * &x * &x), &(2 * &y), &p)?;
            cx.put("x", Var::Big(x));
            cx.put("y", Var::Big(y));
            set_value(cx, "slope", slope);
            Ok(())
        }
        Kind::ComputeSlope => {
            let (x0, y0) = (pack(cx, h, "point0", 0)?, pack(cx, h, "point0", 3)?);
            let (x1, y1) = (pack(cx, h, "point1", 0)?, pack(cx, h, "point1", 3)?);
            let slope = div_mod(cx, &(&y0 - &y1), &(&x0 - &x1), &p)?;
            for (n, v) in [("x0", x0), ("y0", y0), ("x1", x1), ("y1", y1)] {
                cx.put(n, Var::Big(v));
            }
            set_value(cx, "slope", slope);
            Ok(())
        }
        Kind::EcDoubleAssignNewX => {
            let slope = pack(cx, h, "slope", 0)?;
            let (x, y) = (pack(cx, h, "point", 0)?, pack(cx, h, "point", 3)?);
            let new_x = modp(&(&slope * &slope - 2 * &x), &p);
            cx.put("slope", Var::Big(slope));
            cx.put("x", Var::Big(x));
            cx.put("y", Var::Big(y));
            set_value(cx, "new_x", new_x);
            Ok(())
        }
        Kind::EcDoubleAssignNewY => {
            let (slope, x, y, new_x) = (cx.var_big("slope")?, cx.var_big("x")?, cx.var_big("y")?, cx.var_big("new_x")?);
            set_value(cx, "new_y", modp(&(slope * (x - new_x) - y), &p));
            Ok(())
        }
        Kind::FastEcAddAssignNewX => {
            let slope = pack(cx, h, "slope", 0)?;
            let (x0, x1, y0) = (pack(cx, h, "point0", 0)?, pack(cx, h, "point1", 0)?, pack(cx, h, "point0", 3)?);
            let new_x = modp(&(&slope * &slope - &x0 - &x1), &p);
            for (n, v) in [("slope", slope), ("x0", x0), ("x1", x1), ("y0", y0)] {
                cx.put(n, Var::Big(v));
            }
            set_value(cx, "new_x", new_x);
            Ok(())
        }
        Kind::FastEcAddAssignNewY => {
            let (slope, x0, y0, new_x) =
                (cx.var_big("slope")?, cx.var_big("x0")?, cx.var_big("y0")?, cx.var_big("new_x")?);
            set_value(cx, "new_y", modp(&(slope * (x0 - new_x) - y0), &p));
            Ok(())
        }
        Kind::EcMulInner => {
            let s = cx.get_int(h, "scalar")?;
            cx.write_ap(Felt::from(s.to_le_digits()[0] & 1))
        }
        Kind::DivModNPackedDivmod => {
            let (a, b) = (pack(cx, h, "a", 0)?, pack(cx, h, "b", 0)?);
            let res = div_mod(cx, &a, &b, &secp_n())?;
            cx.put("a", Var::Big(a));
            cx.put("b", Var::Big(b));
            set_value(cx, "res", res);
            Ok(())
        }
        Kind::DivModNSafeDiv => {
            let (res, a, b) = (cx.var_big("res")?, cx.var_big("a")?, cx.var_big("b")?);
            let (k, r) = (res * b - a).div_mod_floor(&secp_n());
            if r != BigInt::from(0) {
                return Err(cx.fail("div_mod_n: safe_div: the division is not exact"));
            }
            set_value(cx, "k", k);
            Ok(())
        }
        Kind::GetPointFromX => {
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
    }
}
