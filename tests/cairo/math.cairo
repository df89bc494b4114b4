// The common library's math and math_cmp functions, with values that take
// both branches of each hint.
%builtins output range_check
from starkware.cairo.common.math import (
    assert_not_equal,
    assert_lt,
    assert_nn_le,
    assert_in_range,
    assert_250_bit,
    abs_value,
    sign,
    signed_div_rem,
    split_int,
    sqrt,
    is_quad_residue,
)
from starkware.cairo.common.math_cmp import is_not_zero, is_nn_le, is_in_range, is_le
from starkware.cairo.common.pow import pow
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.serialize import serialize_word

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    assert_not_equal(3, 4);
    assert_lt(2, 1000);
    assert_nn_le(7, 7);
    assert_in_range(5, 2, 9);
    assert_250_bit(0x3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff);
    let a = abs_value(-12345);
    serialize_word(a);
    let s = sign(-9);
    serialize_word(s);
    let s = sign(0);
    serialize_word(s);
    let s = sign(44);
    serialize_word(s);
    let (q, r) = signed_div_rem(-100, 7, 1000);
    serialize_word(q);
    serialize_word(r);
    let (q, r) = signed_div_rem(100, 7, 1000);
    serialize_word(q);
    serialize_word(r);
    let (digits) = alloc();
    split_int(0x12345678, 4, 256, 256, digits);
    serialize_word(digits[0]);
    serialize_word(digits[3]);
    let root = sqrt(1000001);
    serialize_word(root);
    let root = sqrt(0);
    serialize_word(root);
    let qr = is_quad_residue(4);
    serialize_word(qr);
    let qr = is_quad_residue(3);
    serialize_word(qr);
    let qr = is_quad_residue(0);
    serialize_word(qr);
    let (p) = pow(3, 40);
    serialize_word(p);
    let (p) = pow(5, 0);
    serialize_word(p);
    let z = is_not_zero(0);
    serialize_word(z);
    let x = is_nn_le(4, 3);
    serialize_word(x);
    let x = is_in_range(4, 3, 10);
    serialize_word(x);
    let x = is_le(-1, 5);
    serialize_word(x);
    return ();
}
