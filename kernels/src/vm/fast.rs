//! The fast path of a step: the common instructions on packed memory cells.
//!
//! Handles `call rel imm`, `ret`, and assert_eq / nop instructions whose
//! operands are integers (op1 may be an immediate), with dst the only cell
//! to fill and jumps by immediates. It never fails: whenever anything is
//! unusual (a pointer operand, a value to deduce, an error to report) it
//! returns false before changing anything and `run.rs` takes the general
//! path, so both paths always agree.

use super::decode::{ApUpdate, Op1Src, Opcode, PcUpdate, Reg, ResLogic};
use super::memory::{Cell, Relocatable, Value};
use super::run::{Cached, State, EXEC};

impl State {
    /// The common cases on packed cells: every operand an integer (or the
    /// pointers of call/ret), nothing to deduce but dst, immediates for
    /// jumps. Returns false, having changed nothing, when the general path
    /// (`slow_step`) must run instead — including for every error.
    #[inline(always)]
    pub(super) fn fast_step(&mut self, c: &Cached) -> bool {
        let ins = &c.ins;
        let base = |r: Reg, ap: u64, fp: u64| if r == Reg::Ap { ap } else { fp };
        let Some(dst_off) = base(ins.dst_reg, self.ap, self.fp).checked_add_signed(ins.off0) else {
            return false;
        };
        let dst_addr = Relocatable::new(EXEC, dst_off);
        let mem = &self.m.mem;
        match ins.opcode {
            Opcode::Call => {
                // call rel imm / call abs: [ap] = fp, [ap + 1] = return pc.
                if ins.op1_src != Op1Src::Imm || ins.res != ResLogic::Op1 {
                    return false;
                }
                let ret_pc = Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(2));
                let new_pc = match (ins.pc_update, c.imm) {
                    (PcUpdate::JumpRel, Some(d)) => match self.pc.add_signed(d) {
                        Some(p) => p,
                        None => return false,
                    },
                    _ => return false,
                };
                let fp_cell = Cell::pack(Value::Rel(Relocatable::new(EXEC, self.fp)));
                let ret_addr = Relocatable::new(EXEC, self.ap + 1);
                if !mem.cell(dst_addr).is_hole() || !mem.cell(ret_addr).is_hole() {
                    return false;
                }
                let m = &mut self.m.mem;
                if m.insert_cell(dst_addr, fp_cell).is_err()
                    || m.insert_cell(ret_addr, Cell::pack(Value::Rel(ret_pc))).is_err()
                {
                    return false; // unreachable: both were holes in an existing segment
                }
                self.fp = self.ap + 2;
                self.ap += 2;
                self.pc = new_pc;
                self.steps += 1;
                true
            }
            Opcode::Ret => {
                let Some(fp2) = self.fp.checked_sub(2) else {
                    return false;
                };
                let (old_fp, ret) = (mem.cell(Relocatable::new(EXEC, fp2)), mem.cell(Relocatable::new(EXEC, fp2 + 1)));
                match (old_fp.rel(), ret.rel()) {
                    (Some(f), Some(p)) => {
                        self.fp = f.offset;
                        self.pc = p;
                        self.steps += 1;
                        true
                    }
                    _ => false,
                }
            }
            Opcode::AssertEq | Opcode::Nop => {
                let Some(op0_off) = base(ins.op0_reg, self.ap, self.fp).checked_add_signed(ins.off1) else {
                    return false;
                };
                let op0 = mem.cell(Relocatable::new(EXEC, op0_off));
                if op0.is_hole() {
                    return false; // op0 must be known or deduced (slow path)
                }
                let op1 = match ins.op1_src {
                    Op1Src::Imm => mem.cell(Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(1))),
                    Op1Src::Ap | Op1Src::Fp => {
                        let r = if ins.op1_src == Op1Src::Ap { self.ap } else { self.fp };
                        match r.checked_add_signed(ins.off2) {
                            Some(o) => mem.cell(Relocatable::new(EXEC, o)),
                            None => return false,
                        }
                    }
                    Op1Src::Op0 => match op0.rel() {
                        Some(p) => match p.add_signed(ins.off2) {
                            Some(a) => mem.cell(a),
                            None => return false,
                        },
                        None => return false,
                    },
                };
                if !op1.is_int() {
                    return false;
                }
                match ins.res {
                    ResLogic::Op1 => {}
                    ResLogic::Add | ResLogic::Mul if op0.is_int() => {}
                    ResLogic::Unconstrained if ins.opcode == Opcode::Nop => {}
                    _ => return false, // pointer arithmetic, or errors: slow path
                }
                let dst = mem.cell(dst_addr);
                if ins.opcode == Opcode::Nop && dst.is_hole() {
                    return false; // the slow path reports it
                }
                let size = ins.size();
                let new_pc = match ins.pc_update {
                    PcUpdate::Regular => Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(size)),
                    PcUpdate::Jnz => {
                        if !dst.is_int() {
                            return false;
                        }
                        if dst.fe().is_zero() {
                            Relocatable::new(self.pc.segment, self.pc.offset.wrapping_add(size))
                        } else {
                            match c.imm.and_then(|d| self.pc.add_signed(d)) {
                                Some(p) => p,
                                None => return false,
                            }
                        }
                    }
                    PcUpdate::JumpRel if ins.res == ResLogic::Op1 => match c.imm.and_then(|d| self.pc.add_signed(d)) {
                        Some(p) => p,
                        None => return false,
                    },
                    _ => return false,
                };
                let new_ap = match ins.ap_update {
                    ApUpdate::Regular => self.ap,
                    ApUpdate::Add1 => self.ap + 1,
                    ApUpdate::Add => {
                        match c.imm.filter(|_| ins.res == ResLogic::Op1).and_then(|d| self.ap.checked_add_signed(d)) {
                            Some(a) => a,
                            None => return false,
                        }
                    }
                    ApUpdate::Add2 => return false,
                };
                if ins.opcode == Opcode::AssertEq {
                    // res is computed last, right before it is stored, so it
                    // stays in registers.
                    let res = match ins.res {
                        ResLogic::Add => Cell::from_fe(op0.fe().add(op1.fe())),
                        ResLogic::Mul => Cell::from_fe(op0.fe().mul(op1.fe())),
                        _ => op1,
                    };
                    if dst.is_hole() {
                        if self.m.mem.insert_cell(dst_addr, res).is_err() {
                            return false;
                        }
                    } else if dst != res {
                        return false;
                    }
                }
                self.ap = new_ap;
                self.pc = new_pc;
                self.steps += 1;
                true
            }
        }
    }
}
