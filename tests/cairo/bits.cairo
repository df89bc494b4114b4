// Small hints of several libraries: the scalar bits of an ec_mul over two
// scalars (dibit, quad_bit, len_hi), a felt's bit length, uint128_add's
// carry and the halves of keccak's second output word.
%builtins output range_check
from starkware.cairo.common.serialize import serialize_word

const SHIFT = 2 ** 128;

struct BigInt3 {
    d0: felt,
    d1: felt,
    d2: felt,
}

func dibit{output_ptr: felt*}(scalar_u: felt, scalar_v: felt, m: felt) {
    alloc_locals;
    local dibit: felt;
    %{ ids.dibit = ((ids.scalar_u >> ids.m) & 1) + 2 * ((ids.scalar_v >> ids.m) & 1) %}
    serialize_word(dibit);
    return ();
}

func quad_bit{output_ptr: felt*}(scalar_u: felt, scalar_v: felt, m: felt) {
    alloc_locals;
    local quad_bit: felt;
    %{
        ids.quad_bit = (
            8 * ((ids.scalar_v >> ids.m) & 1)
            + 4 * ((ids.scalar_u >> ids.m) & 1)
            + 2 * ((ids.scalar_v >> (ids.m - 1)) & 1)
            + ((ids.scalar_u >> (ids.m - 1)) & 1)
        )
    %}
    serialize_word(quad_bit);
    return ();
}

func len_hi{output_ptr: felt*}(scalar_u: BigInt3, scalar_v: BigInt3) {
    alloc_locals;
    local len_hi: felt;
    %{ ids.len_hi = max(ids.scalar_u.d2.bit_length(), ids.scalar_v.d2.bit_length())-1 %}
    serialize_word(len_hi);
    return ();
}

func bit_length{output_ptr: felt*}(x: felt) {
    alloc_locals;
    local bit_length: felt;
    %{
        x = ids.x
        ids.bit_length = x.bit_length()
    %}
    serialize_word(bit_length);
    return ();
}

func uint128_add{output_ptr: felt*}(a: felt, b: felt) {
    alloc_locals;
    local carry: felt;
    %{
        res = ids.a + ids.b
        ids.carry = 1 if res >= ids.SHIFT else 0
    %}
    serialize_word(carry);
    return ();
}

func split_output1{output_ptr: felt*}(output1: felt) {
    alloc_locals;
    local output1_low: felt;
    local output1_high: felt;
    %{
        ids.output1_low = ids.output1 & ((1 << 128) - 1)
        ids.output1_high = ids.output1 >> 128
    %}
    serialize_word(output1_low);
    serialize_word(output1_high);
    return ();
}

func main{output_ptr: felt*, range_check_ptr}() {
    dibit(11, 6, 0);
    dibit(11, 6, 2);
    dibit(11, 6, 3);
    dibit(11, 6, 253);
    quad_bit(11, 6, 1);
    quad_bit(11, 6, 3);
    quad_bit(2 ** 200 + 2 ** 199, 2 ** 199, 200);
    quad_bit(5, 9, 300);
    len_hi(BigInt3(1, 2, 11), BigInt3(3, 4, 32));
    len_hi(BigInt3(1, 2, 0), BigInt3(3, 4, 0));
    bit_length(0);
    bit_length(1);
    bit_length(2 ** 128);
    bit_length(-1);
    uint128_add(2 ** 127, 2 ** 127 - 1);
    uint128_add(2 ** 127, 2 ** 127);
    uint128_add(SHIFT - 1, SHIFT - 1);
    split_output1(2 ** 200 + 12345);
    split_output1(77);
    return ();
}
