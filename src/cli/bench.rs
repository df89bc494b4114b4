//! `wavelane bench`: measurements against peers, one subcommand per family.
use crate::cli::InputError;
use clap::{Args, Subcommand};
use std::time::Duration;
use wavelane::bench::schedule::{self, ScheduleParams};
use wavelane::bench::Reporter;
use wavelane::workload::{Kind, Spec};

/// Arguments of `wavelane bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Print one JSON object per measurement.
    #[arg(long)]
    pub(crate) json: bool,
    #[command(subcommand)]
    what: Option<BenchWhat>,
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Serial execution against declared waves, Block-STM and optimistic waves.
    Schedule(ScheduleArgs),
}

#[derive(Args)]
struct ScheduleArgs {
    /// Workload: p2p, zipf, swaps or chain.
    #[arg(long, default_value = "p2p")]
    workload: String,
    /// Accounts (traders, for swaps).
    #[arg(long, default_value_t = 1000)]
    accounts: usize,
    /// Pools (swaps only).
    #[arg(long, default_value_t = 4)]
    pools: usize,
    /// Transactions in the block.
    #[arg(long, default_value_t = 10_000)]
    txs: usize,
    /// Thread counts, comma-separated (default: every core).
    #[arg(long, value_delimiter = ',')]
    threads: Vec<usize>,
    /// Seed of the workload generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Milliseconds spent on each figure.
    #[arg(long, default_value_t = 2000)]
    budget_ms: u64,
    /// Print one JSON object per measurement.
    #[arg(long)]
    json: bool,
}

/// Runs `wavelane bench`.
pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.what {
        Some(BenchWhat::Schedule(s)) => run_schedule(s, args.json),
        None => Ok(()),
    }
}

fn run_schedule(args: ScheduleArgs, json: bool) -> anyhow::Result<()> {
    let json = json || args.json;
    let kind: Kind = args.workload.parse().map_err(InputError)?;
    let mut threads = args.threads;
    if threads.is_empty() {
        threads.push(std::thread::available_parallelism().map_or(1, |n| n.get()));
    }
    if threads.contains(&0) {
        return Err(InputError("--threads: a thread count must be at least 1".into()).into());
    }
    let params = ScheduleParams {
        spec: Spec {
            kind,
            accounts: args.accounts,
            pools: args.pools,
            txs: args.txs,
            seed: args.seed,
        },
        budget: Duration::from_millis(args.budget_ms),
        threads,
    };
    let mut reporter = Reporter::new(json, 2 + 4 * params.threads.len() as u64);
    let stats = schedule::run(&params, &mut reporter)?;
    reporter.finish();
    if json {
        println!("{}", serde_json::to_string(&stats)?);
    } else {
        println!(
            "declared waves: {} (planning {:.2}% of serial) | Block-STM re-executions: {} (suspensions {}) | optimistic waves: {}, re-executions: {}",
            stats.declared_waves,
            stats.planning_percent_of_serial,
            stats.blockstm_re_executions,
            stats.blockstm_suspensions,
            stats.optimistic_waves,
            stats.optimistic_re_executions
        );
    }
    Ok(())
}
