//! Keys and edge paths as 251-bit integers (`[u64; 4]`, little-endian
//! limbs, canonical values).
//!
//! The trie reads a key from its most significant bit: the bit at depth `d`
//! (0 at the root, 250 just above the leaves) is integer bit `250 - d`. An
//! edge of length `len` leaving depth `d` holds the `len` key bits
//! `d .. d + len` as an integer, which is also the `path` felt it hashes.

/// A key or path: canonical little-endian limbs.
pub type U256 = [u64; 4];

/// The trie height: keys have 251 bits.
pub const HEIGHT: u32 = 251;

/// Whether `k` is a valid key (`< 2^251`).
#[inline]
pub fn in_range(k: &U256) -> bool {
    k[3] >> 59 == 0
}

/// The key bit at depth `d` (`d < 251`).
#[inline(always)]
pub fn bit(k: &U256, d: u32) -> bool {
    let b = HEIGHT - 1 - d;
    (k[(b / 64) as usize] >> (b % 64)) & 1 == 1
}

/// `k >> s` for `s < 256`.
#[inline]
pub fn shr(k: &U256, s: u32) -> U256 {
    let (limbs, bits) = ((s / 64) as usize, s % 64);
    let mut out = [0u64; 4];
    for i in 0..4 - limbs {
        let lo = k[i + limbs] >> bits;
        let hi = if bits > 0 && i + limbs + 1 < 4 { k[i + limbs + 1] << (64 - bits) } else { 0 };
        out[i] = lo | hi;
    }
    out
}

/// `k << s` for `s < 256` (bits shifted past 2^256 are dropped).
#[inline]
pub fn shl(k: &U256, s: u32) -> U256 {
    let (limbs, bits) = ((s / 64) as usize, s % 64);
    let mut out = [0u64; 4];
    for i in limbs..4 {
        let hi = k[i - limbs] << bits;
        let lo = if bits > 0 && i > limbs { k[i - limbs - 1] >> (64 - bits) } else { 0 };
        out[i] = hi | lo;
    }
    out
}

/// The low `len` bits of `k` (`len ≤ 256`).
#[inline]
pub fn low_bits(k: &U256, len: u32) -> U256 {
    std::array::from_fn(|i| {
        let start = 64 * i as u32;
        if len >= start + 64 {
            k[i]
        } else if len <= start {
            0
        } else {
            k[i] & ((1u64 << (len - start)) - 1)
        }
    })
}

/// The `len` key bits at depths `d .. d + len`, as an integer.
#[inline]
pub fn bits(k: &U256, d: u32, len: u32) -> U256 {
    low_bits(&shr(k, HEIGHT - d - len), len)
}

/// `a ^ b`.
#[inline]
pub fn xor(a: &U256, b: &U256) -> U256 {
    std::array::from_fn(|i| a[i] ^ b[i])
}

/// `a | b`.
#[inline]
pub fn or(a: &U256, b: &U256) -> U256 {
    std::array::from_fn(|i| a[i] | b[i])
}

/// The index of the highest set bit, or `None` for zero.
#[inline]
pub fn msb(k: &U256) -> Option<u32> {
    (0..4).rev().find(|&i| k[i] != 0).map(|i| 64 * i as u32 + 63 - k[i].leading_zeros())
}

/// How many leading bits (from depth `d`) two keys share, given that they
/// agree above `d`; `251 - d` when they are equal.
#[inline]
pub fn common_prefix(a: &U256, b: &U256, d: u32) -> u32 {
    match msb(&xor(a, b)) {
        None => HEIGHT - d,
        Some(t) => HEIGHT - 1 - t - d,
    }
}

/// How many leading bits of the edge `path` (length `len`, leaving depth
/// `d`) key `k` follows.
#[inline]
pub fn path_prefix(k: &U256, d: u32, path: &U256, len: u32) -> u32 {
    match msb(&xor(&bits(k, d, len), path)) {
        None => len,
        Some(t) => len - 1 - t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifts_and_bits_agree_with_a_bitwise_reference() {
        let k: U256 = [0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210, 0x1111_2222_3333_4444, 0x0555_6666_7777_8888];
        let bit_of = |x: &U256, i: u32| i < 256 && (x[(i / 64) as usize] >> (i % 64)) & 1 == 1;
        for s in [0u32, 1, 13, 63, 64, 65, 100, 128, 200, 255] {
            let (r, l) = (shr(&k, s), shl(&k, s));
            for i in 0..256 {
                assert_eq!(bit_of(&r, i), bit_of(&k, i + s), "shr {s} bit {i}");
                assert_eq!(bit_of(&l, i), i >= s && bit_of(&k, i - s), "shl {s} bit {i}");
            }
        }
        assert_eq!(low_bits(&k, 70), [k[0], k[1] & 0x3f, 0, 0]);
        assert_eq!(bits(&k, 0, 251), k);
        assert!(bit(&k, 0) && !bit(&k, 1) && bit(&k, 250));
        assert_eq!(bits(&k, 250, 1), [1, 0, 0, 0]);
        assert_eq!(msb(&[0, 0, 1, 0]), Some(128));
        assert_eq!(common_prefix(&k, &k, 3), 248);
        assert_eq!(common_prefix(&[0; 4], &[1, 0, 0, 0], 0), 250);
        assert_eq!(path_prefix(&[0b101, 0, 0, 0], 248, &[0b100, 0, 0, 0], 3), 2);
    }
}
