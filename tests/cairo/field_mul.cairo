// Field multiplication and division (inverse deduction) chains.
func powchain(x: felt, acc: felt, n: felt) -> felt {
    if (n == 0) {
        return acc;
    }
    return powchain(x, acc * x + 1, n - 1);
}

func main() {
    let r = powchain(0x123456789abcdef0123456789, 7, 200);
    tempvar big = 0x800000000000011000000000000000000000000000000000000000000000000;
    tempvar q = r / 3;
    assert q * 3 = r;
    tempvar z = big * r;
    return ();
}
