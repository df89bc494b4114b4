// A long-running loop (about 1 million steps): arithmetic, memory and jnz.
func run(n: felt, a: felt, b: felt) -> felt {
    if (n == 0) {
        return a;
    }
    return run(n - 1, b, a * b + 7);
}

func main() {
    let r = run(150000, 3, 5);
    tempvar rr = r;
    return ();
}
