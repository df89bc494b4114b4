// Element-wise felt252 batch: out[i] = a[i] op b[i].
//! include field

struct Params {
    n: u32,
    op: u32, // 0 add, 1 sub, 2 mul, 3 inv
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<Fe>;
@group(0) @binding(1) var<storage, read> b: array<Fe>;
@group(0) @binding(2) var<storage, read_write> out: array<Fe>;
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn field_ops(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= params.n) { return; }
    let x = a[i];
    switch params.op {
        case 0u: { out[i] = fe_add(x, b[i]); }
        case 1u: { out[i] = fe_sub(x, b[i]); }
        case 2u: { out[i] = fe_mul(x, b[i]); }
        default: { out[i] = fe_inv(x); }
    }
}
