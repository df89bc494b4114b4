//! Benchmarks shared by `wavelane bench` and tools: each kernel family has a
//! module here that measures every backend and its peer in the same run and
//! reports [`Measurement`]s to a [`Reporter`] (a text table on stdout, or one
//! JSON object per line with `--json`; progress goes to stderr only).

pub mod block;
pub mod block_store;
pub mod commit;
pub mod field;
pub mod hash;
pub mod index;
pub mod residency;
pub mod schedule;
pub mod trie;
pub mod vm;

use serde::Serialize;
use std::time::{Duration, Instant};

/// One measured figure.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    /// The benchmark, e.g. `field.mul`.
    pub bench: String,
    /// The backend measured (`scalar`, `simd`, `gpu`) or the peer's name.
    pub backend: String,
    /// Items per batch.
    pub n: u64,
    /// Threads used (1 = single-threaded; the rayon pool size otherwise).
    pub threads: usize,
    /// Seconds per batch (best of the timed repetitions).
    pub seconds: f64,
    /// Items per second.
    pub per_sec: f64,
    /// The peer this figure is compared with, measured in the same run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// `per_sec / peer's per_sec` (above 1 means faster than the peer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio: Option<f64>,
    /// What this figure covers, e.g. `end-to-end` or `kernel-only`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Measurement {
    /// A figure for `n` items in `seconds` per batch.
    pub fn new(bench: &str, backend: &str, n: u64, threads: usize, seconds: f64) -> Measurement {
        Measurement {
            bench: bench.to_string(),
            backend: backend.to_string(),
            n,
            threads,
            seconds,
            per_sec: if seconds > 0.0 { n as f64 / seconds } else { f64::INFINITY },
            peer: None,
            ratio: None,
            scope: None,
        }
    }

    /// Records the ratio against `peer` (measured in the same run).
    pub fn against(mut self, peer: &Measurement) -> Measurement {
        self.peer = Some(peer.backend.clone());
        self.ratio = Some(self.per_sec / peer.per_sec);
        self
    }

    /// Sets what the figure covers.
    pub fn scope(mut self, scope: &str) -> Measurement {
        self.scope = Some(scope.to_string());
        self
    }
}

/// Where measurements go: a table or JSON lines on stdout, progress on stderr.
pub struct Reporter {
    json: bool,
    rows: Vec<Measurement>,
    progress: indicatif::ProgressBar,
}

impl Reporter {
    /// A reporter printing JSON lines (`json`) or a table at [`Reporter::finish`].
    /// `steps` sizes the progress bar (shown on stderr when it is a terminal).
    pub fn new(json: bool, steps: u64) -> Reporter {
        let progress = indicatif::ProgressBar::with_draw_target(Some(steps), indicatif::ProgressDrawTarget::stderr());
        progress.set_style(
            indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}")
                .expect("static template"),
        );
        Reporter { json, rows: Vec::new(), progress }
    }

    /// Shows what is being measured now.
    pub fn step(&self, what: &str) {
        self.progress.set_message(what.to_string());
    }

    /// Records one figure (printed at once with `--json`).
    pub fn push(&mut self, m: Measurement) {
        self.progress.inc(1);
        if self.json {
            self.progress.suspend(|| println!("{}", serde_json::to_string(&m).expect("plain struct")));
        }
        self.rows.push(m);
    }

    /// Counts one step done without a figure.
    pub fn progress_inc(&self) {
        self.progress.inc(1);
    }

    /// Everything recorded so far.
    pub fn rows(&self) -> &[Measurement] {
        &self.rows
    }

    /// Clears the progress bar and prints the table (text mode).
    pub fn finish(self) {
        self.progress.finish_and_clear();
        if self.json || self.rows.is_empty() {
            return;
        }
        println!(
            "{:<22} {:<18} {:>9} {:>7} {:>12} {:>14} {:>22}",
            "bench", "backend", "n", "threads", "time", "per second", "vs peer"
        );
        for m in &self.rows {
            let vs = match (&m.peer, m.ratio) {
                (Some(p), Some(r)) => format!("{r:.2}x {p}"),
                _ => String::new(),
            };
            let backend = match &m.scope {
                Some(s) => format!("{} ({s})", m.backend),
                None => m.backend.clone(),
            };
            println!(
                "{:<22} {:<18} {:>9} {:>7} {:>12} {:>14} {:>22}",
                m.bench,
                backend,
                m.n,
                m.threads,
                fmt_secs(m.seconds),
                fmt_rate(m.per_sec),
                vs
            );
        }
    }
}

/// The backends a bench measures when none are named: `scalar`, `simd`,
/// and `gpu` when `auto` would use the adapter. A software adapter
/// (lavapipe) is measured only when asked for (`--backend gpu`): it runs on
/// the same cores as `simd`, far slower, so its figures are
/// correctness-only and its large batches take minutes.
pub fn default_backends() -> Vec<wavelane_kernels::Backend> {
    use wavelane_kernels::Backend;
    if wavelane_kernels::gpu::selection().auto_gpu {
        Backend::CONCRETE.to_vec()
    } else {
        vec![Backend::Scalar, Backend::Simd]
    }
}

/// Why [`default_backends`] leaves the GPU out, when it does and a GPU
/// backend exists (a note for stderr).
pub fn gpu_left_out() -> Option<String> {
    let s = wavelane_kernels::gpu::selection();
    (s.adapter.is_ok() && !s.auto_gpu).then(|| {
        format!("note: gpu not measured ({}); pass --backend gpu to measure it anyway (correctness-only)", s.reason)
    })
}

/// Runs `f` until about `budget` has passed (at least `min_reps` times, one
/// warm-up excluded) and returns the fastest run in seconds.
pub fn best_of(budget: Duration, min_reps: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up: caches, lazy pipelines, page faults
    let start = Instant::now();
    let mut best = f64::INFINITY;
    let mut reps = 0;
    while reps < min_reps || start.elapsed() < budget {
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
        reps += 1;
    }
    best
}

/// Runs `base` and `f` alternately until about `budget` has passed (at
/// least `min_reps` pairs, one warm-up pair excluded) and returns the
/// fastest run of each, in seconds: a ratio of the two is taken under the
/// same machine conditions, which a noisy, shared machine does not give two
/// figures measured minutes apart.
pub fn best_of_paired(budget: Duration, min_reps: usize, mut base: impl FnMut(), mut f: impl FnMut()) -> (f64, f64) {
    base();
    f();
    let start = Instant::now();
    let (mut best_base, mut best) = (f64::INFINITY, f64::INFINITY);
    let mut reps = 0;
    while reps < min_reps || start.elapsed() < budget {
        let t = Instant::now();
        base();
        best_base = best_base.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        f();
        best = best.min(t.elapsed().as_secs_f64());
        reps += 1;
    }
    (best_base, best)
}

/// Runs `f` on a rayon pool of `threads` threads.
pub fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool").install(f)
}

/// `n` uniformly random felts (below 2^252, reduced mod p): the inputs of
/// every benchmark and of the tests' random cases.
pub fn random_felts(rng: &mut impl rand::Rng, n: usize) -> Vec<starknet_types_core::felt::Felt> {
    (0..n)
        .map(|_| {
            let mut bytes = [0u8; 32];
            rng.fill(&mut bytes);
            bytes[0] &= 0x0f;
            starknet_types_core::felt::Felt::from_bytes_be(&bytes)
        })
        .collect()
}

/// Edge values for tests: 0, 1, 2, p-1, p-2, 2^64-1, 2^192, 17·2^192,
/// 2^248 and 2^251 with their neighbours, and 2^251 + 17·2^192 - 2 (= p - 3).
pub fn edge_felts() -> Vec<starknet_types_core::felt::Felt> {
    use starknet_types_core::felt::Felt;
    let two = Felt::TWO;
    let (p192, p248, p251) = (two.pow(192u32), two.pow(248u32), two.pow(251u32));
    vec![
        Felt::ZERO,
        Felt::ONE,
        two,
        Felt::ZERO - Felt::ONE,
        Felt::ZERO - two,
        Felt::from(u64::MAX),
        p192,
        Felt::from(17u64) * p192,
        p248 - Felt::ONE,
        p248,
        p248 + Felt::ONE,
        p251 - Felt::ONE,
        p251,
        p251 + Felt::ONE,
        p251 + Felt::from(17u64) * p192 - two,
    ]
}

fn fmt_secs(s: f64) -> String {
    if s < 1e-6 {
        format!("{:.1} ns", s * 1e9)
    } else if s < 1e-3 {
        format!("{:.2} µs", s * 1e6)
    } else if s < 1.0 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{s:.2} s")
    }
}

fn fmt_rate(r: f64) -> String {
    if r >= 1e9 {
        format!("{:.2} G", r / 1e9)
    } else if r >= 1e6 {
        format!("{:.2} M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.2} k", r / 1e3)
    } else {
        format!("{r:.1}")
    }
}
