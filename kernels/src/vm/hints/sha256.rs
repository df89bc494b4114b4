//! SHA-256 hints (the `sha256` library cairo-vm's programs use: one
//! compression per 64-byte chunk, of the IV or of a state in memory, and the
//! dummy instances of `finalize_sha256`).

use super::ctx::{offset, small, HintCtx};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::{Relocatable, Value};
use sha2::digest::generic_array::GenericArray;
use starknet_types_core::felt::Felt;

/// A SHA-256 hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `full_word = n_bytes >= 4`.
    Input,
    /// One compression of the IV over the chunk at `sha256_start`.
    MainConstantInputLength,
    /// One compression of the state at `state` over the chunk at
    /// `sha256_start`.
    MainArbitraryInputLength,
    /// `finalize_sha256`: dummy instances.
    Finalize,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (Kind::Input, r#"ids.full_word = int(ids.n_bytes >= 4)"#),
    (
        Kind::MainConstantInputLength,
        r#"from starkware.cairo.common.cairo_sha256.sha256_utils import (
    IV, compute_message_schedule, sha2_compress_function)

_sha256_input_chunk_size_felts = int(ids.SHA256_INPUT_CHUNK_SIZE_FELTS)
assert 0 <= _sha256_input_chunk_size_felts < 100

w = compute_message_schedule(memory.get_range(
    ids.sha256_start, _sha256_input_chunk_size_felts))
new_state = sha2_compress_function(IV, w)
segments.write_arg(ids.output, new_state)"#,
    ),
    (
        Kind::MainArbitraryInputLength,
        r#"from starkware.cairo.common.cairo_sha256.sha256_utils import (
    compute_message_schedule, sha2_compress_function)

_sha256_input_chunk_size_felts = int(ids.SHA256_INPUT_CHUNK_SIZE_FELTS)
assert 0 <= _sha256_input_chunk_size_felts < 100
_sha256_state_size_felts = int(ids.SHA256_STATE_SIZE_FELTS)
assert 0 <= _sha256_state_size_felts < 100
w = compute_message_schedule(memory.get_range(
    ids.sha256_start, _sha256_input_chunk_size_felts))
new_state = sha2_compress_function(memory.get_range(ids.state, _sha256_state_size_felts), w)
segments.write_arg(ids.output, new_state)"#,
    ),
    (
        Kind::Finalize,
        r#"# Add dummy pairs of input and output.
from starkware.cairo.common.cairo_sha256.sha256_utils import (
    IV, compute_message_schedule, sha2_compress_function)

_block_size = int(ids.BLOCK_SIZE)
assert 0 <= _block_size < 20
_sha256_input_chunk_size_felts = int(ids.SHA256_INPUT_CHUNK_SIZE_FELTS)
assert 0 <= _sha256_input_chunk_size_felts < 100

message = [0] * _sha256_input_chunk_size_felts
w = compute_message_schedule(message)
output = sha2_compress_function(IV, w)
padding = (message + IV + output) * (_block_size - 1)
segments.write_arg(ids.sha256_ptr_end, padding)"#,
    ),
];

/// SHA-256's initial state.
const IV: [u32; 8] = [0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19];

/// Instances per block of `finalize_sha256`: the library's `BLOCK_SIZE`,
/// fixed as cairo-vm fixes it.
const BLOCK_SIZE: usize = 7;

/// Felts in one message chunk: 16 words of 32 bits.
const CHUNK_FELTS: u64 = 16;

/// SHA-256's compression of `state` over one 16-word chunk.
fn compress(state: &mut [u32; 8], chunk: &[u32; 16]) {
    let bytes: Vec<u8> = chunk.iter().flat_map(|w| w.to_be_bytes()).collect();
    sha2::compress256(state, &[*GenericArray::from_slice(&bytes)]);
}

/// `memory[a]` as a 32-bit word.
fn word(cx: &HintCtx<'_>, a: Relocatable) -> Result<u32, VmError> {
    let v = cx.read_int(a, "sha256: a word")?;
    small(v)
        .and_then(|w| u32::try_from(w).ok())
        .ok_or_else(|| cx.fail(format!("sha256: word {v:#x} at {a} exceeds 32 bits")))
}

fn words<const N: usize>(cx: &HintCtx<'_>, at: Relocatable) -> Result<[u32; N], VmError> {
    let mut out = [0u32; N];
    for (i, w) in out.iter_mut().enumerate() {
        *w = word(cx, offset(at, i as u64))?;
    }
    Ok(out)
}

fn write_words(cx: &mut HintCtx<'_>, at: Relocatable, ws: &[u32]) -> Result<(), VmError> {
    for (i, w) in ws.iter().enumerate() {
        cx.write_at(offset(at, i as u64), Value::from(Felt::from(*w)))?;
    }
    Ok(())
}

/// `SHA256_INPUT_CHUNK_SIZE_FELTS`, which must be 16.
fn check_chunk(cx: &HintCtx<'_>, h: &Hint) -> Result<(), VmError> {
    match small(h.constant_or("SHA256_INPUT_CHUNK_SIZE_FELTS", Felt::from(CHUNK_FELTS))) {
        Some(CHUNK_FELTS) => Ok(()),
        Some(n) if n < 100 => Err(cx.fail(format!("sha256: SHA256_INPUT_CHUNK_SIZE_FELTS is {n}, not 16"))),
        _ => Err(cx.fail("sha256: assert 0 <= _sha256_input_chunk_size_felts < 100")),
    }
}

/// Runs one SHA-256 hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::Input => {
            let n = cx.get_int(h, "n_bytes")?;
            cx.set_int(h, "full_word", super::ctx::bool_felt(n >= Felt::from(4u32)))
        }
        Kind::MainConstantInputLength | Kind::MainArbitraryInputLength => {
            let mut state = if kind == Kind::MainConstantInputLength {
                IV
            } else {
                match small(h.constant_or("SHA256_STATE_SIZE_FELTS", Felt::from(8u32))) {
                    Some(8) => {}
                    Some(n) if n < 100 => {
                        return Err(cx.fail(format!("sha256: SHA256_STATE_SIZE_FELTS is {n}, not 8")));
                    }
                    _ => return Err(cx.fail("sha256: assert 0 <= _sha256_state_size_felts < 100")),
                }
                words::<8>(cx, cx.get_ptr(h, "state")?)?
            };
            let start = cx.get_ptr(h, "sha256_start")?;
            check_chunk(cx, h)?;
            let chunk = words::<16>(cx, start)?;
            compress(&mut state, &chunk);
            let out = cx.get_ptr(h, "output")?;
            write_words(cx, out, &state)
        }
        Kind::Finalize => {
            let mut output = IV;
            compress(&mut output, &[0; 16]);
            let mut one = vec![0u32; CHUNK_FELTS as usize];
            one.extend(IV);
            one.extend(output);
            let padding: Vec<u32> = (1..BLOCK_SIZE).flat_map(|_| one.iter().copied()).collect();
            let end = cx.get_ptr(h, "sha256_ptr_end")?;
            write_words(cx, end, &padding)
        }
    }
}

#[cfg(test)]
mod tests {
    /// SHA-256 of "abc" (FIPS 180-2, appendix B.1), one padded chunk.
    #[test]
    fn compress_matches_fips_180() {
        let mut chunk = [0u32; 16];
        chunk[0] = 0x61626380;
        chunk[15] = 24;
        let mut state = super::IV;
        super::compress(&mut state, &chunk);
        assert_eq!(
            state,
            [0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223, 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad]
        );
    }
}
