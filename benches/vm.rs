//! Criterion bench `vm`: Cairo VM steps per second, wavelane against cairo-vm
//! (trace off, its fastest settings), on the long-running test programs.
//! Throughput is in steps. wavelane is measured on fresh memory (its
//! per-thread segment pool emptied before every run, as cairo-vm gets) and
//! on reused memory (what an executor running program after program sees).
//! Both VMs must agree on the step count before anything is timed.
//!
//! `wavelane bench vm` reports the same figures as a table or JSON.

use cairo_vm::types::program::Program as OracleProgram;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::time::Duration;
use wavelane::bench::vm::{run_cairo_vm, DEFAULT_PROGRAMS};
use wavelane::kernels::vm::{memory, run, Program, RunConfig};

fn vm(c: &mut Criterion) {
    let cfg = RunConfig::default();
    for &(name, json) in DEFAULT_PROGRAMS {
        let ours = Program::from_json(json).expect("bundled program loads");
        let theirs = OracleProgram::from_bytes(json.as_bytes(), Some("main")).expect("cairo-vm loads it");
        let steps = run(&ours, &cfg).expect("wavelane runs it").steps;
        assert_eq!(steps, run_cairo_vm(&theirs).expect("cairo-vm runs it"), "{name}: step counts differ");

        let mut g = c.benchmark_group(format!("vm/{name}"));
        g.throughput(Throughput::Elements(steps));
        // cairo-vm takes a few hundred milliseconds a run: ten samples of
        // one run each.
        g.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(4));
        g.bench_function("cairo-vm", |b| b.iter(|| run_cairo_vm(&theirs).expect("cairo-vm runs it")));
        g.measurement_time(Duration::from_secs(2));
        g.bench_function("wavelane-fresh-memory", |b| {
            b.iter(|| {
                memory::pool::clear();
                run(&ours, &cfg).expect("wavelane runs it").steps
            })
        });
        g.bench_function("wavelane-reused-memory", |b| b.iter(|| run(&ours, &cfg).expect("wavelane runs it").steps));
        g.finish();
    }
}

criterion_group!(benches, vm);
criterion_main!(benches);
