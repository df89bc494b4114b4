//! Cairo VM benchmark: steps per second of wavelane's VM and of cairo-vm on
//! the same compiled program, in the same run.
//!
//! Both start from an already parsed program and time a whole run of `main`
//! (initial state, execution, end): cairo-vm with its fastest settings (no
//! trace, no memory relocation, no proof mode, `all_cairo` layout), ours
//! with no trace. Both step counts must agree, so a fast wrong run never
//! looks like a win.

use super::{best_of, Measurement, Reporter};
use anyhow::{anyhow, bail, Context};
use cairo_vm::cairo_run::{cairo_run_program, CairoRunConfig};
use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::BuiltinHintProcessor;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::program::Program as OracleProgram;
use std::time::Duration;
use wavelane_kernels::vm::{memory, run, Program, RunConfig};

/// The long-running programs measured by default: (name, compiled JSON).
pub const DEFAULT_PROGRAMS: &[(&str, &str)] = &[
    ("long_fib", include_str!("../../tests/cairo/long_fib.json")),
    ("long_loop", include_str!("../../tests/cairo/long_loop.json")),
];

fn oracle_config() -> CairoRunConfig<'static> {
    CairoRunConfig {
        entrypoint: "main",
        trace_enabled: false,
        relocate_mem: false,
        layout: LayoutName::all_cairo,
        ..Default::default()
    }
}

/// Runs `main` of `program` on cairo-vm with the benchmark's settings (its
/// fastest: no trace, no relocation, no proof mode, `all_cairo` layout) and
/// returns the step count.
pub fn run_cairo_vm(program: &OracleProgram) -> anyhow::Result<u64> {
    let mut hp = BuiltinHintProcessor::new_empty();
    let r = cairo_run_program(program, &oracle_config(), &mut hp).map_err(|e| anyhow!("cairo-vm failed: {e}"))?;
    Ok(r.vm.get_current_step() as u64)
}

/// Measures one program (`name`, JSON text) on both VMs and pushes two
/// figures: cairo-vm's and ours (with the ratio against cairo-vm).
pub fn bench_program(name: &str, json: &str, budget: Duration, reporter: &mut Reporter) -> anyhow::Result<()> {
    let ours = Program::from_json(json).with_context(|| format!("loading {name}"))?;
    let theirs = OracleProgram::from_bytes(json.as_bytes(), Some("main"))
        .map_err(|e| anyhow!("cairo-vm cannot load {name}: {e}"))?;
    let cfg = RunConfig::default();
    let steps = run(&ours, &cfg).with_context(|| format!("running {name}"))?.steps;
    let their_steps = run_cairo_vm(&theirs).with_context(|| format!("running {name} on cairo-vm"))?;
    if steps != their_steps {
        bail!("{name}: wavelane ran {steps} steps, cairo-vm {their_steps}");
    }
    let bench = format!("vm.{name}");
    reporter.step(&format!("{bench} cairo-vm"));
    let peer_s = best_of(budget, 3, || {
        std::hint::black_box(run_cairo_vm(&theirs).expect("ran once already"));
    });
    let peer = Measurement::new(&bench, "cairo-vm", steps, 1, peer_s).scope("end-to-end");
    // Fresh memory on every run, as cairo-vm gets: the first run on a thread.
    reporter.step(&format!("{bench} wavelane, fresh memory"));
    let fresh_s = best_of(budget, 3, || {
        memory::pool::clear();
        let r = run(&ours, &cfg).expect("ran once already");
        std::hint::black_box(r.steps);
    });
    // Segment buffers reused from the previous run on this thread: what an
    // executor running program after program sees.
    reporter.step(&format!("{bench} wavelane, reused memory"));
    let reused_s = best_of(budget, 3, || {
        let r = run(&ours, &cfg).expect("ran once already");
        std::hint::black_box(r.steps);
    });
    let fresh = Measurement::new(&bench, "scalar", steps, 1, fresh_s).scope("fresh memory").against(&peer);
    let reused = Measurement::new(&bench, "scalar", steps, 1, reused_s).scope("reused memory").against(&peer);
    reporter.push(peer);
    reporter.push(fresh);
    reporter.push(reused);
    Ok(())
}
