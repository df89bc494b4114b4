//! [`U256`]: token amounts as Starknet's ERC-20 contracts keep them, two
//! storage cells of 128 bits each (`low` at the balance key, `high` at the
//! next one).

use starknet_types_core::felt::Felt;
use std::cmp::Ordering;
use std::fmt;

/// An unsigned 256-bit integer, `hi · 2^128 + lo`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct U256 {
    /// The low 128 bits.
    pub lo: u128,
    /// The high 128 bits.
    pub hi: u128,
}

impl Ord for U256 {
    fn cmp(&self, other: &U256) -> Ordering {
        (self.hi, self.lo).cmp(&(other.hi, other.lo))
    }
}

impl PartialOrd for U256 {
    fn partial_cmp(&self, other: &U256) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl From<u128> for U256 {
    fn from(lo: u128) -> U256 {
        U256 { lo, hi: 0 }
    }
}

impl From<u64> for U256 {
    fn from(lo: u64) -> U256 {
        U256 { lo: lo.into(), hi: 0 }
    }
}

impl fmt::Display for U256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.hi == 0 {
            write!(f, "{}", self.lo)
        } else {
            write!(f, "{:#x}{:032x}", self.hi, self.lo)
        }
    }
}

/// A felt that fits 128 bits, or `None`.
pub(crate) fn felt_u128(f: &Felt) -> Option<u128> {
    let b = f.to_bytes_be();
    if b[..16].iter().any(|&x| x != 0) {
        return None;
    }
    Some(u128::from_be_bytes(b[16..].try_into().expect("16 bytes")))
}

impl U256 {
    /// Zero.
    pub const ZERO: U256 = U256 { lo: 0, hi: 0 };
    /// The largest value.
    pub const MAX: U256 = U256 { lo: u128::MAX, hi: u128::MAX };

    /// The value held in two storage cells, or `None` when a cell does not
    /// fit 128 bits (the contract would refuse it too).
    pub fn from_cells(lo: &Felt, hi: &Felt) -> Option<U256> {
        Some(U256 { lo: felt_u128(lo)?, hi: felt_u128(hi)? })
    }

    /// The two cells: `(low, high)`.
    pub fn cells(self) -> (Felt, Felt) {
        (Felt::from(self.lo), Felt::from(self.hi))
    }

    /// `self + other`, or `None` on overflow.
    pub fn checked_add(self, other: U256) -> Option<U256> {
        let (lo, carry) = self.lo.overflowing_add(other.lo);
        let hi = self.hi.checked_add(other.hi)?.checked_add(u128::from(carry))?;
        Some(U256 { lo, hi })
    }

    /// `self - other`, or `None` when `other` is larger.
    pub fn checked_sub(self, other: U256) -> Option<U256> {
        let (lo, borrow) = self.lo.overflowing_sub(other.lo);
        let hi = self.hi.checked_sub(other.hi)?.checked_sub(u128::from(borrow))?;
        Some(U256 { lo, hi })
    }

    /// `self + other`, held at [`U256::MAX`] when it would overflow.
    pub fn saturating_add(self, other: U256) -> U256 {
        self.checked_add(other).unwrap_or(U256::MAX)
    }

    fn limbs(self) -> [u64; 4] {
        [self.lo as u64, (self.lo >> 64) as u64, self.hi as u64, (self.hi >> 64) as u64]
    }

    fn from_limbs(l: &[u64]) -> U256 {
        U256 { lo: u128::from(l[0]) | (u128::from(l[1]) << 64), hi: u128::from(l[2]) | (u128::from(l[3]) << 64) }
    }

    /// `⌊self · mul / div⌋` with a 512-bit intermediate product, or `None`
    /// when `div` is 0 or the quotient does not fit 256 bits.
    pub fn mul_div(self, mul: U256, div: U256) -> Option<U256> {
        if div == U256::ZERO {
            return None;
        }
        // Schoolbook product in 64-bit limbs.
        let (a, b) = (self.limbs(), mul.limbs());
        let mut p = [0u64; 8];
        for i in 0..4 {
            let mut carry = 0u128;
            for j in 0..4 {
                let t = u128::from(a[i]) * u128::from(b[j]) + u128::from(p[i + j]) + carry;
                p[i + j] = t as u64;
                carry = t >> 64;
            }
            p[i + 4] = carry as u64;
        }
        let (high, low) = (U256::from_limbs(&p[4..]), U256::from_limbs(&p[..4]));
        if high >= div {
            return None; // the quotient needs more than 256 bits
        }
        // Restoring division, one bit at a time, of the low half into a
        // remainder that starts as the high half (already below `div`).
        let mut rem = high;
        let mut q = U256::ZERO;
        for bit in (0..256).rev() {
            let top = rem.hi >> 127;
            rem = rem.shl1() | low.bit(bit);
            q = q.shl1();
            if top == 1 || rem >= div {
                rem = rem.wrapping_sub(div);
                q.lo |= 1;
            }
        }
        Some(q)
    }

    fn shl1(self) -> U256 {
        U256 { lo: self.lo << 1, hi: (self.hi << 1) | (self.lo >> 127) }
    }

    fn bit(self, i: u32) -> u128 {
        if i < 128 {
            (self.lo >> i) & 1
        } else {
            (self.hi >> (i - 128)) & 1
        }
    }

    fn wrapping_sub(self, other: U256) -> U256 {
        let (lo, borrow) = self.lo.overflowing_sub(other.lo);
        U256 { lo, hi: self.hi.wrapping_sub(other.hi).wrapping_sub(u128::from(borrow)) }
    }
}

impl std::ops::BitOr<u128> for U256 {
    type Output = U256;
    fn bitor(self, bit: u128) -> U256 {
        U256 { lo: self.lo | bit, hi: self.hi }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(hi: u128, lo: u128) -> U256 {
        U256 { lo, hi }
    }

    #[test]
    fn add_and_sub_carry_across_the_halves() {
        assert_eq!(u(0, u128::MAX).checked_add(U256::from(1u64)), Some(u(1, 0)));
        assert_eq!(u(1, 0).checked_sub(U256::from(1u64)), Some(u(0, u128::MAX)));
        assert_eq!(U256::MAX.checked_add(U256::from(1u64)), None);
        assert_eq!(U256::ZERO.checked_sub(U256::from(1u64)), None);
        assert!(u(1, 0) > u(0, u128::MAX));
    }

    #[test]
    fn mul_div_matches_u128_where_it_fits_and_goes_past_it() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for _ in 0..2000 {
            let (a, b, c) = (next() as u128, next() as u128, (next() as u128).max(1));
            assert_eq!(U256::from(a).mul_div(U256::from(b), U256::from(c)), Some(U256::from(a * b / c)));
        }
        // (2^200 · 2^100) / 2^60 = 2^240.
        let p = |e: u32| if e < 128 { u(0, 1 << e) } else { u(1 << (e - 128), 0) };
        assert_eq!(p(200).mul_div(p(100), p(60)), Some(p(240)));
        assert_eq!(p(200).mul_div(p(100), p(30)), None, "2^270 does not fit");
        assert_eq!(p(3).mul_div(p(3), U256::ZERO), None);
        // (2^256 - 1)^2 / (2^256 - 1) = 2^256 - 1.
        assert_eq!(U256::MAX.mul_div(U256::MAX, U256::MAX), Some(U256::MAX));
    }

    #[test]
    fn cells_round_trip_and_refuse_wide_cells() {
        let v = u(7, 1 << 100);
        let (lo, hi) = v.cells();
        assert_eq!(U256::from_cells(&lo, &hi), Some(v));
        let wide = Felt::from(u128::MAX) + Felt::ONE;
        assert_eq!(U256::from_cells(&wide, &Felt::ZERO), None);
    }
}
