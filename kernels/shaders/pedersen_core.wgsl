// Starknet Pedersen for one pair: the shift point plus one precomputed
// affine point per non-zero 8-bit digit (table layout in
// kernels/src/hash/pedersen/mod.rs, `Tables`; the shift point is the last
// entry), Jacobian mixed additions, one inversion at the end. The including
// shader declares `table: array<Fe>` (x, y per entry).
//! include field

struct Jac { x: Fe, y: Fe, z: Fe }

fn dbl2(x: Fe) -> Fe {
    return fe_add(x, x);
}

// dbl-2007-bl with a = 1.
fn jac_double(p: Jac) -> Jac {
    if (fe_is_zero(p.z) || fe_is_zero(p.y)) {
        return Jac(fe_one(), fe_one(), fe_zero());
    }
    let xx = fe_square(p.x);
    let yy = fe_square(p.y);
    let yyyy = fe_square(yy);
    let zz = fe_square(p.z);
    let s = dbl2(fe_sub(fe_sub(fe_square(fe_add(p.x, yy)), xx), yyyy));
    let m = fe_add(fe_add(dbl2(xx), xx), fe_square(zz));
    let t = fe_sub(fe_square(m), dbl2(s));
    let y3 = fe_sub(fe_mul(m, fe_sub(s, t)), dbl2(dbl2(dbl2(yyyy))));
    let z3 = fe_sub(fe_sub(fe_square(fe_add(p.y, p.z)), yy), zz);
    return Jac(t, y3, z3);
}

// madd-2007-bl, with the exceptional cases.
fn jac_add_affine(p: Jac, qx: Fe, qy: Fe) -> Jac {
    if (fe_is_zero(p.z)) {
        return Jac(qx, qy, fe_one());
    }
    let z1z1 = fe_square(p.z);
    let u2 = fe_mul(qx, z1z1);
    let s2 = fe_mul(fe_mul(qy, p.z), z1z1);
    let h = fe_sub(u2, p.x);
    let sd = fe_sub(s2, p.y);
    if (fe_is_zero(h)) {
        if (fe_is_zero(sd)) { return jac_double(p); }
        return Jac(fe_one(), fe_one(), fe_zero());
    }
    let hh = fe_square(h);
    let i4 = dbl2(dbl2(hh));
    let j = fe_mul(h, i4);
    let r = dbl2(sd);
    let v = fe_mul(p.x, i4);
    let x3 = fe_sub(fe_sub(fe_square(r), j), dbl2(v));
    let y3 = fe_sub(fe_mul(r, fe_sub(v, x3)), dbl2(fe_mul(p.y, j)));
    let z3 = fe_sub(fe_sub(fe_square(fe_add(p.z, h)), z1z1), hh);
    return Jac(x3, y3, z3);
}

// Canonical limbs of a Montgomery-form element: x · 1 · 2^-256.
fn fe_canonical(x: Fe) -> Fe {
    return fe_mul(x, Fe(array<u32, 8>(1u, 0u, 0u, 0u, 0u, 0u, 0u, 0u)));
}

// pedersen(x, y); `input_len` is the table entries per input (31·255 + 15).
fn pedersen_pair(x: Fe, y: Fe, input_len: u32) -> Fe {
    let shift = 2u * input_len;
    var acc = Jac(table[2u * shift], table[2u * shift + 1u], fe_one());
    for (var k = 0u; k < 2u; k++) {
        var c: Fe;
        if (k == 0u) { c = fe_canonical(x); } else { c = fe_canonical(y); }
        for (var w = 0u; w < 32u; w++) {
            let d = (c.l[w / 4u] >> (8u * (w % 4u))) & 0xffu;
            if (d != 0u) {
                let e = k * input_len + w * 255u + d - 1u;
                acc = jac_add_affine(acc, table[2u * e], table[2u * e + 1u]);
            }
        }
    }
    let zi = fe_inv(acc.z); // infinity (z = 0) maps to zero, as on the CPU
    return fe_mul(acc.x, fe_square(zi));
}
