//! The `math` and `math_cmp` hints: range assertions, division, splitting,
//! square roots, comparisons and `pow`'s bit extraction.

use super::ctx::{big, bool_felt, felt, HintCtx, Var, RC_BOUND_BITS};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::Value;
use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use starknet_types_core::felt::{Felt, NonZeroFelt};

/// A `math` / `math_cmp` / `pow` hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `assert_nn`.
    AssertNn,
    /// `assert_le_felt`, first hint.
    AssertLeFelt,
    /// `assert_le_felt`: `excluded != 0`.
    ExcludedNe0,
    /// `assert_le_felt`: `excluded != 1`.
    ExcludedNe1,
    /// `assert_le_felt`: `excluded == 2`.
    Excluded2,
    /// `assert_lt_felt`.
    AssertLtFelt,
    /// `assert_not_zero`.
    AssertNotZero,
    /// `assert_not_equal`.
    AssertNotEqual,
    /// `assert_250_bit`.
    Assert250Bit,
    /// `unsigned_div_rem`.
    UnsignedDivRem,
    /// `signed_div_rem`.
    SignedDivRem,
    /// `split_felt`.
    SplitFelt,
    /// `split_int`: one limb.
    SplitInt,
    /// `split_int`: the rest is zero.
    SplitIntAssertRange,
    /// `sqrt`.
    Sqrt,
    /// `is_quad_residue`.
    IsQuadResidue,
    /// `is_positive` (used by `sign` and `abs_value`).
    IsPositive,
    /// `is_nn`, first hint.
    IsNn,
    /// `is_nn`, second hint.
    IsNnOutOfRange,
    /// `is_le_felt`.
    IsLeFelt,
    /// `pow`: the low bit of the exponent.
    Pow,
    /// `assert_le_felt` of cairo-lang 0.6.
    AssertLeFeltV06,
    /// `assert_le_felt` of cairo-lang 0.8.
    AssertLeFeltV08,
    /// `is_250 = addr < 2**250`.
    Is250Bits,
    /// The low bits of `a` and `b`.
    ABBitand1,
    /// A square root modulo 2^255 - 19, as a Uint256.
    SplitXx,
    /// `normalize_address`: `addr < ADDR_BOUND`.
    IsAddrBounded,
    /// `bit_length` of a felt.
    FeltBitLength,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::AssertNn,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert 0 <= ids.a % PRIME < range_check_builtin.bound, f'a = {ids.a} is out of range.'"#,
    ),
    (
        Kind::AssertLeFelt,
        r#"import itertools

from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert_integer(ids.b)
a = ids.a % PRIME
b = ids.b % PRIME
assert a <= b, f'a = {a} is not less than or equal to b = {b}.'

# Find an arc less than PRIME / 3, and another less than PRIME / 2.
lengths_and_indices = [(a, 0), (b - a, 1), (PRIME - 1 - b, 2)]
lengths_and_indices.sort()
assert lengths_and_indices[0][0] <= PRIME // 3 and lengths_and_indices[1][0] <= PRIME // 2
excluded = lengths_and_indices[2][1]

memory[ids.range_check_ptr + 1], memory[ids.range_check_ptr + 0] = (
    divmod(lengths_and_indices[0][0], ids.PRIME_OVER_3_HIGH))
memory[ids.range_check_ptr + 3], memory[ids.range_check_ptr + 2] = (
    divmod(lengths_and_indices[1][0], ids.PRIME_OVER_2_HIGH))"#,
    ),
    (Kind::ExcludedNe0, r#"memory[ap] = 1 if excluded != 0 else 0"#),
    (Kind::ExcludedNe1, r#"memory[ap] = 1 if excluded != 1 else 0"#),
    (Kind::Excluded2, r#"assert excluded == 2"#),
    (
        Kind::AssertLtFelt,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert_integer(ids.b)
assert (ids.a % PRIME) < (ids.b % PRIME), \
    f'a = {ids.a % PRIME} is not less than b = {ids.b % PRIME}.'"#,
    ),
    (
        Kind::AssertNotZero,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.value)
assert ids.value % PRIME != 0, f'assert_not_zero failed: {ids.value} = 0.'"#,
    ),
    (
        Kind::AssertNotEqual,
        r#"from starkware.cairo.lang.vm.relocatable import RelocatableValue
both_ints = isinstance(ids.a, int) and isinstance(ids.b, int)
both_relocatable = (
    isinstance(ids.a, RelocatableValue) and isinstance(ids.b, RelocatableValue) and
    ids.a.segment_index == ids.b.segment_index)
assert both_ints or both_relocatable, \
    f'assert_not_equal failed: non-comparable values: {ids.a}, {ids.b}.'
assert (ids.a - ids.b) % PRIME != 0, f'assert_not_equal failed: {ids.a} = {ids.b}.'"#,
    ),
    (
        Kind::Assert250Bit,
        r#"from starkware.cairo.common.math_utils import as_int

# Correctness check.
value = as_int(ids.value, PRIME) % PRIME
assert value < ids.UPPER_BOUND, f'{value} is outside of the range [0, 2**250).'

# Calculation for the assertion.
ids.high, ids.low = divmod(ids.value, ids.SHIFT)"#,
    ),
    (
        Kind::UnsignedDivRem,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.div)
assert 0 < ids.div <= PRIME // range_check_builtin.bound, \
    f'div={hex(ids.div)} is out of the valid range.'
ids.q, ids.r = divmod(ids.value, ids.div)"#,
    ),
    (
        Kind::SignedDivRem,
        r#"from starkware.cairo.common.math_utils import as_int, assert_integer

assert_integer(ids.div)
assert 0 < ids.div <= PRIME // range_check_builtin.bound, \
    f'div={hex(ids.div)} is out of the valid range.'

assert_integer(ids.bound)
assert ids.bound <= range_check_builtin.bound // 2, \
    f'bound={hex(ids.bound)} is out of the valid range.'

int_value = as_int(ids.value, PRIME)
q, ids.r = divmod(int_value, ids.div)

assert -ids.bound <= q < ids.bound, \
    f'{int_value} / {ids.div} = {q} is out of the range [{-ids.bound}, {ids.bound}).'

ids.biased_q = q + ids.bound"#,
    ),
    (
        Kind::SplitFelt,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert ids.MAX_HIGH < 2**128 and ids.MAX_LOW < 2**128
assert PRIME - 1 == ids.MAX_HIGH * 2**128 + ids.MAX_LOW
assert_integer(ids.value)
ids.low = ids.value & ((1 << 128) - 1)
ids.high = ids.value >> 128"#,
    ),
    (
        Kind::SplitInt,
        r#"memory[ids.output] = res = (int(ids.value) % PRIME) % ids.base
assert res < ids.bound, f'split_int(): Limb {res} is out of range.'"#,
    ),
    (Kind::SplitIntAssertRange, r#"assert ids.value == 0, 'split_int(): value is out of range.'"#),
    (
        Kind::Sqrt,
        r#"from starkware.python.math_utils import isqrt
value = ids.value % PRIME
assert value < 2 ** 250, f"value={value} is outside of the range [0, 2**250)."
assert 2 ** 250 < PRIME
ids.root = isqrt(value)"#,
    ),
    (
        Kind::IsQuadResidue,
        r#"from starkware.crypto.signature.signature import FIELD_PRIME
from starkware.python.math_utils import div_mod, is_quad_residue, sqrt

x = ids.x
if is_quad_residue(x, FIELD_PRIME):
    ids.y = sqrt(x, FIELD_PRIME)
else:
    ids.y = sqrt(div_mod(x, 3, FIELD_PRIME), FIELD_PRIME)"#,
    ),
    (
        Kind::IsPositive,
        r#"from starkware.cairo.common.math_utils import is_positive
ids.is_positive = 1 if is_positive(
    value=ids.value, prime=PRIME, rc_bound=range_check_builtin.bound) else 0"#,
    ),
    (Kind::IsNn, r#"memory[ap] = 0 if 0 <= (ids.a % PRIME) < range_check_builtin.bound else 1"#),
    (Kind::IsNnOutOfRange, r#"memory[ap] = 0 if 0 <= ((-ids.a - 1) % PRIME) < range_check_builtin.bound else 1"#),
    (Kind::IsLeFelt, r#"memory[ap] = 0 if (ids.a % PRIME) <= (ids.b % PRIME) else 1"#),
    (Kind::Pow, r#"ids.locs.bit = (ids.prev_locs.exp % PRIME) & 1"#),
    (
        Kind::AssertLeFeltV06,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert_integer(ids.b)
assert (ids.a % PRIME) <= (ids.b % PRIME), \
    f'a = {ids.a % PRIME} is not less than or equal to b = {ids.b % PRIME}.'"#,
    ),
    (
        Kind::AssertLeFeltV08,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert_integer(ids.b)
a = ids.a % PRIME
b = ids.b % PRIME
assert a <= b, f'a = {a} is not less than or equal to b = {b}.'

ids.small_inputs = int(
    a < range_check_builtin.bound and (b - a) < range_check_builtin.bound)"#,
    ),
    (Kind::Is250Bits, r#"ids.is_250 = 1 if ids.addr < 2**250 else 0"#),
    (
        Kind::ABBitand1,
        r#"ids.a_lsb = ids.a & 1
ids.b_lsb = ids.b & 1"#,
    ),
    (
        Kind::SplitXx,
        r#"PRIME = 2**255 - 19
II = pow(2, (PRIME - 1) // 4, PRIME)

xx = ids.xx.low + (ids.xx.high<<128)
x = pow(xx, (PRIME + 3) // 8, PRIME)
if (x * x - xx) % PRIME != 0:
    x = (x * II) % PRIME
if x % 2 != 0:
    x = PRIME - x
ids.x.low = x & ((1<<128)-1)
ids.x.high = x >> 128"#,
    ),
    (
        Kind::IsAddrBounded,
        r#"# Verify the assumptions on the relationship between 2**250, ADDR_BOUND and PRIME.
ADDR_BOUND = ids.ADDR_BOUND % PRIME
assert (2**250 < ADDR_BOUND <= 2**251) and (2 * 2**250 < PRIME) and (
        ADDR_BOUND * 2 > PRIME), \
    'normalize_address() cannot be used with the current constants.'
ids.is_small = 1 if ids.addr < ADDR_BOUND else 0"#,
    ),
    (
        Kind::FeltBitLength,
        r#"x = ids.x
ids.bit_length = x.bit_length()"#,
    ),
];

fn divmod(a: Felt, b: Felt) -> (Felt, Felt) {
    match NonZeroFelt::try_from(b) {
        Ok(nz) => a.div_rem(&nz),
        Err(_) => (Felt::ZERO, a),
    }
}

/// `as_int(v, PRIME)`: the felt as a signed integer in (-p/2, p/2).
pub(super) fn signed(v: Felt) -> BigInt {
    let half = big(-Felt::ONE) >> 1;
    let u = big(v);
    if u > half {
        BigInt::from(u) - BigInt::from(big(-Felt::ONE) + 1u32)
    } else {
        BigInt::from(u)
    }
}

/// A signed integer reduced modulo p.
fn from_signed(v: &BigInt) -> Felt {
    let m = Felt::from(v.magnitude());
    if v.sign() == Sign::Minus {
        -m
    } else {
        m
    }
}

/// `PRIME // range_check_builtin.bound`: `(p - 1) // 2^128`, as p ≡ 1 (mod 2^128).
fn max_div() -> Felt {
    divmod(-Felt::ONE, Felt::from(u128::MAX) + Felt::ONE).0
}

/// Runs one math hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    let p_minus_1 = -Felt::ONE;
    match kind {
        Kind::AssertNn => {
            let a = cx.get_int(h, "a")?;
            if a.bits() > RC_BOUND_BITS {
                return Err(cx.fail(format!("assert_nn: a = {a} is out of range")));
            }
            Ok(())
        }
        Kind::AssertLeFelt => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            if a > b {
                return Err(cx.fail(format!("assert_le_felt: a = {a} is not less than or equal to b = {b}")));
            }
            let mut arcs = [(a, 0u8), (b - a, 1), (p_minus_1 - b, 2)];
            arcs.sort();
            // PRIME // 3 and PRIME // 2 equal (p - 1) // 3 and (p - 1) // 2,
            // since p ≡ 2 (mod 3) and p is odd.
            let third = divmod(p_minus_1, Felt::from(3)).0;
            let half = divmod(p_minus_1, Felt::TWO).0;
            if arcs[0].0 > third || arcs[1].0 > half {
                return Err(cx.fail("assert_le_felt: arcs too long"));
            }
            cx.put("excluded", Var::Felt(Felt::from(arcs[2].1)));
            let rc = cx.get_ptr(h, "range_check_ptr")?;
            let (q0, r0) = divmod(arcs[0].0, h.constant("PRIME_OVER_3_HIGH"));
            let (q1, r1) = divmod(arcs[1].0, h.constant("PRIME_OVER_2_HIGH"));
            for (k, v) in [(1, q0), (0, r0), (3, q1), (2, r1)] {
                cx.write_at(super::ctx::offset(rc, k), Value::from(v))?;
            }
            Ok(())
        }
        Kind::ExcludedNe0 => {
            let e = cx.var_felt("excluded")?;
            cx.write_ap(bool_felt(e != Felt::ZERO))
        }
        Kind::ExcludedNe1 => {
            let e = cx.var_felt("excluded")?;
            cx.write_ap(bool_felt(e != Felt::ONE))
        }
        Kind::Excluded2 => match cx.var_felt("excluded")? {
            e if e == Felt::TWO => Ok(()),
            e => Err(cx.fail(format!("assert_le_felt: excluded = {e}, expected 2"))),
        },
        Kind::AssertLtFelt => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            if a >= b {
                return Err(cx.fail(format!("assert_lt_felt: a = {a} is not less than b = {b}")));
            }
            Ok(())
        }
        Kind::AssertNotZero => {
            let v = cx.get_int(h, "value")?;
            if v == Felt::ZERO {
                return Err(cx.fail("assert_not_zero failed: value = 0"));
            }
            Ok(())
        }
        Kind::AssertNotEqual => {
            let (a, b) = (cx.get(h, "a")?, cx.get(h, "b")?);
            let equal = match (a, b) {
                (Value::Int(x), Value::Int(y)) => x == y,
                (Value::Rel(x), Value::Rel(y)) if x.segment == y.segment => x.offset == y.offset,
                _ => return Err(cx.fail(format!("assert_not_equal failed: non-comparable values: {a}, {b}"))),
            };
            if equal {
                return Err(cx.fail(format!("assert_not_equal failed: {a} = {b}")));
            }
            Ok(())
        }
        Kind::Assert250Bit => {
            let v = cx.get_int(h, "value")?;
            let upper = h.constant_or("UPPER_BOUND", Felt::TWO.pow(250u32));
            let shift = h.constant_or("SHIFT", Felt::TWO.pow(128u32));
            if v >= upper {
                return Err(cx.fail(format!("assert_250_bit: {v} is outside of the range [0, 2**250)")));
            }
            let (high, low) = divmod(v, shift);
            cx.set_int(h, "high", high)?;
            cx.set_int(h, "low", low)
        }
        Kind::UnsignedDivRem => {
            let div = cx.get_int(h, "div")?;
            let value = cx.get_int(h, "value")?;
            if div == Felt::ZERO || div > max_div() {
                return Err(cx.fail(format!("unsigned_div_rem: div = {div:#x} is out of the valid range")));
            }
            let (q, r) = divmod(value, div);
            cx.set_int(h, "q", q)?;
            cx.set_int(h, "r", r)
        }
        Kind::SignedDivRem => {
            let div = cx.get_int(h, "div")?;
            if div == Felt::ZERO || div > max_div() {
                return Err(cx.fail(format!("signed_div_rem: div = {div:#x} is out of the valid range")));
            }
            let bound = cx.get_int(h, "bound")?;
            if bound > Felt::TWO.pow(127u32) {
                return Err(cx.fail(format!("signed_div_rem: bound = {bound:#x} is out of the valid range")));
            }
            let value = signed(cx.get_int(h, "value")?);
            let (q, r) = value.div_mod_floor(&BigInt::from(big(div)));
            let b = BigInt::from(big(bound));
            if q < -b.clone() || q >= b {
                return Err(cx.fail(format!("signed_div_rem: {value} / {div} = {q} is out of the range [-{b}, {b})")));
            }
            cx.set_int(h, "r", from_signed(&r))?;
            cx.set_int(h, "biased_q", from_signed(&(q + b)))
        }
        Kind::SplitFelt => {
            let v = cx.get_int(h, "value")?.to_le_digits();
            let low = Felt::from(u128::from(v[0]) | (u128::from(v[1]) << 64));
            let high = Felt::from(u128::from(v[2]) | (u128::from(v[3]) << 64));
            cx.set_int(h, "high", high)?;
            cx.set_int(h, "low", low)
        }
        Kind::SplitInt => {
            let (value, base, bound) = (cx.get_int(h, "value")?, cx.get_int(h, "base")?, cx.get_int(h, "bound")?);
            if base == Felt::ZERO {
                return Err(cx.fail("split_int: base is 0"));
            }
            let res = divmod(value, base).1;
            if res >= bound {
                return Err(cx.fail(format!("split_int(): Limb {res} is out of range")));
            }
            let out = cx.get_ptr(h, "output")?;
            cx.write_at(out, Value::from(res))
        }
        Kind::SplitIntAssertRange => {
            if cx.get_int(h, "value")? != Felt::ZERO {
                return Err(cx.fail("split_int(): value is out of range"));
            }
            Ok(())
        }
        Kind::Sqrt => {
            let v = cx.get_int(h, "value")?;
            if v.bits() > 250 {
                return Err(cx.fail(format!("sqrt: value={v} is outside of the range [0, 2**250)")));
            }
            cx.set_int(h, "root", felt(&big(v).sqrt()))
        }
        Kind::IsQuadResidue => {
            let x = cx.get_int(h, "x")?;
            let y = if x == Felt::ZERO || x == Felt::ONE {
                x
            } else if x.pow_felt(&divmod(p_minus_1, Felt::TWO).0) == Felt::ONE {
                x.sqrt().unwrap_or_default()
            } else {
                x.field_div(&NonZeroFelt::from_felt_unchecked(Felt::THREE)).sqrt().unwrap_or_default()
            };
            cx.set_int(h, "y", y)
        }
        Kind::IsPositive => {
            let v = signed(cx.get_int(h, "value")?);
            if v.magnitude().bits() > RC_BOUND_BITS as u64 {
                return Err(cx.fail(format!("is_positive: value {v} is out of the valid range")));
            }
            cx.set_int(h, "is_positive", bool_felt(v.sign() == Sign::Plus))
        }
        Kind::IsNn => {
            let a = cx.get_int(h, "a")?;
            cx.write_ap(bool_felt(a.bits() > RC_BOUND_BITS))
        }
        Kind::IsNnOutOfRange => {
            let a = cx.get_int(h, "a")?;
            cx.write_ap(bool_felt((-a - Felt::ONE).bits() > RC_BOUND_BITS))
        }
        Kind::IsLeFelt => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            cx.write_ap(bool_felt(a > b))
        }
        Kind::Pow => {
            // `prev_locs.exp` is member 4 of LoopLocals, `locs.bit` member 0.
            let exp = cx.member_int(h, "prev_locs", 4)?;
            cx.set_member(h, "locs", 0, Value::from(Felt::from(exp.to_le_digits()[0] & 1)))
        }
        Kind::AssertLeFeltV06 | Kind::AssertLeFeltV08 => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            if a > b {
                return Err(cx.fail(format!("assert_le_felt: a = {a} is not less than or equal to b = {b}")));
            }
            if kind == Kind::AssertLeFeltV08 {
                let small = a.bits() <= RC_BOUND_BITS && (b - a).bits() <= RC_BOUND_BITS;
                cx.set_int(h, "small_inputs", bool_felt(small))?;
            }
            Ok(())
        }
        Kind::Is250Bits => {
            let addr = cx.get_int(h, "addr")?;
            cx.set_int(h, "is_250", bool_felt(addr.bits() <= 250))
        }
        Kind::ABBitand1 => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            cx.set_int(h, "a_lsb", Felt::from(a.to_le_digits()[0] & 1))?;
            cx.set_int(h, "b_lsb", Felt::from(b.to_le_digits()[0] & 1))
        }
        Kind::SplitXx => {
            let p = (BigUint::from(1u32) << 255u32) - 19u32;
            let ii = BigUint::from(2u32).modpow(&((&p - 1u32) / 4u32), &p);
            let xx = big(cx.member_int(h, "xx", 0)?) + (big(cx.member_int(h, "xx", 1)?) << 128u32);
            let mut x = xx.modpow(&((&p + 3u32) / 8u32), &p);
            if (&x * &x + &p - &xx % &p) % &p != BigUint::ZERO {
                x = x * ii % &p;
            }
            if x.bit(0) {
                x = &p - x;
            }
            let mask = (BigUint::from(1u32) << 128u32) - 1u32;
            cx.set_member(h, "x", 0, Value::from(felt(&(&x & mask))))?;
            cx.set_member(h, "x", 1, Value::from(felt(&(x >> 128u32))))
        }
        Kind::IsAddrBounded => {
            let bound = h.constant("ADDR_BOUND");
            // 2 * 2**250 < PRIME holds for the STARK prime.
            let (lo, hi) = (Felt::TWO.pow(250u32), Felt::TWO.pow(251u32));
            if !(bound > lo && bound <= hi && big(bound) * 2u32 > big(p_minus_1) + 1u32) {
                return Err(cx.fail("normalize_address() cannot be used with the current constants"));
            }
            let addr = cx.get_int(h, "addr")?;
            cx.set_int(h, "is_small", bool_felt(addr < bound))
        }
        Kind::FeltBitLength => {
            let x = cx.get_int(h, "x")?;
            cx.set_int(h, "bit_length", Felt::from(x.bits() as u64))
        }
    }
}
