//! The trace of a block: valid Chrome trace JSON with every stage, spans
//! nested properly on each thread, GPU passes (from timestamp queries) on
//! the GPU backend where the adapter has them, and the per-block counters;
//! and nothing recorded while tracing is off.
//!
//! One test function: the recorder is process-wide.

use wavelane::host::block::{BlockExecutor, ExecutorConfig, Mode};
use wavelane::host::exec::{balance_key, NativeTx, Transfer, STRK, U256};
use wavelane::host::state::{ContractAddress, StateDiff};
use wavelane::kernels::gpu::context_or_skip;
use wavelane::kernels::trace::{self, Event, Kind, Trace};
use wavelane::kernels::Backend;
use wavelane::Felt;

fn account(i: u64) -> ContractAddress {
    ContractAddress::from_u64(0x1000 + i)
}

fn genesis(n: u64) -> StateDiff {
    let mut d = StateDiff::default();
    let cells = d.storage.entry(STRK).or_default();
    for i in 0..n {
        cells.insert(balance_key(account(i)), Felt::from(1u128 << 80));
    }
    for i in 0..n {
        d.deployed.insert(account(i), Felt::from(0xacc0u64));
    }
    d
}

fn block(n: u64, txs: u64) -> Vec<NativeTx> {
    (0..txs)
        .map(|k| {
            let from = k % n;
            NativeTx::Transfer(Transfer {
                token: STRK,
                from: account(from),
                to: account((k * 7 + 3) % n),
                amount: U256::from(1000 + k),
                nonce: k / n,
                fee: 10,
            })
        })
        .collect()
}

/// Runs one block of `txs` transfers on `backend` with tracing on.
fn traced_block(backend: Backend, mode: Mode, threads: usize) -> Trace {
    let config = ExecutorConfig { backend, mode, threads, cache_size: Some(1 << 12), ..ExecutorConfig::default() };
    let mut exec = BlockExecutor::new(config).expect("a thread pool");
    exec.commit_diff(&genesis(40)).expect("genesis");
    trace::start();
    exec.execute_native(&block(40, 120)).expect("the block runs");
    trace::finish()
}

/// On every thread, spans either nest or follow each other: sorted by start
/// (longer first on ties), each one lies inside the innermost open span
/// that it starts in.
fn check_nesting(events: &[Event]) {
    let mut tids: Vec<u64> = events.iter().map(|e| e.tid).collect();
    tids.sort_unstable();
    tids.dedup();
    for tid in tids {
        let mut spans: Vec<&Event> = events.iter().filter(|e| e.tid == tid && e.kind == Kind::Span).collect();
        spans.sort_by(|a, b| a.ts.total_cmp(&b.ts).then(b.dur.total_cmp(&a.dur)));
        let mut open: Vec<&Event> = Vec::new();
        for s in spans {
            while open.last().is_some_and(|o| o.ts + o.dur <= s.ts + 1e-3) {
                open.pop();
            }
            if let Some(o) = open.last() {
                assert!(
                    s.ts + s.dur <= o.ts + o.dur + 1e-3,
                    "thread {tid}: {} overlaps {} without nesting",
                    s.name,
                    o.name
                );
            }
            open.push(s);
        }
    }
}

fn names(t: &Trace) -> Vec<&str> {
    t.events.iter().map(|e| e.name.as_ref()).collect()
}

#[test]
fn a_block_traces_every_stage_nested_with_gpu_passes_and_counters() {
    // Off: nothing is recorded.
    let mut exec = BlockExecutor::new(ExecutorConfig { backend: Backend::Simd, ..ExecutorConfig::default() })
        .expect("a thread pool");
    exec.commit_diff(&genesis(10)).expect("genesis");
    exec.execute_native(&block(10, 20)).expect("a block");
    trace::start();
    let empty = trace::finish();
    assert!(empty.events.is_empty(), "recorded while off: {:?}", names(&empty));

    // The CPU: every stage, Block-STM's workers on the executor's threads.
    let cpu = traced_block(Backend::Simd, Mode::BlockStm, 2);
    let n = names(&cpu);
    for stage in [
        "block",
        "prepare",
        "block.execute",
        "execute",
        "blockstm.worker",
        "diff",
        "commit.storage",
        "commit.leaves",
        "commit.contracts",
        "commit.classes",
        "apply",
        "trie.level",
    ] {
        assert!(n.contains(&stage), "no {stage} span in {n:?}");
    }
    let workers: Vec<u64> = cpu.events.iter().filter(|e| e.name == "blockstm.worker").map(|e| e.tid).collect();
    assert_eq!(workers.len(), 2, "one worker span per thread");
    assert_ne!(workers[0], workers[1]);
    for w in &workers {
        let name = &cpu.threads.iter().find(|t| t.0 == *w).expect("named").1;
        assert!(name.starts_with("wavelane-exec-"), "{name}");
    }
    check_nesting(&cpu.events);
    let block = cpu.events.iter().find(|e| e.name == "block").expect("block span");
    for e in cpu.events.iter().filter(|e| e.kind == Kind::Span) {
        assert!(e.ts >= block.ts - 1e-3 && e.ts + e.dur <= block.ts + block.dur + 1e-3, "{} outside the block", e.name);
    }
    assert!(block.args.contains(&("transactions", 120.0)));
    for c in ["bytes_up", "bytes_down", "storage_updates", "failed", "cold_loads", "cold_bytes"] {
        assert!(cpu.events.iter().any(|e| e.name == c && matches!(e.kind, Kind::Counter(_))), "no counter {c}");
    }
    let json: serde_json::Value = serde_json::from_str(&cpu.to_chrome_json()).expect("valid JSON");
    let events = json["traceEvents"].as_array().expect("traceEvents");
    assert!(events.iter().any(|e| e["ph"] == "X" && e["name"] == "commit.storage"));
    assert!(events.iter().any(|e| e["ph"] == "M" && e["name"] == "thread_name"));

    // The GPU (lavapipe in CI): passes on the GPU track, inside the stage
    // that submitted them, on the same timeline.
    let Some(ctx) = context_or_skip("a_block_traces_every_stage_nested_with_gpu_passes_and_counters (gpu)") else {
        return;
    };
    let gpu = traced_block(Backend::Gpu, Mode::Dag, 1);
    check_nesting(&gpu.events);
    let up = gpu.events.iter().find_map(|e| match (e.name.as_ref(), &e.kind) {
        ("bytes_up", Kind::Counter(v)) => Some(*v),
        _ => None,
    });
    assert!(up.is_some_and(|v| v > 0.0), "the GPU block sent bytes: {up:?}");
    let passes: Vec<&Event> = gpu.events.iter().filter(|e| e.kind == Kind::Gpu).collect();
    if ctx.has_timestamps() {
        assert!(passes.iter().any(|p| p.name.contains("commit.storage/trie level")), "{:?}", names(&gpu));
        let block = gpu.events.iter().find(|e| e.name == "block").expect("block span");
        for p in &passes {
            assert!(p.dur >= 0.0 && p.ts + p.dur <= block.ts + block.dur + 1e-3, "{} after its block", p.name);
        }
    } else {
        assert!(passes.is_empty(), "GPU spans without timestamp queries");
    }
}
