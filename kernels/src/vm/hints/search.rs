//! Searching and sorting: `find_element`, `search_sorted_lower` (and so
//! `search_sorted`), `set_add` and `usort` with its verification loops.

use super::ctx::{offset, small, HintCtx, Var};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::{Relocatable, Value};
use starknet_types_core::felt::Felt;
use std::collections::HashMap;

/// A search or sort hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `find_element`.
    FindElement,
    /// `search_sorted_lower`.
    SearchSortedLower,
    /// `set_add`.
    SetAdd,
    /// `usort`: enter a scope.
    UsortEnterScope,
    /// `usort`: sort and count.
    UsortBody,
    /// `verify_usort`: the positions of one value.
    UsortVerify,
    /// `verify_multiplicity`: no positions left.
    UsortVerifyMultiplicityAssert,
    /// `verify_multiplicity`: the next position.
    UsortVerifyMultiplicityBody,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (
        Kind::FindElement,
        r#"array_ptr = ids.array_ptr
elm_size = ids.elm_size
assert isinstance(elm_size, int) and elm_size > 0, \
    f'Invalid value for elm_size. Got: {elm_size}.'
key = ids.key

if '__find_element_index' in globals():
    ids.index = __find_element_index
    found_key = memory[array_ptr + elm_size * __find_element_index]
    assert found_key == key, \
        f'Invalid index found in __find_element_index. index: {__find_element_index}, ' \
        f'expected key {key}, found key: {found_key}.'
    # Delete __find_element_index to make sure it's not used for the next calls.
    del __find_element_index
else:
    n_elms = ids.n_elms
    assert isinstance(n_elms, int) and n_elms >= 0, \
        f'Invalid value for n_elms. Got: {n_elms}.'
    if '__find_element_max_size' in globals():
        assert n_elms <= __find_element_max_size, \
            f'find_element() can only be used with n_elms<={__find_element_max_size}. ' \
            f'Got: n_elms={n_elms}.'

    for i in range(n_elms):
        if memory[array_ptr + elm_size * i] == key:
            ids.index = i
            break
    else:
        raise ValueError(f'Key {key} was not found.')"#,
    ),
    (
        Kind::SearchSortedLower,
        r#"array_ptr = ids.array_ptr
elm_size = ids.elm_size
assert isinstance(elm_size, int) and elm_size > 0, \
    f'Invalid value for elm_size. Got: {elm_size}.'

n_elms = ids.n_elms
assert isinstance(n_elms, int) and n_elms >= 0, \
    f'Invalid value for n_elms. Got: {n_elms}.'
if '__find_element_max_size' in globals():
    assert n_elms <= __find_element_max_size, \
        f'find_element() can only be used with n_elms<={__find_element_max_size}. ' \
        f'Got: n_elms={n_elms}.'

for i in range(n_elms):
    if memory[array_ptr + elm_size * i] >= ids.key:
        ids.index = i
        break
else:
    ids.index = n_elms"#,
    ),
    (
        Kind::SetAdd,
        r#"assert ids.elm_size > 0
assert ids.set_ptr <= ids.set_end_ptr
elm_list = memory.get_range(ids.elm_ptr, ids.elm_size)
for i in range(0, ids.set_end_ptr - ids.set_ptr, ids.elm_size):
    if memory.get_range(ids.set_ptr + i, ids.elm_size) == elm_list:
        ids.index = i // ids.elm_size
        ids.is_elm_in_set = 1
        break
else:
    ids.is_elm_in_set = 0"#,
    ),
    (Kind::UsortEnterScope, r#"vm_enter_scope(dict(__usort_max_size = globals().get('__usort_max_size')))"#),
    (
        Kind::UsortBody,
        r#"from collections import defaultdict

input_ptr = ids.input
input_len = int(ids.input_len)
if __usort_max_size is not None:
    assert input_len <= __usort_max_size, (
        f"usort() can only be used with input_len<={__usort_max_size}. "
        f"Got: input_len={input_len}."
    )

positions_dict = defaultdict(list)
for i in range(input_len):
    val = memory[input_ptr + i]
    positions_dict[val].append(i)

output = sorted(positions_dict.keys())
ids.output_len = len(output)
ids.output = segments.gen_arg(output)
ids.multiplicities = segments.gen_arg([len(positions_dict[k]) for k in output])"#,
    ),
    (
        Kind::UsortVerify,
        r#"last_pos = 0
positions = positions_dict[ids.value][::-1]"#,
    ),
    (Kind::UsortVerifyMultiplicityAssert, r#"assert len(positions) == 0"#),
    (
        Kind::UsortVerifyMultiplicityBody,
        r#"current_pos = positions.pop()
ids.next_item_index = current_pos - last_pos
last_pos = current_pos + 1"#,
    ),
];

/// `ids.name` as a count (an integer below 2^64).
fn count(cx: &HintCtx<'_>, h: &Hint, name: &str) -> Result<u64, VmError> {
    let v = cx.get_int(h, name)?;
    small(v).ok_or_else(|| cx.fail(format!("hint: ids.{name} = {v} is out of range")))
}

/// `ids.elm_size`, which must be positive.
fn elm_size(cx: &HintCtx<'_>, h: &Hint) -> Result<u64, VmError> {
    match count(cx, h, "elm_size")? {
        0 => Err(cx.fail("hint: Invalid value for elm_size. Got: 0")),
        n => Ok(n),
    }
}

/// The element `i` of an array of `size`-cell elements.
fn elm(base: Relocatable, size: u64, i: u64) -> Relocatable {
    offset(base, size.saturating_mul(i))
}

/// Runs one search or sort hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::FindElement => {
            let (array, size) = (cx.get_ptr(h, "array_ptr")?, elm_size(cx, h)?);
            let (key, n) = (cx.get(h, "key")?, count(cx, h, "n_elms")?);
            for i in 0..n {
                if cx.read(elm(array, size, i), "find_element: an element's key")? == key {
                    return cx.set_int(h, "index", Felt::from(i));
                }
            }
            Err(cx.fail(format!("find_element: Key {key} was not found")))
        }
        Kind::SearchSortedLower => {
            let (array, size) = (cx.get_ptr(h, "array_ptr")?, elm_size(cx, h)?);
            let (key, n) = (cx.get_int(h, "key")?, count(cx, h, "n_elms")?);
            for i in 0..n {
                if cx.read_int(elm(array, size, i), "search_sorted_lower: an element's key")? >= key {
                    return cx.set_int(h, "index", Felt::from(i));
                }
            }
            cx.set_int(h, "index", Felt::from(n))
        }
        Kind::SetAdd => {
            let size = elm_size(cx, h)?;
            let (set, end, item) =
                (cx.get_ptr(h, "set_ptr")?, cx.get_ptr(h, "set_end_ptr")?, cx.get_ptr(h, "elm_ptr")?);
            if set.segment != end.segment || set.offset > end.offset {
                return Err(cx.fail(format!("set_add: set_ptr {set} is not at or before set_end_ptr {end}")));
            }
            let range = |cx: &HintCtx<'_>, a: Relocatable| -> Result<Vec<Value>, VmError> {
                (0..size).map(|k| cx.read(offset(a, k), "set_add: an element")).collect()
            };
            let wanted = range(cx, item)?;
            let mut i = 0;
            while i < end.offset - set.offset {
                if range(cx, offset(set, i))? == wanted {
                    cx.set_int(h, "index", Felt::from(i / size))?;
                    return cx.set_int(h, "is_elm_in_set", Felt::ONE);
                }
                i += size;
            }
            cx.set_int(h, "is_elm_in_set", Felt::ZERO)
        }
        Kind::UsortEnterScope => {
            cx.enter_scope(vec![("__usort_max_size", Var::None)]);
            Ok(())
        }
        Kind::UsortBody => {
            let (input, len) = (cx.get_ptr(h, "input")?, count(cx, h, "input_len")?);
            let mut positions: HashMap<Felt, Vec<Felt>> = HashMap::new();
            for i in 0..len {
                let v = cx.read_int(offset(input, i), "usort: an input value")?;
                positions.entry(v).or_default().push(Felt::from(i));
            }
            let mut output: Vec<Felt> = positions.keys().copied().collect();
            output.sort();
            let mult: Vec<Felt> = output.iter().map(|k| Felt::from(positions[k].len())).collect();
            cx.put("positions_dict", Var::Lists(positions));
            cx.set_int(h, "output_len", Felt::from(output.len()))?;
            let out = cx.gen_arg(&output)?;
            cx.set(h, "output", Value::Rel(out))?;
            let m = cx.gen_arg(&mult)?;
            cx.set(h, "multiplicities", Value::Rel(m))
        }
        Kind::UsortVerify => {
            let v = cx.get_int(h, "value")?;
            let mut list = cx
                .var_lists("positions_dict")?
                .get(&v)
                .cloned()
                .ok_or_else(|| cx.fail(format!("usort: no value {v}")))?;
            list.reverse();
            cx.put("last_pos", Var::Felt(Felt::ZERO));
            cx.put("positions", Var::List(list));
            Ok(())
        }
        Kind::UsortVerifyMultiplicityAssert => {
            if !cx.var_list("positions")?.is_empty() {
                return Err(cx.fail("usort: assert len(positions) == 0 failed"));
            }
            Ok(())
        }
        Kind::UsortVerifyMultiplicityBody => {
            let cur = cx.var_list("positions")?.pop().ok_or_else(|| cx.fail("usort: pop from an empty list"))?;
            let last = cx.var_felt("last_pos")?;
            cx.set_int(h, "next_item_index", cur - last)?;
            cx.put("last_pos", Var::Felt(cur + Felt::ONE));
            Ok(())
        }
    }
}
