// Entry points other than main: felts, an array, a struct and a builtin as
// arguments; some inputs make the library's hints fail.
%builtins range_check
from starkware.cairo.common.math import assert_nn
from starkware.cairo.common.uint256 import Uint256, uint256_unsigned_div_rem
from starkware.cairo.common.find_element import find_element
from starkware.cairo.common.usort import usort

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

func divide{range_check_ptr}(a: Uint256, div: Uint256) -> (q: Uint256, r: Uint256) {
    let (q, r) = uint256_unsigned_div_rem(a, div);
    return (q=q, r=r);
}

func find{range_check_ptr}(arr: felt*, n: felt, key: felt) -> felt* {
    let (p) = find_element(arr, 1, n, key);
    return p;
}

func sort{range_check_ptr}(input: felt*, len: felt) -> (n: felt, sorted: felt*) {
    let (n, sorted, mult) = usort(len, input);
    return (n=n, sorted=sorted);
}
