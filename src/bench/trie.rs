//! `wavelane bench trie`: one block of random writes applied to a trie of
//! random leaves, on every backend, against a per-key peer in the same run.
//!
//! The block mixes updates of existing keys (half), inserts of new keys
//! (40 %) and deletes (10 %). Each backend applies it to its own copy of the
//! same tree ([`Trie::update`]); the GPU copy is made resident first (not
//! timed), so its figure is the steady state of a validator that commits
//! block after block, and it reports end-to-end and kernel-only time and the
//! bytes that crossed PCIe. All backends must reach the same root.
//!
//! The peer is how simple clients commit: a loop that writes one key and
//! rehashes its path to the root with `starknet-crypto`, key by key. It runs
//! on a prefix of the block (`peer_updates`), reported per update.

use super::{Measurement, Reporter};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use starknet_types_core::felt::Felt;
use std::time::{Duration, Instant};
use wavelane_kernels::trie::{Trie, TrieHash, TrieStats, UpdateStats};
use wavelane_kernels::{gpu, Backend, Fe};

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The node hash.
    pub hash: TrieHash,
    /// Leaves in the tree before the block.
    pub leaves: usize,
    /// Writes in the block.
    pub updates: usize,
    /// Writes the per-key peer applies (a prefix of the block).
    pub peer_updates: usize,
    /// Backends to measure.
    pub backends: Vec<Backend>,
    /// Time spent per backend (at least one timed block each).
    pub budget: Duration,
    /// Seed of the generator.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            hash: TrieHash::Pedersen,
            leaves: 1 << 20,
            updates: 100_000,
            peer_updates: 2_000,
            backends: super::default_backends(),
            budget: Duration::from_millis(500),
            seed: 1,
        }
    }
}

/// Counts printed after the table.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// The node hash.
    pub hash: &'static str,
    /// Leaves before the block.
    pub leaves: usize,
    /// Seconds to build the tree (simd, all cores).
    pub build_seconds: f64,
    /// Live nodes before the block.
    pub nodes: usize,
    /// Node memory per leaf, in bytes.
    pub bytes_per_leaf: f64,
    /// Distinct keys the block writes.
    pub keys: usize,
    /// Node hashes the block computes.
    pub hashes: usize,
    /// Levels (batches).
    pub levels: usize,
    /// Bytes sent to the GPU for the block (absent without a GPU run).
    pub gpu_bytes_up: Option<u64>,
    /// Bytes read back for the block.
    pub gpu_bytes_down: Option<u64>,
    /// The root after the block.
    pub root: String,
}

/// Progress steps of a run.
pub fn steps(o: &Options) -> u64 {
    2 + o.backends.len() as u64 * 2
}

fn random_key(rng: &mut impl Rng) -> Felt {
    let mut b: [u8; 32] = rng.random();
    b[0] &= 0x07; // below 2^251
    Felt::from_bytes_be(&b)
}

fn random_value(rng: &mut impl Rng) -> Felt {
    let mut b: [u8; 32] = rng.random();
    b[0] &= 0x03;
    Felt::from_bytes_be(&b) + Felt::ONE
}

/// `(key, value)` writes.
pub type Writes = Vec<(Felt, Felt)>;

/// The tree's leaves and the block's writes.
pub fn workload(o: &Options) -> (Writes, Writes) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(o.seed);
    let leaves: Writes = (0..o.leaves).map(|_| (random_key(&mut rng), random_value(&mut rng))).collect();
    let block = (0..o.updates)
        .map(|_| match rng.random_range(0..10) {
            0..5 if !leaves.is_empty() => (leaves[rng.random_range(0..leaves.len())].0, random_value(&mut rng)),
            5 if !leaves.is_empty() => (leaves[rng.random_range(0..leaves.len())].0, Felt::ZERO),
            _ => (random_key(&mut rng), random_value(&mut rng)),
        })
        .collect();
    (leaves, block)
}

/// Runs the benchmark.
pub fn run(rep: &mut Reporter, o: &Options) -> anyhow::Result<Summary> {
    let bench = format!("trie.update.{}", o.hash.name());
    rep.step(&format!("trie: building {} leaves", o.leaves));
    let (leaves, block) = workload(o);
    let mut base = Trie::new(o.hash);
    let t = Instant::now();
    base.update(Backend::Simd, &leaves)?;
    let build_seconds = t.elapsed().as_secs_f64();
    let before: TrieStats = base.stats();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rep.push(Measurement::new(&format!("trie.build.{}", o.hash.name()), "simd", o.leaves as u64, cores, build_seconds));

    let mut root = None;
    let mut last_stats = UpdateStats::default();
    let mut gpu_stats = None;
    let mut rows: Vec<(Backend, Measurement)> = Vec::new();
    for &backend in &o.backends {
        if backend == Backend::Gpu && gpu::context_or_skip("bench trie").is_none() {
            continue;
        }
        rep.step(&format!("trie: {} updates on {}", o.updates, backend.name()));
        let mut best = f64::INFINITY;
        let mut kernel = None;
        let start = Instant::now();
        while best.is_infinite() || start.elapsed() < o.budget {
            let mut t = base.clone();
            if backend == Backend::Gpu {
                t.update(Backend::Gpu, &[])?; // upload the tree once, untimed
            }
            let t0 = Instant::now();
            let (r, stats) = t.update(backend, &block)?;
            let secs = t0.elapsed().as_secs_f64();
            if secs < best {
                best = secs;
                kernel = stats.kernel_seconds;
            }
            match root {
                None => root = Some(r),
                Some(want) if want != r => {
                    anyhow::bail!("trie bench: {} reached root {r:#x}, expected {want:#x}", backend.name())
                }
                _ => {}
            }
            if backend == Backend::Gpu {
                gpu_stats = Some(stats.clone());
            }
            last_stats = stats;
        }
        let threads = if backend == Backend::Scalar { 1 } else { cores };
        let m = Measurement::new(&bench, backend.name(), o.updates as u64, threads, best);
        let m = match rows.iter().find(|(b, _)| *b == Backend::Scalar) {
            Some((_, scalar)) if backend != Backend::Scalar => m.against(scalar),
            _ => m,
        };
        let m = if backend == Backend::Gpu { m.scope("end-to-end") } else { m };
        rows.push((backend, m.clone()));
        rep.push(m);
        if let Some(k) = kernel {
            let simd = rows.iter().find(|(b, _)| *b == Backend::Simd).map(|(_, m)| m.clone());
            let km = Measurement::new(&bench, "gpu", o.updates as u64, threads, k).scope("kernel-only");
            rep.push(match simd {
                Some(s) => km.against(&s),
                None => km,
            });
        }
    }

    // The peer: key by key, each write rehashing its path with starknet-crypto.
    let n = o.peer_updates.min(block.len());
    if n > 0 {
        rep.step(&format!("trie: {n} per-key updates with starknet-crypto"));
        let mut t = base.clone();
        let hash = o.hash;
        let t0 = Instant::now();
        for w in &block[..n] {
            t.update_with(std::slice::from_ref(w), |a, b, out| {
                for ((x, y), o) in a.iter().zip(b).zip(out.iter_mut()) {
                    let (x, y) = (x.to_felt(), y.to_felt());
                    *o = Fe::from_felt(&match hash {
                        TrieHash::Pedersen => starknet_crypto::pedersen_hash(&x, &y),
                        TrieHash::Poseidon => starknet_crypto::poseidon_hash(x, y),
                    });
                }
                Ok(())
            })?;
        }
        let secs = t0.elapsed().as_secs_f64() * o.updates as f64 / n as f64;
        let peer = Measurement::new(&bench, "starknet-crypto per-key", o.updates as u64, 1, secs)
            .scope(&format!("{n} keys, scaled"));
        for (_, m) in &rows {
            rep.push(Measurement { bench: format!("{bench}.vs-peer"), ..m.clone() }.against(&peer));
        }
        rep.push(peer);
    }

    Ok(Summary {
        hash: o.hash.name(),
        leaves: before.leaves,
        build_seconds,
        nodes: before.nodes,
        bytes_per_leaf: before.bytes as f64 / before.leaves.max(1) as f64,
        keys: last_stats.keys,
        hashes: last_stats.hashes,
        levels: last_stats.levels,
        gpu_bytes_up: gpu_stats.as_ref().map(|s| s.bytes_up),
        gpu_bytes_down: gpu_stats.as_ref().map(|s| s.bytes_down),
        root: format!("{:#x}", root.unwrap_or(Felt::ZERO)),
    })
}
