//! Instruction decoding, per the Cairo paper (section 4.5).
//!
//! ```text
//!  63  62..48 (15 flag bits)                  47..32   31..16   15..0
//! ┌──┬────────────────────────────────────────┬────────┬────────┬────────┐
//! │0 │ opcode ap_upd pc_upd res op1_src op0 dst│  off2  │  off1  │  off0  │
//! │  │ 14-12  11-10  9-7    6-5 4-2     1   0  │        │        │        │
//! └──┴────────────────────────────────────────┴────────┴────────┴────────┘
//! ```
//! Offsets are biased by 2^15. Bit 63 (an opcode extension in later Cairo
//! versions) must be zero: this is the Cairo 0 (Stone) VM.

/// A register an operand address is relative to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// The allocation pointer.
    Ap,
    /// The frame pointer.
    Fp,
}

/// Where op1 comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op1Src {
    /// `[op0 + off2]`.
    Op0,
    /// The immediate after the instruction (`[pc + 1]`).
    Imm,
    /// `[fp + off2]`.
    Fp,
    /// `[ap + off2]`.
    Ap,
}

/// How `res` is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResLogic {
    /// `res = op1`.
    Op1,
    /// `res = op0 + op1`.
    Add,
    /// `res = op0 * op1`.
    Mul,
    /// No `res` (conditional jumps).
    Unconstrained,
}

/// How pc moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PcUpdate {
    /// `pc += size`.
    Regular,
    /// `pc = res` (absolute jump).
    Jump,
    /// `pc += res`.
    JumpRel,
    /// `pc += dst != 0 ? op1 : size`.
    Jnz,
}

/// How ap moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApUpdate {
    /// Unchanged.
    Regular,
    /// `ap += res`.
    Add,
    /// `ap += 1`.
    Add1,
    /// `ap += 2` (call).
    Add2,
}

/// How fp moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FpUpdate {
    /// Unchanged.
    Regular,
    /// `fp = ap + 2` (call).
    ApPlus2,
    /// `fp = dst` (ret).
    Dst,
}

/// The instruction's opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opcode {
    /// No assertion.
    Nop,
    /// `call`: pushes fp and the return pc.
    Call,
    /// `ret`.
    Ret,
    /// `dst = res`.
    AssertEq,
}

/// One decoded instruction (a small `Copy` value, cached by pc).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Offset of dst from its register.
    pub off0: i64,
    /// Offset of op0 from its register.
    pub off1: i64,
    /// Offset of op1 from its source.
    pub off2: i64,
    /// dst's register.
    pub dst_reg: Reg,
    /// op0's register.
    pub op0_reg: Reg,
    /// op1's source.
    pub op1_src: Op1Src,
    /// res logic.
    pub res: ResLogic,
    /// pc update.
    pub pc_update: PcUpdate,
    /// ap update.
    pub ap_update: ApUpdate,
    /// fp update.
    pub fp_update: FpUpdate,
    /// Opcode.
    pub opcode: Opcode,
}

impl Instruction {
    /// Size in words: 2 with an immediate, 1 otherwise.
    #[inline(always)]
    pub fn size(&self) -> u64 {
        if self.op1_src == Op1Src::Imm {
            2
        } else {
            1
        }
    }
}

const DST_REG_MASK: u64 = 0x0001;
const OP0_REG_MASK: u64 = 0x0002;
const OP1_SRC_MASK: u64 = 0x001c;
const OP1_SRC_SHIFT: u64 = 2;
const RES_LOGIC_MASK: u64 = 0x0060;
const RES_LOGIC_SHIFT: u64 = 5;
const PC_UPDATE_MASK: u64 = 0x0380;
const PC_UPDATE_SHIFT: u64 = 7;
const AP_UPDATE_MASK: u64 = 0x0c00;
const AP_UPDATE_SHIFT: u64 = 10;
const OPCODE_MASK: u64 = 0x7000;
const OPCODE_SHIFT: u64 = 12;
const FLAGS_SHIFT: u64 = 48;
const OFFSET_MASK: u64 = 0xffff;
const OFFSET_BIAS: i64 = 1 << 15;

/// Decodes one instruction word (the canonical value of the felt at pc,
/// which must fit in 63 bits). The error says what is wrong.
pub fn decode(word: u64) -> Result<Instruction, String> {
    if word >> 63 != 0 {
        return Err(
            "bit 63 (opcode extension) is set; only Cairo 0 instructions are supported".into(),
        );
    }
    let off = |shift: u64| ((word >> shift) & OFFSET_MASK) as i64 - OFFSET_BIAS;
    let (off0, off1, off2) = (off(0), off(16), off(32));
    let flags = word >> FLAGS_SHIFT;
    let dst_reg = if flags & DST_REG_MASK != 0 {
        Reg::Fp
    } else {
        Reg::Ap
    };
    let op0_reg = if flags & OP0_REG_MASK != 0 {
        Reg::Fp
    } else {
        Reg::Ap
    };
    let op1_src = match (flags & OP1_SRC_MASK) >> OP1_SRC_SHIFT {
        0 => Op1Src::Op0,
        1 => Op1Src::Imm,
        2 => Op1Src::Fp,
        4 => Op1Src::Ap,
        n => return Err(format!("invalid op1 source {n}")),
    };
    let pc_update = match (flags & PC_UPDATE_MASK) >> PC_UPDATE_SHIFT {
        0 => PcUpdate::Regular,
        1 => PcUpdate::Jump,
        2 => PcUpdate::JumpRel,
        4 => PcUpdate::Jnz,
        n => return Err(format!("invalid pc update {n}")),
    };
    let res = match (
        (flags & RES_LOGIC_MASK) >> RES_LOGIC_SHIFT,
        pc_update == PcUpdate::Jnz,
    ) {
        (0, true) => ResLogic::Unconstrained,
        (0, false) => ResLogic::Op1,
        (1, false) => ResLogic::Add,
        (2, false) => ResLogic::Mul,
        (n, _) => return Err(format!("invalid res logic {n}")),
    };
    let opcode = match (flags & OPCODE_MASK) >> OPCODE_SHIFT {
        0 => Opcode::Nop,
        1 => Opcode::Call,
        2 => Opcode::Ret,
        4 => Opcode::AssertEq,
        n => return Err(format!("invalid opcode {n}")),
    };
    let ap_update = match (
        (flags & AP_UPDATE_MASK) >> AP_UPDATE_SHIFT,
        opcode == Opcode::Call,
    ) {
        (0, true) => ApUpdate::Add2,
        (0, false) => ApUpdate::Regular,
        (1, false) => ApUpdate::Add,
        (2, false) => ApUpdate::Add1,
        (n, _) => return Err(format!("invalid ap update {n}")),
    };
    let fp_update = match opcode {
        Opcode::Call => {
            if off0 != 0 || off1 != 1 || dst_reg != Reg::Ap || op0_reg != Reg::Ap {
                return Err("malformed call".into());
            }
            FpUpdate::ApPlus2
        }
        Opcode::Ret => {
            if off0 != -2
                || off2 != -1
                || dst_reg != Reg::Fp
                || op1_src != Op1Src::Fp
                || res != ResLogic::Op1
                || pc_update != PcUpdate::Jump
            {
                return Err("malformed ret".into());
            }
            FpUpdate::Dst
        }
        _ => FpUpdate::Regular,
    };
    if op1_src == Op1Src::Imm && off2 != 1 {
        return Err("immediate operand with off2 != 1".into());
    }
    Ok(Instruction {
        off0,
        off1,
        off2,
        dst_reg,
        op0_reg,
        op1_src,
        res,
        pc_update,
        ap_update,
        fp_update,
        opcode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_ret_and_call() {
        // `ret` and `call rel 3` as emitted by cairo-compile.
        let ret = decode(0x208b7fff7fff7ffe).unwrap();
        assert_eq!(ret.opcode, Opcode::Ret);
        assert_eq!(ret.fp_update, FpUpdate::Dst);
        let call = decode(0x1104800180018000).unwrap();
        assert_eq!(call.opcode, Opcode::Call);
        assert_eq!(call.size(), 2);
        assert_eq!(call.pc_update, PcUpdate::JumpRel);
    }

    #[test]
    fn rejects_bad_flags() {
        assert!(decode(1 << 63).is_err());
        assert!(decode(0x7 << (48 + 12)).is_err()); // opcode 7
        assert!(decode(0x3 << (48 + 5)).is_err()); // res logic 3
    }
}
