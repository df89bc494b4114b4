//! Criterion bench `commit`: one block diff (5,000 storage writes over
//! 1,000 Zipf-spread contracts holding 50,000 cells) committed on scalar
//! and simd, the storage forest against the same writes in one trie.
//! `wavelane bench commit` covers the full-size state, the per-key
//! starknet-crypto peer and the GPU.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use wavelane::bench::commit::{workload, Options};
use wavelane::host::state::{MemState, StarknetVersion, StateCommitment, StateWriter};
use wavelane::kernels::trie::{Trie, TrieHash};
use wavelane::kernels::Backend;

fn commit(c: &mut Criterion) {
    let o = Options { contracts: 1_000, cells: 50_000, updates: 5_000, ..Options::default() };
    let (genesis, block) = workload(&o);
    let v = StarknetVersion::V0_14_0;
    let mut base = StateCommitment::new();
    base.commit(Backend::Simd, &MemState::new(), &genesis, v).unwrap();
    let mut pre = MemState::new();
    pre.apply_diff(&genesis).unwrap();
    // Every backend must reach the same root before it is timed.
    let roots: Vec<_> = [Backend::Scalar, Backend::Simd]
        .iter()
        .map(|b| base.clone().commit(*b, &pre, &block, v).unwrap().0.global)
        .collect();
    assert_eq!(roots[0], roots[1]);

    let mut g = c.benchmark_group("commit");
    g.sample_size(10);
    g.throughput(Throughput::Elements(block.storage_updates() as u64));
    for backend in [Backend::Scalar, Backend::Simd] {
        g.bench_function(format!("block/{backend}"), |b| {
            b.iter_batched(
                || base.clone(),
                |mut c| c.commit(backend, &pre, &block, v).unwrap().0,
                BatchSize::LargeInput,
            )
        });
    }
    let cells: Vec<_> = genesis.storage.values().flat_map(|m| m.iter().map(|(k, v)| (k.felt(), *v))).collect();
    let writes: Vec<_> = block.storage.values().flat_map(|m| m.iter().map(|(k, v)| (k.felt(), *v))).collect();
    let mut one = Trie::new(TrieHash::Pedersen);
    one.update(Backend::Simd, &cells).unwrap();
    g.bench_function("one-trie/simd", |b| {
        b.iter_batched(|| one.clone(), |mut t| t.update(Backend::Simd, &writes).unwrap().0, BatchSize::LargeInput)
    });
    g.finish();
}

criterion_group!(benches, commit);
criterion_main!(benches);
