//! Scalar Poseidon: one permutation at a time, the reference the other
//! backends are checked against. The permutation is written over `L`
//! independent states so [`super::simd`] reuses it with several lanes.

use super::Params;
use crate::field::fe::P3;
use crate::field::Fe;

/// Starknet's MDS layer `[[3, 1, 1], [1, -1, 1], [1, 1, -2]]`:
/// with `t = s0 + s1 + s2`, `(t + 2·s0, t - 2·s1, t - 3·s2)`.
///
/// The mix is most of a partial round's instructions, so it uses
/// branch-free modular addition and subtraction (the data-dependent branch
/// in a generic subtraction mispredicts half the time).
#[inline(always)]
pub fn mix(s: &mut [Fe; 3]) {
    let t = add(add(s[0], s[1]), s[2]);
    let s0 = add(t, add(s[0], s[0]));
    let s1 = sub(t, add(s[1], s[1]));
    let s2 = sub(t, add(add(s[2], s[2]), s[2]));
    *s = [s0, s1, s2];
}

/// `a + b mod p` without branches.
#[inline(always)]
fn add(a: Fe, b: Fe) -> Fe {
    let (a, b) = (a.0, b.0);
    let (s0, c) = a[0].overflowing_add(b[0]);
    let (s1, c) = carrying_add(a[1], b[1], c);
    let (s2, c) = carrying_add(a[2], b[2], c);
    let s3 = a[3] + b[3] + c as u64; // < 2p < 2^253: no carry out
                                     // d = s - p, p = [1, 0, 0, P3]
    let (d0, w) = s0.overflowing_sub(1);
    let (d1, w) = s1.overflowing_sub(w as u64);
    let (d2, w) = s2.overflowing_sub(w as u64);
    let (d3, w1) = s3.overflowing_sub(P3);
    let (d3, w2) = d3.overflowing_sub(w as u64);
    let keep = ((w1 | w2) as u64).wrapping_neg(); // all ones when s < p
    Fe([(s0 & keep) | (d0 & !keep), (s1 & keep) | (d1 & !keep), (s2 & keep) | (d2 & !keep), (s3 & keep) | (d3 & !keep)])
}

/// `a - b mod p` without branches.
#[inline(always)]
fn sub(a: Fe, b: Fe) -> Fe {
    let (a, b) = (a.0, b.0);
    let (d0, w) = a[0].overflowing_sub(b[0]);
    let (d1, w) = borrowing_sub(a[1], b[1], w);
    let (d2, w) = borrowing_sub(a[2], b[2], w);
    let (d3, w) = borrowing_sub(a[3], b[3], w);
    let m = (w as u64).wrapping_neg(); // add p back when a < b
    let (r0, c) = d0.overflowing_add(m & 1);
    let (r1, c) = d1.overflowing_add(c as u64);
    let (r2, c) = d2.overflowing_add(c as u64);
    let r3 = d3.wrapping_add(m & P3).wrapping_add(c as u64);
    Fe([r0, r1, r2, r3])
}

#[inline(always)]
fn carrying_add(a: u64, b: u64, c: bool) -> (u64, bool) {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(c as u64);
    (s, c1 | c2)
}

#[inline(always)]
fn borrowing_sub(a: u64, b: u64, w: bool) -> (u64, bool) {
    let (d, w1) = a.overflowing_sub(b);
    let (d, w2) = d.overflowing_sub(w as u64);
    (d, w1 | w2)
}

#[inline(always)]
fn cube(x: Fe) -> Fe {
    x.square().mul(x)
}

#[inline(always)]
fn full_round<const L: usize>(states: &mut [[Fe; 3]; L], c: &[Fe; 3]) {
    for s in states.iter_mut() {
        for (w, k) in s.iter_mut().zip(c) {
            *w = cube(add(*w, *k));
        }
    }
    for s in states.iter_mut() {
        mix(s);
    }
}

/// The Hades permutation over `L` independent states, round by round in
/// lock step (so the products of different states can overlap).
#[inline(always)]
pub fn permute_lanes<const L: usize>(states: &mut [[Fe; 3]; L]) {
    let p = Params::get();
    let half = p.full.len() / 2;
    for c in &p.full[..half] {
        full_round(states, c);
    }
    for c in &p.partial {
        for s in states.iter_mut() {
            s[2] = cube(add(s[2], *c));
        }
        for s in states.iter_mut() {
            mix(s);
        }
    }
    for c in &p.full[half..] {
        full_round(states, c);
    }
}

/// The Hades permutation of one state.
pub fn permute(state: &mut [Fe; 3]) {
    let mut s = [*state];
    permute_lanes(&mut s);
    *state = s[0];
}

/// Starknet `poseidon_hash(a, b)`.
pub fn hash_one(a: Fe, b: Fe) -> Fe {
    let mut s = [a, b, Fe::from_u64(2)];
    permute(&mut s);
    s[0]
}

/// Starknet `poseidon_hash_single(a)`.
pub fn hash_single_one(a: Fe) -> Fe {
    let mut s = [a, Fe::ZERO, Fe::ONE];
    permute(&mut s);
    s[0]
}

/// Starknet `poseidon_hash_many(msg)`.
pub fn hash_many_one(msg: &[Fe]) -> Fe {
    let mut s = [Fe::ZERO; 3];
    let mut pairs = msg.chunks_exact(2);
    for pair in pairs.by_ref() {
        s[0] = s[0].add(pair[0]);
        s[1] = s[1].add(pair[1]);
        permute(&mut s);
    }
    match pairs.remainder() {
        [last] => {
            s[0] = s[0].add(*last);
            s[1] = s[1].add(Fe::ONE);
        }
        _ => s[0] = s[0].add(Fe::ONE),
    }
    permute(&mut s);
    s[0]
}

/// `out[i] = hash(a[i], b[i])`.
pub fn hash(a: &[Fe], b: &[Fe], out: &mut [Fe]) {
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        *o = hash_one(*x, *y);
    }
}

/// `out[i] = hash_single(a[i])`.
pub fn hash_single(a: &[Fe], out: &mut [Fe]) {
    for (o, x) in out.iter_mut().zip(a) {
        *o = hash_single_one(*x);
    }
}

/// `out[i] = hash_many(msgs[i])`.
pub fn hash_many(msgs: &[&[Fe]], out: &mut [Fe]) {
    for (o, m) in out.iter_mut().zip(msgs) {
        *o = hash_many_one(m);
    }
}
