// Dictionaries: default_dict_new, reads, writes, updates, squashing.
%builtins output range_check
from starkware.cairo.common.default_dict import default_dict_new, default_dict_finalize
from starkware.cairo.common.dict import dict_read, dict_write, dict_update, dict_squash
from starkware.cairo.common.dict_access import DictAccess
from starkware.cairo.common.squash_dict import squash_dict
from starkware.cairo.common.serialize import serialize_word

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    let (local start: DictAccess*) = default_dict_new(default_value=7);
    let dict = start;
    dict_write{dict_ptr=dict}(key=5, new_value=50);
    dict_write{dict_ptr=dict}(key=1, new_value=10);
    let (v) = dict_read{dict_ptr=dict}(key=5);
    serialize_word(v);
    let (v) = dict_read{dict_ptr=dict}(key=99);
    serialize_word(v);
    dict_update{dict_ptr=dict}(key=1, prev_value=10, new_value=11);
    dict_write{dict_ptr=dict}(key=5, new_value=51);
    dict_write{dict_ptr=dict}(key=0x400000000000000000000000000000000000000000000000000000000000000, new_value=3);
    let (v) = dict_read{dict_ptr=dict}(key=1);
    serialize_word(v);
    let (squashed_start, squashed_end) = dict_squash(start, dict);
    serialize_word(squashed_end - squashed_start);
    let (v) = dict_read{dict_ptr=squashed_end}(key=5);
    serialize_word(v);

    let (local d2: DictAccess*) = default_dict_new(default_value=0);
    let d2_end = d2;
    dict_write{dict_ptr=d2_end}(key=2, new_value=4);
    dict_write{dict_ptr=d2_end}(key=3, new_value=9);
    let (f_start, f_end) = default_dict_finalize(d2, d2_end, 0);
    serialize_word(f_end - f_start);
    return ();
}
