//! Cairo VM lanes on the GPU: `shaders/vm.wgsl`, one invocation (a *lane*)
//! per run, many independent runs of one program per dispatch; the hash
//! builtins' cells are deduced on the device too (`hashes.rs`).
//!
//! * **The program** is uploaded once and stays resident ([`LanesGpu`]
//!   keeps the last one): its words as cells (the program segment, shared
//!   by every lane, read-only) and one decoded instruction per pc (the flag
//!   bits, whether it decodes, whether hints run there, and the three
//!   offsets). Decoding is the CPU VM's own [`decode`](super::decode).
//! * **Memory**: each lane's segments (execution, builtins, arguments, …;
//!   all but the program's) lie in a lane-private region of one large
//!   buffer, each with a capacity fixed before the run ([`LaneConfig`]);
//!   every access is bounds-checked against it. Cells are the CPU VM's
//!   packed cells (felts in Montgomery form, pointers as (segment, offset))
//!   with one bit flipped so that a cleared buffer reads as holes.
//! * **A step** is the CPU VM's general path (`run.rs`): operands read or
//!   deduced (bitwise by the lane itself; range-check writes validated),
//!   res, the opcode's assertion, fp, ap, pc, write-once memory, felt
//!   arithmetic from `field.wgsl`. A lane never fails a step: what it
//!   cannot do (hints at pc, a full segment, its step budget, a builtin
//!   deduced only on the CPU, and anything unusual, errors included) stops
//!   it *before* the step, with a [`Stop`] reason, its registers and its
//!   memory. [`run_lanes`] hands each lane back as a [`Paused`] run, and
//!   [`super::batch`] finishes it on the CPU VM from there, so every run
//!   ends exactly as it would on the CPU.
//! * **Dispatches** run at most [`LaneConfig::dispatch_steps`] steps per
//!   lane; only the lanes' small state blocks are read back between them,
//!   and memory once at the end (each segment up to its length). On a
//!   software rasterizer (lavapipe) a dispatch runs at most
//!   `SOFTWARE_DISPATCH_STEPS` steps per lane and a step that inverts a
//!   felt runs alone in its dispatch (see `vm.wgsl`).
//! * **Builtins in the lanes**: output and ecdsa cells are plain memory,
//!   range-check writes are validated, bitwise cells are deduced by the
//!   lane. A pedersen or poseidon output cell that a step reads while it is
//!   unknown, its inputs known, *parks* the lane (status `HASH`, the cell
//!   named in its state block; nothing else changed). Before the next
//!   dispatch the host lists the parked lanes from the state blocks it
//!   reads anyway, and one small pass per hash (`vm_pedersen.wgsl`,
//!   `vm_poseidon.wgsl`, over the hash shaders' cores and resident tables)
//!   reads each lane's inputs from lane memory, writes the deduced cell
//!   into it and sets the lane running: the cell never crosses to the
//!   host, and the lane redoes the step finding it known, as the CPU VM
//!   would after deducing it (`hashes.rs`). The permutations stay out of
//!   `vm.wgsl`, whose compile time on lavapipe (where CI runs it) they
//!   would more than double; each hash pass compiles only when a lane
//!   first parks on it. ec_op and keccak cells are deduced on the CPU: the
//!   lane stops with [`Stop::Builtin`].
//!
//! ```text
//!            ┌──────── vm dispatch ◄──────────────┐
//!            ▼                                    │
//!   read back state blocks ── any RUNNING ────────┤
//!            │                                    │
//!            │ any HASH: pedersen / poseidon pass ┘ (lanes RUNNING again)
//!            ▼
//!   none RUNNING or HASH: read back memory, hand back Paused runs
//! ```
//!
//! [`LaneReport`] counts the lanes by how they stopped, the steps run on
//! the GPU, the hashes deduced on it and the lane efficiency: steps
//! executed ÷ lane-steps issued, where a group of [`WARP`] consecutive
//! lanes issues, per dispatch, its longest lane's steps for each of its
//! lanes.

mod hashes;

use super::batch::{LaneConfig, LaneReport, Stop, MAX_SEGMENTS, WARP};
use super::builtins::Builtin;
use super::decode;
use super::memory::{Cell, Memory, Relocatable};
use super::pause::Paused;
use super::program::Program;
use super::run::PROG;
use crate::gpu::{GpuContext, GpuError, Kernel};
use crate::hash::gpu_batch::{dispatch, Dispatch};
use std::sync::{Arc, Mutex};

const WG: u32 = 64;
const CELL_BYTES: u64 = 32;
/// `vm_lane.wgsl`'s status codes the host acts on.
const RUNNING: u32 = 0;
const HASH: u32 = 7;
const VALID: u32 = 0x10000;
const HINTED: u32 = 0x20000;
/// Steps per lane per dispatch on a software rasterizer. llvmpipe ends
/// every loop nested in an outermost loop once they have run 65535
/// iterations together (see `vm.wgsl`); a step runs at most about 1500
/// (a dozen field products, each about a hundred), so 32 steps stay well
/// inside that.
const SOFTWARE_DISPATCH_STEPS: u32 = 32;

/// One lane's state block, as `vm.wgsl`'s `Lane`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
struct LaneState {
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
    base: [u32; MAX_SEGMENTS],
    cap: [u32; MAX_SEGMENTS],
    len: [u32; MAX_SEGMENTS],
}

/// The uniform block, as `vm.wgsl`'s `Params`.
#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct Params {
    lanes: u32,
    prog_len: u32,
    budget: u32,
    max_steps: u32,
    soft: u32,
    pad: [u32; 3],
    kinds: [u32; MAX_SEGMENTS],
}

/// The reason for the status code the shader wrote. Statuses 0 (still
/// running) and 7 (parked) cannot come back: the lanes run until none is.
fn stop_of(status: u32) -> Stop {
    match status {
        1 => Stop::Finished,
        2 => Stop::Hint,
        3 => Stop::StepLimit,
        4 => Stop::Memory,
        5 => Stop::Builtin,
        _ => Stop::General,
    }
}

/// A cell as the lanes keep it: eight u32 words, bit 31 of the last flipped
/// (so zero is a hole).
fn to_gpu(c: Cell) -> [u32; 8] {
    let w = c.words();
    let mut out: [u32; 8] = std::array::from_fn(|i| (w[i / 2] >> (32 * (i % 2))) as u32);
    out[7] ^= 1 << 31;
    out
}

fn from_gpu(g: &[u32]) -> Option<Cell> {
    let w: [u64; 4] = std::array::from_fn(|i| u64::from(g[2 * i]) | u64::from(g[2 * i + 1]) << 32);
    Cell::from_words([w[0], w[1], w[2], w[3] ^ 1 << 63])
}

/// The kinds word of a segment owned by `b` (see `vm.wgsl`'s `Params`).
fn kind_word(b: Builtin) -> u32 {
    let (kind, cells, inputs) = match b {
        Builtin::Output | Builtin::Ecdsa => (0, 0, 0),
        Builtin::RangeCheck => (1, 0, 0),
        Builtin::Bitwise => (2, 5, 2),
        Builtin::Pedersen => (4, 3, 2),
        Builtin::EcOp => (3, 7, 5),
        Builtin::Keccak => (3, 16, 8),
        Builtin::Poseidon => (4, 6, 3),
    };
    kind | cells << 8 | inputs << 16
}

/// A program as the lanes see it, resident on the device.
struct ResidentProgram {
    key: (usize, u64),
    len: u32,
    code: wgpu::Buffer,
    prog: wgpu::Buffer,
}

impl ResidentProgram {
    fn key(program: &Program) -> (usize, u64) {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for f in &program.data {
            f.0.hash(&mut h);
        }
        for (pc, hs) in program.hints.iter().enumerate() {
            (!hs.is_empty()).then_some(pc).hash(&mut h);
        }
        (program.data.len(), h.finish())
    }

    fn upload(ctx: &GpuContext, program: &Program) -> ResidentProgram {
        let mut code: Vec<[u32; 4]> = Vec::with_capacity(program.data.len());
        let mut prog: Vec<[u32; 8]> = Vec::with_capacity(program.data.len());
        for (pc, f) in program.data.iter().enumerate() {
            prog.push(to_gpu(Cell::from_fe(*f)));
            let hinted = if program.hints.get(pc).is_some_and(|h| !h.is_empty()) { HINTED } else { 0 };
            let c = f.to_canonical();
            let decoded = (c[1] | c[2] | c[3] == 0).then(|| decode::decode(c[0]).ok()).flatten();
            code.push(match decoded {
                Some(ins) => {
                    let off = |o: i64| o as i32 as u32;
                    let flags = ((c[0] >> 48) & 0x7fff) as u32 | VALID | hinted;
                    [flags, off(ins.off0), off(ins.off1), off(ins.off2)]
                }
                None => [hinted, 0, 0, 0],
            });
        }
        ResidentProgram {
            key: ResidentProgram::key(program),
            len: program.data.len() as u32,
            code: ctx.resident_buffer("vm code", bytemuck::cast_slice(&code)),
            prog: ctx.resident_buffer("vm program segment", bytemuck::cast_slice(&prog)),
        }
    }
}

/// The lanes' pipeline, and the program last run (kept resident).
pub struct LanesGpu {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    program: Mutex<Option<Arc<ResidentProgram>>>,
}

impl Kernel for LanesGpu {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let layout = ctx.storage_layout("vm layout", 2, 4, true);
        let pipeline = ctx.compute_pipeline("vm", "vm", &layout)?;
        Ok(LanesGpu { layout, pipeline, program: Mutex::new(None) })
    }
}

impl LanesGpu {
    fn resident(&self, ctx: &GpuContext, program: &Program) -> Arc<ResidentProgram> {
        let mut slot = self.program.lock().unwrap_or_else(|e| e.into_inner());
        let key = ResidentProgram::key(program);
        match slot.as_ref() {
            Some(p) if p.key == key => p.clone(),
            _ => slot.insert(Arc::new(ResidentProgram::upload(ctx, program))).clone(),
        }
    }
}

/// The lane's state block for `p` with its segments from cell `base` on,
/// and the cells it takes; `None` if the lanes cannot hold it.
fn place(p: &Paused, cfg: &LaneConfig, base: u64) -> Option<(LaneState, u64)> {
    let nseg = p.memory.num_segments();
    let small = |v: u64| u32::try_from(v).ok();
    if nseg > MAX_SEGMENTS || p.pc.segment != PROG || p.end.offset != 0 || p.end.segment as usize >= nseg {
        return None;
    }
    let mut st = LaneState {
        status: 0,
        pc_seg: PROG,
        pc_off: small(p.pc.offset)?,
        ap: small(p.ap)?,
        fp: small(p.fp)?,
        steps: small(p.steps)?,
        end_seg: p.end.segment,
        nseg: nseg as u32,
        need_seg: 0,
        need_off: 0,
        base: [0; MAX_SEGMENTS],
        cap: [0; MAX_SEGMENTS],
        len: [0; MAX_SEGMENTS],
    };
    let mut at = base;
    for s in 1..nseg {
        let len = p.memory.segment_len(s) as u64;
        let extra = if s == 1 { cfg.exec_cells } else { cfg.segment_cells };
        let cap = len + u64::from(extra);
        (st.base[s], st.cap[s], st.len[s]) = (small(at)?, small(cap)?, len as u32);
        at += cap;
    }
    small(at)?;
    Some((st, at - base))
}

/// Runs each of `runs` (paused runs of `program`, usually before their
/// first step) on its own lane until it ends or stops, and hands each back
/// with why it stopped (see the module docs).
pub fn run_lanes(
    ctx: &GpuContext,
    program: &Program,
    runs: Vec<Paused>,
    cfg: &LaneConfig,
) -> Result<(Vec<(Paused, Stop)>, LaneReport), GpuError> {
    let k = ctx.kernel::<LanesGpu>()?;
    let resident = k.resident(ctx, program);
    let limit = cfg.max_bytes.min(ctx.limits.max_storage_buffer_binding_size).min(ctx.limits.max_buffer_size);
    let mut report = LaneReport::default();
    let mut out: Vec<(Paused, Stop)> = Vec::with_capacity(runs.len());
    let mut group: Vec<(Paused, LaneState)> = Vec::new();
    let mut cells = 0u64;
    for p in runs {
        let mut placed = place(&p, cfg, cells).filter(|(_, n)| (cells + n) * CELL_BYTES <= limit);
        if placed.is_none() && !group.is_empty() {
            out.extend(run_group(ctx, &k, &resident, std::mem::take(&mut group), cells, cfg, &mut report)?);
            cells = 0;
            placed = place(&p, cfg, 0).filter(|(_, n)| n * CELL_BYTES <= limit);
        }
        match placed {
            Some((st, n)) => {
                group.push((p, st));
                cells += n;
            }
            None => {
                report.stops[Stop::NotPlaced.index()] += 1;
                out.push((p, Stop::NotPlaced));
            }
        }
    }
    if !group.is_empty() {
        out.extend(run_group(ctx, &k, &resident, group, cells, cfg, &mut report)?);
    }
    Ok((out, report))
}

/// Runs one group of placed lanes (`cells` cells of memory in all).
fn run_group(
    ctx: &GpuContext,
    k: &LanesGpu,
    resident: &ResidentProgram,
    lanes: Vec<(Paused, LaneState)>,
    cells: u64,
    cfg: &LaneConfig,
    report: &mut LaneReport,
) -> Result<Vec<(Paused, Stop)>, GpuError> {
    let n = lanes.len();
    let mem = ctx.storage_buffer("vm lane memory", cells * CELL_BYTES);
    let mut enc = ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("vm clear") });
    enc.clear_buffer(&mem, 0, None);
    ctx.queue.submit([enc.finish()]);
    for (p, st) in &lanes {
        for s in 1..st.nseg as usize {
            let words: Vec<[u32; 8]> = p.memory.segment_cells(s).iter().map(|&c| to_gpu(c)).collect();
            ctx.upload_at(&mem, u64::from(st.base[s]) * CELL_BYTES, bytemuck::cast_slice(&words));
        }
    }
    let mut states: Vec<LaneState> = lanes.iter().map(|(_, st)| *st).collect();
    let state_buf = ctx.resident_buffer("vm lane states", bytemuck::cast_slice(&states));
    let mut kinds = [0u32; MAX_SEGMENTS];
    for &(b, s) in &lanes[0].0.builtin_segments {
        if let Some(slot) = kinds.get_mut(s as usize) {
            *slot = kind_word(b);
        }
    }
    let software = ctx.info.device_type == wgpu::DeviceType::Cpu;
    let budget = if software { cfg.dispatch_steps.min(SOFTWARE_DISPATCH_STEPS) } else { cfg.dispatch_steps };
    let params = Params {
        lanes: n as u32,
        prog_len: resident.len,
        budget: budget.max(1),
        max_steps: cfg.max_steps,
        soft: software.into(),
        pad: [0; 3],
        kinds,
    };
    let params_buf = ctx.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some("vm params"),
        size: std::mem::size_of::<Params>() as u64,
        usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
        mapped_at_creation: false,
    });
    ctx.upload(&params_buf, bytemuck::bytes_of(&params));
    let buffers = [&resident.code, &resident.prog, &mem, &state_buf, &params_buf];
    let pass = Dispatch {
        label: "vm lanes",
        pipeline: &k.pipeline,
        layout: &k.layout,
        buffers: &buffers,
        threads: n as u32,
        wg: WG,
    };
    let state_bytes = (n * std::mem::size_of::<LaneState>()) as u64;
    let mut hash_step = hashes::HashStep::new(&lanes[0].0.builtin_segments, n, &mem, &state_buf);
    while states.iter().any(|s| s.status == RUNNING || s.status == HASH) {
        hash_step.run(ctx, &mut states, report)?;
        let before: Vec<u32> = states.iter().map(|s| s.steps).collect();
        if let Some(t) = dispatch(ctx, &pass)? {
            *report.kernel_s.get_or_insert(0.0) += t;
        }
        states = bytemuck::pod_collect_to_vec(&ctx.read_back(&state_buf, state_bytes)?);
        report.dispatches += 1;
        for (group, was) in states.chunks(WARP).zip(before.chunks(WARP)) {
            let ran = group.iter().zip(was).map(|(s, w)| u64::from(s.steps - w));
            report.gpu_steps += ran.clone().sum::<u64>();
            report.issued += ran.max().unwrap_or(0) * group.len() as u64;
        }
    }
    let ranges: Vec<(u64, u64)> = states
        .iter()
        .flat_map(|st| {
            (1..st.nseg as usize).map(|s| (u64::from(st.base[s]) * CELL_BYTES, u64::from(st.len[s]) * CELL_BYTES))
        })
        .collect();
    let bytes = ctx.read_back_ranges(&mem, &ranges)?;
    let words: &[u32] = bytemuck::cast_slice(&bytes);
    let mut at = 0;
    let mut out = Vec::with_capacity(n);
    for ((p, _), st) in lanes.into_iter().zip(&states) {
        let mut segments = vec![p.memory.segment_cells(PROG as usize).to_vec()];
        for s in 1..st.nseg as usize {
            let len = st.len[s] as usize * 8;
            let seg =
                words[at..at + len].chunks(8).map(from_gpu).collect::<Option<Vec<Cell>>>().ok_or(GpuError::Device {
                    what: "vm lanes",
                    detail: format!("lane memory holds an invalid cell (segment {s})"),
                })?;
            segments.push(seg);
            at += len;
        }
        let stop = stop_of(st.status);
        report.stops[stop.index()] += 1;
        let paused = Paused {
            memory: Memory::from_segments(segments),
            pc: Relocatable::new(st.pc_seg, u64::from(st.pc_off)),
            ap: u64::from(st.ap),
            fp: u64::from(st.fp),
            steps: u64::from(st.steps),
            ..p
        };
        out.push((paused, stop));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::Fe;
    use crate::vm::memory::Value;

    #[test]
    fn cells_round_trip_through_the_lane_encoding() {
        let cells = [
            Cell::HOLE,
            Cell::from_fe(Fe::ZERO),
            Cell::from_fe(Fe::from_u64(7).neg()),
            Cell::pack(Value::Rel(Relocatable::new(3, 40))),
        ];
        for c in cells {
            assert_eq!(from_gpu(&to_gpu(c)), Some(c));
        }
        assert_eq!(to_gpu(Cell::HOLE), [0; 8], "a cleared buffer is holes");
        assert_eq!(to_gpu(Cell::from_fe(Fe::ZERO))[7], 1 << 31);
        assert_eq!(from_gpu(&[u32::MAX; 8]), None);
    }

    #[test]
    fn stops_have_the_shaders_codes() {
        // vm_lane.wgsl: RUNNING 0, DONE 1, HINT 2, STEP_LIMIT 3, MEMORY 4, BUILTIN 5, GENERAL 6, HASH 7.
        assert_eq!(stop_of(1), Stop::Finished);
        assert_eq!(stop_of(2), Stop::Hint);
        assert_eq!(stop_of(6), Stop::General);
        assert_eq!(stop_of(0), Stop::General);
        assert_eq!(stop_of(99), Stop::General);
        assert_eq!(std::mem::size_of::<LaneState>(), 58 * 4);
    }
}
