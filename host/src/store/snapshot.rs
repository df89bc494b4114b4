//! Snapshots: a store's state at its last block in one file, and back.
//!
//! The file: the magic `WAVELANE-SNAPSHOT-1\n`, the block number (u64) and
//! its global root (32 bytes), the counts of contracts, cells and classes
//! (u64 each), then the records — contracts (address, class hash, nonce:
//! 96 bytes), cells (address, key, value: 96 bytes), classes (class hash,
//! compiled class hash: 64 bytes) — and last a CRC-64 (ECMA-182, as xz uses
//! it) of everything before it. Integers are big-endian. The tries are not
//! in the file: an import rebuilds them (one commit of the whole state) and
//! refuses the snapshot unless the rebuilt root is the recorded one.
//!
//! [`import`] reads and checks the whole file (magic, counts, length,
//! checksum, every address and key in range) before it writes anything,
//! writes the store into a temporary directory beside the target, and
//! renames it into place only once its root is checked: a truncated or
//! corrupted file leaves nothing behind.

use super::{Store, StoreError, Sync, FILE};
use crate::state::{ContractAddress, MemState, StateCommitment, StateDiff, StateReader, StateWriter, StorageKey};
use starknet_types_core::felt::Felt;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;
use wavelane_kernels::backend::Backend;

const MAGIC: &[u8] = b"WAVELANE-SNAPSHOT-1\n";
const HEADER: usize = MAGIC.len() + 8 + 32 + 3 * 8;

/// Why a snapshot could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The file is not a whole, intact snapshot.
    #[error("{path}: {what}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        what: String,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Rebuilding the tries failed.
    #[error("{path}: rebuilding the tries: {message}")]
    Rebuild {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
}

/// What a snapshot holds and what writing or reading it cost.
#[derive(Clone, Debug, PartialEq)]
pub struct SnapshotInfo {
    /// The block it is the state of.
    pub block: u64,
    /// That block's global root.
    pub root: Felt,
    /// Contracts, cells and classes in it.
    pub counts: [u64; 3],
    /// Bytes of the file.
    pub bytes: u64,
    /// Seconds: reading (and checking) the input, rebuilding the tries
    /// (import only), writing the output.
    pub seconds: [f64; 3],
}

/// CRC-64/XZ (ECMA-182 polynomial, reflected, all-ones start and end).
struct Crc64 {
    table: [u64; 256],
    state: u64,
}

impl Crc64 {
    fn new() -> Crc64 {
        let mut table = [0u64; 256];
        for (i, t) in table.iter_mut().enumerate() {
            let mut c = i as u64;
            for _ in 0..8 {
                c = if c & 1 == 1 { (c >> 1) ^ 0xC96C_5795_D787_0F42 } else { c >> 1 };
            }
            *t = c;
        }
        Crc64 { table, state: u64::MAX }
    }

    fn update(&mut self, data: &[u8]) {
        for &b in data {
            self.state = self.table[((self.state ^ u64::from(b)) & 0xff) as usize] ^ (self.state >> 8);
        }
    }

    fn finish(&self) -> u64 {
        !self.state
    }
}

/// A writer that checksums what goes through it.
struct Summed<W: Write> {
    inner: W,
    crc: Crc64,
    bytes: u64,
}

impl<W: Write> Summed<W> {
    fn put(&mut self, data: &[u8]) -> std::io::Result<()> {
        self.crc.update(data);
        self.bytes += data.len() as u64;
        self.inner.write_all(data)
    }
}

/// Writes the state of the store in `dir` at its last block to `file`
/// (whole: to a temporary name, then renamed).
pub fn export(dir: &Path, file: &Path) -> Result<SnapshotInfo, SnapshotError> {
    let t = Instant::now();
    let store = Store::open(dir, Sync::Always)?;
    let Some((block, root)) = store.last_block()? else {
        return Err(SnapshotError::Invalid { path: dir.to_path_buf(), what: "the store holds no block".into() });
    };
    let state = store.load()?;
    let read = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let diff = state.to_diff();
    let contracts: Vec<(ContractAddress, Felt, Felt)> = {
        let mut all: std::collections::BTreeSet<ContractAddress> = diff.nonces.keys().copied().collect();
        all.extend(diff.deployed.keys().copied());
        all.into_iter()
            .map(|a| {
                let class = state.class_hash_at(a).expect("memory reads never fail");
                (a, class, state.nonce_at(a).expect("memory reads never fail"))
            })
            .collect()
    };
    let cells = diff.storage_updates() as u64;
    let counts = [contracts.len() as u64, cells, diff.declared.len() as u64];
    let tmp = file.with_extension("partial");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SnapshotError::Io { path, source }
    };
    let f = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    let mut w = Summed { inner: BufWriter::with_capacity(1 << 20, f), crc: Crc64::new(), bytes: 0 };
    let write = |w: &mut Summed<BufWriter<std::fs::File>>| -> std::io::Result<()> {
        w.put(MAGIC)?;
        w.put(&block.to_be_bytes())?;
        w.put(&root.to_bytes_be())?;
        for c in counts {
            w.put(&c.to_be_bytes())?;
        }
        for (a, class, nonce) in &contracts {
            w.put(&a.felt().to_bytes_be())?;
            w.put(&class.to_bytes_be())?;
            w.put(&nonce.to_bytes_be())?;
        }
        for (a, cells) in &diff.storage {
            for (k, v) in cells {
                w.put(&a.felt().to_bytes_be())?;
                w.put(&k.felt().to_bytes_be())?;
                w.put(&v.to_bytes_be())?;
            }
        }
        for (c, cc) in &diff.declared {
            w.put(&c.to_bytes_be())?;
            w.put(&cc.to_bytes_be())?;
        }
        let crc = w.crc.finish();
        w.inner.write_all(&crc.to_be_bytes())?;
        w.bytes += 8;
        w.inner.flush()?;
        w.inner.get_ref().sync_all()
    };
    write(&mut w).map_err(io(&tmp))?;
    let bytes = w.bytes;
    drop(w);
    std::fs::rename(&tmp, file).map_err(io(file))?;
    Ok(SnapshotInfo { block, root, counts, bytes, seconds: [read, 0.0, t.elapsed().as_secs_f64()] })
}

/// Reads a snapshot whole and checks it; see the module documentation.
fn read(file: &Path) -> Result<(u64, Felt, [u64; 3], MemState, u64), SnapshotError> {
    let bad = |what: String| SnapshotError::Invalid { path: file.to_path_buf(), what };
    let data = std::fs::read(file).map_err(|source| SnapshotError::Io { path: file.to_path_buf(), source })?;
    if data.len() < HEADER + 8 || !data.starts_with(MAGIC) {
        return Err(bad(format!("not a wavelane snapshot (no `{}` header)", "WAVELANE-SNAPSHOT-1")));
    }
    let u64_at = |at: usize| u64::from_be_bytes(data[at..at + 8].try_into().expect("8 bytes"));
    let block = u64_at(MAGIC.len());
    let root = Felt::from_bytes_be_slice(&data[MAGIC.len() + 8..MAGIC.len() + 40]);
    let counts = [u64_at(MAGIC.len() + 40), u64_at(MAGIC.len() + 48), u64_at(MAGIC.len() + 56)];
    let body = counts[0].checked_mul(96).and_then(|c| counts[1].checked_mul(96)?.checked_add(c));
    let body = body.and_then(|b| counts[2].checked_mul(64)?.checked_add(b));
    let want = body.and_then(|b| b.checked_add((HEADER + 8) as u64));
    if want != Some(data.len() as u64) {
        return Err(bad(format!(
            "{} bytes, but its counts ({} contracts, {} cells, {} classes) need {}: cut short or corrupt",
            data.len(),
            counts[0],
            counts[1],
            counts[2],
            want.map_or_else(|| "more than any file".into(), |w| w.to_string())
        )));
    }
    let (content, tail) = data.split_at(data.len() - 8);
    let mut crc = Crc64::new();
    crc.update(content);
    let stored = u64::from_be_bytes(tail.try_into().expect("8 bytes"));
    if crc.finish() != stored {
        return Err(bad(format!("checksum {:#018x} does not match the file's {stored:#018x}: corrupt", crc.finish())));
    }
    let mut diff = StateDiff::default();
    let felt = |at: usize| Felt::from_bytes_be_slice(&data[at..at + 32]);
    let addr = |at: usize, what: &str| {
        ContractAddress::new(felt(at)).map_err(|_| bad(format!("{what} at byte {at} is not below 2^251")))
    };
    let mut at = HEADER;
    for _ in 0..counts[0] {
        let a = addr(at, "contract address")?;
        let (class, nonce) = (felt(at + 32), felt(at + 64));
        if class != Felt::ZERO {
            diff.deployed.insert(a, class);
        }
        diff.nonces.insert(a, nonce);
        at += 96;
    }
    for _ in 0..counts[1] {
        let a = addr(at, "cell address")?;
        let k = StorageKey::new(felt(at + 32))
            .map_err(|_| bad(format!("storage key at byte {} is not below 2^251", at + 32)))?;
        diff.storage.entry(a).or_default().insert(k, felt(at + 64));
        at += 96;
    }
    for _ in 0..counts[2] {
        diff.declared.insert(felt(at), felt(at + 32));
        at += 64;
    }
    let mut state = MemState::new();
    state.apply_diff(&diff).expect("memory writes never fail");
    Ok((block, root, counts, state, data.len() as u64))
}

/// Restores the snapshot `file` into the state directory `dir`, which must
/// not hold a store yet; see the module documentation.
pub fn import(file: &Path, dir: &Path, backend: Backend) -> Result<SnapshotInfo, SnapshotError> {
    if dir.join(FILE).exists() {
        return Err(SnapshotError::Invalid {
            path: dir.to_path_buf(),
            what: "holds a store already; import into a new directory".into(),
        });
    }
    let t = Instant::now();
    let (block, root, counts, state, bytes) = read(file)?;
    let read_seconds = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut tries = StateCommitment::new();
    tries.keep_journal();
    let version = crate::state::StarknetVersion::V0_14_0;
    let diff = state.to_diff();
    let (roots, _) = tries
        .commit(backend, &MemState::new(), &diff, version)
        .map_err(|e| SnapshotError::Rebuild { path: file.to_path_buf(), message: e.to_string() })?;
    // The rule before 0.14 differs only when the class trie is empty.
    let legacy =
        crate::state::commit::global_root(roots.contracts, roots.classes, crate::state::StarknetVersion::BEFORE_0_14);
    if roots.global != root && legacy != root {
        return Err(SnapshotError::Invalid {
            path: file.to_path_buf(),
            what: format!("its state's root is {:#x}, but it records {root:#x} for block {block}", roots.global),
        });
    }
    let rebuild = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let name = dir.file_name().map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.with_file_name(format!(".{name}.importing"));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = (|| -> Result<(), SnapshotError> {
        let store = Store::open(&tmp, Sync::Always)?;
        store.import_state(block, root, &state, Some(tries.take_changes([&diff])))?;
        drop(store);
        std::fs::create_dir_all(dir).map_err(|source| SnapshotError::Io { path: dir.to_path_buf(), source })?;
        std::fs::rename(tmp.join(FILE), dir.join(FILE))
            .map_err(|source| SnapshotError::Io { path: dir.join(FILE), source })?;
        Ok(())
    })();
    let _ = std::fs::remove_dir_all(&tmp);
    written?;
    Ok(SnapshotInfo { block, root, counts, bytes, seconds: [read_seconds, rebuild, t.elapsed().as_secs_f64()] })
}
