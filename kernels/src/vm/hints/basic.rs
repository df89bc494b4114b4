//! Segments, scopes and loops: `alloc`, temporary segments and
//! `relocate_segment`, `memcpy`, `memset`, `vm_enter_scope` /
//! `vm_exit_scope` and `poseidon_hash_many`'s tests.
//!
//! A temporary segment is an ordinary segment the run remembers as
//! temporary. `relocate_segment` applies its relocation rule at once
//! ([`Memory::relocate_segment`](crate::vm::memory::Memory::relocate_segment)):
//! every pointer into it now points into the destination and its cells
//! move there, which is what cairo-vm's memory shows from then on (it
//! relocates pointers as they are read and moves the cells when the run
//! ends). The segment is left empty, so it takes no room when the memory is
//! relocated; one never relocated is dropped at the end, as cairo-vm drops
//! it, and a pointer still into it is an error.

use super::ctx::{bool_felt, HintCtx, Var};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::{Value, WriteError};
use starknet_types_core::felt::Felt;

/// A segment, scope or loop hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `alloc()`.
    Alloc,
    /// `memcpy`: enter a scope with `n = len`.
    MemcpyEnterScope,
    /// `memcpy`: loop condition.
    MemcpyContinue,
    /// `memset`: enter a scope with `n`.
    MemsetEnterScope,
    /// `memset`: loop condition.
    MemsetContinue,
    /// `vm_enter_scope()`.
    VmEnterScope,
    /// `vm_exit_scope()`.
    VmExitScope,
    /// `poseidon_hash_many`: at least 10 elements left.
    ElementsOver10,
    /// `poseidon_hash_many`: at least 2 elements left.
    ElementsOver2,
    /// `poseidon_hash_many` (other spelling): at least 10 elements left.
    NOver10,
    /// `poseidon_hash_many` (other spelling): at least 2 elements left.
    NOver2,
    /// `ids.temporary_array = segments.add_temp_segment()`.
    TempSegment,
    /// `relocate_segment`: `memory.add_relocation_rule(src_ptr, dest_ptr)`.
    RelocateSegment,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[
    (Kind::Alloc, r#"memory[ap] = segments.add()"#),
    (Kind::MemcpyEnterScope, r#"vm_enter_scope({'n': ids.len})"#),
    (
        Kind::MemcpyContinue,
        r#"n -= 1
ids.continue_copying = 1 if n > 0 else 0"#,
    ),
    (Kind::MemsetEnterScope, r#"vm_enter_scope({'n': ids.n})"#),
    (
        Kind::MemsetContinue,
        r#"n -= 1
ids.continue_loop = 1 if n > 0 else 0"#,
    ),
    (Kind::VmEnterScope, r#"vm_enter_scope()"#),
    (Kind::VmExitScope, r#"vm_exit_scope()"#),
    (Kind::ElementsOver10, r#"memory[ap] = to_felt_or_relocatable(ids.elements_end - ids.elements >= 10)"#),
    (Kind::ElementsOver2, r#"memory[ap] = to_felt_or_relocatable(ids.elements_end - ids.elements >= 2)"#),
    (Kind::NOver10, r#"memory[ap] = to_felt_or_relocatable(ids.n >= 10)"#),
    (Kind::NOver2, r#"memory[ap] = to_felt_or_relocatable(ids.n >= 2)"#),
    (Kind::TempSegment, r#"ids.temporary_array = segments.add_temp_segment()"#),
    (Kind::RelocateSegment, r#"memory.add_relocation_rule(src_ptr=ids.src_ptr, dest_ptr=ids.dest_ptr)"#),
];

/// Runs one segment, scope or loop hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::Alloc => {
            let base = cx.mem.add_segment();
            let ap = cx.ap;
            cx.write_at(ap, Value::Rel(base))
        }
        Kind::MemcpyEnterScope | Kind::MemsetEnterScope => {
            let name = if kind == Kind::MemcpyEnterScope { "len" } else { "n" };
            let n = cx.get_int(h, name)?;
            cx.enter_scope(vec![("n", Var::Felt(n))]);
            Ok(())
        }
        Kind::MemcpyContinue | Kind::MemsetContinue => {
            let n = cx.var_felt("n")? - Felt::ONE;
            cx.put("n", Var::Felt(n));
            let name = if kind == Kind::MemcpyContinue { "continue_copying" } else { "continue_loop" };
            // `n > 0` on Python integers: n never goes negative in the library loops.
            cx.set_int(h, name, bool_felt(n != Felt::ZERO && n.bits() < 252))
        }
        Kind::VmEnterScope => {
            cx.enter_scope(Vec::new());
            Ok(())
        }
        Kind::VmExitScope => cx.exit_scope(),
        Kind::ElementsOver10 | Kind::ElementsOver2 => {
            let k = if kind == Kind::ElementsOver10 { 10u64 } else { 2 };
            let d = cx
                .get(h, "elements_end")?
                .try_sub(cx.get(h, "elements")?)
                .map_err(|e| cx.fail(format!("hint: {e}")))?;
            let d = d.as_int().map(|f| f.to_felt()).unwrap_or(Felt::ZERO);
            cx.write_ap(bool_felt(d >= Felt::from(k)))
        }
        Kind::NOver10 | Kind::NOver2 => {
            let k = if kind == Kind::NOver10 { 10u64 } else { 2 };
            // `ids.n` is a length: read as an unsigned felt, as Python's `>=` does.
            let n = cx.get_int(h, "n")?;
            cx.write_ap(bool_felt(n >= Felt::from(k)))
        }
        Kind::TempSegment => {
            let base = cx.mem.add_segment();
            cx.state.temp_segments.push((base.segment, false));
            cx.set(h, "temporary_array", Value::Rel(base))
        }
        Kind::RelocateSegment => {
            let (src, dest) = (cx.get_ptr(h, "src_ptr")?, cx.get_ptr(h, "dest_ptr")?);
            let Some(i) = cx.state.temp_segments.iter().position(|&(s, _)| s == src.segment) else {
                return Err(cx.fail(format!("relocate_segment: {src} is not in a temporary segment")));
            };
            if src.offset != 0 {
                return Err(cx.fail(format!("relocate_segment: {src} is not the start of its segment")));
            }
            if cx.state.temp_segments[i].1 {
                return Err(cx.fail(format!("relocate_segment: segment {} is relocated already", src.segment)));
            }
            let at = cx.at;
            cx.mem.relocate_segment(src.segment, dest).map_err(|(addr, e)| match e {
                WriteError::Conflict(old) => VmError::ConflictingWrite {
                    at,
                    addr,
                    old: old.to_string(),
                    new: "a cell of the relocated segment".into(),
                },
                _ => VmError::Run { at, what: format!("relocate_segment: cannot write {addr}") },
            })?;
            cx.state.temp_segments[i].1 = true;
            Ok(())
        }
    }
}
