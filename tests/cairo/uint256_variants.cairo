// Other forms of the uint256 hints, as other Cairo libraries write them:
// the low carry, subtraction, a felt square root, an expanded divisor and
// a modular inverse.
%builtins output range_check
from starkware.cairo.common.uint256 import Uint256
from starkware.cairo.common.serialize import serialize_word

const SHIFT = 2 ** 128;

struct Uint256Expand {
    B0: felt,
    b01: felt,
    b12: felt,
    b23: felt,
    b3: felt,
}

func add_low{output_ptr: felt*}(a: Uint256, b: Uint256) {
    alloc_locals;
    local carry_low: felt;
    %{
        sum_low = ids.a.low + ids.b.low
        ids.carry_low = 1 if sum_low >= ids.SHIFT else 0
    %}
    serialize_word(carry_low);
    return ();
}

func sub{output_ptr: felt*}(a: Uint256, b: Uint256) {
    alloc_locals;
    local res: Uint256;
    %{
        def split(num: int, num_bits_shift: int = 128, length: int = 2):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int = 128) -> int:
            limbs = (z.low, z.high)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack(ids.a)
        b = pack(ids.b)
        res = (a - b)%2**256
        res_split = split(res)
        ids.res.low = res_split[0]
        ids.res.high = res_split[1]
    %}
    serialize_word(res.low);
    serialize_word(res.high);
    return ();
}

func sqrt_felt{output_ptr: felt*}(n: Uint256) {
    alloc_locals;
    local root: felt;
    %{
        from starkware.python.math_utils import isqrt
        n = (ids.n.high << 128) + ids.n.low
        root = isqrt(n)
        assert 0 <= root < 2 ** 128
        ids.root = root
    %}
    serialize_word(root);
    return ();
}

func expanded_div{output_ptr: felt*}(a: Uint256, div: Uint256Expand) {
    alloc_locals;
    local quotient: Uint256;
    local remainder: Uint256;
    %{
        a = (ids.a.high << 128) + ids.a.low
        div = (ids.div.b23 << 128) + ids.div.b01
        quotient, remainder = divmod(a, div)

        ids.quotient.low = quotient & ((1 << 128) - 1)
        ids.quotient.high = quotient >> 128
        ids.remainder.low = remainder & ((1 << 128) - 1)
        ids.remainder.high = remainder >> 128
    %}
    serialize_word(quotient.low);
    serialize_word(quotient.high);
    serialize_word(remainder.low);
    return ();
}

func inv_mod_p{output_ptr: felt*}(a: Uint256, b: Uint256, p: Uint256) {
    alloc_locals;
    local b_inverse_mod_p: Uint256;
    %{
        from starkware.python.math_utils import div_mod

        def split(a: int):
            return (a & ((1 << 128) - 1), a >> 128)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.low, z.high)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack(ids.a, 128)
        b = pack(ids.b, 128)
        p = pack(ids.p, 128)
        # For python3.8 and above the modular inverse can be computed as follows:
        # b_inverse_mod_p = pow(b, -1, p)
        # Instead we use the python3.7-friendly function div_mod from starkware.python.math_utils
        b_inverse_mod_p = div_mod(1, b, p)

        b_inverse_mod_p_split = split(b_inverse_mod_p)

        ids.b_inverse_mod_p.low = b_inverse_mod_p_split[0]
        ids.b_inverse_mod_p.high = b_inverse_mod_p_split[1]
    %}
    serialize_word(b_inverse_mod_p.low);
    serialize_word(b_inverse_mod_p.high);
    return ();
}

func main{output_ptr: felt*, range_check_ptr}() {
    let max = Uint256(0xffffffffffffffffffffffffffffffff, 0xffffffffffffffffffffffffffffffff);
    let big = Uint256(0xfedcba9876543210fedcba9876543210, 0x0123456789abcdef0123456789abcdef);
    add_low(max, big);
    add_low(Uint256(1, 0), Uint256(2, 0));
    sub(Uint256(5, 0), big);
    sub(big, Uint256(5, 0));
    sqrt_felt(max);
    expanded_div(max, Uint256Expand(0, 0x123456789, 0, 0, 0));
    expanded_div(big, Uint256Expand(0, 0xffffffffffffffff, 0, 0x1234, 0));
    // The secp256k1 prime as a Uint256.
    inv_mod_p(Uint256(0, 0), Uint256(12345, 0), Uint256(0xfffffffffffffffffffffffefffffc2f, 0xffffffffffffffffffffffffffffffff));
    return ();
}
