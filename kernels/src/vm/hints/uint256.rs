//! The `uint256` hints: carries, 64-bit splits, square roots, signs and
//! divisions of 256-bit integers held as `Uint256(low, high)` (two 128-bit
//! limbs, members 0 and 1).

use super::ctx::{big, bool_felt, felt, HintCtx};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::Value;
use num_bigint::BigUint;
use starknet_types_core::felt::Felt;

/// A `uint256` hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `uint256_add`: the two carries.
    Add,
    /// `split_64`.
    Split64,
    /// `uint256_sqrt`.
    Sqrt,
    /// `uint256_signed_nn`.
    SignedNn,
    /// `uint256_unsigned_div_rem`.
    UnsignedDivRem,
    /// `uint256_mul_div_mod`.
    MulDivMod,
    /// The low carry only (an `uint256_add` variant).
    AddLow,
    /// `(a - b) % 2**256` (an `uint256_sub` variant).
    Sub,
    /// `uint256_sqrt` into a felt.
    SqrtFelt,
    /// `uint256_unsigned_div_rem` with the divisor in expanded form
    /// (`Uint256Expand`: `b01` member 1, `b23` member 3).
    ExpandedUnsignedDivRem,
    /// `b^-1 mod p` for Uint256s.
    MulInvModP,
    /// `uint128_add`: the carry.
    Uint128Add,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::Add,
        r#"sum_low = ids.a.low + ids.b.low
ids.carry_low = 1 if sum_low >= ids.SHIFT else 0
sum_high = ids.a.high + ids.b.high + ids.carry_low
ids.carry_high = 1 if sum_high >= ids.SHIFT else 0"#,
    ),
    (
        Kind::Split64,
        r#"ids.low = ids.a & ((1<<64) - 1)
ids.high = ids.a >> 64"#,
    ),
    (
        Kind::Sqrt,
        r#"from starkware.python.math_utils import isqrt
n = (ids.n.high << 128) + ids.n.low
root = isqrt(n)
assert 0 <= root < 2 ** 128
ids.root.low = root
ids.root.high = 0"#,
    ),
    (Kind::SignedNn, r#"memory[ap] = 1 if 0 <= (ids.a.high % PRIME) < 2 ** 127 else 0"#),
    (
        Kind::UnsignedDivRem,
        r#"a = (ids.a.high << 128) + ids.a.low
div = (ids.div.high << 128) + ids.div.low
quotient, remainder = divmod(a, div)

ids.quotient.low = quotient & ((1 << 128) - 1)
ids.quotient.high = quotient >> 128
ids.remainder.low = remainder & ((1 << 128) - 1)
ids.remainder.high = remainder >> 128"#,
    ),
    (
        Kind::MulDivMod,
        r#"a = (ids.a.high << 128) + ids.a.low
b = (ids.b.high << 128) + ids.b.low
div = (ids.div.high << 128) + ids.div.low
quotient, remainder = divmod(a * b, div)

ids.quotient_low.low = quotient & ((1 << 128) - 1)
ids.quotient_low.high = (quotient >> 128) & ((1 << 128) - 1)
ids.quotient_high.low = (quotient >> 256) & ((1 << 128) - 1)
ids.quotient_high.high = quotient >> 384
ids.remainder.low = remainder & ((1 << 128) - 1)
ids.remainder.high = remainder >> 128"#,
    ),
    (
        Kind::AddLow,
        r#"sum_low = ids.a.low + ids.b.low
ids.carry_low = 1 if sum_low >= ids.SHIFT else 0"#,
    ),
    (
        Kind::Sub,
        r#"def split(num: int, num_bits_shift: int = 128, length: int = 2):
    a = []
    for _ in range(length):
        a.append( num & ((1 << num_bits_shift) - 1) )
        num = num >> num_bits_shift
    return tuple(a)

def pack(z, num_bits_shift: int = 128) -> int:
    limbs = (z.low, z.high)
    return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

a = pack(ids.a)
b = pack(ids.b)
res = (a - b)%2**256
res_split = split(res)
ids.res.low = res_split[0]
ids.res.high = res_split[1]"#,
    ),
    (
        Kind::SqrtFelt,
        r#"from starkware.python.math_utils import isqrt
n = (ids.n.high << 128) + ids.n.low
root = isqrt(n)
assert 0 <= root < 2 ** 128
ids.root = root"#,
    ),
    (
        Kind::ExpandedUnsignedDivRem,
        r#"a = (ids.a.high << 128) + ids.a.low
div = (ids.div.b23 << 128) + ids.div.b01
quotient, remainder = divmod(a, div)

ids.quotient.low = quotient & ((1 << 128) - 1)
ids.quotient.high = quotient >> 128
ids.remainder.low = remainder & ((1 << 128) - 1)
ids.remainder.high = remainder >> 128"#,
    ),
    (
        Kind::MulInvModP,
        r#"from starkware.python.math_utils import div_mod

def split(a: int):
    return (a & ((1 << 128) - 1), a >> 128)

def pack(z, num_bits_shift: int) -> int:
    limbs = (z.low, z.high)
    return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

a = pack(ids.a, 128)
b = pack(ids.b, 128)
p = pack(ids.p, 128)
# For python3.8 and above the modular inverse can be computed as follows:
# b_inverse_mod_p = pow(b, -1, p)
# Instead we use the python3.7-friendly function div_mod from starkware.python.math_utils
b_inverse_mod_p = div_mod(1, b, p)

b_inverse_mod_p_split = split(b_inverse_mod_p)

ids.b_inverse_mod_p.low = b_inverse_mod_p_split[0]
ids.b_inverse_mod_p.high = b_inverse_mod_p_split[1]"#,
    ),
    (
        Kind::Uint128Add,
        r#"res = ids.a + ids.b
ids.carry = 1 if res >= ids.SHIFT else 0"#,
    ),
];

/// `(ids.name.high << 128) + ids.name.low`.
fn read(cx: &HintCtx<'_>, h: &Hint, name: &str) -> Result<BigUint, VmError> {
    read_at(cx, h, name, 0, 1)
}

/// `(ids.name[high] << 128) + ids.name[low]`, by member offsets.
fn read_at(cx: &HintCtx<'_>, h: &Hint, name: &str, low: u64, high: u64) -> Result<BigUint, VmError> {
    let (low, high) = (cx.member_int(h, name, low)?, cx.member_int(h, name, high)?);
    Ok((big(high) << 128u32) + big(low))
}

/// Writes `v` (below 2^256) as `ids.name.low`, `ids.name.high`.
fn write(cx: &mut HintCtx<'_>, h: &Hint, name: &str, v: &BigUint) -> Result<(), VmError> {
    let mask = (BigUint::from(1u32) << 128u32) - 1u32;
    cx.set_member(h, name, 0, Value::from(felt(&(v & &mask))))?;
    cx.set_member(h, name, 1, Value::from(felt(&((v >> 128u32) & &mask))))
}

fn divide(cx: &HintCtx<'_>, a: &BigUint, div: &BigUint) -> Result<(BigUint, BigUint), VmError> {
    if *div == BigUint::ZERO {
        return Err(cx.fail("uint256: division by zero"));
    }
    Ok((a / div, a % div))
}

/// Runs one `uint256` hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    let shift = BigUint::from(1u32) << 128u32;
    match kind {
        Kind::Add => {
            let sum_low = big(cx.member_int(h, "a", 0)?) + big(cx.member_int(h, "b", 0)?);
            let carry_low = sum_low >= shift;
            let sum_high = big(cx.member_int(h, "a", 1)?) + big(cx.member_int(h, "b", 1)?) + u32::from(carry_low);
            cx.set_int(h, "carry_low", bool_felt(carry_low))?;
            cx.set_int(h, "carry_high", bool_felt(sum_high >= shift))
        }
        Kind::Split64 => {
            let a = cx.get_int(h, "a")?;
            cx.set_int(h, "low", Felt::from(a.to_le_digits()[0]))?;
            cx.set_int(h, "high", felt(&(big(a) >> 64u32)))
        }
        Kind::Sqrt => {
            let root = read(cx, h, "n")?.sqrt();
            if root >= shift {
                return Err(cx.fail(format!("uint256_sqrt: root {root} is not below 2**128")));
            }
            cx.set_member(h, "root", 0, Value::from(felt(&root)))?;
            cx.set_member(h, "root", 1, Value::from(Felt::ZERO))
        }
        Kind::SignedNn => {
            let high = cx.member_int(h, "a", 1)?;
            cx.write_ap(bool_felt(high.bits() <= 127))
        }
        Kind::UnsignedDivRem => {
            let (a, div) = (read(cx, h, "a")?, read(cx, h, "div")?);
            let (q, r) = divide(cx, &a, &div)?;
            write(cx, h, "quotient", &q)?;
            write(cx, h, "remainder", &r)
        }
        Kind::MulDivMod => {
            let (a, b, div) = (read(cx, h, "a")?, read(cx, h, "b")?, read(cx, h, "div")?);
            let (q, r) = divide(cx, &(a * b), &div)?;
            write(cx, h, "quotient_low", &q)?;
            write(cx, h, "quotient_high", &(&q >> 256u32))?;
            write(cx, h, "remainder", &r)
        }
        Kind::AddLow => {
            let sum_low = big(cx.member_int(h, "a", 0)?) + big(cx.member_int(h, "b", 0)?);
            cx.set_int(h, "carry_low", bool_felt(sum_low >= shift))
        }
        Kind::Sub => {
            let (a, b) = (read(cx, h, "a")?, read(cx, h, "b")?);
            let res = if a >= b { a - b } else { (BigUint::from(1u32) << 256u32) + a - b };
            write(cx, h, "res", &res)
        }
        Kind::SqrtFelt => {
            let root = read(cx, h, "n")?.sqrt();
            if root >= shift {
                return Err(cx.fail(format!("uint256_sqrt: root {root} is not below 2**128")));
            }
            cx.set_int(h, "root", felt(&root))
        }
        Kind::ExpandedUnsignedDivRem => {
            let (a, div) = (read(cx, h, "a")?, read_at(cx, h, "div", 1, 3)?);
            let (q, r) = divide(cx, &a, &div)?;
            write(cx, h, "quotient", &q)?;
            write(cx, h, "remainder", &r)
        }
        Kind::MulInvModP => {
            use num_bigint::BigInt;
            use num_integer::Integer;
            let (b, p) = (BigInt::from(read(cx, h, "b")?), BigInt::from(read(cx, h, "p")?));
            let g = b.extended_gcd(&p);
            if p == BigInt::ZERO || g.gcd != BigInt::from(1) {
                return Err(cx.fail(format!("uint256_mul_inv_mod_p: {b} has no inverse modulo {p}")));
            }
            let inv = g.x.mod_floor(&p).to_biguint().unwrap_or_default();
            write(cx, h, "b_inverse_mod_p", &inv)
        }
        Kind::Uint128Add => {
            let sum = cx.get_int(h, "a")? + cx.get_int(h, "b")?;
            cx.set_int(h, "carry", bool_felt(sum >= felt(&shift)))
        }
    }
}
