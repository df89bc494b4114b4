// SHA-256 hints, as the sha256 library cairo-vm's programs use writes
// them: whether a word is full, one compression of the IV, one of a state
// in memory, and the dummy instances of finalize_sha256. The digests of
// "abc" (one chunk) and of a two-chunk message are checked here and
// written to the output.
%builtins output range_check
from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.serialize import serialize_word

const SHA256_INPUT_CHUNK_SIZE_FELTS = 16;
const SHA256_STATE_SIZE_FELTS = 8;
const BLOCK_SIZE = 7;

func is_full_word(n_bytes: felt) -> felt {
    alloc_locals;
    local full_word: felt;
    %{ ids.full_word = int(ids.n_bytes >= 4) %}
    return full_word;
}

// The state after one chunk, from the IV.
func compress_iv(sha256_start: felt*) -> felt* {
    alloc_locals;
    let (output: felt*) = alloc();
    %{
        from starkware.cairo.common.cairo_sha256.sha256_utils import (
            IV, compute_message_schedule, sha2_compress_function)

        _sha256_input_chunk_size_felts = int(ids.SHA256_INPUT_CHUNK_SIZE_FELTS)
        assert 0 <= _sha256_input_chunk_size_felts < 100

        w = compute_message_schedule(memory.get_range(
            ids.sha256_start, _sha256_input_chunk_size_felts))
        new_state = sha2_compress_function(IV, w)
        segments.write_arg(ids.output, new_state)
    %}
    return output;
}

// The state after one more chunk, from `state`.
func compress_state(sha256_start: felt*, state: felt*) -> felt* {
    alloc_locals;
    let (output: felt*) = alloc();
    %{
        from starkware.cairo.common.cairo_sha256.sha256_utils import (
            compute_message_schedule, sha2_compress_function)

        _sha256_input_chunk_size_felts = int(ids.SHA256_INPUT_CHUNK_SIZE_FELTS)
        assert 0 <= _sha256_input_chunk_size_felts < 100
        _sha256_state_size_felts = int(ids.SHA256_STATE_SIZE_FELTS)
        assert 0 <= _sha256_state_size_felts < 100
        w = compute_message_schedule(memory.get_range(
            ids.sha256_start, _sha256_input_chunk_size_felts))
        new_state = sha2_compress_function(memory.get_range(ids.state, _sha256_state_size_felts), w)
        segments.write_arg(ids.output, new_state)
    %}
    return output;
}

func finalize(sha256_ptr_end: felt*) {
    %{
        # Add dummy pairs of input and output.
        from starkware.cairo.common.cairo_sha256.sha256_utils import (
            IV, compute_message_schedule, sha2_compress_function)

        _block_size = int(ids.BLOCK_SIZE)
        assert 0 <= _block_size < 20
        _sha256_input_chunk_size_felts = int(ids.SHA256_INPUT_CHUNK_SIZE_FELTS)
        assert 0 <= _sha256_input_chunk_size_felts < 100

        message = [0] * _sha256_input_chunk_size_felts
        w = compute_message_schedule(message)
        output = sha2_compress_function(IV, w)
        padding = (message + IV + output) * (_block_size - 1)
        segments.write_arg(ids.sha256_ptr_end, padding)
    %}
    return ();
}

func fill_zeros(ptr: felt*, n: felt) {
    if (n == 0) {
        return ();
    }
    assert ptr[0] = 0;
    return fill_zeros(ptr + 1, n - 1);
}

func write_words{output_ptr: felt*}(ptr: felt*, n: felt) {
    if (n == 0) {
        return ();
    }
    serialize_word(ptr[0]);
    return write_words(ptr + 1, n - 1);
}

func main{output_ptr: felt*, range_check_ptr}() {
    alloc_locals;
    serialize_word(is_full_word(0));
    serialize_word(is_full_word(3));
    serialize_word(is_full_word(4));
    serialize_word(is_full_word(55));

    // "abc", padded: one chunk.
    let (abc: felt*) = alloc();
    assert abc[0] = 0x61626380;
    fill_zeros(abc + 1, 14);
    assert abc[15] = 24;
    let digest = compress_iv(abc);
    assert digest[0] = 0xba7816bf;
    assert digest[7] = 0xf20015ad;
    write_words(digest, 8);

    // 56 bytes of "abcdbcdecdef...nopq", padded: two chunks.
    let (msg: felt*) = alloc();
    assert msg[0] = 'abcd';
    assert msg[1] = 'bcde';
    assert msg[2] = 'cdef';
    assert msg[3] = 'defg';
    assert msg[4] = 'efgh';
    assert msg[5] = 'fghi';
    assert msg[6] = 'ghij';
    assert msg[7] = 'hijk';
    assert msg[8] = 'ijkl';
    assert msg[9] = 'jklm';
    assert msg[10] = 'klmn';
    assert msg[11] = 'lmno';
    assert msg[12] = 'mnop';
    assert msg[13] = 'nopq';
    assert msg[14] = 0x80000000;
    fill_zeros(msg + 15, 16);
    assert msg[31] = 448;
    let first = compress_iv(msg);
    let second = compress_state(msg + 16, first);
    assert second[0] = 0x248d6a61;
    assert second[7] = 0x19db06c1;
    write_words(second, 8);

    // Six dummy instances of 16 + 8 + 8 words.
    let (instances: felt*) = alloc();
    finalize(instances);
    write_words(instances, 192);
    return ();
}
