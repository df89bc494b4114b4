%builtins output range_check
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.math import assert_nn, assert_le, assert_le_felt, unsigned_div_rem, split_felt
from starkware.cairo.common.math_cmp import is_le, is_nn, is_le_felt
from starkware.cairo.common.memcpy import memcpy
from starkware.cairo.common.serialize import serialize_word

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    let (src) = alloc();
    assert src[0] = 10;
    assert src[1] = 20;
    assert src[2] = 30;
    assert src[3] = 40;
    let (dst) = alloc();
    memcpy(dst, src, 4);
    serialize_word(dst[3]);
    assert_nn(5);
    assert_le(3, 9);
    assert_le_felt(7, 0x700000000000000000000000000000000000000000000000000000000000000);
    assert_le_felt(0x700000000000000000000000000000000000000000000000000000000000000, 0x700000000000000000000000000000000000000000000000000000000000001);
    assert_le_felt(5, 5);
    let (q, r) = unsigned_div_rem(1000003, 17);
    serialize_word(q);
    serialize_word(r);
    let (hi, lo) = split_felt(0x7123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde);
    serialize_word(hi);
    serialize_word(lo);
    let a = is_le(3, 5);
    let b = is_le(5, 3);
    let c = is_nn(-1);
    let d = is_le_felt(1, 2);
    serialize_word(a);
    serialize_word(b);
    serialize_word(c);
    serialize_word(d);
    return ();
}
