//! State updates as JSON, in both forms Starknet nodes serve, read and
//! written.
//!
//! * **JSON-RPC** (`starknet_getStateUpdate`'s result, optionally inside a
//!   `{"jsonrpc", "result"}` envelope): `state_diff.storage_diffs` is a list
//!   of `{address, storage_entries: [{key, value}]}`, `nonces` a list of
//!   `{contract_address, nonce}`, `deployed_contracts` of `{address,
//!   class_hash}`, `replaced_classes` of `{contract_address, class_hash}`,
//!   `declared_classes` of `{class_hash, compiled_class_hash}`,
//!   `deprecated_declared_classes` a list of class hashes.
//! * **Feeder gateway** (`get_state_update`): `storage_diffs` is an object
//!   `{address: [{key, value}]}`, `nonces` an object `{address: nonce}`,
//!   `replaced_classes` a list of `{address, class_hash}`,
//!   `old_declared_contracts` the Cairo 0 class hashes.
//!
//! Both may carry `migrated_compiled_classes` (`{class_hash,
//! compiled_class_hash}`), `block_hash`, `old_root`, `new_root`,
//! `block_number` and `starknet_version`. The form is told by the type of
//! `storage_diffs`. Felts are `0x`-prefixed hex strings below p, addresses
//! and storage keys below 2^251; roots may also be written without `0x`,
//! zero-padded, as the oldest feeder files do. Lists other than
//! `storage_diffs` that are absent read as empty (older protocol versions
//! lack them). Every error names the JSON path of the bad value.

use super::diff::{StarknetVersion, StateDiff, StateUpdate};
use super::keys::{ContractAddress, StorageKey};
use serde_json::{json, Map, Value};
use starknet_types_core::felt::Felt;

/// Which of the two JSON forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonForm {
    /// `starknet_getStateUpdate` (JSON-RPC).
    Rpc,
    /// The feeder gateway's `get_state_update`.
    Feeder,
}

/// A state update that could not be read: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JsonError {
    /// Not JSON at all.
    #[error("malformed JSON at line {line}, column {column}: {detail}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message.
        detail: String,
    },
    /// A field is missing or has the wrong type or value.
    #[error("`{path}`: {what}")]
    Field {
        /// The JSON path, e.g. `state_diff.storage_diffs[2].storage_entries[0].value`.
        path: String,
        /// What is wrong.
        what: String,
    },
}

fn field_err(path: &str, what: impl Into<String>) -> JsonError {
    JsonError::Field { path: path.to_string(), what: what.into() }
}

/// Reads a state update from JSON text (either form).
pub fn parse_state_update(text: &str) -> Result<StateUpdate, JsonError> {
    let value: Value = serde_json::from_str(text).map_err(|e| JsonError::Syntax {
        line: e.line(),
        column: e.column(),
        detail: e.to_string(),
    })?;
    state_update_from_value(&value).map(|(u, _)| u)
}

/// Reads a state update from parsed JSON and tells which form it had.
pub fn state_update_from_value(value: &Value) -> Result<(StateUpdate, JsonForm), JsonError> {
    let (root, base) = match value.get("result") {
        Some(r) if value.get("jsonrpc").is_some() => (r, "result"),
        _ => (value, ""),
    };
    let at = |name: &str| if base.is_empty() { name.to_string() } else { format!("{base}.{name}") };
    let obj =
        root.as_object().ok_or_else(|| field_err(if base.is_empty() { "$" } else { base }, "expected an object"))?;
    let sd_path = at("state_diff");
    let sd = obj.get("state_diff").ok_or_else(|| field_err(&sd_path, "missing"))?;
    let sd = sd.as_object().ok_or_else(|| field_err(&sd_path, "expected an object"))?;
    let storage_path = format!("{sd_path}.storage_diffs");
    let form = match sd.get("storage_diffs") {
        Some(Value::Array(_)) => JsonForm::Rpc,
        Some(Value::Object(_)) => JsonForm::Feeder,
        Some(_) => return Err(field_err(&storage_path, "expected a list (JSON-RPC) or an object (feeder gateway)")),
        None => return Err(field_err(&storage_path, "missing")),
    };
    let mut update = StateUpdate {
        block_number: opt(obj, &at("block_number"), "block_number", as_u64)?,
        block_hash: opt(obj, &at("block_hash"), "block_hash", |p, v| felt(p, v, false))?,
        old_root: opt(obj, &at("old_root"), "old_root", |p, v| felt(p, v, true))?,
        new_root: opt(obj, &at("new_root"), "new_root", |p, v| felt(p, v, true))?,
        starknet_version: opt(obj, &at("starknet_version"), "starknet_version", version)?,
        diff: StateDiff::default(),
    };
    read_diff(sd, &sd_path, form, &mut update.diff)?;
    Ok((update, form))
}

fn read_diff(sd: &Map<String, Value>, base: &str, form: JsonForm, diff: &mut StateDiff) -> Result<(), JsonError> {
    let p = |name: &str| format!("{base}.{name}");
    match form {
        JsonForm::Rpc => {
            for (i, item, ip) in list(sd, &p("storage_diffs"))? {
                let address = address(&format!("{ip}.address"), get(item, &ip, "address")?)?;
                let cells = diff.storage.entry(address).or_default();
                let ep = format!("{ip}.storage_entries");
                let entries =
                    get(item, &ip, "storage_entries")?.as_array().ok_or_else(|| field_err(&ep, "expected a list"))?;
                read_entries(entries, &ep, cells)?;
                let _ = i;
            }
            for (_, item, ip) in list(sd, &p("nonces"))? {
                let a = address(&format!("{ip}.contract_address"), get(item, &ip, "contract_address")?)?;
                diff.nonces.insert(a, felt(&format!("{ip}.nonce"), get(item, &ip, "nonce")?, false)?);
            }
            read_pairs(sd, &p("replaced_classes"), "contract_address", &mut diff.replaced)?;
            read_hashes(sd, &p("deprecated_declared_classes"), diff)?;
        }
        JsonForm::Feeder => {
            let sp = p("storage_diffs");
            for (a, entries) in sd["storage_diffs"].as_object().expect("told by the form") {
                let ap = format!("{sp}.{a}");
                let address = address(&ap, &Value::String(a.clone()))?;
                let entries = entries.as_array().ok_or_else(|| field_err(&ap, "expected a list"))?;
                read_entries(entries, &ap, diff.storage.entry(address).or_default())?;
            }
            let np = p("nonces");
            match sd.get("nonces") {
                None | Some(Value::Null) => {}
                Some(Value::Object(m)) => {
                    for (a, n) in m {
                        let ip = format!("{np}.{a}");
                        diff.nonces.insert(address(&ip, &Value::String(a.clone()))?, felt(&ip, n, false)?);
                    }
                }
                Some(_) => return Err(field_err(&np, "expected an object {address: nonce}")),
            }
            read_pairs(sd, &p("replaced_classes"), "address", &mut diff.replaced)?;
            read_hashes(sd, &p("old_declared_contracts"), diff)?;
        }
    }
    read_pairs(sd, &p("deployed_contracts"), "address", &mut diff.deployed)?;
    for (field, map) in [("declared_classes", &mut diff.declared), ("migrated_compiled_classes", &mut diff.migrated)] {
        for (_, item, ip) in list(sd, &p(field))? {
            let class = felt(&format!("{ip}.class_hash"), get(item, &ip, "class_hash")?, false)?;
            let compiled = felt(&format!("{ip}.compiled_class_hash"), get(item, &ip, "compiled_class_hash")?, false)?;
            map.insert(class, compiled);
        }
    }
    Ok(())
}

/// `{key, value}` entries into one contract's cells.
fn read_entries(
    entries: &[Value],
    base: &str,
    cells: &mut std::collections::BTreeMap<StorageKey, Felt>,
) -> Result<(), JsonError> {
    for (j, e) in entries.iter().enumerate() {
        let ep = format!("{base}[{j}]");
        let key = felt(&format!("{ep}.key"), get(e, &ep, "key")?, false)?;
        let key = StorageKey::new(key).map_err(|e| field_err(&format!("{ep}.key"), e.to_string()))?;
        cells.insert(key, felt(&format!("{ep}.value"), get(e, &ep, "value")?, false)?);
    }
    Ok(())
}

/// A list of `{<addr_field>, class_hash}`.
fn read_pairs(
    sd: &Map<String, Value>,
    path: &str,
    addr_field: &str,
    out: &mut std::collections::BTreeMap<ContractAddress, Felt>,
) -> Result<(), JsonError> {
    for (_, item, ip) in list(sd, path)? {
        let a = address(&format!("{ip}.{addr_field}"), get(item, &ip, addr_field)?)?;
        out.insert(a, felt(&format!("{ip}.class_hash"), get(item, &ip, "class_hash")?, false)?);
    }
    Ok(())
}

fn read_hashes(sd: &Map<String, Value>, path: &str, diff: &mut StateDiff) -> Result<(), JsonError> {
    for (_, item, ip) in list(sd, path)? {
        diff.deprecated_declared.insert(felt(&ip, item, false)?);
    }
    Ok(())
}

/// The items of an optional list field, each with its index and path.
fn list<'a>(sd: &'a Map<String, Value>, path: &str) -> Result<Vec<(usize, &'a Value, String)>, JsonError> {
    let name = path.rsplit('.').next().expect("a path has a last segment");
    match sd.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => {
            Ok(items.iter().enumerate().map(|(i, v)| (i, v, format!("{path}[{i}]"))).collect())
        }
        Some(_) => Err(field_err(path, "expected a list")),
    }
}

fn get<'a>(item: &'a Value, path: &str, name: &str) -> Result<&'a Value, JsonError> {
    let obj = item.as_object().ok_or_else(|| field_err(path, "expected an object"))?;
    obj.get(name).ok_or_else(|| field_err(&format!("{path}.{name}"), "missing"))
}

fn opt<T>(
    obj: &Map<String, Value>,
    path: &str,
    name: &str,
    read: impl Fn(&str, &Value) -> Result<T, JsonError>,
) -> Result<Option<T>, JsonError> {
    match obj.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => read(path, v).map(Some),
    }
}

fn as_u64(path: &str, v: &Value) -> Result<u64, JsonError> {
    v.as_u64().ok_or_else(|| field_err(path, "expected a non-negative integer"))
}

fn version(path: &str, v: &Value) -> Result<StarknetVersion, JsonError> {
    let s = v.as_str().ok_or_else(|| field_err(path, "expected a version string"))?;
    s.parse().map_err(|e: super::diff::BadVersion| field_err(path, e.to_string()))
}

/// A felt: a `0x` hex string below p (`bare_hex`: the `0x` may be missing).
fn felt(path: &str, v: &Value, bare_hex: bool) -> Result<Felt, JsonError> {
    let s = v.as_str().ok_or_else(|| field_err(path, format!("expected a hex string, found {v}")))?;
    let digits = match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(d) => d,
        None if bare_hex => s,
        None => return Err(field_err(path, format!("`{s}` is not a 0x-prefixed hex felt"))),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err(field_err(path, format!("`{s}` is not a hex number")));
    }
    let significant = digits.trim_start_matches('0');
    if significant.len() > 64 {
        return Err(field_err(path, format!("`{s}` is not below p (more than 256 bits)")));
    }
    let mut bytes = [0u8; 32];
    let padded = format!("{significant:0>64}");
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(&padded[2 * i..2 * i + 2], 16).expect("checked hex digits");
    }
    let f = Felt::from_bytes_be(&bytes);
    if f.to_bytes_be() != bytes {
        return Err(field_err(path, format!("`{s}` is not below p = 2^251 + 17·2^192 + 1")));
    }
    Ok(f)
}

fn address(path: &str, v: &Value) -> Result<ContractAddress, JsonError> {
    ContractAddress::new(felt(path, v, false)?).map_err(|e| field_err(path, e.to_string()))
}

fn hex(f: &Felt) -> Value {
    Value::String(format!("{f:#x}"))
}

/// Writes `update` as JSON in `form`; [`parse_state_update`] reads it back
/// to the same value.
pub fn to_json(update: &StateUpdate, form: JsonForm) -> Value {
    let d = &update.diff;
    let class_pairs = |m: &std::collections::BTreeMap<Felt, Felt>| -> Vec<Value> {
        m.iter().map(|(c, cc)| json!({"class_hash": hex(c), "compiled_class_hash": hex(cc)})).collect()
    };
    let entries = |cells: &std::collections::BTreeMap<StorageKey, Felt>| -> Vec<Value> {
        cells.iter().map(|(k, v)| json!({"key": hex(&k.felt()), "value": hex(v)})).collect()
    };
    let deployed: Vec<Value> =
        d.deployed.iter().map(|(a, c)| json!({"address": hex(&a.felt()), "class_hash": hex(c)})).collect();
    let deprecated: Vec<Value> = d.deprecated_declared.iter().map(hex).collect();
    let mut sd = Map::new();
    match form {
        JsonForm::Rpc => {
            let storage: Vec<Value> = d
                .storage
                .iter()
                .map(|(a, cells)| json!({"address": hex(&a.felt()), "storage_entries": entries(cells)}))
                .collect();
            sd.insert("storage_diffs".into(), Value::Array(storage));
            let nonces: Vec<Value> =
                d.nonces.iter().map(|(a, n)| json!({"contract_address": hex(&a.felt()), "nonce": hex(n)})).collect();
            sd.insert("nonces".into(), Value::Array(nonces));
            sd.insert("deployed_contracts".into(), Value::Array(deployed));
            let replaced: Vec<Value> = d
                .replaced
                .iter()
                .map(|(a, c)| json!({"contract_address": hex(&a.felt()), "class_hash": hex(c)}))
                .collect();
            sd.insert("replaced_classes".into(), Value::Array(replaced));
            sd.insert("declared_classes".into(), Value::Array(class_pairs(&d.declared)));
            sd.insert("deprecated_declared_classes".into(), Value::Array(deprecated));
        }
        JsonForm::Feeder => {
            let storage: Map<String, Value> =
                d.storage.iter().map(|(a, cells)| (format!("{:#x}", a.felt()), Value::Array(entries(cells)))).collect();
            sd.insert("storage_diffs".into(), Value::Object(storage));
            let nonces: Map<String, Value> =
                d.nonces.iter().map(|(a, n)| (format!("{:#x}", a.felt()), hex(n))).collect();
            sd.insert("nonces".into(), Value::Object(nonces));
            sd.insert("deployed_contracts".into(), Value::Array(deployed));
            let replaced: Vec<Value> =
                d.replaced.iter().map(|(a, c)| json!({"address": hex(&a.felt()), "class_hash": hex(c)})).collect();
            sd.insert("replaced_classes".into(), Value::Array(replaced));
            sd.insert("declared_classes".into(), Value::Array(class_pairs(&d.declared)));
            sd.insert("old_declared_contracts".into(), Value::Array(deprecated));
        }
    }
    if !d.migrated.is_empty() {
        sd.insert("migrated_compiled_classes".into(), Value::Array(class_pairs(&d.migrated)));
    }
    let mut out = Map::new();
    if let Some(n) = update.block_number {
        out.insert("block_number".into(), json!(n));
    }
    for (name, f) in [("block_hash", update.block_hash), ("old_root", update.old_root), ("new_root", update.new_root)] {
        if let Some(f) = f {
            out.insert(name.into(), hex(&f));
        }
    }
    if let Some(v) = update.starknet_version {
        out.insert("starknet_version".into(), Value::String(v.to_string()));
    }
    out.insert("state_diff".into(), Value::Object(sd));
    Value::Object(out)
}
