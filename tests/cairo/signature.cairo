// The ecdsa builtin with signatures registered by verify_ecdsa_signature.
%builtins output pedersen ecdsa
from starkware.cairo.common.cairo_builtins import HashBuiltin, SignatureBuiltin
from starkware.cairo.common.signature import verify_ecdsa_signature
from starkware.cairo.common.hash import hash2
from starkware.cairo.common.serialize import serialize_word

func main{output_ptr: felt*, pedersen_ptr: HashBuiltin*, ecdsa_ptr: SignatureBuiltin*}() {
    verify_ecdsa_signature(
        message=0x5678,
        public_key=0x2abbefdcbf731195ee2acd186441eb536e86f888327b3655cffbd07b57dbf26,
        signature_r=0x4a03672f4e6c3271ae9b83e8a3dbfc3015c5d7d88ae3c6745aa80382b44232f,
        signature_s=0x653008817070564bfb43e81c1053f04764579872e64d472b1ada106eca05cd2,
    );
    verify_ecdsa_signature(
        message=0x123456789abcdef,
        public_key=0x20e0d72c8944070a3632f8856b203637cf67a8a44e62dc38f65d5c1fc1aabf8,
        signature_r=0x2e767b79e45558b216d569e71c80f0f869f4cbf0f9b8fc8d7d0e52e52ad251e,
        signature_s=0x19ab741758d8f27f1c67ca1b88b03f2d94e685a8e46383560495ffed9a685b3,
    );
    let (h) = hash2{hash_ptr=pedersen_ptr}(1, 2);
    serialize_word(h);
    return ();
}
