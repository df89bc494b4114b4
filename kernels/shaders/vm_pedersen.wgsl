// Pedersen cells of parked lanes (vm_lane.wgsl, status HASH), one lane per
// invocation: reads the instance's inputs (x, y) from the lane's memory,
// writes pedersen(x, y) into the cell the lane waits for and sets the lane
// running again. The host lists the lanes; vm.wgsl checked the inputs.
//! include pedersen_core
//! include vm_lane

struct Params {
    n: u32,
    input_len: u32, // table entries per input (31·255 + 15)
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read> table: array<Fe>; // x, y per entry
@group(0) @binding(1) var<storage, read> parked: array<u32>;
@group(0) @binding(2) var<storage, read_write> mem: array<Cell>;
@group(0) @binding(3) var<storage, read_write> lanes: array<Lane>;
@group(0) @binding(4) var<uniform> params: Params;

@compute @workgroup_size(64)
fn vm_pedersen(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let j = gid.x + gid.y * nwg.x * 64u;
    if (j >= params.n) { return; }
    let li = parked[j];
    let seg = lanes[li].need_seg;
    let off = lanes[li].need_off;
    let at = lanes[li].base[seg] + off - off % 3u;
    let h = pedersen_pair(cell_fe(mem[at]), cell_fe(mem[at + 1u]), params.input_len);
    mem[lanes[li].base[seg] + off] = fe_cell(h);
    lanes[li].len[seg] = max(lanes[li].len[seg], off + 1u);
    lanes[li].status = RUNNING;
}
