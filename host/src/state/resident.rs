//! GPU residency: which state keys live in the device table, and where.
//!
//! The device keeps the Cold LRU's hot set ([`ColdLru`]): a key is resident
//! exactly while it is hot. The host keeps the index (state key → slot)
//! and the LRU; the device keeps only values. Per block:
//!
//! 1. [`Residency::load`]: the block's keys that are not resident (cold)
//!    get slots — the lowest free slot first, then new ones — and their
//!    values are uploaded; the others (hot) are already there.
//! 2. The block runs over the table.
//! 3. [`Residency::settle`]: the block's keys are touched in block order,
//!    then every resident key that is now cold is evicted, lowest load
//!    counter first (a deterministic order), and its slot freed. A touched
//!    key that is hot but was not loaded (a program whose keys were only
//!    known once it ran) is returned to be loaded.
//!
//! So after every block the resident set equals the hot set, which
//! [`Residency::hot_set`] and [`Residency::resident_keys`] let a test check.
//! The LRU counts [`RESIDENT_ENTRY_BYTES`] per key, what a cold load moves,
//! so `LOAD_LIMIT` bounds a block's uploaded state bytes and `cache_size`
//! the hot entries' bytes.

use super::{ColdLru, StateKey};
use ahash::AHashMap;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Bytes one cold load moves to the device: a 4-byte slot and a 32-byte
/// value.
pub const RESIDENT_ENTRY_BYTES: u64 = 36;

/// The host side of the device-resident state table.
#[derive(Clone, Debug)]
pub struct Residency {
    lru: ColdLru,
    slots: AHashMap<StateKey, u32>,
    free: BinaryHeap<Reverse<u32>>,
    high_water: u32,
    /// Touches in increasing load-counter order; an entry is stale once
    /// its key has been touched again.
    queue: VecDeque<(u64, StateKey)>,
}

impl Residency {
    /// A table keeping `cache_size` bytes of entries hot.
    pub fn new(cache_size: u64) -> Residency {
        Residency {
            lru: ColdLru::new(cache_size),
            slots: AHashMap::new(),
            free: BinaryHeap::new(),
            high_water: 0,
            queue: VecDeque::new(),
        }
    }

    /// The LRU deciding what is hot.
    pub fn lru(&self) -> &ColdLru {
        &self.lru
    }

    /// The slot of `key`, when resident.
    pub fn slot(&self, key: &StateKey) -> Option<u32> {
        self.slots.get(key).copied()
    }

    /// Resident keys.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing is resident.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Slots the table must hold (the highest handed out, plus one).
    pub fn high_water(&self) -> u32 {
        self.high_water
    }

    fn take_slot(&mut self) -> u32 {
        match self.free.pop() {
            Some(Reverse(s)) => s,
            None => {
                self.high_water += 1;
                self.high_water - 1
            }
        }
    }

    /// Gives each key not resident a slot; returns those loads (key, slot)
    /// in the order given (each key once).
    pub fn load(&mut self, keys: impl IntoIterator<Item = StateKey>) -> Vec<(StateKey, u32)> {
        let mut loads = Vec::new();
        for key in keys {
            if !self.slots.contains_key(&key) {
                let slot = self.take_slot();
                self.slots.insert(key, slot);
                loads.push((key, slot));
            }
        }
        loads
    }

    /// Takes back loads made for a block that did not run: the keys leave
    /// and their slots are free again.
    pub fn unload(&mut self, loads: &[(StateKey, u32)]) {
        for (key, slot) in loads {
            if self.slots.remove(key).is_some() {
                self.free.push(Reverse(*slot));
            }
        }
    }

    /// Touches `keys` (block order, each once) in the LRU, then evicts every
    /// resident key now cold. Returns the evictions (key, slot), lowest
    /// counter first, and the loads of touched keys that are hot and were
    /// not resident.
    pub fn settle(&mut self, keys: impl IntoIterator<Item = StateKey>) -> Settled {
        let mut touched = Vec::new();
        for key in keys {
            if self.lru.size(&key) == 0 {
                self.lru.set_size(key, RESIDENT_ENTRY_BYTES);
            }
            self.lru.touch(key);
            self.queue.push_back((self.lru.counter(&key), key));
            touched.push(key);
        }
        let mut evicted = Vec::new();
        while let Some(&(counter, key)) = self.queue.front() {
            if self.lru.counter(&key) != counter {
                self.queue.pop_front(); // touched again since
                continue;
            }
            if !self.lru.is_cold_at(counter) {
                break; // every later entry is hotter
            }
            self.queue.pop_front();
            if let Some(slot) = self.slots.remove(&key) {
                self.free.push(Reverse(slot));
                evicted.push((key, slot));
            }
        }
        // Entries of keys touched again since stay behind live ones at the
        // front; past twice the live count, drop them (order is kept).
        if self.queue.len() > 2 * self.slots.len() + 1024 {
            let lru = &self.lru;
            self.queue.retain(|(c, k)| lru.counter(k) == *c);
        }
        let missing: Vec<StateKey> =
            touched.into_iter().filter(|k| !self.lru.is_cold(k) && !self.slots.contains_key(k)).collect();
        let loads = self.load(missing);
        Settled { evicted, loads }
    }

    /// Bytes a use of `key` would load now (the builder's `ColdBytes`).
    pub fn cold_bytes(&self, key: &StateKey) -> u64 {
        if self.slots.contains_key(key) {
            0
        } else {
            RESIDENT_ENTRY_BYTES
        }
    }

    /// The resident keys, sorted.
    pub fn resident_keys(&self) -> Vec<StateKey> {
        let mut keys: Vec<StateKey> = self.slots.keys().copied().collect();
        keys.sort_unstable();
        keys
    }

    /// The LRU's hot set, sorted.
    pub fn hot_set(&self) -> Vec<StateKey> {
        let mut keys: Vec<StateKey> = self.lru.hot_keys().collect();
        keys.sort_unstable();
        keys
    }

    /// Every resident key with its slot, sorted by key.
    pub fn entries(&self) -> Vec<(StateKey, u32)> {
        let mut e: Vec<(StateKey, u32)> = self.slots.iter().map(|(k, s)| (*k, *s)).collect();
        e.sort_unstable();
        e
    }
}

/// What [`Residency::settle`] changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settled {
    /// Keys evicted, with the slots they freed.
    pub evicted: Vec<(StateKey, u32)>,
    /// Hot keys that were not resident, with their new slots: their values
    /// must be uploaded.
    pub loads: Vec<(StateKey, u32)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ContractAddress, StorageKey};

    fn key(i: u64) -> StateKey {
        StateKey::Storage(ContractAddress::from_u64(1), StorageKey::from_u64(i))
    }

    #[test]
    fn resident_set_follows_the_hot_set() {
        // Room for 3 entries hot.
        let mut r = Residency::new(3 * RESIDENT_ENTRY_BYTES);
        let mut rng = 0x1234_5678u64;
        for _ in 0..200 {
            let keys: Vec<StateKey> = (0..4)
                .map(|_| {
                    rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    key((rng >> 33) % 10)
                })
                .collect();
            let mut seen = ahash::AHashSet::new();
            let keys: Vec<StateKey> = keys.into_iter().filter(|k| seen.insert(*k)).collect();
            let loads = r.load(keys.iter().copied());
            for (k, _) in &loads {
                assert!(r.lru().is_cold(k), "only cold keys load");
            }
            r.settle(keys);
            assert_eq!(r.resident_keys(), r.hot_set());
            let mut slots: Vec<u32> = r.entries().iter().map(|e| e.1).collect();
            slots.sort_unstable();
            slots.dedup();
            assert_eq!(slots.len(), r.len(), "slots are distinct");
            assert!(r.high_water() <= 3 + 4 + 1, "freed slots are reused");
        }
    }

    #[test]
    fn the_queue_stays_bounded_when_nothing_goes_cold() {
        let mut r = Residency::new(u64::MAX);
        for _ in 0..10_000 {
            r.load([key(1), key(2)]);
            r.settle([key(1), key(2)]);
        }
        assert_eq!(r.resident_keys(), [key(1), key(2)]);
        assert!(r.queue.len() <= 2 * r.len() + 1024 + 2, "{} queued", r.queue.len());
    }

    #[test]
    fn lowest_free_slot_first() {
        let mut r = Residency::new(0);
        let loads = r.load([key(1), key(2), key(3)]);
        assert_eq!(loads.iter().map(|l| l.1).collect::<Vec<_>>(), [0, 1, 2]);
        // With no bytes kept hot, only the last key touched stays.
        let s = r.settle([key(1), key(2), key(3)]);
        assert_eq!(s.evicted, [(key(1), 0), (key(2), 1)]);
        assert_eq!(r.resident_keys(), [key(3)]);
        assert_eq!(r.load([key(9)]), [(key(9), 0)]);
    }
}
