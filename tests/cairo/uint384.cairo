// The Uint384 family's hints, as the big-integer libraries built on
// uint256 write them: Uint384 division, split, carries, square root, sign,
// modular square roots, inverse and subtraction; Uint768 by Uint384 (both
// spellings); modular square roots of Uint256s modulo primes 3 mod 4,
// 5 mod 8 and 1 mod 8; Uint512 by Uint256 and a Uint512's inverse.
%builtins output range_check
from starkware.cairo.common.uint256 import Uint256
from starkware.cairo.common.serialize import serialize_word

const SHIFT = 2 ** 128;

struct Uint384 {
    d0: felt,
    d1: felt,
    d2: felt,
}

struct Uint768 {
    d0: felt,
    d1: felt,
    d2: felt,
    d3: felt,
    d4: felt,
    d5: felt,
}

struct Uint512 {
    d0: felt,
    d1: felt,
    d2: felt,
    d3: felt,
}

func out384{output_ptr: felt*}(x: Uint384) {
    serialize_word(x.d0);
    serialize_word(x.d1);
    serialize_word(x.d2);
    return ();
}

func out256{output_ptr: felt*}(x: Uint256) {
    serialize_word(x.low);
    serialize_word(x.high);
    return ();
}

func div_rem_384{output_ptr: felt*}(a: Uint384, div: Uint384) {
    alloc_locals;
    local quotient: Uint384;
    local remainder: Uint384;
    %{
        def split(num: int, num_bits_shift: int, length: int):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack(ids.a, num_bits_shift = 128)
        div = pack(ids.div, num_bits_shift = 128)
        quotient, remainder = divmod(a, div)

        quotient_split = split(quotient, num_bits_shift=128, length=3)
        assert len(quotient_split) == 3

        ids.quotient.d0 = quotient_split[0]
        ids.quotient.d1 = quotient_split[1]
        ids.quotient.d2 = quotient_split[2]

        remainder_split = split(remainder, num_bits_shift=128, length=3)
        ids.remainder.d0 = remainder_split[0]
        ids.remainder.d1 = remainder_split[1]
        ids.remainder.d2 = remainder_split[2]
    %}
    out384(quotient);
    out384(remainder);
    return ();
}

func split_128{output_ptr: felt*}(a: felt) {
    alloc_locals;
    local low: felt;
    local high: felt;
    %{
        ids.low = ids.a & ((1<<128) - 1)
        ids.high = ids.a >> 128
    %}
    serialize_word(low);
    serialize_word(high);
    return ();
}

func add_no_check{output_ptr: felt*}(a: Uint384, b: Uint384) {
    alloc_locals;
    local carry_d0: felt;
    local carry_d1: felt;
    local carry_d2: felt;
    %{
        sum_d0 = ids.a.d0 + ids.b.d0
        ids.carry_d0 = 1 if sum_d0 >= ids.SHIFT else 0
        sum_d1 = ids.a.d1 + ids.b.d1 + ids.carry_d0
        ids.carry_d1 = 1 if sum_d1 >= ids.SHIFT else 0
        sum_d2 = ids.a.d2 + ids.b.d2 + ids.carry_d1
        ids.carry_d2 = 1 if sum_d2 >= ids.SHIFT else 0
    %}
    serialize_word(carry_d0);
    serialize_word(carry_d1);
    serialize_word(carry_d2);
    return ();
}

func sqrt_384{output_ptr: felt*}(a: Uint384) {
    alloc_locals;
    local root: Uint384;
    %{
        from starkware.python.math_utils import isqrt

        def split(num: int, num_bits_shift: int, length: int):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack(ids.a, num_bits_shift=128)
        root = isqrt(a)
        assert 0 <= root < 2 ** 192
        root_split = split(root, num_bits_shift=128, length=3)
        ids.root.d0 = root_split[0]
        ids.root.d1 = root_split[1]
        ids.root.d2 = root_split[2]
    %}
    out384(root);
    return ();
}

func signed_nn_384{output_ptr: felt*}(a: Uint384) {
    %{ memory[ap] = 1 if 0 <= (ids.a.d2 % PRIME) < 2 ** 127 else 0 %}
    tempvar nn;
    serialize_word(nn);
    return ();
}

func sqrt_mod_384{output_ptr: felt*}(generator: Uint384, x: Uint384, p: Uint384) {
    alloc_locals;
    local success_x: felt;
    local success_gx: felt;
    local sqrt_x: Uint384;
    local sqrt_gx: Uint384;
    %{
        from starkware.python.math_utils import is_quad_residue, sqrt

        def split(num: int, num_bits_shift: int = 128, length: int = 3):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int = 128) -> int:
            limbs = (z.d0, z.d1, z.d2)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))


        generator = pack(ids.generator)
        x = pack(ids.x)
        p = pack(ids.p)

        success_x = is_quad_residue(x, p)
        root_x = sqrt(x, p) if success_x else None

        success_gx = is_quad_residue(generator*x, p)
        root_gx = sqrt(generator*x, p) if success_gx else None

        # Check that one is 0 and the other is 1
        if x != 0:
            assert success_x + success_gx ==1

        # `None` means that no root was found, but we need to transform these into a felt no matter what
        if root_x == None:
            root_x = 0
        if root_gx == None:
            root_gx = 0
        ids.success_x = int(success_x)
        ids.success_gx = int(success_gx)
        split_root_x = split(root_x)
        split_root_gx = split(root_gx)
        ids.sqrt_x.d0 = split_root_x[0]
        ids.sqrt_x.d1 = split_root_x[1]
        ids.sqrt_x.d2 = split_root_x[2]
        ids.sqrt_gx.d0 = split_root_gx[0]
        ids.sqrt_gx.d1 = split_root_gx[1]
        ids.sqrt_gx.d2 = split_root_gx[2]
    %}
    serialize_word(success_x);
    serialize_word(success_gx);
    out384(sqrt_x);
    out384(sqrt_gx);
    return ();
}

func div_384{output_ptr: felt*}(a: Uint384, b: Uint384, p: Uint384) {
    alloc_locals;
    local b_inverse_mod_p: Uint384;
    %{
        from starkware.python.math_utils import div_mod

        def split(num: int, num_bits_shift: int, length: int):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack(ids.a, num_bits_shift = 128)
        b = pack(ids.b, num_bits_shift = 128)
        p = pack(ids.p, num_bits_shift = 128)
        # For python3.8 and above the modular inverse can be computed as follows:
        # b_inverse_mod_p = pow(b, -1, p)
        # Instead we use the python3.7-friendly function div_mod from starkware.python.math_utils
        b_inverse_mod_p = div_mod(1, b, p)


        b_inverse_mod_p_split = split(b_inverse_mod_p, num_bits_shift=128, length=3)

        ids.b_inverse_mod_p.d0 = b_inverse_mod_p_split[0]
        ids.b_inverse_mod_p.d1 = b_inverse_mod_p_split[1]
        ids.b_inverse_mod_p.d2 = b_inverse_mod_p_split[2]
    %}
    out384(b_inverse_mod_p);
    return ();
}

func sub_reduced{output_ptr: felt*}(a: Uint384, b: Uint384, p: Uint384) {
    alloc_locals;
    local res: Uint384;
    %{
        def split(num: int, num_bits_shift: int, length: int):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack(ids.a, num_bits_shift = 128)
        b = pack(ids.b, num_bits_shift = 128)
        p = pack(ids.p, num_bits_shift = 128)

        res = (a - b) % p


        res_split = split(res, num_bits_shift=128, length=3)

        ids.res.d0 = res_split[0]
        ids.res.d1 = res_split[1]
        ids.res.d2 = res_split[2]
    %}
    out384(res);
    return ();
}

func out768{output_ptr: felt*}(q: Uint768, r: Uint384) {
    serialize_word(q.d0);
    serialize_word(q.d1);
    serialize_word(q.d2);
    serialize_word(q.d3);
    serialize_word(q.d4);
    serialize_word(q.d5);
    out384(r);
    return ();
}

func div_rem_768{output_ptr: felt*}(a: Uint768, div: Uint384) {
    alloc_locals;
    local quotient: Uint768;
    local remainder: Uint384;
    %{
        def split(num: int, num_bits_shift: int, length: int):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        def pack_extended(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2, z.d3, z.d4, z.d5)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack_extended(ids.a, num_bits_shift = 128)
        div = pack(ids.div, num_bits_shift = 128)

        quotient, remainder = divmod(a, div)

        quotient_split = split(quotient, num_bits_shift=128, length=6)

        ids.quotient.d0 = quotient_split[0]
        ids.quotient.d1 = quotient_split[1]
        ids.quotient.d2 = quotient_split[2]
        ids.quotient.d3 = quotient_split[3]
        ids.quotient.d4 = quotient_split[4]
        ids.quotient.d5 = quotient_split[5]

        remainder_split = split(remainder, num_bits_shift=128, length=3)
        ids.remainder.d0 = remainder_split[0]
        ids.remainder.d1 = remainder_split[1]
        ids.remainder.d2 = remainder_split[2]
    %}
    out768(quotient, remainder);
    return ();
}

func div_rem_768_stripped{output_ptr: felt*}(a: Uint768, div: Uint384) {
    alloc_locals;
    local quotient: Uint768;
    local remainder: Uint384;
    %{
        def split(num: int, num_bits_shift: int, length: int):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        def pack_extended(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2, z.d3, z.d4, z.d5)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        a = pack_extended(ids.a, num_bits_shift = 128)
        div = pack(ids.div, num_bits_shift = 128)

        quotient, remainder = divmod(a, div)

        quotient_split = split(quotient, num_bits_shift=128, length=6)

        ids.quotient.d0 = quotient_split[0]
        ids.quotient.d1 = quotient_split[1]
        ids.quotient.d2 = quotient_split[2]
        ids.quotient.d3 = quotient_split[3]
        ids.quotient.d4 = quotient_split[4]
        ids.quotient.d5 = quotient_split[5]

        remainder_split = split(remainder, num_bits_shift=128, length=3)
        ids.remainder.d0 = remainder_split[0]
        ids.remainder.d1 = remainder_split[1]
        ids.remainder.d2 = remainder_split[2]
    %}
    out768(quotient, remainder);
    return ();
}

func sqrt_mod_256{output_ptr: felt*}(generator: Uint256, x: Uint256, p: Uint256) {
    alloc_locals;
    local success_x: felt;
    local success_gx: felt;
    local sqrt_x: Uint256;
    local sqrt_gx: Uint256;
    %{
        from starkware.python.math_utils import is_quad_residue, sqrt

        def split(a: int):
            return (a & ((1 << 128) - 1), a >> 128)

        def pack(z) -> int:
            return z.low + (z.high << 128)

        generator = pack(ids.generator)
        x = pack(ids.x)
        p = pack(ids.p)

        success_x = is_quad_residue(x, p)
        root_x = sqrt(x, p) if success_x else None
        success_gx = is_quad_residue(generator*x, p)
        root_gx = sqrt(generator*x, p) if success_gx else None

        # Check that one is 0 and the other is 1
        if x != 0:
            assert success_x + success_gx == 1

        # `None` means that no root was found, but we need to transform these into a felt no matter what
        if root_x == None:
            root_x = 0
        if root_gx == None:
            root_gx = 0
        ids.success_x = int(success_x)
        ids.success_gx = int(success_gx)
        split_root_x = split(root_x)
        # print('split root x', split_root_x)
        split_root_gx = split(root_gx)
        ids.sqrt_x.low = split_root_x[0]
        ids.sqrt_x.high = split_root_x[1]
        ids.sqrt_gx.low = split_root_gx[0]
        ids.sqrt_gx.high = split_root_gx[1]
    %}
    serialize_word(success_x);
    serialize_word(success_gx);
    out256(sqrt_x);
    out256(sqrt_gx);
    return ();
}

func div_rem_512{output_ptr: felt*}(x: Uint512, div: Uint256) {
    alloc_locals;
    local quotient: Uint512;
    local remainder: Uint256;
    %{
        def split(num: int, num_bits_shift: int, length: int):
            a = []
            for _ in range(length):
                a.append( num & ((1 << num_bits_shift) - 1) )
                num = num >> num_bits_shift
            return tuple(a)

        def pack(z, num_bits_shift: int) -> int:
            limbs = (z.low, z.high)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        def pack_extended(z, num_bits_shift: int) -> int:
            limbs = (z.d0, z.d1, z.d2, z.d3)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        x = pack_extended(ids.x, num_bits_shift = 128)
        div = pack(ids.div, num_bits_shift = 128)

        quotient, remainder = divmod(x, div)

        quotient_split = split(quotient, num_bits_shift=128, length=4)

        ids.quotient.d0 = quotient_split[0]
        ids.quotient.d1 = quotient_split[1]
        ids.quotient.d2 = quotient_split[2]
        ids.quotient.d3 = quotient_split[3]

        remainder_split = split(remainder, num_bits_shift=128, length=2)
        ids.remainder.low = remainder_split[0]
        ids.remainder.high = remainder_split[1]
    %}
    serialize_word(quotient.d0);
    serialize_word(quotient.d1);
    serialize_word(quotient.d2);
    serialize_word(quotient.d3);
    out256(remainder);
    return ();
}

func inv_mod_512{output_ptr: felt*}(x: Uint512, p: Uint256) {
    alloc_locals;
    local x_inverse_mod_p: Uint256;
    %{
        def pack_512(u, num_bits_shift: int) -> int:
            limbs = (u.d0, u.d1, u.d2, u.d3)
            return sum(limb << (num_bits_shift * i) for i, limb in enumerate(limbs))

        x = pack_512(ids.x, num_bits_shift = 128)
        p = ids.p.low + (ids.p.high << 128)
        x_inverse_mod_p = pow(x,-1, p)

        x_inverse_mod_p_split = (x_inverse_mod_p & ((1 << 128) - 1), x_inverse_mod_p >> 128)

        ids.x_inverse_mod_p.low = x_inverse_mod_p_split[0]
        ids.x_inverse_mod_p.high = x_inverse_mod_p_split[1]
    %}
    out256(x_inverse_mod_p);
    return ();
}

func main{output_ptr: felt*, range_check_ptr}() {
    div_rem_384(Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210), Uint384(0x123456789abcdef0123456789abcdef, 0xdeadbeef0123456789abcdef, 0x0));
    div_rem_384(Uint384(0x3039, 0x0, 0x0), Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210));
    split_128(0x70000000000000000000000000000abcd0000000000000000000000000000ef01);
    add_no_check(Uint384(0xffffffffffffffffffffffffffffffff, 0xffffffffffffffffffffffffffffffff, 0x80000000000000000000000000000000), Uint384(0x1, 0x0, 0x80000000000000000000000000000000));
    add_no_check(Uint384(0x5, 0x0, 0x0), Uint384(0x7, 0x0, 0x0));
    sqrt_384(Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210));
    sqrt_384(Uint384(0x1, 0x0, 0x0));
    signed_nn_384(Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210));
    signed_nn_384(Uint384(0x0, 0x0, 0x80000000000000000000000000000000));
    sqrt_mod_384(Uint384(0x2, 0x0, 0x0), Uint384(0x4, 0x0, 0x0), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    sqrt_mod_384(Uint384(0x2, 0x0, 0x0), Uint384(0x2, 0x0, 0x0), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    sqrt_mod_384(Uint384(0x2, 0x0, 0x0), Uint384(0x0, 0x0, 0x0), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    sqrt_mod_384(Uint384(0x2, 0x0, 0x0), Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    sqrt_mod_384(Uint384(0x2, 0x0, 0x0), Uint384(0x1234567, 0x0, 0x0), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    div_384(Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210), Uint384(0xabcdef, 0x0, 0x0), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    sub_reduced(Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210), Uint384(0x4d, 0x0, 0x0), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    sub_reduced(Uint384(0x4d, 0x0, 0x0), Uint384(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210), Uint384(0x1eabfffeb153ffffb9feffffffffaaab, 0x64774b84f38512bf6730d2a0f6b0f624, 0x1a0111ea397fe69a4b1ba7b6434bacd7));
    div_rem_768(Uint768(0xf0f0f0f0f0f0f0f0f0f0f0f0f0f0f152, 0x2d5a87b4e20f3c6996c3f11e4b78a5d1, 0x369d0369d0369cd2fc962fc962fc9630, 0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210), Uint384(0xe14b4b4b4b4b4b4b4b4b4b4b4b4b4b4b, 0x201e3c5a7896b4d2f10f2d4b6987a5c3, 0x2468acf13579bde1fdb97530eca864));
    div_rem_768_stripped(Uint768(0x4e20f3c6996c3f11e4b78a5d1f0f0f0f, 0x9d0369cd2fc962fc962fc96302d5a87b, 0x5a5a5a5a5a5a5a5a5a5a5a5a5369d036, 0xc4b5a69788796a5b4c3d2e1f0a5a5a5a, 0x89abcdef0fedcba98765432100f1e2d3, 0x1234567), Uint384(0xffffffffffffffffffff, 0x0, 0x0));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0x9, 0x0), Uint256(0xfffffffffffffffffffffffefffffc2f, 0xffffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0x5, 0x0), Uint256(0xfffffffffffffffffffffffefffffc2f, 0xffffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0x0, 0x0), Uint256(0xfffffffffffffffffffffffefffffc2f, 0xffffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0xabcdef0123456789abcdef, 0x0), Uint256(0xfffffffffffffffffffffffefffffc2f, 0xffffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0xfffffffffffffffffffffffefffffc2e, 0xffffffffffffffffffffffffffffffff), Uint256(0xfffffffffffffffffffffffefffffc2f, 0xffffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x2, 0x0), Uint256(0x9, 0x0), Uint256(0xffffffffffffffffffffffffffffffed, 0x7fffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x2, 0x0), Uint256(0x5, 0x0), Uint256(0xffffffffffffffffffffffffffffffed, 0x7fffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x2, 0x0), Uint256(0x0, 0x0), Uint256(0xffffffffffffffffffffffffffffffed, 0x7fffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x2, 0x0), Uint256(0xabcdef0123456789abcdef, 0x0), Uint256(0xffffffffffffffffffffffffffffffed, 0x7fffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x2, 0x0), Uint256(0xffffffffffffffffffffffffffffffec, 0x7fffffffffffffffffffffffffffffff), Uint256(0xffffffffffffffffffffffffffffffed, 0x7fffffffffffffffffffffffffffffff));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0x9, 0x0), Uint256(0x1, 0x8000000000000110000000000000000));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0x5, 0x0), Uint256(0x1, 0x8000000000000110000000000000000));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0x0, 0x0), Uint256(0x1, 0x8000000000000110000000000000000));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0xabcdef0123456789abcdef, 0x0), Uint256(0x1, 0x8000000000000110000000000000000));
    sqrt_mod_256(Uint256(0x3, 0x0), Uint256(0x0, 0x8000000000000110000000000000000), Uint256(0x1, 0x8000000000000110000000000000000));
    div_rem_512(Uint512(0x3039, 0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210), Uint256(0xbaaedce6af48a03bbfd25e8cd0364141, 0xfffffffffffffffffffffffffffffffe));
    div_rem_512(Uint512(0x3, 0x0, 0x0, 0x80000000000000000000000000000000), Uint256(0x7, 0x0));
    inv_mod_512(Uint512(0x5a5a5a50000000000000000000000001, 0x3d2e1f0a5a5a5a5a5a5a5a5a5a5a5a5a, 0x65432100f1e2d3c4b5a69788796a5b4c, 0x123456789abcdef0fedcba987), Uint256(0xbaaedce6af48a03bbfd25e8cd0364141, 0xfffffffffffffffffffffffffffffffe));
    inv_mod_512(Uint512(0xa5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5, 0xf1e2d3c4b5a69788796a5b4c3d2e1f0, 0x123456789abcdef0fedcba9876543210, 0x0), Uint256(0xfffffffffffffffffffffffefffffc2f, 0xffffffffffffffffffffffffffffffff));
    return ();
}
