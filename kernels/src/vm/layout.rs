//! Layouts, as cairo-vm names them: which builtins a program run under a
//! layout may use.
//!
//! Outside proof mode a layout changes nothing else: only the builtins the
//! program declares get segments, in the program's order, so the relocated
//! memory is the same under every layout that allows them. A program that
//! declares a builtin its layout lacks is refused before it runs, as
//! cairo-vm refuses it.

use super::builtins::Builtin;
use super::error::VmError;
use super::program::Program;

/// A layout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// No builtins.
    Plain,
    /// output, pedersen, range_check, ecdsa.
    Small,
    /// output, pedersen, range_check, ecdsa.
    Dex,
    /// output, pedersen, range_check, bitwise.
    Recursive,
    /// output, pedersen, range_check, ecdsa, bitwise, ec_op, poseidon.
    Starknet,
    /// `starknet` plus keccak.
    StarknetWithKeccak,
    /// output, pedersen, range_check, bitwise, poseidon.
    RecursiveLargeOutput,
    /// output, pedersen, range_check, bitwise, poseidon.
    RecursiveWithPoseidon,
    /// output, pedersen, range_check, ecdsa, bitwise, ec_op.
    AllSolidity,
    /// Every builtin (the default).
    #[default]
    AllCairo,
}

/// Every layout with its name.
const NAMES: &[(Layout, &str)] = &[
    (Layout::Plain, "plain"),
    (Layout::Small, "small"),
    (Layout::Dex, "dex"),
    (Layout::Recursive, "recursive"),
    (Layout::Starknet, "starknet"),
    (Layout::StarknetWithKeccak, "starknet_with_keccak"),
    (Layout::RecursiveLargeOutput, "recursive_large_output"),
    (Layout::RecursiveWithPoseidon, "recursive_with_poseidon"),
    (Layout::AllSolidity, "all_solidity"),
    (Layout::AllCairo, "all_cairo"),
];

impl Layout {
    /// The layout cairo-vm calls `name`.
    pub fn from_name(name: &str) -> Result<Layout, VmError> {
        NAMES.iter().find(|(_, n)| *n == name).map(|(l, _)| *l).ok_or_else(|| {
            let all: Vec<&str> = NAMES.iter().map(|(_, n)| *n).collect();
            VmError::Program(format!("unknown layout `{name}`; layouts: {}", all.join(", ")))
        })
    }

    /// The name as cairo-vm writes it.
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(l, _)| *l == self).map_or("", |(_, n)| n)
    }

    /// Whether the layout has the builtin `b`.
    pub fn has(self, b: Builtin) -> bool {
        use Builtin::*;
        match self {
            Layout::Plain => false,
            Layout::Small | Layout::Dex => matches!(b, Output | Pedersen | RangeCheck | Ecdsa),
            Layout::Recursive => matches!(b, Output | Pedersen | RangeCheck | Bitwise),
            Layout::Starknet => !matches!(b, Keccak),
            Layout::StarknetWithKeccak | Layout::AllCairo => true,
            Layout::RecursiveLargeOutput | Layout::RecursiveWithPoseidon => {
                matches!(b, Output | Pedersen | RangeCheck | Bitwise | Poseidon)
            }
            Layout::AllSolidity => matches!(b, Output | Pedersen | RangeCheck | Ecdsa | Bitwise | EcOp),
        }
    }

    /// Refuses a program that declares a builtin this layout lacks.
    pub fn check(self, program: &Program) -> Result<(), VmError> {
        match program.builtins.iter().find(|&&b| !self.has(b)) {
            Some(b) => Err(VmError::Program(format!("builtin `{}` is not part of layout `{}`", b.name(), self.name()))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (l, n) in NAMES {
            assert_eq!(Layout::from_name(n).unwrap(), *l);
            assert_eq!(l.name(), *n);
        }
        assert!(Layout::from_name("nope").unwrap_err().to_string().contains("plain, small"));
        assert!(Layout::Plain.check(&Program::from_json(PLAIN).unwrap()).is_ok());
    }

    const PLAIN: &str = r#"{"prime":"0x800000000000011000000000000000000000000000000000000000000000001","data":["0x208b7fff7fff7ffe"],"identifiers":{"__main__.main":{"pc":0,"type":"function"}}}"#;
}
