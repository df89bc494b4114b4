//! `wavelane bench`: measure kernels on every backend against their peers.
//!
//! With no kernel named it runs every kernel family with sizes that finish
//! in about a minute and prints one table. Unless `--backend gpu` asks for
//! it, a software GPU adapter (lavapipe) is not measured: its figures are
//! correctness-only.

use crate::cli::InputError;
use clap::{Args, Subcommand, ValueEnum};
use std::time::Duration;
use wavelane::bench::field::FieldBench;
use wavelane::bench::schedule::{self, Mode, ScheduleParams, ScheduleStats};
use wavelane::bench::{block, commit, default_backends, gpu_left_out, hash, trie, vm, Reporter};
use wavelane::kernels::trie::TrieHash;
use wavelane::kernels::{Backend, FieldOp};
use wavelane::workload::{Kind, Spec};

/// Arguments of `wavelane bench`.
#[derive(Args)]
pub(crate) struct BenchArgs {
    #[command(subcommand)]
    kernel: Option<Kernel>,
    /// Print one JSON object per measurement instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Seconds spent on each measurement.
    #[arg(long, global = true, default_value_t = 0.5)]
    budget: f64,
}

#[derive(Subcommand)]
enum Kernel {
    /// felt252 batch arithmetic vs starknet-types-core.
    Field(FieldArgs),
    /// Poseidon and Pedersen pair hashes per second vs starknet-crypto.
    Hash(HashArgs),
    /// Cairo VM steps per second vs cairo-vm.
    Vm(VmArgs),
    /// Serial execution against declared waves, Block-STM and optimistic waves.
    Schedule(ScheduleArgs),
    /// One block of writes to a Merkle-Patricia trie, every backend vs a per-key peer.
    Trie(TrieArgs),
    /// One block's state diff committed over a random Starknet state, every backend vs a per-key peer.
    Commit(CommitArgs),
    /// Whole blocks, root included, every backend and mode vs serial + per-key starknet-crypto.
    Block(BlockArgs),
    /// Bytes per block to and from the GPU with the hot state resident, vs uploading every touched key.
    Residency(crate::cli::residency::ResidencyArgs),
    /// The contracts' records: bytes per account and lookups vs a hash map.
    Index(IndexArgs),
}

#[derive(Args)]
struct IndexArgs {
    /// Contract counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [1_000_000])]
    accounts: Vec<usize>,
    /// Seed of the random addresses.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Args)]
struct BlockArgs {
    #[command(flatten)]
    workload: crate::cli::run::WorkloadArgs,
    /// Hot shares to measure, comma-separated (the hot workload).
    #[arg(long, value_delimiter = ',', default_values_t = [0.3])]
    hot: Vec<f64>,
    /// Blocks each configuration runs per round.
    #[arg(long, default_value_t = 2)]
    blocks: usize,
    /// Backends, comma-separated (default: scalar,simd, and gpu when a
    /// hardware adapter is present).
    #[arg(long, value_delimiter = ',')]
    backend: Vec<Backend>,
    /// Modes, comma-separated (default: waves,dag,block-stm,optimistic;
    /// serial is always measured).
    #[arg(long, value_delimiter = ',')]
    mode: Vec<wavelane::host::block::Mode>,
    /// Threads (default: every core).
    #[arg(long)]
    threads: Option<usize>,
    /// Storage writes the per-key peer commits (scaled to the block).
    #[arg(long, default_value_t = 1_000)]
    peer_updates: usize,
    #[command(flatten)]
    trace: crate::cli::trace::TraceArg,
    /// Also measure what tracing costs (the best configuration with the
    /// recorder on and off, alternately).
    #[arg(long, conflicts_with = "trace")]
    trace_cost: bool,
    /// Also measure the best configuration with a redb store behind it
    /// (`always`: durable commits, `never`: fast), against memory.
    #[arg(long, value_name = "SYNC")]
    store: Option<wavelane::host::store::Sync>,
    /// With --store: also measure the store with a RAM tier of this many
    /// bytes (`512M`, `2G` or a number), starting cold.
    #[arg(long, value_name = "BYTES", value_parser = crate::cli::run::parse_bytes, requires = "store")]
    ram_budget: Option<u64>,
    /// The Cold LRU's bytes for every configuration; on the GPU (waves,
    /// optimistic) the resident table's (36 bytes per entry).
    #[arg(long, value_name = "BYTES")]
    cache_size: Option<u64>,
}

#[derive(Args)]
struct CommitArgs {
    /// Contracts in the state.
    #[arg(long, default_value_t = 10_000)]
    contracts: usize,
    /// Storage cells in the state, over all contracts.
    #[arg(long, default_value_t = 1_000_000)]
    cells: usize,
    /// Storage writes in the block.
    #[arg(long, default_value_t = 100_000)]
    updates: usize,
    /// Zipf exponent of cells and writes over contracts (0: uniform).
    #[arg(long, default_value_t = 1.0)]
    zipf: f64,
    /// Writes the per-key starknet-crypto peer applies (a prefix of the block; 0 skips it).
    #[arg(long, default_value_t = 2_000)]
    peer_updates: usize,
    /// Backends to measure, comma-separated (default: scalar,simd, and gpu
    /// when a hardware adapter is present).
    #[arg(long, value_delimiter = ',')]
    backend: Vec<Backend>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

#[derive(Args)]
struct TrieArgs {
    /// Node hash: pedersen or poseidon.
    #[arg(long, default_value = "pedersen")]
    hash: String,
    /// Leaves in the tree before the block.
    #[arg(long, default_value_t = 1 << 20)]
    leaves: usize,
    /// Writes in the block.
    #[arg(long, default_value_t = 100_000)]
    updates: usize,
    /// Writes the per-key starknet-crypto peer applies (a prefix of the block; 0 skips it).
    #[arg(long, default_value_t = 2_000)]
    peer_updates: usize,
    /// Backends to measure, comma-separated (default: scalar, simd, and gpu
    /// unless its adapter is a software rasterizer).
    #[arg(long, value_delimiter = ',')]
    backend: Vec<Backend>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
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
    /// Parallel modes, comma-separated: ceiling, waves, dag, block-stm,
    /// optimistic (default: all). Serial runs are always measured.
    #[arg(long, value_delimiter = ',')]
    modes: Vec<String>,
    /// Seed of the workload generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// `bench vm --workload`.
#[derive(Clone, Copy, ValueEnum)]
enum VmWorkload {
    /// `fib(1, 1, n)`.
    Fib,
    /// `chain(i, n)`: pedersen and poseidon builtins.
    Hashes,
}

#[derive(Args)]
struct VmArgs {
    /// A compiled Cairo 0 program (default: the bundled long-running ones).
    #[arg(long, conflicts_with = "backend")]
    program: Option<std::path::PathBuf>,
    /// Measure a batch of runs instead, on these backends (comma-separated:
    /// scalar, simd, gpu; simd, the CPU VM on all cores, is always
    /// measured), against cairo-vm on one core: `--lanes` runs of the
    /// `--workload` with n from `--n` to `--n` + `--spread`.
    #[arg(long, value_delimiter = ',')]
    backend: Vec<Backend>,
    /// What each run of a batch computes: `fib` is `fib(1, 1, n)` from
    /// tests/cairo/fib_loop.json (about 7 steps per n); `hashes` is
    /// `chain(i, n)` from tests/cairo/hash_lanes.json, n rounds of a
    /// pedersen then a poseidon hash (about 30 steps per n).
    #[arg(long, value_enum, default_value = "fib", requires = "backend")]
    workload: VmWorkload,
    /// Runs in the batch.
    #[arg(long, default_value_t = 1024)]
    lanes: usize,
    /// The smallest length of a lane (fib terms or hash rounds).
    #[arg(long, default_value_t = 200)]
    n: u64,
    /// How far the lanes' lengths spread above `--n`.
    #[arg(long, default_value_t = 100)]
    spread: u64,
}

#[derive(Args)]
struct FieldArgs {
    /// Backend to measure: scalar, simd, gpu or auto (default: scalar, simd,
    /// and gpu unless its adapter is a software rasterizer).
    #[arg(long)]
    backend: Option<Backend>,
    /// Elements per batch.
    #[arg(long, default_value_t = 1 << 16)]
    n: usize,
    /// Ops to measure (comma-separated: add,sub,mul,inv).
    #[arg(long, value_delimiter = ',', default_value = "mul")]
    ops: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum HashAlgo {
    Poseidon,
    Pedersen,
}

#[derive(Args)]
struct HashArgs {
    /// Only this hash (default: both).
    #[arg(long, value_enum)]
    algo: Option<HashAlgo>,
    /// Batch sizes, comma-separated (1048576 is a good next size: it takes
    /// several minutes on two cores, mostly in the peer and scalar rows).
    #[arg(long, value_delimiter = ',', default_values_t = [1usize << 10, 1 << 16])]
    sizes: Vec<usize>,
    /// Backends to measure, comma-separated: scalar, simd, gpu, auto
    /// (default: scalar, simd, and gpu unless its adapter is a software
    /// rasterizer).
    #[arg(long, value_delimiter = ',')]
    backend: Vec<Backend>,
}

/// One kernel family's part of a run.
enum Part {
    Field(FieldBench),
    Hash(hash::Options),
    Vm(Option<std::path::PathBuf>, Duration),
    VmBatch(vm::BatchBench),
    Schedule(ScheduleParams),
    Trie(trie::Options),
    Commit(commit::Options),
    Block(block::Options),
}

/// What a part prints after the table.
enum Summary {
    Block(Box<block::Summary>),
    Schedule(ScheduleStats),
    Trie(trie::Summary),
    Commit(commit::Summary),
}

impl Part {
    fn steps(&self) -> u64 {
        match self {
            Part::Field(f) => f.steps(),
            Part::Hash(o) => hash::steps(o),
            Part::Vm(Some(_), _) => 3,
            Part::Vm(None, _) => 3 * vm::DEFAULT_PROGRAMS.len() as u64,
            Part::VmBatch(o) => vm::batch_steps(o),
            Part::Schedule(p) => 2 + 4 * p.threads.len() as u64,
            Part::Trie(o) => trie::steps(o),
            Part::Block(o) => block::steps(o),
            Part::Commit(o) => commit::steps(o),
        }
    }

    /// Runs the part; the scheduler and the trie also return a summary.
    fn run(&self, rep: &mut Reporter) -> anyhow::Result<Option<Summary>> {
        match self {
            Part::Schedule(p) => schedule::run(p, rep).map(|s| Some(Summary::Schedule(s))),
            Part::Trie(o) => trie::run(rep, o).map(|s| Some(Summary::Trie(s))),
            Part::Commit(o) => commit::run(rep, o).map(|s| Some(Summary::Commit(s))),
            Part::Block(o) => block::run(rep, o).map(|s| Some(Summary::Block(Box::new(s)))),
            _ => self.run_kernel(rep).map(|()| None),
        }
    }

    fn run_kernel(&self, rep: &mut Reporter) -> anyhow::Result<()> {
        match self {
            Part::Schedule(_) | Part::Trie(_) | Part::Commit(_) | Part::Block(_) => unreachable!("handled in run"),
            Part::Field(f) => f.run(rep),
            Part::Hash(o) => hash::run(rep, o),
            Part::VmBatch(o) => vm::bench_batch(o, rep),
            Part::Vm(Some(path), budget) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| anyhow::anyhow!("cannot read program {}: {e}", path.display()))?;
                let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("program");
                vm::bench_program(name, &text, *budget, rep)
            }
            Part::Vm(None, budget) => {
                for (name, text) in vm::DEFAULT_PROGRAMS {
                    vm::bench_program(name, text, *budget, rep)?;
                }
                Ok(())
            }
        }
    }
}

/// Runs `wavelane bench index`: the rates as a table or JSON lines, then
/// the bytes per account at each size.
fn run_index(args: IndexArgs, json: bool) -> anyhow::Result<()> {
    if let Some(bad) = args.accounts.iter().find(|&&n| n == 0 || n >= u32::MAX as usize) {
        return Err(crate::cli::InputError(format!("--accounts {bad}: expected 1 to 2^32 - 2")).into());
    }
    let mut rep = Reporter::new(json, 4 * args.accounts.len() as u64);
    let mut memory = Vec::new();
    for &n in &args.accounts {
        memory.push(wavelane::bench::index::measure(&mut rep, n, args.seed));
    }
    rep.finish();
    for m in &memory {
        if json {
            println!("{}", serde_json::to_string(m)?);
        } else {
            println!(
                "index of {} contracts: {:.1} bytes per account (hash map: {:.1}, {:.2}x)",
                m.accounts,
                m.index_bytes_per_account,
                m.map_bytes_per_account,
                m.map_bytes_per_account / m.index_bytes_per_account
            );
        }
    }
    Ok(())
}

/// Runs `wavelane bench`.
pub(crate) fn run(args: BenchArgs) -> anyhow::Result<()> {
    let budget = Duration::from_secs_f64(args.budget.max(0.01));
    let args = match args.kernel {
        Some(Kernel::Residency(r)) => return crate::cli::residency::run(r, args.json),
        Some(Kernel::Index(i)) => return run_index(i, args.json),
        kernel => BenchArgs { kernel, ..args },
    };
    // Whether a part measures the default backends (and may leave the GPU out).
    let defaulted = match &args.kernel {
        Some(Kernel::Field(f)) => f.backend.is_none(),
        Some(Kernel::Hash(h)) => h.backend.is_empty(),
        Some(Kernel::Trie(t)) => t.backend.is_empty(),
        Some(Kernel::Commit(c)) => c.backend.is_empty(),
        Some(Kernel::Block(b)) => b.backend.is_empty(),
        Some(Kernel::Vm(_) | Kernel::Schedule(_) | Kernel::Residency(_) | Kernel::Index(_)) => false,
        None => true,
    };
    let trace = match &args.kernel {
        Some(Kernel::Block(b)) => b.trace.clone(),
        _ => crate::cli::trace::TraceArg::default(),
    };
    let parts = match args.kernel {
        Some(Kernel::Field(f)) => vec![Part::Field(FieldBench {
            n: f.n,
            ops: parse_ops(&f.ops)?,
            backends: f.backend.map_or_else(default_backends, |b| vec![b]),
            budget,
        })],
        Some(Kernel::Hash(h)) => {
            let algos = match h.algo {
                None => vec![hash::Algo::Poseidon, hash::Algo::Pedersen],
                Some(HashAlgo::Poseidon) => vec![hash::Algo::Poseidon],
                Some(HashAlgo::Pedersen) => vec![hash::Algo::Pedersen],
            };
            let backends = if h.backend.is_empty() { default_backends() } else { h.backend };
            vec![Part::Hash(hash::Options { algos, sizes: h.sizes, budget, backends })]
        }
        Some(Kernel::Vm(v)) if !v.backend.is_empty() => vec![Part::VmBatch(vm::BatchBench {
            workload: match v.workload {
                VmWorkload::Fib => vm::Workload::Fib,
                VmWorkload::Hashes => vm::Workload::Hashes,
            },
            lanes: v.lanes,
            n: v.n,
            spread: v.spread,
            backends: v.backend,
            budget,
        })],
        Some(Kernel::Vm(v)) => vec![Part::Vm(v.program, budget)],
        Some(Kernel::Schedule(s)) => vec![Part::Schedule(schedule_params(s, budget)?)],
        Some(Kernel::Trie(t)) => vec![Part::Trie(trie::Options {
            hash: TrieHash::parse(&t.hash)
                .ok_or_else(|| InputError(format!("--hash: unknown hash `{}` (pedersen or poseidon)", t.hash)))?,
            leaves: t.leaves,
            updates: t.updates,
            peer_updates: t.peer_updates,
            backends: if t.backend.is_empty() { default_backends() } else { t.backend },
            budget,
            seed: t.seed,
        })],
        Some(Kernel::Commit(c)) => {
            if c.contracts == 0 || c.updates == 0 {
                return Err(InputError("--contracts and --updates must be at least 1".into()).into());
            }
            if !(c.zipf >= 0.0 && c.zipf.is_finite()) {
                return Err(InputError(format!("--zipf {}: expected a finite exponent ≥ 0", c.zipf)).into());
            }
            vec![Part::Commit(commit::Options {
                contracts: c.contracts,
                cells: c.cells,
                updates: c.updates,
                zipf: c.zipf,
                peer_updates: c.peer_updates,
                backends: if c.backend.is_empty() { default_backends() } else { c.backend },
                budget,
                seed: c.seed,
            })]
        }
        Some(Kernel::Block(b)) => vec![Part::Block(block_options(b, budget)?)],
        Some(Kernel::Residency(_) | Kernel::Index(_)) => unreachable!("run above"),
        None => vec![
            Part::Field(FieldBench { budget, ..FieldBench::default() }),
            Part::Hash(hash::Options { sizes: vec![1 << 12], budget, ..hash::Options::default() }),
            Part::Vm(None, budget),
            Part::Schedule(ScheduleParams {
                spec: Spec::new(Kind::P2p, 1000, 10_000),
                budget,
                threads: vec![all_cores()],
                modes: Mode::ALL.to_vec(),
            }),
            Part::Trie(trie::Options {
                leaves: 1 << 16,
                updates: 4096,
                peer_updates: 500,
                budget,
                ..Default::default()
            }),
        ],
    };
    if defaulted {
        if let Some(note) = gpu_left_out() {
            eprintln!("{note}");
        }
    }
    let mut rep = Reporter::new(args.json, parts.iter().map(Part::steps).sum());
    let summaries = trace.around(|| {
        let mut summaries = Vec::new();
        for p in &parts {
            summaries.extend(p.run(&mut rep)?);
        }
        Ok(summaries)
    })?;
    rep.finish();
    for s in summaries {
        match s {
            Summary::Schedule(stats) => print_schedule_summary(&stats, args.json)?,
            Summary::Trie(t) => print_trie_summary(&t, args.json)?,
            Summary::Commit(c) => print_commit_summary(&c, args.json)?,
            Summary::Block(b) => print_block_summary(&b, args.json)?,
        }
    }
    Ok(())
}

/// The commit bench's counts: a line after the table, or one JSON object
/// with `"bench": "commit.summary"`.
fn print_commit_summary(c: &commit::Summary, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json_summary("commit.summary", c);
    }
    let gpu = match (c.gpu_bytes_up, c.gpu_bytes_down) {
        (Some(up), Some(down)) => format!(", gpu {up} B up / {down} B down"),
        _ => String::new(),
    };
    println!(
        "commit: {} contracts, {} cells (zipf {}) built in {:.2} s | block: {} updates over {} tries (top contract {:.1} %), \
         {} hashes, {} forest levels{gpu} | forest {:.0} ns/hash vs one trie {:.0} ns/hash = {:.2}× | root {}",
        c.contracts,
        c.cells,
        c.zipf,
        c.build_seconds,
        c.updates,
        c.tries,
        c.top_contract_share * 100.0,
        c.hashes,
        c.levels,
        c.forest_ns_per_hash,
        c.one_trie_ns_per_hash,
        c.forest_vs_one_trie,
        c.root
    );
    Ok(())
}

fn block_options(b: BlockArgs, budget: Duration) -> anyhow::Result<block::Options> {
    use wavelane::host::block::Mode;
    let hot = b.hot.first().copied().unwrap_or(0.3);
    let spec = b.workload.spec(hot)?;
    for &h in &b.hot {
        b.workload.spec(h)?;
    }
    if b.blocks == 0 {
        return Err(InputError("--blocks must be at least 1".into()).into());
    }
    if b.threads == Some(0) {
        return Err(InputError("--threads must be at least 1".into()).into());
    }
    let hot = if spec.kind == Kind::Hot { b.hot } else { Vec::new() };
    Ok(block::Options {
        spec,
        hot,
        blocks: b.blocks,
        backends: if b.backend.is_empty() { default_backends() } else { b.backend },
        modes: if b.mode.is_empty() { vec![Mode::Waves, Mode::Dag, Mode::BlockStm, Mode::Optimistic] } else { b.mode },
        threads: b.threads.unwrap_or_else(all_cores),
        peer_updates: b.peer_updates.max(1),
        budget,
        trace_cost: b.trace_cost,
        store: b.store,
        ram_budget: b.ram_budget,
        cache_size: b.cache_size,
    })
}

/// Where a block's time goes: a few lines after the table, or one JSON
/// object with `"bench": "block.summary"`.
fn print_block_summary(s: &block::Summary, json: bool) -> anyhow::Result<()> {
    if json {
        return print_json_summary("block.summary", s);
    }
    let shares: Vec<String> =
        s.stage_shares.iter().filter(|(_, v)| **v >= 0.005).map(|(k, v)| format!("{k} {:.0} %", v * 100.0)).collect();
    println!(
        "block ({}, {} txs, {} accounts, {} threads): best {} at {:.0} tx/s, root included = {:.1}× the peer ({:.0} tx/s: \
         execution {:.2} s + per-key commit {:.2} s)",
        s.workload,
        s.txs,
        s.accounts,
        s.threads,
        s.best,
        s.best_tx_per_sec,
        s.best_vs_peer,
        s.peer_tx_per_sec,
        s.peer_seconds[0],
        s.peer_seconds[1]
    );
    println!("where the best block's time goes: {} | bound by {}", shares.join(", "), s.bound_by);
    for h in &s.hot {
        println!(
            "hot share {:.2}: best {} at {:.0} tx/s = {:.2}× the first share",
            h.share, h.best, h.tx_per_sec, h.vs_first_share
        );
    }
    if let Some(c) = &s.store {
        println!(
            "store (sync {}): {:.0} cells per block, write p50 {:.1} ms / p99 {:.1} ms; {:.2}× the in-memory throughput (best blocks), {:.2}× (mean, foldings included); {} bytes on disk",
            c.sync, c.cells_per_block, c.persist_ms[0], c.persist_ms[1], c.store_vs_memory, c.mean_vs_memory, c.bytes_on_disk
        );
        if let Some(t) = &c.tier {
            let line = |what: &str, m: &wavelane::bench::block_store::CacheMeans| {
                format!(
                    "{what}: per block {:.0} hits, {:.0} misses ({:.0} B read), {:.0} evicted; last block {} misses, {} B held",
                    m.hits, m.misses, m.bytes_read, m.evicted, m.last_misses, m.bytes
                )
            };
            println!(
                "RAM tier of {} B: {:.2}× the in-memory throughput; {}; {}",
                t.ram_budget,
                t.tier_vs_memory,
                line("cells", &t.cells),
                line("trie nodes", &t.nodes)
            );
        }
    }
    if let Some(t) = &s.trace_cost {
        println!(
            "tracing: on {:+.1} % ({:.0} events per block); off: {:.2} ns per span = {:.5} % of a block",
            t.on_overhead * 100.0,
            t.events_per_block,
            t.off_ns_per_span,
            t.off_overhead * 100.0
        );
    }
    let ms = |k: Option<f64>| k.map_or("-".to_string(), |k| format!("{:.1}", k * 1e3));
    for d in &s.device {
        println!(
            "{} block {}: up {} B (state {} B for {} cold, baseline {} B; jobs {} B) down {} B (execution {} B), \
             {} hot | kernel ms exec/storage/contracts/classes {}/{}/{}/{}, {:.1} ms end to end",
            d.config,
            d.block,
            d.bytes_up,
            d.state_bytes_up,
            d.cold_loads,
            d.baseline_state_bytes_up,
            d.input_bytes_up,
            d.bytes_down,
            d.execution_bytes_down,
            d.hot_hits,
            ms(d.kernel_seconds[0]),
            ms(d.kernel_seconds[1]),
            ms(d.kernel_seconds[2]),
            ms(d.kernel_seconds[3]),
            d.total_seconds * 1e3
        );
    }
    Ok(())
}

fn all_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn schedule_params(args: ScheduleArgs, budget: Duration) -> anyhow::Result<ScheduleParams> {
    let kind: Kind = args.workload.parse().map_err(InputError)?;
    let mut threads = args.threads;
    if threads.is_empty() {
        threads.push(all_cores());
    }
    if threads.contains(&0) {
        return Err(InputError("--threads: a thread count must be at least 1".into()).into());
    }
    if args.txs == 0 {
        return Err(InputError("--txs: a block needs at least 1 transaction".into()).into());
    }
    if args.accounts == 0 && kind != Kind::Chain {
        return Err(InputError(format!("--accounts: the {} workload needs at least 1 account", kind.name())).into());
    }
    if args.pools == 0 && kind == Kind::Swaps {
        return Err(InputError("--pools: the swaps workload needs at least 1 pool".into()).into());
    }
    let modes = if args.modes.is_empty() {
        Mode::ALL.to_vec()
    } else {
        args.modes
            .iter()
            .map(|m| m.parse().map_err(|e: String| InputError(format!("--modes: {e}"))))
            .collect::<Result<_, _>>()?
    };
    Ok(ScheduleParams {
        spec: Spec { pools: args.pools, seed: args.seed, ..Spec::new(kind, args.accounts, args.txs) },
        budget,
        threads,
        modes,
    })
}

/// The scheduler's counts: a line after the table, or one JSON object with
/// `"bench": "schedule.summary"`.
fn print_schedule_summary(stats: &ScheduleStats, json: bool) -> anyhow::Result<()> {
    if json {
        print_json_summary("schedule.summary", stats)?;
    } else {
        let mut line = format!(
            "declared waves: {} (planning {:.2}% of serial), graph edges: {}",
            stats.declared_waves, stats.planning_percent_of_serial, stats.declared_edges
        );
        if let (Some(v), Some(r), Some(s)) =
            (stats.blockstm_validations, stats.blockstm_re_executions, stats.blockstm_suspensions)
        {
            line += &format!(" | Block-STM validations: {v}, re-executions: {r} (suspensions {s})");
        }
        if let (Some(w), Some(v), Some(r), Some(sp), Some(l)) = (
            stats.optimistic_waves,
            stats.optimistic_validations,
            stats.optimistic_re_executions,
            stats.optimistic_speculative,
            stats.optimistic_lost_bets,
        ) {
            line +=
                &format!(" | optimistic waves: {w}, validations: {v}, re-executions: {r} ({sp} speculative, {l} lost)");
        }
        println!("{line}");
    }
    Ok(())
}

/// Prints `summary` as one JSON object with `"bench": name`.
fn print_json_summary(name: &str, summary: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut v = serde_json::to_value(summary)?;
    if let Some(map) = v.as_object_mut() {
        map.insert("bench".into(), name.into());
    }
    println!("{v}");
    Ok(())
}

/// The trie's counts: a line after the table, or one JSON object with
/// `"bench": "trie.summary"`.
fn print_trie_summary(t: &trie::Summary, json: bool) -> anyhow::Result<()> {
    if json {
        print_json_summary("trie.summary", t)?;
    } else {
        let gpu = match (t.gpu_bytes_up, t.gpu_bytes_down) {
            (Some(up), Some(down)) => format!(" | GPU per block: {up} B up, {down} B down"),
            _ => String::new(),
        };
        println!(
            "trie ({}): {} leaves built in {:.2} s, {} nodes, {:.0} B/leaf | block: {} keys, {} hashes in {} levels{gpu} | root {}",
            t.hash, t.leaves, t.build_seconds, t.nodes, t.bytes_per_leaf, t.keys, t.hashes, t.levels, t.root
        );
    }
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
