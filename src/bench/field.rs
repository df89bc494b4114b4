//! felt252 batch benchmarks: each backend against starknet-types-core's
//! `Felt` arithmetic, measured in the same run on the same inputs.
//!
//! Our backends run on `Fe` slices (the representation every kernel uses;
//! the same residue `Felt` stores), the peer on `Felt` slices; both write a
//! fresh output slice. Outputs are checked against the peer before timing,
//! so a fast wrong answer never looks like a win.

use super::{best_of, on_threads, random_felts, Measurement, Reporter};
use rand::SeedableRng;
use starknet_types_core::felt::Felt;
use std::time::Duration;
use wavelane_kernels::field::{self, Fe, FieldOp};
use wavelane_kernels::gpu::GpuContext;
use wavelane_kernels::Backend;

/// What to measure.
#[derive(Clone, Debug)]
pub struct FieldBench {
    /// Elements per batch.
    pub n: usize,
    /// Ops to measure.
    pub ops: Vec<FieldOp>,
    /// Backends to measure (`Auto` is resolved first).
    pub backends: Vec<Backend>,
    /// Time budget per measurement.
    pub budget: Duration,
}

impl Default for FieldBench {
    fn default() -> Self {
        FieldBench {
            n: 1 << 16,
            ops: vec![FieldOp::Mul],
            backends: super::default_backends(),
            budget: Duration::from_millis(700),
        }
    }
}

impl FieldBench {
    /// How many measurements [`FieldBench::run`] will report (for progress).
    pub fn steps(&self) -> u64 {
        (self.ops.len() * (2 + self.backends.len() * 2)) as u64
    }

    /// Measures every op on every backend and the peer; fails if any backend
    /// disagrees with the peer.
    pub fn run(&self, rep: &mut Reporter) -> anyhow::Result<()> {
        let mut rng = rand::rngs::StdRng::seed_from_u64(42);
        let a = random_felts(&mut rng, self.n);
        let b = random_felts(&mut rng, self.n);
        let fa: Vec<Fe> = a.iter().map(Fe::from_felt).collect();
        let fb: Vec<Fe> = b.iter().map(Fe::from_felt).collect();
        let cores = rayon::current_num_threads();
        for &op in &self.ops {
            let name = format!("field.{}", op.name());
            let n = self.n as u64;
            rep.step(&format!("{name} starknet-types-core"));
            let mut want = vec![Felt::ZERO; self.n];
            let t = best_of(self.budget, 3, || peer(op, &a, &b, &mut want));
            let peer1 = Measurement::new(&name, "starknet-types-core", n, 1, t);
            rep.push(peer1.clone());
            let t = best_of(self.budget, 3, || {
                use rayon::prelude::*;
                want.par_chunks_mut(4096)
                    .zip(a.par_chunks(4096).zip(b.par_chunks(4096)))
                    .for_each(|(o, (x, y))| peer(op, x, y, o));
            });
            let peer_all = Measurement::new(&name, "starknet-types-core", n, cores, t);
            rep.push(peer_all.clone());
            let want: Vec<Fe> = want.iter().map(Fe::from_felt).collect();
            for &backend in &self.backends {
                let backend = backend.resolve();
                rep.step(&format!("{name} {backend}"));
                let mut out = vec![Fe::ZERO; self.n];
                match backend {
                    Backend::Gpu => {
                        let ctx = match GpuContext::get() {
                            Ok(ctx) => ctx,
                            Err(e) => {
                                rep.step(&format!("gpu skipped: {e}"));
                                continue;
                            }
                        };
                        let mut kernel = f64::INFINITY;
                        let t = best_of(self.budget, 3, || {
                            if let Ok(Some(k)) = field::gpu::run_timed(ctx, op, &fa, &fb, &mut out) {
                                kernel = kernel.min(k);
                            }
                        });
                        verify(&name, backend, &out, &want)?;
                        rep.push(Measurement::new(&name, "gpu", n, 1, t).against(&peer_all).scope("end-to-end"));
                        if kernel.is_finite() {
                            rep.push(
                                Measurement::new(&name, "gpu", n, 1, kernel).against(&peer_all).scope("kernel-only"),
                            );
                        }
                    }
                    _ => {
                        let run = |out: &mut [Fe]| match backend {
                            Backend::Scalar => field::scalar::run(op, &fa, &fb, out),
                            _ => field::simd::run(op, &fa, &fb, out),
                        };
                        let t1 = on_threads(1, || best_of(self.budget, 3, || run(&mut out)));
                        verify(&name, backend, &out, &want)?;
                        rep.push(Measurement::new(&name, backend.name(), n, 1, t1).against(&peer1));
                        if backend == Backend::Simd {
                            out.fill(Fe::ZERO);
                            let t = best_of(self.budget, 3, || run(&mut out));
                            verify(&name, backend, &out, &want)?;
                            rep.push(Measurement::new(&name, backend.name(), n, cores, t).against(&peer_all));
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn peer(op: FieldOp, a: &[Felt], b: &[Felt], out: &mut [Felt]) {
    match op {
        FieldOp::Add => out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = x + y),
        FieldOp::Sub => out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = x - y),
        FieldOp::Mul => out.iter_mut().zip(a.iter().zip(b)).for_each(|(o, (x, y))| *o = x * y),
        FieldOp::Inv => out.iter_mut().zip(a).for_each(|(o, x)| *o = x.inverse().unwrap_or(Felt::ZERO)),
    }
}

fn verify(name: &str, backend: Backend, got: &[Fe], want: &[Fe]) -> anyhow::Result<()> {
    match got.iter().zip(want).position(|(g, w)| g != w) {
        None => Ok(()),
        Some(i) => anyhow::bail!("{name} on {backend}: element {i} differs from starknet-types-core"),
    }
}
