//! STARK-curve hints of `ec.cairo`: `recover_y`, and the random points
//! `ec_op` and `chained_ec_op` add so the builtin never meets a doubling;
//! and the scalar bits of the libraries' `ec_mul` over two scalars (`dibit`,
//! `quad_bit`, `len_hi`).

use super::ctx::{offset, small, HintCtx};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::{Relocatable, Value};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use starknet_types_core::felt::Felt;

/// An `ec.cairo` hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `recover_y`.
    RecoverY,
    /// `ec_op`: a random point from the inputs.
    RandomEcPoint,
    /// `chained_ec_op`: a random point from the inputs.
    ChainedEcOpRandomEcPoint,
    /// `ec_mul` over two scalars: `dibit`, bit `m` of each.
    DiBit,
    /// `ec_mul` over two scalars: `quad_bit`, bits `m` and `m - 1` of each.
    QuadBit,
    /// `len_hi`: the longer bit length of the scalars' top limbs, less one.
    HiMaxBitlen,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::RecoverY,
        r#"from starkware.crypto.signature.signature import ALPHA, BETA, FIELD_PRIME
from starkware.python.math_utils import recover_y
ids.p.x = ids.x
# This raises an exception if `x` is not on the curve.
ids.p.y = recover_y(ids.x, ALPHA, BETA, FIELD_PRIME)"#,
    ),
    (
        Kind::RandomEcPoint,
        r#"from starkware.crypto.signature.signature import ALPHA, BETA, FIELD_PRIME
from starkware.python.math_utils import random_ec_point
from starkware.python.utils import to_bytes

# Define a seed for random_ec_point that's dependent on all the input, so that:
#   (1) The added point s is deterministic.
#   (2) It's hard to choose inputs for which the builtin will fail.
seed = b"".join(map(to_bytes, [ids.p.x, ids.p.y, ids.m, ids.q.x, ids.q.y]))
ids.s.x, ids.s.y = random_ec_point(FIELD_PRIME, ALPHA, BETA, seed)"#,
    ),
    (
        Kind::ChainedEcOpRandomEcPoint,
        r#"from starkware.crypto.signature.signature import ALPHA, BETA, FIELD_PRIME
from starkware.python.math_utils import random_ec_point
from starkware.python.utils import to_bytes

n_elms = ids.len
assert isinstance(n_elms, int) and n_elms >= 0, \
    f'Invalid value for len. Got: {n_elms}.'
if '__chained_ec_op_max_len' in globals():
    assert n_elms <= __chained_ec_op_max_len, \
        f'chained_ec_op() can only be used with len<={__chained_ec_op_max_len}. ' \
        f'Got: n_elms={n_elms}.'

# Define a seed for random_ec_point that's dependent on all the input, so that:
#   (1) The added point s is deterministic.
#   (2) It's hard to choose inputs for which the builtin will fail.
seed = b"".join(
    map(
        to_bytes,
        [
            ids.p.x,
            ids.p.y,
            *memory.get_range(ids.m, n_elms),
            *memory.get_range(ids.q.address_, 2 * n_elms),
        ],
    )
)
ids.s.x, ids.s.y = random_ec_point(FIELD_PRIME, ALPHA, BETA, seed)"#,
    ),
    (Kind::DiBit, r#"ids.dibit = ((ids.scalar_u >> ids.m) & 1) + 2 * ((ids.scalar_v >> ids.m) & 1)"#),
    (
        Kind::QuadBit,
        r#"ids.quad_bit = (
    8 * ((ids.scalar_v >> ids.m) & 1)
    + 4 * ((ids.scalar_u >> ids.m) & 1)
    + 2 * ((ids.scalar_v >> (ids.m - 1)) & 1)
    + ((ids.scalar_u >> (ids.m - 1)) & 1)
)"#,
    ),
    (Kind::HiMaxBitlen, r#"ids.len_hi = max(ids.scalar_u.d2.bit_length(), ids.scalar_v.d2.bit_length())-1"#),
];

/// The STARK curve's β (α is 1).
const BETA: &str = "3141592653589793238462643383279502884197169399375105820974944592307816406665";

/// The y of a point with this x (the smaller root), if there is one.
fn recover_y(x: &BigUint) -> Option<Felt> {
    let p = (-Felt::ONE).to_biguint() + 1u32;
    let beta = BigUint::parse_bytes(BETA.as_bytes(), 10)?;
    let y2 = x.modpow(&BigUint::from(3u32), &p) + x + beta;
    let half = (&p - 1u32) >> 1;
    let residue = y2 == BigUint::ZERO || y2 == BigUint::from(1u32) || y2.modpow(&half, &p) == BigUint::from(1u32);
    if residue {
        Felt::from(&y2).sqrt()
    } else {
        None
    }
}

/// `random_ec_point(FIELD_PRIME, ALPHA, BETA, seed)`.
fn random_point(cx: &HintCtx<'_>, seed: &[Felt]) -> Result<(Felt, Felt), VmError> {
    let bytes: Vec<u8> = seed.iter().flat_map(|f| f.to_bytes_be()).collect();
    let seed = Sha256::digest(&bytes);
    for i in 0u8..100 {
        let mut input = seed[1..].to_vec();
        input.push(i);
        input.extend([0u8; 9]);
        let x = BigUint::from_bytes_be(&Sha256::digest(&input));
        if let Some(y) = recover_y(&x) {
            let y = if seed[0] & 1 == 1 { -y } else { y };
            return Ok((Felt::from(&x), y));
        }
    }
    Err(cx.fail("random_ec_point: no point found"))
}

fn write_point(cx: &mut HintCtx<'_>, at: Relocatable, (x, y): (Felt, Felt)) -> Result<(), VmError> {
    cx.write_at(at, Value::from(x))?;
    cx.write_at(offset(at, 1), Value::from(y))
}

/// `pairs` pairs of bits of `ids.scalar_v` and `ids.scalar_u`, from bit
/// `ids.m` down, each pair `2 * v_bit + u_bit`, as one number, written to
/// `ids.name` (0 when `m` is 253 or more, as cairo-vm gives).
fn pair_bits(cx: &mut HintCtx<'_>, h: &Hint, name: &str, pairs: u64) -> Result<(), VmError> {
    let (v, u, m) = (cx.get_int(h, "scalar_v")?, cx.get_int(h, "scalar_u")?, cx.get_int(h, "m")?);
    let m = small(m).filter(|&m| m < 253);
    let Some(m) = m else {
        return cx.set_int(h, name, Felt::ZERO);
    };
    if m + 1 < pairs {
        return Err(cx.fail(format!("{name}: m = {m} is too low")));
    }
    let (v, u) = (v.to_biguint(), u.to_biguint());
    let res = (0..pairs).fold(0u64, |acc, i| (acc << 2) | (u64::from(v.bit(m - i)) << 1) | u64::from(u.bit(m - i)));
    cx.set_int(h, name, Felt::from(res))
}

/// Runs one `ec.cairo` hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::RecoverY => {
            let x = cx.get_int(h, "x")?;
            let p = cx.addr(h, "p")?;
            cx.write_at(p, Value::from(x))?;
            let y = recover_y(&x.to_biguint())
                .ok_or_else(|| cx.fail(format!("recover_y: {x:#x} is not the x coordinate of a point on the curve")))?;
            cx.write_at(offset(p, 1), Value::from(y))
        }
        Kind::RandomEcPoint => {
            let mut seed = vec![cx.member_int(h, "p", 0)?, cx.member_int(h, "p", 1)?, cx.get_int(h, "m")?];
            seed.extend([cx.member_int(h, "q", 0)?, cx.member_int(h, "q", 1)?]);
            let point = random_point(cx, &seed)?;
            let s = cx.addr(h, "s")?;
            write_point(cx, s, point)
        }
        Kind::ChainedEcOpRandomEcPoint => {
            let len = cx.get_int(h, "len")?;
            let n = small(len).filter(|&n| n > 0 && n < 1 << 32);
            let n = n.ok_or_else(|| cx.fail(format!("chained_ec_op: Invalid value for len. Got: {len}")))?;
            let mut seed = vec![cx.member_int(h, "p", 0)?, cx.member_int(h, "p", 1)?];
            let (m, q) = (cx.get_ptr(h, "m")?, cx.get_ptr(h, "q")?);
            for i in 0..n {
                seed.push(cx.read_int(offset(m, i), "chained_ec_op: m")?);
            }
            for i in 0..2 * n {
                seed.push(cx.read_int(offset(q, i), "chained_ec_op: q")?);
            }
            let point = random_point(cx, &seed)?;
            let s = cx.addr(h, "s")?;
            write_point(cx, s, point)
        }
        Kind::DiBit => pair_bits(cx, h, "dibit", 1),
        Kind::QuadBit => pair_bits(cx, h, "quad_bit", 2),
        Kind::HiMaxBitlen => {
            let bits = cx.member_int(h, "scalar_u", 2)?.bits().max(cx.member_int(h, "scalar_v", 2)?.bits());
            // A bit length of 0 gives -1, as in Python.
            cx.set_int(h, "len_hi", Felt::from(bits as u64) - Felt::ONE)
        }
    }
}
