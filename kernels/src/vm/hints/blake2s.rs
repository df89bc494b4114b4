//! BLAKE2s hints (`cairo_blake2s`): one compression per block, the dummy
//! instances of `finalize_blake2s` (three spellings), Uint256 words as
//! 32-bit words, and `encode_felt252_to_u32s`'s packing of felts.

use super::ctx::{big, felt, offset, small, HintCtx};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::{Relocatable, Value};
use num_bigint::BigUint;
use starknet_types_core::felt::Felt;

/// A BLAKE2s hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `blake2s`: compress one block.
    Compute,
    /// `finalize_blake2s`: dummy instances.
    Finalize,
    /// `blake2s_add_uint256`.
    AddUint256,
    /// `blake2s_add_uint256_bigend`.
    AddUint256Bigend,
    /// Felts as big-endian 32-bit words: two for a felt below 2^63, else
    /// eight with the top bit set.
    UnpackFelts,
    /// `finalize_blake2s` (the chunk size named
    /// `BLAKE2S_INPUT_CHUNK_SIZE_FELTS`).
    FinalizeV2,
    /// `finalize_blake2s` with the message before the IV in each dummy
    /// instance.
    FinalizeV3,
    /// `encode_felt252_to_u32s`'s loop: not at the end and below 2^63.
    IsLessThan63BitsAndNotEnd,
    /// One compression of the block at `blake2s_start` (the last block of
    /// `n_bytes` bytes).
    ExampleCompress,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::Compute,
        r#"from starkware.cairo.common.cairo_blake2s.blake2s_utils import compute_blake2s_func
compute_blake2s_func(segments=segments, output_ptr=ids.output)"#,
    ),
    (
        Kind::Finalize,
        r#"# Add dummy pairs of input and output.
from starkware.cairo.common.cairo_blake2s.blake2s_utils import IV, blake2s_compress

_n_packed_instances = int(ids.N_PACKED_INSTANCES)
assert 0 <= _n_packed_instances < 20
_blake2s_input_chunk_size_felts = int(ids.INPUT_BLOCK_FELTS)
assert 0 <= _blake2s_input_chunk_size_felts < 100

message = [0] * _blake2s_input_chunk_size_felts
modified_iv = [IV[0] ^ 0x01010020] + IV[1:]
output = blake2s_compress(
    message=message,
    h=modified_iv,
    t0=0,
    t1=0,
    f0=0xffffffff,
    f1=0,
)
padding = (modified_iv + message + [0, 0xffffffff] + output) * (_n_packed_instances - 1)
segments.write_arg(ids.blake2s_ptr_end, padding)"#,
    ),
    (
        Kind::AddUint256,
        r#"B = 32
MASK = 2 ** 32 - 1
segments.write_arg(ids.data, [(ids.low >> (B * i)) & MASK for i in range(4)])
segments.write_arg(ids.data + 4, [(ids.high >> (B * i)) & MASK for i in range(4)])"#,
    ),
    (
        Kind::AddUint256Bigend,
        r#"B = 32
MASK = 2 ** 32 - 1
segments.write_arg(ids.data, [(ids.high >> (B * (3 - i))) & MASK for i in range(4)])
segments.write_arg(ids.data + 4, [(ids.low >> (B * (3 - i))) & MASK for i in range(4)])"#,
    ),
    (
        Kind::UnpackFelts,
        r#"offset = 0
for i in range(ids.packed_values_len):
    val = (memory[ids.packed_values + i] % PRIME)
    val_len = 2 if val < 2**63 else 8
    if val_len == 8:
        val += 2**255
    for i in range(val_len - 1, -1, -1):
        val, memory[ids.unpacked_u32s + offset + i] = divmod(val, 2**32)
    assert val == 0
    offset += val_len"#,
    ),
    (
        Kind::FinalizeV2,
        r#"# Add dummy pairs of input and output.
from starkware.cairo.common.cairo_blake2s.blake2s_utils import IV, blake2s_compress

_n_packed_instances = int(ids.N_PACKED_INSTANCES)
assert 0 <= _n_packed_instances < 20
_blake2s_input_chunk_size_felts = int(ids.BLAKE2S_INPUT_CHUNK_SIZE_FELTS)
assert 0 <= _blake2s_input_chunk_size_felts < 100

message = [0] * _blake2s_input_chunk_size_felts
modified_iv = [IV[0] ^ 0x01010020] + IV[1:]
output = blake2s_compress(
    message=message,
    h=modified_iv,
    t0=0,
    t1=0,
    f0=0xffffffff,
    f1=0,
)
padding = (modified_iv + message + [0, 0xffffffff] + output) * (_n_packed_instances - 1)
segments.write_arg(ids.blake2s_ptr_end, padding)"#,
    ),
    (
        Kind::FinalizeV3,
        r#"# Add dummy pairs of input and output.
from starkware.cairo.common.cairo_blake2s.blake2s_utils import IV, blake2s_compress

_n_packed_instances = int(ids.N_PACKED_INSTANCES)
assert 0 <= _n_packed_instances < 20
_blake2s_input_chunk_size_felts = int(ids.BLAKE2S_INPUT_CHUNK_SIZE_FELTS)
assert 0 <= _blake2s_input_chunk_size_felts < 100

message = [0] * _blake2s_input_chunk_size_felts
modified_iv = [IV[0] ^ 0x01010020] + IV[1:]
output = blake2s_compress(
    message=message,
    h=modified_iv,
    t0=0,
    t1=0,
    f0=0xffffffff,
    f1=0,
)
padding = (message + modified_iv + [0, 0xffffffff] + output) * (_n_packed_instances - 1)
segments.write_arg(ids.blake2s_ptr_end, padding)"#,
    ),
    (
        Kind::IsLessThan63BitsAndNotEnd,
        r#"memory[ap] = to_felt_or_relocatable((ids.end != ids.packed_values) and (memory[ids.packed_values] < 2**63))"#,
    ),
    (
        Kind::ExampleCompress,
        r#"from starkware.cairo.common.cairo_blake2s.blake2s_utils import IV, blake2s_compress

_blake2s_input_chunk_size_felts = int(ids.BLAKE2S_INPUT_CHUNK_SIZE_FELTS)
assert 0 <= _blake2s_input_chunk_size_felts < 100

new_state = blake2s_compress(
    message=memory.get_range(ids.blake2s_start, _blake2s_input_chunk_size_felts),
    h=[IV[0] ^ 0x01010020] + IV[1:],
    t0=ids.n_bytes,
    t1=0,
    f0=0xffffffff,
    f1=0,
)

segments.write_arg(ids.output, new_state)"#,
    ),
];

const IV: [u32; 8] = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

const SIGMA: [[usize; 16]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
];

/// BLAKE2s's compression function F: the new state words.
fn compress(h: &[u32; 8], m: &[u32; 16], t0: u32, t1: u32, f0: u32, f1: u32) -> [u32; 8] {
    let mut v = [0u32; 16];
    v[..8].copy_from_slice(h);
    v[8..].copy_from_slice(&IV);
    v[12] ^= t0;
    v[13] ^= t1;
    v[14] ^= f0;
    v[15] ^= f1;
    let g = |v: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize, x: u32, y: u32| {
        v[a] = v[a].wrapping_add(v[b]).wrapping_add(x);
        v[d] = (v[d] ^ v[a]).rotate_right(16);
        v[c] = v[c].wrapping_add(v[d]);
        v[b] = (v[b] ^ v[c]).rotate_right(12);
        v[a] = v[a].wrapping_add(v[b]).wrapping_add(y);
        v[d] = (v[d] ^ v[a]).rotate_right(8);
        v[c] = v[c].wrapping_add(v[d]);
        v[b] = (v[b] ^ v[c]).rotate_right(7);
    };
    for s in &SIGMA {
        g(&mut v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
        g(&mut v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
        g(&mut v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
        g(&mut v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
        g(&mut v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
        g(&mut v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
        g(&mut v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
        g(&mut v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
    }
    std::array::from_fn(|i| h[i] ^ v[i] ^ v[i + 8])
}

/// `memory[a]` as a 32-bit word.
fn word(cx: &HintCtx<'_>, a: Relocatable) -> Result<u32, VmError> {
    let v = cx.read_int(a, "blake2s: a word")?;
    small(v)
        .and_then(|w| u32::try_from(w).ok())
        .ok_or_else(|| cx.fail(format!("blake2s: word {v:#x} at {a} exceeds 32 bits")))
}

fn write_words(cx: &mut HintCtx<'_>, ptr: Relocatable, words: impl Iterator<Item = u32>) -> Result<(), VmError> {
    for (i, w) in words.enumerate() {
        cx.write_at(offset(ptr, i as u64), Value::from(Felt::from(w)))?;
    }
    Ok(())
}

/// The 32-bit word `i` (little-endian order) of a value.
fn word_of(v: &BigUint, i: u32) -> Felt {
    felt(&((v >> (32 * i)) & BigUint::from(u32::MAX)))
}

/// Runs one BLAKE2s hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::Compute => {
            let out = cx.get_ptr(h, "output")?;
            let start =
                out.offset.checked_sub(26).ok_or_else(|| cx.fail(format!("blake2s: output {out} is too low")))?;
            let at = |k: u64| Relocatable::new(out.segment, start + k);
            let mut state = [0u32; 8];
            for (k, s) in state.iter_mut().enumerate() {
                *s = word(cx, at(k as u64))?;
            }
            let mut message = [0u32; 16];
            for (k, m) in message.iter_mut().enumerate() {
                *m = word(cx, at(8 + k as u64))?;
            }
            let (t, f) = (word(cx, at(24))?, word(cx, at(25))?);
            let new = compress(&state, &message, t, 0, f, 0);
            write_words(cx, out, new.into_iter())
        }
        Kind::Finalize | Kind::FinalizeV2 | Kind::FinalizeV3 => {
            let n = small(h.constant_or("N_PACKED_INSTANCES", Felt::from(7))).filter(|&n| n < 20);
            let chunk = small(h.constant_or("INPUT_BLOCK_FELTS", Felt::from(16))).filter(|&n| n < 100);
            let (Some(n), Some(16)) = (n, chunk) else {
                return Err(cx.fail("finalize_blake2s: N_PACKED_INSTANCES or INPUT_BLOCK_FELTS is out of range"));
            };
            let mut iv = IV;
            iv[0] ^= 0x01010020;
            let output = compress(&iv, &[0; 16], 0, 0, 0xffffffff, 0);
            // `modified_iv + message` (the message first in V3), then the
            // flags and the output.
            let mut one: Vec<u32> = iv.to_vec();
            if kind == Kind::FinalizeV3 {
                one.splice(0..0, [0u32; 16]);
            } else {
                one.extend([0u32; 16]);
            }
            one.extend([0, 0xffffffff]);
            one.extend(output);
            let end = cx.get_ptr(h, "blake2s_ptr_end")?;
            let padding = (1..n).flat_map(|_| one.iter().copied()).collect::<Vec<_>>();
            write_words(cx, end, padding.into_iter())
        }
        Kind::AddUint256 | Kind::AddUint256Bigend => {
            let data = cx.get_ptr(h, "data")?;
            let (low, high) = (big(cx.get_int(h, "low")?), big(cx.get_int(h, "high")?));
            let (first, second) = if kind == Kind::AddUint256 { (&low, &high) } else { (&high, &low) };
            for (half, v) in [(0u64, first), (4, second)] {
                for i in 0..4u32 {
                    let k = if kind == Kind::AddUint256 { i } else { 3 - i };
                    cx.write_at(offset(data, half + u64::from(i)), Value::from(word_of(v, k)))?;
                }
            }
            Ok(())
        }
        Kind::UnpackFelts => {
            let n = cx.get_int(h, "packed_values_len")?;
            let n = small(n).ok_or_else(|| cx.fail(format!("blake2s: packed_values_len {n} is out of range")))?;
            let (packed, out) = (cx.get_ptr(h, "packed_values")?, cx.get_ptr(h, "unpacked_u32s")?);
            let mut at = 0u64;
            for i in 0..n {
                let mut v = big(cx.read_int(offset(packed, i), "blake2s: a packed value")?);
                let len = if v < BigUint::from(1u64 << 63) { 2u32 } else { 8 };
                if len == 8 {
                    v += BigUint::from(1u32) << 255u32;
                }
                for k in (0..len).rev() {
                    cx.write_at(offset(out, at + u64::from(k)), Value::from(word_of(&v, len - 1 - k)))?;
                }
                at += u64::from(len);
            }
            Ok(())
        }
        Kind::IsLessThan63BitsAndNotEnd => {
            let (end, packed) = (cx.get_ptr(h, "end")?, cx.get_ptr(h, "packed_values")?);
            let yes = end != packed && cx.read_int(packed, "blake2s: a packed value")?.bits() <= 63;
            cx.write_ap(Felt::from(u64::from(yes)))
        }
        Kind::ExampleCompress => {
            let (start, out) = (cx.get_ptr(h, "blake2s_start")?, cx.get_ptr(h, "output")?);
            let n = cx.get_int(h, "n_bytes")?;
            let n = small(n)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| cx.fail(format!("blake2s: n_bytes {n:#x} exceeds 32 bits")))?;
            let mut message = [0u32; 16];
            for (k, m) in message.iter_mut().enumerate() {
                *m = word(cx, offset(start, k as u64))?;
            }
            let mut iv = IV;
            iv[0] ^= 0x01010020;
            let new = compress(&iv, &message, n, 0, 0xffffffff, 0);
            write_words(cx, out, new.into_iter())
        }
    }
}

#[cfg(test)]
mod tests {
    /// BLAKE2s-256 of "abc" (RFC 7693, appendix B), through `compress`.
    #[test]
    fn compress_matches_rfc_7693() {
        let mut h = super::IV;
        h[0] ^= 0x01010020;
        let mut m = [0u32; 16];
        m[0] = 0x00636261;
        let out = super::compress(&h, &m, 3, 0, 0xffffffff, 0);
        let bytes: Vec<u8> = out.iter().flat_map(|w| w.to_le_bytes()).collect();
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
    }
}
