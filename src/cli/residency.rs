//! `wavelane bench residency`: the bytes a block moves to and from the GPU
//! with the hot state resident, against uploading every touched key.

use crate::cli::InputError;
use clap::Args;
use wavelane::bench::residency::{self, BlockRow, Options, Summary};
use wavelane::bench::Reporter;
use wavelane::host::block::Mode;

/// Arguments of `wavelane bench residency`.
#[derive(Args)]
pub(crate) struct ResidencyArgs {
    #[command(flatten)]
    workload: crate::cli::run::WorkloadArgs,
    /// Blocks measured after the warm-up.
    #[arg(long, default_value_t = 4)]
    blocks: usize,
    /// Blocks run first, loading whatever they touch, to fill the cache.
    #[arg(long, default_value_t = 4)]
    warmup: usize,
    /// The cache as a share of the state's keys (3 per account).
    #[arg(long, default_value_t = 0.1)]
    cache_fraction: f64,
    /// LOAD_LIMIT: state bytes a measured block may upload (36 per cold entry).
    #[arg(long, value_name = "BYTES", default_value_t = 65_536)]
    load_limit: u64,
    /// waves (declared, in place) or optimistic.
    #[arg(long, default_value = "waves")]
    mode: Mode,
    /// Worker threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Transactions arriving per block, as a multiple of --txs (above 1
    /// keeps blocks full while transactions with cold keys wait).
    #[arg(long, default_value_t = 1.25)]
    arrivals: f64,
}

/// Runs the bench and prints each block and the steady state (a table, or
/// JSON lines with `--json`).
pub(crate) fn run(args: ResidencyArgs, json: bool) -> anyhow::Result<()> {
    if !matches!(args.mode, Mode::Waves | Mode::Optimistic) {
        return Err(InputError(format!("--mode {}: the GPU runs waves or optimistic", args.mode)).into());
    }
    if args.blocks == 0 {
        return Err(InputError("--blocks must be at least 1".into()).into());
    }
    if !(args.cache_fraction > 0.0 && args.cache_fraction <= 1.0) {
        return Err(InputError(format!("--cache-fraction {}: expected a share in (0, 1]", args.cache_fraction)).into());
    }
    if !(args.arrivals > 0.0 && args.arrivals <= 16.0) {
        return Err(InputError(format!("--arrivals {}: expected a multiple in (0, 16]", args.arrivals)).into());
    }
    let o = Options {
        arrivals: args.arrivals,
        spec: args.workload.spec(0.3)?,
        blocks: args.blocks,
        warmup: args.warmup,
        cache_fraction: args.cache_fraction,
        load_limit: args.load_limit,
        mode: args.mode,
        threads: args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())),
    };
    let mut rep = Reporter::new(json, residency::steps(&o));
    let (rows, summary) = residency::run(&mut rep, &o)?;
    rep.finish();
    print(&rows, &summary, json)
}

fn print(rows: &[BlockRow], s: &Summary, json: bool) -> anyhow::Result<()> {
    if json {
        for r in rows {
            let mut v = serde_json::to_value(r)?;
            v.as_object_mut().expect("a struct").insert("bench".into(), "residency.block".into());
            println!("{v}");
        }
        let mut v = serde_json::to_value(s)?;
        v.as_object_mut().expect("a struct").insert("bench".into(), "residency.summary".into());
        println!("{v}");
        return Ok(());
    }
    let ms = |k: Option<f64>| k.map_or("-".to_string(), |k| format!("{:.1}", k * 1e3));
    println!(
        "{:>6} {:>6} {:>7} {:>6} {:>7} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>22} {:>9}",
        "block",
        "txs",
        "waiting",
        "cold",
        "hot",
        "state up",
        "baseline",
        "inputs up",
        "rcpt dn",
        "written",
        "all up",
        "kernel ms (exec/st/ct)",
        "total s"
    );
    for r in rows {
        let k = format!("{}/{}/{}", ms(r.kernel_seconds[0]), ms(r.kernel_seconds[1]), ms(r.kernel_seconds[2]));
        println!(
            "{:>5}{} {:>6} {:>7} {:>6} {:>7} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>22} {:>9.2}",
            r.number,
            if r.measured { " " } else { "w" },
            r.txs,
            r.waiting,
            r.cold_loads,
            r.hot_hits,
            r.state_bytes_up,
            r.baseline_state_bytes_up,
            r.input_bytes_up,
            r.receipt_bytes_down,
            r.written_bytes_down,
            r.bytes_up,
            k,
            r.total_seconds
        );
    }
    println!(
        "residency ({}, {} accounts, {} txs/block (mean {:.0}), {} on {}): cache {} B, LOAD_LIMIT {} B | steady state over {} blocks: \
         {:.0} state B up per block (max {}) vs {:.0} B uploading every touched key = {:.1}× fewer; inputs {:.0} B up \
         (the same in both); {:.0} B down; hit rate {:.1} %; {:.0} tx/s root included (w: warm-up)",
        s.workload,
        s.accounts,
        s.txs,
        s.mean_txs,
        s.mode,
        s.adapter,
        s.cache_bytes,
        s.load_limit,
        s.blocks,
        s.state_bytes_up,
        s.max_state_bytes_up,
        s.baseline_state_bytes_up,
        s.reduction,
        s.input_bytes_up,
        s.execution_bytes_down,
        s.hit_rate * 100.0,
        s.tx_per_sec
    );
    Ok(())
}
