//! Commits whose storage leaves come from a device buffer (lavapipe in CI,
//! under `WAVELANE_REQUIRE_GPU=1`): random Starknet state diffs over a few
//! blocks (several contracts, deletes, keys written again, tries that grow,
//! empty out and come back) with some cells' new values placed in a
//! [`DeviceTable`] at random distinct slots give, block after block, the
//! roots of a CPU commit (every storage root, the contract root, the
//! global root), and upload exactly 32 bytes less per leaf taken from the
//! table than the same GPU commit without it. The forest takes leaves from
//! any storage buffer too: a tree named twice, keys repeated in a batch,
//! slots past the buffer's end (ignored), slots of deletes (never read).
#![cfg(feature = "gpu")]

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;
use wavelane::host::state::{
    ContractAddress, LeafSource, MemState, StarknetVersion, StateCommitment, StateDiff, StateReader, StateWriter,
    StorageKey,
};
use wavelane::kernels::field::Fe;
use wavelane::kernels::gpu;
use wavelane::kernels::native::DeviceTable;
use wavelane::kernels::trie::{Forest, TrieHash};
use wavelane::kernels::Backend;
use wavelane::Felt;

/// The byte counts are process-wide: one test at a time moves bytes.
static GPU: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    GPU.lock().unwrap_or_else(|e| e.into_inner())
}

const VERSION: StarknetVersion = StarknetVersion::V0_14_0;
const FE_BYTES: u64 = 32;

/// Builds the commit's GPU kernels (their first use uploads constants, the
/// Pedersen table) on a throwaway commitment, so that the twins compared
/// below move only their own bytes.
fn warm_up() {
    let a = ContractAddress::new(Felt::from(7u64)).unwrap();
    let mut diff = StateDiff::default();
    diff.storage.entry(a).or_default().insert(StorageKey::new(Felt::ONE).unwrap(), Felt::TWO);
    let (_, s) = StateCommitment::new().commit(Backend::Gpu, &MemState::new(), &diff, VERSION).unwrap();
    assert_eq!(s.fallback, None, "the GPU commits");
}

/// A non-zero value: small, or any felt.
fn value(rng: &mut StdRng) -> Felt {
    if rng.random_bool(0.5) {
        Felt::from(rng.random_range(1u64..1000))
    } else {
        let mut b = [0u8; 32];
        rng.fill(&mut b[..]);
        b[0] &= 0x07;
        Felt::from_bytes_be(&b).max(Felt::ONE)
    }
}

/// A key: one of `known` again, or a new one (small or anywhere below
/// 2^251), which joins `known`.
fn key(rng: &mut StdRng, known: &mut Vec<Felt>) -> Felt {
    if !known.is_empty() && rng.random_bool(0.4) {
        return known[rng.random_range(0..known.len())];
    }
    let k = if rng.random_bool(0.5) {
        Felt::from(rng.random_range(0u64..5000))
    } else {
        let mut b = [0u8; 32];
        rng.fill(&mut b[..]);
        b[0] &= 0x07;
        Felt::from_bytes_be(&b)
    };
    known.push(k);
    k
}

/// Block `i`'s diff: cells of most contracts (a fifth of them deletes),
/// a large block 1 (the tries grow), contract 0 emptied in block 3 and
/// written again in block 4, deployments in block 0, some nonces.
fn block_diff(rng: &mut StdRng, i: usize, contracts: &[ContractAddress], known: &mut [Vec<Felt>]) -> StateDiff {
    let mut diff = StateDiff::default();
    for (c, addr) in contracts.iter().enumerate() {
        if i == 0 {
            diff.deployed.insert(*addr, Felt::from(0xc1a55 + c as u64));
        }
        if rng.random_bool(0.3) {
            diff.nonces.insert(*addr, Felt::from(i as u64 + 1));
        }
        if i == 3 && c == 0 {
            let cells = diff.storage.entry(*addr).or_default();
            for k in &known[0] {
                cells.insert(StorageKey::new(*k).unwrap(), Felt::ZERO);
            }
            continue;
        }
        if i > 0 && rng.random_bool(0.25) {
            continue;
        }
        let n = if i == 1 { rng.random_range(20..40) } else { rng.random_range(1..10) };
        let cells = diff.storage.entry(*addr).or_default();
        for _ in 0..n {
            let k = key(rng, &mut known[c]);
            let v = if rng.random_bool(0.2) { Felt::ZERO } else { value(rng) };
            cells.insert(StorageKey::new(k).unwrap(), v);
        }
    }
    diff
}

/// Puts about two thirds of `diff`'s cells in `table` at random distinct
/// slots (the slots of deletes hold a value that must never be read) and
/// returns the slots, with the number of changed leaves among them: what
/// the GPU should take from the table.
fn place(
    rng: &mut StdRng,
    table: &DeviceTable,
    pre: &MemState,
    diff: &StateDiff,
) -> (HashMap<(Felt, Felt), u32>, usize) {
    let mut free: Vec<u32> = (0..table.capacity()).collect();
    free.shuffle(rng);
    let (mut slots, mut at, mut vals) = (HashMap::new(), Vec::new(), Vec::new());
    let mut changed = 0;
    for (a, cells) in &diff.storage {
        for (k, v) in cells {
            if !rng.random_bool(0.65) {
                continue;
            }
            let slot = free.pop().expect("the table has a slot per cell");
            slots.insert((a.felt(), k.felt()), slot);
            at.push(slot);
            vals.push(if *v == Felt::ZERO { Fe::from_felt(&value(rng)) } else { Fe::from_felt(v) });
            if *v != Felt::ZERO && *v != pre.storage_at(*a, *k).unwrap() {
                changed += 1;
            }
        }
    }
    table.write(&at, &vals);
    (slots, changed)
}

#[test]
fn commits_with_leaves_from_the_table_give_the_cpu_roots_and_upload_less() {
    let _g = lock();
    let Some(_) = gpu::context_or_skip("commits_with_leaves_from_the_table_give_the_cpu_roots_and_upload_less") else {
        return;
    };
    let started = Instant::now();
    warm_up();
    let mut rng = StdRng::seed_from_u64(0x7ab1e);
    let contracts: Vec<ContractAddress> =
        (0..6u64).map(|c| ContractAddress::new(Felt::from(0x1000 + c * 77)).unwrap()).collect();
    let mut known = vec![Vec::new(); contracts.len()];
    let table = DeviceTable::new(512).expect("a device table");
    let mut state = MemState::new();
    let (mut cpu, mut from_table, mut uploaded) =
        (StateCommitment::new(), StateCommitment::new(), StateCommitment::new());
    let mut saved_total = 0;
    for i in 0..5 {
        let what = format!("block {i}");
        let diff = block_diff(&mut rng, i, &contracts, &mut known);
        let (slots, changed) = place(&mut rng, &table, &state, &diff);
        let slot_of = |tree: &Felt, key: &Felt| slots.get(&(*tree, *key)).copied();
        let source = LeafSource { buffer: table.buffer(), slot: &slot_of };

        let (want, _) = cpu.commit(Backend::Simd, &state, &diff, VERSION).unwrap();
        let (got, s) = from_table.commit_from(Backend::Gpu, &state, &diff, VERSION, Some(&source)).unwrap();
        let (plain, p) = uploaded.commit(Backend::Gpu, &state, &diff, VERSION).unwrap();
        for st in [&s, &p] {
            assert_eq!(st.backend, Backend::Gpu, "{what}");
            assert_eq!(st.fallback, None, "{what}");
        }
        assert_eq!(got, want, "{what}: roots with leaves from the table");
        assert_eq!(plain, want, "{what}: roots with leaves uploaded");
        for a in &contracts {
            let root = cpu.storage_root(a);
            assert_eq!(from_table.storage_root(a), root, "{what}: storage root of {:#x}", a.felt());
            assert_eq!(uploaded.storage_root(a), root, "{what}: storage root of {:#x}", a.felt());
        }

        assert_eq!(s.storage.from_source, changed, "{what}: leaves taken from the table");
        assert_eq!(p.storage.from_source, 0, "{what}");
        assert_eq!(p.bytes_up - s.bytes_up, changed as u64 * FE_BYTES, "{what}: 32 bytes fewer per leaf");
        assert_eq!(p.storage.bytes_up - s.storage.bytes_up, changed as u64 * FE_BYTES, "{what}");
        assert_eq!(p.bytes_down, s.bytes_down, "{what}: the same readbacks");
        println!(
            "{what}: {} cells, {changed} leaves from the table, {} bytes up ({} without the table), {} down",
            diff.storage_updates(),
            s.bytes_up,
            p.bytes_up,
            s.bytes_down
        );
        saved_total += changed;
        state.apply_diff(&diff).unwrap();
    }
    assert!(cpu.storage_root(&contracts[0]) != Felt::ZERO, "contract 0's storage came back");
    assert!(saved_total > 50, "most blocks took leaves from the table ({saved_total})");
    println!("{saved_total} leaves from the table in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
fn forest_takes_leaves_from_any_storage_buffer() {
    let _g = lock();
    let Some(ctx) = gpu::context_or_skip("forest_takes_leaves_from_any_storage_buffer") else {
        return;
    };
    warm_up();
    const SLOTS: u32 = 96;
    let buffer = ctx.storage_buffer("test leaf values", u64::from(SLOTS) * FE_BYTES);
    let mut rng = StdRng::seed_from_u64(0xf0e57);
    let trees: Vec<Felt> = (0..4u64).map(|t| Felt::from(t * 1_000_003 + 5)).collect();
    let mut known = vec![Vec::new(); trees.len()];
    let mut model: HashMap<(Felt, Felt), Felt> = HashMap::new();
    let (mut cpu, mut from_buf, mut uploaded) =
        (Forest::new(TrieHash::Pedersen), Forest::new(TrieHash::Pedersen), Forest::new(TrieHash::Pedersen));
    for block in 0..4 {
        let what = format!("batch {block}");
        // Tree 0 named twice; keys written twice in a batch (the last wins).
        let mut batch: Vec<(Felt, Vec<(Felt, Felt)>)> = Vec::new();
        for t in [0, 1, 2, 3, 0] {
            let n = if block == 1 { 20 } else { 6 };
            let writes = (0..n)
                .map(|_| {
                    let k = key(&mut rng, &mut known[t]);
                    (k, if rng.random_bool(0.2) { Felt::ZERO } else { value(&mut rng) })
                })
                .collect();
            batch.push((trees[t], writes));
        }
        let mut last: HashMap<(Felt, Felt), Felt> = HashMap::new();
        for (t, writes) in &batch {
            for (k, v) in writes {
                last.insert((*t, *k), *v);
            }
        }
        // Slots: distinct ones inside the buffer, a few past its end.
        let mut free: Vec<u32> = (0..SLOTS).collect();
        free.shuffle(&mut rng);
        let mut contents = vec![Fe::ZERO; SLOTS as usize];
        let mut slots = HashMap::new();
        let mut changed = 0;
        let mut cells: Vec<_> = last.iter().collect();
        cells.sort_by_key(|(c, _)| (c.0.to_bytes_be(), c.1.to_bytes_be()));
        for (cell, v) in cells {
            let live = *v != Felt::ZERO && model.get(cell).copied().unwrap_or_default() != *v;
            if rng.random_bool(0.1) {
                slots.insert(*cell, SLOTS + rng.random_range(0..8));
            } else if rng.random_bool(0.6) {
                let slot = free.pop().expect("a slot per cell");
                contents[slot as usize] =
                    if *v == Felt::ZERO { Fe::from_felt(&value(&mut rng)) } else { Fe::from_felt(v) };
                slots.insert(*cell, slot);
                changed += usize::from(live);
            }
        }
        let bytes: Vec<u8> = contents.iter().flat_map(|f| f.0.iter().flat_map(|l| l.to_le_bytes())).collect();
        ctx.upload(&buffer, &bytes);
        let slot_of = |tree: &Felt, key: &Felt| slots.get(&(*tree, *key)).copied();
        let source = LeafSource { buffer: &buffer, slot: &slot_of };

        let (want, c) = cpu.update_from(Backend::Simd, &batch, Some(&source)).unwrap();
        let (got, s) = from_buf.update_from(Backend::Gpu, &batch, Some(&source)).unwrap();
        let (plain, p) = uploaded.update(Backend::Gpu, &batch).unwrap();
        assert_eq!(c.from_source, 0, "{what}: the CPU ignores the source");
        assert_eq!(got, want, "{what}: roots with leaves from the buffer");
        assert_eq!(plain, want, "{what}: roots with leaves uploaded");
        for t in &trees {
            assert_eq!(from_buf.root(t), cpu.root(t), "{what}: tree {t:#x}");
        }
        assert_eq!(s.from_source, changed, "{what}: leaves taken from the buffer");
        assert_eq!(p.bytes_up - s.bytes_up, changed as u64 * FE_BYTES, "{what}: 32 bytes fewer per leaf");
        assert_eq!((s.hashes, s.levels, s.bytes_down), (p.hashes, p.levels, p.bytes_down), "{what}");
        for (cell, v) in last {
            model.insert(cell, v);
        }
    }
    for ((t, k), v) in &model {
        assert_eq!(from_buf.get(t, *k).unwrap(), *v, "{t:#x}/{k:#x}");
    }
}
