//! [`VmError`]: everything that can go wrong loading or running a program.

use super::memory::Relocatable;

/// Where in the run an error happened: the pc and the number of steps
/// already executed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct At {
    /// The pc of the instruction being executed.
    pub pc: Relocatable,
    /// Steps executed before this one.
    pub step: u64,
}

impl std::fmt::Display for At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pc {} (step {})", self.pc, self.step)
    }
}

/// An error loading a compiled program or running it.
#[derive(Debug, thiserror::Error)]
pub enum VmError {
    /// The program JSON is malformed or uses something this VM does not.
    #[error("program: {0}")]
    Program(String),
    /// A hint whose code is not among the supported library hints.
    #[error("program: unsupported hint at pc offset {pc}: {code:?}")]
    UnsupportedHint {
        /// The pc offset the hint is attached to.
        pc: usize,
        /// The hint's Python code.
        code: String,
    },
    /// The word at pc is not a valid Cairo 0 instruction.
    #[error("invalid instruction {word} at {at}: {why}")]
    InvalidInstruction {
        /// Where.
        at: At,
        /// The encoded word (hex), or `unknown`.
        word: String,
        /// What is wrong with it.
        why: String,
    },
    /// A second, different value was written to a memory cell.
    #[error("conflicting memory write at {addr} ({old} then {new}) at {at}")]
    ConflictingWrite {
        /// Where.
        at: At,
        /// The cell.
        addr: Relocatable,
        /// The value already there.
        old: String,
        /// The value written.
        new: String,
    },
    /// An operand that is neither in memory nor deducible.
    #[error("read of unknown memory at {addr} ({what}) at {at}")]
    UnknownMemory {
        /// Where.
        at: At,
        /// The cell.
        addr: Relocatable,
        /// The operand or variable being read.
        what: String,
    },
    /// The run did not reach its end within the step limit.
    #[error("step limit {limit} exceeded at {at}")]
    StepLimit {
        /// Where.
        at: At,
        /// The limit.
        limit: u64,
    },
    /// Any other failed check while executing (bad arithmetic on pointers,
    /// a failed assertion, a builtin or hint rejecting its input).
    #[error("{what} at {at}")]
    Run {
        /// Where.
        at: At,
        /// What failed.
        what: String,
    },
}
