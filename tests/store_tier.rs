//! The store's RAM tier: storage cells cached between blocks within a byte
//! budget, the others read from disk. Checked against the same chain in
//! memory, and each block's misses against the cells its transactions
//! declare.

use ahash::AHashSet;
use std::path::PathBuf;
use wavelane::host::block::{BlockExecutor, ExecutorConfig, Mode, MAINNET_SEQUENCER};
use wavelane::host::exec::Transaction;
use wavelane::host::state::StateKey;
use wavelane::host::state::{MemState, StarknetVersion};
use wavelane::host::store::{Store, StoreInfo, Sync};
use wavelane::kernels::trie::proof::verify;
use wavelane::kernels::Backend;
use wavelane::workload::{Generator, Kind, Spec};
use wavelane::Felt;

const ACCOUNTS: usize = 3000;
const TXS: usize = 400;
const BLOCKS: u64 = 10;

fn config(ram_budget: Option<u64>) -> ExecutorConfig {
    ExecutorConfig { backend: Backend::Simd, mode: Mode::BlockStm, threads: 2, ram_budget, ..ExecutorConfig::default() }
}

/// The storage cells a block's transactions declare, with the fee cells.
fn declared_cells(exec: &BlockExecutor, block: &[wavelane::host::exec::NativeTx]) -> AHashSet<StateKey> {
    let mut cells: AHashSet<StateKey> = exec.fee_sink().cells().iter().copied().collect();
    for tx in exec.prepare(block).expect("prepared") {
        let set = tx.declared().expect("native transactions declare their keys");
        cells.extend(set.reads.into_iter().chain(set.writes).filter(|k| matches!(k, StateKey::Storage(..))));
    }
    cells
}

fn run(budget: u64, name: &str) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let spec = Spec::new(Kind::P2p, ACCOUNTS, TXS);
    let mut generator = Generator::new(spec);
    let genesis = generator.genesis(MAINNET_SEQUENCER);
    let blocks: Vec<_> = (1..=BLOCKS).map(|n| generator.block(n)).collect();

    let mut mem = BlockExecutor::new(config(None)).unwrap();
    mem.commit_diff(&genesis).unwrap();
    let mut tier = BlockExecutor::open(config(Some(budget)), Store::open(&dir, Sync::Never).unwrap()).unwrap();
    assert!(tier.tiered());
    tier.commit_diff(&genesis).unwrap();
    let (mut misses, mut hits, mut evicted) = (0, 0, 0);
    let (mut node_misses, mut node_evicted) = (0, 0);
    for (i, block) in blocks.iter().enumerate() {
        if i as u64 == BLOCKS / 2 {
            // Reopened half way: the cache starts empty, the chain goes on.
            drop(tier);
            let unfolded: AHashSet<_> = Store::open(&dir, Sync::Never)
                .unwrap()
                .unfolded()
                .unwrap()
                .into_iter()
                .flat_map(|(_, d)| d.storage.into_iter().flat_map(|(a, c)| c.into_keys().map(move |k| (a, k))))
                .collect();
            // A small tier folds every block; a large one between foldings.
            assert_eq!(unfolded.is_empty(), budget < 1 << 20, "{} cells unfolded", unfolded.len());
            tier = BlockExecutor::open(config(Some(budget)), Store::open(&dir, Sync::Never).unwrap()).unwrap();
            assert_eq!((tier.next_block(), tier.root()), (mem.next_block(), mem.root()));
            // Only the cells the state tables lack are in memory, pinned.
            let c = tier.cells().unwrap();
            assert_eq!((c.len(), c.pinned()), (unfolded.len(), unfolded.len()));
            assert_eq!(tier.state().cells(), 0, "no cell is loaded with the records");
        }
        let cells = tier.cells().unwrap();
        let cold: Vec<StateKey> = declared_cells(&tier, block)
            .into_iter()
            .filter(|k| match k {
                StateKey::Storage(a, key) => !cells.contains(*a, *key),
                _ => unreachable!(),
            })
            .collect();
        let want = mem.execute_native(block).unwrap();
        let got = tier.execute_native(block).unwrap();
        assert_eq!(got.new_root(), want.new_root(), "block {}", want.number);
        assert_eq!(got.diff, want.diff, "block {}", want.number);
        assert_eq!(got.receipts, want.receipts, "block {}", want.number);
        let tiers = got.stats.ram.expect("a tiered block reports its RAM tier");
        let ram = tiers.cells;
        let n = tiers.nodes;
        (node_misses, node_evicted) = (node_misses + n.misses, node_evicted + n.evicted);
        assert!(n.hits > 0, "block {}: the prefetch starts at the roots, in memory", want.number);
        assert_eq!(n.bytes_read > 0, n.misses > 0);
        // Every cell read from disk is a declared one not cached, and each
        // declared one not cached is read, but for those of a transfer
        // that fails before it reads them (at most the sender's and the
        // receiver's two cells each).
        let (cold, failed) = (cold.len() as u64, got.stats.failed as u64);
        assert!(
            ram.misses <= cold && ram.misses + 4 * failed >= cold,
            "block {}: {ram:?}, {cold} declared cells not cached, {failed} failed",
            want.number
        );
        assert_eq!(ram.bytes_read, ram.misses * wavelane::host::store::ROW_BYTES);
        assert!(ram.bytes <= budget / 3, "block {}: {} B held, budget {budget}", want.number, ram.bytes);
        let cache = tier.cells().unwrap();
        assert_eq!((ram.resident, ram.bytes), (cache.len() as u64, cache.bytes()));
        assert!(cache.len() <= cache.max_cells());
        (misses, hits, evicted) = (misses + ram.misses, hits + ram.hits, evicted + ram.evicted);
    }
    assert!(misses > 0 && hits > 0, "misses {misses} hits {hits}");
    drop(tier);
    // Every cell on disk is the chain's.
    assert_eq!(Store::open(&dir, Sync::Never).unwrap().load().unwrap(), *mem.state());
    // A budget below the blocks' cells evicts; one above keeps them all.
    if budget < 1 << 20 {
        assert!(evicted > 0 && node_evicted > 0 && node_misses > 0, "{evicted} {node_evicted} {node_misses}");
    } else {
        assert_eq!((evicted, node_evicted), (0, 0));
    }
}

#[test]
fn a_small_ram_tier_evicts_and_gives_the_in_memory_chain() {
    run(64 << 10, "tier_small");
}

#[test]
fn a_large_ram_tier_keeps_every_cell_it_has_seen() {
    run(64 << 20, "tier_large");
}

#[test]
fn a_fork_of_a_tiered_executor_is_refused() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tier_fork");
    let _ = std::fs::remove_dir_all(&dir);
    let tier = BlockExecutor::open(config(Some(1 << 20)), Store::open(&dir, Sync::Never).unwrap()).unwrap();
    let err = tier.fork(config(None)).err().expect("refused").to_string();
    assert!(err.contains("whole state in memory"), "{err}");
}

#[test]
fn a_tier_over_stale_tries_rebuilds_them_then_pages_them() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("tier_stale");
    let _ = std::fs::remove_dir_all(&dir);
    let mut generator = Generator::new(Spec::new(Kind::P2p, ACCOUNTS, TXS));
    let genesis = generator.genesis(MAINNET_SEQUENCER);
    let blocks: Vec<_> = (1..=3).map(|n| generator.block(n)).collect();
    let mut mem = BlockExecutor::new(config(None)).unwrap();
    mem.commit_diff(&genesis).unwrap();
    let results: Vec<_> = blocks.iter().map(|b| mem.execute_native(b).unwrap()).collect();
    // Genesis and block 1 with their tries; block 2 by hand without them.
    let mut exec = BlockExecutor::open(config(None), Store::open(&dir, Sync::Never).unwrap()).unwrap();
    exec.commit_diff(&genesis).unwrap();
    exec.execute_native(&blocks[0]).unwrap();
    drop(exec);
    let store = Store::open(&dir, Sync::Never).unwrap();
    store.commit_block(2, results[1].new_root(), &results[1].diff, None).unwrap();
    assert!(!store.info().unwrap().tries_whole);
    let mut tier = BlockExecutor::open(config(Some(256 << 10)), store).unwrap();
    assert!(tier.tiered() && tier.commitment().is_none(), "the tries are paged once rebuilt");
    assert_eq!(tier.state().cells(), 0);
    let r3 = tier.execute_native(&blocks[2]).unwrap();
    assert_eq!((r3.new_root(), &r3.diff), (results[2].new_root(), &results[2].diff));
}

/// Writes 35 blocks and a genesis into `name` (two foldings, the second
/// from the logs the executor kept), in one executor or (with
/// `reopen`) in one per block, so that every folding reads the logs back
/// from disk; returns the store's summary, state and stored tries' root.
fn folded(name: &str, budget: Option<u64>, reopen: bool) -> (StoreInfo, MemState, Felt) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    let mut generator = Generator::new(Spec::new(Kind::P2p, 2000, 200));
    let open = || BlockExecutor::open(config(budget), Store::open(&dir, Sync::Never).unwrap()).unwrap();
    let mut exec = open();
    exec.commit_diff(&generator.genesis(MAINNET_SEQUENCER)).unwrap();
    for n in 1..36 {
        if reopen {
            drop(exec);
            exec = open();
        }
        exec.execute_native(&generator.block(n)).unwrap();
    }
    drop(exec);
    let store = Store::open(&dir, Sync::Never).unwrap();
    let info = StoreInfo { bytes_on_disk: 0, ..store.info().unwrap() };
    let tries = store.load_tries().unwrap().expect("whole");
    let state = store.load().unwrap();
    // Every cell and contract proves against the stored tries: a node row
    // left stale by a folding breaks the path through it.
    let diff = state.to_diff();
    let forest = tries.storage_forest();
    for (a, cells) in &diff.storage {
        for (k, v) in cells {
            let proof = forest.prove(&a.felt(), k.felt()).unwrap();
            let got = verify(forest.hash_kind(), forest.root(&a.felt()), k.felt(), &proof).unwrap();
            assert_eq!(got, Some(*v), "{name}: cell {a:?} {k:?}");
        }
    }
    let contracts = tries.contract_trie();
    for a in diff.nonces.keys().chain(diff.deployed.keys()) {
        let proof = contracts.prove(a.felt()).unwrap();
        let got = verify(contracts.hash_kind(), contracts.root(), a.felt(), &proof).unwrap();
        assert!(got.is_some(), "{name}: contract {a:?}");
    }
    (info, state, tries.roots(StarknetVersion::V0_14_0).global)
}

#[test]
fn a_folding_from_the_logs_in_memory_writes_what_one_from_disk_writes() {
    for (budget, name) in [(None, "fold_mem"), (Some(16 << 10), "fold_tier")] {
        let kept = folded(&format!("{name}_kept"), budget, false);
        let read = folded(&format!("{name}_read"), budget, true);
        assert_eq!(kept.0.last_block.map(|(n, _)| n), Some(35));
        assert_eq!(kept.0.last_block.map(|(_, r)| r), Some(kept.2), "{name}: the stored tries give the last root");
        assert!(kept.0.trie_log_blocks < 16 && kept.0.trie_nodes > 0, "{name}: {:?}", kept.0);
        assert_eq!(kept, read, "{name}");
    }
}
