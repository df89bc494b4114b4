// Naive recursive Fibonacci: deep call/ret traffic.
func rfib(n: felt) -> felt {
    alloc_locals;
    if (n == 0) {
        return 0;
    }
    if (n == 1) {
        return 1;
    }
    let (local a) = rfib_t(n - 1);
    let (b) = rfib_t(n - 2);
    return a + b;
}

func main() {
    let r = rfib(12);
    assert r = 144;
    return ();
}

func rfib_t(n: felt) -> (r: felt) {
    let r = rfib(n);
    return (r=r);
}
