//! `wavelane hash`: hashes lines of felts from stdin, one result per line.
//!
//! Pair mode (the default) reads exactly two felts per line; `--many` reads
//! any number per line and hashes them as one array (Poseidon's
//! `hash_many`; for Pedersen Starknet's array hash
//! `pedersen(…pedersen(pedersen(0, m0), m1)…, len)`). Felts are hex with a
//! `0x` prefix or decimal ([`FELT_SYNTAX`]), separated by spaces, commas or
//! tabs. The whole input is
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

/// What `--help` says about felts on the command line and on stdin.
pub(crate) const FELT_SYNTAX: &str = "Felts are written as hex with a `0x` prefix (0x1f) or as decimal \
     digits (31); digits without `0x` are always decimal, so `10` is ten. Values must be below the field \
     prime p = 2^251 + 17·2^192 + 1.";

const NOT_BELOW_P: &str = "is not below the field prime p = 2^251 + 17·2^192 + 1";

/// One felt: hex after `0x` (or `0X`), else decimal digits; value below p.
pub(crate) fn parse_felt(token: &str) -> Result<Fe, &'static str> {
    let limbs = match token.strip_prefix("0x").or_else(|| token.strip_prefix("0X")) {
        Some(hex) => parse_hex(hex)?,
        None => parse_decimal(token)?,
    };
    Fe::from_canonical(limbs).ok_or(NOT_BELOW_P)
}

/// Hex digits (after `0x`) into little-endian limbs.
fn parse_hex(digits: &str) -> Result<[u64; 4], &'static str> {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_hexdigit()) {
        return Err("is not a hex number (hex digits after `0x`)");
    }
    let digits = digits.trim_start_matches('0');
    if digits.len() > 64 {
        return Err(NOT_BELOW_P);
    }
    let mut limbs = [0u64; 4];
    for (i, c) in digits.bytes().rev().enumerate() {
        let d = (c as char).to_digit(16).expect("checked hex digit") as u64;
        limbs[i / 16] |= d << (4 * (i % 16));
    }
    Ok(limbs)
}

/// Decimal digits into little-endian limbs.
fn parse_decimal(digits: &str) -> Result<[u64; 4], &'static str> {
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return Err(if digits.bytes().all(|c| c.is_ascii_hexdigit()) {
            "is not a decimal number (write hex with a `0x` prefix)"
        } else {
            "is not a number (decimal digits, or hex with a `0x` prefix)"
        });
    }
    let mut limbs = [0u64; 4];
    for c in digits.bytes() {
        let mut carry = u128::from(c - b'0');
        for l in limbs.iter_mut() {
            let v = u128::from(*l) * 10 + carry;
            *l = v as u64;
            carry = v >> 64;
        }
        if carry != 0 {
            return Err(NOT_BELOW_P);
        }
    }
    Ok(limbs)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn felt(t: &str) -> Result<wavelane::Felt, &'static str> {
        parse_felt(t).map(|f| f.to_felt())
    }

    #[test]
    fn decimal_is_decimal_and_hex_needs_0x() {
        assert_eq!(felt("10"), Ok(wavelane::Felt::from(10u64)));
        assert_eq!(felt("0x10"), Ok(wavelane::Felt::from(16u64)));
        assert_eq!(felt("0X1f"), Ok(wavelane::Felt::from(31u64)));
        assert_eq!(felt("0"), Ok(wavelane::Felt::ZERO));
        assert!(felt("ff").unwrap_err().contains("`0x` prefix"));
        assert!(felt("1o").unwrap_err().contains("not a number"));
        assert!(felt("0x").is_err());
        assert!(felt("").is_err());
    }

    #[test]
    fn values_must_be_below_p() {
        let p_minus_1 = "3618502788666131213697322783095070105623107215331596699973092056135872020480";
        assert_eq!(felt(p_minus_1), Ok(wavelane::Felt::ZERO - wavelane::Felt::ONE));
        let p = "3618502788666131213697322783095070105623107215331596699973092056135872020481";
        assert_eq!(felt(p), Err(NOT_BELOW_P));
        assert_eq!(felt(&"9".repeat(100)), Err(NOT_BELOW_P));
        assert_eq!(felt(&format!("0x{}", "f".repeat(65))), Err(NOT_BELOW_P));
    }
}
