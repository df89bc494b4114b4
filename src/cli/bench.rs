//! `wavelane bench`: measures kernels on every backend against their peers.
use clap::{Args, Subcommand, ValueEnum};
use std::time::Duration;
use wavelane::bench::{hash, Reporter};

/// Arguments of `wavelane bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    /// Print one JSON object per measurement.
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// Which kernel family.
    #[command(subcommand)]
    what: Option<What>,
}

#[derive(Subcommand)]
enum What {
    /// Poseidon and Pedersen pair hashes per second.
    Hash(HashBenchArgs),
}

#[derive(Clone, Copy, ValueEnum)]
enum HashAlgo {
    Poseidon,
    Pedersen,
}

#[derive(Args)]
struct HashBenchArgs {
    /// Only this hash (default: both).
    #[arg(long, value_enum)]
    algo: Option<HashAlgo>,
    /// Batch sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1usize << 10, 1 << 16, 1 << 20])]
    sizes: Vec<usize>,
    /// Milliseconds spent per figure.
    #[arg(long, default_value_t = 500)]
    budget_ms: u64,
}

/// Runs `wavelane bench`.
pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.what {
        None => Ok(()),
        Some(What::Hash(h)) => {
            let algos = match h.algo {
                None => vec![hash::Algo::Poseidon, hash::Algo::Pedersen],
                Some(HashAlgo::Poseidon) => vec![hash::Algo::Poseidon],
                Some(HashAlgo::Pedersen) => vec![hash::Algo::Pedersen],
            };
            let o = hash::Options {
                algos,
                sizes: h.sizes,
                budget: Duration::from_millis(h.budget_ms),
            };
            let mut rep = Reporter::new(args.json, hash::steps(&o));
            hash::run(&mut rep, &o)?;
            rep.finish();
            Ok(())
        }
    }
}
