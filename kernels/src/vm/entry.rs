//! Entry points other than `main`: [`run_entry`] runs any function of
//! `__main__` with [`Arg`]s, laid out as cairo-vm's `run_from_entrypoint`
//! lays them out (see `run.rs`).

use super::builtins::Builtin;
use super::error::{At, VmError};
use super::memory::{Relocatable, Value};
use super::pause::{resume, start, Paused};
use super::program::{parse_felt, Program};
use super::run::{write_checked, Run, RunConfig, Setup, PROG};
use starknet_types_core::felt::Felt;

/// An argument passed to an entry point: a felt, or an array that is
/// loaded into a new segment and passed as a pointer to its start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A felt.
    Felt(Felt),
    /// An array, passed as a pointer to a new segment holding it.
    Array(Vec<Felt>),
}

impl Arg {
    /// Parses a comma-separated argument list: felts in decimal (optionally
    /// negative) or `0x` hex, and arrays of them in brackets, separated by
    /// spaces or commas: `3,-7,[4 9 16],0x10`. An empty text is no arguments.
    pub fn parse_list(text: &str) -> Result<Vec<Arg>, VmError> {
        let bad = |what: String| VmError::Program(format!("arguments {text:?}: {what}"));
        let felt = |w: &str| parse_felt(w).ok_or_else(|| bad(format!("`{w}` is not a field element")));
        let mut out = Vec::new();
        let mut rest = text.trim();
        while !rest.is_empty() {
            if let Some(inner) = rest.strip_prefix('[') {
                let close = inner.find(']').ok_or_else(|| bad("`[` without `]`".into()))?;
                let items = inner[..close].split([' ', ',']).filter(|w| !w.is_empty());
                out.push(Arg::Array(items.map(felt).collect::<Result<_, _>>()?));
                rest = inner[close + 1..].trim_start();
            } else {
                let end = rest.find(',').unwrap_or(rest.len());
                out.push(Arg::Felt(felt(rest[..end].trim())?));
                rest = &rest[end..];
            }
            rest = match rest.strip_prefix(',') {
                Some(r) if !r.trim().is_empty() => r.trim_start(),
                Some(_) => return Err(bad("trailing `,`".into())),
                None if rest.is_empty() => rest,
                None => return Err(bad(format!("expected `,` before {rest:?}"))),
            };
        }
        Ok(out)
    }
}

/// Runs the function `name` of `__main__` with `args` (one per argument
/// cell: a `Uint256` argument takes two felts), as cairo-vm's
/// `run_from_entrypoint` does: the function's implicit arguments that are
/// builtin pointers (`range_check_ptr`, `output_ptr`, …) get the bases of
/// the program's builtins, then come `args` (each array in a new segment,
/// in order), the return fp 0 and the end pc, in a segment of its own.
pub fn run_entry(program: &Program, name: &str, args: &[Arg], cfg: &RunConfig) -> Result<Run, VmError> {
    resume(program, start_entry(program, name, args)?, cfg)
}

/// The state of [`run_entry`]'s run before its first step.
pub fn start_entry(program: &Program, name: &str, args: &[Arg]) -> Result<Paused, VmError> {
    let bad = |what: String| VmError::Program(format!("entry point `{name}`: {what}"));
    let f = program.functions.get(name).ok_or_else(|| bad("no such function in `__main__`".into()))?;
    if args.len() != f.args_size {
        let names = f.args.join(", ");
        return Err(bad(format!("takes {} argument cells ({names}), got {}", f.args_size, args.len())));
    }
    let mut setup = Setup::new(program);
    let mut stack = Vec::new();
    for imp in &f.implicit_args {
        let base = imp
            .strip_suffix("_ptr")
            .and_then(Builtin::from_name)
            .and_then(|b| program.builtins.iter().position(|&x| x == b))
            .map(|i| setup.bases[i])
            .ok_or_else(|| bad(format!("implicit argument `{imp}` is not a builtin of the program")))?;
        stack.push(Value::Rel(base));
    }
    let at = At { pc: Relocatable::new(PROG, f.pc as u64), step: 0 };
    for a in args {
        stack.push(match a {
            Arg::Felt(v) => Value::from(*v),
            Arg::Array(vs) => {
                let base = setup.add_segment();
                for (i, v) in vs.iter().enumerate() {
                    let m = &mut setup.mem;
                    write_checked(&setup.kinds, m, Relocatable::new(base.segment, i as u64), Value::from(*v), at)?;
                }
                Value::Rel(base)
            }
        });
    }
    let end = setup.add_segment();
    stack.push(Value::from(Felt::ZERO));
    stack.push(Value::Rel(end));
    start(program, setup, stack, f.pc, end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_argument_lists() {
        let f = |v: i64| if v < 0 { -Felt::from(-v) } else { Felt::from(v) };
        assert_eq!(Arg::parse_list("").unwrap(), vec![]);
        assert_eq!(
            Arg::parse_list("3, -7,[4 9,16],0x10,[]").unwrap(),
            vec![
                Arg::Felt(f(3)),
                Arg::Felt(f(-7)),
                Arg::Array(vec![f(4), f(9), f(16)]),
                Arg::Felt(f(16)),
                Arg::Array(vec![])
            ]
        );
        for bad in ["1,", "x", "[1 2", "[1]2", "1,,2"] {
            assert!(matches!(Arg::parse_list(bad), Err(VmError::Program(_))), "{bad}");
        }
    }
}
