// The common library's Uint256 arithmetic.
%builtins output range_check
from starkware.cairo.common.uint256 import (
    Uint256,
    uint256_add,
    uint256_sub,
    uint256_mul,
    uint256_sqrt,
    uint256_lt,
    uint256_signed_nn,
    uint256_signed_lt,
    uint256_unsigned_div_rem,
    uint256_signed_div_rem,
    uint256_mul_div_mod,
    uint256_neg,
    uint256_shl,
    uint256_shr,
    split_64,
    felt_to_uint256,
    uint256_to_felt,
)
from starkware.cairo.common.serialize import serialize_word

func out{output_ptr: felt*}(x: Uint256) {
    serialize_word(x.low);
    serialize_word(x.high);
    return ();
}

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    let big = Uint256(0xfedcba9876543210fedcba9876543210, 0x0123456789abcdef0123456789abcdef);
    let max = Uint256(0xffffffffffffffffffffffffffffffff, 0xffffffffffffffffffffffffffffffff);
    let small = Uint256(12345, 0);
    let (s, carry) = uint256_add(big, max);
    out(s);
    serialize_word(carry);
    let (s, carry) = uint256_add(small, small);
    out(s);
    serialize_word(carry);
    let (d) = uint256_sub(small, big);
    out(d);
    let (lo, hi) = uint256_mul(big, max);
    out(lo);
    out(hi);
    let (r) = uint256_sqrt(big);
    out(r);
    let (r) = uint256_sqrt(max);
    out(r);
    let (lt) = uint256_lt(small, big);
    serialize_word(lt);
    let (nn) = uint256_signed_nn(max);
    serialize_word(nn);
    let (slt) = uint256_signed_lt(max, small);
    serialize_word(slt);
    let (q, rem) = uint256_unsigned_div_rem(big, small);
    out(q);
    out(rem);
    let (q, rem) = uint256_unsigned_div_rem(max, big);
    out(q);
    out(rem);
    let (neg) = uint256_neg(big);
    let (q, rem) = uint256_signed_div_rem(neg, small);
    out(q);
    out(rem);
    let (q_lo, q_hi, rem) = uint256_mul_div_mod(big, max, small);
    out(q_lo);
    out(q_hi);
    out(rem);
    let (sh) = uint256_shl(big, Uint256(70, 0));
    out(sh);
    let (sh) = uint256_shr(big, Uint256(130, 0));
    out(sh);
    let (l, h) = split_64(0xabcdef0123456789abcdef);
    serialize_word(l);
    serialize_word(h);
    let u = felt_to_uint256(0x7123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde);
    out(u);
    let f = uint256_to_felt(u);
    serialize_word(f);
    return ();
}
