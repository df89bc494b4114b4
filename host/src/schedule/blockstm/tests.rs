//! The reader registry and the selective re-validation, driven by hand on
//! one thread so that each interleaving is exact.

use super::mvmemory::{MvMemory, MvRead, Origin, ReadDescriptor};
use super::scheduler::{Scheduler, Task};
use super::TxnIdx;
use crate::exec::StateKey;
use crate::state::ContractAddress;
use starknet_types_core::felt::Felt;

fn addr(k: u64) -> StateKey {
    StateKey::Nonce(ContractAddress::from_u64(k))
}

fn value(b: u128) -> Felt {
    Felt::from(b)
}

/// `txn` reads each of `keys` through the registry; its read set.
fn read_all(mv: &MvMemory, txn: TxnIdx, keys: &[u64]) -> Vec<ReadDescriptor> {
    keys.iter()
        .map(|&k| {
            let (found, slot) = mv.read(&addr(k), txn);
            let origin = match found {
                MvRead::Version(v, _) => Origin::Version(v),
                MvRead::Storage => Origin::Storage,
                MvRead::Estimate(b) => panic!("txn {txn} met an ESTIMATE of {b}"),
            };
            ReadDescriptor { key: addr(k), slot, origin }
        })
        .collect()
}

fn sorted(mut v: Vec<TxnIdx>) -> Vec<TxnIdx> {
    v.sort_unstable();
    v.dedup();
    v
}

#[test]
fn registry_names_only_readers_that_see_the_changed_entry() {
    const A: u64 = 1;
    const B: u64 = 2;
    let mv = MvMemory::new(8);
    // 2 and 5 read A, 4 reads B, 6 reads A and B; nobody wrote yet.
    for (txn, keys) in [(2, &[A][..]), (4, &[B]), (5, &[A]), (6, &[A, B])] {
        let reads = read_all(&mv, txn, keys);
        mv.record((txn, 0), &reads, &[], &mut Vec::new());
    }

    // 3 writes A for the first time: the readers of A above it.
    let mut affected = Vec::new();
    mv.record((3, 0), &[], &[(addr(A), value(30))], &mut affected);
    assert_eq!(sorted(affected), [5, 6]);

    // 1 writes A: only 2 sees its entry; 5 and 6 see 3's.
    let mut affected = Vec::new();
    mv.record((1, 0), &[], &[(addr(A), value(10))], &mut affected);
    assert_eq!(sorted(affected), [2]);

    // 3 is aborted: its ESTIMATE concerns the readers of A above it again.
    let mut affected = Vec::new();
    mv.convert_writes_to_estimates(3, &mut affected);
    assert_eq!(sorted(affected), [5, 6]);
    assert!(!mv.validate_read_set(5), "an ESTIMATE never validates");
    assert!(!mv.validate_read_set(2), "2 read storage, 1 wrote since");
    assert!(mv.validate_read_set(4), "B did not change");

    // Its next incarnation writes B instead: the readers of B above it,
    // and nobody for the removed ESTIMATE at A (5 and 6 were told above).
    let mut affected = Vec::new();
    mv.record((3, 1), &[], &[(addr(B), value(31))], &mut affected);
    assert_eq!(sorted(affected), [4, 6]);

    // A reader that registers after a change sees it.
    assert!(matches!(mv.read(&addr(A), 7).0, MvRead::Version((1, 0), _)));
    assert!(matches!(mv.read(&addr(B), 7).0, MvRead::Version((3, 1), _)));
}

/// Asks for tasks until one comes (a sweep step that finds nothing to
/// validate returns none).
fn next(s: &Scheduler) -> Option<Task> {
    (0..16).find_map(|_| s.next_task(0))
}

#[test]
fn only_affected_readers_are_validated_again() {
    const A: u64 = 1;
    const C: u64 = 3;
    let mv = MvMemory::new(4);
    let s = Scheduler::new(4, 1);
    // One worker starts all four executions; 0 is slow.
    for txn in 0..4 {
        assert_eq!(next(&s), Some(Task::Execute((txn, 0))));
    }
    // 1 reads A and writes C, 2 reads nothing of interest, 3 reads C (from
    // 1). Each is validated after its execution: at once where the sweep
    // has passed it, by the sweep otherwise.
    for (txn, reads, writes) in [(1, &[A][..], &[C][..]), (2, &[7], &[8]), (3, &[C], &[9])] {
        let reads = read_all(&mv, txn, reads);
        let writes: Vec<_> = writes.iter().map(|&k| (addr(k), value(k.into()))).collect();
        let mut affected = Vec::new();
        mv.record((txn, 0), &reads, &writes, &mut affected);
        assert!(affected.is_empty());
        s.request_validation(&affected);
        let task = s.finish_execution(0, txn, 0).or_else(|| next(&s));
        assert_eq!(task, Some(Task::Validate((txn, 0))));
        assert!(mv.validate_read_set(txn));
        assert_eq!(s.finish_validation(0, txn, false), None);
    }
    assert_eq!(next(&s), None, "nothing to do while 0 runs");

    // 0 finishes, writing A: 1 read A from storage and is named; 2 and 3
    // are not (the paper's scheduler would validate all three again).
    let mut affected = Vec::new();
    mv.record((0, 0), &[], &[(addr(A), value(5))], &mut affected);
    assert_eq!(affected, [1]);
    s.request_validation(&affected);
    assert_eq!(s.finish_execution(0, 0, 0), Some(Task::Validate((0, 0))));
    assert_eq!(s.finish_validation(0, 0, false), None);
    assert_eq!(next(&s), Some(Task::Validate((1, 0))));

    // 1's validation fails and aborts it: its write of C turns into an
    // ESTIMATE, which concerns 3 (it read C) but not 2.
    assert!(!mv.validate_read_set(1));
    assert!(s.try_validation_abort(1, 0));
    let mut affected = Vec::new();
    mv.convert_writes_to_estimates(1, &mut affected);
    assert_eq!(affected, [3]);
    s.request_validation(&affected);
    assert_eq!(s.finish_validation(0, 1, true), Some(Task::Execute((1, 1))));
    assert_eq!(next(&s), Some(Task::Validate((3, 0))));
    assert!(!mv.validate_read_set(3));
    assert_eq!(next(&s), None, "2 is not validated again");
    assert!(!s.done());
}
