// A Cairo VM lane as every lane shader sees it (vm.wgsl runs the steps;
// vm_pedersen.wgsl and vm_poseidon.wgsl deduce the hash cells lanes park
// on); the host side is kernels/src/vm/gpu/.
//
// A cell is the CPU VM's packed cell (eight little-endian u32 words: a felt
// in Montgomery form, or a pointer (segment, offset) tagged in the top bits)
// with bit 31 of word 7 flipped, so that an all-zero cell is a hole and a
// cleared buffer is empty memory: word 7 >> 30 is 0 for a hole, 2 for a
// felt, 3 for a pointer.
//! include field

struct Cell { w: array<u32, 8> }

// One lane: its status, registers, steps, the end pointer's segment, the
// cell it waits for (status HASH) and its segments (1..nseg; 0 is the
// shared program) as (first cell in `mem`, capacity, length) each. Same
// layout as the host's `LaneState`.
struct Lane {
    status: u32,
    pc_seg: u32,
    pc_off: u32,
    ap: u32,
    fp: u32,
    steps: u32,
    end_seg: u32,
    nseg: u32,
    need_seg: u32,
    need_off: u32,
    base: array<u32, 16>,
    cap: array<u32, 16>,
    len: array<u32, 16>,
}

// Lane status (the host's `Stop`, and HASH).
const RUNNING: u32 = 0u;
const DONE: u32 = 1u;
const HINT: u32 = 2u;
const STEP_LIMIT: u32 = 3u;
const MEMORY: u32 = 4u;
const BUILTIN: u32 = 5u;
const GENERAL: u32 = 6u;
// Parked, not stopped: the lane needs the hash cell (need_seg, need_off)
// deduced; a hash shader writes it and sets the lane RUNNING again.
const HASH: u32 = 7u;

fn cell_fe(c: Cell) -> Fe {
    var f: Fe;
    for (var i = 0u; i < 8u; i++) { f.l[i] = c.w[i]; }
    f.l[7] = c.w[7] & 0x7fffffffu;
    return f;
}

fn fe_cell(f: Fe) -> Cell {
    var c: Cell;
    for (var i = 0u; i < 8u; i++) { c.w[i] = f.l[i]; }
    c.w[7] = f.l[7] | 0x80000000u;
    return c;
}
