// Starknet Pedersen, one hash per invocation (see pedersen_core).
//! include pedersen_core

struct Params {
    n: u32,
    input_len: u32, // table entries per input (31·255 + 15)
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> a: array<Fe>;
@group(0) @binding(1) var<storage, read> b: array<Fe>;
@group(0) @binding(2) var<storage, read> table: array<Fe>; // x, y per entry
@group(0) @binding(3) var<storage, read_write> out: array<Fe>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(64)
fn pedersen(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= params.n) { return; }
    out[i] = pedersen_pair(a[i], b[i], params.input_len);
}
