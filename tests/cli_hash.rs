//! `wavelane hash`: good input on every CPU backend, hex (`0x`) and decimal
//! felts, and the bad-input cases (not a number, value ≥ p, wrong arity)
//! exit with status 2, name the line and print nothing.

use starknet_crypto::{pedersen_hash, poseidon_hash, poseidon_hash_many};
use starknet_types_core::felt::Felt;

mod common;

use common::wavelane;

fn felts(line: &str) -> Vec<Felt> {
    line.split_whitespace().map(|t| Felt::from_hex(t).unwrap()).collect()
}

const PAIRS: &str = "0x1 0x2\n\
    0x03d937c035c878245caf64531a5756109c53068da139362728feb561405371cb 0x0208a0a10250e382e1e4bbe2880906c2791bf6275695e02fbbc6aeff9cd8b31a\n\
    0x800000000000011000000000000000000000000000000000000000000000000 0x0\n";

#[test]
fn pair_hashes_match_starknet_crypto() {
    for backend in ["scalar", "simd"] {
        for algo in ["poseidon", "pedersen"] {
            let out = wavelane(&["hash", "--algo", algo, "--backend", backend], PAIRS);
            assert!(out.status.success(), "{algo} {backend}: {}", String::from_utf8_lossy(&out.stderr));
            let got: Vec<Felt> =
                String::from_utf8(out.stdout).unwrap().lines().map(|l| Felt::from_hex(l).unwrap()).collect();
            let want: Vec<Felt> = PAIRS
                .lines()
                .map(|l| {
                    let f = felts(l);
                    if algo == "poseidon" {
                        poseidon_hash(f[0], f[1])
                    } else {
                        pedersen_hash(&f[0], &f[1])
                    }
                })
                .collect();
            assert_eq!(got, want, "{algo} {backend}");
        }
    }
}

#[test]
fn many_hashes_match_starknet_crypto() {
    let input = "0x1 0x2 0x3\n\n0x5\n0xa 0xb 0xc 0xd\n";
    let out = wavelane(&["hash", "--algo", "poseidon", "--many", "--backend", "simd"], input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<Felt> = String::from_utf8(out.stdout).unwrap().lines().map(|l| Felt::from_hex(l).unwrap()).collect();
    let want: Vec<Felt> = input.lines().map(|l| poseidon_hash_many(&felts(l))).collect();
    assert_eq!(got, want);

    let out = wavelane(&["hash", "--algo", "pedersen", "--many", "--backend", "scalar"], input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let got: Vec<Felt> = String::from_utf8(out.stdout).unwrap().lines().map(|l| Felt::from_hex(l).unwrap()).collect();
    let want: Vec<Felt> = input
        .lines()
        .map(|l| {
            let f = felts(l);
            let acc = f.iter().fold(Felt::ZERO, |acc, x| pedersen_hash(&acc, x));
            pedersen_hash(&acc, &Felt::from(f.len() as u64))
        })
        .collect();
    assert_eq!(got, want);
}

fn assert_bad(args: &[&str], input: &str, line: usize, what: &str) {
    let out = wavelane(args, input);
    assert_eq!(out.status.code(), Some(2), "{what}: exit status");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("line {line}")), "{what}: message `{err}` names line {line}");
    assert!(out.stdout.is_empty(), "{what}: no output, got `{}`", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn bad_input_exits_2_naming_the_line() {
    let pair = ["hash", "--algo", "poseidon", "--backend", "simd"];
    assert_bad(&pair, "0x1 0x2\n0x1 0xzz\n0x3 0x4\n", 2, "not hex");
    assert_bad(&pair, "0x1 0x2\nff 0x1\n", 2, "hex without 0x");
    assert_bad(&pair, "12a 0x1\n", 1, "hex digits without 0x");
    assert_bad(
        &pair,
        "0x1 0x2\n0x3 0x4\n0x5 0x800000000000011000000000000000000000000000000000000000000000001\n",
        3,
        "value = p",
    );
    assert_bad(
        &pair,
        "0x1 0x2\n0x3 0x4\n0x5 0x1000000000000000000000000000000000000000000000000000000000000000000\n",
        3,
        "too long",
    );
    assert_bad(&pair, "0x1\n0x3 0x4\n", 1, "one felt");
    assert_bad(&pair, "0x1 0x2\n0x1 0x2 0x3\n", 2, "three felts");
    assert_bad(&pair, "0x1 0x2\n\n", 2, "empty line");
    assert_bad(&["hash", "--algo", "pedersen", "--many"], "0x1 0x2 0x3\n0x\n", 2, "bare 0x");
    assert_bad(&["hash", "--algo", "pedersen", "--backend", "scalar"], "-1 0x2\n", 1, "negative");
}

fn hash_lines(args: &[&str], input: &str) -> Vec<Felt> {
    let out = wavelane(args, input);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| Felt::from_hex(l).unwrap()).collect()
}

#[test]
fn digits_without_0x_are_decimal() {
    let pair = ["hash", "--algo", "poseidon", "--backend", "scalar"];
    let decimal = hash_lines(&pair, "10 20\n");
    assert_eq!(decimal, [poseidon_hash(Felt::from(10u64), Felt::from(20u64))]);
    let hex = hash_lines(&pair, "0x10 0x20\n");
    assert_eq!(hex, [poseidon_hash(Felt::from(16u64), Felt::from(32u64))]);
    assert_ne!(decimal, hex);
    // Mixed on one line, and p - 1 in decimal.
    let p_minus_1 = "3618502788666131213697322783095070105623107215331596699973092056135872020480";
    let got = hash_lines(&["hash", "--algo", "pedersen", "--backend", "simd"], &format!("0xa {p_minus_1}\n"));
    assert_eq!(got, [pedersen_hash(&Felt::from(10u64), &(Felt::ZERO - Felt::ONE))]);
    let err = wavelane(&pair, "1 ff\n");
    assert_eq!(err.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&err.stderr).contains("`ff` is not a decimal number (write hex with a `0x` prefix)")
    );
}

#[test]
fn help_says_how_felts_are_read() {
    let out = wavelane(&["hash", "--help"], "");
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("digits without `0x` are always decimal"), "{help}");
}
