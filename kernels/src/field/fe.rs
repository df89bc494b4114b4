//! [`Fe`]: one Starknet field element in the representation every kernel uses.
//!
//! An `Fe` holds `a · 2^256 mod p` (Montgomery form, R = 2^256) as four
//! little-endian 64-bit limbs, always fully reduced (`< p`). This is the same
//! residue that `starknet_types_core::felt::Felt` stores internally, so
//! converting between the two is a limb reversal, not a multiplication; the
//! GPU reads the same bytes as eight little-endian `u32` words.
//!
//! The prime's special form makes Montgomery reduction cheap:
//! `p = 2^251 + 17·2^192 + 1` has limbs `[1, 0, 0, P3]`, so `p ≡ 1 (mod 2^64)`,
//! `-p⁻¹ ≡ -1 (mod 2^64)` and each reduction step costs one 64×64 product
//! (`m · P3`) instead of four.

use starknet_types_core::felt::Felt;

/// The top limb of p; the other limbs are `[1, 0, 0]`.
pub const P3: u64 = 0x0800_0000_0000_0011;
/// p as little-endian limbs.
pub const P: [u64; 4] = [1, 0, 0, P3];
/// R mod p = 2^256 mod p, the Montgomery form of 1.
const R_MOD_P: [u64; 4] = [0xffff_ffff_ffff_ffe1, 0xffff_ffff_ffff_ffff, 0xffff_ffff_ffff_ffff, 0x07ff_ffff_ffff_fdf0];
/// R² mod p, used to bring canonical integers into Montgomery form.
const R2_MOD_P: [u64; 4] = [0xffff_fd73_7e00_0401, 0x0000_0001_330f_ffff, 0xffff_ffff_ff6f_8000, 0x07ff_d4ab_5e00_8810];

/// A Starknet field element in Montgomery form (see the module docs).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(transparent)]
pub struct Fe(pub [u64; 4]);

impl std::fmt::Debug for Fe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fe({:#x})", self.to_felt())
    }
}

// Inherent `add`/`sub`/`mul`/`neg` (usable without importing `std::ops`)
// with the operator traits below delegating to them.
#[allow(clippy::should_implement_trait)]
impl Fe {
    /// Zero.
    pub const ZERO: Fe = Fe([0; 4]);
    /// One (R mod p).
    pub const ONE: Fe = Fe(R_MOD_P);

    /// Converts from the public felt type (a limb reversal).
    #[inline(always)]
    pub fn from_felt(f: &Felt) -> Fe {
        let r = f.to_raw();
        Fe([r[3], r[2], r[1], r[0]])
    }

    /// Converts to the public felt type (a limb reversal).
    #[inline(always)]
    pub fn to_felt(self) -> Felt {
        let l = self.0;
        Felt::from_raw([l[3], l[2], l[1], l[0]])
    }

    /// The element whose canonical value is `v`.
    pub fn from_u64(v: u64) -> Fe {
        Fe([v, 0, 0, 0]).mul(Fe(R2_MOD_P))
    }

    /// The element with canonical little-endian limbs `v`, or `None` when `v ≥ p`.
    pub fn from_canonical(v: [u64; 4]) -> Option<Fe> {
        if !lt_p(&v) {
            return None;
        }
        Some(Fe(v).mul(Fe(R2_MOD_P)))
    }

    /// The canonical little-endian limbs of this element.
    pub fn to_canonical(self) -> [u64; 4] {
        self.mul(Fe([1, 0, 0, 0])).0
    }

    /// `self + rhs mod p`.
    #[inline(always)]
    pub fn add(self, rhs: Fe) -> Fe {
        let (s, _) = add4(&self.0, &rhs.0); // < 2p < 2^253: never carries out
        Fe(reduce_once(s))
    }

    /// `self - rhs mod p`.
    #[inline(always)]
    pub fn sub(self, rhs: Fe) -> Fe {
        let (d, borrow) = sub4(&self.0, &rhs.0);
        if borrow {
            Fe(add4(&d, &P).0)
        } else {
            Fe(d)
        }
    }

    /// `-self mod p`.
    #[inline(always)]
    pub fn neg(self) -> Fe {
        Fe::ZERO.sub(self)
    }

    /// `self · rhs mod p` (Montgomery product, CIOS with the sparse prime).
    #[inline(always)]
    pub fn mul(self, rhs: Fe) -> Fe {
        Fe(reduce_once(mont_mul(&self.0, &rhs.0)))
    }

    /// `self² mod p`.
    #[inline(always)]
    pub fn square(self) -> Fe {
        self.mul(self)
    }

    /// `self^e` for an exponent given as little-endian limbs.
    pub fn pow(self, e: &[u64; 4]) -> Fe {
        let mut acc = Fe::ONE;
        for i in (0..256).rev() {
            acc = acc.square();
            if (e[i / 64] >> (i % 64)) & 1 == 1 {
                acc = acc.mul(self);
            }
        }
        acc
    }

    /// `self^(2^k)`.
    #[inline(always)]
    pub fn square_n(self, k: u32) -> Fe {
        let mut x = self;
        for _ in 0..k {
            x = x.square();
        }
        x
    }

    /// `self⁻¹` by Fermat (`self^(p-2)`); zero maps to zero.
    ///
    /// `p - 2 = (2^59 + 2^4)·2^192 + (2^192 - 1)`, so with `y = x^(2^192-1)`
    /// (an addition chain) and `q = y·x = x^(2^192)` the inverse is
    /// `(q^(2^55)·q)^(2^4) · y`: 250 squarings and 11 products, against
    /// 251 + 196 for plain square-and-multiply.
    pub fn inv_or_zero(self) -> Fe {
        let x = self;
        let e2 = x.square().mul(x); // x^(2^2-1)
        let e4 = e2.square_n(2).mul(e2);
        let e8 = e4.square_n(4).mul(e4);
        let e16 = e8.square_n(8).mul(e8);
        let e32 = e16.square_n(16).mul(e16);
        let e64 = e32.square_n(32).mul(e32);
        let e128 = e64.square_n(64).mul(e64);
        let y = e128.square_n(64).mul(e64); // x^(2^192-1)
        let q = y.mul(x); // x^(2^192)
        let r = q.square_n(55).mul(q).square_n(4);
        r.mul(y)
    }

    /// Whether this is zero.
    ///
    /// An OR of the limbs rather than an array comparison: that one loads
    /// the element as two 16-byte halves, which cannot be forwarded from the
    /// four 8-byte stores that just wrote it (the VM tests the cell an
    /// instruction earlier wrote, e.g. `jmp loop if [ap - 1] != 0`).
    #[inline(always)]
    pub fn is_zero(self) -> bool {
        let l = self.0;
        (l[0] | l[1] | l[2] | l[3]) == 0
    }
}

impl std::ops::Add for Fe {
    type Output = Fe;
    #[inline(always)]
    fn add(self, rhs: Fe) -> Fe {
        Fe::add(self, rhs)
    }
}

impl std::ops::Sub for Fe {
    type Output = Fe;
    #[inline(always)]
    fn sub(self, rhs: Fe) -> Fe {
        Fe::sub(self, rhs)
    }
}

impl std::ops::Mul for Fe {
    type Output = Fe;
    #[inline(always)]
    fn mul(self, rhs: Fe) -> Fe {
        Fe::mul(self, rhs)
    }
}

impl std::ops::Neg for Fe {
    type Output = Fe;
    #[inline(always)]
    fn neg(self) -> Fe {
        Fe::neg(self)
    }
}

/// Montgomery product `a·b·2^-256`, result in `[0, 2p)`.
///
/// The 512-bit product is reduced in two steps that exploit `p`'s form:
/// `p ≡ 1 (mod 2^192)`, so the low three limbs go at once with
/// `m = -t mod 2^192` (`t + m·p = t + m + m·P3·2^192`, and `t + m` only
/// carries `t_lo ≠ 0` into limb 3), then one ordinary 64-bit step.
/// Four 64×64 products for the whole reduction.
#[inline(always)]
pub fn mont_mul(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut t = [0u64; 8];
    for i in 0..4 {
        let mut carry = 0u64;
        for j in 0..4 {
            let v = (a[j] as u128) * (b[i] as u128) + t[i + j] as u128 + carry as u128;
            t[i + j] = v as u64;
            carry = (v >> 64) as u64;
        }
        t[i + 4] = carry;
    }
    // Step 1: clear limbs 0..3. m = 2^192 - t_lo (or 0).
    let nz = ((t[0] | t[1] | t[2]) != 0) as u64;
    let (m0, c) = 0u64.overflowing_sub(t[0]);
    let (m1, c1) = 0u64.overflowing_sub(t[1]);
    let (m1, c2) = m1.overflowing_sub(c as u64);
    let m2 = 0u64.wrapping_sub(t[2]).wrapping_sub((c1 | c2) as u64);
    // u = t[3..8] + nz + m·P3
    let v = (m0 as u128) * (P3 as u128) + t[3] as u128 + nz as u128;
    let u0 = v as u64;
    let v = (m1 as u128) * (P3 as u128) + t[4] as u128 + (v >> 64);
    let u1 = v as u64;
    let v = (m2 as u128) * (P3 as u128) + t[5] as u128 + (v >> 64);
    let u2 = v as u64;
    let v = t[6] as u128 + (v >> 64);
    let u3 = v as u64;
    let u4 = t[7] + (v >> 64) as u64;
    // Step 2: clear u0 with m = -u0 (p ≡ 1 mod 2^64, so -p⁻¹ ≡ -1).
    let m = u0.wrapping_neg();
    let v = u1 as u128 + (u0 != 0) as u128;
    let r0 = v as u64;
    let v = u2 as u128 + (v >> 64);
    let r1 = v as u64;
    let v = (m as u128) * (P3 as u128) + u3 as u128 + (v >> 64);
    let r2 = v as u64;
    let r3 = u4.wrapping_add((v >> 64) as u64);
    [r0, r1, r2, r3]
}

/// Subtracts p once if `v ≥ p`.
#[inline(always)]
pub fn reduce_once(v: [u64; 4]) -> [u64; 4] {
    let (d, borrow) = sub4(&v, &P);
    if borrow {
        v
    } else {
        d
    }
}

/// Whether the little-endian value `v` is below p.
#[inline(always)]
pub fn lt_p(v: &[u64; 4]) -> bool {
    sub4(v, &P).1
}

#[inline(always)]
fn add4(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut r = [0u64; 4];
    let mut carry = false;
    for i in 0..4 {
        let (s1, c1) = a[i].overflowing_add(b[i]);
        let (s2, c2) = s1.overflowing_add(carry as u64);
        r[i] = s2;
        carry = c1 | c2;
    }
    (r, carry)
}

#[inline(always)]
fn sub4(a: &[u64; 4], b: &[u64; 4]) -> ([u64; 4], bool) {
    let mut r = [0u64; 4];
    let mut borrow = false;
    for i in 0..4 {
        let (d1, b1) = a[i].overflowing_sub(b[i]);
        let (d2, b2) = d1.overflowing_sub(borrow as u64);
        r[i] = d2;
        borrow = b1 | b2;
    }
    (r, borrow)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_starknet_types_core() {
        assert_eq!(Fe::from_felt(&Felt::ONE), Fe::ONE);
        assert_eq!(Fe::from_u64(12345).to_felt(), Felt::from(12345u64));
        let pm1 = Felt::ZERO - Felt::ONE;
        assert_eq!(Fe::ONE.neg().to_felt(), pm1);
        assert_eq!(Fe::from_felt(&pm1).to_canonical(), [0, 0, 0, P3]);
    }

    #[test]
    fn operators_agree_with_methods() {
        let (a, b) = (Fe::from_u64(7), Fe::from_u64(5));
        assert_eq!((a + b).to_felt(), Felt::from(12u64));
        assert_eq!((a - b).to_felt(), Felt::from(2u64));
        assert_eq!((b - a).to_felt(), Felt::ZERO - Felt::from(2u64));
        assert_eq!((a * b).to_felt(), Felt::from(35u64));
        assert_eq!((-a).to_felt(), Felt::ZERO - Felt::from(7u64));
        assert_eq!(a.inv_or_zero() * a, Fe::ONE);
        assert_eq!(Fe::ZERO.inv_or_zero(), Fe::ZERO);
        assert_eq!(Fe::from_canonical([0, 0, 0, P3 + 1]), None);
    }
}
