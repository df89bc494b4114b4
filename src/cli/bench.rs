//! `wavelane bench`: measurements against peers, one subcommand per family.
use clap::{Args, Subcommand};

/// Arguments of `wavelane bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Print one JSON object per measurement.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// What to measure.
    #[command(subcommand)]
    pub(crate) what: Option<BenchWhat>,
}

/// The benchmark families.
#[derive(Subcommand)]
pub(crate) enum BenchWhat {
    /// Cairo VM steps per second, wavelane vs cairo-vm.
    Vm(VmArgs),
}

/// Arguments of `wavelane bench vm`.
#[derive(Args)]
pub(crate) struct VmArgs {
    /// A compiled Cairo 0 program (default: the bundled long-running ones).
    #[arg(long)]
    pub(crate) program: Option<std::path::PathBuf>,
}

/// Runs `wavelane bench`.
pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.what {
        Some(BenchWhat::Vm(v)) => wavelane::bench::vm::run_bench(v.program.as_deref(), args.json),
        None => Ok(()),
    }
}
