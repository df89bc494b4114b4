// Keccak three ways: unsafe_keccak (a hint), cairo_keccak (bitwise) and
// builtin_keccak (the keccak builtin).
%builtins output range_check bitwise keccak
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.cairo_builtins import BitwiseBuiltin, KeccakBuiltin
from starkware.cairo.common.cairo_keccak.keccak import cairo_keccak_felts, cairo_keccak_uint256s, finalize_keccak
from starkware.cairo.common.builtin_keccak.keccak import keccak_felts as builtin_keccak_felts, keccak
from starkware.cairo.common.keccak import unsafe_keccak, unsafe_keccak_init, unsafe_keccak_add_felt, unsafe_keccak_finalize
from starkware.cairo.common.uint256 import Uint256
from starkware.cairo.common.serialize import serialize_word

func main{output_ptr: felt*, range_check_ptr, bitwise_ptr: BitwiseBuiltin*, keccak_ptr: KeccakBuiltin*}() {
    alloc_locals;
    let (input) = alloc();
    assert input[0] = 1;
    assert input[1] = 0x1234567890abcdef1234567890abcdef;
    assert input[2] = 0x7123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde;

    let (data) = alloc();
    assert data[0] = 0x1234567890abcdef1234567890abcdef;
    assert data[1] = 0x0102030405;
    let (lo, hi) = unsafe_keccak(data, 21);
    serialize_word(lo);
    serialize_word(hi);
    let (state) = unsafe_keccak_init();
    unsafe_keccak_add_felt{keccak_state=state}(77);
    let (h) = unsafe_keccak_finalize(state);
    serialize_word(h.low);

    let (local cairo_keccak_ptr: felt*) = alloc();
    let ck = cairo_keccak_ptr;
    let (h) = cairo_keccak_felts{keccak_ptr=ck}(3, input);
    serialize_word(h.low);
    serialize_word(h.high);
    let (words: Uint256*) = alloc();
    assert words[0] = Uint256(5, 6);
    let (h) = cairo_keccak_uint256s{keccak_ptr=ck}(1, words);
    serialize_word(h.low);
    finalize_keccak(cairo_keccak_ptr, ck);

    let (h) = builtin_keccak_felts(3, input);
    serialize_word(h.low);
    serialize_word(h.high);
    let (bytes) = alloc();
    assert bytes[0] = 0x0102030405060708;
    assert bytes[1] = 0x1112131415;
    let (h) = keccak(bytes, 13);
    serialize_word(h.low);
    return ();
}
