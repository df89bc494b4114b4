//! Workloads for whole blocks, shared by tests, benches and the CLI: a
//! genesis state diff and any number of blocks of native transactions,
//! every one a deterministic function of the [`Spec`] (its seed) and the
//! block number.
//!
//! * [`Kind::P2p`]: STRK transfers between uniformly random accounts.
//! * [`Kind::Erc20`]: transfers of `tokens` tokens (STRK and others).
//! * [`Kind::Swaps`]: STRK/ETH swaps on `pools` constant-product pools.
//! * [`Kind::Zipf`]: transfers whose both ends follow a Zipf law of exponent
//!   `zipf`: a few hot accounts take most transactions.
//! * [`Kind::Hot`]: a share `hot` of the transfers pays one hot account.
//! * [`Kind::Chain`]: a fully dependent chain: transaction `k` pays account
//!   `k + 1`, which sends transaction `k + 1`.
//!
//! Except in the chain (kept fully dependent), about 1 % of transactions
//! carry a wrong nonce and 1 % overdraw, so the failure paths run too.
//! Amounts have 18 decimals: every account starts with 10^6 tokens of each
//! kind, 10^24 base units.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::str::FromStr;
use wavelane_host::exec::{
    balance_key_batch, prepare, Direction, NativeTx, Prepared, Swap, Transfer, ETH, RESERVE0, RESERVE1, STRK, U256,
};
use wavelane_host::state::{ContractAddress, MemState, StateDiff, StateWriter, StorageKey};
use wavelane_host::Felt;
use wavelane_kernels::Backend;

/// A workload family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Uniform STRK transfers.
    P2p,
    /// Transfers of several tokens.
    Erc20,
    /// Swaps on a few pools.
    Swaps,
    /// Zipf-skewed transfers (hot accounts).
    Zipf,
    /// A share of transfers paying one hot account.
    Hot,
    /// A fully dependent chain of transfers.
    Chain,
}

impl Kind {
    /// Every kind, for tests and benches.
    pub const ALL: [Kind; 6] = [Kind::P2p, Kind::Erc20, Kind::Swaps, Kind::Zipf, Kind::Hot, Kind::Chain];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Kind::P2p => "p2p",
            Kind::Erc20 => "erc20",
            Kind::Swaps => "swaps",
            Kind::Zipf => "zipf",
            Kind::Hot => "hot",
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
            .ok_or_else(|| format!("unknown workload {s:?} (expected one of: p2p, erc20, swaps, zipf, hot, chain)"))
    }
}

/// What to generate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spec {
    /// The family.
    pub kind: Kind,
    /// Accounts sending and receiving (traders, for swaps; the chain uses
    /// one more than it has transactions).
    pub accounts: usize,
    /// Pools (swaps).
    pub pools: usize,
    /// Tokens, STRK first (erc20).
    pub tokens: usize,
    /// Transactions per block.
    pub txs: usize,
    /// Seed of the generator.
    pub seed: u64,
    /// The Zipf exponent (zipf).
    pub zipf: f64,
    /// The share of transactions paying the hot account (hot).
    pub hot: f64,
}

impl Spec {
    /// `kind` over `accounts` accounts with `txs` transactions per block,
    /// and the defaults: 4 pools, 3 tokens, seed 1, Zipf exponent 1, hot
    /// share 0.3.
    pub fn new(kind: Kind, accounts: usize, txs: usize) -> Spec {
        Spec { kind, accounts, pools: 4, tokens: 3, txs, seed: 1, zipf: 1.0, hot: 0.3 }
    }

    /// The accounts the workload uses.
    pub fn account_count(&self) -> usize {
        match self.kind {
            Kind::Chain => self.txs + 1,
            _ => self.accounts.max(1),
        }
    }
}

/// The address of user account `i`.
pub fn account(i: usize) -> ContractAddress {
    ContractAddress::from_u64(0x1_0000_0000 + i as u64)
}

/// The address of pool `i`.
pub fn pool(i: usize) -> ContractAddress {
    ContractAddress::from_u64(0x2_0000_0000 + i as u64)
}

/// The address of token `i` (token 0 is STRK, token 1 ETH).
pub fn token(i: usize) -> ContractAddress {
    match i {
        0 => STRK,
        1 => ETH,
        _ => ContractAddress::from_u64(0x3_0000_0000 + i as u64),
    }
}

/// The class hash of the workloads' accounts.
pub const ACCOUNT_CLASS: Felt = Felt::from_hex_unchecked("0xacc0");
/// The class hash of their tokens.
pub const TOKEN_CLASS: Felt = Felt::from_hex_unchecked("0xe2c20");
/// The class hash of their pools.
pub const POOL_CLASS: Felt = Felt::from_hex_unchecked("0x9001");

/// Every account's starting balance in each token: 10^6 tokens of 18
/// decimals.
pub const BALANCE: u128 = 1_000_000_000_000_000_000_000_000;
/// Each pool's starting reserve of each token.
pub const RESERVE: u128 = 1_000_000_000_000_000_000_000_000_000;

/// Generates a workload's genesis and blocks.
#[derive(Clone, Debug)]
pub struct Generator {
    spec: Spec,
    nonces: Vec<u64>,
    zipf: Option<Zipf>,
}

impl Generator {
    /// The generator of `spec`, before block 0.
    pub fn new(spec: Spec) -> Generator {
        let n = spec.account_count();
        let zipf = (spec.kind == Kind::Zipf).then(|| Zipf::new(n, spec.zipf));
        Generator { spec, nonces: vec![0; n], zipf }
    }

    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The tokens the accounts hold.
    fn tokens(&self) -> usize {
        match self.spec.kind {
            Kind::Erc20 => self.spec.tokens.max(1),
            Kind::Swaps => 2,
            _ => 1,
        }
    }

    /// The genesis diff: the accounts, tokens and pools deployed, every
    /// account funded in each token it uses, the pools' reserves, and the
    /// three classes declared.
    pub fn genesis(&self, sequencer: ContractAddress) -> StateDiff {
        let n = self.spec.account_count();
        let mut diff = StateDiff::default();
        for class in [ACCOUNT_CLASS, TOKEN_CLASS, POOL_CLASS] {
            diff.declared.insert(class, class + Felt::from(0xc0u64));
        }
        diff.deployed.insert(sequencer, ACCOUNT_CLASS);
        let accounts: Vec<Felt> = (0..n).map(|i| account(i).felt()).collect();
        let keys = balance_key_batch(Backend::Simd, &accounts).expect("simd hashing never fails");
        for t in 0..self.tokens() {
            diff.deployed.insert(token(t), TOKEN_CLASS);
            let cells = diff.storage.entry(token(t)).or_default();
            for key in &keys {
                cells.insert(*key, Felt::from(BALANCE));
            }
        }
        for a in 0..n {
            diff.deployed.insert(account(a), ACCOUNT_CLASS);
        }
        if self.spec.kind == Kind::Swaps {
            for p in 0..self.spec.pools.max(1) {
                diff.deployed.insert(pool(p), POOL_CLASS);
                let cells = diff.storage.entry(pool(p)).or_default();
                for r in [RESERVE0, RESERVE1] {
                    cells.insert(r, Felt::from(RESERVE));
                }
            }
        }
        diff
    }

    /// Block `number`'s transactions. Blocks must be asked for in order
    /// (each sender's nonces continue from the block before).
    pub fn block(&mut self, number: u64) -> Vec<NativeTx> {
        let seed = self.spec.seed ^ number.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut g =
            Gen { rng: StdRng::seed_from_u64(seed), nonces: &mut self.nonces, faults: self.spec.kind != Kind::Chain };
        let spec = &self.spec;
        let n = spec.account_count();
        match spec.kind {
            Kind::P2p => {
                (0..spec.txs).map(|_| g.transfer(STRK, |r| r.random_range(0..n), |r| r.random_range(0..n))).collect()
            }
            Kind::Erc20 => (0..spec.txs)
                .map(|_| {
                    let t = token(g.rng.random_range(0..spec.tokens.max(1)));
                    g.transfer(t, |r| r.random_range(0..n), |r| r.random_range(0..n))
                })
                .collect(),
            Kind::Zipf => {
                let zipf = self.zipf.as_ref().expect("made for zipf");
                (0..spec.txs).map(|_| g.transfer(STRK, |r| zipf.sample(r), |r| zipf.sample(r))).collect()
            }
            Kind::Hot => (0..spec.txs)
                .map(|_| {
                    let hot = g.rng.random_bool(spec.hot.clamp(0.0, 1.0));
                    g.transfer(STRK, |r| r.random_range(0..n), |r| if hot { 0 } else { r.random_range(0..n) })
                })
                .collect(),
            Kind::Swaps => (0..spec.txs).map(|_| g.swap(n, spec.pools.max(1))).collect(),
            Kind::Chain => (0..spec.txs).map(|k| g.transfer(STRK, |_| k, |_| k + 1)).collect(),
        }
    }
}

/// A genesis state and one block on top of it, prepared.
#[derive(Clone, Debug)]
pub struct Workload {
    /// The state after genesis.
    pub state: MemState,
    /// Block 0, prepared (hashes and balance keys computed).
    pub block: Vec<Prepared>,
}

/// The genesis of `spec` applied to an empty state, and its block 0.
pub fn generate(spec: &Spec) -> Workload {
    let mut g = Generator::new(*spec);
    let mut state = MemState::new();
    state.apply_diff(&g.genesis(wavelane_host::block::MAINNET_SEQUENCER)).expect("memory writes never fail");
    let block = prepare(Backend::Simd, &g.block(0)).expect("simd hashing never fails");
    Workload { state, block }
}

struct Gen<'a> {
    rng: StdRng,
    nonces: &'a mut Vec<u64>,
    faults: bool,
}

impl Gen<'_> {
    /// The nonce of `sender`'s next transaction (1 % are wrong) and the fee.
    fn nonce_and_fee(&mut self, sender: usize) -> (u64, u128) {
        let fee = self.rng.random_range(1_000_000_000_000..100_000_000_000_000);
        if self.faults && self.rng.random_range(0..100) == 0 {
            return (self.nonces[sender] + 1 + self.rng.random_range(0..3), fee);
        }
        let nonce = self.nonces[sender];
        self.nonces[sender] += 1;
        (nonce, fee)
    }

    fn amount(&mut self) -> U256 {
        if self.faults && self.rng.random_range(0..100) == 0 {
            U256::from(BALANCE * 1000) // overdraws: fee charged, nothing moved
        } else {
            U256::from(self.rng.random_range(1..1_000_000_000_000_000_000u128))
        }
    }

    fn transfer(
        &mut self,
        token: ContractAddress,
        from: impl Fn(&mut StdRng) -> usize,
        to: impl Fn(&mut StdRng) -> usize,
    ) -> NativeTx {
        let from = from(&mut self.rng);
        let to = to(&mut self.rng);
        let amount = self.amount();
        let (nonce, fee) = self.nonce_and_fee(from);
        NativeTx::Transfer(Transfer { token, from: account(from), to: account(to), amount, nonce, fee })
    }

    fn swap(&mut self, users: usize, pools: usize) -> NativeTx {
        let user = self.rng.random_range(0..users);
        let p = self.rng.random_range(0..pools);
        let amount_in = self.amount();
        let direction = if self.rng.random_bool(0.5) { Direction::AToB } else { Direction::BToA };
        // 5 % ask for more than the pool can give: slippage failures.
        let min_out = if self.rng.random_range(0..20) == 0 {
            amount_in.checked_add(amount_in).unwrap_or(U256::MAX)
        } else {
            U256::ZERO
        };
        let (nonce, fee) = self.nonce_and_fee(user);
        NativeTx::Swap(Swap { user: account(user), pool: pool(p), amount_in, direction, min_out, nonce, fee: fee * 3 })
    }
}

/// A Zipf law over `0..n` by inversion of its cumulative distribution.
#[derive(Clone, Debug)]
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

/// The storage key of `account`'s balance, for tests that look at cells.
pub fn balance_cell(a: ContractAddress) -> StorageKey {
    wavelane_host::exec::balance_key(a)
}
