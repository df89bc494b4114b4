//! `wavelane bench commit`: one block's state diff committed over a random
//! Starknet state, on every backend, against a per-key peer and against one
//! trie with the same cells, in the same run.
//!
//! The state: `contracts` contracts holding `cells` storage cells in all,
//! spread as on a real chain (contract `i` holds a share proportional to
//! `1 / (i + 1)^s`, Zipf-like with exponent `s`: a few contracts hold most
//! cells). The block: `updates` storage writes whose contracts are drawn
//! from the same Zipf law (half rewrite an existing cell, 40 % write a new
//! one, 10 % delete one), plus a nonce change for `updates / 10` senders.
//! Each backend commits the block on its own copy of the same committed
//! state ([`StateCommitment::commit`]; the GPU copy is made resident first,
//! untimed). All must reach the same root. The backends and the one-trie
//! comparison run in rounds, one after another within a round, until the
//! budget is spent, and each keeps its best round, so that a noisy
//! neighbour slows every side of a ratio alike.
//!
//! * The **per-key peer** is how a straightforward node commits: each
//!   storage write applied on its own with `starknet-crypto` hashing: its
//!   storage path, then its contract's leaf and contract-trie path, up to
//!   the global root. A kinder variant computes each touched contract's
//!   leaf once, after the contract's last write. Both run on a prefix of
//!   the block (`peer_updates`) and are scaled to the block.
//! * **One trie**: the same cells and writes in a single trie (the storage
//!   keys alone), to show that the forest costs what one trie with as many
//!   changed nodes costs: the summary gives both times per hashed node.

use super::{Measurement, Reporter};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use starknet_types_core::felt::Felt;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use wavelane_host::state::{
    CommitStats, ContractAddress, MemState, StarknetVersion, StateCommitment, StateDiff, StateWriter, StorageKey,
};
use wavelane_kernels::trie::{Trie, TrieHash};
use wavelane_kernels::{gpu, Backend, Fe};

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Contracts in the state.
    pub contracts: usize,
    /// Storage cells in the state, over all contracts.
    pub cells: usize,
    /// Storage writes in the block.
    pub updates: usize,
    /// The Zipf exponent of cells and writes over contracts.
    pub zipf: f64,
    /// Writes the per-key peer applies (a prefix of the block; 0 skips it).
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
            contracts: 10_000,
            cells: 1_000_000,
            updates: 100_000,
            zipf: 1.0,
            peer_updates: 2_000,
            backends: vec![Backend::Scalar, Backend::Simd],
            budget: Duration::from_millis(500),
            seed: 1,
        }
    }
}

/// Counts printed after the table.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Contracts in the state.
    pub contracts: usize,
    /// Cells in the state.
    pub cells: usize,
    /// Storage writes in the block.
    pub updates: usize,
    /// The Zipf exponent.
    pub zipf: f64,
    /// Seconds to commit the genesis state (simd, all cores).
    pub build_seconds: f64,
    /// Storage tries the block touches.
    pub tries: usize,
    /// The share of the block's writes that the busiest contract takes.
    pub top_contract_share: f64,
    /// Node and leaf hashes the block computes.
    pub hashes: usize,
    /// Levels of the storage forest's batch.
    pub levels: usize,
    /// simd seconds per storage-forest node hash.
    pub forest_ns_per_hash: f64,
    /// simd seconds per node hash of one trie holding the same cells and
    /// taking the same writes.
    pub one_trie_ns_per_hash: f64,
    /// `forest_ns_per_hash / one_trie_ns_per_hash` (goal ≤ 1.2).
    pub forest_vs_one_trie: f64,
    /// The best simd commit's seconds per stage: storage forest, contract
    /// leaves, contract trie, class trie.
    pub simd_stage_seconds: Option<[f64; 4]>,
    /// Bytes sent to the GPU for the block (absent without a GPU run).
    pub gpu_bytes_up: Option<u64>,
    /// Bytes read back for the block.
    pub gpu_bytes_down: Option<u64>,
    /// The global root after the block.
    pub root: String,
}

/// Progress steps of a run.
pub fn steps(o: &Options) -> u64 {
    3 + o.backends.len() as u64
}

fn random_felt(rng: &mut impl Rng) -> Felt {
    let mut b: [u8; 32] = rng.random();
    b[0] &= 0x07; // below 2^251
    Felt::from_bytes_be(&b)
}

/// Draws indices `0..n` with probability ∝ `1 / (i + 1)^s`.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        Zipf(
            (0..n.max(1))
                .map(|i| {
                    acc += 1.0 / ((i + 1) as f64).powf(s);
                    acc
                })
                .collect(),
        )
    }

    fn sample(&self, rng: &mut impl Rng) -> usize {
        let x = rng.random::<f64>() * self.0[self.0.len() - 1];
        self.0.partition_point(|&c| c < x).min(self.0.len() - 1)
    }
}

/// The genesis diff (contracts deployed with their cells) and the block.
pub fn workload(o: &Options) -> (StateDiff, StateDiff) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(o.seed);
    let zipf = Zipf::new(o.contracts, o.zipf);
    let addresses: Vec<ContractAddress> =
        (0..o.contracts.max(1)).map(|_| ContractAddress::new(random_felt(&mut rng)).expect("below 2^251")).collect();
    let mut genesis = StateDiff::default();
    for a in &addresses {
        genesis.deployed.insert(*a, random_felt(&mut rng));
    }
    let mut keys: Vec<Vec<StorageKey>> = vec![Vec::new(); addresses.len()];
    for _ in 0..o.cells {
        let c = zipf.sample(&mut rng);
        let k = StorageKey::new(random_felt(&mut rng)).expect("below 2^251");
        genesis.storage.entry(addresses[c]).or_default().insert(k, random_felt(&mut rng) + Felt::ONE);
        keys[c].push(k);
    }
    let mut block = StateDiff::default();
    for _ in 0..o.updates {
        let c = zipf.sample(&mut rng);
        let known = &keys[c];
        let (k, v) = match rng.random_range(0..10) {
            0..5 if !known.is_empty() => (known[rng.random_range(0..known.len())], random_felt(&mut rng) + Felt::ONE),
            5 if !known.is_empty() => (known[rng.random_range(0..known.len())], Felt::ZERO),
            _ => (StorageKey::new(random_felt(&mut rng)).expect("below 2^251"), random_felt(&mut rng) + Felt::ONE),
        };
        block.storage.entry(addresses[c]).or_default().insert(k, v);
    }
    for i in 0..o.updates / 10 {
        let a = addresses[rng.random_range(0..addresses.len())];
        block.nonces.insert(a, Felt::from(i as u64 + 1));
    }
    (genesis, block)
}

/// Runs the benchmark.
pub fn run(rep: &mut Reporter, o: &Options) -> anyhow::Result<Summary> {
    let bench = "commit.block";
    rep.step(&format!("commit: building {} contracts with {} cells", o.contracts, o.cells));
    let (genesis, block) = workload(o);
    let version = StarknetVersion::V0_14_0;
    let mut base = StateCommitment::new();
    let t = Instant::now();
    base.commit(Backend::Simd, &MemState::new(), &genesis, version)?;
    let build_seconds = t.elapsed().as_secs_f64();
    let mut pre = MemState::new();
    pre.apply_diff(&genesis)?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    rep.push(Measurement::new("commit.genesis", "simd", o.cells as u64, cores, build_seconds));

    let n = block.storage_updates() as u64;
    let backends: Vec<Backend> = o
        .backends
        .iter()
        .copied()
        .filter(|&b| b != Backend::Gpu || gpu::context_or_skip("bench commit").is_some())
        .collect();
    let cells: Vec<(Felt, Felt)> =
        genesis.storage.values().flat_map(|m| m.iter().map(|(k, v)| (k.felt(), *v))).collect();
    let writes: Vec<(Felt, Felt)> =
        block.storage.values().flat_map(|m| m.iter().map(|(k, v)| (k.felt(), *v))).collect();
    let mut one = Trie::new(TrieHash::Pedersen);
    one.update(Backend::Simd, &cells)?;

    // Rounds: each backend and the one-trie comparison run once per round,
    // interleaved, so that a noisy neighbour slows all of them alike; each
    // keeps its best round.
    let mut root = None;
    let mut best: Vec<(f64, Option<CommitStats>)> = vec![(f64::INFINITY, None); backends.len()];
    let mut one_best = (f64::INFINITY, 1usize);
    let start = Instant::now();
    let mut round = 0;
    while round == 0 || start.elapsed() < o.budget * (backends.len() as u32 + 1) {
        for (i, &backend) in backends.iter().enumerate() {
            if round == 0 {
                rep.step(&format!("commit: {n} updates on {}", backend.name()));
            }
            let mut c = base.clone();
            if backend == Backend::Gpu {
                c.commit(Backend::Gpu, &pre, &StateDiff::default(), version)?; // resident, untimed
            }
            let t0 = Instant::now();
            let (roots, stats) = c.commit(backend, &pre, &block, version)?;
            let secs = t0.elapsed().as_secs_f64();
            if let Some(why) = &stats.fallback {
                anyhow::bail!("commit bench: {} fell back to the CPU: {why}", backend.name());
            }
            match root {
                None => root = Some(roots.global),
                Some(want) if want != roots.global => {
                    anyhow::bail!(
                        "commit bench: {} reached root {:#x}, expected {want:#x}",
                        backend.name(),
                        roots.global
                    )
                }
                _ => {}
            }
            if secs < best[i].0 {
                best[i] = (secs, Some(stats));
            }
        }
        if round == 0 {
            rep.step("commit: one trie with the same cells");
        }
        let mut t = one.clone();
        let t0 = Instant::now();
        let (_, s) = t.update(Backend::Simd, &writes)?;
        let secs = t0.elapsed().as_secs_f64();
        if secs < one_best.0 {
            one_best = (secs, s.hashes.max(1));
        }
        round += 1;
    }
    let mut rows: Vec<(Backend, Measurement)> = Vec::new();
    let mut simd_stats = None;
    let mut gpu_stats = None;
    for (&backend, (secs, stats)) in backends.iter().zip(best) {
        let stats = stats.expect("every backend ran once");
        let threads = if backend == Backend::Scalar { 1 } else { cores };
        let m = Measurement::new(bench, backend.name(), n, threads, secs).scope(&format!("best of {round}"));
        let m = match rows.iter().find(|(b, _)| *b == Backend::Scalar) {
            Some((_, scalar)) if backend != Backend::Scalar => m.against(scalar),
            _ => m,
        };
        rows.push((backend, m.clone()));
        rep.push(m);
        let hashes = stats.hashes() as u64;
        rep.push(Measurement::new("commit.block.hashes", backend.name(), hashes, threads, secs).scope("node hashes"));
        match backend {
            Backend::Simd => simd_stats = Some((stats, secs)),
            Backend::Gpu => gpu_stats = Some(stats),
            _ => {}
        }
    }
    rep.push(Measurement::new("commit.one-trie", "simd", writes.len() as u64, cores, one_best.0));

    // The per-key peers, on a prefix of the block: each write up to the
    // global root, and (kinder) with the contract leaves once per contract.
    let prefix = o.peer_updates.min(block.storage_updates());
    if prefix > 0 {
        rep.step(&format!("commit: {prefix} per-key updates with starknet-crypto"));
        for (leaves, name) in [
            (Leaves::PerWrite, "starknet-crypto per-key"),
            (Leaves::PerContract, "starknet-crypto per-key, leaves per contract"),
        ] {
            let secs = per_key_peer(&base, &pre, &block, prefix, leaves)? * n as f64 / prefix as f64;
            let peer = Measurement::new(bench, name, n, 1, secs).scope(&format!("{prefix} keys, scaled"));
            for (_, m) in &rows {
                rep.push(Measurement { bench: format!("{bench}.vs-peer"), ..m.clone() }.against(&peer));
            }
            rep.push(peer);
        }
    }

    let (simd, simd_secs) = match simd_stats {
        Some((s, secs)) => (Some(s), secs),
        None => (None, f64::NAN),
    };
    let forest_ns = simd.as_ref().map_or(f64::NAN, |s| {
        // The storage stage's share of the best simd commit.
        let total: f64 = s.seconds.iter().sum();
        simd_secs * (s.seconds[0] / total.max(f64::MIN_POSITIVE)) / s.storage.hashes.max(1) as f64 * 1e9
    });
    let one_ns = one_best.0 / one_best.1 as f64 * 1e9;
    let mut per_contract: BTreeMap<ContractAddress, usize> = BTreeMap::new();
    for (a, m) in &block.storage {
        *per_contract.entry(*a).or_default() += m.len();
    }
    let top = per_contract.values().copied().max().unwrap_or(0);
    Ok(Summary {
        contracts: o.contracts,
        cells: o.cells,
        updates: block.storage_updates(),
        zipf: o.zipf,
        build_seconds,
        tries: block.storage.len(),
        top_contract_share: top as f64 / block.storage_updates().max(1) as f64,
        hashes: simd.as_ref().map_or(0, |s| s.hashes()),
        levels: simd.as_ref().map_or(0, |s| s.storage.levels),
        forest_ns_per_hash: forest_ns,
        one_trie_ns_per_hash: one_ns,
        forest_vs_one_trie: forest_ns / one_ns,
        simd_stage_seconds: simd.as_ref().map(|s| s.seconds),
        gpu_bytes_up: gpu_stats.as_ref().map(|s| s.bytes_up),
        gpu_bytes_down: gpu_stats.as_ref().map(|s| s.bytes_down),
        root: format!("{:#x}", root.unwrap_or(Felt::ZERO)),
    })
}

/// How the per-key peer treats the contract leaves.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Leaves {
    /// After every storage write: its contract's leaf and contract-trie
    /// path, so each write is applied on its own up to the global root.
    PerWrite,
    /// Once per touched contract, after all its writes.
    PerContract,
}

/// Seconds the per-key peer takes for the first `prefix` storage writes
/// of `block`: each write rehashes its storage path with starknet-crypto,
/// then the touched contracts' leaves and contract-trie paths (`leaves`).
pub(crate) fn per_key_peer(
    base: &StateCommitment,
    pre: &MemState,
    block: &StateDiff,
    prefix: usize,
    leaves: Leaves,
) -> anyhow::Result<f64> {
    use wavelane_host::state::StateReader;
    let ped = |a: &[Fe], b: &[Fe], out: &mut [Fe]| {
        for ((x, y), o) in a.iter().zip(b).zip(out.iter_mut()) {
            *o = Fe::from_felt(&starknet_crypto::pedersen_hash(&x.to_felt(), &y.to_felt()));
        }
        Ok(())
    };
    let mut forest = base.storage_forest().clone();
    let mut contracts = base.contract_trie().clone();
    let writes: Vec<(ContractAddress, StorageKey, Felt)> =
        block.storage.iter().flat_map(|(a, m)| m.iter().map(move |(k, v)| (*a, *k, *v))).take(prefix).collect();
    let mut records = Vec::new();
    for (a, _, _) in &writes {
        let nonce = block.nonces.get(a).copied().unwrap_or(pre.nonce_at(*a)?);
        records.push((pre.class_hash_at(*a)?, nonce));
    }
    let h = |x: Felt, y: Felt| starknet_crypto::pedersen_hash(&x, &y);
    let t0 = Instant::now();
    for (i, (a, k, v)) in writes.iter().enumerate() {
        forest.update_with(&[(a.felt(), vec![(k.felt(), *v)])], ped)?;
        let last_of_contract = writes.get(i + 1).is_none_or(|next| next.0 != *a);
        if leaves == Leaves::PerWrite || last_of_contract {
            let (class, nonce) = records[i];
            let leaf = h(h(h(class, forest.root(&a.felt())), nonce), Felt::ZERO);
            contracts.update_with(&[(a.felt(), leaf)], ped)?;
        }
    }
    Ok(t0.elapsed().as_secs_f64())
}
