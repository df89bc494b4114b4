//! The hash builtins' cells for parked lanes, deduced on the device.
//!
//! A lane that reads an unknown pedersen or poseidon output cell whose
//! inputs are known parks (status `HASH`) with the cell in its state block
//! (`need_seg`, `need_off`). Between two dispatches [`HashStep::run`] lists
//! the parked lanes of each hash (from the state blocks the host reads
//! after every dispatch anyway), uploads the lists and runs one pass per
//! hash: `shaders/vm_pedersen.wgsl` or `shaders/vm_poseidon.wgsl`, one
//! lane per invocation, reads the instance's inputs from lane memory,
//! hashes them with the hash shaders' cores (`pedersen_core.wgsl` over the
//! resident fixed-base tables, `poseidon_core.wgsl` over the resident
//! round constants), writes the cell into lane memory and sets the lane
//! running. Nothing of lane memory crosses to the host. The next dispatch
//! redoes the step with the cell known, which is where the CPU VM stands
//! after deducing it: the cell holds the same value and the step writes
//! nothing else there.

use super::{LaneState, HASH, RUNNING, WG};
use crate::gpu::{GpuContext, GpuError, Kernel};
use crate::hash::gpu_batch::{dispatch, params_buffer, Dispatch};
use crate::hash::pedersen::gpu::PedersenTable;
use crate::hash::pedersen::INPUT_LEN;
use crate::hash::poseidon::gpu::PoseidonConstants;
use crate::vm::batch::{LaneReport, MAX_SEGMENTS};
use crate::vm::builtins::Builtin;

/// One hash's pass over parked lanes: its pipeline and its resident table.
struct LaneHash {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    /// The fixed-base tables (pedersen) or the round constants (poseidon).
    table: wgpu::Buffer,
}

impl LaneHash {
    fn build(ctx: &GpuContext, name: &'static str, table: wgpu::Buffer) -> Result<LaneHash, GpuError> {
        let layout = ctx.storage_layout(name, 2, 4, true);
        let pipeline = ctx.compute_pipeline(name, name, &layout)?;
        Ok(LaneHash { layout, pipeline, table })
    }
}

/// The pedersen pass (`vm_pedersen.wgsl`).
struct LanePedersen(LaneHash);

impl Kernel for LanePedersen {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let table = ctx.kernel::<PedersenTable>()?.0.clone();
        Ok(LanePedersen(LaneHash::build(ctx, "vm_pedersen", table)?))
    }
}

/// The poseidon pass (`vm_poseidon.wgsl`).
struct LanePoseidon(LaneHash);

impl Kernel for LanePoseidon {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let constants = ctx.kernel::<PoseidonConstants>()?.0.clone();
        Ok(LanePoseidon(LaneHash::build(ctx, "vm_poseidon", constants)?))
    }
}

/// The hashes the lanes deduce on the device, in [`HashStep`]'s order.
const HASHES: [Builtin; 2] = [Builtin::Pedersen, Builtin::Poseidon];

/// The buffers of one hash's passes over one group of lanes.
struct Pass {
    /// The parked lanes' indices.
    parked: wgpu::Buffer,
    params: wgpu::Buffer,
}

/// The hash passes of one group of lanes (sharing its memory and state
/// buffers), their buffers made on first use.
pub(super) struct HashStep<'a> {
    /// The hash (index in [`HASHES`]) whose cells each segment holds.
    segment_hash: [Option<usize>; MAX_SEGMENTS],
    mem: &'a wgpu::Buffer,
    states: &'a wgpu::Buffer,
    /// Lanes in the group.
    lanes: u64,
    passes: [Option<Pass>; 2],
}

impl<'a> HashStep<'a> {
    /// The passes for `lanes` lanes with these builtin segments, memory
    /// `mem` and state blocks `states`.
    pub(super) fn new(
        builtin_segments: &[(Builtin, u32)],
        lanes: usize,
        mem: &'a wgpu::Buffer,
        states: &'a wgpu::Buffer,
    ) -> HashStep<'a> {
        let mut segment_hash = [None; MAX_SEGMENTS];
        for &(b, s) in builtin_segments {
            if let Some(slot) = segment_hash.get_mut(s as usize) {
                *slot = HASHES.iter().position(|&h| h == b);
            }
        }
        HashStep { segment_hash, mem, states, lanes: lanes as u64, passes: [None, None] }
    }

    /// Deduces the cells the parked lanes of `states` wait for, on the
    /// device, and marks those lanes running (here and in the device's
    /// state blocks). Does nothing when no lane is parked.
    pub(super) fn run(
        &mut self,
        ctx: &GpuContext,
        states: &mut [LaneState],
        report: &mut LaneReport,
    ) -> Result<(), GpuError> {
        let mut parked: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
        for (i, st) in states.iter_mut().enumerate().filter(|(_, st)| st.status == HASH) {
            let hash =
                self.segment_hash.get(st.need_seg as usize).copied().flatten().ok_or_else(|| GpuError::Device {
                    what: "vm lanes",
                    detail: format!("lane {i} parked on segment {}, which no hash owns", st.need_seg),
                })?;
            parked[hash].push(i as u32);
            st.status = RUNNING;
        }
        for (h, list) in parked.iter().enumerate().filter(|(_, l)| !l.is_empty()) {
            match HASHES[h] {
                Builtin::Pedersen => self.pass(ctx, &ctx.kernel::<LanePedersen>()?.0, h, list, report)?,
                _ => self.pass(ctx, &ctx.kernel::<LanePoseidon>()?.0, h, list, report)?,
            }
        }
        Ok(())
    }

    /// One pass of hash `h` (in [`HASHES`]) over the lanes in `list`.
    fn pass(
        &mut self,
        ctx: &GpuContext,
        k: &LaneHash,
        h: usize,
        list: &[u32],
        report: &mut LaneReport,
    ) -> Result<(), GpuError> {
        let lanes = self.lanes;
        let pass = self.passes[h].get_or_insert_with(|| Pass {
            parked: ctx.storage_buffer("vm parked lanes", lanes * 4),
            params: params_buffer(ctx, "vm hash params"),
        });
        ctx.upload(&pass.parked, bytemuck::cast_slice(list));
        ctx.upload(&pass.params, bytemuck::cast_slice(&[list.len() as u32, INPUT_LEN as u32, 0, 0]));
        let d = Dispatch {
            label: if h == 0 { "vm lanes pedersen" } else { "vm lanes poseidon" },
            pipeline: &k.pipeline,
            layout: &k.layout,
            buffers: &[&k.table, &pass.parked, self.mem, self.states, &pass.params],
            threads: list.len() as u32,
            wg: WG,
        };
        if let Some(t) = dispatch(ctx, &d)? {
            *report.kernel_s.get_or_insert(0.0) += t;
        }
        report.hash_dispatches += 1;
        match HASHES[h] {
            Builtin::Pedersen => report.pedersen_hashes += list.len() as u64,
            _ => report.poseidon_hashes += list.len() as u64,
        }
        Ok(())
    }
}
