// Hints over BigInt3 field elements beyond secp256k1's library spellings:
// secp256r1 with SECP_P, N and ALPHA left in the scope by an import hint,
// 2^255 - 19 assigned by the hint itself, secp256r1's prime imported under
// its own name, the whitelisted secp256k1 spellings, ec_recover's helpers and
// a five-limb division. Each result goes through nondet_bigint3 (or a local),
// so the memory holds every value a hint computed.
%builtins range_check

from starkware.cairo.common.cairo_secp.bigint import BigInt3, UnreducedBigInt3, nondet_bigint3
from starkware.cairo.common.cairo_secp.ec import EcPoint

const BASE = 2 ** 86;

struct BigInt5 {
    d0: felt,
    d1: felt,
    d2: felt,
    d3: felt,
    d4: felt,
}

// nondet_bigint3 with the other spelling of its hint, and no range checks.
func split_value() -> (res: BigInt3) {
    alloc_locals;
    local res: BigInt3;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import split
        segments.write_arg(ids.res.address_, split(value))
    %}
    return (res=res);
}

// secp256r1, its constants taken from the scope.
func r1_from_scope{range_check_ptr}(point: EcPoint, point0: EcPoint, point1: EcPoint) -> (
    dbl: BigInt3, line: BigInt3, dx: BigInt3, dy: BigInt3, ax: BigInt3, ay: BigInt3
) {
    alloc_locals;

    %{ from starkware.cairo.common.cairo_secp.secp256r1_utils import SECP256R1_P as SECP_P %}
    %{ from starkware.cairo.common.cairo_secp.secp256r1_utils import SECP256R1_ALPHA as ALPHA %}
    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import ec_double_slope

        # Compute the slope.
        x = pack(ids.point.x, PRIME)
        y = pack(ids.point.y, PRIME)
        value = slope = ec_double_slope(point=(x, y), alpha=ALPHA, p=SECP_P)
    %}
    let (dbl) = nondet_bigint3();

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import line_slope

        # Compute the slope.
        x0 = pack(ids.point0.x, PRIME)
        y0 = pack(ids.point0.y, PRIME)
        x1 = pack(ids.point1.x, PRIME)
        y1 = pack(ids.point1.y, PRIME)
        value = slope = line_slope(point1=(x0, y0), point2=(x1, y1), p=SECP_P)
    %}
    let (line) = nondet_bigint3();
    let (dx, dy) = r1_double(point, dbl);
    let (ax, ay) = r1_add(point0, point1, line);
    return (dbl=dbl, line=line, dx=dx, dy=dy, ax=ax, ay=ay);
}

func r1_double{range_check_ptr}(point: EcPoint, slope: BigInt3) -> (x: BigInt3, y: BigInt3) {
    alloc_locals;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack

        slope = pack(ids.slope, PRIME)
        x = pack(ids.point.x, PRIME)
        y = pack(ids.point.y, PRIME)

        value = new_x = (pow(slope, 2, SECP_P) - 2 * x) % SECP_P
    %}
    let (new_x) = nondet_bigint3();

    %{ value = new_y = (slope * (x - new_x) - y) % SECP_P %}
    let (new_y) = nondet_bigint3();
    return (x=new_x, y=new_y);
}

func r1_add{range_check_ptr}(point0: EcPoint, point1: EcPoint, slope: BigInt3) -> (
    x: BigInt3, y: BigInt3
) {
    alloc_locals;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack

        slope = pack(ids.slope, PRIME)
        x0 = pack(ids.point0.x, PRIME)
        x1 = pack(ids.point1.x, PRIME)
        y0 = pack(ids.point0.y, PRIME)

        value = new_x = (pow(slope, 2, SECP_P) - x0 - x1) % SECP_P
    %}
    let (new_x) = nondet_bigint3();

    %{ value = new_y = (slope * (x0 - new_x) - y0) % SECP_P %}
    let (new_y) = nondet_bigint3();
    return (x=new_x, y=new_y);
}

// verify_zero, reduce and is_zero with the scope's SECP_P.
func r1_field{range_check_ptr}(val: UnreducedBigInt3, x: BigInt3) -> (
    q: felt, reduced: BigInt3, zero: felt, inv: BigInt3
) {
    alloc_locals;
    local q;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack

        q, r = divmod(pack(ids.val, PRIME), SECP_P)
        assert r == 0, f"verify_zero: Invalid input {ids.val.d0, ids.val.d1, ids.val.d2}."
        ids.q = q % PRIME
    %}
    let x_unreduced = UnreducedBigInt3(d0=x.d0 + BASE, d1=x.d1 - 1, d2=x.d2);
    let (reduced) = reduce_from_scope(x_unreduced);

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack

        x = pack(ids.x, PRIME) % SECP_P
    %}
    %{ memory[ap] = int(x == 0) %}
    tempvar zero;

    %{
        from starkware.python.math_utils import div_mod

        value = x_inv = div_mod(1, x, SECP_P)
    %}
    let (inv) = nondet_bigint3();
    return (q=q, reduced=reduced, zero=zero, inv=inv);
}

func reduce_from_scope{range_check_ptr}(x: UnreducedBigInt3) -> (res: BigInt3) {

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        value = pack(ids.x, PRIME) % SECP_P
    %}
    return nondet_bigint3();
}

// a / b modulo secp256r1's order, N from the scope, and k + 1.
func r1_div_mod_n{range_check_ptr}(a: BigInt3, b: BigInt3) -> (res: BigInt3, k_plus_one: BigInt3) {
    alloc_locals;

    %{ from starkware.cairo.common.cairo_secp.secp256r1_utils import SECP256R1_N as N %}
    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import div_mod, safe_div

        a = pack(ids.a, PRIME)
        b = pack(ids.b, PRIME)
        value = res = div_mod(a, b, N)
    %}
    let (res) = nondet_bigint3();

    %{ value = k_plus_one = safe_div(res * b - a, N) + 1 %}
    let (k_plus_one) = nondet_bigint3();
    return (res=res, k_plus_one=k_plus_one);
}

// The line slope with the scope's SECP_P (secp256r1's): cairo-vm reads
// SECP256R1_P from the scope for the spelling that imports it.
func r1_line_slope{range_check_ptr}(point0: EcPoint, point1: EcPoint) -> (res: BigInt3) {

    %{ from starkware.cairo.common.cairo_secp.secp256r1_utils import SECP256R1_P as SECP_P %}
    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import line_slope

        # Compute the slope.
        x0 = pack(ids.point0.x, PRIME)
        y0 = pack(ids.point0.y, PRIME)
        x1 = pack(ids.point1.x, PRIME)
        y1 = pack(ids.point1.y, PRIME)
        value = slope = line_slope(point1=(x0, y0), point2=(x1, y1), p=SECP_P)
    %}
    return nondet_bigint3();
}

// secp256r1's prime named SECP256R1_P.
func r1_direct{range_check_ptr}(point: EcPoint, point0: EcPoint, point1: EcPoint) -> (
    line: BigInt3, dbl_unsigned: BigInt3, dbl: BigInt3
) {
    alloc_locals;

    let (line) = r1_line_slope(point0, point1);

    %{
        from starkware.cairo.common.cairo_secp.secp256r1_utils import SECP256R1_ALPHA, SECP256R1_P
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import ec_double_slope

        # Compute the slope.
        x = pack(ids.point.x, SECP256R1_P)
        y = pack(ids.point.y, SECP256R1_P)
        value = slope = ec_double_slope(point=(x, y), alpha=SECP256R1_ALPHA, p=SECP256R1_P)
    %}
    let (dbl_unsigned) = nondet_bigint3();

    %{
        from starkware.cairo.common.cairo_secp.secp256r1_utils import SECP256R1_ALPHA, SECP256R1_P
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import ec_double_slope

        # Compute the slope.
        x = pack(ids.point.x, PRIME)
        y = pack(ids.point.y, PRIME)
        value = slope = ec_double_slope(point=(x, y), alpha=SECP256R1_ALPHA, p=SECP256R1_P)
    %}
    let (dbl) = nondet_bigint3();
    return (line=line, dbl_unsigned=dbl_unsigned, dbl=dbl);
}

// 2^255 - 19, assigned by each hint.
func ed_curve{range_check_ptr}(point: EcPoint, point0: EcPoint, point1: EcPoint) -> (
    line: BigInt3, dbl: BigInt3, dx: BigInt3, dy: BigInt3, ax: BigInt3, ay: BigInt3, neg: BigInt3
) {
    alloc_locals;

    %{
        from starkware.python.math_utils import line_slope
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P = 2**255-19
        # Compute the slope.
        x0 = pack(ids.point0.x, PRIME)
        y0 = pack(ids.point0.y, PRIME)
        x1 = pack(ids.point1.x, PRIME)
        y1 = pack(ids.point1.y, PRIME)
        value = slope = line_slope(point1=(x0, y0), point2=(x1, y1), p=SECP_P)
    %}
    let (line) = nondet_bigint3();

    %{
        from starkware.python.math_utils import ec_double_slope
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P = 2**255-19

        # Compute the slope.
        x = pack(ids.point.x, PRIME)
        y = pack(ids.point.y, PRIME)
        value = slope = ec_double_slope(point=(x, y), alpha=42204101795669822316448953119945047945709099015225996174933988943478124189485, p=SECP_P)
    %}
    let (dbl) = nondet_bigint3();
    let (dx, dy) = ed_double(point, dbl);
    let (ax, ay) = ed_add(point0, point1, line);

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P = 2**255-19

        y = pack(ids.point.y, PRIME) % SECP_P
        # The modulo operation in python always returns a nonnegative number.
        value = (-y) % SECP_P
    %}
    let (neg) = nondet_bigint3();
    return (line=line, dbl=dbl, dx=dx, dy=dy, ax=ax, ay=ay, neg=neg);
}

func ed_double{range_check_ptr}(point: EcPoint, slope: BigInt3) -> (x: BigInt3, y: BigInt3) {
    alloc_locals;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P = 2**255-19

        slope = pack(ids.slope, PRIME)
        x = pack(ids.point.x, PRIME)
        y = pack(ids.point.y, PRIME)

        value = new_x = (pow(slope, 2, SECP_P) - 2 * x) % SECP_P
    %}
    let (new_x) = nondet_bigint3();

    %{ value = new_y = (slope * (x - new_x) - y) % SECP_P %}
    let (new_y) = nondet_bigint3();
    return (x=new_x, y=new_y);
}

func ed_add{range_check_ptr}(point0: EcPoint, point1: EcPoint, slope: BigInt3) -> (
    x: BigInt3, y: BigInt3
) {
    alloc_locals;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P = 2**255-19

        slope = pack(ids.slope, PRIME)
        x0 = pack(ids.point0.x, PRIME)
        x1 = pack(ids.point1.x, PRIME)
        y0 = pack(ids.point0.y, PRIME)

        value = new_x = (pow(slope, 2, SECP_P) - x0 - x1) % SECP_P
    %}
    let (new_x) = nondet_bigint3();

    %{ value = new_y = (slope * (x0 - new_x) - y0) % SECP_P %}
    let (new_y) = nondet_bigint3();
    return (x=new_x, y=new_y);
}

func ed_field{range_check_ptr}(val: UnreducedBigInt3, x: BigInt3) -> (
    q: felt, reduced: BigInt3, inv: BigInt3
) {
    alloc_locals;
    local q;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P = 2**255-19
        to_assert = pack(ids.val, PRIME)
        q, r = divmod(pack(ids.val, PRIME), SECP_P)
        assert r == 0, f"verify_zero: Invalid input {ids.val.d0, ids.val.d1, ids.val.d2}."
        ids.q = q % PRIME
    %}
    let (reduced) = ed_reduce(UnreducedBigInt3(d0=x.d0 + BASE, d1=x.d1 - 1, d2=x.d2));

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P=2**255-19

        x = pack(ids.x, PRIME) % SECP_P
    %}
    %{
        SECP_P=2**255-19
        from starkware.python.math_utils import div_mod

        value = x_inv = div_mod(1, x, SECP_P)
    %}
    let (inv) = nondet_bigint3();
    return (q=q, reduced=reduced, inv=inv);
}

func ed_reduce{range_check_ptr}(x: UnreducedBigInt3) -> (res: BigInt3) {

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        SECP_P=2**255-19

        value = pack(ids.x, PRIME) % SECP_P
    %}
    return nondet_bigint3();
}

// secp256k1 spellings with `pt`, `pt0`, `pt1`.
func k1_pt{range_check_ptr}(pt: EcPoint, pt0: EcPoint, pt1: EcPoint, val: UnreducedBigInt3, x: BigInt3) -> (
    dbl: BigInt3, line: BigInt3, dx: BigInt3, dy: BigInt3, ax: BigInt3, ay: BigInt3, q: felt, inv: BigInt3
) {
    alloc_locals;
    local q;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack
        from starkware.python.math_utils import div_mod

        # Compute the slope.
        x = pack(ids.pt.x, PRIME)
        y = pack(ids.pt.y, PRIME)
        value = slope = div_mod(3 * x ** 2, 2 * y, SECP_P)
    %}
    let (dbl) = nondet_bigint3();

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack
        from starkware.python.math_utils import div_mod

        # Compute the slope.
        x0 = pack(ids.pt0.x, PRIME)
        y0 = pack(ids.pt0.y, PRIME)
        x1 = pack(ids.pt1.x, PRIME)
        y1 = pack(ids.pt1.y, PRIME)
        value = slope = div_mod(y0 - y1, x0 - x1, SECP_P)
    %}
    let (line) = nondet_bigint3();
    let (dx, dy) = k1_double(pt, dbl);
    let (ax, ay) = k1_add(pt0, pt1, line);

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import SECP_P
        q, r = divmod(pack(ids.val, PRIME), SECP_P)
        assert r == 0, f"verify_zero: Invalid input {ids.val.d0, ids.val.d1, ids.val.d2}."
        ids.q = q % PRIME
    %}
    %{
        from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack
        x = pack(ids.x, PRIME) % SECP_P
    %}
    %{
        from starkware.cairo.common.cairo_secp.secp_utils import SECP_P
        from starkware.python.math_utils import div_mod

        value = x_inv = div_mod(1, x, SECP_P)
    %}
    let (inv) = nondet_bigint3();
    return (dbl=dbl, line=line, dx=dx, dy=dy, ax=ax, ay=ay, q=q, inv=inv);
}

func k1_double{range_check_ptr}(pt: EcPoint, slope: BigInt3) -> (x: BigInt3, y: BigInt3) {
    alloc_locals;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

        slope = pack(ids.slope, PRIME)
        x = pack(ids.pt.x, PRIME)
        y = pack(ids.pt.y, PRIME)

        value = new_x = (pow(slope, 2, SECP_P) - 2 * x) % SECP_P
    %}
    let (new_x) = nondet_bigint3();

    %{ value = new_y = (slope * (x - new_x) - y) % SECP_P %}
    let (new_y) = nondet_bigint3();
    return (x=new_x, y=new_y);
}

func k1_add{range_check_ptr}(pt0: EcPoint, pt1: EcPoint, slope: BigInt3) -> (x: BigInt3, y: BigInt3) {
    alloc_locals;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import SECP_P, pack

        slope = pack(ids.slope, PRIME)
        x0 = pack(ids.pt0.x, PRIME)
        x1 = pack(ids.pt1.x, PRIME)
        y0 = pack(ids.pt0.y, PRIME)

        value = new_x = (pow(slope, 2, SECP_P) - x0 - x1) % SECP_P
    %}
    let (new_x) = nondet_bigint3();

    %{ value = new_y = (slope * (x0 - new_x) - y0) % SECP_P %}
    let (new_y) = nondet_bigint3();
    return (x=new_x, y=new_y);
}

// ec_recover's helpers: x / s modulo a packed n, a - b, a * b mod m and its
// quotient, x / s modulo secp256k1's order and the quotient k.
func recover{range_check_ptr}(n: BigInt3, x: BigInt3, s: BigInt3, a: BigInt3, b: BigInt3, m: BigInt3) -> (
    r0: BigInt3, r1: BigInt3, r2: BigInt3, r3: BigInt3, r4: BigInt3, r5: BigInt3
) {
    alloc_locals;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import div_mod, safe_div

        N = pack(ids.n, PRIME)
        x = pack(ids.x, PRIME) % N
        s = pack(ids.s, PRIME) % N
        value = res = div_mod(x, s, N)
    %}
    let (r0) = split_value();

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import div_mod, safe_div

        a = pack(ids.a, PRIME)
        b = pack(ids.b, PRIME)

        value = res = a - b
    %}
    let (r1) = split_value();

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import div_mod, safe_div

        a = pack(ids.a, PRIME)
        b = pack(ids.b, PRIME)
        product = a * b
        m = pack(ids.m, PRIME)

        value = res = product % m
    %}
    let (r2) = split_value();

    %{ value = k = product // m %}
    let (r3) = split_value();

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.python.math_utils import div_mod, safe_div

        N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141
        x = pack(ids.x, PRIME) % N
        s = pack(ids.s, PRIME) % N
        value = res = div_mod(x, s, N)
    %}
    let (r4) = split_value();

    %{ value = k = safe_div(res * s - x, N) %}
    let (r5) = split_value();
    return (r0=r0, r1=r1, r2=r2, r3=r3, r4=r4, r5=r5);
}

// x (five limbs) / y modulo P, then |k| and its sign for res * y - x = k * P.
func bigint_div{range_check_ptr}(x: BigInt5, y: BigInt3, P: BigInt3) -> (res: BigInt3, k: BigInt3, flag: felt) {
    alloc_locals;
    local flag;

    %{
        from starkware.cairo.common.cairo_secp.secp_utils import pack
        from starkware.cairo.common.math_utils import as_int
        from starkware.python.math_utils import div_mod, safe_div

        p = pack(ids.P, PRIME)
        x = pack(ids.x, PRIME) + as_int(ids.x.d3, PRIME) * ids.BASE ** 3 + as_int(ids.x.d4, PRIME) * ids.BASE ** 4
        y = pack(ids.y, PRIME)

        value = res = div_mod(x, y, p)
    %}
    let (res) = split_value();

    %{
        k = safe_div(res * y - x, p)
        value = k if k > 0 else 0 - k
        ids.flag = 1 if k > 0 else 0
    %}
    let (k) = split_value();
    return (res=res, k=k, flag=flag);
}

func main{range_check_ptr}() {
    alloc_locals;
    let p = EcPoint(BigInt3(614323, 5456867, 101208), BigInt3(773712524, 77371252, 5298795));
    let p0 = EcPoint(BigInt3(51215, 36848548548458, 634734734), BigInt3(26362, 263724839599, 901297012));
    let p1 = EcPoint(BigInt3(1, 5, 10), BigInt3(2, 4, 20));
    r1_from_scope(p, p0, p1);
    // 3 * secp256r1's prime and a small x.
    let r1_3p = UnreducedBigInt3(
        3 * 77371252455336267181195263, 3 * 1023, 3 * 19342813109330467168976896
    );
    let (q, reduced, zero, inv) = r1_field(r1_3p, BigInt3(98765, 4321, 7));
    assert q = 3;
    assert zero = 0;
    r1_div_mod_n(BigInt3(100, 99, 98), BigInt3(10, 9, 8));
    r1_direct(p, p0, p1);
    ed_curve(p, p0, p1);
    let ed_neg_2p = UnreducedBigInt3(
        -2 * 77371252455336267181195245, -2 * 77371252455336267181195263, -2 * 9671406556917033397649407
    );
    let (q, reduced, inv) = ed_field(ed_neg_2p, BigInt3(55, 66, 77));
    assert q = -2;
    let k1_p = UnreducedBigInt3(
        77371252455336262886226991, 77371252455336267181195263, 19342813113834066795298815
    );
    k1_pt(p, p0, p1, k1_p, BigInt3(3, 2, 1));
    recover(
        BigInt3(177, 0, 0), BigInt3(25, 0, 0), BigInt3(5, 0, 0),
        BigInt3(1000, 2000, 3000), BigInt3(7, 8, 9), BigInt3(12345, 678, 5),
    );
    let (res, k, flag) = bigint_div(
        BigInt5(11, 22, 33, 44, 55), BigInt3(3, 5, 7), BigInt3(
            77371252455336262886226991, 77371252455336267181195263, 19342813113834066795298815
        )
    );
    return ();
}
