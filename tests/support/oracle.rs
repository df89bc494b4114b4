//! What the VM tests share: a compiled program of `tests/cairo/` run on
//! cairo-vm (the oracle) and on our VM, and the comparison of the two runs
//! (steps, final registers, the whole relocated memory and, when asked, the
//! relocated trace). Included with `#[path]` by each test file that compares.

use cairo_vm::cairo_run::{cairo_run, CairoRunConfig};
use cairo_vm::hint_processor::builtin_hint_processor::builtin_hint_processor_definition::BuiltinHintProcessor;
use cairo_vm::types::layout_name::LayoutName;
use cairo_vm::types::relocatable::Relocatable as OracleRel;
use cairo_vm::vm::runners::cairo_runner::CairoRunner;
use wavelane::kernels::vm::{run, Program, Run, RunConfig};
use wavelane::Felt;

/// What a finished run left.
pub(crate) struct Outcome {
    pub(crate) steps: u64,
    pub(crate) regs: (u64, u64, u64),
    pub(crate) memory: Vec<Option<Felt>>,
    pub(crate) trace: Vec<(u64, u64, u64)>,
}

/// The compiled program `tests/cairo/{name}.json`.
pub(crate) fn path(name: &str) -> String {
    format!("{}/tests/cairo/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

/// `main` of `name` on cairo-vm (layout `all_cairo`, its default hint
/// processor).
pub(crate) fn oracle(name: &str, trace: bool) -> Outcome {
    let bytes = std::fs::read(path(name)).unwrap();
    let cfg = CairoRunConfig {
        entrypoint: "main",
        trace_enabled: trace,
        relocate_mem: true,
        layout: LayoutName::all_cairo,
        ..Default::default()
    };
    let mut hp = BuiltinHintProcessor::new_empty();
    let r = cairo_run(&bytes, &cfg, &mut hp).unwrap_or_else(|e| panic!("cairo-vm failed on {name}: {e}"));
    oracle_outcome(&r)
}

/// What a finished (and relocated) cairo-vm run left.
pub(crate) fn oracle_outcome(r: &CairoRunner) -> Outcome {
    let table = r.vm.segments.relocate_segments().unwrap();
    let reloc = |a: OracleRel| (table[a.segment_index as usize] + a.offset) as u64;
    Outcome {
        steps: r.vm.get_current_step() as u64,
        regs: (reloc(r.vm.get_pc()), reloc(r.vm.get_ap()), reloc(r.vm.get_fp())),
        memory: r.relocated_memory.clone(),
        trace: r
            .relocated_trace
            .clone()
            .unwrap_or_default()
            .iter()
            .map(|e| (e.pc as u64, e.ap as u64, e.fp as u64))
            .collect(),
    }
}

/// `main` of `name` on our VM.
pub(crate) fn ours(name: &str, trace: bool) -> Outcome {
    let program = Program::from_file(path(name).as_ref()).unwrap();
    let r = run(&program, &RunConfig { steps_limit: None, trace }).unwrap_or_else(|e| panic!("{name}: {e}"));
    our_outcome(&r)
}

/// What a finished run of ours left.
pub(crate) fn our_outcome(r: &Run) -> Outcome {
    let regs = r.relocated_registers();
    Outcome {
        steps: r.steps,
        regs: (regs.pc, regs.ap, regs.fp),
        memory: r.relocated_memory(),
        trace: r.relocated_trace().iter().map(|e| (e.pc, e.ap, e.fp)).collect(),
    }
}

/// `name` on both VMs: the runs must be equal.
pub(crate) fn check(name: &str, trace: bool) {
    compare(name, trace, oracle(name, trace), ours(name, trace));
}

/// Asserts two runs of `name` equal.
pub(crate) fn compare(name: &str, trace: bool, want: Outcome, got: Outcome) {
    assert_eq!(got.steps, want.steps, "{name}: steps");
    assert_eq!(got.regs, want.regs, "{name}: final pc, ap, fp");
    assert_eq!(got.memory.len(), want.memory.len(), "{name}: relocated memory size");
    for (i, (g, w)) in got.memory.iter().zip(&want.memory).enumerate() {
        assert_eq!(g, w, "{name}: relocated memory at address {i}");
    }
    if trace {
        assert_eq!(got.trace.len(), want.trace.len(), "{name}: trace length");
        assert_eq!(got.trace, want.trace, "{name}: relocated trace");
    }
}
