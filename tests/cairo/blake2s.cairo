// BLAKE2s (cairo_blake2s): one-block and two-block messages, Uint256 words,
// and felts unpacked into 32-bit words.
%builtins output range_check bitwise
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.cairo_builtins import BitwiseBuiltin
from starkware.cairo.common.cairo_blake2s.blake2s import (
    blake2s,
    blake2s_bigend,
    finalize_blake2s,
    blake2s_add_uint256,
    blake2s_add_uint256_bigend,
)
from starkware.cairo.common.uint256 import Uint256
from starkware.cairo.common.serialize import serialize_word

func unpack(packed_values_len: felt, packed_values: felt*, unpacked_u32s: felt*) {
    %{
        offset = 0
        for i in range(ids.packed_values_len):
            val = (memory[ids.packed_values + i] % PRIME)
            val_len = 2 if val < 2**63 else 8
            if val_len == 8:
                val += 2**255
            for i in range(val_len - 1, -1, -1):
                val, memory[ids.unpacked_u32s + offset + i] = divmod(val, 2**32)
            assert val == 0
            offset += val_len
    %}
    return ();
}

func main{output_ptr: felt*, range_check_ptr, bitwise_ptr: BitwiseBuiltin*}() {
    alloc_locals;
    let (local blake2s_ptr_start: felt*) = alloc();
    let blake2s_ptr = blake2s_ptr_start;
    let (abc) = alloc();
    assert abc[0] = 0x636261;
    let (h) = blake2s{blake2s_ptr=blake2s_ptr}(abc, 3);
    serialize_word(h.low);
    serialize_word(h.high);

    let (local data: felt*) = alloc();
    let end = data;
    blake2s_add_uint256{data=end}(Uint256(0x0123456789abcdef0123456789abcdef, 0xfedcba9876543210fedcba9876543210));
    blake2s_add_uint256_bigend{data=end}(Uint256(11, 22));
    assert end[0] = 0xdeadbeef;
    assert end[1] = 0x1234;
    let (h) = blake2s_bigend{blake2s_ptr=blake2s_ptr}(data, 70);
    serialize_word(h.low);
    finalize_blake2s(blake2s_ptr_start, blake2s_ptr);

    let (packed) = alloc();
    assert packed[0] = 0x123456789;
    assert packed[1] = 0x7123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde;
    assert packed[2] = -1;
    let (words) = alloc();
    unpack(3, packed, words);
    serialize_word(words[1]);
    serialize_word(words[2]);
    serialize_word(words[17]);
    return ();
}
