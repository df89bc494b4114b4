// Other math hints, as older cairo-lang versions and other Cairo libraries
// write them: assert_le_felt of 0.6 and 0.8, a 250-bit bound, low bits,
// and a square root modulo 2^255 - 19.
%builtins output range_check
from starkware.cairo.common.uint256 import Uint256
from starkware.cairo.common.serialize import serialize_word

func le_v06(a: felt, b: felt) {
    %{
        from starkware.cairo.common.math_utils import assert_integer
        assert_integer(ids.a)
        assert_integer(ids.b)
        assert (ids.a % PRIME) <= (ids.b % PRIME), \
            f'a = {ids.a % PRIME} is not less than or equal to b = {ids.b % PRIME}.'
    %}
    return ();
}

func le_v08{output_ptr: felt*}(a: felt, b: felt) {
    alloc_locals;
    local small_inputs: felt;
    %{
        from starkware.cairo.common.math_utils import assert_integer
        assert_integer(ids.a)
        assert_integer(ids.b)
        a = ids.a % PRIME
        b = ids.b % PRIME
        assert a <= b, f'a = {a} is not less than or equal to b = {b}.'

        ids.small_inputs = int(
            a < range_check_builtin.bound and (b - a) < range_check_builtin.bound)
    %}
    serialize_word(small_inputs);
    return ();
}

func bounds{output_ptr: felt*}(addr: felt) {
    alloc_locals;
    local is_250: felt;
    %{ ids.is_250 = 1 if ids.addr < 2**250 else 0 %}
    serialize_word(is_250);
    return ();
}

func lsb{output_ptr: felt*}(a: felt, b: felt) {
    alloc_locals;
    local a_lsb: felt;
    local b_lsb: felt;
    %{
        ids.a_lsb = ids.a & 1
        ids.b_lsb = ids.b & 1
    %}
    serialize_word(a_lsb);
    serialize_word(b_lsb);
    return ();
}

func split_xx{output_ptr: felt*}(xx: Uint256) {
    alloc_locals;
    local x: Uint256;
    %{
        PRIME = 2**255 - 19
        II = pow(2, (PRIME - 1) // 4, PRIME)

        xx = ids.xx.low + (ids.xx.high<<128)
        x = pow(xx, (PRIME + 3) // 8, PRIME)
        if (x * x - xx) % PRIME != 0:
            x = (x * II) % PRIME
        if x % 2 != 0:
            x = PRIME - x
        ids.x.low = x & ((1<<128)-1)
        ids.x.high = x >> 128
    %}
    serialize_word(x.low);
    serialize_word(x.high);
    return ();
}

func main{output_ptr: felt*, range_check_ptr}() {
    le_v06(3, 3);
    le_v08(5, 2 ** 130);
    le_v08(5, 9);
    bounds(2 ** 250 - 1);
    bounds(2 ** 251 - 100);
    bounds(2 ** 250 + 7);
    lsb(7, 0x800000000000000000000000000000000000000000000000000000000000000);
    split_xx(Uint256(4, 0));
    split_xx(Uint256(0x1234567890abcdef, 0x55));
    return ();
}
