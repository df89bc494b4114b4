//! The deterministic LRU of *Cold* (see `docs/ARCHITECTURE.md`).
//!
//! The bank keeps `loaded_bytes`, the running total of bytes loaded; each
//! state key keeps `load_counter`, the total when it was last used. A state key
//! is cold when `loaded_bytes - load_counter > cache_size`; a state key never
//! used has counter 0, so it starts cold. Cold bytes count against a block's
//! `LOAD_LIMIT` (see `schedule::builder`).

use super::StateKey;
use ahash::AHashMap;

/// Per-key load counters and sizes, and the bank's running total.
#[derive(Clone, Debug, Default)]
pub struct ColdLru {
    cache_size: u64,
    loaded_bytes: u64,
    /// key → (load_counter, size in bytes)
    keys: AHashMap<StateKey, (u64, u64)>,
}

impl ColdLru {
    /// An LRU keeping about `cache_size` bytes hot.
    pub fn new(cache_size: u64) -> ColdLru {
        ColdLru { cache_size, ..ColdLru::default() }
    }

    /// The bytes kept hot.
    pub fn cache_size(&self) -> u64 {
        self.cache_size
    }

    /// The running total of bytes loaded.
    pub fn loaded_bytes(&self) -> u64 {
        self.loaded_bytes
    }

    /// The load counter of `key` (0 when never used).
    pub fn counter(&self, key: &StateKey) -> u64 {
        self.keys.get(key).map_or(0, |a| a.0)
    }

    /// Whether a key with load counter `counter` is cold now.
    pub fn is_cold_at(&self, counter: u64) -> bool {
        counter == 0 || self.loaded_bytes - counter > self.cache_size
    }

    /// The keys that are hot now, in no particular order.
    pub fn hot_keys(&self) -> impl Iterator<Item = StateKey> + '_ {
        self.keys.iter().filter(|(_, a)| !self.is_cold_at(a.0)).map(|(k, _)| *k)
    }

    /// Declares the size of a state key (bytes loaded when it is cold).
    pub fn set_size(&mut self, key: StateKey, size: u64) {
        self.keys.entry(key).or_insert((0, 0)).1 = size;
    }

    /// The size of a state key (0 when never declared).
    pub fn size(&self, key: &StateKey) -> u64 {
        self.keys.get(key).map_or(0, |a| a.1)
    }

    /// Whether using `key` now would load it from a colder tier.
    pub fn is_cold(&self, key: &StateKey) -> bool {
        self.is_cold_at(self.counter(key))
    }

    /// Bytes a use of `key` would load now (0 when hot).
    pub fn cold_bytes(&self, key: &StateKey) -> u64 {
        if self.is_cold(key) {
            self.size(key)
        } else {
            0
        }
    }

    /// Records a use of `key`: its bytes count as loaded and its
    /// counter moves to the new total.
    pub fn touch(&mut self, key: StateKey) {
        let entry = self.keys.entry(key).or_insert((0, 0));
        self.loaded_bytes += entry.1.max(1);
        entry.0 = self.loaded_bytes;
    }
}
