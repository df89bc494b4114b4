//! The Merkle-Patricia trie: published node and tree vectors (cairo-lang,
//! pathfinder), random update sequences against a recompute-from-scratch
//! reference built on starknet-crypto, on every backend, and proofs.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use wavelane::kernels::gpu;
use wavelane::kernels::trie::proof::{self, ProofError, ProofNode};
use wavelane::kernels::trie::{Trie, TrieError, TrieHash};
use wavelane::kernels::Backend;
use wavelane::Felt;

fn backends(test: &str) -> Vec<Backend> {
    let mut v = vec![Backend::Scalar, Backend::Simd];
    if gpu::context_or_skip(test).is_some() {
        v.push(Backend::Gpu);
    }
    v
}

fn hex(s: &str) -> Felt {
    Felt::from_hex(s).expect("hex")
}

#[path = "support/reference.rs"]
mod reference;
use reference::reference_root;

#[test]
fn node_hashes_match_cairo_lang_vectors() {
    // cairo-lang patricia_tree/nodes_test.py, as pathfinder quotes them.
    let binary = ProofNode::Binary { left: hex("0x1234"), right: hex("0xabcd") };
    assert_eq!(
        binary.hash(TrieHash::Pedersen),
        hex("0x0615bb8d47888d2987ad0c63fc06e9e771930986a4dd8adc55617febfcf3639e")
    );
    let edge = ProofNode::Edge { child: hex("0x1234ABCD"), path: Felt::from(42u8), len: 6 };
    assert_eq!(edge.hash(TrieHash::Pedersen), hex("0x1d937094c09b5f8e26a662d21911871e3cbc6858d55cc49af9848ea6fed4e9"));
}

/// Small real-world trees from pathfinder's merkle-tree tests (Pedersen).
/// Blocks of `(key, value)` writes and the root after the last.
type Published = (Vec<Vec<(Felt, Felt)>>, Felt);

fn published_trees() -> Vec<Published> {
    let f = hex;
    vec![
        (vec![vec![(f("0x1"), f("0x1"))]], f("0x02ebbd6878f81e49560ae863bd4ef327a417037bf57b63a016130ad0a94c8fa7")),
        (
            vec![vec![(f("0x1"), f("0x0")), (f("0x86"), f("0x1")), (f("0x87"), f("0x2"))]],
            f("0x5458b9f8491e7c845bffa4cd36cdb3a7c29dcdf75f2809bd6f4ce65386facfc"),
        ),
        (
            vec![vec![
                (f("0x5"), f("0x66")),
                (f("0x1BF95D4B58F0741FEA29F94EE5A118D0847C8B7AE0173C2A570C9F74CCA9EA1"), f("0x7E5")),
                (f("0x3C75C20765D020B0EC41B48BB8C5338AC4B619FC950D59994E844E1E1B9D2A9"), f("0x7C7")),
                (
                    f("0x4065B936C56F5908A981084DAFA66DC17600937DC80C52EEB834693BB811792"),
                    f("0x7970C532B764BB36FAF5696B8BC1317505B8A4DC9EEE5DF4994671757975E4D"),
                ),
                (
                    f("0x4B5FBB4904167E2E8195C35F7D4E78501A3FE95896794367C85B60B39AEFFC2"),
                    f("0x232C969EAFC5B30C20648759D7FA1E2F4256AC6604E1921578101DCE4DFDF48"),
                ),
            ]],
            f("0x6ee9a8202b40f3f76f1a132f953faa2df78b3b33ccb2b4406431abdc99c2dfe"),
        ),
        (
            // Four leaves in one block, then deleting one in the next.
            vec![
                vec![
                    (
                        f("0x1A2FD9B06EAB5BCA4D3885EE4C42736E835A57399FF8B7F6083A92FD2A20095"),
                        f("0x215AA555E0CE3E462423D18B7216378D3CCD5D94D724AC7897FBC83FAAA4ED4"),
                    ),
                    (
                        f("0x7AC69285B869DC3E8B305C748A0B867B2DE3027AECEBA51158ECA3B7354D76F"),
                        f("0x65C85592F29501D97A2EA1CCF2BA867E6A838D602F4E7A7391EFCBF66958386"),
                    ),
                    (
                        f("0x5C71AB5EF6A5E9DBC7EFD5C61554AB36039F60E5BA076833102E24344524566"),
                        f("0x60970DF8E8A19AF3F41B78E93B845EC074A0AED4E96D18C6633580722B93A28"),
                    ),
                    (f("0x5"), f("0x22B")),
                ],
                vec![(f("0x5"), f("0x0"))],
            ],
            f("0x5f3b2b98faef39c60dbbb459dbe63d1d10f1688af47fbc032f2cab025def896"),
        ),
    ]
}

#[test]
fn roots_match_published_trees_on_every_backend() {
    for backend in backends("trie published trees") {
        for (blocks, want) in published_trees() {
            // As given (block by block), and as one block.
            let mut t = Trie::new(TrieHash::Pedersen);
            for b in &blocks {
                t.update(backend, b).unwrap();
            }
            assert_eq!(t.root(), want, "{backend:?} block by block");
            let mut one = Trie::new(TrieHash::Pedersen);
            let all: Vec<_> = blocks.concat();
            assert_eq!(one.update(backend, &all).unwrap().0, want, "{backend:?} one block");
            // And one key at a time.
            let mut each = Trie::new(TrieHash::Pedersen);
            for w in &all {
                each.update(backend, std::slice::from_ref(w)).unwrap();
            }
            assert_eq!(each.root(), want, "{backend:?} one key at a time");
        }
    }
}

/// A random key: fully random, or from a small cluster (long shared
/// prefixes, splits low in the tree), or just below 2^251.
fn random_key(rng: &mut StdRng) -> Felt {
    let mut b: [u8; 32] = rng.random();
    match rng.random_range(0..3) {
        0 => b[0] &= 0x07,
        1 => {
            b = [0; 32];
            b[31] = rng.random_range(0..64);
        }
        _ => {
            b = [0xff; 32];
            b[0] = 0x07;
            b[31] = rng.random_range(0xc0..=0xff);
        }
    }
    Felt::from_bytes_be(&b)
}

fn random_value(rng: &mut StdRng) -> Felt {
    match rng.random_range(0..4) {
        0 => Felt::ZERO, // a delete (often of an absent key)
        1 => Felt::from(rng.random_range(1u64..4)),
        _ => Felt::from_bytes_be(&rng.random()),
    }
}

#[test]
fn random_blocks_equal_the_reference_on_every_backend() {
    for h in [TrieHash::Pedersen, TrieHash::Poseidon] {
        for backend in backends("trie random blocks") {
            let mut rng = StdRng::seed_from_u64(7 + h as u64);
            let mut t = Trie::new(h);
            let mut model = BTreeMap::new();
            // lavapipe hashes slowly: fewer blocks on the GPU.
            let blocks = if backend == Backend::Gpu { 7 } else { 12 };
            for block in 0..blocks {
                let n = [1, 2, 3, 10, 40, 200][block % 6];
                let writes: Vec<(Felt, Felt)> = (0..n)
                    .map(|_| {
                        // Re-write known keys often, so updates and deletes hit.
                        let k = if !model.is_empty() && rng.random_bool(0.4) {
                            *model.keys().nth(rng.random_range(0..model.len())).unwrap()
                        } else {
                            random_key(&mut rng)
                        };
                        (k, random_value(&mut rng))
                    })
                    .collect();
                for (k, v) in &writes {
                    if *v == Felt::ZERO {
                        model.remove(k);
                    } else {
                        model.insert(*k, *v);
                    }
                }
                let (root, _) = t.update(backend, &writes).unwrap();
                assert_eq!(root, reference_root(h, &model), "{h:?} {backend:?} block {block}");
                assert_eq!(t.stats().leaves, model.len());
            }
            for (k, v) in &model {
                assert_eq!(t.get(*k).unwrap(), *v);
            }
            // Deleting everything empties the tree.
            let wipe: Vec<_> = model.keys().map(|k| (*k, Felt::ZERO)).collect();
            assert_eq!(t.update(backend, &wipe).unwrap().0, Felt::ZERO);
            assert_eq!(t.stats().nodes, 0);
        }
    }
}

#[test]
fn backends_agree_on_a_larger_tree() {
    let mut rng = StdRng::seed_from_u64(11);
    let writes: Vec<(Felt, Felt)> = (0..3000).map(|_| (random_key(&mut rng), random_value(&mut rng))).collect();
    let again: Vec<(Felt, Felt)> = (0..500).map(|_| (random_key(&mut rng), random_value(&mut rng))).collect();
    let mut roots = Vec::new();
    for backend in backends("trie larger tree") {
        let mut t = Trie::new(TrieHash::Pedersen);
        // The GPU takes over a tree built on the CPU (uploading its hashes
        // once), as it does after a CPU update; lavapipe is slow to build.
        let first = if backend == Backend::Gpu { Backend::Simd } else { backend };
        t.update(first, &writes).unwrap();
        let (root, stats) = t.update(backend, &again).unwrap();
        assert!(stats.hashes > 0 && stats.levels > 0);
        roots.push(root);
    }
    let mut model = BTreeMap::new();
    for (k, v) in writes.iter().chain(&again) {
        if *v == Felt::ZERO {
            model.remove(k);
        } else {
            model.insert(*k, *v);
        }
    }
    let want = reference_root(TrieHash::Pedersen, &model);
    assert!(roots.iter().all(|r| *r == want), "{roots:?} vs {want:?}");
}

#[test]
fn out_of_range_keys_are_rejected_before_any_change() {
    let mut t = Trie::new(TrieHash::Pedersen);
    t.update(Backend::Scalar, &[(Felt::ONE, Felt::TWO)]).unwrap();
    let before = t.root();
    let big = Felt::from_hex("0x800000000000000000000000000000000000000000000000000000000000000").unwrap();
    let err = t.update(Backend::Scalar, &[(Felt::THREE, Felt::ONE), (big, Felt::ONE)]).unwrap_err();
    assert!(matches!(err, TrieError::KeyOutOfRange { key } if key == big), "{err}");
    assert!(err.to_string().contains("0x800000000"), "{err}");
    assert_eq!(t.root(), before);
    assert_eq!(t.get(Felt::THREE).unwrap(), Felt::ZERO);
}

#[test]
fn proofs_verify_for_members_and_non_members() {
    for h in [TrieHash::Pedersen, TrieHash::Poseidon] {
        let mut rng = StdRng::seed_from_u64(5);
        let mut t = Trie::new(h);
        let empty_proof = t.prove(Felt::ONE).unwrap();
        assert_eq!(proof::verify(h, Felt::ZERO, Felt::ONE, &empty_proof), Ok(None));
        let writes: Vec<(Felt, Felt)> =
            (0..300).map(|_| (random_key(&mut rng), Felt::from(rng.random_range(1u64..1000)))).collect();
        let (root, _) = t.update(Backend::Simd, &writes).unwrap();
        let model: BTreeMap<Felt, Felt> = writes.iter().copied().collect();
        for (k, v) in model.iter().take(50) {
            let p = t.prove(*k).unwrap();
            assert_eq!(proof::verify(h, root, *k, &p), Ok(Some(*v)));
        }
        let mut absent = 0;
        while absent < 50 {
            let k = random_key(&mut rng);
            if model.contains_key(&k) {
                continue;
            }
            absent += 1;
            let p = t.prove(k).unwrap();
            assert_eq!(proof::verify(h, root, k, &p), Ok(None), "{k:#x}");
            // A non-membership proof does not prove membership of a
            // neighbouring key with any value, nor of this key at another root.
            assert!(proof::verify(h, root + Felt::ONE, k, &p).is_err());
        }
    }
}

#[test]
fn tampered_proofs_fail() {
    let h = TrieHash::Pedersen;
    let mut rng = StdRng::seed_from_u64(9);
    let mut t = Trie::new(h);
    let writes: Vec<(Felt, Felt)> = (0..100).map(|_| (random_key(&mut rng), Felt::from(7u8))).collect();
    let (root, _) = t.update(Backend::Scalar, &writes).unwrap();
    let (key, _) = writes[3];
    let good = t.prove(key).unwrap();
    assert!(good.len() >= 2);
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] = match bad[i] {
            ProofNode::Binary { left, right } => ProofNode::Binary { left: right, right: left },
            ProofNode::Edge { child, path, len } => ProofNode::Edge { child: child + Felt::ONE, path, len },
        };
        assert!(matches!(proof::verify(h, root, key, &bad), Err(ProofError::HashMismatch { .. })), "node {i}");
    }
    assert!(matches!(proof::verify(h, root, key, &good[..good.len() - 1]), Err(ProofError::Truncated { .. })));
    let mut long = good.clone();
    long.push(good[0]);
    assert!(matches!(proof::verify(h, root, key, &long), Err(ProofError::TrailingNodes { extra: 1 })));
    assert!(matches!(proof::verify(h, root, key, &[]), Err(ProofError::RootMismatch { .. })));
    // Another key's proof never gives a wrong answer for this key: it fails,
    // or (for a sibling leaf, whose proof is the same) gives the true value.
    for (other_key, _) in &writes[4..40] {
        let other = t.prove(*other_key).unwrap();
        match proof::verify(h, root, key, &other) {
            Err(_) => {}
            Ok(v) => assert_eq!(v, Some(t.get(key).unwrap())),
        }
    }
}

/// A forest's block: for each of a few trees (new ones, known ones, one
/// named twice), random writes; applied to `model` as the forest must.
fn forest_block(
    rng: &mut StdRng,
    model: &mut BTreeMap<Felt, BTreeMap<Felt, Felt>>,
    trees: usize,
) -> Vec<(Felt, Vec<(Felt, Felt)>)> {
    let mut batch = Vec::new();
    for _ in 0..trees {
        let tree = if !model.is_empty() && rng.random_bool(0.5) {
            *model.keys().nth(rng.random_range(0..model.len())).unwrap()
        } else {
            Felt::from(rng.random_range(1u64..1000))
        };
        let n = [1, 1, 2, 5, 30][rng.random_range(0..5)];
        let known: Vec<Felt> = model.get(&tree).map(|m| m.keys().copied().collect()).unwrap_or_default();
        let writes: Vec<(Felt, Felt)> = (0..n)
            .map(|_| {
                let k = if !known.is_empty() && rng.random_bool(0.4) {
                    known[rng.random_range(0..known.len())]
                } else {
                    random_key(rng)
                };
                (k, random_value(rng))
            })
            .collect();
        batch.push((tree, writes));
    }
    if let Some(first) = batch.first().cloned() {
        // The same tree twice in one block: both lists apply, in order.
        batch.push((first.0, vec![(random_key(rng), random_value(rng))]));
    }
    for (tree, writes) in &batch {
        let m = model.entry(*tree).or_default();
        for (k, v) in writes {
            if *v == Felt::ZERO {
                m.remove(k);
            } else {
                m.insert(*k, *v);
            }
        }
    }
    model.retain(|_, m| !m.is_empty());
    batch
}

#[test]
fn forest_blocks_equal_the_reference_on_every_backend() {
    use wavelane::kernels::trie::Forest;
    for h in [TrieHash::Pedersen, TrieHash::Poseidon] {
        for backend in backends("forest random blocks") {
            let mut rng = StdRng::seed_from_u64(21 + h as u64);
            let mut forest = Forest::new(h);
            let mut model: BTreeMap<Felt, BTreeMap<Felt, Felt>> = BTreeMap::new();
            let blocks = if backend == Backend::Gpu { 4 } else { 8 };
            for block in 0..blocks {
                let batch = forest_block(&mut rng, &mut model, [1, 3, 12, 40][block % 4]);
                let (roots, stats) = forest.update(backend, &batch).unwrap();
                assert_eq!(roots.len(), batch.iter().map(|(t, _)| t).collect::<std::collections::BTreeSet<_>>().len());
                for (tree, root) in &roots {
                    let want = model.get(tree).map_or(Felt::ZERO, |m| reference_root(h, m));
                    assert_eq!(*root, want, "{h:?} {backend:?} block {block} tree {tree:#x}");
                }
                // Every tree, touched or not, still has its reference root.
                for (tree, m) in &model {
                    assert_eq!(forest.root(tree), reference_root(h, m), "{h:?} {backend:?} block {block}");
                }
                assert_eq!(forest.len(), model.len());
                assert_eq!(forest.stats().leaves, model.values().map(BTreeMap::len).sum::<usize>());
                assert!(stats.levels <= 252);
            }
            for (tree, m) in &model {
                for (k, v) in m {
                    assert_eq!(forest.get(tree, *k).unwrap(), *v);
                    let p = forest.prove(tree, *k).unwrap();
                    assert_eq!(proof::verify(h, forest.root(tree), *k, &p).unwrap(), Some(*v));
                }
            }
            // Wiping every tree empties the forest.
            let wipe: Vec<_> = model.iter().map(|(t, m)| (*t, m.keys().map(|k| (*k, Felt::ZERO)).collect())).collect();
            let (roots, _) = forest.update(backend, &wipe).unwrap();
            assert!(roots.iter().all(|(_, r)| *r == Felt::ZERO));
            assert!(forest.is_empty());
            assert_eq!(forest.stats().nodes, 0);
        }
    }
}

#[test]
fn a_forest_hashes_each_level_once_for_all_trees() {
    use wavelane::kernels::trie::Forest;
    // 50 trees of 40 writes: the levels are shared, so a forest block takes
    // as many batches as its deepest tree, not 50 times that.
    let mut rng = StdRng::seed_from_u64(5);
    let batch: Vec<(Felt, Vec<(Felt, Felt)>)> = (1..=50u64)
        .map(|t| (Felt::from(t), (0..40).map(|_| (random_key(&mut rng), Felt::from(7u64))).collect()))
        .collect();
    let mut forest = Forest::new(TrieHash::Pedersen);
    let mut batches = 0;
    let (_, stats) = forest
        .update_with(&batch, |a, b, out| {
            batches += 1;
            TrieHash::Pedersen.hash_batch(Backend::Simd, a, b, out).map_err(TrieError::from)
        })
        .unwrap();
    let deepest = batch
        .iter()
        .map(|(_, w)| {
            let mut t = Trie::new(TrieHash::Pedersen);
            t.update(Backend::Simd, w).unwrap().1.levels
        })
        .max()
        .unwrap();
    assert_eq!(batches, stats.levels);
    assert_eq!(stats.levels, deepest);
    let singles: usize = batch
        .iter()
        .map(|(_, w)| {
            let mut t = Trie::new(TrieHash::Pedersen);
            t.update(Backend::Simd, w).unwrap().1.hashes
        })
        .sum();
    assert_eq!(stats.hashes, singles);
}

#[test]
fn a_forest_rejects_a_bad_key_before_any_change() {
    use wavelane::kernels::trie::Forest;
    let mut forest = Forest::new(TrieHash::Pedersen);
    forest.update(Backend::Scalar, &[(Felt::ONE, vec![(Felt::ONE, Felt::TWO)])]).unwrap();
    let root = forest.root(&Felt::ONE);
    let bad = Felt::from_hex("0x800000000000000000000000000000000000000000000000000000000000000").unwrap();
    let err = forest
        .update(Backend::Scalar, &[(Felt::ONE, vec![(Felt::TWO, Felt::ONE)]), (Felt::TWO, vec![(bad, Felt::ONE)])])
        .unwrap_err();
    assert!(matches!(err, TrieError::KeyOutOfRange { .. }), "{err}");
    assert_eq!(forest.root(&Felt::ONE), root);
    assert_eq!(forest.len(), 1);
}

/// A copy of a forest kept from its journal alone, as a store keeps it:
/// after every block the changed nodes are written (or removed) and the
/// forest reloaded from the copy has the same roots, values and proofs,
/// and goes on to the same roots as the forest that never stopped.
#[test]
fn a_forest_reloaded_from_its_journal_goes_on_like_the_original() {
    use wavelane::kernels::trie::{Forest, MemStore, Node, NodeId};
    let h = TrieHash::Pedersen;
    let mut rng = StdRng::seed_from_u64(77);
    let mut forest = Forest::new(h);
    forest.keep_journal();
    let mut model: BTreeMap<Felt, BTreeMap<Felt, Felt>> = BTreeMap::new();
    let mut disk: BTreeMap<NodeId, (Node, wavelane::kernels::field::Fe)> = BTreeMap::new();
    for block in 0..12 {
        let batch = forest_block(&mut rng, &mut model, [2, 9, 30][block % 3]);
        forest.update(Backend::Simd, &batch).unwrap();
        for (id, now) in forest.take_changes() {
            match now {
                Some(row) => disk.insert(id, row),
                None => disk.remove(&id),
            };
        }
        assert!(forest.take_changes().is_empty(), "taking the journal empties it");
        let store = MemStore::from_nodes(disk.iter().map(|(id, (n, f))| (*id, *n, *f))).unwrap();
        let trees: Vec<_> = model.keys().map(|t| (*t, forest.tree(t).unwrap().0, forest.tree(t).unwrap().1)).collect();
        let mut reloaded = Forest::from_parts(h, store, trees).unwrap();
        assert_eq!(reloaded.stats().nodes, forest.stats().nodes, "block {block}: live nodes");
        for (tree, m) in &model {
            assert_eq!(reloaded.root(tree), reference_root(h, m), "block {block}");
            let (k, v) = m.iter().next().unwrap();
            assert_eq!(reloaded.get(tree, *k).unwrap(), *v);
        }
        // Both go on with the same next block.
        let mut r2 = rng.clone();
        let mut m2 = model.clone();
        let next = forest_block(&mut r2, &mut m2, 8);
        let (a, _) = reloaded.update(Backend::Simd, &next).unwrap();
        let (b, _) = forest.clone().update(Backend::Simd, &next).unwrap();
        assert_eq!(a, b, "block {block}: the reloaded forest goes on like the original");
    }
    // A copy missing a node is refused with the node named.
    let mut broken = disk.clone();
    let (&child, _) = broken.iter().find(|(_, (n, _))| *n == Node::Leaf).unwrap();
    broken.remove(&child);
    let err = MemStore::from_nodes(broken.iter().map(|(id, (n, f))| (*id, *n, *f))).unwrap_err();
    assert!(err.contains(&format!("node {child}")), "{err}");
}
