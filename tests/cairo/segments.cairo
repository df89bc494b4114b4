// Temporary segments moved by relocate_segment (one at the start of an
// array, one in its middle, a pointer into the moved segment stored before
// the move), normalize_address on both sides of ADDR_BOUND, a loop on
// `n >= 10` / `n >= 2`, and the cairo_keccak spellings of the block
// permutation, finalize_keccak and full_word.
%builtins range_check

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.segments import relocate_segment
from starkware.starknet.common.storage import normalize_address
from starkware.cairo.common.cairo_keccak.keccak import KECCAK_STATE_SIZE_FELTS
from starkware.cairo.common.cairo_keccak.packed_keccak import BLOCK_SIZE

func temp_segments() -> (a: felt*, b: felt*) {
    alloc_locals;
    local temporary_array: felt*;

    %{ ids.temporary_array = segments.add_temp_segment() %}
    local first: felt* = temporary_array;
    assert first[0] = 7;
    assert first[3] = 10;
    // A pointer into the temporary segment, kept in memory before the move.
    let (holder: felt**) = alloc();
    assert holder[0] = first + 3;

    let (a: felt*) = alloc();
    assert a[0] = 7;
    relocate_segment(src_ptr=first, dest_ptr=a);
    assert a[1] = 8;
    assert first[2] = 9;
    assert holder[0][0] = 10;

    local temporary_array: felt*;

    %{ ids.temporary_array = segments.add_temp_segment() %}
    local second: felt* = temporary_array;
    assert second[0] = 21;
    let (b: felt*) = alloc();
    assert b[0] = 1;
    assert b[1] = 2;
    relocate_segment(src_ptr=second, dest_ptr=b + 2);
    assert second[1] = 22;
    return (a=a, b=b);
}

func normalize{range_check_ptr}() -> (small: felt, big: felt, negative: felt) {
    let (small) = normalize_address(12345);
    let (big) = normalize_address(2 ** 251 - 100);
    let (negative) = normalize_address(-1);
    return (small=small, big=big, negative=negative);
}

// Counts n down by 10 while n >= 10, then by 2 while n >= 2.
func count_down(n: felt, tens: felt, twos: felt) -> (tens: felt, twos: felt, rest: felt) {

    %{ memory[ap] = to_felt_or_relocatable(ids.n >= 10) %}
    jmp by_ten if [ap] != 0, ap++;

    %{ memory[ap] = to_felt_or_relocatable(ids.n >= 2) %}
    jmp by_two if [ap] != 0, ap++;
    return (tens=tens, twos=twos, rest=n);

    by_ten:
    return count_down(n - 10, tens + 1, twos);

    by_two:
    return count_down(n - 2, tens, twos + 1);
}

// One permutation of the 25 words before keccak_ptr, written at keccak_ptr.
func permute{keccak_ptr: felt*}() {

    %{
        from starkware.cairo.common.cairo_keccak.keccak_utils import keccak_func
        _keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
        assert 0 <= _keccak_state_size_felts < 100

        output_values = keccak_func(memory.get_range(
            ids.keccak_ptr - _keccak_state_size_felts, _keccak_state_size_felts))
        segments.write_arg(ids.keccak_ptr, output_values)
    %}
    let keccak_ptr = keccak_ptr + KECCAK_STATE_SIZE_FELTS;
    return ();
}

// One permutation of the 25 words at keccak_ptr_start, written at output.
func permute_to(keccak_ptr_start: felt*) -> (output: felt*) {
    alloc_locals;
    let (local output: felt*) = alloc();

    %{
        from starkware.cairo.common.cairo_keccak.keccak_utils import keccak_func
        _keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
        assert 0 <= _keccak_state_size_felts < 100
        output_values = keccak_func(memory.get_range(
            ids.keccak_ptr_start, _keccak_state_size_felts))
        segments.write_arg(ids.output, output_values)
    %}
    return (output=output);
}

// BLOCK_SIZE dummy (input, output) pairs at keccak_ptr_end.
func pad(keccak_ptr_end: felt*) {

    %{
        # Add dummy pairs of input and output.
        _keccak_state_size_felts = int(ids.KECCAK_STATE_SIZE_FELTS)
        _block_size = int(ids.BLOCK_SIZE)
        assert 0 <= _keccak_state_size_felts < 100
        assert 0 <= _block_size < 1000
        inp = [0] * _keccak_state_size_felts
        padding = (inp + keccak_func(inp)) * _block_size
        segments.write_arg(ids.keccak_ptr_end, padding)
    %}
    return ();
}

func full_word(n_bytes: felt) -> (full_word: felt) {
    alloc_locals;
    local full_word: felt;

    %{ ids.full_word = int(ids.n_bytes >= 8) %}
    return (full_word=full_word);
}

func fill(p: felt*, n: felt, v: felt) {
    if (n == 0) {
        return ();
    }
    assert p[0] = v;
    return fill(p + 1, n - 1, v * 3 + 1);
}

func main{range_check_ptr}() {
    alloc_locals;
    temp_segments();
    normalize();
    let (tens, twos, rest) = count_down(37, 0, 0);
    assert tens = 3;
    assert twos = 3;
    assert rest = 1;

    let (state: felt*) = alloc();
    fill(state, 25, 5);
    let keccak_ptr = state + 25;
    permute{keccak_ptr=keccak_ptr}();
    let (out) = permute_to(state + 25);
    let (padding: felt*) = alloc();
    pad(padding);
    let (w7) = full_word(7);
    let (w8) = full_word(8);
    let (w200) = full_word(200);
    assert w7 + w8 + w200 = 2;
    return ();
}
