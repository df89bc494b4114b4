//! The block executor: every mode, backend and thread count gives the
//! serial result (receipts, diff, roots) on random chained blocks of every
//! workload; the roots equal a from-scratch recomputation on
//! starknet-crypto; transactions that read the sequencer's balance get the
//! protocol's fees; bad transactions get the receipts the rules say and
//! change nothing else; a refused block changes nothing.

#[path = "support/cell.rs"]
mod cell;
#[path = "support/reference.rs"]
mod reference;

use cell::Cell;
use proptest::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reference::RefState;
use wavelane::host::block::{BlockError, BlockExecutor, BlockResult, ExecutorConfig, Mode, MAINNET_SEQUENCER};
use wavelane::host::exec::{ExecError, NativeTx, Receipt, Transaction, Transfer, BALANCES_BASE, STRK, U256};
use wavelane::host::schedule::ScheduleError;
use wavelane::host::state::{ContractAddress, StarknetVersion, StateDiff, StateKey, StorageKey};
use wavelane::kernels::{gpu, Backend};
use wavelane::workload::{account, Generator, Kind, Spec, BALANCE};
use wavelane::Felt;

const THREADS: [usize; 3] = [1, 2, 8];

fn executor(backend: Backend, mode: Mode, threads: usize) -> BlockExecutor {
    let config = ExecutorConfig { backend, mode, threads, version: StarknetVersion::V0_14_0, ..Default::default() };
    BlockExecutor::new(config).expect("a thread pool")
}

/// A genesis and its blocks, run from the empty state.
struct Chain {
    genesis: StateDiff,
    blocks: Vec<Vec<NativeTx>>,
}

impl Chain {
    fn of(spec: Spec, blocks: u64) -> Chain {
        let mut g = Generator::new(spec);
        let genesis = g.genesis(MAINNET_SEQUENCER);
        Chain { genesis, blocks: (0..blocks).map(|b| g.block(b)).collect() }
    }

    fn run(&self, backend: Backend, mode: Mode, threads: usize) -> Vec<BlockResult> {
        let mut ex = executor(backend, mode, threads);
        ex.commit_diff(&self.genesis).expect("the genesis commits");
        self.blocks.iter().map(|b| ex.execute_native(b).expect("a native block executes")).collect()
    }
}

/// A block's number, receipts, diff, old root and new roots (contracts,
/// classes, global).
type Outcome<'a> = (u64, &'a [Receipt], &'a StateDiff, Felt, (Felt, Felt, Felt));

/// What must equal the serial run: everything but the costs.
fn outcome(r: &BlockResult) -> Outcome<'_> {
    (r.number, &r.receipts, &r.diff, r.old_root, (r.roots.contracts, r.roots.classes, r.roots.global))
}

fn assert_same(got: &[BlockResult], want: &[BlockResult], what: &str) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(outcome(g), outcome(w), "{what}, block {}", w.number);
    }
}

/// Every mode on `backend` at every thread count equals `serial`.
fn every_mode_equals(chain: &Chain, backend: Backend, serial: &[BlockResult], what: &str) {
    for mode in Mode::ALL {
        for threads in THREADS {
            let got = chain.run(backend, mode, threads);
            assert_same(&got, serial, &format!("{what}: {mode} on {backend}, {threads} threads"));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3, ..ProptestConfig::default() })]

    #[test]
    fn every_mode_backend_and_thread_count_gives_the_serial_result(
        accounts in 20usize..60,
        txs in 40usize..150,
        blocks in 2u64..4,
        seed in any::<u64>(),
    ) {
        for kind in Kind::ALL {
            let chain = Chain::of(Spec { seed, ..Spec::new(kind, accounts, txs) }, blocks);
            let serial = chain.run(Backend::Scalar, Mode::Serial, 1);
            let failed: usize = serial.iter().map(|r| r.stats.failed).sum();
            prop_assert!(serial.iter().all(|r| r.stats.transactions == txs));
            prop_assert!(kind == Kind::Chain || failed < blocks as usize * txs, "{kind:?}: not everything fails");
            for backend in [Backend::Scalar, Backend::Simd] {
                every_mode_equals(&chain, backend, &serial, kind.name());
            }
        }
    }
}

#[test]
fn the_gpu_gives_the_serial_result() {
    let Some(_) = gpu::context_or_skip("block executor on the GPU") else { return };
    // Lavapipe builds the pipelines once per process (most of this test's
    // time); the blocks themselves are small.
    let chain = Chain::of(Spec { seed: 5, ..Spec::new(Kind::Hot, 16, 40) }, 2);
    let serial = chain.run(Backend::Scalar, Mode::Serial, 1);
    every_mode_equals(&chain, Backend::Gpu, &serial, "hot");
    let got = chain.run(Backend::Gpu, Mode::BlockStm, 2);
    let stats = &got[1].stats;
    assert!(stats.bytes_up > 0 && stats.commit_backend == Some(Backend::Gpu), "the GPU ran: {stats:?}");
}

#[test]
fn roots_equal_a_from_scratch_recomputation_of_the_whole_state() {
    for (kind, backend, mode) in
        [(Kind::Erc20, Backend::Simd, Mode::BlockStm), (Kind::Swaps, Backend::Scalar, Mode::Optimistic)]
    {
        let chain = Chain::of(Spec { seed: 11, ..Spec::new(kind, 30, 120) }, 3);
        let mut ex = executor(backend, mode, 2);
        let mut model = RefState::default();
        let (roots, _) = ex.commit_diff(&chain.genesis).unwrap();
        model.apply(&chain.genesis);
        assert_eq!((roots.contracts, roots.classes, roots.global), model.root(true), "{kind:?} genesis");
        for b in &chain.blocks {
            let r = ex.execute_native(b).unwrap();
            assert!(r.diff.storage_updates() > 0);
            model.apply(&r.diff);
            assert_eq!(outcome(&r).4, model.root(true), "{kind:?} block {}", r.number);
            assert_eq!(ex.root(), r.new_root());
        }
    }
}

/// The low balance cell of `a`, from starknet-crypto.
fn cell(a: ContractAddress) -> StorageKey {
    StorageKey::new(starknet_crypto::pedersen_hash(&BALANCES_BASE, &a.felt())).expect("below 2^251")
}

fn high(k: StorageKey) -> StorageKey {
    StorageKey::new(k.felt() + Felt::ONE).expect("below 2^251")
}

#[test]
fn transactions_that_read_the_sequencer_s_balance_get_the_protocol_s_fees() {
    let n = 12;
    let spec = Spec::new(Kind::P2p, n, 0);
    let mut genesis = Generator::new(spec).genesis(MAINNET_SEQUENCER);
    genesis.storage.entry(STRK).or_default().insert(cell(MAINNET_SEQUENCER), Felt::from(BALANCE));
    // The sequencer is party to a fifth of the transfers, as sender or
    // recipient: each reads its balance with the fees so far due.
    let mut rng = StdRng::seed_from_u64(3);
    let who = |i: usize| if i == n { MAINNET_SEQUENCER } else { account(i) };
    let mut nonces = vec![0u64; n + 1];
    let blocks: Vec<Vec<NativeTx>> = (0..3)
        .map(|_| {
            (0..60)
                .map(|_| {
                    let pick = |rng: &mut StdRng| if rng.random_bool(0.2) { n } else { rng.random_range(0..n) };
                    let (from, to) = (pick(&mut rng), pick(&mut rng));
                    let amount = U256::from(rng.random_range(1..BALANCE / 20));
                    let fee = rng.random_range(10u128.pow(15)..10u128.pow(17));
                    let nonce = nonces[from];
                    nonces[from] += 1;
                    NativeTx::Transfer(Transfer { token: STRK, from: who(from), to: who(to), amount, nonce, fee })
                })
                .collect()
        })
        .collect();
    let chain = Chain { genesis, blocks };
    let serial = chain.run(Backend::Simd, Mode::Serial, 1);
    let sequencer_sent = chain.blocks.iter().flatten().filter(|t| t.sender() == MAINNET_SEQUENCER).count();
    assert!(sequencer_sent > 5, "the sequencer sends");
    for mode in Mode::ALL {
        for threads in THREADS {
            let got = chain.run(Backend::Simd, mode, threads);
            assert_same(&got, &serial, &format!("{mode}, {threads} threads"));
            if mode != Mode::Serial {
                assert!(got.iter().all(|r| r.stats.fee_splits > 0), "{mode}: the sequencer's readers split blocks");
            }
        }
    }
}

#[test]
fn bad_transactions_get_their_receipts_and_change_nothing_else() {
    let spec = Spec::new(Kind::P2p, 8, 0);
    let mut genesis = Generator::new(spec).genesis(MAINNET_SEQUENCER);
    // Account 7 holds 2^256 - 2: one more than 1 overflows it.
    genesis.storage.entry(STRK).or_default().insert(cell(account(7)), Felt::from(u128::MAX - 1));
    genesis.storage.entry(STRK).or_default().insert(high(cell(account(7))), Felt::from(u128::MAX));
    let t = |from: usize, to: usize, amount: u128, nonce: u64, fee: u128| {
        NativeTx::Transfer(Transfer {
            token: STRK,
            from: account(from),
            to: account(to),
            amount: U256::from(amount),
            nonce,
            fee,
        })
    };
    let block = vec![
        t(0, 1, 1000, 0, 10),          // fine
        t(2, 1, 1000, 1, 10),          // wrong nonce: nothing
        t(3, 1, 1000, 0, BALANCE + 1), // cannot pay the fee: nothing
        t(4, 1, BALANCE, 0, 10),       // overdraws: fee and nonce
        t(5, 7, 2, 0, 10),             // overflows the recipient: fee and nonce
        t(6, 1, 1000, 0, 10),          // fine
    ];
    let chain = Chain { genesis, blocks: vec![block] };
    let serial = chain.run(Backend::Simd, Mode::Serial, 1);
    let r = &serial[0];
    let status: Vec<_> = r.receipts.iter().map(|r| (r.fee, r.status.clone())).collect();
    let b = U256::from(BALANCE);
    assert_eq!(
        status,
        [
            (10, Ok(())),
            (0, Err(ExecError::BadNonce { account: account(2), expected: Felt::ZERO, got: 1 })),
            (0, Err(ExecError::InsufficientBalance { account: account(3), need: U256::from(BALANCE + 1), have: b })),
            (10, Err(ExecError::InsufficientBalance { account: account(4), need: b, have: U256::from(BALANCE - 10) })),
            (10, Err(ExecError::Overflow { account: account(7) })),
            (10, Ok(())),
        ]
    );
    assert_eq!(r.stats.failed, 4);
    // The diff, cell by cell: the two transfers, the nonces and fees of
    // the four that paid, the sequencer's 40.
    let mut want = StateDiff::default();
    let strk = want.storage.entry(STRK).or_default();
    for (a, v) in [(0, BALANCE - 1010), (1, BALANCE + 2000), (4, BALANCE - 10), (5, BALANCE - 10), (6, BALANCE - 1010)]
    {
        strk.insert(cell(account(a)), Felt::from(v));
    }
    strk.insert(cell(MAINNET_SEQUENCER), Felt::from(40u64));
    for a in [0, 4, 5, 6] {
        want.nonces.insert(account(a), Felt::ONE);
    }
    assert_eq!(r.diff, want);
    for mode in Mode::ALL {
        for threads in [1, 2] {
            assert_same(&chain.run(Backend::Simd, mode, threads), &serial, &format!("{mode}, {threads} threads"));
        }
    }
}

#[test]
fn a_refused_block_changes_nothing() {
    let chain = Chain::of(Spec::new(Kind::P2p, 10, 30), 1);
    let k = |i: u64| StateKey::Storage(ContractAddress::from_u64(0x77), StorageKey::from_u64(i));
    let honest = |i: u64| Cell::writing(k(i), k(i), k(i));
    let liar = || Cell::writing(k(2), k(3), k(3));
    for mode in [Mode::Waves, Mode::Dag] {
        let mut ex = executor(Backend::Simd, mode, 2);
        ex.commit_diff(&chain.genesis).unwrap();
        let first = ex.execute_native(&chain.blocks[0]).unwrap();
        let (state, root, next) = (ex.state().clone(), ex.root(), ex.next_block());
        let err = ex.execute(&[honest(1), liar(), honest(4)]).unwrap_err();
        match err {
            BlockError::Schedule { block, source } => {
                assert_eq!((block, source), (2, ScheduleError::Undeclared { txn: 1, key: k(2) }), "{mode}");
            }
            other => panic!("{mode}: {other}"),
        }
        assert!(ex.state() == &state && ex.root() == root && ex.next_block() == next, "{mode}: the state moved");
        assert_eq!(root, first.new_root());
        // The next block runs as if the refused one had never come.
        let r = ex.execute(&[honest(1), honest(2), honest(1)]).unwrap();
        assert_eq!(r.diff.storage[&ContractAddress::from_u64(0x77)].len(), 2);
        let mut fresh = executor(Backend::Simd, Mode::Serial, 1);
        fresh.commit_diff(&chain.genesis).unwrap();
        fresh.execute_native(&chain.blocks[0]).unwrap();
        let want = fresh.execute(&[honest(1), honest(2), honest(1)]).unwrap();
        assert_eq!(outcome(&r), outcome(&want), "{mode}");
    }
}

#[test]
fn the_cold_lru_counts_each_touched_key_once_and_keeps_the_hot_set() {
    let chain = Chain::of(Spec::new(Kind::P2p, 30, 60), 1);
    let block = &chain.blocks[0];
    let distinct = {
        let mut keys: Vec<StateKey> = Vec::new();
        for tx in block {
            let set = tx.declared().expect("native transactions declare their keys");
            keys.extend(set.writes.into_iter().chain(set.reads));
        }
        keys.sort_unstable();
        keys.dedup();
        keys.len() as u64
    };
    for (cache, hot_again) in [(1u64 << 30, true), (96, false)] {
        let config = ExecutorConfig { cache_size: Some(cache), threads: 1, ..Default::default() };
        let mut ex = BlockExecutor::new(config).expect("a thread pool");
        ex.commit_diff(&chain.genesis).expect("the genesis commits");
        let first = ex.execute_native(block).expect("the block runs");
        assert_eq!((first.stats.cold_loads, first.stats.hot_hits), (distinct, 0), "everything starts cold");
        assert_eq!(first.stats.cold_bytes, distinct * wavelane::host::block::ENTRY_BYTES);
        // The same keys again (the nonces are now wrong, the sets are not).
        let again = ex.execute_native(block).expect("the block runs");
        assert_eq!(again.stats.cold_loads + again.stats.hot_hits, distinct);
        if hot_again {
            assert_eq!(again.stats.hot_hits, distinct, "a cache of 1 GiB keeps the block's keys hot");
        } else {
            assert!(again.stats.cold_loads > distinct / 2, "a cache of one entry keeps almost nothing hot");
        }
    }
}
