// The resident state table of the native programs (kernels/src/native/
// table.rs, gpu.rs): scatter, gather and copy by slot. Every entry point
// reads its count off `words`, sized exactly by the host:
//   native_scatter: words = n slots, then n values (8 words each);
//                   table[slot i] = value i.
//   native_gather:  words = n slots; vals[i] = table[slot i].
//   native_copy:    words = n (slot, history index) pairs, with `vals` the
//                   history buffer; table[slot i] = vals[index i].
//! include field

@group(0) @binding(0) var<storage, read> words: array<u32>;
@group(0) @binding(1) var<storage, read_write> vals: array<Fe>;
@group(0) @binding(2) var<storage, read_write> table: array<Fe>;

fn invocation(gid: vec3<u32>, nwg: vec3<u32>) -> u32 {
    return gid.x + gid.y * nwg.x * 64u;
}

@compute @workgroup_size(64)
fn native_scatter(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = invocation(gid, nwg);
    let n = arrayLength(&words) / 9u;
    if (i >= n) { return; }
    var v: Fe;
    for (var k = 0u; k < 8u; k++) { v.l[k] = words[n + 8u * i + k]; }
    table[words[i]] = v;
}

@compute @workgroup_size(64)
fn native_gather(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = invocation(gid, nwg);
    if (i >= arrayLength(&words)) { return; }
    vals[i] = table[words[i]];
}

@compute @workgroup_size(64)
fn native_copy(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = invocation(gid, nwg);
    if (i >= arrayLength(&words) / 2u) { return; }
    table[words[2u * i]] = vals[words[2u * i + 1u]];
}
