// Starknet felt252 arithmetic, p = 2^251 + 17·2^192 + 1.
//
// An Fe holds a·2^256 mod p (Montgomery form), fully reduced, as eight
// little-endian u32 limbs: the same bytes as the host's `Fe([u64; 4])`.
// p's limbs are [1, 0, 0, 0, 0, 0, 17, 0x08000000], so p ≡ 1 (mod 2^32),
// -p⁻¹ ≡ -1 (mod 2^32) and each Montgomery step adds m·p with two products.
// Requires SHADER_INT64 (u64 holds the 32×32-bit products and carries).

struct Fe { l: array<u32, 8> }

const FE_P6: u32 = 17u;
const FE_P7: u32 = 0x08000000u;

fn fe_p() -> Fe {
    return Fe(array<u32, 8>(1u, 0u, 0u, 0u, 0u, 0u, FE_P6, FE_P7));
}

fn fe_zero() -> Fe {
    return Fe(array<u32, 8>(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u));
}

// R mod p: the Montgomery form of 1.
fn fe_one() -> Fe {
    return Fe(array<u32, 8>(0xffffffe1u, 0xffffffffu, 0xffffffffu, 0xffffffffu,
                            0xffffffffu, 0xffffffffu, 0xfffffdf0u, 0x07ffffffu));
}

fn fe_is_zero(a: Fe) -> bool {
    var acc = 0u;
    for (var i = 0u; i < 8u; i++) { acc |= a.l[i]; }
    return acc == 0u;
}

// a - b over 256 bits; `borrow` is 1 when a < b.
struct FeBorrow { v: Fe, borrow: u32 }

fn fe_sub_raw(a: Fe, b: Fe) -> FeBorrow {
    var r: Fe;
    var borrow = 0lu;
    for (var i = 0u; i < 8u; i++) {
        let v = (u64(a.l[i]) | 0x100000000lu) - u64(b.l[i]) - borrow;
        r.l[i] = u32(v & 0xfffffffflu);
        borrow = 1lu - (v >> 32u);
    }
    return FeBorrow(r, u32(borrow));
}

// Subtracts p once when a ≥ p (a < 2p).
fn fe_reduce_once(a: Fe) -> Fe {
    let d = fe_sub_raw(a, fe_p());
    if (d.borrow == 1u) { return a; }
    return d.v;
}

fn fe_add(a: Fe, b: Fe) -> Fe {
    var r: Fe;
    var c = 0lu;
    for (var i = 0u; i < 8u; i++) {
        let v = u64(a.l[i]) + u64(b.l[i]) + c;
        r.l[i] = u32(v & 0xfffffffflu);
        c = v >> 32u;
    }
    return fe_reduce_once(r); // a + b < 2p < 2^253: no carry out
}

fn fe_sub(a: Fe, b: Fe) -> Fe {
    let d = fe_sub_raw(a, b);
    if (d.borrow == 0u) { return d.v; }
    var r: Fe;
    var c = 0lu;
    let p = fe_p();
    for (var i = 0u; i < 8u; i++) {
        let v = u64(d.v.l[i]) + u64(p.l[i]) + c;
        r.l[i] = u32(v & 0xfffffffflu);
        c = v >> 32u;
    }
    return r;
}

fn fe_neg(a: Fe) -> Fe {
    return fe_sub(fe_zero(), a);
}

// Montgomery product a·b·2^-256 mod p (CIOS, 32-bit limbs).
fn fe_mul(a: Fe, b: Fe) -> Fe {
    var t: array<u32, 10>;
    for (var i = 0u; i < 8u; i++) {
        let bi = u64(b.l[i]);
        var c = 0lu;
        for (var j = 0u; j < 8u; j++) {
            let v = u64(t[j]) + u64(a.l[j]) * bi + c;
            t[j] = u32(v & 0xfffffffflu);
            c = v >> 32u;
        }
        let v8 = u64(t[8]) + c;
        t[8] = u32(v8 & 0xfffffffflu);
        t[9] = u32(v8 >> 32u);
        // t += m·p with m = -t0: limb 0 becomes zero (carry 1 unless t0 == 0),
        // then shift down one limb.
        let m = u64(0u - t[0]);
        var c2 = select(0lu, 1lu, t[0] != 0u);
        for (var j = 1u; j < 6u; j++) {
            let v = u64(t[j]) + c2;
            t[j - 1u] = u32(v & 0xfffffffflu);
            c2 = v >> 32u;
        }
        let v6 = u64(t[6]) + m * u64(FE_P6) + c2;
        t[5] = u32(v6 & 0xfffffffflu);
        let v7 = u64(t[7]) + m * u64(FE_P7) + (v6 >> 32u);
        t[6] = u32(v7 & 0xfffffffflu);
        let w8 = u64(t[8]) + (v7 >> 32u);
        t[7] = u32(w8 & 0xfffffffflu);
        t[8] = t[9] + u32(w8 >> 32u);
        t[9] = 0u;
    }
    var r: Fe;
    for (var i = 0u; i < 8u; i++) { r.l[i] = t[i]; }
    return fe_reduce_once(r);
}

fn fe_square(a: Fe) -> Fe {
    return fe_mul(a, a);
}

fn fe_square_n(a: Fe, k: u32) -> Fe {
    var x = a;
    for (var i = 0u; i < k; i++) { x = fe_mul(x, x); }
    return x;
}

// a⁻¹ = a^(p-2), zero maps to zero. p - 2 = (2^59 + 2^4)·2^192 + (2^192 - 1):
// y = a^(2^192-1) by an addition chain, q = y·a = a^(2^192), then
// (q^(2^55)·q)^(2^4)·y. Same chain as the host's `Fe::inv_or_zero`.
fn fe_inv(x: Fe) -> Fe {
    let e2 = fe_mul(fe_square(x), x);
    let e4 = fe_mul(fe_square_n(e2, 2u), e2);
    let e8 = fe_mul(fe_square_n(e4, 4u), e4);
    let e16 = fe_mul(fe_square_n(e8, 8u), e8);
    let e32 = fe_mul(fe_square_n(e16, 16u), e16);
    let e64 = fe_mul(fe_square_n(e32, 32u), e32);
    let e128 = fe_mul(fe_square_n(e64, 64u), e64);
    let y = fe_mul(fe_square_n(e128, 64u), e64);
    let q = fe_mul(y, x);
    let r = fe_square_n(fe_mul(fe_square_n(q, 55u), q), 4u);
    return fe_mul(r, y);
}
