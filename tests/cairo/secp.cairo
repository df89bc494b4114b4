// secp256k1 field and curve arithmetic (cairo_secp): reduction, zero tests,
// slopes, doubling, addition, multiplication, points from x, division mod n.
%builtins output range_check
from starkware.cairo.common.cairo_secp.bigint import BigInt3, uint256_to_bigint, bigint_to_uint256
from starkware.cairo.common.cairo_secp.bigint3 import SumBigInt3
from starkware.cairo.common.cairo_secp.ec_point import EcPoint
from starkware.cairo.common.cairo_secp.ec import ec_add, ec_double, ec_mul, ec_negate
from starkware.cairo.common.cairo_secp.field import is_zero, reduce, unreduced_mul
from starkware.cairo.common.cairo_secp.signature import get_generator_point, get_point_from_x, div_mod_n
from starkware.cairo.common.uint256 import Uint256
from starkware.cairo.common.serialize import serialize_word

func out{output_ptr: felt*}(p: EcPoint) {
    serialize_word(p.x.d0);
    serialize_word(p.x.d1);
    serialize_word(p.x.d2);
    serialize_word(p.y.d0);
    return ();
}

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    let (g) = get_generator_point();
    let (g2) = ec_double(g);
    out(g2);
    let (g3) = ec_add(g2, g);
    out(g3);
    let (n) = ec_negate(g3);
    let (z) = ec_add(g3, n);
    out(z);
    let (g5) = ec_mul(g, BigInt3(5, 0, 0));
    out(g5);
    let (p) = get_point_from_x(g5.x, 1);
    out(p);
    let (q) = div_mod_n(BigInt3(7, 0, 0), BigInt3(3, 1, 0));
    serialize_word(q.d0);
    let (zero) = is_zero(SumBigInt3(0, 0, 0));
    serialize_word(zero);
    let (one) = is_zero(SumBigInt3(1, 2, 3));
    serialize_word(one);
    let (m) = unreduced_mul(
        BigInt3(0x3fffffffffffffffffff, 0x3fffffffffffffffffff, 0xfffffffffffffffffff),
        BigInt3(12345, 0, 7),
    );
    let (r) = reduce(m);
    serialize_word(r.d0);
    let (b) = uint256_to_bigint(Uint256(0xfedcba9876543210fedcba9876543210, 0x0123456789abcdef0123456789abcdef));
    let (u) = bigint_to_uint256(b);
    serialize_word(u.high);
    return ();
}
