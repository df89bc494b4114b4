//! Hints: the common library's hints, recognised by their exact code, as
//! cairo-vm's built-in hint processor recognises them, and run natively.
//!
//! At load time every hint is matched against [`supported`] (each family's
//! table of codes); a hint whose code is not there rejects the whole
//! program ([`VmError::UnsupportedHint`]). Its `ids` are compiled into
//! references ([`refs`]): a small expression over `ap`, `fp`, constants and
//! memory reads, with the ap-tracking correction between the reference and
//! the hint applied once. At run time a hint sees memory, the registers and
//! the run's [`HintState`] ([`ctx`]): the execution scopes (Python's
//! `globals()`: `n` of memcpy loops, `excluded` of `assert_le_felt`, the
//! squash and usort work lists) and the dictionaries ([`dict`]).
//!
//! One file per family: [`basic`] (segments, scopes, loops), [`math`]
//! (`math`, `math_cmp`, `pow`), [`uint256`], [`search`] (`find_element`,
//! `search_sorted`, `set_add`, `usort`), [`dict`] (`dict`,
//! `default_dict`, `squash_dict`), [`keccak`] (`keccak`, `cairo_keccak`,
//! `builtin_keccak`), [`blake2s`] (`cairo_blake2s`), [`signature`]
//! (`verify_ecdsa_signature`), [`secp`] (`cairo_secp`, secp256k1), [`ec`]
//! (`ec.cairo` on the STARK curve, and the scalar bits of `ec_mul`),
//! [`sha256`] and [`uint384`] (Uint384, Uint768 and Uint512 arithmetic).

pub mod basic;
pub mod blake2s;
pub mod ctx;
pub mod dict;
pub mod ec;
pub mod keccak;
pub mod math;
pub mod refs;
pub mod search;
pub mod secp;
mod secp_codes;
pub mod sha256;
pub mod signature;
pub mod uint256;
pub mod uint384;
mod uint384_codes;

pub use ctx::{HintCtx, HintState, Scope, Var, WriteFn};

use crate::vm::error::VmError;
use refs::Reference;
use serde_json::Value as Json;
use starknet_types_core::felt::Felt;
use std::collections::HashMap;

/// A supported hint, by family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintKind {
    /// Segments, scopes and loops.
    Basic(basic::Kind),
    /// `math`, `math_cmp` and `pow`.
    Math(math::Kind),
    /// `uint256`.
    Uint256(uint256::Kind),
    /// `find_element`, `search_sorted`, `set_add`, `usort`.
    Search(search::Kind),
    /// Dictionaries and their squashing.
    Dict(dict::Kind),
    /// `keccak`, `cairo_keccak` and `builtin_keccak`.
    Keccak(keccak::Kind),
    /// `cairo_blake2s`.
    Blake2s(blake2s::Kind),
    /// `signature`.
    Signature(signature::Kind),
    /// `cairo_secp` (secp256k1).
    Secp(secp::Kind),
    /// `ec` (the STARK curve).
    Ec(ec::Kind),
    /// `sha256`.
    Sha256(sha256::Kind),
    /// `uint384`, `uint384_extension` (Uint768) and `uint512`.
    Uint384(uint384::Kind),
}

/// Every supported hint code, exactly as cairo-lang emits it.
pub fn supported() -> impl Iterator<Item = (HintKind, &'static str)> {
    let basic = basic::CODES.iter().map(|&(k, c)| (HintKind::Basic(k), c));
    let math = math::CODES.iter().map(|&(k, c)| (HintKind::Math(k), c));
    let uint256 = uint256::CODES.iter().map(|&(k, c)| (HintKind::Uint256(k), c));
    let search = search::CODES.iter().map(|&(k, c)| (HintKind::Search(k), c));
    let dict = dict::CODES.iter().map(|&(k, c)| (HintKind::Dict(k), c));
    let keccak = keccak::CODES.iter().map(|&(k, c)| (HintKind::Keccak(k), c));
    let blake2s = blake2s::CODES.iter().map(|&(k, c)| (HintKind::Blake2s(k), c));
    let signature = signature::CODES.iter().map(|&(k, c)| (HintKind::Signature(k), c));
    let secp = secp::CODES.iter().map(|&(k, c)| (HintKind::Secp(k), c));
    let ec = ec::CODES.iter().map(|&(k, c)| (HintKind::Ec(k), c));
    let sha256 = sha256::CODES.iter().map(|&(k, c)| (HintKind::Sha256(k), c));
    let uint384 = uint384::CODES.iter().map(|&(k, c)| (HintKind::Uint384(k), c));
    let crypto = keccak.chain(blake2s).chain(signature).chain(secp).chain(ec).chain(sha256);
    basic.chain(math).chain(uint256).chain(uint384).chain(search).chain(dict).chain(crypto)
}

/// One hint, compiled.
#[derive(Clone, Debug)]
pub struct Hint {
    /// What it does.
    pub kind: HintKind,
    ids: HashMap<String, Reference>,
    constants: HashMap<String, Felt>,
}

impl Hint {
    /// A constant the hint reads through `ids` (checked at load time).
    fn constant(&self, name: &str) -> Felt {
        self.constants.get(name).copied().unwrap_or(Felt::ZERO)
    }

    /// A constant the hint reads through `ids`, or the library's value.
    fn constant_or(&self, name: &str, default: Felt) -> Felt {
        self.constants.get(name).copied().unwrap_or(default)
    }
}

/// Constants hints read through `ids`, looked up in the hint's accessible
/// scopes.
const CONSTANTS: &[&str] = &[
    "PRIME_OVER_3_HIGH",
    "PRIME_OVER_2_HIGH",
    "UPPER_BOUND",
    "SHIFT",
    "BYTES_IN_WORD",
    "KECCAK_FULL_RATE_IN_BYTES",
    "KECCAK_STATE_SIZE_FELTS",
    "BLOCK_SIZE",
    "N_PACKED_INSTANCES",
    "INPUT_BLOCK_FELTS",
    "BASE",
    "BETA",
    "ADDR_BOUND",
    "SHA256_INPUT_CHUNK_SIZE_FELTS",
    "SHA256_STATE_SIZE_FELTS",
];

fn perr(pc: usize, what: impl std::fmt::Display) -> VmError {
    VmError::Program(format!("hint at pc {pc}: {what}"))
}

/// Compiles one entry of the program's `hints` (at pc offset `pc`).
pub fn compile(pc: usize, hint: &Json, refs: &[Json], constants: &HashMap<&str, Felt>) -> Result<Hint, VmError> {
    let code = hint.get("code").and_then(Json::as_str).ok_or_else(|| perr(pc, "missing `code`"))?;
    let kind = supported()
        .find(|(_, c)| *c == code)
        .map(|(k, _)| k)
        .ok_or_else(|| VmError::UnsupportedHint { pc, code: code.to_string() })?;
    let flow = hint.get("flow_tracking_data").ok_or_else(|| perr(pc, "missing `flow_tracking_data`"))?;
    let (group, offset) = ap_tracking(flow.get("ap_tracking")).ok_or_else(|| perr(pc, "bad `ap_tracking`"))?;
    let mut ids = HashMap::new();
    if let Some(map) = flow.get("reference_ids").and_then(Json::as_object) {
        for (path, id) in map {
            let name = path.rsplit('.').next().unwrap_or(path).to_string();
            let id = id.as_u64().ok_or_else(|| perr(pc, format!("reference id of {path} is not a number")))? as usize;
            let r = refs.get(id).ok_or_else(|| perr(pc, format!("reference {id} ({path}) does not exist")))?;
            let text = r
                .get("value")
                .and_then(Json::as_str)
                .ok_or_else(|| perr(pc, format!("reference {id} has no `value`")))?;
            // A reference this parser does not read (a tuple cast, say) is
            // left out: the hint fails only if it uses it.
            let Some(expr) = refs::parse(text) else {
                continue;
            };
            let (rg, ro) = ap_tracking(r.get("ap_tracking_data"))
                .ok_or_else(|| perr(pc, format!("reference {id} has bad ap tracking")))?;
            let ap_diff = (rg == group).then_some(offset - ro);
            ids.insert(name, Reference { expr, ap_diff });
        }
    }
    // Constants a hint reads through `ids` (e.g. PRIME_OVER_3_HIGH), looked
    // up in the hint's accessible scopes, innermost first.
    let mut consts = HashMap::new();
    let scopes: Vec<&str> = hint
        .get("accessible_scopes")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    for name in CONSTANTS {
        if let Some(v) = scopes.iter().rev().find_map(|s| constants.get(format!("{s}.{name}").as_str())) {
            consts.insert(name.to_string(), *v);
        }
    }
    if kind == HintKind::Math(math::Kind::AssertLeFelt)
        && !(consts.contains_key("PRIME_OVER_3_HIGH") && consts.contains_key("PRIME_OVER_2_HIGH"))
    {
        return Err(perr(pc, "assert_le_felt needs constants PRIME_OVER_3_HIGH and PRIME_OVER_2_HIGH"));
    }
    if kind == HintKind::Math(math::Kind::IsAddrBounded) && !consts.contains_key("ADDR_BOUND") {
        return Err(perr(pc, "normalize_address needs the constant ADDR_BOUND"));
    }
    Ok(Hint { kind, ids, constants: consts })
}

fn ap_tracking(v: Option<&Json>) -> Option<(u64, i64)> {
    let v = v?;
    Some((v.get("group")?.as_u64()?, v.get("offset")?.as_i64()?))
}

/// Runs one hint.
pub fn execute(h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match h.kind {
        HintKind::Basic(k) => basic::execute(k, h, cx),
        HintKind::Math(k) => math::execute(k, h, cx),
        HintKind::Uint256(k) => uint256::execute(k, h, cx),
        HintKind::Search(k) => search::execute(k, h, cx),
        HintKind::Dict(k) => dict::execute(k, h, cx),
        HintKind::Keccak(k) => keccak::execute(k, h, cx),
        HintKind::Blake2s(k) => blake2s::execute(k, h, cx),
        HintKind::Signature(k) => signature::execute(k, h, cx),
        HintKind::Secp(k) => secp::execute(k, h, cx),
        HintKind::Ec(k) => ec::execute(k, h, cx),
        HintKind::Sha256(k) => sha256::execute(k, h, cx),
        HintKind::Uint384(k) => uint384::execute(k, h, cx),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct() {
        let all: Vec<_> = supported().collect();
        for (i, (k, c)) in all.iter().enumerate() {
            assert!(all[..i].iter().all(|(_, c2)| c2 != c), "the code of {k:?} appears twice");
        }
    }
}
