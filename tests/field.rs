//! felt252 batches: every backend against starknet-types-core on random
//! inputs, edge values and boundary batch sizes.

use rand::SeedableRng;
use starknet_types_core::felt::Felt;
use wavelane::bench::{edge_felts, random_felts};
use wavelane::kernels::field::{self, scalar, simd, Fe, FieldError, FieldOp};
use wavelane::kernels::{gpu, Backend};

/// All pairs of edge values, then `n` random pairs.
fn inputs(n: usize, seed: u64) -> (Vec<Felt>, Vec<Felt>) {
    let e = edge_felts();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for x in &e {
        for y in &e {
            a.push(*x);
            b.push(*y);
        }
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    a.extend(random_felts(&mut rng, n));
    b.extend(random_felts(&mut rng, n));
    (a, b)
}

fn oracle(op: FieldOp, a: &[Felt], b: &[Felt]) -> Vec<Felt> {
    match op {
        FieldOp::Add => a.iter().zip(b).map(|(x, y)| x + y).collect(),
        FieldOp::Sub => a.iter().zip(b).map(|(x, y)| x - y).collect(),
        FieldOp::Mul => a.iter().zip(b).map(|(x, y)| x * y).collect(),
        FieldOp::Inv => a.iter().map(|x| x.inverse().unwrap_or(Felt::ZERO)).collect(),
    }
}

fn to_fe(v: &[Felt]) -> Vec<Fe> {
    v.iter().map(Fe::from_felt).collect()
}

fn check(name: &str, op: FieldOp, a: &[Felt], want: &[Felt], got: &[Fe]) {
    assert_eq!(got.len(), want.len(), "{name} {op:?}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.to_felt(), *w, "{name} {op:?}: element {i} (a = {:#x})", a[i]);
    }
}

const N: usize = 100_000;

#[test]
fn scalar_and_simd_match_starknet_types_core() {
    for (k, op) in FieldOp::ALL.into_iter().enumerate() {
        let n = N;
        let (a, b) = inputs(n, 1 + k as u64);
        let want = oracle(op, &a, &b);
        let (fa, fb) = (to_fe(&a), to_fe(&b));
        let mut out = vec![Fe::ZERO; a.len()];
        scalar::run(op, &fa, &fb, &mut out);
        check("scalar", op, &a, &want, &out);
        let mut out = vec![Fe::ZERO; a.len()];
        simd::run(op, &fa, &fb, &mut out);
        check("simd", op, &a, &want, &out);
    }
}

#[test]
fn simd_boundary_sizes_match_scalar() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for n in [0, 1, 3, 4, 5, 7, 8, 9, 63, 64, 65, simd::CHUNK - 1, simd::CHUNK, simd::CHUNK + 1, 3 * simd::CHUNK + 5] {
        let a = to_fe(&random_felts(&mut rng, n));
        let b = to_fe(&random_felts(&mut rng, n));
        for op in FieldOp::ALL {
            let (mut want, mut got) = (vec![Fe::ZERO; n], vec![Fe::ZERO; n]);
            scalar::run(op, &a, &b, &mut want);
            simd::run(op, &a, &b, &mut got);
            assert_eq!(got, want, "simd {op:?} n = {n}");
        }
    }
}

#[test]
fn gpu_matches_starknet_types_core() {
    let Some(ctx) = gpu::context_or_skip("gpu_matches_starknet_types_core") else {
        return;
    };
    for (k, op) in FieldOp::ALL.into_iter().enumerate() {
        let n = N;
        let (a, b) = inputs(n, 100 + k as u64);
        let want = oracle(op, &a, &b);
        let mut out = vec![Fe::ZERO; a.len()];
        field::gpu::run(ctx, op, &to_fe(&a), &to_fe(&b), &mut out).unwrap();
        check("gpu", op, &a, &want, &out);
    }
}

#[test]
fn gpu_boundary_sizes_match_scalar() {
    let Some(ctx) = gpu::context_or_skip("gpu_boundary_sizes_match_scalar") else {
        return;
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    for n in [0, 1, 2, 63, 64, 65, 127, 128, 129, 4097] {
        let a = to_fe(&random_felts(&mut rng, n));
        let b = to_fe(&random_felts(&mut rng, n));
        for op in [FieldOp::Add, FieldOp::Mul] {
            let (mut want, mut got) = (vec![Fe::ZERO; n], vec![Fe::ZERO; n]);
            scalar::run(op, &a, &b, &mut want);
            field::gpu::run(ctx, op, &a, &b, &mut got).unwrap();
            assert_eq!(got, want, "gpu {op:?} n = {n}");
        }
    }
}

#[test]
fn checked_api_rejects_bad_batches() {
    let a = [Felt::ONE, Felt::ZERO, Felt::TWO];
    for backend in [Backend::Scalar, Backend::Simd] {
        match field::run_felts(backend, FieldOp::Inv, &a, &[]) {
            Err(FieldError::NotInvertible { index: 1 }) => {}
            other => panic!("{backend}: expected NotInvertible at 1, got {other:?}"),
        }
        match field::run_felts(backend, FieldOp::Mul, &a, &a[..2]) {
            Err(FieldError::LengthMismatch { a: 3, b: 2, .. }) => {}
            other => panic!("{backend}: expected LengthMismatch, got {other:?}"),
        }
        let got = field::run_felts(backend, FieldOp::Mul, &a, &a).unwrap();
        assert_eq!(got, vec![Felt::ONE, Felt::ZERO, Felt::from(4u64)]);
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn avx512_ifma_mul_matches_scalar() {
    if !wavelane::kernels::testing::simd_or_skip(wavelane::kernels::SimdLevel::Avx512, "avx512_ifma_mul_matches_scalar")
    {
        return;
    }
    let (a, b) = inputs(20_000, 77);
    let (fa, fb) = (to_fe(&a), to_fe(&b));
    let mut want = vec![Fe::ZERO; fa.len()];
    scalar::run(FieldOp::Mul, &fa, &fb, &mut want);
    let mut got = vec![Fe::ZERO; fa.len()];
    let done = field::avx512::mul(&fa, &fb, &mut got);
    assert_eq!(done, fa.len() / 8 * 8);
    assert_eq!(&got[..done], &want[..done]);
    // Operands equal to p - 1 in every lane: the largest limbs and carries.
    let pm1 = vec![Fe::from_felt(&(Felt::ZERO - Felt::ONE)); 8];
    let mut got = vec![Fe::ZERO; 8];
    field::avx512::mul(&pm1, &pm1, &mut got);
    assert!(got.iter().all(|g| g.to_felt() == Felt::ONE), "(p-1)^2 = 1");
}
