// Poseidon cells of parked lanes (vm_lane.wgsl, status HASH), one lane per
// invocation: permutes the instance's inputs (s0, s1, s2) from the lane's
// memory, writes the output the lane waits for and sets the lane running
// again. The host lists the lanes; vm.wgsl checked the inputs.
//! include poseidon_core
//! include vm_lane

struct Params {
    n: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<storage, read> rc: array<Fe>;
@group(0) @binding(1) var<storage, read> parked: array<u32>;
@group(0) @binding(2) var<storage, read_write> mem: array<Cell>;
@group(0) @binding(3) var<storage, read_write> lanes: array<Lane>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(64)
fn vm_poseidon(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let j = gid.x + gid.y * nwg.x * 64u;
    if (j >= params.n) { return; }
    let li = parked[j];
    let seg = lanes[li].need_seg;
    let off = lanes[li].need_off;
    let idx = off % 6u;
    let at = lanes[li].base[seg] + off - idx;
    s0 = cell_fe(mem[at]);
    s1 = cell_fe(mem[at + 1u]);
    s2 = cell_fe(mem[at + 2u]);
    permute();
    var out = s0;
    if (idx == 4u) { out = s1; }
    if (idx == 5u) { out = s2; }
    mem[lanes[li].base[seg] + off] = fe_cell(out);
    lanes[li].len[seg] = max(lanes[li].len[seg], off + 1u);
    lanes[li].status = RUNNING;
}
