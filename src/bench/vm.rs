//! Cairo VM benchmark: steps per second of wavelane's VM and of cairo-vm on
//! the same compiled program, in the same run.
//!
//! [`bench_batch`] measures batches of runs (the CPU VM on one thread and
//! on all cores, the GPU lanes) against cairo-vm on one core.
//!
//! Both start from an already parsed program and time a whole run of `main`
//! (initial state, execution, end): cairo-vm with its fastest settings (no
//! trace, no memory relocation, no proof mode, `all_cairo` layout), ours
//! with no trace. Both step counts must agree, so a fast wrong run never
//! looks like a win.

use super::{best_of, Measurement, Reporter};
use anyhow::{anyhow, bail, Context};
use cairo_vm::cairo_run::{cairo_run_program, CairoRunConfig};
use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::BuiltinHintProcessor;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::program::Program as OracleProgram;
use cairo_vm::types::relocatable::MaybeRelocatable;
use cairo_vm::vm::runners::cairo_runner::{CairoArg, CairoRunner};
use starknet_types_core::felt::Felt;
use std::time::Duration;
use wavelane_kernels::vm::{memory, run, run_batch, Arg, BatchConfig, Job, Program, RelocatedEntry, RunConfig};
use wavelane_kernels::Backend;

/// The long-running programs measured by default: (name, compiled JSON).
pub const DEFAULT_PROGRAMS: &[(&str, &str)] = &[
    ("long_fib", include_str!("../../tests/cairo/long_fib.json")),
    ("long_loop", include_str!("../../tests/cairo/long_loop.json")),
];

fn oracle_config() -> CairoRunConfig<'static> {
    CairoRunConfig {
        entrypoint: "main",
        trace_enabled: false,
        relocate_mem: false,
        layout: LayoutName::all_cairo,
        ..Default::default()
    }
}

/// Runs `main` of `program` on cairo-vm with the benchmark's settings (its
/// fastest: no trace, no relocation, no proof mode, `all_cairo` layout) and
/// returns the step count.
pub fn run_cairo_vm(program: &OracleProgram) -> anyhow::Result<u64> {
    let mut hp = BuiltinHintProcessor::new_empty();
    let r = cairo_run_program(program, &oracle_config(), &mut hp).map_err(|e| anyhow!("cairo-vm failed: {e}"))?;
    Ok(r.vm.get_current_step() as u64)
}

/// Measures one program (`name`, JSON text) on both VMs and pushes two
/// figures: cairo-vm's and ours (with the ratio against cairo-vm).
pub fn bench_program(name: &str, json: &str, budget: Duration, reporter: &mut Reporter) -> anyhow::Result<()> {
    let ours = Program::from_json(json).with_context(|| format!("loading {name}"))?;
    let theirs = OracleProgram::from_bytes(json.as_bytes(), Some("main"))
        .map_err(|e| anyhow!("cairo-vm cannot load {name}: {e}"))?;
    let cfg = RunConfig::default();
    let steps = run(&ours, &cfg).with_context(|| format!("running {name}"))?.steps;
    let their_steps = run_cairo_vm(&theirs).with_context(|| format!("running {name} on cairo-vm"))?;
    if steps != their_steps {
        bail!("{name}: wavelane ran {steps} steps, cairo-vm {their_steps}");
    }
    let bench = format!("vm.{name}");
    reporter.step(&format!("{bench} cairo-vm"));
    let peer_s = best_of(budget, 3, || {
        std::hint::black_box(run_cairo_vm(&theirs).expect("ran once already"));
    });
    let peer = Measurement::new(&bench, "cairo-vm", steps, 1, peer_s).scope("end-to-end");
    // Fresh memory on every run, as cairo-vm gets: the first run on a thread.
    reporter.step(&format!("{bench} wavelane, fresh memory"));
    let fresh_s = best_of(budget, 3, || {
        memory::pool::clear();
        let r = run(&ours, &cfg).expect("ran once already");
        std::hint::black_box(r.steps);
    });
    // Segment buffers reused from the previous run on this thread: what an
    // executor running program after program sees.
    reporter.step(&format!("{bench} wavelane, reused memory"));
    let reused_s = best_of(budget, 3, || {
        let r = run(&ours, &cfg).expect("ran once already");
        std::hint::black_box(r.steps);
    });
    let fresh = Measurement::new(&bench, "scalar", steps, 1, fresh_s).scope("fresh memory").against(&peer);
    let reused = Measurement::new(&bench, "scalar", steps, 1, reused_s).scope("reused memory").against(&peer);
    reporter.push(peer);
    reporter.push(fresh);
    reporter.push(reused);
    Ok(())
}

/// What each run of the batch benchmark computes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Workload {
    /// `fib(1, 1, n)` of `fib_loop.json`: about 7 steps per `n`.
    #[default]
    Fib,
    /// `chain(i, n)` of `hash_lanes.json`: `n` rounds of a pedersen hash
    /// then a poseidon hash (about 30 steps and two builtin cells each).
    Hashes,
}

impl Workload {
    /// The compiled program, its name and the entry point.
    fn program(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Workload::Fib => ("fib", include_str!("../../tests/cairo/fib_loop.json"), "fib"),
            Workload::Hashes => ("hashes", include_str!("../../tests/cairo/hash_lanes.json"), "chain"),
        }
    }

    /// The arguments of lane `i` with length `n`.
    fn args(self, i: u64, n: u64) -> Vec<Arg> {
        let felts = |v: &[u64]| v.iter().map(|&x| Arg::Felt(Felt::from(x))).collect();
        match self {
            Workload::Fib => felts(&[1, 1, n]),
            Workload::Hashes => felts(&[i, n]),
        }
    }
}

/// The batch benchmark: `lanes` runs of the workload (`fib(1, 1, n_i)` by
/// default) with `n_i` spread over `n .. n + spread`, so lanes branch on
/// their data and end at different steps.
#[derive(Clone, Debug)]
pub struct BatchBench {
    /// What each run computes.
    pub workload: Workload,
    /// Runs in the batch.
    pub lanes: usize,
    /// The smallest `n`.
    pub n: u64,
    /// How far the lanes' `n` spread above `n`.
    pub spread: u64,
    /// Backends to measure (each against cairo-vm on one core).
    pub backends: Vec<Backend>,
    /// Seconds per measurement.
    pub budget: Duration,
}

/// The backends measured: those asked for, with `simd` (the CPU VM on all
/// cores) always among them, first.
fn batch_backends(o: &BatchBench) -> Vec<Backend> {
    let mut b = o.backends.clone();
    b.retain(|&x| x != Backend::Simd);
    b.insert(0, Backend::Simd);
    b
}

/// The progress steps [`bench_batch`] reports.
pub fn batch_steps(o: &BatchBench) -> u64 {
    1 + batch_backends(o).len() as u64
}

/// The lanes' jobs.
fn batch_jobs(o: &BatchBench) -> Vec<Job> {
    let spread = o.spread.max(1);
    let (_, _, entry) = o.workload.program();
    (0..o.lanes as u64).map(|i| Job::entry(entry, o.workload.args(i, o.n + i * 7919 % spread))).collect()
}

/// cairo-vm's `run_from_entrypoint` on one job of [`batch_jobs`], the
/// builtins' bases first (the entry points take them as implicit
/// arguments, in the program's order); its steps.
fn cairo_vm_entry(program: &OracleProgram, pc: usize, job: &Job) -> anyhow::Result<u64> {
    let mut runner = CairoRunner::new(program, LayoutName::all_cairo, None, false, false, false)
        .map_err(|e| anyhow!("cairo-vm: {e}"))?;
    runner.initialize_builtins(false).map_err(|e| anyhow!("cairo-vm: {e}"))?;
    runner.initialize_segments(None);
    let bases = runner.vm.builtin_runners.iter().map(|b| MaybeRelocatable::from((b.base() as isize, 0)));
    let args: Vec<CairoArg> = bases
        .map(CairoArg::Single)
        .chain(job.args.iter().filter_map(|a| match a {
            Arg::Felt(v) => Some(CairoArg::Single(MaybeRelocatable::from(*v))),
            Arg::Array(_) => None,
        }))
        .collect();
    let refs: Vec<&CairoArg> = args.iter().collect();
    let mut hp = BuiltinHintProcessor::new_empty();
    runner.run_from_entrypoint(pc, &refs, false, None, &mut hp).map_err(|e| anyhow!("cairo-vm: {e}"))?;
    Ok(runner.vm.get_current_step() as u64)
}

/// Aggregate steps per second of a batch on each backend (and always on
/// `simd`, the CPU VM on all cores), against cairo-vm running a sample of
/// the same jobs one after another on one core. Every backend's lanes must
/// end with the CPU VM's steps and registers; the GPU's figure also names
/// its lane efficiency, how many lanes fell back, the hashes deduced on the
/// GPU and its ratio to `simd`.
pub fn bench_batch(o: &BatchBench, rep: &mut Reporter) -> anyhow::Result<()> {
    let (name, json, entry) = o.workload.program();
    let program = Program::from_json(json).with_context(|| format!("loading the {name} workload"))?;
    let theirs = OracleProgram::from_bytes(json.as_bytes(), None).map_err(|e| anyhow!("cairo-vm: {e}"))?;
    let pc = theirs
        .get_identifier(&format!("__main__.{entry}"))
        .and_then(|f| f.pc)
        .with_context(|| format!("cairo-vm: no {entry}"))?;
    let jobs = batch_jobs(o);
    let cfg = BatchConfig::default();
    let want = run_batch(Backend::Scalar, &program, &jobs, &cfg)?;
    let want: Vec<(u64, RelocatedEntry)> = want
        .runs
        .iter()
        .map(|r| r.as_ref().map(|r| (r.steps, r.relocated_registers())).map_err(|e| anyhow!("{e}")))
        .collect::<anyhow::Result<_>>()?;
    let steps: u64 = want.iter().map(|w| w.0).sum();
    let bench = format!("vm.batch.{name}{}x{}", o.n, o.lanes);
    rep.step(&format!("{bench} cairo-vm"));
    let sample = &jobs[..jobs.len().min(64)];
    let sample_steps: u64 = want[..sample.len()].iter().map(|w| w.0).sum();
    for (job, w) in sample.iter().zip(&want) {
        let s = cairo_vm_entry(&theirs, pc, job)?;
        if s != w.0 {
            bail!("{bench}: cairo-vm ran {s} steps for {job:?}, wavelane {}", w.0);
        }
    }
    let peer_s = best_of(o.budget, 3, || {
        for job in sample {
            std::hint::black_box(cairo_vm_entry(&theirs, pc, job).expect("ran once already"));
        }
    });
    let peer = Measurement::new(&bench, "cairo-vm", sample_steps, 1, peer_s).scope("end-to-end");
    rep.push(peer.clone());
    let mut simd_rate = None;
    for backend in batch_backends(o) {
        rep.step(&format!("{bench} {}", backend.name()));
        let got = run_batch(backend, &program, &jobs, &cfg)?;
        for (i, (r, w)) in got.runs.iter().zip(&want).enumerate() {
            match r {
                Ok(r) if (r.steps, r.relocated_registers()) == *w => {}
                _ => bail!("{bench}: lane {i} on {} differs from the CPU VM", got.backend.name()),
            }
        }
        let mut kernel_s = None;
        let secs = best_of(o.budget, 3, || {
            let b = run_batch(backend, &program, &jobs, &cfg).expect("ran once already");
            kernel_s = b.lanes.and_then(|l| l.kernel_s);
            std::hint::black_box(b.runs.len());
        });
        let threads = if got.backend == Backend::Simd { rayon::current_num_threads() } else { 1 };
        let rate = steps as f64 / secs;
        let scope = match (&got.lanes, simd_rate) {
            (Some(l), Some(simd)) => format!(
                "end-to-end, lane efficiency {:.2}, {} fell back, {} hashes on the gpu, {:.2}x simd",
                l.efficiency(),
                l.fell_back(),
                l.device_hashes(),
                rate / simd
            ),
            _ => "end-to-end".into(),
        };
        if got.backend == Backend::Simd {
            simd_rate = Some(rate);
        }
        rep.push(Measurement::new(&bench, got.backend.name(), steps, threads, secs).scope(&scope).against(&peer));
        if let Some(k) = kernel_s {
            rep.push(
                Measurement::new(&bench, got.backend.name(), steps, threads, k).scope("kernel-only").against(&peer),
            );
        }
    }
    Ok(())
}
