// A tight tempvar loop (about 1.95 million steps) without calls.
func main() {
    tempvar a = 0;
    tempvar b = 1;
    tempvar n = 390000;
    loop:
    tempvar a2 = b;
    tempvar b = a + b;
    tempvar a = a2;
    tempvar n = n - 1;
    jmp loop if n != 0;
    return ();
}
