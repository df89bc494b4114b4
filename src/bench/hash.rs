//! `wavelane bench hash`: Poseidon and Pedersen pair hashes per second on
//! every backend and for `starknet-crypto` (the peer) in the same run, at
//! each batch size, on one thread and on all cores. The GPU reports the
//! end-to-end rate (upload, dispatch, readback) and the kernel-only rate
//! from timestamp queries. Every backend's output is checked against the
//! peer's, so a fast wrong answer fails the run instead of looking like a win.

use super::{best_of, on_threads, random_felts, Measurement, Reporter};
use rand::SeedableRng;
use rayon::prelude::*;
use starknet_types_core::felt::Felt;
use std::time::Duration;
use wavelane_kernels::hash::{pedersen, poseidon};
use wavelane_kernels::{gpu, Backend, Fe};

/// A hash function measured by this bench.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algo {
    /// Poseidon `hash(a, b)`.
    Poseidon,
    /// Pedersen `pedersen(a, b)`.
    Pedersen,
}

impl Algo {
    fn bench(self) -> &'static str {
        match self {
            Algo::Poseidon => "poseidon.hash",
            Algo::Pedersen => "pedersen.hash",
        }
    }

    fn peer(self, a: &Felt, b: &Felt) -> Felt {
        match self {
            Algo::Poseidon => starknet_crypto::poseidon_hash(*a, *b),
            Algo::Pedersen => starknet_crypto::pedersen_hash(a, b),
        }
    }

    fn run(self, backend: Backend, a: &[Fe], b: &[Fe], out: &mut [Fe]) {
        let r = match self {
            Algo::Poseidon => poseidon::hash_batch(backend, a, b, out),
            Algo::Pedersen => pedersen::hash_batch(backend, a, b, out),
        };
        r.expect("CPU hash batches only fail on length mismatches");
    }

    fn gpu_timed(self, ctx: &gpu::GpuContext, a: &[Fe], b: &[Fe], out: &mut [Fe]) -> anyhow::Result<Option<f64>> {
        Ok(match self {
            Algo::Poseidon => poseidon::gpu::hash_timed(ctx, a, b, out)?,
            Algo::Pedersen => pedersen::gpu::hash_timed(ctx, a, b, out)?,
        })
    }
}

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Hash functions.
    pub algos: Vec<Algo>,
    /// Batch sizes.
    pub sizes: Vec<usize>,
    /// Time spent per figure (at least two timed runs are made).
    pub budget: Duration,
    /// Backends to measure (the peer is always measured).
    pub backends: Vec<Backend>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            algos: vec![Algo::Poseidon, Algo::Pedersen],
            sizes: vec![1 << 10, 1 << 16],
            budget: Duration::from_millis(500),
            backends: super::default_backends(),
        }
    }
}

/// The number of figures [`run`] reports (for the progress bar).
pub fn steps(o: &Options) -> u64 {
    (o.algos.len() * o.sizes.len() * 8) as u64
}

/// Measures the chosen backends and the peer; fails if any output differs
/// from the peer's.
pub fn run(rep: &mut Reporter, o: &Options) -> anyhow::Result<()> {
    let all = std::thread::available_parallelism().map_or(1, |n| n.get());
    let wanted: Vec<Backend> = o.backends.iter().map(|b| b.resolve()).collect();
    let ctx = if wanted.contains(&Backend::Gpu) { gpu::GpuContext::get().ok() } else { None };
    for &algo in &o.algos {
        for &n in &o.sizes {
            let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
            let a = random_felts(&mut rng, n);
            let b = random_felts(&mut rng, n);
            let (fa, fb): (Vec<Fe>, Vec<Fe>) =
                (a.iter().map(Fe::from_felt).collect(), b.iter().map(Fe::from_felt).collect());
            let bench = algo.bench();
            let mut want = Vec::new();
            let mut peer_all = None;
            for threads in [1, all] {
                rep.step(&format!("{bench} n={n} threads={threads} starknet-crypto"));
                let s = on_threads(threads, || {
                    best_of(o.budget, 2, || want = a.par_iter().zip(&b).map(|(x, y)| algo.peer(x, y)).collect())
                });
                let peer = Measurement::new(bench, "starknet-crypto", n as u64, threads, s);
                rep.push(peer.clone());
                let want_fe: Vec<Fe> = want.iter().map(Fe::from_felt).collect();
                let backends: &[Backend] =
                    if threads == 1 { &[Backend::Scalar, Backend::Simd] } else { &[Backend::Simd] };
                for &backend in backends.iter().filter(|b| wanted.contains(b)) {
                    rep.step(&format!("{bench} n={n} threads={threads} {backend}"));
                    let mut out = vec![Fe::ZERO; n];
                    let s = on_threads(threads, || best_of(o.budget, 2, || algo.run(backend, &fa, &fb, &mut out)));
                    if out != want_fe {
                        anyhow::bail!("{bench} {backend} n={n}: output differs from starknet-crypto");
                    }
                    rep.push(Measurement::new(bench, backend.name(), n as u64, threads, s).against(&peer));
                }
                if threads == all {
                    peer_all = Some(peer);
                }
            }
            let (Some(ctx), Some(peer)) = (ctx, peer_all) else {
                continue;
            };
            rep.step(&format!("{bench} n={n} gpu"));
            let mut out = vec![Fe::ZERO; n];
            let mut kernel = f64::INFINITY;
            let s = best_of(o.budget, 2, || {
                if let Ok(Some(k)) = algo.gpu_timed(ctx, &fa, &fb, &mut out) {
                    kernel = kernel.min(k);
                }
            });
            if out != want_fe_of(&want) {
                anyhow::bail!("{bench} gpu n={n}: output differs from starknet-crypto");
            }
            rep.push(Measurement::new(bench, "gpu", n as u64, 1, s).against(&peer).scope("end-to-end"));
            if kernel.is_finite() {
                rep.push(Measurement::new(bench, "gpu", n as u64, 1, kernel).against(&peer).scope("kernel-only"));
            }
        }
    }
    Ok(())
}

fn want_fe_of(want: &[Felt]) -> Vec<Fe> {
    want.iter().map(Fe::from_felt).collect()
}
