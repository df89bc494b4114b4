//! Segments, scopes and loops: `alloc`, `memcpy`, `memset`,
//! `vm_enter_scope` / `vm_exit_scope` and `poseidon_hash_many`'s tests.

use super::ctx::{bool_felt, HintCtx, Var};
use super::Hint;
use crate::vm::error::VmError;
use crate::vm::memory::Value;
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
    }
}
