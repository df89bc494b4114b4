// The Cairo 0 VM lanes (vm.wgsl) without the poseidon builtin: its cells
// are deduced on the CPU.
//! include vm

const VM_POSEIDON: bool = false;

fn vm_permute(s: array<Fe, 3>, k: u32) -> Fe {
    return s[k];
}
