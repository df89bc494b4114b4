//! `wavelane cairo run PROGRAM.json`: runs `main` of a compiled Cairo 0
//! program and prints the step count and final registers (relocated as
//! cairo-vm relocates them); with `--json`, also the whole relocated memory.
//! A run stops after ten million steps unless `--steps-limit` raises the
//! limit (or `--steps-limit 0` removes it), so a program that never halts
//! ends with an error naming the pc and the step.

use super::InputError;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use wavelane::kernels::vm::{run, Program, RunConfig};

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
    /// Run `__main__.main` of a compiled program (cairo-compile's JSON).
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
}

/// Runs `wavelane cairo`.
pub(crate) fn run_cmd(args: CairoArgs) -> anyhow::Result<()> {
    let CairoCmd::Run(a) = args.cmd;
    let where_ = a.program.display().to_string();
    let program = Program::from_file(&a.program).map_err(|e| InputError(format!("{where_}: {e}")))?;
    let steps_limit = (a.steps_limit != 0).then_some(a.steps_limit);
    let r =
        run(&program, &RunConfig { steps_limit, trace: false }).map_err(|e| InputError(format!("{where_}: {e}")))?;
    let regs = r.relocated_registers();
    if a.json {
        let memory: Vec<serde_json::Value> = r
            .relocated_memory()
            .iter()
            .map(|c| match c {
                Some(f) => serde_json::Value::String(format!("{f:#x}")),
                None => serde_json::Value::Null,
            })
            .collect();
        let out = serde_json::json!({
            "steps": r.steps,
            "pc": regs.pc,
            "ap": regs.ap,
            "fp": regs.fp,
            "memory": memory,
        });
        println!("{out}");
    } else {
        println!("steps: {}", r.steps);
        println!("pc: {}", regs.pc);
        println!("ap: {}", regs.ap);
        println!("fp: {}", regs.fp);
    }
    Ok(())
}
