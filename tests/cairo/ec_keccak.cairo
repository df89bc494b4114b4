// The ec_op and keccak builtins, and ec.cairo's hints.
%builtins output ec_op keccak
from starkware.cairo.common.cairo_builtins import EcOpBuiltin, KeccakBuiltin
from starkware.cairo.common.ec_point import EcPoint
from starkware.cairo.common.ec import ec_add, ec_double, ec_op, ec_mul, chained_ec_op, recover_y
from starkware.cairo.common.serialize import serialize_word
from starkware.cairo.common.alloc import alloc

const GX = 0x1ef15c18599971b7beced415a40f0c7deacfd9b0d1819e03d723d8bc943cfca;
const GY = 0x5668060aa49730b7be4801df46ec62de53ecd11abe43a32873000c36e8dc1f;

func main{output_ptr: felt*, ec_op_ptr: EcOpBuiltin*, keccak_ptr: KeccakBuiltin*}() {
    alloc_locals;
    let g = EcPoint(GX, GY);
    let (g2) = ec_double(g);
    // R = P + m * Q, straight through the builtin's cells.
    assert ec_op_ptr.p = g2;
    assert ec_op_ptr.q = g;
    assert ec_op_ptr.m = 0x123456789abcdef0123456789abcdef;
    let r = ec_op_ptr.r;
    serialize_word(r.x);
    serialize_word(r.y);
    let ec_op_ptr = ec_op_ptr + EcOpBuiltin.SIZE;
    let (s) = ec_add(r, g);
    serialize_word(s.x);
    let (t) = ec_op(g2, 77, s);
    serialize_word(t.y);
    let (u) = ec_mul(0x800, g);
    serialize_word(u.x);
    let (ms: felt*) = alloc();
    assert ms[0] = 3;
    assert ms[1] = 5;
    let (qs: EcPoint*) = alloc();
    assert qs[0] = g;
    assert qs[1] = u;
    let (c) = chained_ec_op(t, ms, qs, 2);
    serialize_word(c.x);
    let (y) = recover_y(GX);
    serialize_word(y.y);

    assert keccak_ptr.input.s0 = 1;
    assert keccak_ptr.input.s1 = 0x123456789abcdef;
    assert keccak_ptr.input.s2 = 0;
    assert keccak_ptr.input.s3 = 0xffffffffffffffffffffffffffffffffffffffffffffffffff;
    assert keccak_ptr.input.s4 = 5;
    assert keccak_ptr.input.s5 = 6;
    assert keccak_ptr.input.s6 = 7;
    assert keccak_ptr.input.s7 = 8;
    serialize_word(keccak_ptr.output.s0);
    serialize_word(keccak_ptr.output.s7);
    let keccak_ptr = keccak_ptr + KeccakBuiltin.SIZE;
    return ();
}
