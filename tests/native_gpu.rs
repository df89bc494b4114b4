//! The native programs' GPU kernel against the host's programs: random
//! transfers (in STRK and in other tokens, to others and to the sender)
//! and swaps (both directions, a trader that is the pool) over random
//! state (128-bit halves, halves near and past 2^128, right and wrong
//! nonces, fees that cannot be paid, empty and huge reserves, amounts that
//! overflow, minimums too high) run on the device in place and recorded,
//! with inputs from the table and from history. For every job the status,
//! its detail, the fee, the roles read and the roles written with their
//! values equal what `Prepared::execute` does over a map of the same
//! values. The resident table's writes, reads, growth and copies from
//! history, and the bytes each moves, are checked too. Batches stay small:
//! lavapipe runs the shader on the CPU.
#![cfg(feature = "gpu")]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;
use wavelane::host::exec::{
    balance_key, balance_keys, Blocked, ContractAddress, Direction, ExecError, NativeTx, StateKey, StateView, Swap,
    Transaction, Transfer, TxOutput, ETH, RESERVE0, RESERVE1, STRK, U256,
};
use wavelane::kernels::field::Fe;
use wavelane::kernels::gpu::{self, Traffic};
use wavelane::kernels::native::{
    code, flag, kind, role, run_jobs, DeviceTable, Job, JobMode, JobReceipt, JobRun, FROM_HISTORY, NO_SLOT, SLOTS,
};
use wavelane::Felt;

/// The byte counts are process-wide: one test at a time moves bytes.
static GPU: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    GPU.lock().unwrap_or_else(|e| e.into_inner())
}

/// Bytes moved since `before`: (up, down).
fn moved(before: Traffic) -> (u64, u64) {
    let now = gpu::traffic();
    (now.uploaded - before.uploaded, now.downloaded - before.downloaded)
}

fn words_u256(v: U256) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (k, half) in [v.lo, v.hi].into_iter().enumerate() {
        for i in 0..4 {
            w[4 * k + i] = (half >> (32 * i)) as u32;
        }
    }
    w
}

fn words_fe(f: Fe) -> [u32; 8] {
    let mut w = [0u32; 8];
    for (i, limb) in f.0.into_iter().enumerate() {
        w[2 * i] = limb as u32;
        w[2 * i + 1] = (limb >> 32) as u32;
    }
    w
}

/// One transaction, its roles' state keys and the values they hold.
#[derive(Clone)]
struct Case {
    tx: NativeTx,
    keys: [Option<StateKey>; SLOTS],
    values: [Felt; SLOTS],
}

impl Case {
    fn new(tx: NativeTx) -> Case {
        let mut keys = [None; SLOTS];
        let sender = tx.sender();
        let own = balance_key(sender);
        let mut put = |lo: usize, cells: [StateKey; 2]| {
            keys[lo] = Some(cells[0]);
            keys[lo + 1] = Some(cells[1]);
        };
        put(role::STRK_LO, balance_keys(STRK, own));
        match &tx {
            NativeTx::Transfer(t) => {
                if t.token != STRK {
                    put(role::SRC_LO, balance_keys(t.token, own));
                }
                if t.to != t.from {
                    put(role::DST_LO, balance_keys(t.token, balance_key(t.to)));
                }
            }
            NativeTx::Swap(s) => {
                put(role::ETH_LO, balance_keys(ETH, own));
                put(role::R0_LO, balance_keys(s.pool, RESERVE0));
                put(role::R1_LO, balance_keys(s.pool, RESERVE1));
            }
        }
        keys[role::NONCE] = Some(StateKey::Nonce(sender));
        Case { tx, keys, values: [Felt::ZERO; SLOTS] }
    }

    fn role_of(&self, key: &StateKey) -> usize {
        self.keys.iter().position(|k| k.as_ref() == Some(key)).unwrap_or_else(|| panic!("{key} has no role"))
    }

    /// The job, its roles at `slot(j)`.
    fn job(&self, mut slot: impl FnMut(usize) -> u32) -> Job {
        let mut job = Job { src: [NO_SLOT; SLOTS], ..Job::default() };
        for j in 0..SLOTS {
            if self.keys[j].is_some() {
                job.src[j] = slot(j);
            }
        }
        let nonce = self.tx.nonce();
        job.nonce = [nonce as u32, (nonce >> 32) as u32];
        let fee = words_u256(U256::from(self.tx.fee()));
        job.fee.copy_from_slice(&fee[..4]);
        match &self.tx {
            NativeTx::Transfer(t) => {
                job.kind = kind::TRANSFER;
                if t.token == STRK {
                    job.flags |= flag::TOKEN_IS_STRK;
                }
                if t.to == t.from {
                    job.flags |= flag::SELF_TRANSFER;
                }
                job.amount = words_u256(t.amount);
            }
            NativeTx::Swap(s) => {
                job.kind = kind::SWAP;
                if s.direction == Direction::BToA {
                    job.flags |= flag::B_TO_A;
                }
                if s.user == s.pool {
                    job.flags |= flag::USER_IS_POOL;
                }
                job.amount = words_u256(s.amount_in);
                job.min_out = words_u256(s.min_out);
            }
        }
        job
    }
}

/// A view over a case's values that records the keys read.
struct MapView<'a> {
    values: HashMap<StateKey, Felt>,
    reads: &'a mut Vec<StateKey>,
}

impl StateView for MapView<'_> {
    fn read(&mut self, key: &StateKey) -> Result<Felt, Blocked> {
        self.reads.push(*key);
        Ok(*self.values.get(key).unwrap_or_else(|| panic!("the program read {key}, which has no role")))
    }
}

/// What the host's program did, in the kernel's terms.
#[derive(Debug)]
struct Want {
    code: u32,
    /// The role a `*_BAD_CELL` names.
    which: Option<u32>,
    /// The detail, for the codes that have one.
    detail: Option<[u32; 8]>,
    fee: u128,
    /// Bits 16 + j: roles read.
    reads: u32,
    /// The roles written, with their values.
    writes: Vec<(usize, Fe)>,
}

fn expect(case: &Case) -> Want {
    let values = case.keys.iter().zip(&case.values).filter_map(|(k, v)| k.map(|k| (k, *v))).collect();
    let mut reads = Vec::new();
    let out: TxOutput =
        case.tx.prepare_one().execute(&mut MapView { values, reads: &mut reads }).expect("a map never blocks");
    let charged = !out.writes.is_empty();
    let (code, which, detail) = match &out.receipt.status {
        Ok(()) => (code::OK, None, None),
        Err(ExecError::BadNonce { expected, got, .. }) => {
            assert_eq!(*got, case.tx.nonce());
            (code::BAD_NONCE, None, Some(words_fe(Fe::from_felt(expected))))
        }
        Err(ExecError::InsufficientBalance { have, .. }) => {
            (if charged { code::INSUFFICIENT } else { code::FEE_UNPAID }, None, Some(words_u256(*have)))
        }
        Err(ExecError::BadCell { key }) => {
            (if charged { code::BAD_CELL } else { code::FEE_BAD_CELL }, Some(case.role_of(key) as u32), None)
        }
        Err(ExecError::Overflow { account }) => {
            let want = match &case.tx {
                NativeTx::Transfer(t) => t.to,
                NativeTx::Swap(s) => s.pool,
            };
            assert_eq!(*account, want, "the account that overflows");
            (code::OVERFLOW, None, None)
        }
        Err(ExecError::Slippage { out, .. }) => (code::SLIPPAGE, None, Some(words_u256(*out))),
        Err(ExecError::Program(_)) => (code::SELF_SWAP, None, None),
    };
    let reads = reads.iter().fold(0, |m, k| m | 1 << (16 + case.role_of(k)));
    let mut writes: Vec<(usize, Fe)> = out.writes.iter().map(|(k, v)| (case.role_of(k), Fe::from_felt(v))).collect();
    writes.sort_by_key(|w| w.0);
    Want { code, which, detail, fee: out.receipt.fee, reads, writes }
}

/// Checks one receipt (and the values the job wrote, by role) against the
/// host's.
fn check(what: &str, i: usize, case: &Case, want: &Want, got: &JobReceipt, written: &[Fe; SLOTS]) {
    let ctx = || format!("{what}: job {i} ({:?}), want {want:?}, got {got:?}", case.tx);
    assert_eq!(got.code, want.code, "code: {}", ctx());
    let fee = if (1..=3).contains(&got.code) { 0 } else { case.tx.fee() };
    assert_eq!(fee, want.fee, "fee: {}", ctx());
    if let Some(which) = want.which {
        assert_eq!(got.which, which, "which: {}", ctx());
    }
    if let Some(detail) = want.detail {
        assert_eq!(got.detail, detail, "detail: {}", ctx());
    }
    assert_eq!(got.mask & 0xffff_0000, want.reads, "read mask: {}", ctx());
    let wrote = want.writes.iter().fold(0, |m, w| m | 1 << w.0);
    assert_eq!(got.mask & 0xffff, wrote, "write mask: {}", ctx());
    for &(j, v) in &want.writes {
        assert_eq!(written[j], v, "value of role {j}: {}", ctx());
    }
}

fn address(rng: &mut StdRng) -> ContractAddress {
    ContractAddress::from_u64(rng.random::<u64>() | 1 << 63)
}

/// A u256 from one of several ranges (zero, small, 128-bit, near 2^128,
/// 256-bit, near 2^256).
fn amount(rng: &mut StdRng) -> U256 {
    match rng.random_range(0..8) {
        0 => U256::ZERO,
        1 | 2 => U256::from(rng.random::<u64>() >> rng.random_range(0..64)),
        3 => U256::from(rng.random::<u128>()),
        4 => U256 { lo: u128::MAX - rng.random_range(0..1000), hi: 0 },
        5 => U256 { lo: rng.random(), hi: rng.random::<u64>().into() },
        6 => U256 { lo: rng.random(), hi: rng.random() },
        _ => U256 { lo: rng.random(), hi: u128::MAX - rng.random_range(0..1000) },
    }
}

/// A reserve: empty, up to 1e27, near 2^255, or any u256.
fn reserve(rng: &mut StdRng) -> U256 {
    match rng.random_range(0..6) {
        0 => U256::ZERO,
        1..=3 => U256::from(rng.random_range(0..1_000_000_000_000_000_000_000_000_000u128)),
        4 => U256 { lo: rng.random(), hi: (1 << 127) | rng.random::<u64>() as u128 },
        _ => U256 { lo: rng.random(), hi: rng.random() },
    }
}

/// A value at most `v` (often `v` itself), or anything.
fn at_most(rng: &mut StdRng, v: U256) -> U256 {
    match rng.random_range(0..6) {
        0 => v,
        1 => v.checked_add(U256::from(1u64)).unwrap_or(v),
        2 if v.hi > 0 => U256 { lo: rng.random(), hi: rng.random_range(0..v.hi) },
        2 | 3 if v.lo > 0 => U256 { lo: rng.random_range(0..v.lo), hi: v.hi },
        4 => amount(rng),
        _ => U256::from(rng.random_range(0..1000u64)),
    }
}

/// The two cells of `v`; now and then one wider than 128 bits.
fn cells(rng: &mut StdRng, v: U256) -> [Felt; 2] {
    let mut c = [Felt::from(v.lo), Felt::from(v.hi)];
    for cell in &mut c {
        match rng.random_range(0..60) {
            0 => *cell = Felt::from(u128::MAX) + Felt::ONE + Felt::from(rng.random_range(0..3u64)),
            1 => *cell = Felt::from_bytes_be(&rng.random()),
            _ => {}
        }
    }
    c
}

fn random_case(rng: &mut StdRng) -> Case {
    let sender = address(rng);
    let bits = rng.random_range(1..64);
    let nonce = rng.random_range(0..1u64 << bits);
    let balance = amount(rng);
    let fee = match rng.random_range(0..5) {
        0 => 0,
        1 | 2 => rng.random_range(0..1_000_000u128),
        3 => balance.lo.wrapping_add(rng.random_range(0..2)),
        _ => rng.random(),
    };
    let after = balance.checked_sub(U256::from(fee)).unwrap_or(balance);
    let tx = if rng.random_bool(0.5) {
        let token = if rng.random_bool(0.4) {
            STRK
        } else if rng.random_bool(0.5) {
            ETH
        } else {
            address(rng)
        };
        let to = if rng.random_bool(0.15) { sender } else { address(rng) };
        let own = if token == STRK { after } else { amount(rng) };
        NativeTx::Transfer(Transfer { token, from: sender, to, amount: at_most(rng, own), nonce, fee })
    } else {
        let pool = if rng.random_bool(0.08) { sender } else { address(rng) };
        let direction = if rng.random_bool(0.5) { Direction::AToB } else { Direction::BToA };
        let min_out = match rng.random_range(0..6) {
            0..=2 => U256::ZERO,
            3 => U256::from(rng.random::<u64>()),
            4 => U256::from(rng.random::<u128>()),
            _ => U256::MAX,
        };
        // The amount sized to what the trader holds of the token paid.
        let (strk, eth) = (after, amount(rng));
        let have = if direction == Direction::AToB { strk } else { eth };
        let s = Swap { user: sender, pool, amount_in: at_most(rng, have), direction, min_out, nonce, fee };
        let mut case = Case::new(NativeTx::Swap(s));
        case.values[role::ETH_LO..=role::ETH_HI].copy_from_slice(&cells(rng, eth));
        let (r0, r1) = (reserve(rng), reserve(rng));
        case.values[role::R0_LO..=role::R0_HI].copy_from_slice(&cells(rng, r0));
        case.values[role::R1_LO..=role::R1_HI].copy_from_slice(&cells(rng, r1));
        fill_common(rng, &mut case, nonce, balance);
        return case;
    };
    let mut case = Case::new(tx);
    if let NativeTx::Transfer(t) = &case.tx {
        let (token, amt) = (t.token, t.amount);
        if token != STRK {
            let src = amount(rng).max(amt);
            let src = if rng.random_bool(0.2) { amount(rng) } else { src };
            case.values[role::SRC_LO..=role::SRC_HI].copy_from_slice(&cells(rng, src));
        }
        let dst = if rng.random_bool(0.7) { amount(rng) } else { U256 { lo: rng.random(), hi: u128::MAX } };
        case.values[role::DST_LO..=role::DST_HI].copy_from_slice(&cells(rng, dst));
    }
    fill_common(rng, &mut case, nonce, balance);
    case
}

/// The nonce (right, off by one, or any felt) and the STRK balance.
fn fill_common(rng: &mut StdRng, case: &mut Case, nonce: u64, balance: U256) {
    case.values[role::NONCE] = match rng.random_range(0..12) {
        0 => Felt::from(nonce) + Felt::ONE,
        1 => Felt::from_bytes_be(&rng.random()),
        _ => Felt::from(nonce),
    };
    case.values[role::STRK_LO..=role::STRK_HI].copy_from_slice(&cells(rng, balance));
    for (v, k) in case.values.iter_mut().zip(&case.keys) {
        if k.is_none() {
            *v = Felt::ZERO;
        }
    }
}

/// Cases covering every status code, generated from `seed`.
fn cases(seed: u64, n: usize) -> Vec<Case> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| random_case(&mut rng)).collect()
}

#[test]
fn jobs_match_the_host_programs_in_place_and_recorded() {
    let _g = lock();
    let Some(_) = gpu::context_or_skip("jobs_match_the_host_programs_in_place_and_recorded") else {
        return;
    };
    let started = Instant::now();
    let cases = cases(0x5eed_cafe, 360);
    let wants: Vec<Want> = cases.iter().map(expect).collect();
    let mut seen = [0usize; 9];
    for w in &wants {
        seen[w.code as usize] += 1;
    }
    assert!(seen.iter().all(|&c| c > 0), "every code occurs: {seen:?}");
    let n = cases.len();
    let slot = |i: usize, j: usize| (i * SLOTS + j) as u32;
    let capacity = (n * SLOTS) as u32;

    // The state: role j of job i at slot i * SLOTS + j.
    let t = Instant::now();
    let table = DeviceTable::new(capacity).expect("table");
    let build_table = t.elapsed();
    let mut state: Vec<Fe> = vec![Fe::ZERO; n * SLOTS];
    let (mut slots, mut values) = (Vec::new(), Vec::new());
    for (i, c) in cases.iter().enumerate() {
        for j in (0..SLOTS).filter(|&j| c.keys[j].is_some()) {
            state[i * SLOTS + j] = Fe::from_felt(&c.values[j]);
            slots.push(slot(i, j));
            values.push(state[i * SLOTS + j]);
        }
    }

    // Recorded: a third of the inputs come from history, their table slots
    // holding a decoy (wider than 128 bits, a wrong nonce) meanwhile.
    let mut rng = StdRng::seed_from_u64(7);
    let mut inputs: Vec<Fe> = Vec::new();
    let mut decoys = Vec::new();
    let recorded_jobs: Vec<Job> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.job(|j| {
                if rng.random_bool(0.33) {
                    inputs.push(state[i * SLOTS + j]);
                    decoys.push(slot(i, j));
                    FROM_HISTORY | (inputs.len() - 1) as u32
                } else {
                    slot(i, j)
                }
            })
        })
        .collect();
    let decoy = Fe::from_felt(&(Felt::from(u128::MAX) * Felt::from(12345u64)));
    let mut seeded = state.clone();
    for &s in &decoys {
        seeded[s as usize] = decoy;
    }
    let seeded_values: Vec<Fe> = slots.iter().map(|&s| seeded[s as usize]).collect();
    let before = gpu::traffic();
    table.write(&slots, &seeded_values);
    assert_eq!(moved(before), (36 * slots.len() as u64, 0), "36 bytes per table entry written");

    let t = Instant::now();
    let mut run = JobRun::new().expect("job run");
    let build_jobs = t.elapsed();
    let out_base = (inputs.len() as u32).next_multiple_of(16);
    let before = gpu::traffic();
    run.write_history(0, &inputs).expect("history inputs");
    run.upload_jobs(&recorded_jobs);
    assert_eq!(moved(before), (32 * inputs.len() as u64 + 136 * n as u64, 0), "32 per history entry, 136 per job");
    run.ensure_history(out_base + capacity).expect("history");
    let k = (n / 3) as u32;
    let before = gpu::traffic();
    let t = Instant::now();
    run.dispatch(&table, 0, k, JobMode::Recorded { out_base }).expect("dispatch");
    run.dispatch(&table, k, n as u32 - k, JobMode::Recorded { out_base: out_base + k * SLOTS as u32 })
        .expect("dispatch");
    let receipts = run.receipts(0, n as u32).expect("receipts");
    let recorded_time = t.elapsed();
    assert_eq!(moved(before), (32, 48 * n as u64), "16 bytes of parameters per dispatch, 48 per receipt");
    let before = gpu::traffic();
    let history = run.read_history(&[(0, inputs.len() as u32), (out_base, capacity)]).expect("history");
    assert_eq!(moved(before), (0, 32 * (inputs.len() as u64 + u64::from(capacity))));
    assert_eq!(history[..inputs.len()], inputs[..], "the inputs stay");
    let out = &history[inputs.len()..];
    for (i, (c, w)) in cases.iter().zip(&wants).enumerate() {
        let written: [Fe; SLOTS] = out[i * SLOTS..(i + 1) * SLOTS].try_into().expect("9 entries");
        check("recorded", i, c, w, &receipts[i], &written);
        for j in (0..SLOTS).filter(|&j| !receipts[i].wrote(j)) {
            assert_eq!(written[j], Fe::ZERO, "recorded job {i} wrote no role {j}");
        }
    }
    let all: Vec<u32> = (0..capacity).collect();
    assert_eq!(table.read(&all).expect("table"), seeded, "a recorded wave leaves the table as it was");

    // A written history entry copied into the table (and back out).
    let pairs: Vec<(u32, u32)> = (0..n)
        .flat_map(|i| {
            let r = receipts[i];
            (0..SLOTS).filter(move |&j| r.wrote(j)).map(move |j| (i, j))
        })
        .take(40)
        .map(|(i, j)| (slot(i, j), out_base + slot(i, j)))
        .collect();
    let before = gpu::traffic();
    run.copy_history_to_table(&table, &pairs);
    assert_eq!(moved(before), (8 * pairs.len() as u64, 0), "8 bytes per pair copied");
    let copied = table.read(&pairs.iter().map(|p| p.0).collect::<Vec<_>>()).expect("copied");
    for (&(s, h), v) in pairs.iter().zip(&copied) {
        assert_eq!(*v, history[inputs.len() + (h - out_base) as usize], "slot {s} holds history entry {h}");
    }

    // In place, over the true state (decoys and copies overwritten).
    table.write(&slots, &values);
    let jobs: Vec<Job> = cases.iter().enumerate().map(|(i, c)| c.job(|j| slot(i, j))).collect();
    run.upload_jobs(&jobs);
    let t = Instant::now();
    run.dispatch(&table, 0, k, JobMode::InPlace).expect("dispatch");
    run.dispatch(&table, k, n as u32 - k, JobMode::InPlace).expect("dispatch");
    let receipts = run.receipts(0, n as u32).expect("receipts");
    let in_place_time = t.elapsed();
    let after = table.read(&all).expect("table");
    for (i, (c, w)) in cases.iter().zip(&wants).enumerate() {
        let written: [Fe; SLOTS] = after[i * SLOTS..(i + 1) * SLOTS].try_into().expect("9 slots");
        check("in place", i, c, w, &receipts[i], &written);
        for j in (0..SLOTS).filter(|&j| !receipts[i].wrote(j)) {
            assert_eq!(written[j], state[i * SLOTS + j], "in-place job {i} left role {j} as it was");
        }
    }

    // The convenience entry point agrees.
    table.write(&slots, &values);
    assert_eq!(run_jobs(&table, &jobs, JobMode::InPlace).expect("run_jobs"), receipts);
    eprintln!(
        "native jobs: {n} ({seen:?} by code); table pipelines {build_table:.2?}, job pipeline {build_jobs:.2?}, \
         recorded {recorded_time:.2?}, in place {in_place_time:.2?}, total {:.2?}",
        started.elapsed()
    );
}

#[test]
fn device_table_writes_reads_grows_and_counts_bytes() {
    let _g = lock();
    let Some(_) = gpu::context_or_skip("device_table_writes_reads_grows_and_counts_bytes") else {
        return;
    };
    let mut table = DeviceTable::new(8).expect("table");
    assert_eq!(table.capacity(), 8);
    assert_eq!(table.device_bytes(), 8 * 32);
    let before = gpu::traffic();
    assert_eq!(table.read(&[0, 7]).expect("read"), vec![Fe::ZERO; 2], "a new table is zero");
    assert_eq!(moved(before), (8, 64), "4 bytes up and 32 down per slot read");

    let vals: Vec<Fe> = (0..5u64).map(|v| Fe::from_u64(v * 1_000_003 + 1)).collect();
    let before = gpu::traffic();
    table.write(&[6, 1, 3, 0, 7], &vals);
    assert_eq!(moved(before), (5 * 36, 0), "36 bytes per entry written");
    assert_eq!(table.read(&[0, 1, 2, 3, 6, 7]).expect("read"), [vals[3], vals[1], Fe::ZERO, vals[2], vals[0], vals[4]]);

    let before = gpu::traffic();
    table.grow(1000).expect("grow");
    assert_eq!(moved(before), (0, 0), "growth copies on the device");
    assert_eq!(table.capacity(), 1000);
    table.write(&[999], &[Fe::ONE]);
    let got = table.read(&[6, 1, 3, 0, 7, 500, 999]).expect("read");
    assert_eq!(got, [vals[0], vals[1], vals[2], vals[3], vals[4], Fe::ZERO, Fe::ONE], "contents kept");
    table.grow(10).expect("no shrink");
    assert_eq!(table.capacity(), 1000);

    // History: written, grown (kept), read in ranges, copied to the table.
    let mut run = JobRun::new().expect("job run");
    let hist: Vec<Fe> = (0..20u64).map(|v| Fe::from_u64(v + 77)).collect();
    let before = gpu::traffic();
    run.write_history(10, &hist).expect("write history");
    assert_eq!(moved(before), (20 * 32, 0));
    run.ensure_history(5000).expect("grow history");
    assert!(run.history_capacity() >= 5000);
    let before = gpu::traffic();
    let got = run.read_history(&[(12, 3), (0, 1), (29, 1)]).expect("read history");
    assert_eq!(moved(before), (0, 5 * 32));
    assert_eq!(got, [hist[2], hist[3], hist[4], Fe::ZERO, hist[19]]);
    let before = gpu::traffic();
    run.copy_history_to_table(&table, &[(2, 10), (500, 29)]);
    assert_eq!(moved(before), (16, 0));
    assert_eq!(table.read(&[2, 500, 3]).expect("read"), [hist[0], hist[19], vals[2]]);
}

/// Transfers and swaps picked by hand: the edges of the programs.
#[test]
fn chosen_edges_match_the_host_programs() {
    let _g = lock();
    let Some(_) = gpu::context_or_skip("chosen_edges_match_the_host_programs") else {
        return;
    };
    let (a, b, pool) =
        (ContractAddress::from_u64(0xa11ce), ContractAddress::from_u64(0xb0b), ContractAddress::from_u64(0x9001));
    let u = |lo: u128, hi: u128| U256 { lo, hi };
    let most = U256::MAX.mul_div(u(1, 0), u(997, 0)).expect("2^256 / 997");
    let half = most.mul_div(u(1, 0), u(2, 0)).expect("2^255 / 997");
    let transfer = |token, to, amount, fee| NativeTx::Transfer(Transfer { token, from: a, to, amount, nonce: 5, fee });
    let swap = |direction, amount_in, min_out| {
        NativeTx::Swap(Swap { user: a, pool, amount_in, direction, min_out, nonce: 5, fee: 10 })
    };
    // (transaction, STRK balance, role values after the STRK cells: lo, hi pairs)
    let list: Vec<(NativeTx, U256, Vec<U256>)> = vec![
        // The fee's debit replaced by the same value (amount 0), a
        // self-transfer, a balance that just fits, one that overflows.
        (transfer(STRK, b, u(0, 0), 1), u(5, 1), vec![u(0, 0)]),
        (transfer(STRK, a, u(4, 1), 1), u(5, 1), vec![]),
        (transfer(ETH, a, u(7, 0), 1), u(5, 1), vec![u(7, 0)]),
        (transfer(ETH, b, u(7, 0), 0), u(5, 1), vec![u(7, 9), u(0, u128::MAX)]),
        (transfer(ETH, b, u(7, 0), 0), u(5, 1), vec![u(7, 0), u(u128::MAX - 6, u128::MAX)]),
        (transfer(ETH, b, u(7, 0), 0), u(5, 1), vec![u(7, 0), u(u128::MAX - 7, u128::MAX)]),
        (transfer(STRK, b, u(u128::MAX, 0), 0), u(u128::MAX, 0), vec![u(1, 0)]),
        // Swaps: all in, reserves empty, the whole reserve out, overflows.
        (swap(Direction::AToB, u(90, 0), U256::ZERO), u(100, 0), vec![u(3, 0), u(1000, 0), u(1000, 0)]),
        (swap(Direction::AToB, u(90, 0), U256::ZERO), u(100, 0), vec![u(3, 0), u(0, 0), u(1000, 0)]),
        (swap(Direction::BToA, u(0, 0), U256::ZERO), u(100, 0), vec![u(3, 0), u(0, 0), u(0, 0)]),
        (swap(Direction::BToA, u(3, 0), u(2, 0)), u(100, 0), vec![u(3, 0), u(1000, 0), u(1000, 0)]),
        (swap(Direction::BToA, u(3, 0), u(3, 0)), u(100, 0), vec![u(3, 0), u(1000, 0), u(1000, 0)]),
        (swap(Direction::AToB, u(1, 0), U256::ZERO), u(100, 0), vec![u(0, u128::MAX), u(1, 0), u(0, 1 << 100)]),
        (swap(Direction::AToB, u(90, 0), U256::ZERO), u(100, 0), vec![u(3, 0), U256::MAX, u(1, 0)]),
        (swap(Direction::AToB, u(0, 1), U256::ZERO), u(0, 2), vec![u(3, 0), u(0, u128::MAX >> 10), u(0, 1)]),
        (swap(Direction::BToA, u(0, 1 << 120), U256::ZERO), u(100, 0), vec![U256::MAX, u(5, 5), u(0, u128::MAX >> 2)]),
        (swap(Direction::AToB, u(5, 0), U256::ZERO), u(100, 0), vec![u(3, 0), u(u128::MAX, 0), u(u128::MAX, 0)]),
        // STRK received back to its value before the fee (out = fee = 10):
        // the low half, written by the fee, is written again.
        (swap(Direction::BToA, u(1, 0), U256::ZERO), u(100, 0), vec![u(3, 0), u(10, 0), u(0, 0)]),
        // paid = amount_in · 997 just below 2^256 (the pool empty: all of
        // the other reserve out), or near 2^255 beside a reserve in near
        // 2^244: the division's remainder passes 2^255.
        (swap(Direction::AToB, most, U256::ZERO), U256::MAX, vec![u(0, 0), u(0, 0), u(3, u128::MAX >> 1)]),
        (swap(Direction::AToB, most, U256::ZERO), U256::MAX, vec![u(0, 0), u(1, 0), U256::MAX]),
        (swap(Direction::AToB, half, U256::ZERO), U256::MAX, vec![u(0, 0), u(0, 1 << 116), U256::MAX]),
        (swap(Direction::AToB, half, U256::MAX), U256::MAX, vec![u(0, 0), u(0, 1 << 116), U256::MAX]),
        (swap(Direction::BToA, half, U256::ZERO), u(100, 0), vec![U256::MAX, u(12345, u128::MAX >> 1), u(0, 1 << 116)]),
    ];
    let mut cases: Vec<Case> = list
        .into_iter()
        .map(|(tx, strk, rest)| {
            let mut c = Case::new(tx);
            c.values[role::NONCE] = Felt::from(5u64);
            let mut halves = vec![strk];
            halves.extend(rest);
            let roles: Vec<usize> = (1..SLOTS).step_by(2).filter(|&j| c.keys[j].is_some()).collect();
            for (&j, v) in roles.iter().zip(&halves) {
                c.values[j] = Felt::from(v.lo);
                c.values[j + 1] = Felt::from(v.hi);
            }
            c
        })
        .collect();
    // Cells wider than 128 bits: the failure names the first one checked
    // (a swap reads both reserves before checking either).
    let wide = Felt::from(u128::MAX) + Felt::ONE;
    let widen = [
        (7, [role::R0_HI, role::R1_LO]),
        (10, [role::R0_LO, role::R1_HI]),
        (3, [role::SRC_LO, role::SRC_HI]),
        (0, [role::STRK_HI, role::STRK_HI]),
        (7, [role::ETH_LO, role::R0_LO]),
        (10, [role::ETH_HI, role::R1_LO]),
    ];
    for (i, roles) in widen {
        let mut c = cases[i].clone();
        for j in roles {
            c.values[j] = wide;
        }
        cases.push(c);
    }
    let n = cases.len();
    let table = DeviceTable::new((n * SLOTS) as u32).expect("table");
    let (mut slots, mut values) = (Vec::new(), Vec::new());
    for (i, c) in cases.iter().enumerate() {
        for j in (0..SLOTS).filter(|&j| c.keys[j].is_some()) {
            slots.push((i * SLOTS + j) as u32);
            values.push(Fe::from_felt(&c.values[j]));
        }
    }
    table.write(&slots, &values);
    let jobs: Vec<Job> = cases.iter().enumerate().map(|(i, c)| c.job(|j| (i * SLOTS + j) as u32)).collect();
    let receipts = run_jobs(&table, &jobs, JobMode::InPlace).expect("run");
    let after = table.read(&(0..(n * SLOTS) as u32).collect::<Vec<_>>()).expect("table");
    for (i, c) in cases.iter().enumerate() {
        let written: [Fe; SLOTS] = after[i * SLOTS..(i + 1) * SLOTS].try_into().expect("9 slots");
        check("chosen", i, c, &expect(c), &receipts[i], &written);
    }
    let codes: Vec<u32> = receipts.iter().map(|r| r.code).collect();
    let (ok, over, slip) = (code::OK, code::OVERFLOW, code::SLIPPAGE);
    let want =
        [ok, ok, ok, ok, over, ok, ok, ok, ok, over, ok, slip, over, over, ok, over, ok, ok, ok, over, ok, slip, ok];
    let (bad, fee_bad) = (code::BAD_CELL, code::FEE_BAD_CELL);
    let want: Vec<u32> = want.into_iter().chain([bad, bad, bad, fee_bad, bad, bad]).collect();
    assert_eq!(codes, want, "the edges reach the paths they are meant to");
    let which: Vec<u32> = receipts[want.len() - 6..].iter().map(|r| r.which).collect();
    assert_eq!(which, [6, 8, 3, 2, 5, 4], "the first wide cell checked");
}
