//! Signature hints: registering an ECDSA signature for an ecdsa builtin
//! instance (`verify_ecdsa_signature`); the run verifies it when the
//! instance is complete (see `builtins.rs`).

use super::ctx::HintCtx;
use super::Hint;
use crate::vm::error::VmError;

/// A signature hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `verify_ecdsa_signature`: `ecdsa_builtin.add_signature(...)`.
    VerifyEcdsaSignature,
}

/// The hint codes, exactly as cairo-lang emits them.
pub(super) const CODES: &[(Kind, &str)] = &[(
    Kind::VerifyEcdsaSignature,
    r#"ecdsa_builtin.add_signature(ids.ecdsa_ptr.address_, (ids.signature_r, ids.signature_s))"#,
)];

/// Runs one signature hint.
pub(super) fn execute(kind: Kind, h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    match kind {
        Kind::VerifyEcdsaSignature => {
            let ptr = cx.get_ptr(h, "ecdsa_ptr")?;
            let (r, s) = (cx.get_int(h, "signature_r")?, cx.get_int(h, "signature_s")?);
            if ptr.offset % 2 != 0 {
                return Err(cx.fail(format!("verify_ecdsa_signature: {ptr} is not the start of an ecdsa instance")));
            }
            cx.state.signatures.insert(ptr, (r, s));
            Ok(())
        }
    }
}
