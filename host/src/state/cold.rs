//! The deterministic LRU of *Cold* (DESIGN.md).
//!
//! The bank keeps `loaded_bytes`, the running total of bytes loaded; each
//! account keeps `load_counter`, the total when it was last used. An account
//! is cold when `loaded_bytes - load_counter > cache_size`; an account never
//! used has counter 0, so it starts cold. Cold bytes count against a block's
//! `LOAD_LIMIT` (see `schedule::builder`).

use crate::exec::Address;
use ahash::AHashMap;

/// Per-account load counters and sizes, and the bank's running total.
#[derive(Clone, Debug, Default)]
pub struct ColdLru {
    cache_size: u64,
    loaded_bytes: u64,
    /// address → (load_counter, size in bytes)
    accounts: AHashMap<Address, (u64, u64)>,
}

impl ColdLru {
    /// An LRU keeping about `cache_size` bytes hot.
    pub fn new(cache_size: u64) -> ColdLru {
        ColdLru { cache_size, ..ColdLru::default() }
    }

    /// Declares the size of an account (bytes loaded when it is cold).
    pub fn set_size(&mut self, address: Address, size: u64) {
        self.accounts.entry(address).or_insert((0, 0)).1 = size;
    }

    /// The size of an account (0 when never declared).
    pub fn size(&self, address: &Address) -> u64 {
        self.accounts.get(address).map_or(0, |a| a.1)
    }

    /// Whether using `address` now would load it from a colder tier.
    pub fn is_cold(&self, address: &Address) -> bool {
        let counter = self.accounts.get(address).map_or(0, |a| a.0);
        counter == 0 || self.loaded_bytes - counter > self.cache_size
    }

    /// Bytes a use of `address` would load now (0 when hot).
    pub fn cold_bytes(&self, address: &Address) -> u64 {
        if self.is_cold(address) {
            self.size(address)
        } else {
            0
        }
    }

    /// Records a use of `address`: its bytes count as loaded and its
    /// counter moves to the new total.
    pub fn touch(&mut self, address: Address) {
        let entry = self.accounts.entry(address).or_insert((0, 0));
        self.loaded_bytes += entry.1.max(1);
        entry.0 = self.loaded_bytes;
    }
}
