//! Dictionaries: the run's [`DictManager`] (`__dict_manager`), the `dict` /
//! `default_dict` hints that track each dictionary's contents, and the
//! `squash_dict` hints that walk its accesses key by key.
//!
//! A dictionary is a segment of `DictAccess(key, prev_value, new_value)`
//! triples; its tracker, keyed by the segment, holds the current contents
//! and the pointer the next access must start at.

use super::ctx::{bool_felt, offset, small, HintCtx, Var, RC_BOUND_BITS};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::{Relocatable, Value};
use starknet_types_core::felt::Felt;
use std::collections::HashMap;

/// `DictAccess.SIZE`.
const ACCESS: u64 = 3;

/// A dictionary or squash hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `dict_new`: a dictionary with `initial_dict`.
    DictNew,
    /// `default_dict_new`.
    DefaultDictNew,
    /// `dict_read`.
    DictRead,
    /// `dict_write`.
    DictWrite,
    /// `dict_update`.
    DictUpdate,
    /// `dict_squash`: copy the dictionary for the squashed one.
    DictSquashCopyDict,
    /// `dict_squash`: move the squashed dictionary's pointer to its end.
    DictSquashUpdatePtr,
    /// `squash_dict`: group the accesses by key.
    SquashDict,
    /// `squash_dict_inner`: the first access of a key.
    InnerFirstIteration,
    /// `squash_dict_inner`: a key accessed once.
    InnerSkipLoop,
    /// `squash_dict_inner`: the next access.
    InnerCheckAccessIndex,
    /// `squash_dict_inner`: more accesses of this key.
    InnerContinueLoop,
    /// `squash_dict_inner`: no accesses left.
    InnerLenAssert,
    /// `squash_dict_inner`: every access used.
    InnerUsedAccessesAssert,
    /// `squash_dict_inner`: no keys left.
    InnerAssertLenKeys,
    /// `squash_dict_inner`: the next key.
    InnerNextKey,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::DictNew,
        r#"if '__dict_manager' not in globals():
    from starkware.cairo.common.dict import DictManager
    __dict_manager = DictManager()

memory[ap] = __dict_manager.new_dict(segments, initial_dict)
del initial_dict"#,
    ),
    (
        Kind::DefaultDictNew,
        r#"if '__dict_manager' not in globals():
    from starkware.cairo.common.dict import DictManager
    __dict_manager = DictManager()

memory[ap] = __dict_manager.new_default_dict(segments, ids.default_value)"#,
    ),
    (
        Kind::DictRead,
        r#"dict_tracker = __dict_manager.get_tracker(ids.dict_ptr)
dict_tracker.current_ptr += ids.DictAccess.SIZE
ids.value = dict_tracker.data[ids.key]"#,
    ),
    (
        Kind::DictWrite,
        r#"dict_tracker = __dict_manager.get_tracker(ids.dict_ptr)
dict_tracker.current_ptr += ids.DictAccess.SIZE
ids.dict_ptr.prev_value = dict_tracker.data[ids.key]
dict_tracker.data[ids.key] = ids.new_value"#,
    ),
    (
        Kind::DictUpdate,
        r#"# Verify dict pointer and prev value.
dict_tracker = __dict_manager.get_tracker(ids.dict_ptr)
current_value = dict_tracker.data[ids.key]
assert current_value == ids.prev_value, \
    f'Wrong previous value in dict. Got {ids.prev_value}, expected {current_value}.'

# Update value.
dict_tracker.data[ids.key] = ids.new_value
dict_tracker.current_ptr += ids.DictAccess.SIZE"#,
    ),
    (
        Kind::DictSquashCopyDict,
        r#"# Prepare arguments for dict_new. In particular, the same dictionary values should be copied
# to the new (squashed) dictionary.
vm_enter_scope({
    # Make __dict_manager accessible.
    '__dict_manager': __dict_manager,
    # Create a copy of the dict, in case it changes in the future.
    'initial_dict': dict(__dict_manager.get_dict(ids.dict_accesses_end)),
})"#,
    ),
    (
        Kind::DictSquashUpdatePtr,
        r#"# Update the DictTracker's current_ptr to point to the end of the squashed dict.
__dict_manager.get_tracker(ids.squashed_dict_start).current_ptr = \
    ids.squashed_dict_end.address_"#,
    ),
    (
        Kind::SquashDict,
        r#"dict_access_size = ids.DictAccess.SIZE
address = ids.dict_accesses.address_
assert ids.ptr_diff % dict_access_size == 0, \
    'Accesses array size must be divisible by DictAccess.SIZE'
n_accesses = ids.n_accesses
if '__squash_dict_max_size' in globals():
    assert n_accesses <= __squash_dict_max_size, \
        f'squash_dict() can only be used with n_accesses<={__squash_dict_max_size}. ' \
        f'Got: n_accesses={n_accesses}.'
# A map from key to the list of indices accessing it.
access_indices = {}
for i in range(n_accesses):
    key = memory[address + dict_access_size * i]
    access_indices.setdefault(key, []).append(i)
# Descending list of keys.
keys = sorted(access_indices.keys(), reverse=True)
# Are the keys used bigger than range_check bound.
ids.big_keys = 1 if keys[0] >= range_check_builtin.bound else 0
ids.first_key = key = keys.pop()"#,
    ),
    (
        Kind::InnerFirstIteration,
        r#"current_access_indices = sorted(access_indices[key])[::-1]
current_access_index = current_access_indices.pop()
memory[ids.range_check_ptr] = current_access_index"#,
    ),
    (Kind::InnerSkipLoop, r#"ids.should_skip_loop = 0 if current_access_indices else 1"#),
    (
        Kind::InnerCheckAccessIndex,
        r#"new_access_index = current_access_indices.pop()
ids.loop_temps.index_delta_minus1 = new_access_index - current_access_index - 1
current_access_index = new_access_index"#,
    ),
    (Kind::InnerContinueLoop, r#"ids.loop_temps.should_continue = 1 if current_access_indices else 0"#),
    (Kind::InnerLenAssert, r#"assert len(current_access_indices) == 0"#),
    (Kind::InnerUsedAccessesAssert, r#"assert ids.n_used_accesses == len(access_indices[key])"#),
    (Kind::InnerAssertLenKeys, r#"assert len(keys) == 0"#),
    (
        Kind::InnerNextKey,
        r#"assert len(keys) > 0, 'No keys left but remaining_accesses > 0.'
ids.next_key = key = keys.pop()"#,
    ),
];

/// One dictionary's contents and where its next access goes.
#[derive(Clone, Debug)]
struct Tracker {
    data: HashMap<Felt, Value>,
    /// The value of a missing key, for a default dictionary.
    default: Option<Value>,
    current_ptr: Relocatable,
}

/// `__dict_manager`: a tracker per dictionary segment.
#[derive(Clone, Debug, Default)]
pub struct DictManager {
    trackers: HashMap<u32, Tracker>,
}

impl DictManager {
    fn new_dict(&mut self, base: Relocatable, data: HashMap<Felt, Value>, default: Option<Value>) {
        self.trackers.insert(base.segment, Tracker { data, default, current_ptr: base });
    }
}

/// The tracker whose next access is at `ptr`.
fn tracker<'c>(cx: &'c mut HintCtx<'_>, ptr: Relocatable) -> Result<&'c mut Tracker, VmError> {
    let at = cx.at;
    let fail = |what: String| VmError::Run { at, what };
    let t = cx
        .state
        .dicts
        .trackers
        .get_mut(&ptr.segment)
        .ok_or_else(|| fail(format!("dict: no dictionary in segment {}", ptr.segment)))?;
    if t.current_ptr != ptr {
        return Err(fail(format!("dict: pointer {ptr} is not the dictionary's current end {}", t.current_ptr)));
    }
    Ok(t)
}

/// `data[key]` (a default dictionary stores the default on a miss, as
/// Python's `defaultdict` does).
fn lookup(t: &mut Tracker, key: Felt) -> Option<Value> {
    match t.default {
        Some(d) => Some(*t.data.entry(key).or_insert(d)),
        None => t.data.get(&key).copied(),
    }
}

fn missing(cx: &HintCtx<'_>, key: Felt) -> VmError {
    cx.fail(format!("dict: key {key} is not in the dictionary"))
}

/// Runs one dictionary or squash hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::DictNew => {
            let data = match cx.take("initial_dict")? {
                Var::Dict(d) => d,
                _ => return Err(cx.fail("dict_new: `initial_dict` is not a dictionary")),
            };
            let base = cx.mem.add_segment();
            cx.state.dicts.new_dict(base, data, None);
            let ap = cx.ap;
            cx.write_at(ap, Value::Rel(base))
        }
        Kind::DefaultDictNew => {
            let default = cx.get(h, "default_value")?;
            let base = cx.mem.add_segment();
            cx.state.dicts.new_dict(base, HashMap::new(), Some(default));
            let ap = cx.ap;
            cx.write_at(ap, Value::Rel(base))
        }
        Kind::DictRead => {
            let (ptr, key) = (cx.get_ptr(h, "dict_ptr")?, cx.get_int(h, "key")?);
            let t = tracker(cx, ptr)?;
            t.current_ptr = offset(t.current_ptr, ACCESS);
            let v = lookup(t, key).ok_or_else(|| missing(cx, key))?;
            cx.set(h, "value", v)
        }
        Kind::DictWrite => {
            let (ptr, key, new) = (cx.get_ptr(h, "dict_ptr")?, cx.get_int(h, "key")?, cx.get(h, "new_value")?);
            let t = tracker(cx, ptr)?;
            t.current_ptr = offset(t.current_ptr, ACCESS);
            let prev = lookup(t, key);
            t.data.insert(key, new);
            let prev = prev.ok_or_else(|| missing(cx, key))?;
            cx.write_at(offset(ptr, 1), prev)
        }
        Kind::DictUpdate => {
            let (ptr, key) = (cx.get_ptr(h, "dict_ptr")?, cx.get_int(h, "key")?);
            let (prev, new) = (cx.get(h, "prev_value")?, cx.get(h, "new_value")?);
            let t = tracker(cx, ptr)?;
            let current = lookup(t, key);
            if current == Some(prev) {
                t.data.insert(key, new);
                t.current_ptr = offset(t.current_ptr, ACCESS);
                return Ok(());
            }
            let current = current.ok_or_else(|| missing(cx, key))?;
            Err(cx.fail(format!("dict_update: wrong previous value in dict. Got {prev}, expected {current}")))
        }
        Kind::DictSquashCopyDict => {
            let end = cx.get_ptr(h, "dict_accesses_end")?;
            let data = tracker(cx, end)?.data.clone();
            cx.enter_scope(vec![("initial_dict", Var::Dict(data))]);
            Ok(())
        }
        Kind::DictSquashUpdatePtr => {
            let (start, end) = (cx.get_ptr(h, "squashed_dict_start")?, cx.get_ptr(h, "squashed_dict_end")?);
            tracker(cx, start)?.current_ptr = end;
            Ok(())
        }
        Kind::SquashDict => {
            let address = cx.get_ptr(h, "dict_accesses")?;
            let diff = cx.get_int(h, "ptr_diff")?;
            if small(diff).is_none_or(|d| d % ACCESS != 0) {
                return Err(cx.fail("squash_dict: Accesses array size must be divisible by DictAccess.SIZE"));
            }
            let n = cx.get_int(h, "n_accesses")?;
            let n = small(n).ok_or_else(|| cx.fail(format!("squash_dict: n_accesses = {n} is out of range")))?;
            let mut indices: HashMap<Felt, Vec<Felt>> = HashMap::new();
            for i in 0..n {
                let key = cx.read_int(offset(address, ACCESS.saturating_mul(i)), "squash_dict: an access's key")?;
                indices.entry(key).or_default().push(Felt::from(i));
            }
            let mut keys: Vec<Felt> = indices.keys().copied().collect();
            keys.sort_by(|a, b| b.cmp(a));
            let max = keys.first().copied();
            let (Some(max), Some(first)) = (max, keys.pop()) else {
                return Err(cx.fail("squash_dict: no accesses"));
            };
            cx.set_int(h, "big_keys", bool_felt(max.bits() > RC_BOUND_BITS))?;
            cx.set_int(h, "first_key", first)?;
            cx.put("access_indices", Var::Lists(indices));
            cx.put("keys", Var::List(keys));
            cx.put("key", Var::Felt(first));
            Ok(())
        }
        Kind::InnerFirstIteration => {
            let key = cx.var_felt("key")?;
            let mut list = cx.var_lists("access_indices")?.get(&key).cloned().ok_or_else(|| missing(cx, key))?;
            list.sort_by(|a, b| b.cmp(a));
            let first = list.pop().ok_or_else(|| cx.fail("squash_dict: a key without accesses"))?;
            cx.put("current_access_indices", Var::List(list));
            cx.put("current_access_index", Var::Felt(first));
            let rc = cx.get_ptr(h, "range_check_ptr")?;
            cx.write_at(rc, Value::from(first))
        }
        Kind::InnerSkipLoop => {
            let empty = cx.var_list("current_access_indices")?.is_empty();
            cx.set_int(h, "should_skip_loop", bool_felt(empty))
        }
        Kind::InnerCheckAccessIndex => {
            let new = cx
                .var_list("current_access_indices")?
                .pop()
                .ok_or_else(|| cx.fail("squash_dict: pop from an empty list"))?;
            let cur = cx.var_felt("current_access_index")?;
            cx.set_member(h, "loop_temps", 0, Value::from(new - cur - Felt::ONE))?;
            cx.put("current_access_index", Var::Felt(new));
            Ok(())
        }
        Kind::InnerContinueLoop => {
            let more = !cx.var_list("current_access_indices")?.is_empty();
            cx.set_member(h, "loop_temps", 3, Value::from(bool_felt(more)))
        }
        Kind::InnerLenAssert => {
            if !cx.var_list("current_access_indices")?.is_empty() {
                return Err(cx.fail("squash_dict: assert len(current_access_indices) == 0 failed"));
            }
            Ok(())
        }
        Kind::InnerUsedAccessesAssert => {
            let key = cx.var_felt("key")?;
            let used = cx.get_int(h, "n_used_accesses")?;
            let n = cx.var_lists("access_indices")?.get(&key).map_or(0, Vec::len);
            if used != Felt::from(n) {
                return Err(cx.fail(format!("squash_dict: n_used_accesses = {used}, but key {key} has {n} accesses")));
            }
            Ok(())
        }
        Kind::InnerAssertLenKeys => {
            if !cx.var_list("keys")?.is_empty() {
                return Err(cx.fail("squash_dict: assert len(keys) == 0 failed"));
            }
            Ok(())
        }
        Kind::InnerNextKey => {
            let key = cx
                .var_list("keys")?
                .pop()
                .ok_or_else(|| cx.fail("squash_dict: No keys left but remaining_accesses > 0"))?;
            cx.put("key", Var::Felt(key));
            cx.set_int(h, "next_key", key)
        }
    }
}
