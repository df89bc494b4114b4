//! The fast path: the common instructions, classified once when they are
//! decoded and then run on packed cells with the registers in locals.
//!
//! [`Fast::classify`] turns a decoded instruction into one flat [`Kind`]
//! (`[dst] = [op0] + imm`, `jmp rel imm if [dst] != 0`, `call rel imm`,
//! `ret`, …) with its offsets, immediate and handler function, so a step is
//! one call to the handler and no re-examination of flags.
//! [`State::run_fast`] runs such steps back to back with pc, ap, fp and the
//! step count held in locals, until an instruction needs the general path
//! (`run.rs`): not decoded yet, hints to run first, a shape not covered
//! here, or anything unusual at run time (an operand to deduce, a pointer
//! where an integer is expected, an error to report). A fast step never
//! fails: it returns false before changing anything, and the general path
//! then runs that same step, so both paths always agree. Writes go through
//! the same write-once function as the general path's.

use super::decode::{ApUpdate, Instruction, Op1Src, Opcode, PcUpdate, Reg, ResLogic};
use super::memory::{Cell, Relocatable, Split, Value};
use super::run::{State, EXEC, PROG};

/// The shape of one instruction, as far as the fast path is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Not run here: not decoded yet, hints run first, or a shape left to
    /// the general path.
    No,
    /// `[dst] = imm`.
    AssertImm,
    /// `[dst] = [op1]` (an integer or a pointer).
    AssertCopy,
    /// `[dst] = [[op0] + off2]`.
    AssertDeref,
    /// `[dst] = [op0] + imm`, integers.
    AddImm,
    /// `[dst] = [op0] + [op1]`, integers.
    Add,
    /// `[dst] = [op0] * imm`.
    MulImm,
    /// `[dst] = [op0] * [op1]`.
    Mul,
    /// A nop moving only ap (`ap += imm`).
    Nop,
    /// `jmp rel imm`.
    Jump,
    /// `jmp rel imm if [dst] != 0`.
    Jnz,
    /// `call rel imm`.
    Call,
    /// `ret`.
    Ret,
}

/// One instruction classified for the fast path: its [`Kind`], operand
/// offsets (each from ap or fp), the ap increment, the jump distance and the
/// immediate. Built once per pc.
#[derive(Clone, Copy, Debug)]
pub(super) struct Fast {
    kind: Kind,
    /// The handler of `kind`.
    run: Handler,
    dst_fp: bool,
    op0_fp: bool,
    op1_fp: bool,
    /// Instruction size: 1, or 2 with an immediate.
    size: u8,
    dst: i16,
    op0: i16,
    /// From `op1_fp`'s register, or from `[op0]` for [`Kind::AssertDeref`].
    op1: i16,
    /// Added to ap after the step.
    ap_add: i64,
    /// The distance of a jump or call.
    jump: i64,
    /// The immediate, when op1 is one.
    imm: Cell,
}

impl Fast {
    /// Run by the general path only.
    pub(super) const NO: Fast = Fast {
        kind: Kind::No,
        run: no,
        dst_fp: false,
        op0_fp: false,
        op1_fp: false,
        size: 1,
        dst: 0,
        op0: 0,
        op1: 0,
        ap_add: 0,
        jump: 0,
        imm: Cell::HOLE,
    };

    /// Classifies `ins`; `imm` is the word after it when op1 is an
    /// immediate (an integer), with its value as a small signed integer
    /// when it is one (`imm_small`).
    pub(super) fn classify(ins: &Instruction, imm: Option<Cell>, imm_small: Option<i64>) -> Fast {
        Fast::try_classify(ins, imm, imm_small).unwrap_or(Fast::NO)
    }

    /// The kind, as a number (for tests counting which kinds ran).
    #[cfg(test)]
    pub(super) fn kind_index(&self) -> usize {
        self.kind as usize
    }

    fn try_classify(ins: &Instruction, imm: Option<Cell>, imm_small: Option<i64>) -> Option<Fast> {
        let off = |o: i64| i16::try_from(o).ok();
        let mut f = Fast {
            dst_fp: ins.dst_reg == Reg::Fp,
            op0_fp: ins.op0_reg == Reg::Fp,
            op1_fp: ins.op1_src == Op1Src::Fp,
            size: ins.size() as u8,
            dst: off(ins.off0)?,
            op0: off(ins.off1)?,
            op1: off(ins.off2)?,
            ..Fast::NO
        };
        if ins.op1_src == Op1Src::Imm {
            // An immediate that is not a known integer is left to the
            // general path, which reports or handles it.
            f.imm = imm.filter(|c| c.is_int())?;
        }
        let imm_op1 = ins.op1_src == Op1Src::Imm && ins.res == ResLogic::Op1;
        f.ap_add = match ins.ap_update {
            ApUpdate::Regular => 0,
            ApUpdate::Add1 => 1,
            ApUpdate::Add if imm_op1 => imm_small?,
            ApUpdate::Add2 if ins.opcode == Opcode::Call => 2,
            ApUpdate::Add | ApUpdate::Add2 => return None,
        };
        f.kind = match (ins.opcode, ins.pc_update) {
            (Opcode::AssertEq, PcUpdate::Regular) => match (ins.res, ins.op1_src) {
                (ResLogic::Op1, Op1Src::Imm) => Kind::AssertImm,
                (ResLogic::Op1, Op1Src::Ap | Op1Src::Fp) => Kind::AssertCopy,
                (ResLogic::Op1, Op1Src::Op0) => Kind::AssertDeref,
                (ResLogic::Add, Op1Src::Imm) => Kind::AddImm,
                (ResLogic::Add, Op1Src::Ap | Op1Src::Fp) => Kind::Add,
                (ResLogic::Mul, Op1Src::Imm) => Kind::MulImm,
                (ResLogic::Mul, Op1Src::Ap | Op1Src::Fp) => Kind::Mul,
                _ => return None,
            },
            (Opcode::Nop, PcUpdate::Regular) if imm_op1 => Kind::Nop,
            (Opcode::Nop, PcUpdate::JumpRel) if imm_op1 => {
                f.jump = imm_small?;
                Kind::Jump
            }
            (Opcode::Nop, PcUpdate::Jnz) if ins.op1_src == Op1Src::Imm => {
                f.jump = imm_small?;
                Kind::Jnz
            }
            (Opcode::Call, PcUpdate::JumpRel) if imm_op1 => {
                // decode checked dst = [ap], op0 = [ap + 1], ap += 2.
                f.jump = imm_small?;
                Kind::Call
            }
            (Opcode::Ret, PcUpdate::Jump)
                if ins.op0_reg == Reg::Fp && ins.off1 == -1 && ins.ap_update == ApUpdate::Regular =>
            {
                // decode checked dst = [fp - 2], op1 = [fp - 1], res = op1.
                Kind::Ret
            }
            _ => return None,
        };
        f.run = match f.kind {
            Kind::No => no,
            Kind::AssertImm => assert_imm,
            Kind::AssertCopy => assert_copy,
            Kind::AssertDeref => assert_deref,
            Kind::AddImm => add_imm,
            Kind::Add => add,
            Kind::MulImm => mul_imm,
            Kind::Mul => mul,
            Kind::Nop | Kind::Jump | Kind::Jnz => nop,
            Kind::Call => call,
            Kind::Ret => ret,
        };
        Some(f)
    }
}

/// The registers, as the fast path keeps them.
struct Regs {
    pc: Relocatable,
    ap: u64,
    fp: u64,
}

impl Regs {
    #[inline(always)]
    fn at(&self, fp_based: bool, off: i16) -> u64 {
        let base = if fp_based { self.fp } else { self.ap };
        // A negative address wraps to beyond any segment: it reads as a
        // hole and is never written, so the general path reports it.
        base.wrapping_add_signed(i64::from(off))
    }
}

/// One step of one kind; false, with nothing changed, when the general path
/// must run it. A function per kind rather than one `match`: each kind's
/// result goes from registers straight to its cell with no shared tail for
/// the compiler to merge through a stack slot, and it measured about 5 %
/// faster on the long programs.
type Handler = fn(&Fast, &mut Regs, &mut Split<'_>) -> bool;

fn no(_: &Fast, _: &mut Regs, _: &mut Split<'_>) -> bool {
    false
}

/// op0, which every assert_eq and nop needs known, even where unused.
#[inline(always)]
fn op0(op: &Fast, r: &Regs, mem: &Split<'_>) -> Cell {
    mem.exec_cell(r.at(op.op0_fp, op.op0))
}

#[inline(always)]
fn op1(op: &Fast, r: &Regs, mem: &Split<'_>) -> Cell {
    mem.exec_cell(r.at(op.op1_fp, op.op1))
}

fn assert_imm(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    !op0(op, r, mem).is_hole() && assert_eq(op, r, mem, op.imm)
}

fn assert_copy(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    !op0(op, r, mem).is_hole() && assert_eq(op, r, mem, op1(op, r, mem))
}

fn assert_deref(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    match op0(op, r, mem).rel().and_then(|p| p.add_signed(i64::from(op.op1))) {
        Some(a) => {
            let v = mem.cell(a);
            assert_eq(op, r, mem, v)
        }
        None => false,
    }
}

// `imm` is an integer (see `try_classify`); pointer arithmetic is left to
// the general path.
fn add_imm(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    let a = op0(op, r, mem);
    a.is_int() && assert_eq(op, r, mem, Cell::from_fe(a.fe().add(op.imm.fe())))
}

fn mul_imm(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    let a = op0(op, r, mem);
    a.is_int() && assert_eq(op, r, mem, Cell::from_fe(a.fe().mul(op.imm.fe())))
}

fn add(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    let (a, b) = (op0(op, r, mem), op1(op, r, mem));
    a.is_int() && b.is_int() && assert_eq(op, r, mem, Cell::from_fe(a.fe().add(b.fe())))
}

fn mul(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    let (a, b) = (op0(op, r, mem), op1(op, r, mem));
    a.is_int() && b.is_int() && assert_eq(op, r, mem, Cell::from_fe(a.fe().mul(b.fe())))
}

/// The end of an assert_eq: `res` fills dst or must equal it; ap and pc move.
#[inline(always)]
fn assert_eq(op: &Fast, r: &mut Regs, mem: &mut Split<'_>, res: Cell) -> bool {
    let Some(ap) = r.ap.checked_add_signed(op.ap_add) else {
        return false;
    };
    // A hole is an op1 to deduce: the general path does that.
    if res.is_hole() || !mem.write_exec(r.at(op.dst_fp, op.dst), res) {
        return false;
    }
    r.ap = ap;
    r.pc.offset = r.pc.offset.wrapping_add(u64::from(op.size));
    true
}

/// A nop, a jump or a conditional jump (dst must be known: cairo-vm
/// requires it even where unused).
fn nop(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    if op0(op, r, mem).is_hole() {
        return false;
    }
    let dst = mem.exec_cell(r.at(op.dst_fp, op.dst));
    let next = r.pc.offset.wrapping_add(u64::from(op.size));
    let pc = match op.kind {
        Kind::Nop if !dst.is_hole() => Some(next),
        Kind::Jump if !dst.is_hole() => r.pc.offset.checked_add_signed(op.jump),
        Kind::Jnz if dst.is_int() && dst.fe().is_zero() => Some(next),
        Kind::Jnz if dst.is_int() => r.pc.offset.checked_add_signed(op.jump),
        _ => None, // a pointer to test (jnz jumps) or an unknown dst: general path
    };
    let (Some(pc), Some(ap)) = (pc, r.ap.checked_add_signed(op.ap_add)) else {
        return false;
    };
    (r.pc.offset, r.ap) = (pc, ap);
    true
}

/// `call rel imm`: `[ap] = fp`, `[ap + 1] = return pc`, `fp = ap += 2`.
fn call(op: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    let (ap, fp) = (r.ap, r.fp);
    if !mem.exec_cell(ap).is_hole() || !mem.exec_cell(ap.wrapping_add(1)).is_hole() {
        return false; // the general path checks what is there
    }
    let Some(target) = r.pc.offset.checked_add_signed(op.jump) else {
        return false;
    };
    let ret_pc = Relocatable::new(r.pc.segment, r.pc.offset.wrapping_add(u64::from(op.size)));
    if !mem.write_exec(ap, Cell::pack(Value::Rel(Relocatable::new(EXEC, fp)))) {
        return false;
    }
    // Cannot fail: a hole right after a cell just written.
    let ret_written = mem.write_exec(ap + 1, Cell::pack(Value::Rel(ret_pc)));
    debug_assert!(ret_written);
    (r.fp, r.ap, r.pc.offset) = (ap + 2, ap + 2, target);
    true
}

/// `ret`: `fp = [fp - 2]`, `pc = [fp - 1]`.
fn ret(_: &Fast, r: &mut Regs, mem: &mut Split<'_>) -> bool {
    let fp = r.fp;
    match (mem.exec_cell(fp.wrapping_sub(2)).rel(), mem.exec_cell(fp.wrapping_sub(1)).rel()) {
        (Some(f), Some(p)) => {
            (r.fp, r.pc) = (f.offset, p);
            true
        }
        _ => false, // an integer fp or an unknown cell: the general path
    }
}

impl State<'_> {
    /// Runs fast steps back to back until the next one needs the general
    /// path, pc leaves the program segment, or `limit` steps have run.
    pub(super) fn run_fast(&mut self, limit: u64) {
        let Some(mut mem) = self.m.mem.split(EXEC) else {
            return;
        };
        let mut r = Regs { pc: self.pc, ap: self.ap, fp: self.fp };
        let mut steps = self.steps;
        while steps < limit && r.pc.segment == PROG {
            let Some(op) = self.fast.get(r.pc.offset as usize) else {
                break;
            };
            if !(op.run)(op, &mut r, &mut mem) {
                break;
            }
            steps += 1;
        }
        (self.pc, self.ap, self.fp, self.steps) = (r.pc, r.ap, r.fp, steps);
    }

    /// One fast step of `op` at the current pc (hints already run); false,
    /// with nothing changed, when the general path must run it.
    #[inline(always)]
    pub(super) fn fast_step(&mut self, op: &Fast) -> bool {
        let Some(mut mem) = self.m.mem.split(EXEC) else {
            return false;
        };
        let mut r = Regs { pc: self.pc, ap: self.ap, fp: self.fp };
        if !(op.run)(op, &mut r, &mut mem) {
            return false;
        }
        (self.pc, self.ap, self.fp) = (r.pc, r.ap, r.fp);
        self.steps += 1;
        true
    }
}
