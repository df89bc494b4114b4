// jmp / jnz-heavy control flow written with labels.
func count_down(n: felt) -> felt {
    alloc_locals;
    local acc = 0;
    tempvar i = n;
    tempvar s = 0;
    loop:
    jmp body if i != 0;
    jmp done;
    body:
    tempvar i = i - 1;
    tempvar s = s + 3;
    jmp loop;
    done:
    return s;
}

func main() {
    let s = count_down(50);
    assert s = 150;
    tempvar t = 7;
    jmp rel 2;
    ret;
    jmp abs_target;
    abs_target:
    return ();
}
