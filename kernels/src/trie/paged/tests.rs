//! The paged store against the in-memory one: the same blocks on a
//! `MemStore` trie (the baseline) and on a `PagedStore` trie evicted to a
//! few KB after every block, over a source written through after each.

use super::*;
use crate::backend::Backend;
use crate::trie::{Forest, MemStore, Trie, TrieError, TrieHash};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use starknet_types_core::felt::Felt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

/// What the paged tries are evicted to after each block.
const BUDGET: usize = 8 << 10;

/// A disk in memory: every node by id, as last written through.
#[derive(Default)]
struct MemSource {
    nodes: Mutex<HashMap<NodeId, (Node, Fe)>>,
    /// Fail every read while set.
    fail: AtomicBool,
    /// Calls to `read`.
    reads: AtomicU64,
}

impl MemSource {
    fn write(&self, changes: Vec<NodeChange>) {
        let mut nodes = self.nodes.lock().unwrap();
        for (id, change) in changes {
            match change {
                Some(n) => nodes.insert(id, n),
                None => nodes.remove(&id),
            };
        }
    }
}

impl NodeSource for MemSource {
    fn read(&self, ids: &[NodeId], out: &mut Vec<Option<(Node, Fe)>>) -> Result<u64, String> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        if self.fail.load(Ordering::Relaxed) {
            return Err("the disk is unplugged".into());
        }
        let nodes = self.nodes.lock().unwrap();
        out.extend(ids.iter().map(|id| nodes.get(id).copied()));
        Ok(ids.len() as u64 * 72)
    }
}

/// A random key: fully random, or from a small cluster (long shared
/// prefixes), or just below 2^251.
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

/// `n` writes: new keys, overwrites and deletions (value 0) of `known` ones.
fn random_block(rng: &mut StdRng, known: &mut Vec<Felt>, n: usize) -> Vec<(Felt, Felt)> {
    (0..n)
        .map(|_| {
            let key = if !known.is_empty() && rng.random_bool(0.5) {
                known[rng.random_range(0..known.len())]
            } else {
                let k = random_key(rng);
                known.push(k);
                k
            };
            let value = match rng.random_range(0..4) {
                0 => Felt::ZERO,
                1 => Felt::from(rng.random_range(1u64..4)),
                _ => Felt::from_bytes_be(&rng.random()),
            };
            (key, value)
        })
        .collect()
}

/// Keys to read: some known, some new.
fn sample(rng: &mut StdRng, known: &[Felt], n: usize) -> Vec<Felt> {
    (0..n)
        .map(|_| if rng.random_bool(0.7) { known[rng.random_range(0..known.len())] } else { random_key(rng) })
        .collect()
}

fn paged_trie(source: &Arc<MemSource>) -> Trie<PagedStore> {
    let mut store = PagedStore::new(source.clone(), 0);
    store.keep_journal();
    Trie::with_store(TrieHash::Pedersen, store)
}

/// Writes the block's changes through and unpins them, evicts to the
/// budget (every other block, to nothing but the root, so that no cached
/// node hides a missing prefetch) and starts the next epoch, as an
/// executor does after a block.
fn end_block(trie: &mut Trie<PagedStore>, source: &MemSource, block: usize) {
    source.write(trie.take_changes());
    trie.store_mut().unpin_all();
    if block % 2 == 1 {
        trie.evict(0);
        assert!(trie.store().resident_nodes() <= 1);
    }
    trie.evict(BUDGET);
    assert!(trie.store().bytes() <= BUDGET, "{} bytes after evicting", trie.store().bytes());
    trie.store_mut().next_epoch();
}

#[test]
fn a_bucket_is_48_bytes() {
    assert_eq!(std::mem::size_of::<(NodeId, Entry)>(), 48);
    assert_eq!(table_bytes(0, 48), 0);
    assert_eq!(table_bytes(3, 48), 4 * 49 + 16);
    assert_eq!(table_bytes(14, 48), 16 * 49 + 16);
    assert_eq!(shrunk_capacity(1000), 1792);
}

#[test]
fn random_blocks_on_a_paged_trie_equal_the_in_memory_trie() {
    let mut rng = StdRng::seed_from_u64(31);
    let source = Arc::new(MemSource::default());
    let mut mem = Trie::new(TrieHash::Pedersen);
    let mut paged = paged_trie(&source);
    let mut known = Vec::new();
    for block in 0..40 {
        let writes = random_block(&mut rng, &mut known, [1, 5, 40, 120][block % 4]);
        let (want, _) = mem.update(Backend::Simd, &writes).unwrap();
        let (got, stats) = paged.update(Backend::Simd, &writes).unwrap();
        assert_eq!(got, want, "block {block}");
        assert_eq!(stats.keys, writes.iter().map(|w| w.0).collect::<std::collections::BTreeSet<_>>().len());
        for (k, _) in &writes {
            assert_eq!(paged.get(*k).unwrap(), mem.get(*k).unwrap(), "block {block}: key {k:#x}");
        }
        end_block(&mut paged, &source, block);
        assert_eq!(paged.root(), want);
        let keys = sample(&mut rng, &known, 20);
        paged.prefetch(&keys).unwrap();
        for k in keys {
            assert_eq!(paged.get(k).unwrap(), mem.get(k).unwrap(), "block {block}: key {k:#x}");
        }
    }
    assert_eq!(paged.leaves(), mem.leaves());
    let stats = paged.store_mut().take_stats();
    assert!(stats.misses > 0 && stats.hits > 0, "{stats:?}");
    assert_eq!(stats.bytes_read, stats.misses * 72);
    assert_eq!(paged.store_mut().take_stats(), PageStats::default());
}

#[test]
fn gpu_runs_on_the_cpu_over_a_paged_store() {
    let mut rng = StdRng::seed_from_u64(32);
    let source = Arc::new(MemSource::default());
    let mut mem = Trie::new(TrieHash::Poseidon);
    let mut store = PagedStore::new(source.clone(), 0);
    store.keep_journal();
    let mut paged = Trie::with_store(TrieHash::Poseidon, store);
    let mut known = Vec::new();
    for block in 0..5 {
        let writes = random_block(&mut rng, &mut known, 30);
        let (want, _) = mem.update(Backend::Simd, &writes).unwrap();
        let (got, stats) = paged.update(Backend::Gpu, &writes).unwrap();
        assert_eq!((got, stats.bytes_up), (want, 0));
        end_block(&mut paged, &source, block);
    }
}

#[test]
fn random_blocks_on_a_paged_forest_equal_the_in_memory_forest() {
    let mut rng = StdRng::seed_from_u64(33);
    let source = Arc::new(MemSource::default());
    let mut mem = Forest::new(TrieHash::Pedersen);
    let mut store = PagedStore::new(source.clone(), 0);
    store.keep_journal();
    let mut paged = Forest::with_store(TrieHash::Pedersen, store);
    let names: Vec<Felt> = (1..=6u64).map(Felt::from).collect();
    let mut known: Vec<Vec<Felt>> = vec![Vec::new(); names.len()];
    for block in 0..30 {
        let mut batch = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if rng.random_bool(0.6) {
                let n = rng.random_range(1..40);
                batch.push((*name, random_block(&mut rng, &mut known[i], n)));
            }
        }
        if let Some((name, _)) = batch.first().cloned() {
            // A tree named twice, and one named with no writes.
            batch.push((name, vec![(random_key(&mut rng), Felt::ONE)]));
            batch.push((names[block % names.len()], Vec::new()));
        }
        let (want, _) = mem.update(Backend::Simd, &batch).unwrap();
        let (got, _) = paged.update(Backend::Simd, &batch).unwrap();
        assert_eq!(got, want, "block {block}");
        source.write(paged.take_changes());
        paged.store_mut().unpin_all();
        if block % 2 == 1 {
            paged.evict(0);
            assert_eq!(paged.store().resident_nodes(), paged.len(), "only the roots stay");
        }
        paged.evict(BUDGET);
        assert!(paged.store().bytes() <= BUDGET, "{} bytes", paged.store().bytes());
        paged.store_mut().next_epoch();
        for name in &names {
            assert_eq!(paged.root(name), mem.root(name), "block {block}");
        }
        let reads: Vec<(Felt, Vec<Felt>)> = names
            .iter()
            .zip(&known)
            .filter(|(_, k)| !k.is_empty())
            .map(|(n, k)| (*n, sample(&mut rng, k, 8)))
            .collect();
        paged.prefetch(&reads).unwrap();
        for (name, keys) in &reads {
            for &k in keys {
                assert_eq!(paged.get(name, k).unwrap(), mem.get(name, k).unwrap());
                assert_eq!(paged.prove(name, k).unwrap(), mem.prove(name, k).unwrap());
            }
        }
    }
    assert!(paged.store_mut().take_stats().misses > 0);
}

/// An in-memory trie of `blocks` random blocks, its nodes written to a
/// fresh source, and a paged trie over that source knowing only the root.
fn reopened(rng: &mut StdRng, known: &mut Vec<Felt>, blocks: usize) -> (Trie, Arc<MemSource>, Trie<PagedStore>) {
    let mut mem = Trie::new(TrieHash::Pedersen);
    mem.keep_journal();
    for _ in 0..blocks {
        let writes = random_block(rng, known, 60);
        mem.update(Backend::Simd, &writes).unwrap();
    }
    let source = Arc::new(MemSource::default());
    source.write(mem.take_changes());
    let mut store = PagedStore::new(source.clone(), mem.store().capacity() as NodeId);
    store.keep_journal();
    let paged = Trie::from_parts(TrieHash::Pedersen, store, mem.root_id(), mem.leaves()).unwrap();
    assert_eq!(paged.store().resident_nodes(), 1, "only the root is read");
    assert_eq!(paged.root(), mem.root());
    (mem, source, paged)
}

#[test]
fn a_reopened_paged_trie_follows_the_in_memory_trie() {
    let mut rng = StdRng::seed_from_u64(34);
    let mut known = Vec::new();
    let (mut mem, source, mut paged) = reopened(&mut rng, &mut known, 10);
    for block in 0..20 {
        let writes = random_block(&mut rng, &mut known, 50);
        let (want, _) = mem.update(Backend::Simd, &writes).unwrap();
        let (got, _) = paged.update(Backend::Simd, &writes).unwrap();
        assert_eq!(got, want, "block {block}");
        end_block(&mut paged, &source, block);
    }
    // Past the ids the source had at the start, or freed since.
    assert!(paged.store().capacity() > 0);
    assert!(Trie::from_parts(TrieHash::Pedersen, MemStore::default(), Some(0), 1).is_err());
}

#[test]
fn a_prefetch_reads_the_source_once_per_level() {
    let mut rng = StdRng::seed_from_u64(35);
    let mut known = Vec::new();
    let (mem, source, mut paged) = reopened(&mut rng, &mut known, 10);
    let before = source.reads.load(Ordering::Relaxed);
    let keys = sample(&mut rng, &known, 100);
    paged.prefetch(&keys).unwrap();
    let reads = source.reads.load(Ordering::Relaxed) - before;
    let misses = paged.store_mut().take_stats().misses;
    // About 2 log2(600) levels of nodes, each one read.
    assert!(reads <= 30 && misses > 10 * reads, "{reads} reads for {misses} nodes");
    for k in keys {
        assert_eq!(paged.get(k).unwrap(), mem.get(k).unwrap());
    }
}

#[test]
fn proofs_after_prefetch_equal_the_in_memory_trie() {
    let mut rng = StdRng::seed_from_u64(36);
    let mut known = Vec::new();
    let (mem, _source, mut paged) = reopened(&mut rng, &mut known, 8);
    let keys = sample(&mut rng, &known, 60);
    paged.prefetch(&keys).unwrap();
    for k in keys {
        let proof = paged.prove(k).unwrap();
        assert_eq!(proof, mem.prove(k).unwrap(), "key {k:#x}");
        let value = crate::trie::proof::verify(TrieHash::Pedersen, paged.root(), k, &proof).unwrap();
        assert_eq!(value.unwrap_or(Felt::ZERO), mem.get(k).unwrap());
    }
}

#[test]
fn a_failing_source_leaves_the_trie_unchanged() {
    let mut rng = StdRng::seed_from_u64(37);
    let mut known = Vec::new();
    let (mut mem, source, mut paged) = reopened(&mut rng, &mut known, 6);
    let writes = random_block(&mut rng, &mut known, 40);
    let root = paged.root();
    source.fail.store(true, Ordering::Relaxed);
    match paged.update(Backend::Simd, &writes) {
        Err(TrieError::Source(e)) => assert!(e.contains("unplugged"), "{e}"),
        other => panic!("expected a source error, got {other:?}"),
    }
    assert_eq!(paged.root(), root);
    assert!(paged.take_changes().is_empty(), "nothing changed");
    source.fail.store(false, Ordering::Relaxed);
    let keys: Vec<Felt> = writes.iter().map(|w| w.0).collect();
    paged.prefetch(&keys).unwrap();
    for &k in &keys {
        assert_eq!(paged.get(k).unwrap(), mem.get(k).unwrap());
    }
    let (want, _) = mem.update(Backend::Simd, &writes).unwrap();
    assert_eq!(paged.update(Backend::Simd, &writes).unwrap().0, want);

    // A forest too: nothing changes, and the same batch succeeds afterwards.
    let mut mem = Forest::new(TrieHash::Pedersen);
    mem.keep_journal();
    let batch: Vec<(Felt, Vec<(Felt, Felt)>)> =
        (1..4u64).map(|t| (Felt::from(t), random_block(&mut rng, &mut Vec::new(), 30))).collect();
    mem.update(Backend::Simd, &batch).unwrap();
    let source = Arc::new(MemSource::default());
    source.write(mem.take_changes());
    let trees: Vec<(Felt, NodeId, usize)> =
        mem.trees().map(|t| (*t, mem.tree(t).unwrap().0, mem.tree(t).unwrap().1)).collect();
    let store = PagedStore::new(source.clone(), mem.store().capacity() as NodeId);
    let mut paged = Forest::from_parts(TrieHash::Pedersen, store, trees).unwrap();
    let batch: Vec<(Felt, Vec<(Felt, Felt)>)> =
        (1..5u64).map(|t| (Felt::from(t), random_block(&mut rng, &mut Vec::new(), 10))).collect();
    source.fail.store(true, Ordering::Relaxed);
    assert!(matches!(paged.update(Backend::Simd, &batch), Err(TrieError::Source(_))));
    for t in 1..5u64 {
        assert_eq!(paged.root(&Felt::from(t)), mem.root(&Felt::from(t)));
    }
    source.fail.store(false, Ordering::Relaxed);
    assert_eq!(paged.update(Backend::Simd, &batch).unwrap().0, mem.update(Backend::Simd, &batch).unwrap().0);
}

#[test]
fn eviction_goes_by_epoch_then_id_and_spares_pinned_nodes() {
    let source = Arc::new(MemSource::default());
    let mut s = PagedStore::new(source.clone(), 0);
    for id in 0..200 {
        s.insert(id, Node::Leaf, Fe::from_u64(id as u64 + 1), false);
    }
    s.next_epoch();
    let recent: Vec<NodeId> = (100..200).collect();
    s.fault(&recent).unwrap();
    // Pinned: changed since the last unpin.
    s.set_hash(5, Fe::from_u64(7));
    let evicted = s.evict(s.bytes() / 2);
    assert!(evicted > 0);
    // The oldest epoch goes first, lowest ids first; 5 stays.
    assert!(s.resident(5) && s.resident(199));
    let gone: Vec<NodeId> = (0..200).filter(|&id| !s.resident(id)).collect();
    assert_eq!(gone, (0..200).filter(|&id| id != 5).take(evicted).collect::<Vec<_>>());
    assert!(s.bytes() <= table_bytes(shrunk_capacity(s.resident_nodes()), 48) + 64);
    // Evicting everything keeps the pinned node; unpinned, it goes too.
    s.evict(0);
    assert_eq!(s.resident_nodes(), 1);
    s.unpin_all();
    s.evict(0);
    assert_eq!((s.resident_nodes(), s.bytes()), (0, s.pinned.capacity() * 4));
    // What is not resident faults in from the source (here: nothing).
    assert!(s.fault(&[3]).unwrap_err().contains("node 3 is not on the source"));
    assert!(s.fault(&[300]).unwrap_err().contains("past"));
}

#[test]
fn freed_ids_are_reused_and_unknown_ones_are_not() {
    let source = Arc::new(MemSource::default());
    let mut s = PagedStore::new(source, 10);
    s.keep_journal();
    let a = s.alloc(Node::Leaf, Fe::ONE);
    assert_eq!(a, 10, "ids below next_id may be on the source");
    s.forget(3);
    s.free(a);
    assert_eq!(s.alloc(Node::Leaf, Fe::ONE), a);
    assert_eq!(s.alloc(Node::Edge { child: a, path: [0, 0, 0, 1 << 40], len: 251 }, Fe::ONE), 3);
    assert_eq!(s.node(3), Node::Edge { child: a, path: [0, 0, 0, 1 << 40], len: 251 });
    s.set_node(3, Node::Binary { left: a, right: a });
    assert_eq!(s.long.len(), 0);
    assert_eq!(s.alloc(Node::Leaf, Fe::ZERO), 11);
    let changes = s.take_changes();
    let ids: Vec<NodeId> = changes.iter().map(|c| c.0).collect();
    assert_eq!(ids, [3, 10, 11]);
    assert_eq!(changes[0].1, Some((Node::Binary { left: a, right: a }, Fe::ONE)));
    assert!(s.take_changes().is_empty());
}

#[test]
#[should_panic(expected = "trie node 4 is not in memory")]
fn reading_a_node_not_in_memory_panics_naming_it() {
    let s = PagedStore::new(Arc::new(MemSource::default()), 10);
    s.node(4);
}
