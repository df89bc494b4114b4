// find_element, search_sorted, set_add and usort.
%builtins output range_check
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.find_element import find_element, search_sorted, search_sorted_lower
from starkware.cairo.common.set import set_add
from starkware.cairo.common.usort import usort
from starkware.cairo.common.serialize import serialize_word

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    // Pairs (key, value), sorted by key.
    let (pairs) = alloc();
    assert pairs[0] = 3;
    assert pairs[1] = 30;
    assert pairs[2] = 8;
    assert pairs[3] = 80;
    assert pairs[4] = 21;
    assert pairs[5] = 210;
    assert pairs[6] = 40;
    assert pairs[7] = 400;
    let (e) = find_element(pairs, 2, 4, 21);
    serialize_word(e[1]);
    let (e) = find_element(pairs, 2, 4, 3);
    serialize_word(e[1]);
    let (e, found) = search_sorted(pairs, 2, 4, 40);
    serialize_word(e[1]);
    serialize_word(found);
    let (e, found) = search_sorted(pairs, 2, 4, 9);
    serialize_word(found);
    let (e) = search_sorted_lower(pairs, 2, 4, 9);
    serialize_word(e[0]);
    let (e) = search_sorted_lower(pairs, 2, 4, 50);
    serialize_word(e - pairs);

    let (set) = alloc();
    assert set[0] = 1;
    assert set[1] = 2;
    assert set[2] = 5;
    assert set[3] = 6;
    let set_end = set + 4;
    let (elm) = alloc();
    assert elm[0] = 5;
    assert elm[1] = 6;
    set_add{set_end_ptr=set_end}(set, 2, elm);
    serialize_word(set_end - set);
    let (elm) = alloc();
    assert elm[0] = 7;
    assert elm[1] = 1;
    set_add{set_end_ptr=set_end}(set, 2, elm);
    serialize_word(set_end - set);

    let (input) = alloc();
    assert input[0] = 9;
    assert input[1] = 2;
    assert input[2] = 9;
    assert input[3] = 100;
    assert input[4] = 2;
    assert input[5] = 9;
    assert input[6] = 0;
    let (n, sorted, mult) = usort(7, input);
    serialize_word(n);
    serialize_word(sorted[0]);
    serialize_word(sorted[3]);
    serialize_word(mult[1]);
    serialize_word(mult[2]);
    return ();
}
