//! Scalar Poseidon: one permutation at a time, the reference the other
//! backends are checked against. The permutation is written over `L`
//! independent states so [`super::simd`] reuses it with several lanes.

use super::Params;
use crate::field::Fe;

/// Starknet's MDS layer `[[3, 1, 1], [1, -1, 1], [1, 1, -2]]`:
/// with `t = s0 + s1 + s2`, `(t + 2·s0, t - 2·s1, t - 3·s2)`.
#[inline(always)]
pub fn mix(s: &mut [Fe; 3]) {
    let t = s[0].add(s[1]).add(s[2]);
    let s0 = t.add(s[0].add(s[0]));
    let s1 = t.sub(s[1].add(s[1]));
    let s2 = t.sub(s[2].add(s[2]).add(s[2]));
    *s = [s0, s1, s2];
}

#[inline(always)]
fn cube(x: Fe) -> Fe {
    x.square().mul(x)
}

#[inline(always)]
fn full_round<const L: usize>(states: &mut [[Fe; 3]; L], c: &[Fe; 3]) {
    for s in states.iter_mut() {
        for (w, k) in s.iter_mut().zip(c) {
            *w = cube(w.add(*k));
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
            s[2] = cube(s[2].add(*c));
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
