//! `wavelane cairo run PROGRAM.json`: runs `main` of a compiled Cairo 0
//! program and prints the step count and final registers (relocated as
//! cairo-vm relocates them); with `--json`, also the whole relocated memory.
//! A run stops after ten million steps unless `--steps-limit` raises the
//! limit (or `--steps-limit 0` removes it), so a program that never halts
//! ends with an error naming the pc and the step.

use super::InputError;
use clap::{Args, Subcommand};
use std::path::PathBuf;
use wavelane::kernels::vm::{run, run_entry, Arg, Layout, Program, RunConfig};

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
}

/// Runs `wavelane cairo`.
pub(crate) fn run_cmd(args: CairoArgs) -> anyhow::Result<()> {
    let CairoCmd::Run(a) = args.cmd;
    let where_ = a.program.display().to_string();
    let program = Program::from_file(&a.program).map_err(|e| InputError(format!("{where_}: {e}")))?;
    Layout::from_name(&a.layout).and_then(|l| l.check(&program)).map_err(|e| InputError(format!("{where_}: {e}")))?;
    let steps_limit = (a.steps_limit != 0).then_some(a.steps_limit);
    let cfg = RunConfig { steps_limit, trace: false };
    let r = match &a.entry {
        Some(name) => {
            let args = Arg::parse_list(a.args.as_deref().unwrap_or("")).map_err(|e| InputError(e.to_string()))?;
            run_entry(&program, name, &args, &cfg)
        }
        None => run(&program, &cfg),
    }
    .map_err(|e| InputError(format!("{where_}: {e}")))?;
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
