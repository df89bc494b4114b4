// Entry points other than main: felts, an array and a builtin as arguments.
%builtins range_check
from starkware.cairo.common.math import assert_nn

func main{range_check_ptr}() {
    return ();
}

func add_mul(a: felt, b: felt, c: felt) -> (sum: felt, product: felt) {
    return (sum=a + b + c, product=a * b * c);
}

func sum_array{range_check_ptr}(arr: felt*, len: felt) -> felt {
    if (len == 0) {
        return 0;
    }
    assert_nn(arr[0]);
    let rest = sum_array(arr + 1, len - 1);
    return arr[0] + rest;
}
