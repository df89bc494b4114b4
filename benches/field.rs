//! criterion: felt252 batch multiplication on every backend and on
//! starknet-types-core, same inputs. Outputs are checked before timing.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use rand::SeedableRng;
use starknet_types_core::felt::Felt;
use wavelane::bench::random_felts;
use wavelane::kernels::field::{self, Fe, FieldOp};
use wavelane::kernels::gpu;

fn bench_mul(c: &mut Criterion) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    for n in [4096usize, 65536] {
        let a = random_felts(&mut rng, n);
        let b = random_felts(&mut rng, n);
        let fa: Vec<Fe> = a.iter().map(Fe::from_felt).collect();
        let fb: Vec<Fe> = b.iter().map(Fe::from_felt).collect();
        let want: Vec<Fe> = a.iter().zip(&b).map(|(x, y)| Fe::from_felt(&(x * y))).collect();
        let mut g = c.benchmark_group(format!("field_mul/{n}"));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function("starknet-types-core", |bch| {
            bch.iter_batched_ref(
                || vec![Felt::ZERO; n],
                |out| out.iter_mut().zip(a.iter().zip(&b)).for_each(|(o, (x, y))| *o = x * y),
                BatchSize::LargeInput,
            )
        });
        let mut out = vec![Fe::ZERO; n];
        field::scalar::run(FieldOp::Mul, &fa, &fb, &mut out);
        assert_eq!(out, want, "scalar disagrees with starknet-types-core");
        g.bench_function("scalar", |bch| bch.iter(|| field::scalar::run(FieldOp::Mul, &fa, &fb, &mut out)));
        out.fill(Fe::ZERO);
        field::simd::run_one_thread(FieldOp::Mul, &fa, &fb, &mut out);
        assert_eq!(out, want, "simd disagrees with starknet-types-core");
        g.bench_function("simd-1-thread", |bch| {
            bch.iter(|| field::simd::run_one_thread(FieldOp::Mul, &fa, &fb, &mut out))
        });
        g.bench_function("simd", |bch| bch.iter(|| field::simd::run(FieldOp::Mul, &fa, &fb, &mut out)));
        // A software adapter only with WAVELANE_ALLOW_SOFTWARE_GPU=1: its figures are correctness-only.
        let use_gpu = wavelane::bench::default_backends().contains(&wavelane::Backend::Gpu);
        if let Some(ctx) = use_gpu.then(|| gpu::context_or_skip("bench field_mul gpu")).flatten() {
            out.fill(Fe::ZERO);
            field::gpu::run(ctx, FieldOp::Mul, &fa, &fb, &mut out).expect("gpu run");
            assert_eq!(out, want, "gpu disagrees with starknet-types-core");
            g.bench_function("gpu-end-to-end", |bch| {
                bch.iter(|| field::gpu::run(ctx, FieldOp::Mul, &fa, &fb, &mut out).expect("gpu run"))
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench_mul
}
criterion_main!(benches);
