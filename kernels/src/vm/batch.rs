//! Batches: many runs of one program (each an entry point with its
//! arguments, a [`Job`]) on one backend, with the same results on every
//! backend, equal to running each job alone on the CPU VM:
//!
//! | backend  | what runs the jobs |
//! |----------|--------------------|
//! | `scalar` | the CPU VM, one job after another on this thread |
//! | `simd`   | the CPU VM, jobs spread over rayon's threads |
//! | `gpu`    | one GPU lane per job ([`gpu`](super::gpu)); the CPU VM finishes each lane that stops early, from the state it stopped in |
//! | `auto`   | `gpu` on a hardware adapter (see [`Backend::resolve`]), else `simd` |
//!
//! Every job starts as the CPU VM starts it ([`start_main`],
//! [`start_entry`]) and ends with [`resume`], so a lane that fell back (a
//! hint, a full segment, the lanes' step budget, an ec_op or keccak cell)
//! ends exactly as on the CPU; [`Batch::lanes`] says how many lanes did and
//! why, and how many pedersen and poseidon cells the GPU deduced.
//! A job that fails (bad arguments, a failed assertion, the step limit)
//! fails with the CPU VM's error, on every backend.

use super::entry::{start_entry, Arg};
use super::error::VmError;
use super::pause::{resume, start_main, Paused};
use super::program::Program;
use super::run::{Run, RunConfig};
use crate::backend::Backend;
use crate::gpu::GpuError;
use rayon::prelude::*;

/// Segments a GPU lane may hold (the program's included).
pub const MAX_SEGMENTS: usize = 16;
/// The lanes that diverge together in the efficiency figure (a warp).
pub const WARP: usize = 32;

/// One run of a batch: `main`, or another function of `__main__` with
/// arguments (as [`run_entry`](super::run_entry) takes them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Job {
    /// The function to run; `None` for `main`.
    pub entry: Option<String>,
    /// Its arguments.
    pub args: Vec<Arg>,
}

impl Job {
    /// `main`, without arguments.
    pub fn main() -> Job {
        Job::default()
    }

    /// The function `name` of `__main__` with `args`.
    pub fn entry(name: &str, args: Vec<Arg>) -> Job {
        Job { entry: Some(name.to_string()), args }
    }

    /// The run's state before its first step.
    pub fn start(&self, program: &Program) -> Result<Paused, VmError> {
        match &self.entry {
            None if self.args.is_empty() => start_main(program),
            None => Err(VmError::Program("`main` takes no arguments here; name an entry point".into())),
            Some(name) => start_entry(program, name, &self.args),
        }
    }

    /// Runs the job alone on the CPU VM.
    pub fn run(&self, program: &Program, cfg: &RunConfig) -> Result<Run, VmError> {
        resume(program, self.start(program)?, cfg)
    }
}

/// How a batch runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchConfig {
    /// Each job stops with [`VmError::StepLimit`] after this many steps.
    pub steps_limit: Option<u64>,
    /// The GPU lanes' layout and budgets (the `gpu` backend only).
    pub lanes: LaneConfig,
}

/// A finished batch.
#[derive(Debug)]
pub struct Batch {
    /// Each job's run or error, in the jobs' order.
    pub runs: Vec<Result<Run, VmError>>,
    /// The backend that ran it (`auto` resolved).
    pub backend: Backend,
    /// What the GPU lanes did (the `gpu` backend only).
    pub lanes: Option<LaneReport>,
}

impl Batch {
    /// Steps executed by the jobs that completed.
    pub fn steps(&self) -> u64 {
        self.runs.iter().flatten().map(|r| r.steps).sum()
    }
}

/// Runs every job of `jobs` on `program` on `backend`. Fails only when the
/// backend itself does (no GPU adapter, a device error); each job's own
/// failure is in [`Batch::runs`].
pub fn run_batch(backend: Backend, program: &Program, jobs: &[Job], cfg: &BatchConfig) -> Result<Batch, GpuError> {
    let run_cfg = RunConfig { steps_limit: cfg.steps_limit, trace: false };
    let backend = backend.resolve();
    let (runs, lanes) = match backend {
        Backend::Scalar | Backend::Auto => (jobs.iter().map(|j| j.run(program, &run_cfg)).collect(), None),
        Backend::Simd => (jobs.par_iter().map(|j| j.run(program, &run_cfg)).collect(), None),
        Backend::Gpu => {
            let (runs, report) = run_gpu(program, jobs, cfg)?;
            (runs, Some(report))
        }
    };
    Ok(Batch { runs, backend, lanes })
}

/// The `gpu` backend: every job that starts goes on a lane; each lane then
/// ends on the CPU VM (at once, for a lane that finished on the GPU).
#[cfg(feature = "gpu")]
fn run_gpu(
    program: &Program,
    jobs: &[Job],
    cfg: &BatchConfig,
) -> Result<(Vec<Result<Run, VmError>>, LaneReport), GpuError> {
    let ctx = crate::gpu::GpuContext::get()?;
    let run_cfg = RunConfig { steps_limit: cfg.steps_limit, trace: false };
    let mut lanes = cfg.lanes;
    if let Some(limit) = cfg.steps_limit {
        lanes.max_steps = lanes.max_steps.min(u32::try_from(limit).unwrap_or(u32::MAX));
    }
    let starts: Vec<Result<Paused, VmError>> = jobs.par_iter().map(|j| j.start(program)).collect();
    let (mut paused, mut failed) = (Vec::new(), Vec::with_capacity(jobs.len()));
    for s in starts {
        match s {
            Ok(p) => {
                paused.push(p);
                failed.push(None);
            }
            Err(e) => failed.push(Some(e)),
        }
    }
    let (stopped, report) = super::gpu::run_lanes(ctx, program, paused, &lanes)?;
    let ended: Vec<Result<Run, VmError>> = stopped.into_par_iter().map(|(p, _)| resume(program, p, &run_cfg)).collect();
    let mut ended = ended.into_iter();
    let runs = failed
        .into_iter()
        .map(|f| match f {
            Some(e) => Err(e),
            None => ended.next().expect("run_lanes hands back every lane it is given"),
        })
        .collect();
    Ok((runs, report))
}

#[cfg(not(feature = "gpu"))]
fn run_gpu(_: &Program, _: &[Job], _: &BatchConfig) -> Result<(Vec<Result<Run, VmError>>, LaneReport), GpuError> {
    Err(GpuError::Unavailable(crate::gpu::NOT_BUILT.to_string()))
}

/// How lanes are laid out and how long they run on the GPU.
#[derive(Clone, Copy, Debug)]
pub struct LaneConfig {
    /// Capacity of the execution segment, in cells beyond its initial
    /// content (32 bytes each).
    pub exec_cells: u32,
    /// Capacity of every other segment, in cells beyond its initial content.
    pub segment_cells: u32,
    /// The most steps a lane runs on the GPU; a lane still running then
    /// stops with [`Stop::StepLimit`] (and the CPU goes on).
    pub max_steps: u32,
    /// Steps per lane per dispatch.
    pub dispatch_steps: u32,
    /// The most bytes of lane memory one group of dispatches uses; a larger
    /// batch runs as several groups (the device's buffer limits apply too).
    pub max_bytes: u64,
}

impl Default for LaneConfig {
    fn default() -> LaneConfig {
        LaneConfig {
            exec_cells: 1 << 12,
            segment_cells: 256,
            max_steps: u32::MAX,
            dispatch_steps: 1 << 14,
            max_bytes: 1 << 30,
        }
    }
}

/// Why a lane stopped on the GPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stop {
    /// pc reached the end: the run is complete.
    Finished,
    /// Hints run at pc (hints run on the CPU).
    Hint,
    /// The lane ran [`LaneConfig::max_steps`] steps.
    StepLimit,
    /// A write past a segment's capacity.
    Memory,
    /// A cell that a builtin the lanes lack (ec_op, keccak) deduces.
    /// Pedersen and poseidon cells are deduced on the GPU; a lane only
    /// waits for them.
    Builtin,
    /// Anything else the lane leaves to the CPU: an error to report, a
    /// value out of the lane's ranges, pc outside the program.
    General,
    /// Never placed on the GPU (more than [`MAX_SEGMENTS`] segments, or a
    /// register out of the lanes' range).
    NotPlaced,
}

impl Stop {
    /// Every reason, in [`Stop::index`] order.
    pub const ALL: [Stop; 7] =
        [Stop::Finished, Stop::Hint, Stop::StepLimit, Stop::Memory, Stop::Builtin, Stop::General, Stop::NotPlaced];

    /// The position in [`Stop::ALL`] (and in [`LaneReport::stops`]).
    pub fn index(self) -> usize {
        Stop::ALL.iter().position(|&s| s == self).unwrap_or(0)
    }

    /// A short name, for reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Stop::Finished => "finished",
            Stop::Hint => "hint",
            Stop::StepLimit => "step_limit",
            Stop::Memory => "memory",
            Stop::Builtin => "builtin",
            Stop::General => "general",
            Stop::NotPlaced => "not_placed",
        }
    }
}

/// What the lanes of one batch did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LaneReport {
    /// Lanes, by how they stopped ([`Stop::index`]).
    pub stops: [usize; 7],
    /// Steps run on the GPU, all lanes together.
    pub gpu_steps: u64,
    /// Lane-steps issued (see [`gpu`](super::gpu)).
    pub issued: u64,
    /// Dispatches of the lanes' steps.
    pub dispatches: u32,
    /// Pedersen cells deduced on the GPU for lanes parked on them (one
    /// hash each; see [`gpu`](super::gpu)).
    pub pedersen_hashes: u64,
    /// Poseidon cells deduced on the GPU (one permutation each).
    pub poseidon_hashes: u64,
    /// The passes that deduced them.
    pub hash_dispatches: u32,
    /// Kernel-only seconds from timestamp queries (steps and hashes), when
    /// the device has them.
    pub kernel_s: Option<f64>,
}

impl LaneReport {
    /// Lanes that stopped for `why`.
    pub fn count(&self, why: Stop) -> usize {
        self.stops[why.index()]
    }

    /// Hash builtin cells deduced on the GPU, pedersen and poseidon.
    pub fn device_hashes(&self) -> u64 {
        self.pedersen_hashes + self.poseidon_hashes
    }

    /// Lanes the CPU finishes (all but [`Stop::Finished`]).
    pub fn fell_back(&self) -> usize {
        self.stops.iter().sum::<usize>() - self.count(Stop::Finished)
    }

    /// Steps executed ÷ lane-steps issued (1 when nothing was issued).
    pub fn efficiency(&self) -> f64 {
        if self.issued == 0 {
            1.0
        } else {
            self.gpu_steps as f64 / self.issued as f64
        }
    }
}
