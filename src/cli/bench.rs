//! `wavelane bench`: measure kernels on every backend against their peers.
//!
//! With no kernel named it runs every available kernel with default sizes
//! and prints one table.

use clap::{Args, Subcommand};
use std::time::Duration;
use wavelane::bench::field::FieldBench;
use wavelane::bench::Reporter;
use wavelane::kernels::{Backend, FieldOp};

/// Arguments of `wavelane bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    kernel: Option<Kernel>,
    /// Print one JSON object per measurement instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Seconds spent on each measurement.
    #[arg(long, global = true, default_value_t = 0.7)]
    budget: f64,
}

#[derive(Subcommand)]
enum Kernel {
    /// felt252 batch arithmetic vs starknet-types-core.
    Field(FieldArgs),
}

#[derive(Args)]
struct FieldArgs {
    /// Backend to measure: scalar, simd, gpu or auto (default: all concrete backends).
    #[arg(long)]
    backend: Option<Backend>,
    /// Elements per batch.
    #[arg(long, default_value_t = 1 << 20)]
    n: usize,
    /// Ops to measure (comma-separated: add,sub,mul,inv).
    #[arg(long, value_delimiter = ',', default_value = "mul")]
    ops: Vec<String>,
}

/// Runs `wavelane bench`.
pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    let budget = Duration::from_secs_f64(args.budget.max(0.01));
    let field = match args.kernel {
        Some(Kernel::Field(f)) => FieldBench {
            n: f.n,
            ops: parse_ops(&f.ops)?,
            backends: f.backend.map_or_else(|| Backend::CONCRETE.to_vec(), |b| vec![b]),
            budget,
        },
        None => FieldBench { budget, ..FieldBench::default() },
    };
    let mut rep = Reporter::new(args.json, field.steps());
    field.run(&mut rep)?;
    rep.finish();
    Ok(())
}

fn parse_ops(names: &[String]) -> anyhow::Result<Vec<FieldOp>> {
    names
        .iter()
        .map(|s| {
            FieldOp::ALL
                .into_iter()
                .find(|op| op.name() == s.trim())
                .ok_or_else(|| anyhow::anyhow!("unknown op `{s}` (expected add, sub, mul or inv)"))
        })
        .collect()
}
