// One trie level per dispatch (kernels/src/trie/gpu.rs): job i of the level
// computes node `id`'s hash into the resident `hashes` array (indexed by
// node id, kept on the device between blocks) and into `out` for the host.
//   binary: hashes[id] = H(hashes[a], hashes[b])
//   edge:   hashes[id] = H(hashes[a], vals[b & INDEX]) + len
//   leaf:   hashes[id] = vals[b & INDEX]          (a changed value; not in `out`)
//           or leaf_source[b & INDEX] when a = 1  (a value already on the device)
// The including shader declares its hash constants and defines
// `node_hash(x: Fe, y: Fe) -> Fe`.
//! include field

struct Job { id: u32, a: u32, b: u32, len: u32 }

struct Params {
    n: u32,      // jobs in this level
    offset: u32, // index of its first job
    leaves: u32, // leaf jobs before the first level (they write no `out`)
    _pad1: u32,
}

const EDGE: u32 = 0x80000000u;
const LEAF: u32 = 0x40000000u;
const INDEX: u32 = 0x3fffffffu;
const FROM_SOURCE: u32 = 1u; // a leaf job's `a`

@group(0) @binding(0) var<storage, read> jobs: array<Job>;
@group(0) @binding(2) var<storage, read> vals: array<Fe>;
@group(0) @binding(3) var<storage, read> leaf_source: array<Fe>; // leaf values by slot
@group(0) @binding(4) var<storage, read_write> hashes: array<Fe>;
@group(0) @binding(5) var<storage, read_write> out: array<Fe>;
@group(0) @binding(6) var<uniform> params: Params;

// 2^512 mod p: Montgomery form of a small integer is fe_mul(v, R2).
fn fe_from_u32(v: u32) -> Fe {
    let r2 = Fe(array<u32, 8>(0x7e000401u, 0xfffffd73u, 0x330fffffu, 0x00000001u,
                              0xff6f8000u, 0xffffffffu, 0x5e008810u, 0x07ffd4abu));
    return fe_mul(Fe(array<u32, 8>(v, 0u, 0u, 0u, 0u, 0u, 0u, 0u)), r2);
}

@compute @workgroup_size(64)
fn trie_level(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let i = gid.x + gid.y * nwg.x * 64u;
    if (i >= params.n) { return; }
    let j = jobs[params.offset + i];
    if ((j.b & LEAF) != 0u) {
        if (j.a == FROM_SOURCE) {
            hashes[j.id] = leaf_source[j.b & INDEX];
        } else {
            hashes[j.id] = vals[j.b & INDEX];
        }
        return;
    }
    var h: Fe;
    {
        // One call site, so the (large) hash is compiled once.
        let edge = (j.b & EDGE) != 0u;
        var y: Fe;
        if (edge) { y = vals[j.b & INDEX]; } else { y = hashes[j.b]; }
        h = node_hash(hashes[j.a], y);
        if (edge) { h = fe_add(h, fe_from_u32(j.len)); }
    }
    hashes[j.id] = h;
    out[params.offset + i - params.leaves] = h;
}
