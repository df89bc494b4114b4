//! `wavelane bench index`: the memory and speed of the contracts' records
//! ([`AccountIndex`]) against a hash map of address → record, the peer, for
//! the same random contracts in the same run.
//!
//! Bytes are exact for the index ([`AccountIndex::bytes`]: its arrays,
//! table and side maps) and computed for the peer from hashbrown's layout:
//! its buckets (the capacity over 7/8, a power of two) of a 96-byte entry
//! and a control byte each.

use super::{Measurement, Reporter};
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::time::Instant;
use wavelane_host::state::{swiss_table_bytes as map_bytes, AccountIndex, ContractAddress, ContractRecord};
use wavelane_kernels::Felt;

/// The memory of both at one size.
#[derive(Clone, Debug, Serialize)]
pub struct IndexMemory {
    /// Contracts held.
    pub accounts: u64,
    /// The index's bytes per contract.
    pub index_bytes_per_account: f64,
    /// The hash map's bytes per contract.
    pub map_bytes_per_account: f64,
}

/// Builds both for `n` random contracts (random addresses, small nonces,
/// one of three classes), then looks every contract up in random order;
/// reports build and lookup rates and the memory.
pub fn measure(rep: &mut Reporter, n: usize, seed: u64) -> IndexMemory {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    rep.step(&format!("{n} random contracts"));
    let addresses: Vec<ContractAddress> = (0..n)
        .map(|_| {
            let mut b: [u8; 32] = rng.random();
            b[0] &= 0x03;
            ContractAddress::new(Felt::from_bytes_be(&b)).expect("below 2^251")
        })
        .collect();
    let classes = [Felt::from(0x1001u64), Felt::from(0x2002u64), Felt::from(0x3003u64)];
    let records: Vec<ContractRecord> = (0..n)
        .map(|i| ContractRecord { class_hash: classes[i % 3], nonce: Felt::from(rng.random_range(0u64..1000)) })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.random_range(0..=i));
    }
    let name = format!("index.{n}");

    rep.step(&format!("{name}: the hash map"));
    let t = Instant::now();
    let mut map: ahash::AHashMap<ContractAddress, ContractRecord> = ahash::AHashMap::new();
    for (a, r) in addresses.iter().zip(&records) {
        map.insert(*a, *r);
    }
    let map_build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut sum = 0u64;
    for &i in &order {
        sum += u64::from(map.get(&addresses[i]).is_some_and(|r| r.nonce == records[i].nonce));
    }
    let map_get = t.elapsed().as_secs_f64();
    assert_eq!(sum, n as u64, "the map holds every contract");
    let map_bytes = map_bytes(map.capacity(), std::mem::size_of::<(ContractAddress, ContractRecord)>());
    drop(map);

    rep.step(&format!("{name}: the index"));
    let t = Instant::now();
    let mut index = AccountIndex::new();
    for (a, r) in addresses.iter().zip(&records) {
        index.set_class_hash(*a, r.class_hash);
        index.set_nonce(*a, r.nonce);
    }
    let index_build = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut sum = 0u64;
    for &i in &order {
        sum += u64::from(index.get(&addresses[i]) == Some(records[i]));
    }
    let index_get = t.elapsed().as_secs_f64();
    assert_eq!(sum, n as u64, "the index holds every contract");

    let peer = Measurement::new(&format!("{name}.insert"), "hash map", n as u64, 1, map_build);
    rep.push(peer.clone());
    rep.push(Measurement::new(&format!("{name}.insert"), "index", n as u64, 1, index_build).against(&peer));
    let peer = Measurement::new(&format!("{name}.get"), "hash map", n as u64, 1, map_get);
    rep.push(peer.clone());
    rep.push(Measurement::new(&format!("{name}.get"), "index", n as u64, 1, index_get).against(&peer));
    IndexMemory {
        accounts: n as u64,
        index_bytes_per_account: index.bytes() as f64 / n as f64,
        map_bytes_per_account: map_bytes as f64 / n as f64,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_bytes_follow_hashbrowns_buckets() {
        let mut m: ahash::AHashMap<u64, u64> = ahash::AHashMap::new();
        for i in 0..1000u64 {
            m.insert(i, i);
        }
        // 1000 entries need 1143 buckets at 7/8: 2048 of them.
        assert_eq!(map_bytes(m.capacity(), 16), 2048 * 17);
    }
}
