// Starknet Poseidon (Hades, width 3, x³, 4 + 83 + 4 rounds) on a private
// state. The including shader declares `rc: array<Fe>`, the folded constants
// (kernels/src/hash/poseidon/mod.rs, `Params::flat`): 8 × 3 full-round
// constants, then 83 partial-round ones.
//! include field

var<private> s0: Fe;
var<private> s1: Fe;
var<private> s2: Fe;

fn cube(x: Fe) -> Fe {
    return fe_mul(fe_square(x), x);
}

// MDS [[3, 1, 1], [1, -1, 1], [1, 1, -2]]: additions only.
fn mix() {
    let t = fe_add(fe_add(s0, s1), s2);
    let n0 = fe_add(t, fe_add(s0, s0));
    let n1 = fe_sub(t, fe_add(s1, s1));
    let n2 = fe_sub(t, fe_add(fe_add(s2, s2), s2));
    s0 = n0;
    s1 = n1;
    s2 = n2;
}

fn full_round(r: u32) {
    s0 = cube(fe_add(s0, rc[3u * r]));
    s1 = cube(fe_add(s1, rc[3u * r + 1u]));
    s2 = cube(fe_add(s2, rc[3u * r + 2u]));
    mix();
}

fn permute() {
    for (var r = 0u; r < 4u; r++) { full_round(r); }
    for (var i = 0u; i < 83u; i++) {
        s2 = cube(fe_add(s2, rc[24u + i]));
        mix();
    }
    for (var r = 4u; r < 8u; r++) { full_round(r); }
}

// poseidon hash(x, y).
fn poseidon_pair(x: Fe, y: Fe) -> Fe {
    let one = fe_one();
    s0 = x;
    s1 = y;
    s2 = fe_add(one, one);
    permute();
    return s0;
}
