//! The persistent store under a real process: `wavelane run --state DIR`
//! killed with SIGKILL at random moments, 60 times over the same directory,
//! each run resuming where the store ends. After every kill the store's
//! last block has the root and the state that the same blocks give in
//! memory; the runs resume with the same roots as an uninterrupted run.

use rand::{Rng, SeedableRng};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;
use wavelane::host::block::{BlockExecutor, ExecutorConfig, MAINNET_SEQUENCER};
use wavelane::host::state::{MemState, StarknetVersion};
use wavelane::host::store::{Store, Sync, COMPACT_EVERY};
use wavelane::kernels::Backend;
use wavelane::workload::{Generator, Kind, Spec};
use wavelane::Felt;

const TXS: usize = 60;
const ACCOUNTS: usize = 40;

/// The same chain in memory: (root, state) after each block, made on demand.
struct Reference {
    generator: Generator,
    exec: BlockExecutor,
    blocks: Vec<(Felt, MemState)>,
}

impl Reference {
    fn new() -> Reference {
        let generator = Generator::new(Spec::new(Kind::P2p, ACCOUNTS, TXS));
        let config = ExecutorConfig { backend: Backend::Simd, threads: 1, ..ExecutorConfig::default() };
        let mut exec = BlockExecutor::new(config).expect("a thread pool");
        let (roots, _) = exec.commit_diff(&generator.genesis(MAINNET_SEQUENCER)).expect("genesis");
        let blocks = vec![(roots.global, exec.state().clone())];
        Reference { generator, exec, blocks }
    }

    fn at(&mut self, n: u64) -> &(Felt, MemState) {
        while self.blocks.len() as u64 <= n {
            let number = self.exec.next_block();
            let r = self.exec.execute_native(&self.generator.block(number)).expect("a block");
            self.blocks.push((r.new_root(), self.exec.state().clone()));
        }
        &self.blocks[n as usize]
    }
}

fn run_args(dir: &str, blocks: &str) -> Vec<String> {
    [
        "run",
        "--workload",
        "p2p",
        "--txs",
        "60",
        "--accounts",
        "40",
        "--backend",
        "simd",
        "--threads",
        "1",
        "--blocks",
        blocks,
        "--state",
        dir,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn sigkill_at_random_moments_never_loses_or_tears_a_block() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store_sigkill");
    let _ = std::fs::remove_dir_all(&dir);
    let dir_s = dir.display().to_string();
    let mut reference = Reference::new();
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut seen = Vec::new();
    for kill in 0..60 {
        let mut args = run_args(&dir_s, "1000000");
        if kill % 3 == 1 {
            // With a RAM tier small enough to fold the trie log early.
            args.extend(["--ram-budget".to_string(), "16K".to_string()]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_wavelane"))
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start wavelane run");
        std::thread::sleep(Duration::from_millis(rng.random_range(20..250)));
        child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
        child.wait().expect("reap");
        let store = Store::open(&dir, Sync::Always).expect("the store reopens after a kill");
        let Some((n, root)) = store.last_block().expect("readable") else {
            seen.push(None);
            continue; // killed before the genesis was written: nothing, not half of it
        };
        let (want_root, want_state) = reference.at(n);
        assert_eq!(root, *want_root, "kill {kill}: block {n}'s root");
        assert_eq!(&store.load().expect("loads"), want_state, "kill {kill}: block {n}'s state");
        let rec = store.block(n).expect("readable").expect("the last block has its record");
        assert_eq!(rec.new_root, Some(root));
        // The stored tries are whole and as new as the state.
        let tries = store.load_tries().expect("readable").expect("the tries are whole after every block");
        assert_eq!(tries.roots(StarknetVersion::V0_14_0).global, root, "kill {kill}: block {n}'s stored tries");
        seen.push(Some(n));
    }
    let last: Vec<u64> = seen.iter().flatten().copied().collect();
    assert!(last.len() >= 50, "most kills came after the genesis: {seen:?}");
    assert!(last.windows(2).all(|w| w[0] <= w[1]), "a resumed run never goes back: {seen:?}");
    assert!(last.last().copied().unwrap_or(0) > last[0], "the runs resumed and went on: {seen:?}");
    // The kills fell across foldings of the trie log into its tables.
    let info = Store::open(&dir, Sync::Always).unwrap().info().unwrap();
    assert!(last[last.len() - 1] > 2 * COMPACT_EVERY && info.trie_nodes > 0, "{seen:?} {info:?}");
    assert!(info.trie_log_blocks < COMPACT_EVERY, "{info:?}");

    // Reopened after N blocks, a run continues with N+1.. and the roots of
    // an uninterrupted run.
    let n = *last.last().expect("one block at least");
    let out = Command::new(env!("CARGO_BIN_EXE_wavelane")).args(run_args(&dir_s, "3")).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for (i, line) in lines.iter().enumerate() {
        let b = n + 1 + i as u64;
        assert!(line.starts_with(&format!("block {b} ")), "{line}");
        let root = format!("root {:#x}", reference.at(b).0);
        assert!(line.contains(&root), "block {b}: {line} lacks {root}");
    }
}

/// A store written without its tries' changes has them rebuilt on open,
/// written back whole, and goes on with the roots of an uninterrupted run.
#[test]
fn stale_tries_are_rebuilt_on_open_and_written_back() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store_stale_tries");
    let _ = std::fs::remove_dir_all(&dir);
    let mut reference = Reference::new();
    // The blocks, made once (the generator follows the nonces).
    let mut generator = Generator::new(Spec::new(Kind::P2p, ACCOUNTS, TXS));
    let genesis = generator.genesis(MAINNET_SEQUENCER);
    let blocks: Vec<_> = (1..=3).map(|n| generator.block(n)).collect();
    let config = ExecutorConfig { backend: Backend::Simd, threads: 1, ..ExecutorConfig::default() };
    let mut exec = BlockExecutor::open(config.clone(), Store::open(&dir, Sync::Never).unwrap()).unwrap();
    exec.commit_diff(&genesis).unwrap();
    exec.execute_native(&blocks[0]).unwrap();
    drop(exec);
    // Block 2 written by hand, without the tries' changes.
    let mut mem = BlockExecutor::new(config.clone()).unwrap();
    mem.commit_diff(&genesis).unwrap();
    mem.execute_native(&blocks[0]).unwrap();
    let r2 = mem.execute_native(&blocks[1]).unwrap();
    assert_eq!(r2.new_root(), reference.at(2).0);
    let store = Store::open(&dir, Sync::Never).unwrap();
    let info = store.info().unwrap();
    // The genesis wrote the tables; block 1's changes are recomputed from its diff.
    assert!(info.tries_whole && info.trie_log_blocks == 1, "{info:?}");
    store.commit_block(2, r2.new_root(), &r2.diff, None).unwrap();
    let info = store.info().unwrap();
    assert!(!info.tries_whole, "{info:?}");
    assert!(store.load_tries().unwrap().is_none());
    let mut exec = BlockExecutor::open(config, store).unwrap();
    assert_eq!(exec.next_block(), 3);
    let r3 = exec.execute_native(&blocks[2]).unwrap();
    assert_eq!(r3.new_root(), reference.at(3).0);
    drop(exec);
    let store = Store::open(&dir, Sync::Never).unwrap();
    let tries = store.load_tries().unwrap().expect("whole again");
    assert_eq!(tries.roots(StarknetVersion::V0_14_0).global, reference.at(3).0);
}

fn wavelane(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_wavelane")).args(args).output().expect("run wavelane")
}

#[test]
fn a_snapshot_round_trips_and_a_cut_or_flipped_one_is_refused_leaving_nothing() {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("store_snapshot");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    let (src, file) = (base.join("src"), base.join("snap.bin"));
    let (src_s, file_s) = (src.display().to_string(), file.display().to_string());
    let out = Command::new(env!("CARGO_BIN_EXE_wavelane")).args(run_args(&src_s, "4")).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = wavelane(&["snapshot", "export", "--state", &src_s, &file_s, "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let exported: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(exported["block"], 4);

    // Round trip: the same block, root and state; and a run resumed on the
    // import continues as the original does.
    let dst = base.join("dst");
    let dst_s = dst.display().to_string();
    let out = wavelane(&["snapshot", "import", &file_s, "--state", &dst_s, "--backend", "simd", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let a = Store::open(&src, Sync::Always).unwrap();
    let b = Store::open(&dst, Sync::Always).unwrap();
    assert_eq!(a.last_block().unwrap(), b.last_block().unwrap());
    assert_eq!(a.load().unwrap(), b.load().unwrap());
    drop((a, b));
    let mut reference = Reference::new();
    let out = Command::new(env!("CARGO_BIN_EXE_wavelane")).args(run_args(&dst_s, "1")).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("root {:#x}", reference.at(5).0)));
    // A directory that holds a store is not overwritten.
    let out = wavelane(&["snapshot", "import", &file_s, "--state", &dst_s]);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));

    // Cut short anywhere, or a byte flipped anywhere: refused (exit 2),
    // naming the file, and no store or temporary directory left behind.
    let bytes = std::fs::read(&file).unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for cut in [0, 10, 100, bytes.len() / 2, bytes.len() - 8, bytes.len() - 1] {
        cases.push((format!("cut at {cut}"), bytes[..cut].to_vec()));
    }
    for at in [0, 25, 60, 100, bytes.len() / 3, bytes.len() - 100, bytes.len() - 3] {
        let mut b = bytes.clone();
        b[at] ^= 1 << rng.random_range(0..8);
        cases.push((format!("a bit flipped at byte {at}"), b));
    }
    for (i, (what, b)) in cases.iter().enumerate() {
        let bad = base.join(format!("bad{i}.bin"));
        std::fs::write(&bad, b).unwrap();
        let target = base.join(format!("t{i}"));
        let out =
            wavelane(&["snapshot", "import", &bad.display().to_string(), "--state", &target.display().to_string()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
        assert!(stderr.contains(&format!("bad{i}.bin")), "{what}: {stderr}");
        assert!(!target.join("state.redb").exists(), "{what}: a store was left");
        let leftovers: Vec<_> = std::fs::read_dir(&base)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().ends_with(".importing"))
            .collect();
        assert!(leftovers.is_empty(), "{what}: {leftovers:?}");
    }
}
