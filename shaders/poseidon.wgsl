// Starknet Poseidon (Hades, width 3, x³, 4 + 83 + 4 rounds), one hash per
// invocation. `rc` holds the folded constants (kernels/src/hash/poseidon/mod.rs,
// `Params::flat`): 8 × 3 full-round constants, then 83 partial-round ones.
//! include field

struct Params {
    n: u32,
    mode: u32, // 0 hash(a, b), 1 hash_single(a), 2 hash_many(a[offsets[i]..offsets[i+1]])
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<Fe>;
@group(0) @binding(1) var<storage, read> b: array<Fe>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> rc: array<Fe>;
@group(0) @binding(4) var<storage, read_write> out: array<Fe>;
@group(0) @binding(5) var<uniform> params: Params;

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

@compute @workgroup_size(64)
fn poseidon(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= params.n) { return; }
    let one = fe_one();
    switch params.mode {
        case 0u: {
            s0 = a[i];
            s1 = b[i];
            s2 = fe_add(one, one);
            permute();
        }
        case 1u: {
            s0 = a[i];
            s1 = fe_zero();
            s2 = one;
            permute();
        }
        default: {
            s0 = fe_zero();
            s1 = fe_zero();
            s2 = fe_zero();
            var k = offsets[i];
            let end = offsets[i + 1u];
            while (k + 2u <= end) {
                s0 = fe_add(s0, a[k]);
                s1 = fe_add(s1, a[k + 1u]);
                permute();
                k += 2u;
            }
            if (k < end) {
                s0 = fe_add(s0, a[k]);
                s1 = fe_add(s1, one);
            } else {
                s0 = fe_add(s0, one);
            }
            permute();
        }
    }
    out[i] = s0;
}
