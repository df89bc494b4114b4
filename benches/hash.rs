//! Criterion bench `hash`: Poseidon and Pedersen pair hashes on each backend
//! and `starknet-crypto` at 1k and 64k per batch (`wavelane bench hash`
//! covers 1M, thread counts and GPU kernel-only time).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use wavelane::bench::random_felts;
use wavelane::kernels::hash::{pedersen, poseidon};
use wavelane::kernels::{gpu, Backend, Fe};

fn hashes(c: &mut Criterion) {
    // A software adapter only with WAVELANE_ALLOW_SOFTWARE_GPU=1: its figures are correctness-only.
    let has_gpu = if wavelane::bench::default_backends().contains(&Backend::Gpu) {
        gpu::context_or_skip("criterion hash").is_some()
    } else {
        if let Some(note) = wavelane::bench::gpu_left_out() {
            eprintln!("{note}");
        }
        false
    };
    for algo in ["poseidon", "pedersen"] {
        let mut g = c.benchmark_group(algo);
        g.sample_size(10);
        for n in [1usize << 10, 1 << 16] {
            let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
            let (a, b) = (random_felts(&mut rng, n), random_felts(&mut rng, n));
            let (fa, fb): (Vec<Fe>, Vec<Fe>) =
                (a.iter().map(Fe::from_felt).collect(), b.iter().map(Fe::from_felt).collect());
            let want: Vec<Fe> = a
                .iter()
                .zip(&b)
                .map(|(x, y)| {
                    Fe::from_felt(&if algo == "poseidon" {
                        starknet_crypto::poseidon_hash(*x, *y)
                    } else {
                        starknet_crypto::pedersen_hash(x, y)
                    })
                })
                .collect();
            g.throughput(Throughput::Elements(n as u64));
            g.bench_with_input(BenchmarkId::new("starknet-crypto", n), &n, |bch, _| {
                bch.iter(|| {
                    a.iter()
                        .zip(&b)
                        .map(|(x, y)| {
                            if algo == "poseidon" {
                                starknet_crypto::poseidon_hash(*x, *y)
                            } else {
                                starknet_crypto::pedersen_hash(x, y)
                            }
                        })
                        .collect::<Vec<_>>()
                })
            });
            let mut backends = vec![Backend::Scalar, Backend::Simd];
            if has_gpu {
                backends.push(Backend::Gpu);
            }
            for backend in backends {
                let mut out = vec![Fe::ZERO; n];
                let run = |out: &mut [Fe]| {
                    if algo == "poseidon" {
                        poseidon::hash_batch(backend, &fa, &fb, out).unwrap()
                    } else {
                        pedersen::hash_batch(backend, &fa, &fb, out).unwrap()
                    }
                };
                run(&mut out);
                assert!(out == want, "{algo} {backend}: output differs from starknet-crypto");
                g.bench_with_input(BenchmarkId::new(backend.name(), n), &n, |bch, _| bch.iter(|| run(&mut out)));
            }
        }
        g.finish();
    }
}

criterion_group!(benches, hashes);
criterion_main!(benches);
