// Iterative Fibonacci with a jnz loop.
func fib(a: felt, b: felt, n: felt) -> felt {
    if (n == 0) {
        return a;
    }
    return fib(b, a + b, n - 1);
}

func main() {
    let x = fib(1, 1, 100);
    assert x = x;
    return ();
}
