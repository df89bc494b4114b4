//! Loader for cairo-lang's compiled program JSON (`cairo-compile` output).
//!
//! Reads `prime` (must be Starknet's), `data` (the bytecode), `builtins`,
//! `hints` (each recognised by its code, see `hints/`), `identifiers`
//! (the entry point `__main__.main`, the other `__main__` functions with
//! their arguments, and constants) and
//! `reference_manager` (what `ids.x` means inside a hint). Anything
//! malformed or unsupported is a [`VmError::Program`] naming what and where.

use super::builtins::Builtin;
use super::error::VmError;
use super::hints::{self, Hint};
use crate::field::Fe;
use serde_json::Value as Json;
use starknet_types_core::felt::Felt;
use std::collections::HashMap;

/// Starknet's prime, as cairo-lang writes it.
const STARK_PRIME: &str = "0x800000000000011000000000000000000000000000000000000000000000001";

/// A loaded program, ready to run.
#[derive(Clone, Debug)]
pub struct Program {
    /// The bytecode (and data) loaded at the start of the program segment.
    pub data: Vec<Fe>,
    /// Builtins `main` takes, in order.
    pub builtins: Vec<Builtin>,
    /// The pc offset of `__main__.main`.
    pub main: usize,
    /// Hints by pc offset (empty where none), each compiled at load time.
    pub hints: Vec<Vec<Hint>>,
    /// The functions of `__main__` by name (without the `__main__.` prefix),
    /// which [`run_entry`](super::run::run_entry) can run.
    pub functions: HashMap<String, Function>,
}

/// A function of `__main__`: where it starts and what it takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    /// Its pc offset.
    pub pc: usize,
    /// Its implicit arguments (`{range_check_ptr, ...}`), in order.
    pub implicit_args: Vec<String>,
    /// Its explicit arguments, in order.
    pub args: Vec<String>,
    /// How many cells its explicit arguments take (a struct argument, such
    /// as a `Uint256`, takes one per member).
    pub args_size: usize,
}

/// The member names of the struct identifier `name`, in offset order.
fn members(identifiers: &serde_json::Map<String, Json>, name: &str) -> Vec<String> {
    let mut m: Vec<(u64, String)> = identifiers
        .get(name)
        .and_then(|s| s.get("members"))
        .and_then(Json::as_object)
        .map(|ms| ms.iter().map(|(k, v)| (v.get("offset").and_then(Json::as_u64).unwrap_or(0), k.clone())).collect())
        .unwrap_or_default();
    m.sort();
    m.into_iter().map(|(_, k)| k).collect()
}

fn err(what: impl Into<String>) -> VmError {
    VmError::Program(what.into())
}

/// Parses a felt written as `0x…` hex or decimal (optionally negative).
pub(crate) fn parse_felt(s: &str) -> Option<Felt> {
    let s = s.trim();
    if let Some(h) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        if h.is_empty() || h.len() > 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let v = Felt::from_hex(s).ok()?;
        // Reject values ≥ p (from_hex reduces silently).
        (v.to_hex_string().trim_start_matches("0x").trim_start_matches('0')
            == h.to_ascii_lowercase().trim_start_matches('0'))
        .then_some(v)
    } else if let Some(d) = s.strip_prefix('-') {
        parse_felt(d).map(|v| -v)
    } else {
        if s.is_empty() || s.len() > 80 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v = Felt::from_dec_str(s).ok()?;
        (v.to_string().trim_start_matches('0') == s.trim_start_matches('0')).then_some(v)
    }
}

/// A JSON number or string holding a felt.
pub(crate) fn json_felt(v: &Json) -> Option<Felt> {
    match v {
        Json::String(s) => parse_felt(s),
        // Exact digits: serde_json's `arbitrary_precision` keeps big numbers.
        Json::Number(n) => parse_felt(&n.to_string()),
        _ => None,
    }
}

impl Program {
    /// Parses compiled program JSON text.
    pub fn from_json(text: &str) -> Result<Program, VmError> {
        let j: Json = serde_json::from_str(text).map_err(|e| err(format!("not valid JSON: {e}")))?;
        Program::from_value(&j)
    }

    /// Loads a compiled program from a file.
    pub fn from_file(path: &std::path::Path) -> Result<Program, VmError> {
        let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
        Program::from_json(&text)
    }

    /// Loads from parsed JSON.
    pub fn from_value(j: &Json) -> Result<Program, VmError> {
        let obj = j.as_object().ok_or_else(|| err("top level is not a JSON object"))?;
        let prime = obj.get("prime").and_then(Json::as_str).ok_or_else(|| err("missing field `prime`"))?;
        if prime.to_ascii_lowercase() != STARK_PRIME {
            return Err(err(format!("`prime` is {prime}, only Starknet's prime {STARK_PRIME} is supported")));
        }
        let data_json = obj.get("data").and_then(Json::as_array).ok_or_else(|| err("missing array `data`"))?;
        let mut data = Vec::with_capacity(data_json.len());
        for (i, w) in data_json.iter().enumerate() {
            let f = json_felt(w).ok_or_else(|| err(format!("`data[{i}]` is not a field element: {w}")))?;
            data.push(Fe::from_felt(&f));
        }
        let mut builtins = Vec::new();
        if let Some(b) = obj.get("builtins") {
            let arr = b.as_array().ok_or_else(|| err("`builtins` is not an array"))?;
            for (i, name) in arr.iter().enumerate() {
                let name = name.as_str().ok_or_else(|| err(format!("`builtins[{i}]` is not a string")))?;
                let b = Builtin::from_name(name).ok_or_else(|| {
                    err(format!(
                        "builtin `{name}` (builtins[{i}]) is not supported; supported: output, pedersen, range_check, ecdsa, bitwise, ec_op, keccak, poseidon"
                    ))
                })?;
                if let Some(prev) = builtins.last() {
                    if b <= *prev {
                        return Err(err(format!("builtin `{name}` (builtins[{i}]) is out of the canonical order")));
                    }
                }
                builtins.push(b);
            }
        }
        let identifiers =
            obj.get("identifiers").and_then(Json::as_object).ok_or_else(|| err("missing object `identifiers`"))?;
        let main_id =
            identifiers.get("__main__.main").ok_or_else(|| err("no entry point `__main__.main` in `identifiers`"))?;
        let main = main_id
            .get("pc")
            .and_then(Json::as_u64)
            .ok_or_else(|| err("`identifiers.__main__.main` has no numeric `pc`"))? as usize;
        if main >= data.len() {
            return Err(err(format!("entry point pc {main} is past the end of `data` ({} words)", data.len())));
        }
        let mut functions = HashMap::new();
        for (name, id) in identifiers {
            let (Some(short), Some("function")) =
                (name.strip_prefix("__main__."), id.get("type").and_then(Json::as_str))
            else {
                continue;
            };
            let Some(pc) = id.get("pc").and_then(Json::as_u64).filter(|&pc| pc < data.len() as u64) else {
                return Err(err(format!("function `{name}` has no pc inside `data`")));
            };
            let implicit_args = members(identifiers, &format!("{name}.ImplicitArgs"));
            let args = members(identifiers, &format!("{name}.Args"));
            let args_size = identifiers
                .get(&format!("{name}.Args"))
                .and_then(|a| a.get("size"))
                .and_then(Json::as_u64)
                .map_or(args.len(), |n| n as usize);
            functions.insert(short.to_string(), Function { pc: pc as usize, implicit_args, args, args_size });
        }
        let mut constants = HashMap::new();
        for (name, id) in identifiers {
            // A constant, or an alias of one (`from m import CONST`), followed
            // a few hops.
            let mut target = id;
            for _ in 0..8 {
                if target.get("type").and_then(Json::as_str) != Some("alias") {
                    break;
                }
                match target.get("destination").and_then(Json::as_str).and_then(|d| identifiers.get(d)) {
                    Some(t) => target = t,
                    None => break,
                }
            }
            if target.get("type").and_then(Json::as_str) == Some("const") {
                if let Some(v) = target.get("value").and_then(json_felt) {
                    constants.insert(name.as_str(), v);
                }
            }
        }
        let refs: &[Json] = match obj.get("reference_manager").and_then(|r| r.get("references")) {
            Some(r) => {
                r.as_array().map(Vec::as_slice).ok_or_else(|| err("`reference_manager.references` is not an array"))?
            }
            None => &[],
        };
        let mut hint_table: Vec<Vec<Hint>> = vec![Vec::new(); data.len()];
        if let Some(h) = obj.get("hints") {
            let h = h.as_object().ok_or_else(|| err("`hints` is not an object"))?;
            for (pc, list) in h {
                let pc: usize = pc.parse().map_err(|_| err(format!("hint key {pc:?} is not a pc offset")))?;
                if pc >= data.len() {
                    return Err(err(format!("hint at pc {pc} is past the end of `data`")));
                }
                let list = list.as_array().ok_or_else(|| err(format!("hints at pc {pc} are not an array")))?;
                for hint in list {
                    hint_table[pc].push(hints::compile(pc, hint, refs, &constants)?);
                }
            }
        }
        Ok(Program { data, builtins, main, hints: hint_table, functions })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_felts() {
        assert_eq!(parse_felt("0x10"), Some(Felt::from(16)));
        assert_eq!(parse_felt("-1"), Some(-Felt::ONE));
        assert_eq!(parse_felt("0x800000000000011000000000000000000000000000000000000000000000001"), None);
        assert_eq!(parse_felt("12a"), None);
    }

    #[test]
    fn rejects_malformed() {
        for (text, needle) in [
            ("[]", "not a JSON object"),
            (r#"{"prime":"0x3","data":[]}"#, "prime"),
            (
                r#"{"prime":"0x800000000000011000000000000000000000000000000000000000000000001","data":["zz"],"identifiers":{}}"#,
                "data[0]",
            ),
            (
                r#"{"prime":"0x800000000000011000000000000000000000000000000000000000000000001","data":[],"identifiers":{}}"#,
                "__main__.main",
            ),
            (
                r#"{"prime":"0x800000000000011000000000000000000000000000000000000000000000001","data":["0x1"],"builtins":["range_check96"],"identifiers":{"__main__.main":{"pc":0}}}"#,
                "range_check96",
            ),
        ] {
            let e = Program::from_json(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{e} should mention {needle}");
        }
    }
}
