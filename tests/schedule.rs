//! Every scheduling mode equals serial execution: random workloads and
//! random mock blocks, thread counts 1, 2 and 8, repeated runs identical;
//! declared waves are conflict-free and cover the block, and the declared
//! conflict graph's longest chain is as long as the waves are many. Heavily contended
//! blocks on many threads (more threads than cores, so that workers are
//! preempted at random points) look for a missed re-validation in
//! Block-STM.

use proptest::prelude::*;
use wavelane::host::exec::{
    execute_serial, AccessSet, BlockOutput, Blocked, ExecError, Receipt, StateView, Transaction, TxOutput,
};
use wavelane::host::schedule::blockstm::{execute_block_stm, BlockStmConfig};
use wavelane::host::schedule::dag::{execute_dag, Graph};
use wavelane::host::schedule::optimistic::{execute_optimistic, CpuWaves};
use wavelane::host::schedule::waves::{declared_sets, execute_waves, plan, Waves};
use wavelane::host::schedule::ScheduleError;
use wavelane::host::state::{ContractAddress, MemState, StateDiff, StateKey, StateRead, StateWriter, StorageKey};
use wavelane::workload::{generate, Kind, Spec};
use wavelane::Felt;

const THREADS: [usize; 3] = [1, 2, 8];

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool")
}

/// No two transactions of a wave conflict, and every transaction is in
/// exactly one wave, after every earlier one it conflicts with.
fn check_waves(sets: &[AccessSet], waves: &Waves) {
    let mut wave_of = vec![usize::MAX; sets.len()];
    for (w, wave) in waves.waves().iter().enumerate() {
        assert!(!wave.is_empty(), "wave {w} is empty");
        for &i in wave {
            assert_eq!(wave_of[i as usize], usize::MAX, "txn {i} in two waves");
            wave_of[i as usize] = w;
        }
    }
    assert!(wave_of.iter().all(|&w| w != usize::MAX), "waves do not cover the block");
    let conflict =
        |a: &AccessSet, b: &AccessSet| a.writes.iter().any(|x| b.covers(x)) || b.writes.iter().any(|x| a.covers(x));
    for j in 0..sets.len() {
        for i in 0..j {
            if conflict(&sets[i], &sets[j]) {
                assert!(wave_of[i] < wave_of[j], "txn {j} not after conflicting txn {i}");
            }
        }
    }
}

/// Runs every mode on every thread count (twice each) and compares with serial.
fn all_modes_equal_serial<T: Transaction, S: StateRead>(state: &S, block: &[T], segment: usize) {
    let serial = execute_serial(state, block);
    assert_eq!(serial.receipts.len(), block.len());
    let sets = declared_sets(block).ok();
    let waves = sets.as_ref().map(plan);
    if let (Some(sets), Some(waves)) = (&sets, &waves) {
        check_waves(sets, waves);
        assert_eq!(Graph::build(sets).depth(), waves.len(), "the longest chain of the graph is the wave count");
    }
    for threads in THREADS {
        pool(threads).install(|| {
            let mut seen: Option<BlockOutput> = None;
            for _ in 0..2 {
                if let (Some(sets), Some(waves)) = (&sets, &waves) {
                    let w = execute_waves(state, block, sets, waves).expect("declared sets hold");
                    assert_eq!(w, serial, "declared waves, {threads} threads");
                    let d = execute_dag(state, block, sets).expect("declared sets hold");
                    assert_eq!(d, serial, "declared graph, {threads} threads");
                }
                let (b, _) = execute_block_stm(state, block, &BlockStmConfig { segment });
                assert_eq!(b, serial, "Block-STM, {threads} threads, segment {segment}");
                let (o, stats) = execute_optimistic(state, block, &CpuWaves);
                assert_eq!(o, serial, "optimistic waves, {threads} threads");
                assert!(stats.executions >= block.len() as u64);
                if let Some(prev) = &seen {
                    assert_eq!(prev, &b, "repeated runs differ");
                }
                seen = Some(b);
            }
        });
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop::sample::select(Kind::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn workloads_equal_serial(
        kind in kind(),
        accounts in prop::sample::select(vec![1usize, 2, 3, 10, 100]),
        pools in 1usize..4,
        txs in 0usize..250,
        seed in any::<u64>(),
        segment in prop::sample::select(vec![7usize, 64, 1 << 14]),
    ) {
        let w = generate(&Spec { pools, seed, ..Spec::new(kind, accounts, txs) });
        all_modes_equal_serial(&w.state, &w.block, segment);
    }

    #[test]
    fn mock_blocks_equal_serial(
        block in prop::collection::vec(mock_tx(), 0..120),
        segment in prop::sample::select(vec![5usize, 1 << 14]),
    ) {
        all_modes_equal_serial(&mock_state(), &block, segment);
    }

    #[test]
    fn contended_mock_blocks_equal_serial_on_many_threads(
        block in prop::collection::vec(mock_tx_over(3), 0..160),
        segment in prop::sample::select(vec![6usize, 1 << 14]),
    ) {
        block_stm_equals_serial_on(&mock_state(), &block, segment, &[3, 16], 3);
    }
}

/// Block-STM `runs` times on each thread count equals serial execution.
fn block_stm_equals_serial_on<T: Transaction, S: StateRead>(
    state: &S,
    block: &[T],
    segment: usize,
    threads: &[usize],
    runs: usize,
) {
    let serial = execute_serial(state, block);
    for &t in threads {
        pool(t).install(|| {
            for run in 0..runs {
                let (b, stats) = execute_block_stm(state, block, &BlockStmConfig { segment });
                assert_eq!(b, serial, "Block-STM, {t} threads, segment {segment}, run {run}");
                assert!(stats.validations >= block.len() as u64, "each transaction is validated: {stats:?}");
            }
        });
    }
}

#[test]
fn contended_workloads_equal_serial_on_many_threads() {
    for (kind, accounts) in [(Kind::P2p, 2), (Kind::P2p, 10), (Kind::Zipf, 50), (Kind::Swaps, 20)] {
        for seed in 0..3 {
            let w = generate(&Spec { pools: 1, seed, ..Spec::new(kind, accounts, 400) });
            block_stm_equals_serial_on(&w.state, &w.block, 1 << 14, &[4, 16], 2);
        }
    }
}

#[test]
fn declared_graph_equals_serial_on_many_threads() {
    for (kind, accounts) in [(Kind::P2p, 10), (Kind::Zipf, 50), (Kind::Swaps, 20), (Kind::P2p, 1000)] {
        for seed in 0..3 {
            let w = generate(&Spec { pools: 2, seed, ..Spec::new(kind, accounts, 400) });
            let serial = execute_serial(&w.state, &w.block);
            let sets = declared_sets(&w.block).unwrap();
            for threads in [4, 16] {
                for run in 0..2 {
                    let d = pool(threads).install(|| execute_dag(&w.state, &w.block, &sets)).unwrap();
                    assert_eq!(d, serial, "{kind:?}, seed {seed}, {threads} threads, run {run}");
                }
            }
        }
    }
}

const KEYS: u64 = 12;

/// Mock key `k`: a storage cell, a nonce or a class hash by `k % 3`, so
/// that every kind of state key goes through the schedulers.
fn key(k: u64) -> StateKey {
    let contract = ContractAddress::from_u64(0x1000 + k);
    match k % 3 {
        0 => StateKey::Storage(ContractAddress::from_u64(0xabc), StorageKey::from_u64(1000 + k)),
        1 => StateKey::Nonce(contract),
        _ => StateKey::ClassHash(contract),
    }
}

/// A value read by a mock transaction (every value it writes fits 128 bits).
fn small(v: Felt) -> u128 {
    u128::try_from(v).expect("mock values fit 128 bits")
}

/// Half of the keys set, the others absent.
fn mock_state() -> MemState {
    let mut diff = StateDiff::default();
    for k in 1..KEYS / 2 {
        let v = Felt::from(k * 7);
        match key(k) {
            StateKey::Storage(a, s) => {
                diff.storage.entry(a).or_default().insert(s, v);
            }
            StateKey::Nonce(a) => {
                diff.nonces.insert(a, v);
            }
            StateKey::ClassHash(a) => {
                diff.deployed.insert(a, v);
            }
        }
    }
    let mut state = MemState::new();
    state.apply_diff(&diff).expect("memory writes never fail");
    for k in 1..KEYS / 2 {
        assert_eq!(state.get(&key(k)), Felt::from(k * 7), "{}", key(k));
    }
    state
}

/// A transaction whose write set depends on the values it reads: when the
/// sum of what it read is even it writes `writes_even`, otherwise
/// `writes_odd`, so a re-execution after a conflict writes elsewhere. When
/// the sum is a multiple of 5 it fails and writes nothing. It spins for
/// `id % 64` rounds between reads, so executions overlap unevenly.
#[derive(Clone, Debug)]
struct MockTx {
    id: u64,
    reads: Vec<StateKey>,
    writes_even: Vec<StateKey>,
    writes_odd: Vec<StateKey>,
}

fn mock_tx() -> impl Strategy<Value = MockTx> {
    mock_tx_over(KEYS)
}

/// A mock transaction over the first `keys` keys.
fn mock_tx_over(keys: u64) -> impl Strategy<Value = MockTx> {
    let set = move || prop::collection::btree_set(0..keys, 0..4);
    (any::<u64>(), set(), set(), set()).prop_map(|(id, r, e, o)| MockTx {
        id,
        reads: r.into_iter().map(key).collect(),
        writes_even: e.into_iter().map(key).collect(),
        writes_odd: o.into_iter().map(key).collect(),
    })
}

impl Transaction for MockTx {
    fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
        let mut sum: u128 = self.id as u128 % 1000;
        for a in &self.reads {
            sum += small(view.read(a)?);
            for i in 0..self.id % 64 {
                std::hint::black_box(i);
            }
        }
        let hash = Felt::from(sum);
        if sum.is_multiple_of(5) {
            let status = Err(ExecError::Program(format!("sum {sum}")));
            return Ok(TxOutput { writes: Vec::new(), receipt: Receipt { hash, fee: 0, status } });
        }
        let targets = if sum.is_multiple_of(2) { &self.writes_even } else { &self.writes_odd };
        let writes = targets
            .iter()
            .map(|a| (*a, Felt::from((sum * 31 + self.id as u128 % 97 + small(a.address().felt())) % 1_000_003)))
            .collect();
        Ok(TxOutput { writes, receipt: Receipt { hash, fee: 1, status: Ok(()) } })
    }

    fn declared(&self) -> Option<AccessSet> {
        let mut writes = self.writes_even.clone();
        writes.extend(self.writes_odd.iter().filter(|a| !self.writes_even.contains(a)));
        let reads = self.reads.iter().filter(|a| !writes.contains(a)).copied().collect();
        Some(AccessSet { reads, writes })
    }
}

#[test]
fn fully_contended_and_chain_blocks_equal_serial() {
    for (kind, accounts) in [(Kind::P2p, 2), (Kind::Chain, 0), (Kind::Swaps, 50)] {
        let w = generate(&Spec { pools: 1, seed: 7, ..Spec::new(kind, accounts, 600) });
        all_modes_equal_serial(&w.state, &w.block, 1 << 14);
    }
}

#[test]
fn chain_takes_one_declared_wave_per_transaction_and_two_optimistic_waves() {
    let w = generate(&Spec { pools: 1, ..Spec::new(Kind::Chain, 0, 50) });
    let sets = declared_sets(&w.block).unwrap();
    assert_eq!(plan(&sets).len(), 50);
    let (_, stats) = execute_optimistic(&w.state, &w.block, &CpuWaves);
    // Wave 0 runs all 50 against the pre-block state; transaction 0 is then
    // final, and every later one read a stale balance. The next wave holds
    // all 49 (1 is invalidated, the others are its transitive dependents)
    // and runs each on its predecessor's wave-0 credit, which is final.
    assert_eq!((stats.executions, stats.waves, stats.speculative), (50 + 49, 2, 48), "{stats:?}");
}

#[test]
fn fully_contended_optimistic_waves_waste_little() {
    let w = generate(&Spec { pools: 1, seed: 3, ..Spec::new(Kind::P2p, 2, 300) });
    let (out, stats) = execute_optimistic(&w.state, &w.block, &CpuWaves);
    assert_eq!(out, execute_serial(&w.state, &w.block));
    // Every transaction depends on the one before it, through a balance
    // its dependency reads and writes: a bet on it would be lost, and each
    // transaction loses at most one, so executions stay linear (running
    // every dependent in every wave would cost about 300 * 300 / 2).
    assert!(stats.lost_bets <= 300 && stats.executions <= 3 * 300, "{stats:?}");
}

#[test]
fn lost_bets_are_undone_and_the_result_is_serial() {
    let mut lost = 0;
    for (kind, accounts, pools) in [(Kind::Swaps, 40, 2), (Kind::Zipf, 100, 1), (Kind::P2p, 100, 1)] {
        for seed in 0..4 {
            let w = generate(&Spec { pools, seed, ..Spec::new(kind, accounts, 800) });
            let serial = execute_serial(&w.state, &w.block);
            for threads in [1, 4] {
                let (out, stats) = pool(threads).install(|| execute_optimistic(&w.state, &w.block, &CpuWaves));
                assert_eq!(out, serial, "{kind:?}, seed {seed}, {threads} threads");
                assert!(stats.lost_bets <= stats.speculative && stats.lost_bets <= 800, "{stats:?}");
                lost += stats.lost_bets;
            }
        }
    }
    assert!(lost > 0, "some bets are lost (and undone) in these blocks");
}

#[test]
fn independent_transfers_fit_one_wave() {
    let w = generate(&Spec { pools: 1, ..Spec::new(Kind::Chain, 0, 2) });
    // 0→1 then 1→2 conflict; 0→1 and 5→6 do not.
    let sets = declared_sets(&w.block).unwrap();
    assert_eq!(plan(&sets).len(), 2);
    let a = key;
    let free = [
        AccessSet { reads: vec![], writes: vec![a(1), a(2)] },
        AccessSet { reads: vec![a(9)], writes: vec![a(3)] },
        AccessSet { reads: vec![a(9)], writes: vec![a(4)] },
    ];
    assert_eq!(plan(&free).waves(), &[vec![0, 1, 2]]);
    assert_eq!(Graph::build(&free).edges(), 0);
    let read_then_write = [
        AccessSet { reads: vec![a(9)], writes: vec![] },
        AccessSet { reads: vec![], writes: vec![a(9)] },
        AccessSet { reads: vec![a(9)], writes: vec![] },
    ];
    assert_eq!(plan(&read_then_write).waves(), &[vec![0], vec![1], vec![2]]);
    let g = Graph::build(&read_then_write);
    assert_eq!((g.edges(), g.successors(0), g.successors(1)), (2, &[1][..], &[2][..]));
    // The second writer waits for the first (write-write) and for both
    // readers between them (read-write), not for anyone earlier.
    let readers = [
        AccessSet { reads: vec![], writes: vec![a(9)] },
        AccessSet { reads: vec![a(9)], writes: vec![] },
        AccessSet { reads: vec![a(9)], writes: vec![] },
        AccessSet { reads: vec![], writes: vec![a(9)] },
        AccessSet { reads: vec![], writes: vec![a(9)] },
    ];
    let g = Graph::build(&readers);
    assert_eq!(g.successors(0), &[1, 2, 3]);
    assert_eq!((g.successors(1), g.successors(2), g.successors(3)), (&[3][..], &[3][..], &[4][..]));
    assert_eq!((g.edges(), g.depth()), (6, 4));
}

#[test]
fn undeclared_access_is_an_error() {
    let tx = MockTx { id: 1, reads: vec![key(1)], writes_even: vec![key(2)], writes_odd: vec![key(2)] };
    struct Lying(MockTx);
    impl Transaction for Lying {
        fn execute<V: StateView + ?Sized>(&self, view: &mut V) -> Result<TxOutput, Blocked> {
            self.0.execute(view)
        }
        fn declared(&self) -> Option<AccessSet> {
            Some(AccessSet { reads: vec![], writes: vec![key(2)] })
        }
    }
    let block = [Lying(tx)];
    let sets = declared_sets(&block).unwrap();
    let err = execute_waves(&MemState::new(), &block, &sets, &plan(&sets)).unwrap_err();
    assert_eq!(err, ScheduleError::Undeclared { txn: 0, key: key(1) });
    let err = execute_dag(&MemState::new(), &block, &sets).unwrap_err();
    assert_eq!(err, ScheduleError::Undeclared { txn: 0, key: key(1) });
}
