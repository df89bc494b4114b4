// The Cairo 0 VM lanes (vm.wgsl) with the poseidon builtin, from
// poseidon_core.wgsl (which uses vm.wgsl's `rc` binding).
//! include poseidon_core
//! include vm

const VM_POSEIDON: bool = true;

// Word `k` of the Hades permutation of `s`.
fn vm_permute(s: array<Fe, 3>, k: u32) -> Fe {
    s0 = s[0];
    s1 = s[1];
    s2 = s[2];
    permute();
    if (k == 0u) { return s0; }
    if (k == 1u) { return s1; }
    return s2;
}
