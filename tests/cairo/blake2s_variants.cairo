// Other forms of the blake2s hints: finalize_blake2s with the chunk size
// named BLAKE2S_INPUT_CHUNK_SIZE_FELTS, the same with the message before
// the IV in each dummy instance, encode_felt252_to_u32s's loop test, and
// one compression of a final block.
%builtins output range_check
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.serialize import serialize_word

const N_PACKED_INSTANCES = 7;
const BLAKE2S_INPUT_CHUNK_SIZE_FELTS = 16;

func finalize_v2(blake2s_ptr_end: felt*) {
    %{
        # Add dummy pairs of input and output.
        from starkware.cairo.common.cairo_blake2s.blake2s_utils import IV, blake2s_compress

        _n_packed_instances = int(ids.N_PACKED_INSTANCES)
        assert 0 <= _n_packed_instances < 20
        _blake2s_input_chunk_size_felts = int(ids.BLAKE2S_INPUT_CHUNK_SIZE_FELTS)
        assert 0 <= _blake2s_input_chunk_size_felts < 100

        message = [0] * _blake2s_input_chunk_size_felts
        modified_iv = [IV[0] ^ 0x01010020] + IV[1:]
        output = blake2s_compress(
            message=message,
            h=modified_iv,
            t0=0,
            t1=0,
            f0=0xffffffff,
            f1=0,
        )
        padding = (modified_iv + message + [0, 0xffffffff] + output) * (_n_packed_instances - 1)
        segments.write_arg(ids.blake2s_ptr_end, padding)
    %}
    return ();
}

func finalize_v3(blake2s_ptr_end: felt*) {
    %{
        # Add dummy pairs of input and output.
        from starkware.cairo.common.cairo_blake2s.blake2s_utils import IV, blake2s_compress

        _n_packed_instances = int(ids.N_PACKED_INSTANCES)
        assert 0 <= _n_packed_instances < 20
        _blake2s_input_chunk_size_felts = int(ids.BLAKE2S_INPUT_CHUNK_SIZE_FELTS)
        assert 0 <= _blake2s_input_chunk_size_felts < 100

        message = [0] * _blake2s_input_chunk_size_felts
        modified_iv = [IV[0] ^ 0x01010020] + IV[1:]
        output = blake2s_compress(
            message=message,
            h=modified_iv,
            t0=0,
            t1=0,
            f0=0xffffffff,
            f1=0,
        )
        padding = (message + modified_iv + [0, 0xffffffff] + output) * (_n_packed_instances - 1)
        segments.write_arg(ids.blake2s_ptr_end, padding)
    %}
    return ();
}

// How many leading values are below 2**63 (stopping at the end).
func count_small(packed_values: felt*, end: felt*, n: felt) -> felt {
    %{ memory[ap] = to_felt_or_relocatable((ids.end != ids.packed_values) and (memory[ids.packed_values] < 2**63)) %}
    jmp small if [ap] != 0, ap++;
    return n;

    small:
    return count_small(packed_values + 1, end, n + 1);
}

func compress(blake2s_start: felt*, n_bytes: felt) -> felt* {
    alloc_locals;
    let (output: felt*) = alloc();
    %{
        from starkware.cairo.common.cairo_blake2s.blake2s_utils import IV, blake2s_compress

        _blake2s_input_chunk_size_felts = int(ids.BLAKE2S_INPUT_CHUNK_SIZE_FELTS)
        assert 0 <= _blake2s_input_chunk_size_felts < 100

        new_state = blake2s_compress(
            message=memory.get_range(ids.blake2s_start, _blake2s_input_chunk_size_felts),
            h=[IV[0] ^ 0x01010020] + IV[1:],
            t0=ids.n_bytes,
            t1=0,
            f0=0xffffffff,
            f1=0,
        )

        segments.write_arg(ids.output, new_state)
    %}
    return output;
}

func write_words{output_ptr: felt*}(ptr: felt*, n: felt) {
    if (n == 0) {
        return ();
    }
    serialize_word(ptr[0]);
    return write_words(ptr + 1, n - 1);
}

func fill_zeros(ptr: felt*, n: felt) {
    if (n == 0) {
        return ();
    }
    assert ptr[0] = 0;
    return fill_zeros(ptr + 1, n - 1);
}

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    let (v2: felt*) = alloc();
    finalize_v2(v2);
    write_words(v2, 6 * 34);
    let (v3: felt*) = alloc();
    finalize_v3(v3);
    write_words(v3, 6 * 34);

    let (values: felt*) = alloc();
    assert values[0] = 1;
    assert values[1] = 2 ** 63 - 1;
    assert values[2] = 5;
    assert values[3] = 2 ** 63;
    assert values[4] = 3;
    let c0 = count_small(values, values + 5, 0);
    serialize_word(c0);
    let c1 = count_small(values + 4, values + 5, 0);
    serialize_word(c1);
    let c2 = count_small(values, values + 2, 0);
    serialize_word(c2);

    // "abc" as the only block: BLAKE2s-256("abc").
    let (block: felt*) = alloc();
    assert block[0] = 0x00636261;
    fill_zeros(block + 1, 15);
    let digest = compress(block, 3);
    assert digest[0] = 0x8c5e8c50;
    write_words(digest, 8);
    return ();
}
