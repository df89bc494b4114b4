//! `wavelane hash`: hashes lines of hex felts from stdin, one result per line.
//!
//! Pair mode (the default) reads exactly two felts per line; `--many` reads
//! any number per line and hashes them as one array (Poseidon's
//! `hash_many`; for Pedersen Starknet's array hash
//! `pedersen(…pedersen(pedersen(0, m0), m1)…, len)`). Felts are hex with or
//! without `0x`, separated by spaces, commas or tabs. The whole input is
//! parsed before anything is hashed, so a malformed line stops the run with
//! an error naming it (exit status 2) and nothing is printed.

use super::InputError;
use clap::{Args, ValueEnum};
use std::io::{BufRead, Write};
use wavelane::kernels::hash::{pedersen, poseidon};
use wavelane::kernels::{Backend, Fe};

/// Which hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Algo {
    /// Starknet Poseidon.
    Poseidon,
    /// Starknet Pedersen.
    Pedersen,
}

/// Arguments of `wavelane hash`.
#[derive(Args)]
pub(crate) struct HashArgs {
    /// The hash function.
    #[arg(long, value_enum)]
    algo: Algo,
    /// Hash every line as one array of any length instead of one pair.
    #[arg(long)]
    many: bool,
    /// Where to run: scalar, simd, gpu or auto.
    #[arg(long, default_value = "auto")]
    backend: Backend,
}

/// Runs `wavelane hash` on stdin and stdout.
pub(crate) fn run(args: HashArgs) -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let lines = parse(stdin.lock(), args.many)?;
    let out = hash(args.algo, args.many, args.backend, &lines)?;
    let stdout = std::io::stdout();
    let mut w = std::io::BufWriter::new(stdout.lock());
    for h in out {
        writeln!(w, "{:#x}", h.to_felt())?;
    }
    w.flush()?;
    Ok(())
}

/// Parses every line (1-based line numbers in errors).
fn parse(input: impl BufRead, many: bool) -> anyhow::Result<Vec<Vec<Fe>>> {
    let mut lines = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let no = i + 1;
        let line = line.map_err(|e| InputError(format!("line {no}: cannot read input: {e}")))?;
        let felts = line
            .split(|c: char| c.is_whitespace() || c == ',')
            .filter(|t| !t.is_empty())
            .map(|t| parse_felt(t).map_err(|why| InputError(format!("line {no}: `{t}` {why}"))))
            .collect::<Result<Vec<Fe>, InputError>>()?;
        if !many && felts.len() != 2 {
            return Err(InputError(format!(
                "line {no}: expected 2 felts, found {} (use --many for arrays)",
                felts.len()
            ))
            .into());
        }
        lines.push(felts);
    }
    Ok(lines)
}

/// One felt: hex digits with an optional `0x`, value below p.
pub(crate) fn parse_felt(token: &str) -> Result<Fe, &'static str> {
    let digits = token.strip_prefix("0x").or_else(|| token.strip_prefix("0X")).unwrap_or(token);
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err("is not a hex number");
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > 64 {
        return Err("is not below the field prime p = 2^251 + 17·2^192 + 1");
    }
    let mut limbs = [0u64; 4];
    for (i, c) in digits.bytes().rev().enumerate() {
        let d = (c as char).to_digit(16).expect("checked hex digit") as u64;
        limbs[i / 16] |= d << (4 * (i % 16));
    }
    Fe::from_canonical(limbs).ok_or("is not below the field prime p = 2^251 + 17·2^192 + 1")
}

fn hash(algo: Algo, many: bool, backend: Backend, lines: &[Vec<Fe>]) -> anyhow::Result<Vec<Fe>> {
    let mut out = vec![Fe::ZERO; lines.len()];
    match (algo, many) {
        (Algo::Poseidon, false) | (Algo::Pedersen, false) => {
            let a: Vec<Fe> = lines.iter().map(|l| l[0]).collect();
            let b: Vec<Fe> = lines.iter().map(|l| l[1]).collect();
            if algo == Algo::Poseidon {
                poseidon::hash_batch(backend, &a, &b, &mut out)?;
            } else {
                pedersen::hash_batch(backend, &a, &b, &mut out)?;
            }
        }
        (Algo::Poseidon, true) => {
            let msgs: Vec<&[Fe]> = lines.iter().map(Vec::as_slice).collect();
            poseidon::hash_many_batch(backend, &msgs, &mut out)?;
        }
        (Algo::Pedersen, true) => {
            // Column by column: step k hashes every line longer than k.
            let longest = lines.iter().map(Vec::len).max().unwrap_or(0);
            for k in 0..=longest {
                let idx: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].len() >= k).collect();
                let a: Vec<Fe> = idx.iter().map(|&i| out[i]).collect();
                let b: Vec<Fe> = idx
                    .iter()
                    .map(|&i| lines[i].get(k).copied().unwrap_or_else(|| Fe::from_u64(lines[i].len() as u64)))
                    .collect();
                let mut h = vec![Fe::ZERO; idx.len()];
                pedersen::hash_batch(backend, &a, &b, &mut h)?;
                for (&i, h) in idx.iter().zip(h) {
                    out[i] = h;
                }
            }
        }
    }
    Ok(out)
}
