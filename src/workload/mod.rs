//! Workloads shared by tests, benches and the CLI: a genesis state and a
//! block of native transactions, fully determined by a [`Spec`] (seeded).
//!
//! * [`Kind::P2p`]: transfers between uniformly random accounts (Block-STM's
//!   standard benchmark; contention set by the number of accounts).
//! * [`Kind::Zipf`]: transfers whose both ends follow a Zipf law (s = 1): a few
//!   hot accounts take most transactions.
//! * [`Kind::Swaps`]: swaps on `pools` constant-product pools, a deliberately
//!   contended account each.
//! * [`Kind::Chain`]: a fully dependent chain: transaction `k` pays account
//!   `k + 1`, which sends transaction `k + 1`.
//!
//! Except in the chain (kept fully dependent), about 1 % of transactions
//! carry a wrong nonce and 1 % overdraw, so failure paths run too.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::str::FromStr;
use wavelane_host::exec::{Account, Address, Direction, NativeTx, Swap, Transfer};
use wavelane_host::state::MemStore;
use wavelane_host::Felt;

/// A workload family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Uniform peer-to-peer transfers.
    P2p,
    /// Zipf-skewed transfers (hot accounts).
    Zipf,
    /// Swaps on a few pools.
    Swaps,
    /// A fully dependent chain of transfers.
    Chain,
}

impl Kind {
    /// Every kind, for tests and benches.
    pub const ALL: [Kind; 4] = [Kind::P2p, Kind::Zipf, Kind::Swaps, Kind::Chain];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::P2p => "p2p",
            Kind::Zipf => "zipf",
            Kind::Swaps => "swaps",
            Kind::Chain => "chain",
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("unknown workload {s:?} (expected p2p, zipf, swaps or chain)"))
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    /// The family.
    pub kind: Kind,
    /// Accounts sending and receiving (traders, for swaps; ignored by chain).
    pub accounts: usize,
    /// Pools (swaps only).
    pub pools: usize,
    /// Transactions in the block.
    pub txs: usize,
    /// Seed of the generator.
    pub seed: u64,
}

/// A genesis state and a block on top of it.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The pre-block state.
    pub state: MemStore,
    /// The block.
    pub block: Vec<NativeTx>,
}

/// The address of user account `i`.
pub fn account(i: usize) -> Address {
    Felt::from(0x1_0000_0000u64 + i as u64)
}

/// The address of pool `i`.
pub fn pool(i: usize) -> Address {
    Felt::from(0x2_0000_0000u64 + i as u64)
}

const BALANCE: u128 = 1_000_000_000_000;
const RESERVE: u128 = 1_000_000_000_000_000;

/// Generates the workload of `spec`.
pub fn generate(spec: &Spec) -> Workload {
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let faults = spec.kind != Kind::Chain;
    let mut g = Gen { rng: &mut rng, nonces: Vec::new(), state: MemStore::new(), faults };
    let block = match spec.kind {
        Kind::P2p => {
            let n = spec.accounts.max(1);
            g.fund(n);
            (0..spec.txs).map(|_| g.transfer(|r| r.random_range(0..n), |r| r.random_range(0..n))).collect()
        }
        Kind::Zipf => {
            let n = spec.accounts.max(1);
            g.fund(n);
            let zipf = Zipf::new(n, 1.0);
            (0..spec.txs).map(|_| g.transfer(|r| zipf.sample(r), |r| zipf.sample(r))).collect()
        }
        Kind::Swaps => {
            let n = spec.accounts.max(1);
            let pools = spec.pools.max(1);
            g.fund(n);
            for p in 0..pools {
                g.state.insert(pool(p), Account { balance: RESERVE, aux: RESERVE, nonce: 0 });
            }
            (0..spec.txs).map(|_| g.swap(n, pools)).collect()
        }
        Kind::Chain => {
            g.fund(spec.txs + 1);
            (0..spec.txs).map(|k| g.transfer(|_| k, |_| k + 1)).collect()
        }
    };
    Workload { state: g.state, block }
}

struct Gen<'a> {
    rng: &'a mut StdRng,
    nonces: Vec<u64>,
    state: MemStore,
    faults: bool,
}

impl Gen<'_> {
    fn fund(&mut self, n: usize) {
        self.nonces = vec![0; n];
        for i in 0..n {
            self.state.insert(account(i), Account { balance: BALANCE, aux: BALANCE, nonce: 0 });
        }
    }

    /// The nonce of `sender`'s next transaction (1 % are wrong) and the fee.
    fn nonce_and_fee(&mut self, sender: usize) -> (u64, u64) {
        let fee = self.rng.random_range(300..30_000);
        if self.faults && self.rng.random_range(0..100) == 0 {
            return (self.nonces[sender] + 1 + self.rng.random_range(0..3), fee);
        }
        let nonce = self.nonces[sender];
        self.nonces[sender] += 1;
        (nonce, fee)
    }

    fn amount(&mut self) -> u128 {
        if self.faults && self.rng.random_range(0..100) == 0 {
            BALANCE * 2 // overdraws: fee charged, nothing moved
        } else {
            self.rng.random_range(1..1_000_000)
        }
    }

    fn transfer(&mut self, from: impl Fn(&mut StdRng) -> usize, to: impl Fn(&mut StdRng) -> usize) -> NativeTx {
        let from = from(self.rng);
        let to = to(self.rng);
        let amount = self.amount();
        let (nonce, fee) = self.nonce_and_fee(from);
        NativeTx::Transfer(Transfer { from: account(from), to: account(to), amount, nonce, fee })
    }

    fn swap(&mut self, users: usize, pools: usize) -> NativeTx {
        let user = self.rng.random_range(0..users);
        let p = self.rng.random_range(0..pools);
        let amount_in = self.amount();
        let direction = if self.rng.random_bool(0.5) { Direction::AToB } else { Direction::BToA };
        // 5 % ask for more than the pool can give: slippage failures.
        let min_out = if self.rng.random_range(0..20) == 0 { amount_in * 2 } else { 0 };
        let (nonce, fee) = self.nonce_and_fee(user);
        NativeTx::Swap(Swap { user: account(user), pool: pool(p), amount_in, direction, min_out, nonce, fee: fee * 3 })
    }
}

/// A Zipf law over `0..n` by inversion of its cumulative distribution.
struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    fn new(n: usize, s: f64) -> Zipf {
        let mut total = 0.0;
        let cdf = (1..=n)
            .map(|k| {
                total += 1.0 / (k as f64).powf(s);
                total
            })
            .collect();
        Zipf { cdf }
    }

    fn sample(&self, rng: &mut StdRng) -> usize {
        let u = rng.random::<f64>() * self.cdf.last().copied().unwrap_or(0.0);
        self.cdf.partition_point(|&c| c < u).min(self.cdf.len() - 1)
    }
}
