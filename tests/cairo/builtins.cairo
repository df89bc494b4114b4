%builtins output pedersen range_check bitwise poseidon
from starkware.cairo.common.cairo_builtins import HashBuiltin, BitwiseBuiltin, PoseidonBuiltin
from starkware.cairo.common.hash import hash2
from starkware.cairo.common.bitwise import bitwise_and, bitwise_xor, bitwise_or
from starkware.cairo.common.builtin_poseidon.poseidon import poseidon_hash, poseidon_hash_many
from starkware.cairo.common.serialize import serialize_word
from starkware.cairo.common.alloc import alloc

func main{output_ptr: felt*, pedersen_ptr: HashBuiltin*, range_check_ptr, bitwise_ptr: BitwiseBuiltin*, poseidon_ptr: PoseidonBuiltin*}() {
    alloc_locals;
    let (h) = hash2{hash_ptr=pedersen_ptr}(1, 2);
    serialize_word(h);
    let (h2) = hash2{hash_ptr=pedersen_ptr}(h, 0x1234);
    serialize_word(h2);
    let (a) = bitwise_and(0xff00ff, 0x0ff0f0);
    let (x) = bitwise_xor(0xff00ff, 0x0ff0f0);
    let (o) = bitwise_or(0xff00ff, 0x0ff0f0);
    serialize_word(a);
    serialize_word(x);
    serialize_word(o);
    assert [range_check_ptr] = 12345;
    let range_check_ptr = range_check_ptr + 1;
    let (p) = poseidon_hash(3, 4);
    serialize_word(p);
    let (arr) = alloc();
    assert arr[0] = 1;
    assert arr[1] = 2;
    assert arr[2] = 3;
    let (pm) = poseidon_hash_many(3, arr);
    serialize_word(pm);
    return ();
}
