//! Keccak hints: `unsafe_keccak` and its incremental state, `cairo_keccak`
//! (block permutations, padding, finalisation) and `builtin_keccak`'s
//! splits of inputs and outputs.

use super::ctx::{big, bool_felt, felt, offset, small, HintCtx};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::{Relocatable, Value};
use num_bigint::BigUint;
use starknet_types_core::felt::{Felt, NonZeroFelt};

/// A keccak hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `unsafe_keccak`.
    UnsafeKeccak,
    /// `unsafe_keccak_finalize`.
    UnsafeKeccakFinalize,
    /// `cairo_keccak`: write a Uint256 as four 64-bit words.
    WriteArgs,
    /// `n_bytes < BYTES_IN_WORD`.
    CompareBytesInWord,
    /// `n_bytes >= KECCAK_FULL_RATE_IN_BYTES`.
    CompareFullRate,
    /// `cairo_keccak`: one Keccak-f[1600] permutation of 25 words.
    BlockPermutation,
    /// `cairo_keccak` (other spelling): the permutation of the 25 words at
    /// `keccak_ptr_start`, written at `output`.
    BlockPermutationTo,
    /// `finalize_keccak`: dummy blocks.
    Finalize,
    /// `finalize_keccak` with blocks of up to 1000 instances.
    FinalizeUpTo1000,
    /// `full_word = n_bytes >= 8`.
    FullWord,
    /// `builtin_keccak`: split output word 0.
    SplitOutput0,
    /// `builtin_keccak`: split output word 1.
    SplitOutputMidLowHigh,
    /// `builtin_keccak`: split input word 3.
    SplitInput3,
    /// `builtin_keccak`: split input word 6.
    SplitInput6,
    /// `builtin_keccak`: split input word 9.
    SplitInput9,
    /// `builtin_keccak`: split input word 12.
    SplitInput12,
    /// `builtin_keccak`: split input word 15.
    SplitInput15,
    /// `builtin_keccak`: whole words and bytes left.
    SplitNBytes,
    /// `builtin_keccak`: split output word 1 in halves.
    SplitOutput1,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::UnsafeKeccak,
        r#"from eth_hash.auto import keccak

data, length = ids.data, ids.length

if '__keccak_max_size' in globals():
    assert length <= __keccak_max_size, \
        f'unsafe_keccak() can only be used with length<={__keccak_max_size}. ' \
        f'Got: length={length}.'

keccak_input = bytearray()
for word_i, byte_i in enumerate(range(0, length, 16)):
    word = memory[data + word_i]
    n_bytes = min(16, length - byte_i)
    assert 0 <= word < 2 ** (8 * n_bytes)
    keccak_input += word.to_bytes(n_bytes, 'big')

hashed = keccak(keccak_input)
ids.high = int.from_bytes(hashed[:16], 'big')
ids.low = int.from_bytes(hashed[16:32], 'big')"#,
    ),
    (
        Kind::UnsafeKeccakFinalize,
        r#"from eth_hash.auto import keccak
keccak_input = bytearray()
n_elms = ids.keccak_state.end_ptr - ids.keccak_state.start_ptr
for word in memory.get_range(ids.keccak_state.start_ptr, n_elms):
    keccak_input += word.to_bytes(16, 'big')
hashed = keccak(keccak_input)
ids.high = int.from_bytes(hashed[:16], 'big')
ids.low = int.from_bytes(hashed[16:32], 'big')"#,
    ),
    (
        Kind::WriteArgs,
        r#"segments.write_arg(ids.inputs, [ids.low % 2 ** 64, ids.low // 2 ** 64])
segments.write_arg(ids.inputs + 2, [ids.high % 2 ** 64, ids.high // 2 ** 64])"#,
    ),
    (Kind::CompareBytesInWord, r#"memory[ap] = to_felt_or_relocatable(ids.n_bytes < ids.BYTES_IN_WORD)"#),
    (Kind::CompareFullRate, r#"memory[ap] = to_felt_or_relocatable(ids.n_bytes >= ids.KECCAK_FULL_RATE_IN_BYTES)"#),
    (
        Kind::BlockPermutation,
        r#"from starkware.cairo.common.keccak_utils.keccak_utils import keccak_func
_keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
assert 0 <= _keccak_state_size_felts < 100

output_values = keccak_func(memory.get_range(
    ids.keccak_ptr - _keccak_state_size_felts, _keccak_state_size_felts))
segments.write_arg(ids.keccak_ptr, output_values)"#,
    ),
    (
        Kind::BlockPermutation,
        r#"from starkware.cairo.common.cairo_keccak.keccak_utils import keccak_func
_keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
assert 0 <= _keccak_state_size_felts < 100

output_values = keccak_func(memory.get_range(
    ids.keccak_ptr - _keccak_state_size_felts, _keccak_state_size_felts))
segments.write_arg(ids.keccak_ptr, output_values)"#,
    ),
    (
        Kind::BlockPermutationTo,
        r#"from starkware.cairo.common.cairo_keccak.keccak_utils import keccak_func
_keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
assert 0 <= _keccak_state_size_felts < 100
output_values = keccak_func(memory.get_range(
    ids.keccak_ptr_start, _keccak_state_size_felts))
segments.write_arg(ids.output, output_values)"#,
    ),
    (
        Kind::FinalizeUpTo1000,
        r#"# Add dummy pairs of input and output.
_keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
_block_size = int(ids.BLOCK_SIZE)
assert 0 <= _keccak_state_size_felts < 100
assert 0 <= _block_size < 1000
inp = [0] * _keccak_state_size_felts
padding = (inp + keccak_func(inp)) * _block_size
segments.write_arg(ids.keccak_ptr_end, padding)"#,
    ),
    (Kind::FullWord, r#"ids.full_word = int(ids.n_bytes >= 8)"#),
    (
        Kind::Finalize,
        r#"# Add dummy pairs of input and output.
_keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
_block_size = int(ids.BLOCK_SIZE)
assert 0 <= _keccak_state_size_felts < 100
assert 0 <= _block_size < 10
inp = [0] * _keccak_state_size_felts
padding = (inp + keccak_func(inp)) * _block_size
segments.write_arg(ids.keccak_ptr_end, padding)"#,
    ),
    (
        Kind::SplitOutput0,
        r#"ids.output0_low = ids.output0 & ((1 << 128) - 1)
ids.output0_high = ids.output0 >> 128"#,
    ),
    (
        Kind::SplitOutputMidLowHigh,
        r#"tmp, ids.output1_low = divmod(ids.output1, 256 ** 7)
ids.output1_high, ids.output1_mid = divmod(tmp, 2 ** 128)"#,
    ),
    (Kind::SplitInput3, r#"ids.high3, ids.low3 = divmod(memory[ids.inputs + 3], 256)"#),
    (Kind::SplitInput6, r#"ids.high6, ids.low6 = divmod(memory[ids.inputs + 6], 256 ** 2)"#),
    (Kind::SplitInput9, r#"ids.high9, ids.low9 = divmod(memory[ids.inputs + 9], 256 ** 3)"#),
    (Kind::SplitInput12, r#"ids.high12, ids.low12 = divmod(memory[ids.inputs + 12], 256 ** 4)"#),
    (Kind::SplitInput15, r#"ids.high15, ids.low15 = divmod(memory[ids.inputs + 15], 256 ** 5)"#),
    (Kind::SplitNBytes, r#"ids.n_words_to_copy, ids.n_bytes_left = divmod(ids.n_bytes, ids.BYTES_IN_WORD)"#),
    (
        Kind::SplitOutput1,
        r#"ids.output1_low = ids.output1 & ((1 << 128) - 1)
ids.output1_high = ids.output1 >> 128"#,
    ),
];

/// Keccak-256 as Ethereum uses it (Keccak padding, rate 136 bytes).
pub(crate) fn keccak256(data: &[u8]) -> [u8; 32] {
    const RATE: usize = 136;
    let mut lanes = [0u64; 25];
    let mut padded = data.to_vec();
    padded.push(0x01);
    padded.resize(padded.len().div_ceil(RATE) * RATE, 0);
    if let Some(last) = padded.last_mut() {
        *last |= 0x80;
    }
    for block in padded.chunks(RATE) {
        for (k, w) in block.chunks(8).enumerate() {
            lanes[k] ^= u64::from_le_bytes(w.try_into().unwrap_or([0; 8]));
        }
        keccak::f1600(&mut lanes);
    }
    let mut out = [0u8; 32];
    for (k, lane) in lanes.iter().take(4).enumerate() {
        out[8 * k..8 * k + 8].copy_from_slice(&lane.to_le_bytes());
    }
    out
}

/// `keccak_func`: the permutation of a state given as 25 64-bit words.
fn keccak_func(cx: &HintCtx<'_>, words: &[Felt]) -> Result<Vec<Felt>, VmError> {
    let mut lanes = [0u64; 25];
    for (lane, w) in lanes.iter_mut().zip(words) {
        *lane = small(*w).ok_or_else(|| cx.fail(format!("keccak: state word {w:#x} exceeds 64 bits")))?;
    }
    keccak::f1600(&mut lanes);
    Ok(lanes.iter().map(|&l| Felt::from(l)).collect())
}

/// `segments.write_arg(ptr, values)`.
fn write_arg(cx: &mut HintCtx<'_>, ptr: Relocatable, values: &[Felt]) -> Result<(), VmError> {
    for (i, v) in values.iter().enumerate() {
        cx.write_at(offset(ptr, i as u64), Value::from(*v))?;
    }
    Ok(())
}

/// Writes the hash's big-endian halves to `ids.high` and `ids.low`.
fn set_hash(cx: &mut HintCtx<'_>, h: &Hint, hash: [u8; 32]) -> Result<(), VmError> {
    cx.set_int(h, "high", Felt::from_bytes_be_slice(&hash[..16]))?;
    cx.set_int(h, "low", Felt::from_bytes_be_slice(&hash[16..]))
}

/// `n.to_bytes(len, 'big')`, failing if `n` does not fit.
fn be_bytes(cx: &HintCtx<'_>, n: Felt, len: usize) -> Result<Vec<u8>, VmError> {
    if n.bits() > 8 * len {
        return Err(cx.fail(format!("keccak: word {n:#x} does not fit in {len} bytes")));
    }
    Ok(n.to_bytes_be()[32 - len..].to_vec())
}

fn divmod(cx: &HintCtx<'_>, a: Felt, b: Felt) -> Result<(Felt, Felt), VmError> {
    let nz = NonZeroFelt::try_from(b).map_err(|_| cx.fail("keccak: division by zero"))?;
    Ok(a.div_rem(&nz))
}

/// Runs one keccak hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    let split_input = |k: u64| (k, Felt::from(256u64).pow(k / 3));
    let (k, div) = match kind {
        Kind::SplitInput3 => split_input(3),
        Kind::SplitInput6 => split_input(6),
        Kind::SplitInput9 => split_input(9),
        Kind::SplitInput12 => split_input(12),
        Kind::SplitInput15 => split_input(15),
        _ => (0, Felt::ZERO),
    };
    match kind {
        Kind::UnsafeKeccak => {
            let (data, length) = (cx.get_ptr(h, "data")?, cx.get_int(h, "length")?);
            let length = small(length).ok_or_else(|| cx.fail(format!("unsafe_keccak: length {length} is too big")))?;
            let mut input = Vec::new();
            for (word_i, byte_i) in (0..length).step_by(16).enumerate() {
                let word = cx.read_int(offset(data, word_i as u64), "unsafe_keccak: a data word")?;
                let n = (length - byte_i).min(16) as usize;
                input.extend(be_bytes(cx, word, n)?);
            }
            set_hash(cx, h, keccak256(&input))
        }
        Kind::UnsafeKeccakFinalize => {
            let start = cx.read(offset(cx.addr(h, "keccak_state")?, 0), "keccak_state.start_ptr")?;
            let end = cx.read(offset(cx.addr(h, "keccak_state")?, 1), "keccak_state.end_ptr")?;
            let (Value::Rel(s), Value::Rel(e)) = (start, end) else {
                return Err(cx.fail("unsafe_keccak_finalize: start_ptr and end_ptr must be pointers"));
            };
            if s.segment != e.segment || s.offset > e.offset {
                return Err(cx.fail(format!("unsafe_keccak_finalize: end_ptr {e} is not after start_ptr {s}")));
            }
            let mut input = Vec::new();
            for i in 0..e.offset - s.offset {
                let word = cx.read_int(offset(s, i), "unsafe_keccak_finalize: a word")?;
                input.extend(be_bytes(cx, word, 16)?);
            }
            set_hash(cx, h, keccak256(&input))
        }
        Kind::WriteArgs => {
            let inputs = cx.get_ptr(h, "inputs")?;
            let (low, high) = (cx.get_int(h, "low")?, cx.get_int(h, "high")?);
            let words = |v: Felt| {
                let b = big(v);
                [felt(&(&b & BigUint::from(u64::MAX))), felt(&(b >> 64u32))]
            };
            write_arg(cx, inputs, &words(low))?;
            write_arg(cx, offset(inputs, 2), &words(high))
        }
        Kind::CompareBytesInWord => {
            let n = cx.get_int(h, "n_bytes")?;
            cx.write_ap(bool_felt(n < h.constant_or("BYTES_IN_WORD", Felt::from(8))))
        }
        Kind::CompareFullRate => {
            let n = cx.get_int(h, "n_bytes")?;
            cx.write_ap(bool_felt(n >= h.constant_or("KECCAK_FULL_RATE_IN_BYTES", Felt::from(136))))
        }
        Kind::BlockPermutation | Kind::BlockPermutationTo => {
            let size = small(h.constant_or("KECCAK_STATE_SIZE_FELTS", Felt::from(25))).filter(|&s| s < 100);
            let size = size.ok_or_else(|| cx.fail("keccak: KECCAK_STATE_SIZE_FELTS is out of range"))?;
            let (from, to) = if kind == Kind::BlockPermutation {
                let ptr = cx.get_ptr(h, "keccak_ptr")?;
                let start = ptr
                    .offset
                    .checked_sub(size)
                    .ok_or_else(|| cx.fail(format!("keccak: keccak_ptr {ptr} is less than {size} words in")))?;
                (Relocatable::new(ptr.segment, start), ptr)
            } else {
                (cx.get_ptr(h, "keccak_ptr_start")?, cx.get_ptr(h, "output")?)
            };
            let words: Vec<Felt> = (0..size)
                .map(|i| cx.read_int(Relocatable::new(from.segment, from.offset + i), "keccak: a state word"))
                .collect::<Result<_, _>>()?;
            let out = keccak_func(cx, &words)?;
            write_arg(cx, to, &out)
        }
        Kind::FullWord => {
            let n = cx.get_int(h, "n_bytes")?;
            cx.set_int(h, "full_word", bool_felt(n >= Felt::from(8)))
        }
        Kind::Finalize | Kind::FinalizeUpTo1000 => {
            let max = if kind == Kind::Finalize { 10 } else { 1000 };
            let size = small(h.constant_or("KECCAK_STATE_SIZE_FELTS", Felt::from(25))).filter(|&s| s < 100);
            let block = small(h.constant_or("BLOCK_SIZE", Felt::from(3))).filter(|&s| s < max);
            let (Some(size), Some(block)) = (size, block) else {
                return Err(cx.fail("finalize_keccak: KECCAK_STATE_SIZE_FELTS or BLOCK_SIZE is out of range"));
            };
            let inp = vec![Felt::ZERO; size as usize];
            let mut pair = inp.clone();
            pair.extend(keccak_func(cx, &inp)?);
            let padding: Vec<Felt> = (0..block).flat_map(|_| pair.iter().copied()).collect();
            let end = cx.get_ptr(h, "keccak_ptr_end")?;
            write_arg(cx, end, &padding)
        }
        Kind::SplitOutput0 => {
            let v = big(cx.get_int(h, "output0")?);
            cx.set_int(h, "output0_low", felt(&(&v & ((BigUint::from(1u32) << 128u32) - 1u32))))?;
            cx.set_int(h, "output0_high", felt(&(v >> 128u32)))
        }
        Kind::SplitOutputMidLowHigh => {
            let v = cx.get_int(h, "output1")?;
            let (tmp, low) = divmod(cx, v, Felt::from(256u64).pow(7u32))?;
            let (high, mid) = divmod(cx, tmp, Felt::TWO.pow(128u32))?;
            cx.set_int(h, "output1_low", low)?;
            cx.set_int(h, "output1_high", high)?;
            cx.set_int(h, "output1_mid", mid)
        }
        Kind::SplitInput3 | Kind::SplitInput6 | Kind::SplitInput9 | Kind::SplitInput12 | Kind::SplitInput15 => {
            let inputs = cx.get_ptr(h, "inputs")?;
            let v = cx.read_int(offset(inputs, k), "keccak: an input word")?;
            let (high, low) = divmod(cx, v, div)?;
            cx.set_int(h, &format!("high{k}"), high)?;
            cx.set_int(h, &format!("low{k}"), low)
        }
        Kind::SplitNBytes => {
            let n = cx.get_int(h, "n_bytes")?;
            let (words, left) = divmod(cx, n, h.constant_or("BYTES_IN_WORD", Felt::from(8)))?;
            cx.set_int(h, "n_words_to_copy", words)?;
            cx.set_int(h, "n_bytes_left", left)
        }
        Kind::SplitOutput1 => {
            let v = big(cx.get_int(h, "output1")?);
            cx.set_int(h, "output1_high", felt(&(&v >> 128u32)))?;
            cx.set_int(h, "output1_low", felt(&(v & ((BigUint::from(1u32) << 128u32) - 1u32))))
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn keccak256_matches_known_digests() {
        let hex = |b: [u8; 32]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        assert_eq!(hex(super::keccak256(b"")), "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
        let long = vec![0x61u8; 200];
        assert_eq!(super::keccak256(&long).len(), 32);
    }
}
