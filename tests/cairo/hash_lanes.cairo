// Pedersen and poseidon builtins in loops over felt arguments, without
// hints: each output cell is deduced when an instruction reads it.
%builtins pedersen poseidon
from starkware.cairo.common.cairo_builtins import HashBuiltin, PoseidonBuiltin
from starkware.cairo.common.hash import hash2
from starkware.cairo.common.builtin_poseidon.poseidon import poseidon_hash
from starkware.cairo.common.poseidon_state import PoseidonBuiltinState

func main{pedersen_ptr: HashBuiltin*, poseidon_ptr: PoseidonBuiltin*}() {
    alloc_locals;
    let (h) = chain(7, 3);
    let (s0, s1, s2) = sponge(h, 0, 0, 2);
    return ();
}

// n rounds of x = poseidon(pedersen(x, n), n).
func chain{pedersen_ptr: HashBuiltin*, poseidon_ptr: PoseidonBuiltin*}(x: felt, n: felt) -> (h: felt) {
    if (n == 0) {
        return (h=x);
    }
    let (a) = hash2{hash_ptr=pedersen_ptr}(x, n);
    let (b) = poseidon_hash(a, n);
    return chain(b, n - 1);
}

// n permutations of the state, n added to s0 before each; every output
// read, the last one first.
func sponge{poseidon_ptr: PoseidonBuiltin*}(s0: felt, s1: felt, s2: felt, n: felt) -> (
    s0: felt, s1: felt, s2: felt
) {
    if (n == 0) {
        return (s0=s0, s1=s1, s2=s2);
    }
    assert poseidon_ptr.input = PoseidonBuiltinState(s0=s0 + n, s1=s1, s2=s2);
    let out = poseidon_ptr.output;
    let poseidon_ptr = poseidon_ptr + PoseidonBuiltin.SIZE;
    return sponge(out.s2, out.s0, out.s1, n - 1);
}

// Hashes a pointer: the pedersen builtin rejects it.
func hash_pointer{pedersen_ptr: HashBuiltin*}(p: felt*) -> (h: felt) {
    let (h) = hash2{hash_ptr=pedersen_ptr}(cast(p, felt), 1);
    return (h=h);
}
