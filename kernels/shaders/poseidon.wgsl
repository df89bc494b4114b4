// Starknet Poseidon, one hash per invocation (see poseidon_core).
//! include poseidon_core

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
