//! Poseidon and Pedersen: every function on every backend against
//! `starknet-crypto` on its published vectors and on random inputs, plus
//! boundary batch sizes against the scalar reference.

use rand::SeedableRng;
use starknet_crypto::{pedersen_hash, poseidon_hash, poseidon_hash_many, poseidon_hash_single};
use starknet_types_core::felt::Felt;
use wavelane::bench::{edge_felts, random_felts};
use wavelane::kernels::hash::{pedersen, poseidon};
use wavelane::kernels::{gpu, Backend, Fe};

/// Random inputs per function per backend.
const N: usize = 10_000;

fn hex(s: &str) -> Felt {
    Felt::from_hex(s).unwrap()
}

/// All pairs of edge values, then random pairs, `n` in all.
fn pairs(n: usize, seed: u64) -> (Vec<Felt>, Vec<Felt>) {
    let e = edge_felts();
    let (mut a, mut b): (Vec<Felt>, Vec<Felt>) = e.iter().flat_map(|x| e.iter().map(move |y| (*x, *y))).unzip();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let rest = n.saturating_sub(a.len());
    a.extend(random_felts(&mut rng, rest));
    b.extend(random_felts(&mut rng, rest));
    (a, b)
}

/// Messages of lengths 0..=9 cycling, then some long ones.
fn messages(n: usize, seed: u64) -> Vec<Vec<Felt>> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n).map(|i| random_felts(&mut rng, if i % 100 == 99 { 37 } else { i % 10 })).collect()
}

fn to_fe(v: &[Felt]) -> Vec<Fe> {
    v.iter().map(Fe::from_felt).collect()
}

fn check(what: &str, got: &[Felt], want: &[Felt]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g, w, "{what}: element {i}");
    }
}

/// Every backend this run can use (the GPU only with an adapter).
fn backends(test: &str) -> Vec<Backend> {
    let mut v = vec![Backend::Scalar, Backend::Simd];
    if gpu::context_or_skip(test).is_some() {
        v.push(Backend::Gpu);
    }
    v
}

#[test]
fn published_vectors() {
    // starknet-crypto's own test vectors (generated with cairo-lang).
    let pos = [
        (
            "0xb662f9017fa7956fd70e26129b1833e10ad000fd37b4d9f4e0ce6884b7bbe",
            "0x1fe356bf76102cdae1bfbdc173602ead228b12904c00dad9cf16e035468bea",
            "0x75540825a6ecc5dc7d7c2f5f868164182742227f1367d66c43ee51ec7937a81",
        ),
        (
            "0xf4e01b2032298f86b539e3d3ac05ced20d2ef275273f9325f8827717156529",
            "0x587bc46f5f58e0511b93c31134652a689d761a9e7f234f0f130c52e4679f3a",
            "0xbdb3180fdcfd6d6f172beb401af54dd71b6569e6061767234db2b777adf98b",
        ),
        (
            "0x03d937c035c878245caf64531a5756109c53068da139362728feb561405371cb",
            "0x0208a0a10250e382e1e4bbe2880906c2791bf6275695e02fbbc6aeff9cd8b31a",
            "0x67c6a2e2d0c7867f97444ae17956dbc89d40ad22255bb06f5f6c515958926ed",
        ),
    ];
    let single = [
        ("0x9", "0x3bb3b91c714cb47003947f36dadc98326176963c434cd0a10320b8146c948b3"),
        (
            "0x9dad5d6f502ccbcb6d34ede04f0337df3b98936aaf782f4cc07d147e3a4fd6",
            "0x11222854783f17f1c580ff64671bc3868de034c236f956216e8ed4ab7533455",
        ),
    ];
    let ped = [
        (
            "0x03d937c035c878245caf64531a5756109c53068da139362728feb561405371cb",
            "0x0208a0a10250e382e1e4bbe2880906c2791bf6275695e02fbbc6aeff9cd8b31a",
            "0x030e480bed5fe53fa909cc0f8c4d99b8f9f2c016be4c41e13a4848797979c662",
        ),
        (
            "0x058f580910a6ca59b28927c08fe6c43e2e303ca384badc365795fc645d479d45",
            "0x078734f65a067be9bdb39de18434d71e79f7b6466a4b66bbd979ab9e7515fe0b",
            "0x068cc0b76cddd1dd4ed2301ada9b7c872b23875d5ff837b3a87993e0d9996b87",
        ),
    ];
    for backend in backends("published_vectors") {
        let (a, b, want): (Vec<_>, Vec<_>, Vec<_>) =
            pos.iter().map(|(a, b, h)| (hex(a), hex(b), hex(h))).fold((vec![], vec![], vec![]), |mut acc, x| {
                acc.0.push(x.0);
                acc.1.push(x.1);
                acc.2.push(x.2);
                acc
            });
        check(&format!("{backend} poseidon"), &poseidon::hash_batch_felts(backend, &a, &b).unwrap(), &want);
        let a: Vec<Felt> = single.iter().map(|(a, _)| hex(a)).collect();
        let want: Vec<Felt> = single.iter().map(|(_, h)| hex(h)).collect();
        check(&format!("{backend} poseidon single"), &poseidon::hash_single_batch_felts(backend, &a).unwrap(), &want);
        let a: Vec<Felt> = ped.iter().map(|(a, _, _)| hex(a)).collect();
        let b: Vec<Felt> = ped.iter().map(|(_, b, _)| hex(b)).collect();
        let want: Vec<Felt> = ped.iter().map(|(_, _, h)| hex(h)).collect();
        check(&format!("{backend} pedersen"), &pedersen::hash_batch_felts(backend, &a, &b).unwrap(), &want);
    }
    assert_eq!(poseidon::hash(hex(pos[0].0), hex(pos[0].1)), hex(pos[0].2));
    assert_eq!(poseidon::hash_single(hex(single[0].0)), hex(single[0].1));
    assert_eq!(pedersen::hash(hex(ped[0].0), hex(ped[0].1)), hex(ped[0].2));
}

#[test]
fn poseidon_hash_matches_starknet_crypto() {
    let (a, b) = pairs(N, 1);
    let want: Vec<Felt> = a.iter().zip(&b).map(|(x, y)| poseidon_hash(*x, *y)).collect();
    for backend in backends("poseidon_hash_matches_starknet_crypto") {
        check(&format!("{backend} poseidon"), &poseidon::hash_batch_felts(backend, &a, &b).unwrap(), &want);
    }
}

#[test]
fn poseidon_hash_single_matches_starknet_crypto() {
    let (a, _) = pairs(N, 2);
    let want: Vec<Felt> = a.iter().map(|x| poseidon_hash_single(*x)).collect();
    for backend in backends("poseidon_hash_single_matches_starknet_crypto") {
        check(&format!("{backend} poseidon single"), &poseidon::hash_single_batch_felts(backend, &a).unwrap(), &want);
    }
}

#[test]
fn poseidon_hash_many_matches_starknet_crypto() {
    let msgs = messages(N, 3);
    let want: Vec<Felt> = msgs.iter().map(poseidon_hash_many).collect();
    assert_eq!(poseidon::hash_many(&msgs[7]), want[7]);
    for backend in backends("poseidon_hash_many_matches_starknet_crypto") {
        check(&format!("{backend} poseidon many"), &poseidon::hash_many_batch_felts(backend, &msgs).unwrap(), &want);
    }
}

#[test]
fn pedersen_matches_starknet_crypto() {
    let (a, b) = pairs(N, 4);
    let want: Vec<Felt> = a.iter().zip(&b).map(|(x, y)| pedersen_hash(x, y)).collect();
    for backend in backends("pedersen_matches_starknet_crypto") {
        check(&format!("{backend} pedersen"), &pedersen::hash_batch_felts(backend, &a, &b).unwrap(), &want);
    }
}

#[test]
fn boundary_sizes_match_scalar() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let sizes =
        [0, 1, 2, 3, 4, 5, 7, 8, 9, 63, 64, 65, 255, 256, 257, 263, 511, 512, 513, 2047, 2048, 2049, 4100, 8199];
    for backend in backends("boundary_sizes_match_scalar") {
        if backend == Backend::Scalar {
            continue;
        }
        for n in sizes {
            let a = to_fe(&random_felts(&mut rng, n));
            let b = to_fe(&random_felts(&mut rng, n));
            let (mut want, mut got) = (vec![Fe::ZERO; n], vec![Fe::ZERO; n]);
            poseidon::hash_batch(Backend::Scalar, &a, &b, &mut want).unwrap();
            poseidon::hash_batch(backend, &a, &b, &mut got).unwrap();
            assert_eq!(got, want, "{backend} poseidon n = {n}");
            poseidon::hash_single_batch(Backend::Scalar, &a, &mut want).unwrap();
            poseidon::hash_single_batch(backend, &a, &mut got).unwrap();
            assert_eq!(got, want, "{backend} poseidon single n = {n}");
            let msgs: Vec<&[Fe]> = (0..n).map(|i| &a[i..(i + i % 5).min(n)]).collect();
            poseidon::hash_many_batch(Backend::Scalar, &msgs, &mut want).unwrap();
            poseidon::hash_many_batch(backend, &msgs, &mut got).unwrap();
            assert_eq!(got, want, "{backend} poseidon many n = {n}");
            if n <= 1000 {
                pedersen::hash_batch(Backend::Scalar, &a, &b, &mut want).unwrap();
                pedersen::hash_batch(backend, &a, &b, &mut got).unwrap();
                assert_eq!(got, want, "{backend} pedersen n = {n}");
            }
        }
    }
}

#[test]
fn length_mismatch_is_an_error() {
    let a = [Fe::ONE; 3];
    let mut out = [Fe::ZERO; 2];
    assert!(poseidon::hash_batch(Backend::Scalar, &a, &a, &mut out).is_err());
    assert!(pedersen::hash_batch(Backend::Simd, &a, &a[..2], &mut out).is_err());
}

/// The random input pairs of a direct AVX-512 IFMA test, or `None` (with a
/// visible skip line, or a failure under `WAVELANE_REQUIRE_SIMD=avx512`) on
/// a CPU without it.
#[cfg(target_arch = "x86_64")]
fn avx512_inputs(test: &str, seed: u64) -> Option<(Vec<Fe>, Vec<Fe>)> {
    if !wavelane::kernels::testing::simd_or_skip(wavelane::kernels::SimdLevel::Avx512, test) {
        return None;
    }
    let (a, b) = pairs(N, seed);
    Some((to_fe(&a), to_fe(&b)))
}

/// The AVX-512 IFMA Poseidon path called directly (not through the
/// `WAVELANE_SIMD`-capped dispatch) against the scalar reference.
#[test]
#[cfg(target_arch = "x86_64")]
fn poseidon_avx512_matches_scalar() {
    use poseidon::avx512;
    let Some((a, b)) = avx512_inputs("poseidon_avx512_matches_scalar", 6) else { return };
    let n = a.len();
    let (mut want, mut got) = (vec![Fe::ZERO; n], vec![Fe::ZERO; n]);
    poseidon::hash_batch(Backend::Scalar, &a, &b, &mut want).unwrap();
    assert_eq!(avx512::hash(&a, &b, &mut got), n / avx512::LANES * avx512::LANES);
    assert_eq!(got[..n / 8 * 8], want[..n / 8 * 8], "avx512 hash");
    poseidon::hash_single_batch(Backend::Scalar, &a, &mut want).unwrap();
    assert_eq!(avx512::hash_single(&a, &mut got), n / 8 * 8);
    assert_eq!(got[..n / 8 * 8], want[..n / 8 * 8], "avx512 hash_single");
    // The bare permutation, on states of three arbitrary words.
    for (i, c) in a.chunks_exact(24).enumerate().take(N / 24) {
        let mut block: avx512::Block = std::array::from_fn(|j| [c[3 * j], c[3 * j + 1], c[3 * j + 2]]);
        let mut want = block;
        for s in want.iter_mut() {
            poseidon::scalar::permute(s);
        }
        assert!(avx512::permute_block(&mut block));
        assert_eq!(block, want, "avx512 permute_block, block {i}");
    }
}

/// The AVX-512 IFMA Pedersen accumulation called directly (not through the
/// `WAVELANE_SIMD`-capped dispatch) against the scalar reference.
#[test]
#[cfg(target_arch = "x86_64")]
fn pedersen_avx512_matches_scalar() {
    use pedersen::avx512;
    use pedersen::curve::Jacobian;
    let Some((a, b)) = avx512_inputs("pedersen_avx512_matches_scalar", 7) else { return };
    let n = a.len();
    let mut acc = vec![Jacobian::INFINITY; n];
    assert_eq!(avx512::accumulate(&a, &b, &mut acc), n / avx512::LANES * avx512::LANES);
    for (i, p) in acc.iter().enumerate().take(n / 8 * 8) {
        let x = p.to_affine().map_or(Fe::ZERO, |q| q.x);
        assert_eq!(x, pedersen::scalar::hash_one(a[i], b[i]), "avx512 pedersen, input {i}");
    }
}
