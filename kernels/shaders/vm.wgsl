// The Cairo 0 VM, one lane (invocation) per run: the host side and the
// whole contract are in kernels/src/vm/gpu/. A lane runs the steps of the
// CPU VM's general path (kernels/src/vm/run.rs) with the same operand
// deduction; anything else it declines *before changing anything* and stops
// with a reason, so the host can finish the run on the CPU from exactly
// that state, or parks (HASH) until a hash shader deduces the cell it needs.
// Cells, lanes and status codes are in vm_lane.wgsl.
//! include vm_lane

struct Params {
    lanes: u32,
    prog_len: u32,
    // Steps each lane may run in this dispatch.
    budget: u32,
    // The most steps a lane runs on the GPU in all.
    max_steps: u32,
    // 1 on a software rasterizer: a step that inverts a felt runs alone in
    // its dispatch (see `vm` below).
    soft: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
    // Per segment: kind | cells per instance << 8 | inputs per instance << 16.
    kinds: array<vec4<u32>, 4>,
}

// Decoded instructions, one per pc: the 15 flag bits (as the word has them
// at bit 48) | VALID | HINTED, then off0, off1, off2 as i32.
@group(0) @binding(0) var<storage, read> code: array<vec4<u32>>;
@group(0) @binding(1) var<storage, read> prog: array<Cell>;
@group(0) @binding(2) var<storage, read_write> mem: array<Cell>;
@group(0) @binding(3) var<storage, read_write> lanes: array<Lane>;
@group(0) @binding(4) var<uniform> params: Params;

// Not a status: the step needs an inversion and must start a dispatch.
const DEFER: u32 = 8u;

const VALID: u32 = 0x10000u;
const HINTED: u32 = 0x20000u;
const EXEC: u32 = 1u;

// Segment kinds.
const K_PLAIN: u32 = 0u;
const K_RANGE_CHECK: u32 = 1u;
const K_BITWISE: u32 = 2u;
// Output cells deduced on the CPU (ec_op, keccak): the lane stops.
const K_CPU: u32 = 3u;
// Output cells deduced by a hash shader (pedersen, poseidon): the lane
// parks (HASH). The permutations stay out of this shader, whose compile
// time on lavapipe they would more than double.
const K_HASH: u32 = 4u;

// Opcodes, res logic and pc updates as decode.rs numbers them.
const OP_CALL: u32 = 1u;
const OP_RET: u32 = 2u;
const OP_ASSERT: u32 = 4u;
const RES_OP1: u32 = 0u;
const RES_ADD: u32 = 1u;
const RES_MUL: u32 = 2u;
const RES_NONE: u32 = 3u;
const PC_JUMP: u32 = 1u;
const PC_JUMP_REL: u32 = 2u;
const PC_JNZ: u32 = 4u;

var<private> L: Lane;
// Writes of one step, made only once the whole step is known to succeed.
var<private> nw: u32;
var<private> wseg: array<u32, 3>;
var<private> woff: array<u32, 3>;
var<private> wval: array<Cell, 3>;
// Whether this step may invert a felt, and whether it did.
var<private> may_heavy: bool;
var<private> heavy: bool;

fn inverse(x: Fe) -> Fe {
    heavy = true;
    return fe_inv(x);
}

fn hole() -> Cell {
    return Cell(array<u32, 8>(0u, 0u, 0u, 0u, 0u, 0u, 0u, 0u));
}

fn is_hole(c: Cell) -> bool { return (c.w[7] >> 30u) == 0u; }
fn is_int(c: Cell) -> bool { return (c.w[7] >> 30u) == 2u; }
// A pointer whose offset fits in 32 bits (the only ones a lane follows).
fn is_ptr(c: Cell) -> bool { return (c.w[7] >> 30u) == 3u && c.w[3] == 0u; }

fn ptr_cell(seg: u32, off: u32) -> Cell {
    var c = hole();
    c.w[0] = seg;
    c.w[2] = off;
    c.w[7] = 0xc0000000u;
    return c;
}

fn cell_eq(a: Cell, b: Cell) -> bool {
    var acc = 0u;
    for (var i = 0u; i < 8u; i++) { acc |= a.w[i] ^ b.w[i]; }
    return acc == 0u;
}

// The canonical integer of a (Montgomery form → plain limbs).
fn fe_canon(a: Fe) -> Fe {
    return fe_mul(a, Fe(array<u32, 8>(1u, 0u, 0u, 0u, 0u, 0u, 0u, 0u)));
}

// The Montgomery form of a canonical integer below p (the host's R2_MOD_P).
fn fe_from_canon(c: Fe) -> Fe {
    return fe_mul(c, Fe(array<u32, 8>(0x7e000401u, 0xfffffd73u, 0x330fffffu, 0x00000001u,
                                      0xff6f8000u, 0xffffffffu, 0x5e008810u, 0x07ffd4abu)));
}

fn high_zero(c: Fe) -> bool {
    var acc = 0u;
    for (var i = 1u; i < 8u; i++) { acc |= c.l[i]; }
    return acc == 0u;
}

// A felt read as a signed offset in (-2^32, 2^32), or `ok` false.
struct Signed { ok: bool, v: i64 }

fn signed_of(c: Cell) -> Signed {
    if (!is_int(c)) { return Signed(false, 0li); }
    let x = fe_canon(cell_fe(c));
    if (high_zero(x)) { return Signed(true, i64(x.l[0])); }
    let n = fe_sub(fe_zero(), x); // p - x
    if (high_zero(n)) { return Signed(true, -i64(n.l[0])); }
    return Signed(false, 0li);
}

fn fits(a: i64) -> bool { return a >= 0li && a <= 0xffffffffli; }

struct Val { ok: bool, v: Cell }

// a + b: felt + felt, pointer + felt, felt + pointer (Value::try_add).
fn add_val(a: Cell, b: Cell) -> Val {
    if (is_int(a) && is_int(b)) { return Val(true, fe_cell(fe_add(cell_fe(a), cell_fe(b)))); }
    var p = a;
    var d = b;
    if (is_int(a)) { p = b; d = a; }
    let s = signed_of(d);
    let o = i64(p.w[2]) + s.v;
    if (!is_ptr(p) || !s.ok || !fits(o)) { return Val(false, hole()); }
    return Val(true, ptr_cell(p.w[0], u32(o)));
}

// a - b: felt - felt, pointer - felt, pointer - pointer in one segment
// (Value::try_sub).
fn sub_val(a: Cell, b: Cell) -> Val {
    if (is_int(a) && is_int(b)) { return Val(true, fe_cell(fe_sub(cell_fe(a), cell_fe(b)))); }
    if (is_ptr(a) && is_int(b)) {
        let s = signed_of(b);
        let o = i64(a.w[2]) - s.v;
        if (!s.ok || !fits(o)) { return Val(false, hole()); }
        return Val(true, ptr_cell(a.w[0], u32(o)));
    }
    if (is_ptr(a) && is_ptr(b) && a.w[0] == b.w[0]) {
        let x = fe_from_canon(Fe(array<u32, 8>(a.w[2], 0u, 0u, 0u, 0u, 0u, 0u, 0u)));
        let y = fe_from_canon(Fe(array<u32, 8>(b.w[2], 0u, 0u, 0u, 0u, 0u, 0u, 0u)));
        return Val(true, fe_cell(fe_sub(x, y)));
    }
    return Val(false, hole());
}

fn kind_of(seg: u32) -> u32 {
    if (seg >= 16u) { return K_PLAIN; }
    return params.kinds[seg / 4u][seg % 4u];
}

fn load_cell(seg: u32, off: u32) -> Cell {
    if (seg == 0u) {
        if (off < params.prog_len) { return prog[off]; }
        return hole();
    }
    if (seg >= L.nseg || off >= L.cap[seg]) { return hole(); }
    return mem[L.base[seg] + off];
}

fn push_write(seg: u32, off: u32, v: Cell) {
    wseg[nw] = seg;
    woff[nw] = off;
    wval[nw] = v;
    nw += 1u;
}

// Makes the step's writes, or none of them: two writes to one cell, a
// segment the lane does not hold, a cell past its capacity or a range-check
// value out of range stop the lane instead.
fn commit() -> u32 {
    for (var i = 0u; i < nw; i++) {
        for (var j = 0u; j < i; j++) {
            if (wseg[i] == wseg[j] && woff[i] == woff[j]) { return GENERAL; }
        }
        let s = wseg[i];
        if (s == 0u || s >= L.nseg) { return GENERAL; }
        if (woff[i] >= L.cap[s]) { return MEMORY; }
        if ((kind_of(s) & 0xffu) == K_RANGE_CHECK) {
            let v = wval[i];
            if (!is_int(v)) { return GENERAL; }
            let c = fe_canon(cell_fe(v));
            if ((c.l[4] | c.l[5] | c.l[6] | c.l[7]) != 0u) { return GENERAL; }
        }
    }
    for (var i = 0u; i < nw; i++) {
        let s = wseg[i];
        mem[L.base[s] + woff[i]] = wval[i];
        L.len[s] = max(L.len[s], woff[i] + 1u);
    }
    return RUNNING;
}

// What a builtin deduces for an unknown cell: `found` with the value, not
// found (an input cell, or inputs not all known), or a stop.
struct Deduced { status: u32, found: bool, v: Cell }

fn deduce_builtin(seg: u32, off: u32) -> Deduced {
    let k = kind_of(seg);
    let kind = k & 0xffu;
    let cells = (k >> 8u) & 0xffu;
    let inputs = k >> 16u;
    if (kind == K_PLAIN || kind == K_RANGE_CHECK || cells == 0u) { return Deduced(RUNNING, false, hole()); }
    let idx = off % cells;
    if (idx < inputs) { return Deduced(RUNNING, false, hole()); }
    if (kind == K_CPU) { return Deduced(BUILTIN, false, hole()); }
    // The instance's inputs, in order (builtins.rs, `deduce`).
    var xs: array<Fe, 3>;
    for (var i = 0u; i < inputs; i++) {
        let c = load_cell(seg, off - idx + i);
        if (is_hole(c)) { return Deduced(RUNNING, false, hole()); }
        if (!is_int(c)) { return Deduced(GENERAL, false, hole()); }
        xs[i] = cell_fe(c);
    }
    if (kind == K_HASH) {
        // The hash shader writes the cell, so it must fit the segment.
        if (off >= L.cap[seg]) { return Deduced(MEMORY, false, hole()); }
        L.need_seg = seg;
        L.need_off = off;
        return Deduced(HASH, false, hole());
    }
    // bitwise: (x, y, x & y, x ^ y, x | y) on the canonical integers.
    for (var i = 0u; i < 2u; i++) {
        xs[i] = fe_canon(xs[i]);
        if (xs[i].l[7] >= 0x08000000u) { return Deduced(GENERAL, false, hole()); } // ≥ 2^251
    }
    var r: Fe;
    for (var i = 0u; i < 8u; i++) {
        let a = xs[0].l[i];
        let b = xs[1].l[i];
        r.l[i] = select(select(a | b, a ^ b, idx == 3u), a & b, idx == 2u);
    }
    return Deduced(RUNNING, true, fe_cell(fe_from_canon(r)));
}

// One step of the general path (run.rs, `slow_step`): RUNNING when it ran,
// else why the lane stops, with nothing changed.
fn step() -> u32 {
    if (L.pc_seg != 0u || L.pc_off >= params.prog_len) { return GENERAL; }
    let ins = code[L.pc_off];
    let f = ins.x;
    if ((f & VALID) == 0u) { return GENERAL; }
    nw = 0u;
    let op1_src = (f >> 2u) & 7u;
    let pc_upd = (f >> 7u) & 7u;
    let res_l = select((f >> 5u) & 3u, RES_NONE, pc_upd == PC_JNZ);
    let ap_upd = (f >> 10u) & 3u;
    let opc = (f >> 12u) & 7u;
    let size = select(1u, 2u, op1_src == 1u);
    let dst_a = i64(select(L.ap, L.fp, (f & 1u) != 0u)) + i64(bitcast<i32>(ins.y));
    let op0_a = i64(select(L.ap, L.fp, (f & 2u) != 0u)) + i64(bitcast<i32>(ins.z));
    if (!fits(dst_a) || !fits(op0_a)) { return GENERAL; }
    let dst_m = load_cell(EXEC, u32(dst_a));
    let op0_m = load_cell(EXEC, u32(op0_a));
    let off2 = i64(bitcast<i32>(ins.w));
    var op1_seg = EXEC;
    var op1_o = 0li;
    switch op1_src {
        case 1u: { op1_seg = L.pc_seg; op1_o = i64(L.pc_off) + 1li; }
        case 2u: { op1_o = i64(L.fp) + off2; }
        case 4u: { op1_o = i64(L.ap) + off2; }
        default: {
            if (!is_ptr(op0_m)) { return GENERAL; }
            op1_seg = op0_m.w[0];
            op1_o = i64(op0_m.w[2]) + off2;
        }
    }
    if (!fits(op1_o)) { return GENERAL; }
    let op1_a = u32(op1_o);
    let op1_m = load_cell(op1_seg, op1_a);
    let ret_pc = ptr_cell(L.pc_seg, L.pc_off + size);

    // op0 (in the execution segment, which no builtin owns), then op1: a
    // builtin's deduction first, then the instruction's. At most one of
    // them is a quotient (dst / the other), computed once below.
    var res = hole();
    var op0 = op0_m;
    var quotient_of = 0u; // 1: op0, 2: op1
    var divisor: Fe;
    if (is_hole(op0)) {
        if (opc == OP_CALL) {
            op0 = ret_pc;
        } else if (opc == OP_ASSERT && res_l == RES_ADD && !is_hole(dst_m) && !is_hole(op1_m)) {
            let d = sub_val(dst_m, op1_m);
            if (!d.ok) { return GENERAL; }
            op0 = d.v;
            res = dst_m;
        } else if (opc == OP_ASSERT && res_l == RES_MUL && is_int(dst_m) && is_int(op1_m)
                   && !fe_is_zero(cell_fe(op1_m))) {
            res = dst_m;
            quotient_of = 1u;
            divisor = cell_fe(op1_m);
        } else {
            return GENERAL;
        }
    }
    var op1 = op1_m;
    if (is_hole(op1)) {
        let b = deduce_builtin(op1_seg, op1_a);
        if (b.status != RUNNING) { return b.status; }
        if (b.found) {
            op1 = b.v;
        } else {
            if (opc != OP_ASSERT || is_hole(dst_m)) { return GENERAL; }
            switch res_l {
                case RES_OP1: {
                    op1 = dst_m;
                    if (is_hole(res)) { res = dst_m; }
                }
                case RES_ADD: {
                    if (is_hole(res)) { res = dst_m; }
                    let d = sub_val(dst_m, op0);
                    if (!d.ok) { return GENERAL; }
                    op1 = d.v;
                }
                case RES_MUL: {
                    if (!is_int(dst_m) || !is_int(op0) || fe_is_zero(cell_fe(op0))) { return GENERAL; }
                    if (is_hole(res)) { res = dst_m; }
                    quotient_of = 2u;
                    divisor = cell_fe(op0);
                }
                default: { return GENERAL; }
            }
        }
    }
    if (quotient_of != 0u) {
        if (!may_heavy) { return DEFER; }
        let q = fe_cell(fe_mul(cell_fe(dst_m), inverse(divisor)));
        if (quotient_of == 1u) { op0 = q; } else { op1 = q; }
    }
    if (is_hole(op0_m)) { push_write(EXEC, u32(op0_a), op0); }
    if (is_hole(op1_m)) { push_write(op1_seg, op1_a, op1); }

    if (is_hole(res)) {
        switch res_l {
            case RES_OP1: { res = op1; }
            case RES_ADD: {
                let s = add_val(op0, op1);
                if (!s.ok) { return GENERAL; }
                res = s.v;
            }
            case RES_MUL: {
                if (!is_int(op0) || !is_int(op1)) { return GENERAL; }
                res = fe_cell(fe_mul(cell_fe(op0), cell_fe(op1)));
            }
            default: {}
        }
    }

    var dst = dst_m;
    if (is_hole(dst)) {
        if (opc == OP_ASSERT && !is_hole(res)) {
            dst = res;
        } else if (opc == OP_CALL) {
            dst = ptr_cell(EXEC, L.fp);
        } else {
            return GENERAL;
        }
        push_write(EXEC, u32(dst_a), dst);
    }
    if (opc == OP_ASSERT && (is_hole(res) || !cell_eq(res, dst))) { return GENERAL; }
    if (opc == OP_CALL && (!cell_eq(op0, ret_pc) || !cell_eq(dst, ptr_cell(EXEC, L.fp)))) { return GENERAL; }

    // fp, from the registers before this step.
    var fp = i64(L.fp);
    if (opc == OP_CALL) {
        fp = i64(L.ap) + 2li;
    } else if (opc == OP_RET) {
        if (is_ptr(dst)) {
            fp = i64(dst.w[2]);
        } else if (is_int(dst)) {
            let c = fe_canon(cell_fe(dst));
            if (!high_zero(c)) { return GENERAL; }
            fp = i64(c.l[0]);
        } else {
            return GENERAL;
        }
    }
    // ap
    var ap = i64(L.ap);
    switch ap_upd {
        case 1u: {
            let d = signed_of(res);
            if (!d.ok) { return GENERAL; }
            ap += d.v;
        }
        case 2u: { ap += 1li; }
        default: {
            if (opc == OP_CALL) { ap += 2li; }
        }
    }
    // pc
    var pc_seg = L.pc_seg;
    var pc = i64(L.pc_off) + i64(size);
    switch pc_upd {
        case PC_JUMP: {
            if (!is_ptr(res)) { return GENERAL; }
            pc_seg = res.w[0];
            pc = i64(res.w[2]);
        }
        case PC_JUMP_REL: {
            let d = signed_of(res);
            if (!d.ok) { return GENERAL; }
            pc = i64(L.pc_off) + d.v;
        }
        case PC_JNZ: {
            if (!(is_int(dst) && fe_is_zero(cell_fe(dst)))) {
                let d = signed_of(op1);
                if (!d.ok) { return GENERAL; }
                pc = i64(L.pc_off) + d.v;
            }
        }
        default: {}
    }
    if (!fits(fp) || !fits(ap) || !fits(pc)) { return GENERAL; }
    let written = commit();
    if (written != RUNNING) { return written; }
    L.fp = u32(fp);
    L.ap = u32(ap);
    L.pc_seg = pc_seg;
    L.pc_off = u32(pc);
    L.steps += 1u;
    return RUNNING;
}

fn at_end() -> bool {
    return L.pc_seg == L.end_seg && L.pc_off == 0u;
}

// Runs up to `budget` steps of lane `li`. On a software rasterizer
// (Mesa's llvmpipe) every loop nested in one outermost loop shares one
// budget of 65535 iterations, after which all of them exit early, the
// field arithmetic's inner loops included: the host keeps `budget` small
// there, and a step that inverts a felt (about 30000 iterations by itself)
// runs alone in its dispatch.
@compute @workgroup_size(64)
fn vm(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let li = gid.x + gid.y * nwg.x * 64u;
    if (li >= params.lanes) { return; }
    L = lanes[li];
    if (L.status != RUNNING) { return; }
    var status = RUNNING;
    for (var i = 0u; i < params.budget; i++) {
        if (at_end()) { status = DONE; break; }
        if (L.steps >= params.max_steps) { status = STEP_LIMIT; break; }
        if (L.pc_seg == 0u && L.pc_off < params.prog_len && (code[L.pc_off].x & HINTED) != 0u) {
            status = HINT;
            break;
        }
        may_heavy = params.soft == 0u || i == 0u;
        heavy = false;
        let s = step();
        if (s == DEFER) { break; }
        status = s;
        if (status != RUNNING || (heavy && params.soft != 0u)) { break; }
    }
    if (status == RUNNING && at_end()) { status = DONE; }
    L.status = status;
    lanes[li] = L;
}
