//! The run: initial state, the fetch–decode–execute loop, the end condition.
//!
//! Segments are laid out as cairo-vm lays them out for `main` (non-proof
//! mode): 0 = program, 1 = execution, then one per builtin in the program's
//! order, then the return-fp segment, then the end segment. The initial stack
//! holds each builtin's base, the return fp and the end pc; ap = fp = the
//! word after it, pc = `main`. Another entry point ([`run_entry`](super::entry::run_entry)) is laid
//! out as cairo-vm's `run_from_entrypoint` lays it out: after the builtins,
//! one segment per array argument, then the end segment; the stack holds the
//! function's builtin implicit arguments, its arguments, return fp 0 and the
//! end pc. The run stops when pc reaches the end pointer.
//! ap and fp always point into the execution segment, so they are kept as
//! offsets there; pc is a full [`Relocatable`].
//!
//! The common instructions take a fast path on packed cells (`fast.rs`),
//! back to back with the registers in locals until one needs this general
//! path: an instruction not decoded yet, hints to run, a shape or a value
//! the fast path leaves alone, and every error. The fast path only ever
//! declines a step, never fails one, and a test checks that it agrees with
//! the general path on random instructions and memory.
//!
//! Each step: run the hints at pc, fetch the decoded instruction (decoded once
//! per pc and cached in a `Vec` indexed by pc), read dst/op0/op1, deduce
//! missing operands (builtin cells first, then from the instruction),
//! compute res, write deduced operands back, check the opcode's assertion,
//! update fp, ap, pc. Nothing in the loop allocates.

use super::builtins::Builtin;
use super::decode::{self, ApUpdate, FpUpdate, Instruction, Op1Src, Opcode, PcUpdate, Reg, ResLogic};
use super::error::{At, VmError};
use super::fast::Fast;
use super::hints::{self, HintCtx, HintState};
use super::memory::{Cell, Memory, Relocatable, Value, WriteError};
use super::pause::{resume, start_main};
use super::program::Program;
use crate::field::Fe;

/// The program segment's index.
pub const PROG: u32 = 0;
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
    pub(super) kinds: Vec<Option<Builtin>>,
}

pub(super) fn write_checked(
    kinds: &[Option<Builtin>],
    mem: &mut Memory,
    a: Relocatable,
    v: Value,
    at: At,
) -> Result<(), VmError> {
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
    pub(super) fn write(&mut self, a: Relocatable, v: Value, at: At) -> Result<(), VmError> {
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

/// Memory laid out for a run: program and execution segments, one segment
/// per builtin, and the initial stack.
pub(super) struct Setup {
    pub(super) mem: Memory,
    pub(super) kinds: Vec<Option<Builtin>>,
    pub(super) builtin_segments: Vec<(Builtin, u32)>,
    /// Each builtin's base, in the program's order.
    pub(super) bases: Vec<Relocatable>,
}

impl Setup {
    pub(super) fn new(program: &Program) -> Setup {
        let mut mem = Memory::new();
        mem.add_segment(); // PROG
        mem.add_segment(); // EXEC
        let (mut kinds, mut builtin_segments, mut bases) = (vec![None, None], Vec::new(), Vec::new());
        for &b in &program.builtins {
            let base = mem.add_segment();
            kinds.push(Some(b));
            builtin_segments.push((b, base.segment));
            bases.push(base);
        }
        Setup { mem, kinds, builtin_segments, bases }
    }

    pub(super) fn add_segment(&mut self) -> Relocatable {
        self.kinds.push(None);
        self.mem.add_segment()
    }
}

/// Runs `main` of `program` to its end.
pub fn run(program: &Program, cfg: &RunConfig) -> Result<Run, VmError> {
    resume(program, start_main(program)?, cfg)
}

pub(super) struct State<'p> {
    pub(super) program: &'p Program,
    pub(super) m: Mem,
    pub(super) pc: Relocatable,
    pub(super) ap: u64,
    pub(super) fp: u64,
    pub(super) steps: u64,
    pub(super) hints: HintState,
    pub(super) cache: Vec<Option<Cached>>,
    /// What `run_fast` runs at each pc of the program segment:
    /// [`Fast::NO`] until decoded, and always where hints run first.
    pub(super) fast: Vec<Fast>,
}

/// A decoded instruction, its fast-path form, and, when op1 is an immediate
/// that fits, its value as a signed offset (jump distances, `ap += n`), so
/// the loop need not convert it out of Montgomery form each time.
#[derive(Clone, Copy)]
pub(super) struct Cached {
    pub(super) ins: Instruction,
    pub(super) imm: Option<i64>,
    pub(super) fast: Fast,
}

impl State<'_> {
    #[inline(always)]
    pub(super) fn at(&self) -> At {
        At { pc: self.pc, step: self.steps }
    }

    fn fail(&self, what: impl Into<String>) -> VmError {
        VmError::Run { at: self.at(), what: what.into() }
    }

    /// Every complete ecdsa instance (public key and message both written)
    /// must carry a registered signature that verifies.
    #[cold]
    pub(super) fn check_signatures(&self, builtin_segments: &[(Builtin, u32)]) -> Result<(), VmError> {
        for &(_, seg) in builtin_segments.iter().filter(|(b, _)| *b == Builtin::Ecdsa) {
            let fail = |what: String| VmError::Run { at: self.at(), what };
            for off in (0..self.m.mem.segment_len(seg as usize) as u64).step_by(2) {
                let (ka, ma) = (Relocatable::new(seg, off), Relocatable::new(seg, off + 1));
                let (key, msg) = match (self.m.mem.get(ka), self.m.mem.get(ma)) {
                    (Some(Value::Int(k)), Some(Value::Int(m))) => (k.to_felt(), m.to_felt()),
                    (None, _) | (_, None) => continue,
                    _ => return Err(fail(format!("ecdsa: the instance at {ka} holds a pointer"))),
                };
                let (r, s) = *self
                    .hints
                    .signatures
                    .get(&ka)
                    .ok_or_else(|| fail(format!("ecdsa: no signature for the instance at {ka}")))?;
                if !super::builtins::verify_ecdsa(key, msg, r, s) {
                    return Err(fail(format!(
                        "ecdsa: signature ({r:#x}, {s:#x}) is invalid for public key {key:#x} and message {msg:#x} at {ka}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// A temporary segment never relocated is dropped, as cairo-vm drops
    /// it; a pointer still into one is an error.
    #[cold]
    pub(super) fn drop_temp_segments(&mut self) -> Result<(), VmError> {
        for &(seg, relocated) in &self.hints.temp_segments {
            if relocated {
                continue;
            }
            if self.m.mem.points_into(seg) {
                return Err(self.fail(format!("a pointer into temporary segment {seg}, which was never relocated")));
            }
            self.m.mem.clear_segment(seg);
        }
        Ok(())
    }

    #[cold]
    pub(super) fn run_hints(&mut self, hs: &[hints::Hint]) -> Result<(), VmError> {
        let at = self.at();
        let kinds = &self.m.kinds;
        let write = |mem: &mut Memory, a: Relocatable, v: Value, at: At| write_checked(kinds, mem, a, v, at);
        let mut cx = HintCtx {
            mem: &mut self.m.mem,
            ap: Relocatable::new(EXEC, self.ap),
            fp: Relocatable::new(EXEC, self.fp),
            state: &mut self.hints,
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
        let imm_word = match ins.op1_src {
            Op1Src::Imm => self.m.mem.get(Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(1))),
            _ => None,
        };
        let imm = match imm_word {
            Some(Value::Int(f)) => signed_small(f),
            _ => None,
        };
        let fast = Fast::classify(&ins, imm_word.map(Cell::pack), imm);
        let cached = Cached { ins, imm, fast };
        if self.pc.segment == PROG {
            let pc = self.pc.offset as usize;
            if let Some(slot) = self.cache.get_mut(pc) {
                *slot = Some(cached);
            }
            let hinted = self.program.hints.get(pc).is_some_and(|hs| !hs.is_empty());
            if let (Some(slot), false) = (self.fast.get_mut(pc), hinted) {
                *slot = fast;
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
    pub(super) fn step(&mut self) -> Result<(), VmError> {
        let cached = match self.cache.get(self.pc.offset as usize) {
            Some(Some(c)) if self.pc.segment == PROG => *c,
            _ => self.decode_at()?,
        };
        if self.fast_step(&cached.fast) {
            return Ok(());
        }
        self.slow_step(cached)
    }

    #[inline(never)]
    fn slow_step(&mut self, cached: Cached) -> Result<(), VmError> {
        let Cached { ins, imm, .. } = cached;
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    /// Cells near the registers: holes, small and large integers, pointers.
    fn random_value(rng: &mut StdRng) -> Option<Value> {
        Some(match rng.random_range(0..10) {
            0 | 1 => return None,
            2 => Value::Int(Fe::ZERO),
            3 | 4 => Value::Int(Fe::from_u64(rng.random_range(1..40))),
            5 => Value::Int(Fe::from_u64(rng.random_range(1..40)).neg()),
            6 => Value::Int(Fe::from_canonical([rng.random(), rng.random(), rng.random(), rng.random::<u64>() >> 6])?),
            _ => Value::Rel(Relocatable::new(rng.random_range(0..3), rng.random_range(0..40))),
        })
    }

    /// A valid instruction word with offsets near the registers, biased
    /// towards what the fast path covers.
    fn random_word(rng: &mut StdRng) -> u64 {
        if rng.random_range(0..8) == 0 {
            return 0x208b7fff7fff7ffe; // ret
        }
        let pick = |rng: &mut StdRng, from: &[u64]| from[rng.random_range(0..from.len())];
        let op1_src = pick(rng, &[0, 1, 1, 2, 4]);
        let pc_update = pick(rng, &[0, 0, 1, 2, 4]);
        let opcode = pick(rng, &[0, 1, 2, 4, 4, 4]);
        let res = if pc_update == 4 { 0 } else { pick(rng, &[0, 1, 2]) };
        let ap_update = if opcode == 1 { 0 } else { pick(rng, &[0, 1, 2]) };
        let (dst_reg, op0_reg) = (rng.random_range(0..2), rng.random_range(0..2));
        let flags = dst_reg | op0_reg << 1 | op1_src << 2 | res << 5 | pc_update << 7 | ap_update << 10 | opcode << 12;
        let mut off = [0i64; 3].map(|_| rng.random_range(-5..=5));
        if opcode == 1 {
            off[0] = 0;
            off[1] = 1;
        }
        if op1_src == 1 {
            off[2] = 1;
        }
        let biased = off.map(|o| (o + (1 << 15)) as u64);
        let word = biased[0] | biased[1] << 16 | biased[2] << 32 | flags << 48;
        if opcode == 1 {
            word & !(0b11 << 48) // call: dst and op0 from ap
        } else {
            word
        }
    }

    type Snapshot = (Relocatable, u64, u64, u64, Vec<Vec<Option<Value>>>);

    fn snapshot(st: &State<'_>) -> Snapshot {
        let mem = &st.m.mem;
        let cells = (0..mem.num_segments()).map(|i| mem.cells(i).collect()).collect();
        (st.pc, st.ap, st.fp, st.steps, cells)
    }

    /// Whenever the fast path runs a step, the general path runs it to the
    /// same registers and memory; when it declines, nothing has changed.
    #[test]
    fn fast_steps_equal_general_steps() {
        let mut rng = StdRng::seed_from_u64(6);
        let (mut tried, mut fast, mut kinds) = (0, 0, [0; 13]);
        while tried < 200_000 {
            let word = random_word(&mut rng);
            if decode::decode(word).is_err() {
                continue;
            }
            tried += 1;
            let imm = match rng.random_range(0..4) {
                0 => Fe::from_u64(rng.random_range(0..8)),
                1 => Fe::from_u64(rng.random_range(1..8)).neg(),
                2 => Fe::from_u64(rng.random_range(0..40)),
                _ => random_value(&mut rng).and_then(Value::as_int).unwrap_or(Fe::ONE),
            };
            let program = Program {
                data: vec![Fe::from_u64(word), imm],
                builtins: vec![],
                main: 0,
                hints: vec![],
                functions: Default::default(),
            };
            let mut mem = Memory::new();
            for s in 0..3 {
                mem.add_segment();
                for off in 0..rng.random_range(0..40) {
                    let v = if s == 0 { program.data.get(off as usize).map(|f| Value::Int(*f)) } else { None };
                    if let Some(v) = v.or_else(|| random_value(&mut rng)) {
                        mem.insert(Relocatable::new(s, off), v).unwrap();
                    }
                }
            }
            let (ap, fp) = (rng.random_range(0..44), rng.random_range(0..44));
            let state = || State {
                program: &program,
                m: Mem { mem: mem.clone(), kinds: vec![None; 3] },
                pc: Relocatable::new(PROG, 0),
                ap,
                fp,
                steps: 0,
                hints: HintState::default(),
                cache: vec![None; 2],
                fast: vec![Fast::NO; 2],
            };
            let (mut a, mut b) = (state(), state());
            let Ok(cached) = a.decode_at() else {
                continue; // the program segment's random tail made pc unreadable
            };
            let before = snapshot(&a);
            if a.fast_step(&cached.fast) {
                fast += 1;
                kinds[cached.fast.kind_index()] += 1;
                let general = b.slow_step(cached);
                assert!(general.is_ok(), "{word:#x}: fast path ran a step the general path rejects: {general:?}");
                assert_eq!(snapshot(&a), snapshot(&b), "{word:#x}");
            } else {
                assert_eq!(snapshot(&a), before, "{word:#x}: declined but changed the state");
            }
        }
        assert!(fast > tried / 100, "only {fast} of {tried} steps took the fast path");
        assert!(kinds[1..].iter().all(|&n| n >= 20), "some kinds were hardly tried: {kinds:?}");
    }
}
