//! The Starknet state commitment: real chains' published roots from their
//! state updates, on every backend; random diffs over many blocks against a
//! from-scratch recomputation on starknet-crypto; the JSON forms.

#[path = "support/reference.rs"]
mod reference;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reference::RefState;
use wavelane::host::state::json::{self, JsonError, JsonForm};
use wavelane::host::state::{
    ContractAddress, MemState, StarknetVersion, StateCommitment, StateDiff, StateUpdate, StateWriter, StorageKey,
};
use wavelane::kernels::{gpu, Backend};
use wavelane::Felt;

fn backends(test: &str) -> Vec<Backend> {
    let mut v = vec![Backend::Scalar, Backend::Simd];
    if gpu::context_or_skip(test).is_some() {
        v.push(Backend::Gpu);
    }
    v
}

fn data(path: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/{path}", env!("CARGO_MANIFEST_DIR"))).expect("test data")
}

fn chain(name: &str, blocks: usize) -> Vec<StateUpdate> {
    (0..blocks).map(|i| json::parse_state_update(&data(&format!("{name}/state_update_{i}.json"))).unwrap()).collect()
}

/// Applies `updates` from the empty state on `backend`; checks each root
/// against the published `old_root` and `new_root`.
fn replay(updates: &[StateUpdate], backend: Backend, what: &str) {
    let mut state = MemState::new();
    let mut commitment = StateCommitment::new();
    let mut prev = Felt::ZERO;
    for (i, u) in updates.iter().enumerate() {
        assert_eq!(u.old_root, Some(prev), "{what} block {i}: old_root");
        let version = u.starknet_version.unwrap_or(StarknetVersion::BEFORE_0_14);
        let (roots, stats) = commitment.commit(backend, &state, &u.diff, version).unwrap();
        assert_eq!(stats.fallback, None);
        // Every byte the GPU saw is counted; the CPU backends move none.
        assert_eq!(stats.bytes_up > 0 && stats.bytes_down > 0, backend == Backend::Gpu, "{what} block {i}");
        state.apply_diff(&u.diff).unwrap();
        assert_eq!(Some(roots.global), u.new_root, "{what} block {i} on {backend}");
        prev = roots.global;
    }
}

#[test]
fn mainnet_blocks_0_to_2_give_their_published_roots_on_every_backend() {
    let updates = chain("mainnet", 3);
    for backend in backends("mainnet roots") {
        replay(&updates, backend, "mainnet");
    }
}

#[test]
fn goerli2_blocks_0_to_4_give_their_published_roots_on_every_backend() {
    let updates = chain("goerli2", 5);
    for backend in backends("goerli2 roots") {
        replay(&updates, backend, "goerli2");
    }
}

#[test]
fn a_0_14_block_with_an_empty_class_trie_gives_its_published_root() {
    let u = json::parse_state_update(&data("v0_14_zero_class_commitment.json")).unwrap();
    assert_eq!(u.starknet_version, Some(StarknetVersion::V0_14_0));
    for backend in backends("0.14 root") {
        replay(std::slice::from_ref(&u), backend, "0.14 genesis");
    }
    // The same diff under the rules before 0.14 gives the contracts root.
    let mut c = StateCommitment::new();
    let (roots, _) = c.commit(Backend::Simd, &MemState::new(), &u.diff, StarknetVersion::BEFORE_0_14).unwrap();
    assert_eq!(roots.global, roots.contracts);
    assert_ne!(Some(roots.global), u.new_root);
}

#[test]
fn both_json_forms_round_trip_and_give_the_same_roots() {
    for (name, n) in [("mainnet", 3), ("goerli2", 5)] {
        let updates = chain(name, n);
        for form in [JsonForm::Rpc, JsonForm::Feeder] {
            let again: Vec<StateUpdate> = updates
                .iter()
                .map(|u| {
                    let text = json::to_json(u, form).to_string();
                    let (back, seen) = json::state_update_from_value(&serde_json::from_str(&text).unwrap()).unwrap();
                    assert_eq!(seen, form);
                    back
                })
                .collect();
            assert_eq!(again, updates, "{name} through {form:?}");
            replay(&again, Backend::Simd, name);
        }
    }
    // A JSON-RPC envelope is accepted too.
    let u = &chain("goerli2", 1)[0];
    let wrapped = serde_json::json!({"jsonrpc": "2.0", "id": 1, "result": json::to_json(u, JsonForm::Rpc)});
    assert_eq!(&json::state_update_from_value(&wrapped).unwrap().0, u);
}

fn felt_below_2_251(rng: &mut StdRng) -> Felt {
    let mut b: [u8; 32] = rng.random();
    b[0] &= 0x07;
    Felt::from_bytes_be(&b)
}

/// A random block: storage writes (some to known cells, some deletes),
/// deployments, replaced classes, declared classes, nonce-only changes.
fn random_diff(rng: &mut StdRng, model: &RefState, block: usize) -> StateDiff {
    let mut d = StateDiff::default();
    let known: Vec<Felt> = model.contracts.keys().copied().collect();
    let pick = |rng: &mut StdRng| -> Felt {
        if !known.is_empty() && rng.random_bool(0.6) {
            known[rng.random_range(0..known.len())]
        } else if rng.random_bool(0.5) {
            Felt::from(rng.random_range(1u64..200))
        } else {
            felt_below_2_251(rng)
        }
    };
    for _ in 0..rng.random_range(0..6) {
        let a = ContractAddress::new(pick(rng)).unwrap();
        let cells = d.storage.entry(a).or_default();
        let known_keys: Vec<Felt> =
            model.contracts.get(&a.felt()).map(|c| c.2.keys().copied().collect()).unwrap_or_default();
        for _ in 0..[1, 2, 5, 20][rng.random_range(0..4)] {
            let k = if !known_keys.is_empty() && rng.random_bool(0.4) {
                known_keys[rng.random_range(0..known_keys.len())]
            } else {
                Felt::from(rng.random_range(0u64..50))
            };
            let v = if rng.random_bool(0.25) { Felt::ZERO } else { Felt::from(rng.random_range(1u64..1 << 40)) };
            cells.insert(StorageKey::new(k).unwrap(), v);
        }
    }
    for _ in 0..rng.random_range(0..3) {
        d.deployed.insert(ContractAddress::new(felt_below_2_251(rng)).unwrap(), felt_below_2_251(rng));
    }
    if !known.is_empty() && block % 3 == 1 {
        d.replaced
            .insert(ContractAddress::new(known[rng.random_range(0..known.len())]).unwrap(), Felt::from(block as u64));
    }
    for _ in 0..rng.random_range(0..3) {
        // Nonce-only changes, some of contracts that have nothing else.
        d.nonces.insert(ContractAddress::new(pick(rng)).unwrap(), Felt::from(rng.random_range(1u64..1000)));
    }
    if block % 4 == 2 {
        d.declared.insert(felt_below_2_251(rng), felt_below_2_251(rng));
        d.deprecated_declared.insert(felt_below_2_251(rng));
    }
    d
}

#[test]
fn random_blocks_equal_a_from_scratch_recomputation_on_every_backend() {
    for backend in backends("commitment random blocks") {
        for v014 in [false, true] {
            let version = if v014 { StarknetVersion::V0_14_0 } else { StarknetVersion::BEFORE_0_14 };
            let mut rng = StdRng::seed_from_u64(99 + v014 as u64);
            let mut model = RefState::default();
            let mut state = MemState::new();
            let mut commitment = StateCommitment::new();
            let blocks = if backend == Backend::Gpu { 5 } else { 12 };
            for block in 0..blocks {
                let d = random_diff(&mut rng, &model, block);
                let (roots, _) = commitment.commit(backend, &state, &d, version).unwrap();
                state.apply_diff(&d).unwrap();
                model.apply(&d);
                let (contracts, classes, global) = model.root(v014);
                assert_eq!(
                    (roots.contracts, roots.classes, roots.global),
                    (contracts, classes, global),
                    "{backend} block {block} v014={v014}"
                );
            }
        }
    }
}

#[test]
fn bad_json_names_the_path_of_the_bad_value() {
    let cases = [
        ("{", "malformed JSON"),
        (r#"{"new_root": "0x1"}"#, "`state_diff`: missing"),
        (r#"{"state_diff": {"storage_diffs": 3}}"#, "`state_diff.storage_diffs`: expected a list"),
        (
            r#"{"state_diff": {"storage_diffs": {"0x1": [{"key": "0x2"}]}}}"#,
            "`state_diff.storage_diffs.0x1[0].value`: missing",
        ),
        (
            r#"{"state_diff": {"storage_diffs": [{"address": "0x1", "storage_entries": [{"key": "0x2", "value": "12"}]}]}}"#,
            "`state_diff.storage_diffs[0].storage_entries[0].value`: `12` is not a 0x-prefixed hex felt",
        ),
        (
            r#"{"state_diff": {"storage_diffs": {"0x1": [{"key": "0x800000000000000000000000000000000000000000000000000000000000000", "value": "0x1"}]}}}"#,
            "`state_diff.storage_diffs.0x1[0].key`: storage key",
        ),
        (
            r#"{"state_diff": {"storage_diffs": {"0x1": [{"key": "0x1", "value": "0x800000000000011000000000000000000000000000000000000000000000001"}]}}}"#,
            "is not below p",
        ),
        (
            r#"{"state_diff": {"storage_diffs": [], "nonces": [{"contract_address": "0x800000000000000000000000000000000000000000000000000000000000000", "nonce": "0x1"}]}}"#,
            "`state_diff.nonces[0].contract_address`: contract address",
        ),
        (
            r#"{"starknet_version": "0.x", "state_diff": {"storage_diffs": []}}"#,
            "`starknet_version`: `0.x` is not a Starknet version",
        ),
    ];
    for (text, want) in cases {
        let err = json::parse_state_update(text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains(want), "{text}: got `{msg}`, want `{want}`");
        if want != "malformed JSON" {
            assert!(matches!(err, JsonError::Field { .. }));
        }
    }
    // p itself is refused; p - 1 is the largest felt.
    let p_minus_1 = "0x800000000000011000000000000000000000000000000000000000000000000";
    let ok = format!(r#"{{"state_diff": {{"storage_diffs": {{"0x1": [{{"key": "0x1", "value": "{p_minus_1}"}}]}}}}}}"#);
    assert_eq!(json::parse_state_update(&ok).unwrap().diff.storage_updates(), 1);
}

#[test]
fn an_out_of_range_class_hash_is_refused_before_any_trie_changes() {
    let mut c = StateCommitment::new();
    let mut d = StateDiff::default();
    d.storage.entry(ContractAddress::from_u64(5)).or_default().insert(StorageKey::from_u64(1), Felt::ONE);
    d.declared.insert(
        Felt::from_hex("0x800000000000000000000000000000000000000000000000000000000000000").unwrap(),
        Felt::ONE,
    );
    let err = c.commit(Backend::Simd, &MemState::new(), &d, StarknetVersion::V0_14_0).unwrap_err();
    assert!(err.to_string().contains("class hash"), "{err}");
    assert_eq!(c.roots(StarknetVersion::V0_14_0).global, Felt::ZERO);
    assert_eq!(c.storage_root(&ContractAddress::from_u64(5)), Felt::ZERO);
}
