//! `wavelane cairo run PROGRAM.json`: runs `main` of a compiled Cairo 0
//! program and prints the step count and final registers (relocated as
//! cairo-vm relocates them); with `--json`, also the whole relocated memory.
//! A run stops after ten million steps unless `--steps-limit` raises the
//! limit (or `--steps-limit 0` removes it), so a program that never halts
//! ends with an error naming the pc and the step.
//!
//! With `--batch N` (lane i gets `--args` with i added to the last felt
//! argument), `--args-file FILE` (one argument line per lane) or
//! `--backend`, it runs a batch ([`run_batch`]) and prints one line (or one
//! JSON object) per lane, and, on the GPU, how many lanes fell back to the
//! CPU and why.

use super::InputError;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use wavelane::kernels::vm::{run_batch, Arg, BatchConfig, Job, Layout, Program, Run, RunConfig, Stop};
use wavelane::kernels::Backend;
use wavelane::Felt;

/// The step limit of `cairo run` unless `--steps-limit` says otherwise.
const DEFAULT_STEPS_LIMIT: u64 = 10_000_000;

/// Arguments of `wavelane cairo`.
#[derive(Args)]
pub(crate) struct CairoArgs {
    #[command(subcommand)]
    cmd: CairoCmd,
}

#[derive(Subcommand)]
enum CairoCmd {
    /// Run `__main__.main` (or `--entry NAME`) of a compiled program
    /// (cairo-compile's JSON).
    Run(RunArgs),
}

#[derive(Args)]
struct RunArgs {
    /// The compiled program.
    program: PathBuf,
    /// Stop with an error (exit status 2, naming the pc and the step) after
    /// this many steps; 0 runs without a limit. The default, ten million,
    /// is Starknet's bound on the steps of one transaction.
    #[arg(long, default_value_t = DEFAULT_STEPS_LIMIT)]
    steps_limit: u64,
    /// Print JSON: steps, pc, ap, fp and `memory` (index = relocated
    /// address, index 0 unused; hex strings, null for holes).
    #[arg(long)]
    json: bool,
    /// Run this function of `__main__` instead of `main`, as cairo-vm's
    /// `run_from_entrypoint` does (builtin implicit arguments are filled in).
    #[arg(long)]
    entry: Option<String>,
    /// The entry point's arguments: felts and bracketed arrays,
    /// `3,-7,[4 9 16]` (needs `--entry`).
    #[arg(long, requires = "entry", allow_hyphen_values = true)]
    args: Option<String>,
    /// The layout, as cairo-vm names it (plain, small, recursive, starknet,
    /// starknet_with_keccak, all_cairo, …): the program may only use its builtins.
    #[arg(long, default_value = "all_cairo")]
    layout: String,
    /// Run a batch of N runs: lane i gets `--args` with i added to its last
    /// felt argument (lanes without a felt argument are identical).
    #[arg(long, conflicts_with = "args_file")]
    batch: Option<usize>,
    /// Run a batch with one lane per line of this file, each line an
    /// argument list as `--args` takes it (needs `--entry`).
    #[arg(long, requires = "entry")]
    args_file: Option<PathBuf>,
    /// The backend of a batch: scalar, simd, gpu or auto (given alone, a
    /// batch of one).
    #[arg(long)]
    backend: Option<Backend>,
}

/// Runs `wavelane cairo`.
pub(crate) fn run_cmd(args: CairoArgs) -> anyhow::Result<()> {
    let CairoCmd::Run(a) = args.cmd;
    let where_ = a.program.display().to_string();
    let program = Program::from_file(&a.program).map_err(|e| InputError(format!("{where_}: {e}")))?;
    Layout::from_name(&a.layout).and_then(|l| l.check(&program)).map_err(|e| InputError(format!("{where_}: {e}")))?;
    let steps_limit = (a.steps_limit != 0).then_some(a.steps_limit);
    let jobs = jobs(&a)?;
    let cfg = BatchConfig { steps_limit, ..BatchConfig::default() };
    if a.batch.is_none() && a.args_file.is_none() && a.backend.is_none() {
        let r = jobs[0].run(&program, &RunConfig { steps_limit, trace: false });
        let r = r.map_err(|e| InputError(format!("{where_}: {e}")))?;
        if a.json {
            println!("{}", lane_json(&r));
        } else {
            let regs = r.relocated_registers();
            println!("steps: {}\npc: {}\nap: {}\nfp: {}", r.steps, regs.pc, regs.ap, regs.fp);
        }
        return Ok(());
    }
    let batch = run_batch(a.backend.unwrap_or(Backend::Auto), &program, &jobs, &cfg)?;
    let failed = batch.runs.iter().filter(|r| r.is_err()).count();
    if a.json {
        let lanes: Vec<serde_json::Value> = batch
            .runs
            .iter()
            .map(|r| match r {
                Ok(r) => lane_json(r),
                Err(e) => serde_json::json!({ "error": e.to_string() }),
            })
            .collect();
        let mut out = serde_json::json!({ "backend": batch.backend.name(), "lanes": lanes });
        if let Some(l) = &batch.lanes {
            let stops: serde_json::Map<String, serde_json::Value> =
                Stop::ALL.iter().map(|&s| (s.name().to_string(), l.count(s).into())).collect();
            out["stops"] = stops.into();
            out["fell_back"] = l.fell_back().into();
            out["gpu_steps"] = l.gpu_steps.into();
            out["lane_efficiency"] = l.efficiency().into();
            out["device_hashes"] = serde_json::json!({ "pedersen": l.pedersen_hashes, "poseidon": l.poseidon_hashes });
        }
        println!("{out}");
    } else {
        println!("lanes: {} (backend {})", batch.runs.len(), batch.backend.name());
        if let Some(l) = &batch.lanes {
            let why: Vec<String> = Stop::ALL[1..]
                .iter()
                .filter(|&&s| l.count(s) > 0)
                .map(|&s| format!("{} {}", s.name(), l.count(s)))
                .collect();
            let why = if why.is_empty() { String::new() } else { format!(" ({})", why.join(", ")) };
            println!("fell back to the cpu: {}{why}", l.fell_back());
            println!("steps on the gpu: {}, lane efficiency {:.3}", l.gpu_steps, l.efficiency());
            if l.device_hashes() > 0 {
                println!("hashes on the gpu: pedersen {}, poseidon {}", l.pedersen_hashes, l.poseidon_hashes);
            }
        }
        for (i, r) in batch.runs.iter().enumerate() {
            match r {
                Ok(r) => {
                    let g = r.relocated_registers();
                    println!("lane {i}: steps {} pc {} ap {} fp {}", r.steps, g.pc, g.ap, g.fp);
                }
                Err(e) => println!("lane {i}: error: {e}"),
            }
        }
    }
    if failed > 0 {
        return Err(InputError(format!("{where_}: {failed} of {} lanes failed", batch.runs.len())).into());
    }
    Ok(())
}

/// The jobs the arguments ask for: one, `--batch N` of them, or one per
/// line of `--args-file`.
fn jobs(a: &RunArgs) -> Result<Vec<Job>, InputError> {
    let parse = |text: &str| Arg::parse_list(text).map_err(|e| InputError(e.to_string()));
    let job = |args: Vec<Arg>| Job { entry: a.entry.clone(), args };
    if let Some(path) = &a.args_file {
        let text = std::fs::read_to_string(path).map_err(|e| InputError(format!("{}: {e}", path.display())))?;
        return text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                parse(l).map(job).map_err(|e| InputError(format!("{} line {}: {}", path.display(), n + 1, e.0)))
            })
            .collect();
    }
    let args = parse(a.args.as_deref().unwrap_or(""))?;
    Ok((0..a.batch.unwrap_or(1)).map(|i| job(plus_lane(&args, i))).collect())
}

/// `args` with `i` added to the last felt argument.
fn plus_lane(args: &[Arg], i: usize) -> Vec<Arg> {
    let mut out = args.to_vec();
    if let Some(Arg::Felt(f)) = out.iter_mut().rev().find(|a| matches!(a, Arg::Felt(_))) {
        *f += Felt::from(i as u64);
    }
    out
}

/// A finished run as JSON: steps, pc, ap, fp and the relocated memory.
fn lane_json(r: &Run) -> serde_json::Value {
    let regs = r.relocated_registers();
    let memory: Vec<serde_json::Value> = r
        .relocated_memory()
        .iter()
        .map(|c| match c {
            Some(f) => serde_json::Value::String(format!("{f:#x}")),
            None => serde_json::Value::Null,
        })
        .collect();
    serde_json::json!({ "steps": r.steps, "pc": regs.pc, "ap": regs.ap, "fp": regs.fp, "memory": memory })
}
