//! Builtins: output, pedersen, range_check, ecdsa, bitwise, ec_op, keccak
//! and poseidon.
//!
//! Each builtin owns one segment. Its base pointer is passed to `main` on the
//! initial stack. Output cells are plain memory. Range-check cells are
//! validated on every write (an integer below 2^128). Pedersen, bitwise,
//! ec_op, keccak and poseidon cells are laid out in instances (inputs then
//! outputs); an output cell is *deduced* from its instance's inputs when an
//! instruction reads it while it is still unknown, exactly when cairo-vm
//! deduces it. An ecdsa instance (public key, message) must carry a
//! signature registered by the `verify_ecdsa_signature` hint that verifies
//! ([`verify_ecdsa`]); the run checks every complete instance when it ends.

use super::hash_glue;
use super::memory::{Memory, Relocatable, Value};
use crate::field::Fe;
use starknet_types_core::felt::Felt;

/// A supported builtin, in cairo-lang's canonical order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Builtin {
    /// `output`: plain cells.
    Output,
    /// `pedersen`: (x, y, pedersen(x, y)).
    Pedersen,
    /// `range_check`: each cell holds a value in [0, 2^128).
    RangeCheck,
    /// `ecdsa`: (public key, message), signed by a signature the
    /// `verify_ecdsa_signature` hint registers.
    Ecdsa,
    /// `bitwise`: (x, y, x & y, x ^ y, x | y).
    Bitwise,
    /// `ec_op`: (P.x, P.y, Q.x, Q.y, m, R.x, R.y) with R = P + m·Q on the
    /// STARK curve.
    EcOp,
    /// `keccak`: eight 200-bit words of a Keccak-f[1600] state, then the
    /// eight words of its permutation.
    Keccak,
    /// `poseidon`: (s0, s1, s2, hades(s)0, hades(s)1, hades(s)2).
    Poseidon,
}

impl Builtin {
    /// The builtin named `name` in a program's `builtins` list.
    pub fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "output" => Builtin::Output,
            "pedersen" => Builtin::Pedersen,
            "range_check" => Builtin::RangeCheck,
            "ecdsa" => Builtin::Ecdsa,
            "bitwise" => Builtin::Bitwise,
            "ec_op" => Builtin::EcOp,
            "keccak" => Builtin::Keccak,
            "poseidon" => Builtin::Poseidon,
            _ => return None,
        })
    }

    /// The name as cairo-lang writes it.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::Output => "output",
            Builtin::Pedersen => "pedersen",
            Builtin::RangeCheck => "range_check",
            Builtin::Ecdsa => "ecdsa",
            Builtin::Bitwise => "bitwise",
            Builtin::EcOp => "ec_op",
            Builtin::Keccak => "keccak",
            Builtin::Poseidon => "poseidon",
        }
    }

    /// Checks a value written into this builtin's segment.
    #[inline]
    pub fn validate(self, v: Value) -> Result<(), String> {
        if self != Builtin::RangeCheck {
            return Ok(());
        }
        match v {
            Value::Int(f) if f.to_canonical()[2] == 0 && f.to_canonical()[3] == 0 => Ok(()),
            Value::Int(f) => Err(format!("range_check: value {:#x} is out of range [0, 2^128)", f.to_felt())),
            Value::Rel(r) => Err(format!("range_check: value {r} is a pointer, not an integer")),
        }
    }

    /// Deduces the cell at `addr` (in this builtin's segment) from its
    /// instance's inputs. `Ok(None)` when the cell is an input or the inputs
    /// are not all known yet.
    pub fn deduce(self, mem: &Memory, addr: Relocatable) -> Result<Option<Value>, String> {
        let (cells, inputs) = match self {
            Builtin::Pedersen => (3, 2),
            Builtin::Bitwise => (5, 2),
            Builtin::EcOp => (7, 5),
            Builtin::Keccak => (16, 8),
            Builtin::Poseidon => (6, 3),
            Builtin::Output | Builtin::RangeCheck | Builtin::Ecdsa => return Ok(None),
        };
        let idx = addr.offset % cells;
        if idx < inputs {
            return Ok(None);
        }
        let base = Relocatable::new(addr.segment, addr.offset - idx);
        let mut input = [Felt::ZERO; 8];
        for (i, slot) in input.iter_mut().enumerate().take(inputs as usize) {
            let a = Relocatable::new(base.segment, base.offset + i as u64);
            match mem.get(a) {
                None => return Ok(None),
                Some(Value::Int(f)) => *slot = f.to_felt(),
                Some(Value::Rel(r)) => return Err(format!("{}: input at {a} is a pointer ({r})", self.name())),
            }
        }
        let out = match self {
            Builtin::Pedersen => hash_glue::pedersen(input[0], input[1]),
            Builtin::Bitwise => {
                for (i, x) in input.iter().take(2).enumerate() {
                    if x.bits() > 251 {
                        return Err(format!("bitwise: input {:#x} at {base}+{i} exceeds 251 bits", x));
                    }
                }
                let (x, y) = (input[0].to_le_digits(), input[1].to_le_digits());
                let op = |f: fn(u64, u64) -> u64| -> Felt {
                    let limbs: [u64; 4] = std::array::from_fn(|k| f(x[k], y[k]));
                    Fe::from_canonical(limbs).map(Fe::to_felt).unwrap_or(Felt::ZERO)
                };
                match idx {
                    2 => op(|a, b| a & b),
                    3 => op(|a, b| a ^ b),
                    _ => op(|a, b| a | b),
                }
            }
            Builtin::EcOp => ec_op(&input, base, idx)?,
            Builtin::Keccak => keccak(&input, base, idx)?,
            Builtin::Poseidon => {
                let mut s = [input[0], input[1], input[2]];
                hash_glue::poseidon_permute(&mut s);
                s[(idx - 3) as usize]
            }
            Builtin::Output | Builtin::RangeCheck | Builtin::Ecdsa => return Ok(None),
        };
        Ok(Some(Value::from(out)))
    }
}

/// `ec_op`: R = P + m·Q, coordinate `idx - 5` of R. P and Q must be on the
/// curve, and R not the point at infinity.
fn ec_op(input: &[Felt; 8], base: Relocatable, idx: u64) -> Result<Felt, String> {
    use starknet_types_core::curve::{AffinePoint, ProjectivePoint};
    let point = |k: usize| {
        AffinePoint::new(input[k], input[k + 1]).map_err(|_| {
            format!("ec_op: point ({:#x}, {:#x}) at {base}+{k} is not on the curve", input[k], input[k + 1])
        })
    };
    let (p, q) = (point(0)?, point(2)?);
    let (p, q) =
        (ProjectivePoint::from_affine_unchecked(p.x(), p.y()), ProjectivePoint::from_affine_unchecked(q.x(), q.y()));
    let r = (&p + &(&q * input[4]))
        .to_affine()
        .map_err(|_| format!("ec_op: the result at {base} is the point at infinity"))?;
    Ok(if idx == 5 { r.x() } else { r.y() })
}

/// `keccak`: the eight 200-bit inputs, little-endian, are the 1600-bit
/// state; output `idx - 8` is the same slice of the permuted state.
fn keccak(input: &[Felt; 8], base: Relocatable, idx: u64) -> Result<Felt, String> {
    let mut bytes = [0u8; 200];
    for (i, x) in input.iter().enumerate() {
        if x.bits() > 200 {
            return Err(format!("keccak: input {x:#x} at {base}+{i} exceeds 200 bits"));
        }
        bytes[25 * i..25 * i + 25].copy_from_slice(&x.to_bytes_le()[..25]);
    }
    let mut lanes: [u64; 25] =
        std::array::from_fn(|k| u64::from_le_bytes(bytes[8 * k..8 * k + 8].try_into().unwrap_or([0; 8])));
    keccak::f1600(&mut lanes);
    for (k, lane) in lanes.iter().enumerate() {
        bytes[8 * k..8 * k + 8].copy_from_slice(&lane.to_le_bytes());
    }
    let o = 25 * (idx - 8) as usize;
    let mut word = [0u8; 32];
    word[..25].copy_from_slice(&bytes[o..o + 25]);
    Ok(Felt::from_bytes_le(&word))
}

/// The STARK curve's order.
const CURVE_ORDER: &str = "800000000000010ffffffffffffffffb781126dcae7b2321e66a241adc64d2f";

/// Verifies a STARK-curve ECDSA signature (r, s) of `msg` by the public key
/// whose x coordinate is `pubkey`, as starknet-crypto's `verify` does (so
/// either y of the key is accepted).
pub fn verify_ecdsa(pubkey: Felt, msg: Felt, r: Felt, s: Felt) -> bool {
    use num_bigint::BigUint;
    use starknet_types_core::curve::{AffinePoint, ProjectivePoint};
    let below_2_251 = |f: Felt| f.bits() <= 251;
    if !below_2_251(msg) || r == Felt::ZERO || !below_2_251(r) || s == Felt::ZERO || !below_2_251(s) {
        return false;
    }
    let Some(key) = AffinePoint::new_from_x(&pubkey, false) else {
        return false;
    };
    let Some(n) = BigUint::parse_bytes(CURVE_ORDER.as_bytes(), 16) else {
        return false;
    };
    let w = s.to_biguint().modpow(&(&n - 2u32), &n);
    let w_felt = Felt::from(&w);
    if w_felt == Felt::ZERO || !below_2_251(w_felt) {
        return false;
    }
    let zw = Felt::from(&(msg.to_biguint() * &w % &n));
    let rw = Felt::from(&(r.to_biguint() * &w % &n));
    let g = AffinePoint::generator();
    let zw_g = &ProjectivePoint::from_affine_unchecked(g.x(), g.y()) * zw;
    let rw_q = &ProjectivePoint::from_affine_unchecked(key.x(), key.y()) * rw;
    [&zw_g + &rw_q, &zw_g - &rw_q].iter().any(|p| p.to_affine().is_ok_and(|a| a.x() == r))
}
