//! The run: initial state, the fetch–decode–execute loop, the end condition.
//!
//! Segments are laid out as cairo-vm lays them out for `main` (non-proof
//! mode): 0 = program, 1 = execution, then one per builtin in the program's
//! order, then the return-fp segment, then the end segment. The initial stack
//! holds each builtin's base, the return fp and the end pc; ap = fp = the
//! word after it, pc = `main`. The run stops when pc reaches the end pointer.
//! ap and fp always point into the execution segment, so they are kept as
//! offsets there; pc is a full [`Relocatable`].
//!
//! The common instructions take a fast path on packed cells (`fast.rs`);
//! everything else, and every error, goes through the general path here.
//!
//! Each step: run the hints at pc, fetch the decoded instruction (decoded once
//! per pc and cached in a `Vec` indexed by pc), read dst/op0/op1, deduce
//! missing operands (builtin cells first, then from the instruction),
//! compute res, write deduced operands back, check the opcode's assertion,
//! update fp, ap, pc. Nothing in the loop allocates.

use super::builtins::Builtin;
use super::decode::{self, ApUpdate, FpUpdate, Instruction, Op1Src, Opcode, PcUpdate, Reg, ResLogic};
use super::error::{At, VmError};
use super::hints::{self, HintCtx, Scope};
use super::memory::{Memory, Relocatable, Value, WriteError};
use super::program::Program;
use crate::field::Fe;

/// The execution segment's index (ap and fp live there).
pub const EXEC: u32 = 1;

/// How to run.
#[derive(Clone, Copy, Debug, Default)]
pub struct RunConfig {
    /// Stop with [`VmError::StepLimit`] after this many steps.
    pub steps_limit: Option<u64>,
    /// Record (pc, ap, fp) before every step.
    pub trace: bool,
}

/// One trace entry: the registers before a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// pc.
    pub pc: Relocatable,
    /// ap (offset in the execution segment).
    pub ap: u64,
    /// fp (offset in the execution segment).
    pub fp: u64,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct Run {
    /// The final memory.
    pub memory: Memory,
    /// Final pc (the end pointer).
    pub pc: Relocatable,
    /// Final ap (offset in the execution segment).
    pub ap: u64,
    /// Final fp (offset in the execution segment).
    pub fp: u64,
    /// Steps executed.
    pub steps: u64,
    /// The trace, if asked for.
    pub trace: Vec<TraceEntry>,
    /// The builtins, with their segment indices.
    pub builtin_segments: Vec<(Builtin, u32)>,
}

/// Memory plus what each segment is, with validated writes.
pub(super) struct Mem {
    pub(super) mem: Memory,
    /// The builtin owning each segment, if any.
    kinds: Vec<Option<Builtin>>,
}

fn write_checked(kinds: &[Option<Builtin>], mem: &mut Memory, a: Relocatable, v: Value, at: At) -> Result<(), VmError> {
    if let Some(Some(b)) = kinds.get(a.segment as usize) {
        b.validate(v).map_err(|what| VmError::Run { at, what: format!("{what} (writing {a})") })?;
    }
    mem.insert(a, v).map_err(|e| match e {
        WriteError::Conflict(old) => {
            VmError::ConflictingWrite { at, addr: a, old: old.to_string(), new: v.to_string() }
        }
        WriteError::NoSegment => VmError::Run { at, what: format!("write to {a}: no such segment") },
        WriteError::TooFar => VmError::Run { at, what: format!("write to {a}: offset too far past the segment's end") },
    })
}

impl Mem {
    #[inline(always)]
    fn write(&mut self, a: Relocatable, v: Value, at: At) -> Result<(), VmError> {
        if a.segment == EXEC {
            // Fast path: the execution segment has no validation rule.
            if self.mem.insert(a, v).is_ok() {
                return Ok(());
            }
        }
        write_checked(&self.kinds, &mut self.mem, a, v, at)
    }

    /// A builtin deduction for an unknown cell.
    fn deduce(&self, a: Relocatable, at: At) -> Result<Option<Value>, VmError> {
        match self.kinds.get(a.segment as usize) {
            Some(Some(b)) => b.deduce(&self.mem, a).map_err(|what| VmError::Run { at, what }),
            _ => Ok(None),
        }
    }
}

/// Runs `main` of `program` to its end.
pub fn run(program: &Program, cfg: &RunConfig) -> Result<Run, VmError> {
    let mut mem = Memory::new();
    let prog = mem.add_segment();
    let exec = mem.add_segment();
    let mut kinds = vec![None, None];
    let mut builtin_segments = Vec::new();
    let mut stack = Vec::new();
    for &b in &program.builtins {
        let base = mem.add_segment();
        kinds.push(Some(b));
        builtin_segments.push((b, base.segment));
        stack.push(Value::Rel(base));
    }
    let return_fp = mem.add_segment();
    let end = mem.add_segment();
    kinds.extend([None, None]);
    stack.push(Value::Rel(return_fp));
    stack.push(Value::Rel(end));
    let start = At { pc: Relocatable::new(prog.segment, program.main as u64), step: 0 };
    let mut m = Mem { mem, kinds };
    for (i, w) in program.data.iter().enumerate() {
        m.write(Relocatable::new(prog.segment, i as u64), Value::Int(*w), start)?;
    }
    for (i, v) in stack.iter().enumerate() {
        m.write(Relocatable::new(exec.segment, i as u64), *v, start)?;
    }
    let mut st = State {
        m,
        pc: start.pc,
        ap: stack.len() as u64,
        fp: stack.len() as u64,
        steps: 0,
        scopes: vec![Scope::default()],
        cache: vec![None; program.data.len()],
    };
    let mut trace = Vec::new();
    let limit = cfg.steps_limit.unwrap_or(u64::MAX);
    while st.pc != end {
        if st.steps >= limit {
            return Err(VmError::StepLimit { at: st.at(), limit });
        }
        if st.pc.segment == 0 {
            if let Some(hs) = program.hints.get(st.pc.offset as usize) {
                if !hs.is_empty() {
                    st.run_hints(hs)?;
                }
            }
        }
        if cfg.trace {
            trace.push(TraceEntry { pc: st.pc, ap: st.ap, fp: st.fp });
        }
        st.step()?;
    }
    Ok(Run { memory: st.m.mem, pc: st.pc, ap: st.ap, fp: st.fp, steps: st.steps, trace, builtin_segments })
}

pub(super) struct State {
    pub(super) m: Mem,
    pub(super) pc: Relocatable,
    pub(super) ap: u64,
    pub(super) fp: u64,
    pub(super) steps: u64,
    scopes: Vec<Scope>,
    cache: Vec<Option<Cached>>,
}

/// A decoded instruction and, when op1 is an immediate that fits, its value
/// as a signed offset (jump distances, `ap += n`), so the loop need not
/// convert it out of Montgomery form each time.
#[derive(Clone, Copy)]
pub(super) struct Cached {
    pub(super) ins: Instruction,
    pub(super) imm: Option<i64>,
}

impl State {
    #[inline(always)]
    fn at(&self) -> At {
        At { pc: self.pc, step: self.steps }
    }

    fn fail(&self, what: impl Into<String>) -> VmError {
        VmError::Run { at: self.at(), what: what.into() }
    }

    #[cold]
    fn run_hints(&mut self, hs: &[hints::Hint]) -> Result<(), VmError> {
        let at = self.at();
        let kinds = &self.m.kinds;
        let write = |mem: &mut Memory, a: Relocatable, v: Value, at: At| write_checked(kinds, mem, a, v, at);
        let mut cx = HintCtx {
            mem: &mut self.m.mem,
            ap: Relocatable::new(EXEC, self.ap),
            fp: Relocatable::new(EXEC, self.fp),
            scopes: &mut self.scopes,
            at,
            write: &write,
        };
        for h in hs {
            hints::execute(h, &mut cx)?;
        }
        Ok(())
    }

    #[cold]
    fn decode_at(&mut self) -> Result<Cached, VmError> {
        let at = self.at();
        let invalid = |word: String, why: String| VmError::InvalidInstruction { at, word, why };
        let v = self
            .m
            .mem
            .get(self.pc)
            .ok_or_else(|| invalid("unknown".into(), "no instruction in memory at pc".into()))?;
        let f = match v {
            Value::Int(f) => f,
            Value::Rel(r) => return Err(invalid(r.to_string(), "the word at pc is a pointer".into())),
        };
        let c = f.to_canonical();
        if c[1] != 0 || c[2] != 0 || c[3] != 0 {
            return Err(invalid(format!("{:#x}", f.to_felt()), "the word does not fit in 64 bits".into()));
        }
        let ins = decode::decode(c[0]).map_err(|why| invalid(format!("{:#x}", c[0]), why))?;
        let imm = match (ins.op1_src, self.m.mem.get(Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(1))))
        {
            (Op1Src::Imm, Some(Value::Int(f))) => signed_small(f),
            _ => None,
        };
        let cached = Cached { ins, imm };
        if self.pc.segment == 0 {
            if let Some(slot) = self.cache.get_mut(self.pc.offset as usize) {
                *slot = Some(cached);
            }
        }
        Ok(cached)
    }

    #[inline(always)]
    fn reg(&self, r: Reg, off: i64) -> Result<Relocatable, VmError> {
        let base = match r {
            Reg::Ap => self.ap,
            Reg::Fp => self.fp,
        };
        match base.checked_add_signed(off) {
            Some(o) => Ok(Relocatable::new(EXEC, o)),
            None => Err(self.fail(format!("address {r:?} + ({off}) is negative"))),
        }
    }

    #[inline(always)]
    fn step(&mut self) -> Result<(), VmError> {
        let cached = match self.cache.get(self.pc.offset as usize) {
            Some(Some(c)) if self.pc.segment == 0 => *c,
            _ => self.decode_at()?,
        };
        if self.fast_step(&cached) {
            return Ok(());
        }
        self.slow_step(cached)
    }

    #[inline(never)]
    fn slow_step(&mut self, cached: Cached) -> Result<(), VmError> {
        let Cached { ins, imm } = cached;
        let dst_addr = self.reg(ins.dst_reg, ins.off0)?;
        let op0_addr = self.reg(ins.op0_reg, ins.off1)?;
        let dst_m = self.m.mem.get(dst_addr);
        let op0_m = self.m.mem.get(op0_addr);
        let op1_addr = match ins.op1_src {
            Op1Src::Imm => Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(1)),
            Op1Src::Ap => self.reg(Reg::Ap, ins.off2)?,
            Op1Src::Fp => self.reg(Reg::Fp, ins.off2)?,
            Op1Src::Op0 => match op0_m {
                Some(Value::Rel(r)) => r.add_signed(ins.off2).ok_or_else(|| self.fail("op1 address out of range"))?,
                Some(Value::Int(_)) => {
                    return Err(self.fail(format!("op0 at {op0_addr} is not a pointer (needed for op1's address)")))
                }
                None => {
                    return Err(VmError::UnknownMemory {
                        at: self.at(),
                        addr: op0_addr,
                        what: "op0 (needed for op1's address)".into(),
                    })
                }
            },
        };
        let op1_m = self.m.mem.get(op1_addr);
        let mut res: Option<Value> = None;
        let op0 = match op0_m {
            Some(v) => v,
            None => {
                let v = self.deduce_op0(&ins, op0_addr, dst_m, op1_m, &mut res)?;
                self.m.write(op0_addr, v, self.at())?;
                v
            }
        };
        let op1 = match op1_m {
            Some(v) => v,
            None => {
                let v = self.deduce_op1(&ins, op1_addr, dst_m, op0, &mut res)?;
                self.m.write(op1_addr, v, self.at())?;
                v
            }
        };
        if res.is_none() {
            res = match ins.res {
                ResLogic::Op1 => Some(op1),
                ResLogic::Add => Some(op0.try_add(op1).map_err(|e| self.fail(e))?),
                ResLogic::Mul => match (op0, op1) {
                    (Value::Int(a), Value::Int(b)) => Some(Value::Int(a.mul(b))),
                    _ => return Err(self.fail(format!("cannot multiply {op0} by {op1}"))),
                },
                ResLogic::Unconstrained => None,
            };
        }
        let dst = match dst_m {
            Some(v) => v,
            None => {
                let v = match (ins.opcode, res) {
                    (Opcode::AssertEq, Some(r)) => r,
                    (Opcode::Call, _) => Value::Rel(Relocatable::new(EXEC, self.fp)),
                    _ => return Err(VmError::UnknownMemory { at: self.at(), addr: dst_addr, what: "dst".into() }),
                };
                self.m.write(dst_addr, v, self.at())?;
                v
            }
        };
        match ins.opcode {
            Opcode::AssertEq => match res {
                Some(r) if r == dst => {}
                Some(r) => return Err(self.fail(format!("assert_eq failed: dst {dst} != res {r}"))),
                None => return Err(self.fail("assert_eq with unconstrained res")),
            },
            Opcode::Call => {
                let ret = Value::Rel(Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(ins.size())));
                if op0 != ret {
                    return Err(self.fail(format!("call: cannot write return pc {ret}, cell holds {op0}")));
                }
                if dst != Value::Rel(Relocatable::new(EXEC, self.fp)) {
                    return Err(self.fail(format!("call: cannot write return fp, cell holds {dst}")));
                }
            }
            Opcode::Ret | Opcode::Nop => {}
        }
        // fp
        match ins.fp_update {
            FpUpdate::Regular => {}
            FpUpdate::ApPlus2 => self.fp = self.ap + 2,
            FpUpdate::Dst => {
                self.fp = match dst {
                    Value::Rel(r) => r.offset,
                    Value::Int(f) => small(f).ok_or_else(|| self.fail(format!("ret: fp {dst} is not a pointer")))?,
                }
            }
        }
        // ap
        match ins.ap_update {
            ApUpdate::Regular => {}
            ApUpdate::Add1 => self.ap += 1,
            ApUpdate::Add2 => self.ap += 2,
            ApUpdate::Add if imm.is_some() && ins.res == ResLogic::Op1 => {
                let d = imm.unwrap_or(0);
                self.ap = self.ap.checked_add_signed(d).ok_or_else(|| self.fail("ap out of range"))?;
            }
            ApUpdate::Add => {
                let r = match res {
                    Some(Value::Int(f)) => f,
                    _ => return Err(self.fail("ap += res with a pointer or unconstrained res")),
                };
                self.ap = Relocatable::new(EXEC, self.ap)
                    .add_fe(r)
                    .ok_or_else(|| self.fail(format!("ap + {:#x} is out of range", r.to_felt())))?
                    .offset;
            }
        }
        // pc
        self.pc = match ins.pc_update {
            PcUpdate::Regular => Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(ins.size())),
            PcUpdate::Jump => match res {
                Some(Value::Rel(r)) => r,
                _ => return Err(self.fail("absolute jump to a non-pointer")),
            },
            PcUpdate::JumpRel => match res {
                Some(Value::Int(_)) if imm.is_some() && ins.res == ResLogic::Op1 => {
                    self.pc.add_signed(imm.unwrap_or(0)).ok_or_else(|| self.fail("relative jump out of range"))?
                }
                Some(Value::Int(f)) => self.pc.add_fe(f).ok_or_else(|| self.fail("relative jump out of range"))?,
                _ => return Err(self.fail("relative jump by a pointer")),
            },
            PcUpdate::Jnz => {
                let zero = matches!(dst, Value::Int(f) if f.is_zero());
                if zero {
                    Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(ins.size()))
                } else if let Some(d) = imm {
                    self.pc.add_signed(d).ok_or_else(|| self.fail("jnz target out of range"))?
                } else {
                    match op1 {
                        Value::Int(f) => self.pc.add_fe(f).ok_or_else(|| self.fail("jnz target out of range"))?,
                        Value::Rel(_) => return Err(self.fail("jnz by a pointer")),
                    }
                }
            }
        };
        self.steps += 1;
        Ok(())
    }

    #[cold]
    fn deduce_op0(
        &self,
        ins: &Instruction,
        addr: Relocatable,
        dst: Option<Value>,
        op1: Option<Value>,
        res: &mut Option<Value>,
    ) -> Result<Value, VmError> {
        if let Some(v) = self.m.deduce(addr, self.at())? {
            return Ok(v);
        }
        let deduced = match ins.opcode {
            Opcode::Call => {
                Some(Value::Rel(Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(ins.size()))))
            }
            Opcode::AssertEq => match (ins.res, dst, op1) {
                (ResLogic::Add, Some(d), Some(o1)) => {
                    let v = d.try_sub(o1).ok();
                    if v.is_some() {
                        *res = Some(d);
                    }
                    v
                }
                (ResLogic::Mul, Some(Value::Int(d)), Some(Value::Int(o1))) if !o1.is_zero() => {
                    *res = Some(Value::Int(d));
                    Some(Value::Int(d.mul(o1.inv_or_zero())))
                }
                _ => None,
            },
            _ => None,
        };
        deduced.ok_or_else(|| VmError::UnknownMemory { at: self.at(), addr, what: "op0".into() })
    }

    #[cold]
    fn deduce_op1(
        &self,
        ins: &Instruction,
        addr: Relocatable,
        dst: Option<Value>,
        op0: Value,
        res: &mut Option<Value>,
    ) -> Result<Value, VmError> {
        if let Some(v) = self.m.deduce(addr, self.at())? {
            return Ok(v);
        }
        let deduced = if ins.opcode == Opcode::AssertEq {
            match (ins.res, dst) {
                (ResLogic::Op1, Some(d)) => {
                    res.get_or_insert(d);
                    Some(d)
                }
                (ResLogic::Add, Some(d)) => {
                    res.get_or_insert(d);
                    d.try_sub(op0).ok()
                }
                (ResLogic::Mul, Some(Value::Int(d))) => match op0 {
                    Value::Int(o0) if !o0.is_zero() => {
                        res.get_or_insert(Value::Int(d));
                        Some(Value::Int(d.mul(o0.inv_or_zero())))
                    }
                    _ => None,
                },
                _ => None,
            }
        } else {
            None
        };
        deduced.ok_or_else(|| VmError::UnknownMemory { at: self.at(), addr, what: "op1".into() })
    }
}

/// A felt in (-2^63, 2^63) read as a signed integer.
fn signed_small(f: Fe) -> Option<i64> {
    let c = f.to_canonical();
    if c[1] == 0 && c[2] == 0 && c[3] == 0 && c[0] < 1 << 63 {
        return Some(c[0] as i64);
    }
    let n = f.neg().to_canonical();
    (n[1] == 0 && n[2] == 0 && n[3] == 0 && n[0] < 1 << 63).then(|| -(n[0] as i64))
}

/// A felt below 2^64, as an integer.
fn small(f: Fe) -> Option<u64> {
    let c = f.to_canonical();
    (c[1] == 0 && c[2] == 0 && c[3] == 0).then_some(c[0])
}
