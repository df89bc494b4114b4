//! Runs between steps: [`Paused`] is a run's whole state between two
//! steps, [`start_main`] and `start` (and
//! [`start_entry`](super::entry::start_entry)) make the one before the first
//! step, [`resume`] runs one to its end and [`advance`] a given number of
//! steps. The GPU lanes (`gpu.rs`) hand their runs back as [`Paused`] ones.

use super::builtins::Builtin;
use super::error::{At, VmError};
use super::fast::Fast;
use super::hints::HintState;
use super::memory::{Memory, Relocatable, Value};
use super::program::Program;
use super::run::{Mem, Run, RunConfig, Setup, State, TraceEntry, EXEC, PROG};

/// The state of `main`'s run before its first step.
pub fn start_main(program: &Program) -> Result<Paused, VmError> {
    let mut setup = Setup::new(program);
    let mut stack: Vec<Value> = setup.bases.iter().map(|&b| Value::Rel(b)).collect();
    let return_fp = setup.add_segment();
    let end = setup.add_segment();
    stack.push(Value::Rel(return_fp));
    stack.push(Value::Rel(end));
    start(program, setup, stack, program.main, end)
}

/// A run stopped between two steps: its memory and registers, where it
/// ends, and its builtins. [`start_main`] and
/// [`start_entry`](super::entry::start_entry) make one before the first
/// step; the GPU lanes hand one back where they stop; [`resume`] runs one
/// to its end. No hint has run in it (so a hint's own state starts empty).
#[derive(Clone, Debug)]
pub struct Paused {
    /// The memory so far (the program segment included).
    pub memory: Memory,
    /// pc.
    pub pc: Relocatable,
    /// ap (offset in the execution segment).
    pub ap: u64,
    /// fp (offset in the execution segment).
    pub fp: u64,
    /// Steps executed so far.
    pub steps: u64,
    /// The end pointer: the run stops when pc reaches it.
    pub end: Relocatable,
    /// The builtins, with their segment indices.
    pub builtin_segments: Vec<(Builtin, u32)>,
}

impl Paused {
    /// The builtin owning each segment, if any.
    pub fn segment_kinds(&self) -> Vec<Option<Builtin>> {
        let mut kinds = vec![None; self.memory.num_segments()];
        for &(b, s) in &self.builtin_segments {
            if let Some(k) = kinds.get_mut(s as usize) {
                *k = Some(b);
            }
        }
        kinds
    }
}

/// Loads the program and the initial stack: the state before the first
/// step from `entry`, ending when pc reaches `end`.
pub(super) fn start(
    program: &Program,
    setup: Setup,
    stack: Vec<Value>,
    entry: usize,
    end: Relocatable,
) -> Result<Paused, VmError> {
    let Setup { mem, kinds, builtin_segments, .. } = setup;
    let start = At { pc: Relocatable::new(PROG, entry as u64), step: 0 };
    let mut m = Mem { mem, kinds };
    for (i, w) in program.data.iter().enumerate() {
        m.write(Relocatable::new(PROG, i as u64), Value::Int(*w), start)?;
    }
    for (i, v) in stack.iter().enumerate() {
        m.write(Relocatable::new(EXEC, i as u64), *v, start)?;
    }
    let ap = stack.len() as u64;
    Ok(Paused { memory: m.mem, pc: start.pc, ap, fp: ap, steps: 0, end, builtin_segments })
}

/// Runs a paused run until pc reaches its end (the trace, if asked for,
/// holds the steps from here on).
pub fn resume(program: &Program, paused: Paused, cfg: &RunConfig) -> Result<Run, VmError> {
    let (mut st, end, builtin_segments) = state(program, paused);
    let mut trace = Vec::new();
    let limit = cfg.steps_limit.unwrap_or(u64::MAX);
    loop {
        if !cfg.trace {
            st.run_fast(limit);
        }
        if st.pc == end {
            break;
        }
        if st.steps >= limit {
            return Err(VmError::StepLimit { at: st.at(), limit });
        }
        hints_at_pc(&mut st)?;
        if cfg.trace {
            trace.push(TraceEntry { pc: st.pc, ap: st.ap, fp: st.fp });
        }
        st.step()?;
    }
    st.check_signatures(&builtin_segments)?;
    if !st.hints.temp_segments.is_empty() {
        st.drop_temp_segments()?;
    }
    Ok(Run { memory: st.m.mem, pc: st.pc, ap: st.ap, fp: st.fp, steps: st.steps, trace, builtin_segments })
}

/// Runs up to `steps` more steps of a paused run (fewer if pc reaches the
/// end) and returns where it stopped. Hints run as in [`resume`], but what
/// they keep between steps (scopes, dictionaries, signatures) is not kept
/// in a [`Paused`]: this is for runs without such hints (the GPU lanes'
/// tests step both VMs side by side with it).
pub fn advance(program: &Program, paused: Paused, steps: u64) -> Result<Paused, VmError> {
    let (mut st, end, builtin_segments) = state(program, paused);
    let limit = st.steps.saturating_add(steps);
    while st.pc != end && st.steps < limit {
        hints_at_pc(&mut st)?;
        st.step()?;
    }
    Ok(Paused { memory: st.m.mem, pc: st.pc, ap: st.ap, fp: st.fp, steps: st.steps, end, builtin_segments })
}

/// The VM's state for a paused run, its end and its builtins.
fn state(program: &Program, paused: Paused) -> (State<'_>, Relocatable, Vec<(Builtin, u32)>) {
    let kinds = paused.segment_kinds();
    let Paused { memory, pc, ap, fp, steps, end, builtin_segments } = paused;
    let st = State {
        program,
        m: Mem { mem: memory, kinds },
        pc,
        ap,
        fp,
        steps,
        hints: HintState::default(),
        cache: vec![None; program.data.len()],
        fast: vec![Fast::NO; program.data.len()],
    };
    (st, end, builtin_segments)
}

/// Runs the hints at pc, if any.
fn hints_at_pc(st: &mut State<'_>) -> Result<(), VmError> {
    if st.pc.segment == PROG {
        if let Some(hs) = st.program.hints.get(st.pc.offset as usize) {
            if !hs.is_empty() {
                st.run_hints(hs)?;
            }
        }
    }
    Ok(())
}
