//! The GPU trie backend: node hashes resident on the device.
//!
//! The device keeps one array of node hashes indexed by [`NodeId`], the
//! same ids the host store uses. It is uploaded once (when the GPU first
//! hashes this trie, or after a CPU update changed it); from then on a block
//! sends only:
//!
//! * one 16-byte job per changed leaf and per planned node (its id; for a
//!   node its children's ids, and for an edge its length),
//! * the edge paths of the planned edges (32 bytes each), and
//! * the new values of the changed leaves (32 bytes each), except those a
//!   [`super::LeafSource`] holds: their jobs name a slot of the source's
//!   device buffer (bound as `leaf_source`), and the kernel copies the value
//!   from there, so nothing else of them goes up;
//!
//! runs one dispatch per level (`shaders/trie_node.wgsl`, with
//! `trie_pedersen.wgsl` or `trie_poseidon.wgsl` supplying the hash), each
//! reading the children's hashes where the previous level left them, and
//! reads back in one transfer the new hashes the host keeps (for the root,
//! proofs and the store: 32 bytes per planned node). Growth of the id space
//! copies the array on the device. Without a source, a 32-byte placeholder
//! is bound as `leaf_source`.

use super::source::LeafSlots;
use super::store::{Node, NodeId, NodeStore};
use super::update::Plan;
use super::{Trie, TrieError, TrieHash, UpdateStats};
use crate::field::Fe;
use crate::gpu::{GpuContext, GpuError, Kernel, Timer};
use crate::hash::gpu_batch::{params_buffer, submit_pass, Slot};
use crate::hash::pedersen::gpu::PedersenTable;
use crate::hash::poseidon::gpu::PoseidonConstants;

const WG: u32 = 64;
const FE_BYTES: u64 = std::mem::size_of::<Fe>() as u64;
// Flags in a job's `b`, above every node id (ids are below `MAX_NODES`, 2^30).
const EDGE: u32 = 0x8000_0000;
const LEAF: u32 = 0x4000_0000;
const INDEX: u32 = LEAF - 1;
// A leaf job's `a`: where `b & INDEX` points.
const FROM_VALS: u32 = 0;
const FROM_SOURCE: u32 = 1;
const _: () = assert!(super::store::MAX_NODES as u32 == LEAF);

/// One node to (re)compute; see `shaders/trie_node.wgsl`.
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
struct Job {
    id: u32,
    a: u32,
    b: u32,
    len: u32,
}

/// The level pipeline for one hash, and its layout.
struct LevelKernel<const POSEIDON: bool> {
    layout: wgpu::BindGroupLayout,
    pipeline: wgpu::ComputePipeline,
    /// Bound as the leaf source when an update has none.
    no_source: wgpu::Buffer,
}

impl<const POSEIDON: bool> Kernel for LevelKernel<POSEIDON> {
    fn build(ctx: &GpuContext) -> Result<Self, GpuError> {
        let layout = ctx.storage_layout("trie level layout", 4, 6, true);
        let name = if POSEIDON { "trie_poseidon" } else { "trie_pedersen" };
        let pipeline = ctx.compute_pipeline(name, "trie_level", &layout)?;
        let no_source = ctx.storage_buffer("trie leaf source (none)", FE_BYTES);
        Ok(LevelKernel { layout, pipeline, no_source })
    }
}

/// What a trie keeps on the device between blocks.
#[derive(Debug)]
pub(crate) struct Resident {
    /// Node hashes by id.
    hashes: wgpu::Buffer,
    /// Ids the buffer holds.
    cap: usize,
    jobs: SlotDbg,
    vals: SlotDbg,
    out: SlotDbg,
    params: wgpu::Buffer,
}

/// A [`Slot`] that `Resident` can derive `Debug` over.
#[derive(Default)]
struct SlotDbg(Slot);

impl std::fmt::Debug for SlotDbg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slot")
    }
}

/// A trie's device copy, if any. Cloning a trie does not share it: the
/// clone uploads its own when it first hashes on the GPU.
#[derive(Debug, Default)]
pub(crate) struct DeviceCopy(pub(crate) Option<Resident>);

impl Clone for DeviceCopy {
    fn clone(&self) -> Self {
        DeviceCopy(None)
    }
}

impl Resident {
    /// Host memory held for the device copy (none: buffers live on the GPU).
    pub(crate) fn host_bytes(&self) -> usize {
        0
    }

    /// Bytes of device memory held.
    pub(crate) fn device_bytes(&self) -> u64 {
        self.cap as u64 * FE_BYTES
    }
}

impl<S: NodeStore> Trie<S> {
    /// Hashes `plan` on the GPU over the resident node hashes, taking the
    /// leaves `source` has slots for from its buffer.
    pub(super) fn hash_gpu(&mut self, plan: Plan, source: Option<&LeafSlots<'_>>) -> Result<UpdateStats, TrieError> {
        let ctx = GpuContext::get()?;
        let before = ctx.traffic();
        let result = self.hash_gpu_inner(ctx, &plan, source);
        let after = ctx.traffic();
        match result {
            Ok((kernel_seconds, from_source)) => Ok(UpdateStats {
                keys: 0,
                hashes: plan.hashes(),
                levels: plan.levels.len(),
                bytes_up: after.uploaded - before.uploaded,
                bytes_down: after.downloaded - before.downloaded,
                from_source,
                kernel_seconds,
            }),
            Err(e) => {
                // The shape is updated; its hashes are not. Keep the work for
                // the next update and drop the device copy.
                self.gpu.0 = None;
                self.pending = Some(plan);
                Err(e.into())
            }
        }
    }

    /// Returns the kernel seconds (with timestamps) and the number of
    /// leaves read from `source`.
    fn hash_gpu_inner(
        &mut self,
        ctx: &GpuContext,
        plan: &Plan,
        source: Option<&LeafSlots<'_>>,
    ) -> Result<(Option<f64>, usize), GpuError> {
        let (layout, pipeline, consts, no_source) = match self.hash {
            TrieHash::Pedersen => {
                let k = ctx.kernel::<LevelKernel<false>>()?;
                (k.layout.clone(), k.pipeline.clone(), ctx.kernel::<PedersenTable>()?.0.clone(), k.no_source.clone())
            }
            TrieHash::Poseidon => {
                let k = ctx.kernel::<LevelKernel<true>>()?;
                (
                    k.layout.clone(),
                    k.pipeline.clone(),
                    ctx.kernel::<PoseidonConstants>()?.0.clone(),
                    k.no_source.clone(),
                )
            }
        };
        self.ensure_resident(ctx)?;

        // A source the kernel cannot bind is ignored (its values go up).
        let source = source.filter(|s| {
            s.buffer.usage().contains(wgpu::BufferUsages::STORAGE)
                && (FE_BYTES..=ctx.limits.max_storage_buffer_binding_size).contains(&s.buffer.size())
                && !s.slots.is_empty()
        });
        let source_len = source.map_or(0, |s| (s.buffer.size() / FE_BYTES).min(u64::from(INDEX) + 1));

        // Level 0 sets the changed leaves (from the source where it has
        // them); each later level hashes nodes.
        let mut jobs: Vec<Job> = Vec::with_capacity(plan.leaves.len() + plan.hashes());
        let mut vals: Vec<Fe> = Vec::new();
        let mut bounds = vec![0usize];
        let mut from_source = 0;
        for &id in &plan.leaves {
            match source.and_then(|s| s.slots.get(&id)).filter(|&&slot| u64::from(slot) < source_len) {
                Some(&slot) => {
                    jobs.push(Job { id, a: FROM_SOURCE, b: LEAF | slot, len: 0 });
                    from_source += 1;
                }
                None => {
                    jobs.push(Job { id, a: FROM_VALS, b: LEAF | vals.len() as u32, len: 0 });
                    vals.push(self.store.hash(id));
                }
            }
        }
        bounds.push(jobs.len());
        for level in &plan.levels {
            for &id in level {
                jobs.push(match self.store.node(id) {
                    Node::Binary { left, right } => Job { id, a: left, b: right, len: 0 },
                    Node::Edge { child, path, len } => {
                        vals.push(Fe::from_canonical(path).expect("path < 2^251"));
                        Job { id, a: child, b: EDGE | (vals.len() - 1) as u32, len: len as u32 }
                    }
                    Node::Leaf => unreachable!("leaves are never planned for hashing"),
                });
            }
            bounds.push(jobs.len());
        }
        if jobs.is_empty() {
            return Ok((ctx.has_timestamps().then_some(0.0), 0));
        }
        let g = self.gpu.0.as_mut().expect("made resident above");
        let jobs_buf = g.jobs.0.ensure(ctx, "trie jobs", jobs.len() as u64 * 16).clone();
        let vals_buf =
            g.vals.0.ensure(ctx, "trie leaf values and edge paths", vals.len().max(1) as u64 * FE_BYTES).clone();
        let nodes = jobs.len() - plan.leaves.len();
        let out_buf = g.out.0.ensure(ctx, "trie new hashes", nodes.max(1) as u64 * FE_BYTES).clone();
        ctx.upload(&jobs_buf, bytemuck::cast_slice(&jobs));
        ctx.upload(&vals_buf, bytemuck::cast_slice(&vals));
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("trie level"),
            layout: &layout,
            entries: &[
                &jobs_buf,
                &consts,
                &vals_buf,
                source.map_or(&no_source, |s| s.buffer),
                &g.hashes,
                &out_buf,
                &g.params,
            ]
            .iter()
            .enumerate()
            .map(|(i, b)| wgpu::BindGroupEntry { binding: i as u32, resource: b.as_entire_binding() })
            .collect::<Vec<_>>(),
        });
        let mut timers: Vec<Timer> = Vec::new();
        for w in bounds.windows(2) {
            let (start, n) = (w[0], w[1] - w[0]);
            if n == 0 {
                continue;
            }
            // Queue writes land before the next submission, so each level
            // sees its own parameters.
            ctx.upload(&g.params, bytemuck::cast_slice(&[n as u32, start as u32, plan.leaves.len() as u32, 0]));
            let timer = submit_pass(ctx, "trie level", &pipeline, &bind, n as u32, WG);
            timers.extend(timer);
        }
        // The host keeps the new hashes of the planned nodes (not the leaves,
        // whose values it already has); `out` holds exactly those, in job order.
        let mut new = vec![Fe::ZERO; nodes];
        crate::hash::gpu_batch::read_fes(ctx, &out_buf, &mut new)?;
        for (job, h) in jobs[plan.leaves.len()..].iter().zip(new) {
            self.store.set_hash(job.id, h);
        }
        if ctx.has_timestamps() {
            let done = std::time::Instant::now();
            let ticks = timers.iter().map(|t| t.ticks(ctx)).collect::<Result<Vec<_>, _>>()?;
            let period = timers.first().map_or(1.0, Timer::period_ns);
            crate::trace::gpu_passes("trie level", done, &ticks, period);
            let total = ticks.iter().map(|(b, e)| e.saturating_sub(*b) as f64 * period * 1e-9).sum();
            return Ok((Some(total), from_source));
        }
        Ok((None, from_source))
    }

    /// Makes the device hash array hold every id the store has handed out:
    /// a first upload of all hashes, or a device-side copy into a larger one.
    fn ensure_resident(&mut self, ctx: &GpuContext) -> Result<(), GpuError> {
        let need = self.store.capacity().max(1);
        let limit = ctx.limits.max_storage_buffer_binding_size;
        if need as u64 * FE_BYTES > limit {
            return Err(GpuError::Device {
                what: "trie residency",
                detail: format!(
                    "{need} node hashes ({} bytes) exceed the device's storage binding limit of {limit} bytes",
                    need as u64 * FE_BYTES
                ),
            });
        }
        match &mut self.gpu.0 {
            Some(g) if g.cap >= need => {}
            Some(g) => {
                let cap = need.next_power_of_two().min((limit / FE_BYTES) as usize).max(need);
                let bigger = ctx.storage_buffer("trie node hashes (resident)", cap as u64 * FE_BYTES);
                let mut enc =
                    ctx.device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("trie grow") });
                enc.copy_buffer_to_buffer(&g.hashes, 0, &bigger, 0, g.cap as u64 * FE_BYTES);
                ctx.queue.submit([enc.finish()]);
                g.hashes = bigger;
                g.cap = cap;
            }
            None => {
                let cap = need.next_power_of_two().min((limit / FE_BYTES) as usize).max(need);
                let hashes = ctx.storage_buffer("trie node hashes (resident)", cap as u64 * FE_BYTES);
                let all: Vec<Fe> = (0..self.store.capacity() as NodeId).map(|id| self.store.hash(id)).collect();
                ctx.upload(&hashes, bytemuck::cast_slice(&all));
                self.gpu.0 = Some(Resident {
                    hashes,
                    cap,
                    jobs: SlotDbg::default(),
                    vals: SlotDbg::default(),
                    out: SlotDbg::default(),
                    params: params_buffer(ctx, "trie level params"),
                });
            }
        }
        Ok(())
    }

    /// Bytes of device memory the resident copy holds (0 when none).
    pub fn gpu_resident_bytes(&self) -> u64 {
        self.gpu.0.as_ref().map_or(0, Resident::device_bytes)
    }
}
