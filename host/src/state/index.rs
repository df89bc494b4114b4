//! [`AccountIndex`]: every contract's record (class hash, nonce) in 50 to
//! 56 bytes of memory per contract.
//!
//! A hash map of `ContractAddress → ContractRecord` holds 96 bytes of key
//! and value per contract, plus its control bytes and its empty slots
//! (137 to 219 bytes per contract, as its load factor goes). Here:
//!
//! ```text
//! records   44 B   in insertion order (a contract's number), each
//!                   the address (its 32 bytes as the felt holds them),
//!                   the nonce (8 bytes, when below 2^64 − 1; else in a
//!                   side map) and the class hash (4 bytes: its number in
//!                   the table of distinct class hashes; a chain has few
//!                   classes and many contracts)
//! table     5.7–11.4 B  a SwissTable of contract numbers (hashbrown's
//!                   `HashTable<u32>`: 4 bytes and a control byte per
//!                   bucket, at most 7/8 full, doubled when full); the
//!                   control bytes' hash tags spare most probes a look at
//!                   an address
//! ```
//!
//! The records grow a chunk of 16,384 at a time, so they hold at most one
//! chunk more than they use; a lookup reads a control group, a slot and a
//! record. Contracts are never removed
//! (Starknet keeps every deployed contract's record).
//! [`AccountIndex::bytes`] counts all of it.

use super::keys::ContractAddress;
use super::mem::ContractRecord;
use ahash::AHashMap;
use starknet_types_core::felt::Felt;

/// Entries per chunk of the index's arrays.
const CHUNK: usize = 1 << 14;

/// An array that grows a chunk at a time (no doubling, no copying).
#[derive(Clone, Debug, Default)]
struct Chunked<T> {
    chunks: Vec<Box<[T]>>,
    len: usize,
}

impl<T: Copy + Default> Chunked<T> {
    fn get(&self, i: usize) -> T {
        self.chunks[i / CHUNK][i % CHUNK]
    }

    fn set(&mut self, i: usize, v: T) {
        self.chunks[i / CHUNK][i % CHUNK] = v;
    }

    fn update(&mut self, i: usize, f: impl FnOnce(&mut T)) {
        f(&mut self.chunks[i / CHUNK][i % CHUNK]);
    }

    fn push(&mut self, v: T) {
        if self.len == self.chunks.len() * CHUNK {
            self.chunks.push(vec![T::default(); CHUNK].into_boxed_slice());
        }
        let i = self.len;
        self.len += 1;
        self.set(i, v);
    }

    fn bytes(&self) -> usize {
        self.chunks.len() * CHUNK * std::mem::size_of::<T>() + self.chunks.capacity() * std::mem::size_of::<Box<[T]>>()
    }
}

/// A contract's record as the index keeps it: 44 bytes, aligned to 4.
#[derive(Clone, Copy, Debug, Default)]
struct Rec {
    /// The address's felt, as it holds it (`Felt::to_raw`), in halves.
    address: [u32; 8],
    /// The nonce's low and high halves.
    nonce: [u32; 2],
    /// The class hash's number in the class table.
    class: u32,
}

/// An address's felt as [`Rec`] keeps it.
fn raw(address: &ContractAddress) -> [u32; 8] {
    let r = address.felt().to_raw();
    std::array::from_fn(|i| (r[i / 2] >> (32 * (i % 2))) as u32)
}

impl Rec {
    fn address(&self) -> Felt {
        let a = &self.address;
        Felt::from_raw(std::array::from_fn(|i| u64::from(a[2 * i]) | u64::from(a[2 * i + 1]) << 32))
    }

    fn nonce(&self) -> u64 {
        u64::from(self.nonce[0]) | u64::from(self.nonce[1]) << 32
    }

    fn set_nonce(&mut self, n: u64) {
        self.nonce = [n as u32, (n >> 32) as u32];
    }
}

/// A nonce too large for [`AccountIndex`]'s eight bytes: it is in the side map.
const BIG_NONCE: u64 = u64::MAX;

/// Bytes a hashbrown table (`HashMap`, `HashSet`, `HashTable`) that
/// reports `capacity` holds for entries of `entry` bytes: its buckets (a
/// power of two, 8/7 of the capacity), an entry and a control byte each.
pub fn swiss_table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets =
        if capacity < 8 { (capacity + 1).next_power_of_two() } else { (capacity * 8 / 7).next_power_of_two() };
    buckets * (entry + 1)
}

/// Contract records by address, compactly; see the module documentation.
#[derive(Clone)]
pub struct AccountIndex {
    records: Chunked<Rec>,
    big_nonces: AHashMap<u32, Felt>,
    class_table: Vec<Felt>,
    class_numbers: AHashMap<Felt, u32>,
    table: hashbrown::HashTable<u32>,
    hasher: ahash::RandomState,
}

impl Default for AccountIndex {
    fn default() -> AccountIndex {
        AccountIndex::new()
    }
}

impl std::fmt::Debug for AccountIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountIndex").field("contracts", &self.len()).field("bytes", &self.bytes()).finish()
    }
}

/// Equal when they hold the same records, whatever their order.
impl PartialEq for AccountIndex {
    fn eq(&self, other: &AccountIndex) -> bool {
        self.len() == other.len() && self.iter().all(|(a, r)| other.get(&a) == Some(r))
    }
}

impl Eq for AccountIndex {}

impl AccountIndex {
    /// An empty index.
    pub fn new() -> AccountIndex {
        let mut class_numbers = AHashMap::new();
        class_numbers.insert(Felt::ZERO, 0);
        AccountIndex {
            records: Chunked::default(),
            big_nonces: AHashMap::new(),
            class_table: vec![Felt::ZERO],
            class_numbers,
            table: hashbrown::HashTable::new(),
            hasher: ahash::RandomState::new(),
        }
    }

    /// Contracts held.
    pub fn len(&self) -> usize {
        self.records.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.records.len == 0
    }

    /// Bytes of memory it holds (arrays, table, side maps).
    pub fn bytes(&self) -> usize {
        self.records.bytes()
            + swiss_table_bytes(self.table.capacity(), 4)
            + self.class_table.capacity() * 32
            + swiss_table_bytes(self.class_numbers.capacity(), 36)
            + swiss_table_bytes(self.big_nonces.capacity(), 36)
    }

    /// The number of `address`'s record, if it has one.
    fn number(&self, address: &ContractAddress) -> Option<u32> {
        let raw = raw(address);
        let hash = self.hasher.hash_one(raw);
        self.table.find(hash, |&n| self.records.get(n as usize).address == raw).copied()
    }

    /// `address`'s record, if it has one.
    pub fn get(&self, address: &ContractAddress) -> Option<ContractRecord> {
        self.number(address).map(|n| self.record(n))
    }

    fn record(&self, n: u32) -> ContractRecord {
        let r = self.records.get(n as usize);
        let class_hash = self.class_table[r.class as usize];
        let nonce = match r.nonce() {
            BIG_NONCE => self.big_nonces[&n],
            small => Felt::from(small),
        };
        ContractRecord { class_hash, nonce }
    }

    /// Every record, in the order the contracts were first set.
    pub fn iter(&self) -> impl Iterator<Item = (ContractAddress, ContractRecord)> + '_ {
        (0..self.len() as u32).map(|n| {
            let a = self.records.get(n as usize).address();
            (ContractAddress::new(a).expect("stored from an address"), self.record(n))
        })
    }

    /// `address`'s number, making an empty record for it if it has none.
    fn number_or_insert(&mut self, address: ContractAddress) -> u32 {
        if let Some(n) = self.number(&address) {
            return n;
        }
        let n = u32::try_from(self.len()).expect("fewer than 2^32 contracts");
        let (records, hasher) = (&self.records, &self.hasher);
        let raw = raw(&address);
        self.table.insert_unique(hasher.hash_one(raw), n, |&m| hasher.hash_one(records.get(m as usize).address));
        self.records.push(Rec { address: raw, ..Rec::default() });
        n
    }

    /// Sets `address`'s nonce (making its record if needed).
    pub fn set_nonce(&mut self, address: ContractAddress, nonce: Felt) {
        let n = self.number_or_insert(address);
        let d = nonce.to_le_digits();
        if d[1] | d[2] | d[3] == 0 && d[0] != BIG_NONCE {
            self.records.update(n as usize, |r| r.set_nonce(d[0]));
            self.big_nonces.remove(&n);
        } else {
            self.records.update(n as usize, |r| r.set_nonce(BIG_NONCE));
            self.big_nonces.insert(n, nonce);
        }
    }

    /// Sets `address`'s class hash (making its record if needed).
    pub fn set_class_hash(&mut self, address: ContractAddress, class_hash: Felt) {
        let n = self.number_or_insert(address);
        let next = self.class_table.len() as u32;
        let c = *self.class_numbers.entry(class_hash).or_insert(next);
        if c == next {
            self.class_table.push(class_hash);
        }
        self.records.update(n as usize, |r| r.class = c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn address(i: u64) -> ContractAddress {
        ContractAddress::new(Felt::from(i * 7919 + 3)).unwrap()
    }

    #[test]
    fn records_equal_a_hash_map_through_random_writes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let mut index = AccountIndex::new();
        let mut model: AHashMap<ContractAddress, ContractRecord> = AHashMap::new();
        let classes: Vec<Felt> = (0..5).map(|i| Felt::from(1000 + i)).collect();
        for step in 0..60_000u64 {
            let a = address(rng.random_range(0..20_000));
            match rng.random_range(0..4) {
                0 => {
                    let c = classes[rng.random_range(0..classes.len())];
                    index.set_class_hash(a, c);
                    model.entry(a).or_default().class_hash = c;
                }
                1 => {
                    // A nonce of every size: small, 2^64 - 1 and above, huge.
                    let n = match rng.random_range(0..4) {
                        0 => Felt::from(u64::MAX),
                        1 => Felt::from(u64::MAX) + Felt::from(rng.random_range(1u64..9)),
                        2 => {
                            let mut b: [u8; 32] = rng.random();
                            b[0] &= 0x07;
                            Felt::from_bytes_be(&b)
                        }
                        _ => Felt::from(step),
                    };
                    index.set_nonce(a, n);
                    model.entry(a).or_default().nonce = n;
                }
                _ => {
                    let n = Felt::from(rng.random_range(0u64..100));
                    index.set_nonce(a, n);
                    model.entry(a).or_default().nonce = n;
                }
            }
        }
        assert_eq!(index.len(), model.len());
        for (a, r) in &model {
            assert_eq!(index.get(a), Some(*r));
        }
        assert_eq!(index.get(&address(1 << 40)), None);
        assert_eq!(index.iter().count(), model.len());
        // Equality ignores the order of insertion.
        let mut other = AccountIndex::new();
        let mut entries: Vec<_> = model.iter().collect();
        entries.sort_by_key(|(a, _)| **a);
        for (a, r) in entries.into_iter().rev() {
            other.set_nonce(*a, r.nonce);
            other.set_class_hash(*a, r.class_hash);
        }
        assert_eq!(index, other);
        other.set_nonce(address(0), Felt::from(123_456_789u64));
        assert_ne!(index, other);
    }

    #[test]
    fn a_record_is_44_bytes() {
        assert_eq!(std::mem::size_of::<Rec>(), 44);
        let a = address(12345);
        let r = Rec { address: raw(&a), ..Rec::default() };
        assert_eq!(r.address(), a.felt());
    }

    #[test]
    fn a_contract_costs_at_most_about_56_bytes() {
        let mut index = AccountIndex::new();
        let n = 200_000u64;
        for i in 0..n {
            index.set_nonce(address(i), Felt::from(i));
            index.set_class_hash(address(i), Felt::from(i % 3));
        }
        // A 44-byte record, at most 11.4 bytes of table, a chunk of headroom.
        let per = index.bytes() as f64 / n as f64;
        let bound = 44.0 + 40.0 / 7.0 * 2.0 + (CHUNK * 44) as f64 / n as f64 + 0.5;
        assert!(per <= bound, "{per:.1} bytes per contract (bound {bound:.1})");
    }
}
