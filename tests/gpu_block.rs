//! Blocks executed on the GPU over the device-resident state (lavapipe in
//! CI, under `WAVELANE_REQUIRE_GPU=1`): declared and optimistic waves give
//! the serial result (receipts, diff, roots) on random blocks of every
//! workload, with and without a small cache; after every block the
//! resident set is the Cold LRU's hot set and every resident value is the
//! state's; a block built under `LOAD_LIMIT` uploads at most that many
//! state bytes; transactions that are not programs run on the CPU in the
//! same wave; the sequencer's readers get the protocol's fees; a refused
//! block leaves the device as it was.

#[path = "support/cell.rs"]
mod cell;

use cell::Cell;
use proptest::prelude::*;
use wavelane::host::block::{BlockError, BlockExecutor, BlockResult, ExecutorConfig, Mode, MAINNET_SEQUENCER};
use wavelane::host::exec::{
    AccessSet, Blocked, NativeTx, Prepared, Program, Receipt, StateView, Transaction, Transfer, TxOutput, STRK, U256,
};
use wavelane::host::schedule::builder::BlockLimits;
use wavelane::host::state::{ContractAddress, StarknetVersion, StateDiff, StateKey, StorageKey, RESIDENT_ENTRY_BYTES};
use wavelane::kernels::{gpu, Backend};
use wavelane::workload::{account, Generator, Kind, Spec, BALANCE};
use wavelane::Felt;

const GPU_MODES: [Mode; 2] = [Mode::Waves, Mode::Optimistic];

fn executor(backend: Backend, mode: Mode, threads: usize, cache_size: Option<u64>) -> BlockExecutor {
    let config =
        ExecutorConfig { backend, mode, threads, cache_size, version: StarknetVersion::V0_14_0, ..Default::default() };
    BlockExecutor::new(config).expect("a thread pool")
}

/// Runs `blocks` after `genesis`, checking after every block on the GPU
/// that it ran there and that the device holds the hot set with the
/// state's values.
fn run(ex: &mut BlockExecutor, genesis: &StateDiff, blocks: &[Vec<NativeTx>]) -> Vec<BlockResult> {
    ex.commit_diff(genesis).expect("the genesis commits");
    let on_gpu = ex.config().backend == Backend::Gpu;
    blocks
        .iter()
        .map(|b| {
            let r = ex.execute_native(b).expect("a native block executes");
            if on_gpu {
                check_device(ex, &r);
            }
            r
        })
        .collect()
}

fn check_device(ex: &BlockExecutor, r: &BlockResult) {
    let what = format!("block {} ({} on {})", r.number, ex.config().mode, ex.config().backend);
    assert_eq!(r.stats.exec_fallback, None, "{what}: ran on the device");
    let d = r.stats.device.as_ref().unwrap_or_else(|| panic!("{what}: device statistics"));
    assert_eq!(d.cold_loads + d.hot_hits, d.touched, "{what}: every touched key is a load or a hit");
    assert_eq!(d.cold_bytes, d.cold_loads * RESIDENT_ENTRY_BYTES, "{what}");
    if r.stats.commit_backend == Some(Backend::Gpu) && r.diff.storage_updates() > 0 {
        assert!(d.leaves_from_table > 0, "{what}: the commit reads leaves from the table");
    }
    assert!(d.leaves_from_table as usize <= r.diff.storage_updates(), "{what}");
    let resident = ex.check_residency().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_eq!(resident as u64, d.resident, "{what}");
}

fn outcome(r: &BlockResult) -> (u64, &[Receipt], &StateDiff, Felt, Felt) {
    (r.number, &r.receipts, &r.diff, r.old_root, r.roots.global)
}

fn assert_same(got: &[BlockResult], want: &[BlockResult], what: &str) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(outcome(g), outcome(w), "{what}, block {}", w.number);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2, ..ProptestConfig::default() })]

    #[test]
    fn gpu_waves_give_the_serial_result_on_every_workload(
        accounts in 12usize..40,
        txs in 20usize..60,
        seed in any::<u64>(),
    ) {
        let Some(_) = gpu::context_or_skip("blocks on the GPU") else { return Ok(()) };
        for kind in Kind::ALL {
            let mut g = Generator::new(Spec { seed, ..Spec::new(kind, accounts, txs) });
            let genesis = g.genesis(MAINNET_SEQUENCER);
            let blocks: Vec<Vec<NativeTx>> = (0..3).map(|b| g.block(b)).collect();
            let serial = run(&mut executor(Backend::Scalar, Mode::Serial, 1, None), &genesis, &blocks);
            // Unbounded, and a cache of about 40 entries (evictions every block).
            for cache in [None, Some(40 * RESIDENT_ENTRY_BYTES)] {
                for mode in GPU_MODES {
                    // One thread count: the device path's CPU side is
                    // the same code at any count (the CPU modes are
                    // checked at 1, 2 and 8 in tests/block.rs).
                    let got = run(&mut executor(Backend::Gpu, mode, 2, cache), &genesis, &blocks);
                    assert_same(&got, &serial, &format!("{}: {mode}, cache {cache:?}", kind.name()));
                }
            }
        }
    }
}

#[test]
fn the_resident_set_is_the_hot_set_and_uploads_stay_under_load_limit() {
    let Some(_) = gpu::context_or_skip("residency on the GPU") else { return };
    // Zipf transfers over 400 accounts, about 100 entries hot, 40 cold
    // loads per block at most.
    let spec = Spec { seed: 11, zipf: 1.1, ..Spec::new(Kind::Zipf, 400, 60) };
    let load_limit = 40 * RESIDENT_ENTRY_BYTES;
    let mut g = Generator::new(spec);
    let genesis = g.genesis(MAINNET_SEQUENCER);
    let limits = BlockLimits { max_compute: u64::MAX, max_account_write_compute: u64::MAX, load_limit };
    let config = ExecutorConfig {
        backend: Backend::Gpu,
        mode: Mode::Waves,
        threads: 2,
        cache_size: Some(100 * RESIDENT_ENTRY_BYTES),
        limits,
        ..Default::default()
    };
    let mut ex = BlockExecutor::new(config).expect("a thread pool");
    let mut serial = executor(Backend::Simd, Mode::Serial, 1, None);
    ex.commit_diff(&genesis).unwrap();
    serial.commit_diff(&genesis).unwrap();
    let (mut evictions, mut hits) = (0, 0);
    for n in 0..24 {
        let pool = ex.prepare(&g.block(n)).unwrap();
        let built = ex.build(&pool);
        let block: Vec<Prepared> = built.included.iter().map(|&i| pool[i].clone()).collect();
        let r = ex.execute(&block).expect("the block runs");
        check_device(&ex, &r);
        let d = r.stats.device.unwrap();
        assert!(d.cold_bytes <= load_limit, "block {n}: {} state bytes uploaded over LOAD_LIMIT", d.cold_bytes);
        assert_eq!(d.cold_bytes, built.cold_bytes, "block {n}: the builder's cold bytes are the uploads");
        assert_eq!(d.input_bytes, block.len() as u64 * 136, "block {n}: one job per transaction");
        evictions += d.evictions;
        hits += d.hot_hits;
        let want = serial.execute(&block).unwrap();
        assert_eq!(outcome(&r), outcome(&want), "block {n}");
    }
    assert!(evictions > 0 && hits > 0, "the cache both keeps and evicts ({evictions} evictions, {hits} hits)");
    let residency = ex.residency().expect("the device is in use");
    assert!(residency.len() as u64 <= 100 + 1, "the hot set fits the cache: {}", residency.len());
}

/// A block mixing programs and transactions the device does not run.
enum Mixed {
    Native(Prepared),
    Cell(Cell),
}

impl Transaction for Mixed {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        match self {
            Mixed::Native(p) => p.execute(view),
            Mixed::Cell(c) => c.execute(view),
        }
    }

    fn declared(&self) -> Option<AccessSet> {
        match self {
            Mixed::Native(p) => p.declared(),
            Mixed::Cell(c) => c.declared(),
        }
    }

    fn program(&self) -> Option<Program> {
        match self {
            Mixed::Native(p) => Transaction::program(p),
            Mixed::Cell(_) => None,
        }
    }
}

fn storage(i: u64) -> StateKey {
    StateKey::Storage(ContractAddress::from_u64(0x77), StorageKey::from_u64(i))
}

#[test]
fn transactions_that_are_not_programs_run_on_the_cpu_in_the_same_wave() {
    let Some(_) = gpu::context_or_skip("mixed waves on the GPU") else { return };
    let mut g = Generator::new(Spec { seed: 3, ..Spec::new(Kind::P2p, 20, 30) });
    let genesis = g.genesis(MAINNET_SEQUENCER);
    let natives = g.block(0);
    let balance = |i: usize| {
        let p = NativeTx::Transfer(Transfer {
            token: STRK,
            from: account(i),
            to: account(i),
            amount: U256::ZERO,
            nonce: 0,
            fee: 0,
        })
        .prepare_one();
        Transaction::program(&p).unwrap().keys[1].unwrap()
    };
    for mode in GPU_MODES {
        let mut serial = executor(Backend::Simd, Mode::Serial, 1, None);
        let mut ex = executor(Backend::Gpu, mode, 2, Some(60 * RESIDENT_ENTRY_BYTES));
        serial.commit_diff(&genesis).unwrap();
        ex.commit_diff(&genesis).unwrap();
        let prepared = ex.prepare(&natives).unwrap();
        // Cells chained on each other and on accounts' STRK balances, between the transfers.
        let mut block: Vec<Mixed> = Vec::new();
        for (i, p) in prepared.into_iter().enumerate() {
            block.push(Mixed::Native(p));
            if i % 3 == 0 {
                let read = if i % 2 == 0 { storage(i as u64 / 6) } else { balance(i % 20) };
                block.push(Mixed::Cell(Cell::honest(read, storage(i as u64 / 6 + 1))));
            }
        }
        for _ in 0..2 {
            let r = ex.execute(&block).expect("the block runs");
            check_device(&ex, &r);
            assert!(r.stats.device.unwrap().cpu_transactions > 0, "{mode}: the cells ran on the CPU");
            let want = serial.execute(&block).unwrap();
            assert_eq!(outcome(&r), outcome(&want), "{mode}");
        }
        // A block of cells alone (no job at all), and an empty block.
        let cells: Vec<Mixed> = (0..6u64).map(|i| Mixed::Cell(Cell::honest(storage(i), storage(i + 1)))).collect();
        for block in [cells, Vec::new()] {
            let r = ex.execute(&block).expect("the block runs");
            check_device(&ex, &r);
            assert_eq!(outcome(&r), outcome(&serial.execute(&block).unwrap()), "{mode}: {} cells", block.len());
        }
    }
}

#[test]
fn a_refused_block_leaves_the_device_as_it_was() {
    let Some(_) = gpu::context_or_skip("a refused block on the GPU") else { return };
    let mut g = Generator::new(Spec::new(Kind::P2p, 10, 20));
    let genesis = g.genesis(MAINNET_SEQUENCER);
    let mut ex = executor(Backend::Gpu, Mode::Waves, 2, None);
    ex.commit_diff(&genesis).unwrap();
    ex.execute_native(&g.block(0)).unwrap();
    let (state, root) = (ex.state().clone(), ex.root());
    let honest = |i: u64| Mixed::Cell(Cell::honest(storage(i), storage(i)));
    let liar = Mixed::Cell(Cell::writing(storage(2), storage(3), storage(3)));
    let prepared = ex.prepare(&g.block(1)).unwrap();
    let mut block: Vec<Mixed> = prepared.into_iter().map(Mixed::Native).collect();
    block.extend([honest(1), liar, honest(4)]);
    match ex.execute(&block) {
        Err(BlockError::Schedule { .. }) => {}
        other => panic!("the liar is refused: {other:?}"),
    }
    assert!(ex.state() == &state && ex.root() == root, "the state moved");
    ex.check_residency().expect("the device holds the pre-block values");
}

#[test]
fn the_sequencer_s_readers_get_the_protocol_s_fees_on_the_gpu() {
    let Some(_) = gpu::context_or_skip("fees on the GPU") else { return };
    let n = 10;
    let mut genesis = Generator::new(Spec::new(Kind::P2p, n, 0)).genesis(MAINNET_SEQUENCER);
    let seq = Transaction::program(
        &NativeTx::Transfer(Transfer {
            token: STRK,
            from: MAINNET_SEQUENCER,
            to: MAINNET_SEQUENCER,
            amount: U256::ZERO,
            nonce: 0,
            fee: 0,
        })
        .prepare_one(),
    )
    .unwrap();
    if let StateKey::Storage(_, k) = seq.keys[1].unwrap() {
        genesis.storage.entry(STRK).or_default().insert(k, Felt::from(BALANCE));
    }
    let who = |i: usize| if i == n { MAINNET_SEQUENCER } else { account(i) };
    let mut nonces = vec![0u64; n + 1];
    let mut x = 7u64;
    let blocks: Vec<Vec<NativeTx>> = (0..2)
        .map(|_| {
            (0..40)
                .map(|_| {
                    let mut pick = || {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                        if (x >> 40).is_multiple_of(5) {
                            n
                        } else {
                            ((x >> 20) % n as u64) as usize
                        }
                    };
                    let (from, to) = (pick(), pick());
                    let nonce = nonces[from];
                    nonces[from] += 1;
                    NativeTx::Transfer(Transfer {
                        token: STRK,
                        from: who(from),
                        to: who(to),
                        amount: U256::from(1000u64 + nonce),
                        nonce,
                        fee: 10u128.pow(15) + nonce as u128,
                    })
                })
                .collect()
        })
        .collect();
    let serial = run(&mut executor(Backend::Simd, Mode::Serial, 1, None), &genesis, &blocks);
    for mode in GPU_MODES {
        let got = run(&mut executor(Backend::Gpu, mode, 2, None), &genesis, &blocks);
        assert_same(&got, &serial, &format!("{mode}"));
        assert!(got.iter().all(|r| r.stats.fee_splits > 0), "{mode}: the sequencer's readers split blocks");
    }
}
