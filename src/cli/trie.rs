//! `wavelane trie`: the Merkle-Patricia trie of the `KEY VALUE` lines on
//! stdin (felts: hex with `0x`, or decimal; applied in order: a later line
//! overwrites, value 0 deletes).
//!
//! * `root` prints the root as hex.
//! * `prove KEY` prints a JSON proof for `KEY` in that tree: the root, the
//!   key, its value (`null` when absent) and the nodes from the root down.
//! * `verify --proof FILE` checks such a proof against the root of the tree
//!   on stdin (or `--root`), printing `member VALUE` or `non-member`; a proof
//!   that does not verify is an error (exit 1).
//!
//! The whole input is parsed before anything is computed: a malformed line
//! stops the run with an error naming it (exit status 2).

use super::hash::parse_felt;
use super::InputError;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::io::BufRead;
use wavelane::kernels::trie::proof::{self, ProofNode};
use wavelane::kernels::trie::{Trie, TrieHash};
use wavelane::kernels::Backend;
use wavelane::Felt;

/// Arguments of `wavelane trie`.
#[derive(Args)]
pub(crate) struct TrieArgs {
    #[command(subcommand)]
    command: TrieCommand,
    /// Node hash: pedersen (storage and contract tries) or poseidon (class trie).
    #[arg(long, global = true, default_value = "pedersen")]
    hash: String,
    /// Where to hash: scalar, simd, gpu or auto.
    #[arg(long, global = true, default_value = "auto")]
    backend: Backend,
}

#[derive(Subcommand)]
enum TrieCommand {
    /// Print the root of the tree on stdin.
    Root,
    /// Print a JSON membership or non-membership proof for KEY.
    Prove {
        /// The key: hex with `0x`, or decimal; below 2^251.
        key: String,
    },
    /// Check a proof printed by `prove`.
    Verify {
        /// The proof file (`-` for stdin, in which case `--root` is required).
        #[arg(long)]
        proof: std::path::PathBuf,
        /// The root to check against, hex with `0x` or decimal (default: the
        /// root of the tree on stdin, which must then not be empty).
        #[arg(long)]
        root: Option<String>,
    },
}

/// Runs `wavelane trie`.
pub(crate) fn run(args: TrieArgs) -> anyhow::Result<()> {
    let hash = TrieHash::parse(&args.hash)
        .ok_or_else(|| InputError(format!("--hash: unknown hash `{}` (pedersen or poseidon)", args.hash)))?;
    match args.command {
        TrieCommand::Root => {
            let t = build(hash, args.backend)?;
            println!("{:#x}", t.root());
        }
        TrieCommand::Prove { key } => {
            let key = felt_arg("KEY", &key)?;
            let t = build(hash, args.backend)?;
            let nodes = t.prove(key).map_err(|e| InputError(format!("KEY: {e}")))?;
            let value = t.get(key)?;
            let out = json!({
                "hash": hash.name(),
                "root": format!("{:#x}", t.root()),
                "key": format!("{key:#x}"),
                "value": if value == Felt::ZERO { Value::Null } else { Value::String(format!("{value:#x}")) },
                "proof": nodes.iter().map(node_json).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        TrieCommand::Verify { proof: path, root } => {
            let text = if path.as_os_str() == "-" {
                if root.is_none() {
                    return Err(InputError("--proof -: reading the proof from stdin needs --root".into()).into());
                }
                std::io::read_to_string(std::io::stdin())
                    .map_err(|e| InputError(format!("cannot read the proof from stdin: {e}")))?
            } else {
                std::fs::read_to_string(&path)
                    .map_err(|e| InputError(format!("cannot read proof {}: {e}", path.display())))?
            };
            let (key, nodes) = parse_proof(&text).map_err(|e| InputError(format!("proof {}: {e}", path.display())))?;
            let root = match root {
                Some(r) => felt_arg("--root", &r)?,
                None => {
                    let writes = parse_lines(std::io::stdin().lock())?;
                    if writes.is_empty() {
                        return Err(InputError(
                            "trie verify: no tree to verify against: stdin has no KEY VALUE lines and no --root \
                             was given (pipe in the tree the proof came from, or pass --root; the empty tree's \
                             root is --root 0x0)"
                                .into(),
                        )
                        .into());
                    }
                    build_from(hash, args.backend, &writes)?.root()
                }
            };
            match proof::verify(hash, root, key, &nodes) {
                Ok(Some(v)) => println!("member {v:#x}"),
                Ok(None) => println!("non-member"),
                Err(e) => anyhow::bail!("proof for key {key:#x} does not verify against root {root:#x}: {e}"),
            }
        }
    }
    Ok(())
}

fn felt_arg(what: &str, s: &str) -> Result<Felt, InputError> {
    parse_felt(s.trim()).map(|f| f.to_felt()).map_err(|why| InputError(format!("{what}: `{s}` {why}")))
}

/// Parses stdin and applies it as one block.
fn build(hash: TrieHash, backend: Backend) -> anyhow::Result<Trie> {
    build_from(hash, backend, &parse_lines(std::io::stdin().lock())?)
}

/// The tree of `writes`, applied as one block.
fn build_from(hash: TrieHash, backend: Backend, writes: &[(Felt, Felt)]) -> anyhow::Result<Trie> {
    let mut t = Trie::new(hash);
    t.update(backend, writes)?;
    Ok(t)
}

/// `KEY VALUE` per line (blank lines skipped); 1-based line numbers in errors.
fn parse_lines(input: impl BufRead) -> anyhow::Result<Vec<(Felt, Felt)>> {
    let mut writes = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let no = i + 1;
        let line = line.map_err(|e| InputError(format!("line {no}: cannot read input: {e}")))?;
        let tokens: Vec<&str> = line.split(|c: char| c.is_whitespace() || c == ',').filter(|t| !t.is_empty()).collect();
        if tokens.is_empty() {
            continue;
        }
        if tokens.len() != 2 {
            return Err(InputError(format!("line {no}: expected KEY VALUE, found {} field(s)", tokens.len())).into());
        }
        let f =
            |t: &str| parse_felt(t).map(|f| f.to_felt()).map_err(|why| InputError(format!("line {no}: `{t}` {why}")));
        let (key, value) = (f(tokens[0])?, f(tokens[1])?);
        if key >= Felt::TWO.pow(251u32) {
            return Err(InputError(format!("line {no}: key `{}` is not below 2^251", tokens[0])).into());
        }
        writes.push((key, value));
    }
    Ok(writes)
}

fn node_json(n: &ProofNode) -> Value {
    match *n {
        ProofNode::Binary { left, right } => {
            json!({"binary": {"left": format!("{left:#x}"), "right": format!("{right:#x}")}})
        }
        ProofNode::Edge { child, path, len } => {
            json!({"edge": {"child": format!("{child:#x}"), "path": format!("{path:#x}"), "length": len}})
        }
    }
}

/// The key and nodes of a proof printed by `prove`.
fn parse_proof(text: &str) -> Result<(Felt, Vec<ProofNode>), String> {
    let v: Value = serde_json::from_str(text).map_err(|e| format!("is not JSON: {e}"))?;
    let felt = |v: &Value, what: &str| -> Result<Felt, String> {
        let s = v.as_str().ok_or_else(|| format!("`{what}` is not a hex string"))?;
        parse_felt(s).map(|f| f.to_felt()).map_err(|why| format!("`{what}`: `{s}` {why}"))
    };
    let key = felt(&v["key"], "key")?;
    let nodes = v["proof"].as_array().ok_or("`proof` is not an array")?;
    let mut out = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        if let Some(b) = n.get("binary") {
            out.push(ProofNode::Binary {
                left: felt(&b["left"], &format!("proof[{i}].binary.left"))?,
                right: felt(&b["right"], &format!("proof[{i}].binary.right"))?,
            });
        } else if let Some(e) = n.get("edge") {
            let len = e["length"]
                .as_u64()
                .filter(|l| (1..=251).contains(l))
                .ok_or_else(|| format!("`proof[{i}].edge.length` is not a number in 1..=251"))?;
            out.push(ProofNode::Edge {
                child: felt(&e["child"], &format!("proof[{i}].edge.child"))?,
                path: felt(&e["path"], &format!("proof[{i}].edge.path"))?,
                len: len as u8,
            });
        } else {
            return Err(format!("`proof[{i}]` is neither a binary nor an edge node"));
        }
    }
    Ok((key, out))
}
