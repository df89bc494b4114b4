//! Hints: the common library's hints, recognised by their exact code, as
//! cairo-vm's built-in hint processor recognises them.
//!
//! At load time every hint is matched against [`SUPPORTED`]; a hint whose
//! code is not there rejects the whole program ([`VmError::UnsupportedHint`]).
//! Its `ids` are compiled into [`Reference`]s: a small expression over `ap`,
//! `fp`, constants and memory reads (`[cast(fp + (-3), felt*)]`), with the
//! ap-tracking correction between the reference and the hint applied once.
//! Execution scopes (`vm_enter_scope`, the `n` of memcpy loops, the
//! `excluded` of `assert_le_felt`) live in a small stack of [`Scope`]s.

use super::error::{At, VmError};
use super::memory::{Memory, Relocatable, Value};
use crate::field::Fe;
use serde_json::Value as Json;
use starknet_types_core::felt::{Felt, NonZeroFelt};
use std::collections::HashMap;

/// The supported hints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HintKind {
    /// `alloc()`.
    Alloc,
    /// `assert_nn`.
    AssertNn,
    /// `assert_le_felt`, first hint.
    AssertLeFelt,
    /// `assert_le_felt`: `excluded != 0`.
    ExcludedNe0,
    /// `assert_le_felt`: `excluded != 1`.
    ExcludedNe1,
    /// `assert_le_felt`: `excluded == 2`.
    Excluded2,
    /// `assert_lt_felt`.
    AssertLtFelt,
    /// `assert_not_zero`.
    AssertNotZero,
    /// `unsigned_div_rem`.
    UnsignedDivRem,
    /// `split_felt`.
    SplitFelt,
    /// `is_nn`, first hint.
    IsNn,
    /// `is_nn`, second hint.
    IsNnOutOfRange,
    /// `is_le_felt`.
    IsLeFelt,
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

/// Supported hint codes, exactly as cairo-lang emits them.
pub const SUPPORTED: &[(HintKind, &str)] = &[
    (HintKind::Alloc, r#"memory[ap] = segments.add()"#),
    (
        HintKind::AssertLeFelt,
        r#"import itertools

from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert_integer(ids.b)
a = ids.a % PRIME
b = ids.b % PRIME
assert a <= b, f'a = {a} is not less than or equal to b = {b}.'

# Find an arc less than PRIME / 3, and another less than PRIME / 2.
lengths_and_indices = [(a, 0), (b - a, 1), (PRIME - 1 - b, 2)]
lengths_and_indices.sort()
assert lengths_and_indices[0][0] <= PRIME // 3 and lengths_and_indices[1][0] <= PRIME // 2
excluded = lengths_and_indices[2][1]

memory[ids.range_check_ptr + 1], memory[ids.range_check_ptr + 0] = (
    divmod(lengths_and_indices[0][0], ids.PRIME_OVER_3_HIGH))
memory[ids.range_check_ptr + 3], memory[ids.range_check_ptr + 2] = (
    divmod(lengths_and_indices[1][0], ids.PRIME_OVER_2_HIGH))"#,
    ),
    (
        HintKind::AssertLtFelt,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert_integer(ids.b)
assert (ids.a % PRIME) < (ids.b % PRIME), \
    f'a = {ids.a % PRIME} is not less than b = {ids.b % PRIME}.'"#,
    ),
    (
        HintKind::AssertNn,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.a)
assert 0 <= ids.a % PRIME < range_check_builtin.bound, f'a = {ids.a} is out of range.'"#,
    ),
    (
        HintKind::AssertNotZero,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.value)
assert ids.value % PRIME != 0, f'assert_not_zero failed: {ids.value} = 0.'"#,
    ),
    (HintKind::ElementsOver10, r#"memory[ap] = to_felt_or_relocatable(ids.elements_end - ids.elements >= 10)"#),
    (HintKind::ElementsOver2, r#"memory[ap] = to_felt_or_relocatable(ids.elements_end - ids.elements >= 2)"#),
    (HintKind::Excluded2, r#"assert excluded == 2"#),
    (HintKind::ExcludedNe0, r#"memory[ap] = 1 if excluded != 0 else 0"#),
    (HintKind::ExcludedNe1, r#"memory[ap] = 1 if excluded != 1 else 0"#),
    (HintKind::IsLeFelt, r#"memory[ap] = 0 if (ids.a % PRIME) <= (ids.b % PRIME) else 1"#),
    (HintKind::IsNn, r#"memory[ap] = 0 if 0 <= (ids.a % PRIME) < range_check_builtin.bound else 1"#),
    (HintKind::IsNnOutOfRange, r#"memory[ap] = 0 if 0 <= ((-ids.a - 1) % PRIME) < range_check_builtin.bound else 1"#),
    (
        HintKind::MemcpyContinue,
        r#"n -= 1
ids.continue_copying = 1 if n > 0 else 0"#,
    ),
    (HintKind::MemcpyEnterScope, r#"vm_enter_scope({'n': ids.len})"#),
    (
        HintKind::MemsetContinue,
        r#"n -= 1
ids.continue_loop = 1 if n > 0 else 0"#,
    ),
    (HintKind::MemsetEnterScope, r#"vm_enter_scope({'n': ids.n})"#),
    (
        HintKind::SplitFelt,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert ids.MAX_HIGH < 2**128 and ids.MAX_LOW < 2**128
assert PRIME - 1 == ids.MAX_HIGH * 2**128 + ids.MAX_LOW
assert_integer(ids.value)
ids.low = ids.value & ((1 << 128) - 1)
ids.high = ids.value >> 128"#,
    ),
    (
        HintKind::UnsignedDivRem,
        r#"from starkware.cairo.common.math_utils import assert_integer
assert_integer(ids.div)
assert 0 < ids.div <= PRIME // range_check_builtin.bound, \
    f'div={hex(ids.div)} is out of the valid range.'
ids.q, ids.r = divmod(ids.value, ids.div)"#,
    ),
    (HintKind::VmEnterScope, r#"vm_enter_scope()"#),
    (HintKind::VmExitScope, r#"vm_exit_scope()"#),
];

/// A compiled `ids.x`: an expression and the ap correction to apply.
#[derive(Clone, Debug)]
pub struct Reference {
    expr: Expr,
    /// `hint.ap_offset - reference.ap_offset` when both are in one tracking
    /// group; `None` if `ap` may not be used.
    ap_diff: Option<i64>,
}

#[derive(Clone, Debug)]
enum Expr {
    Ap,
    Fp,
    Int(Felt),
    Deref(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
}

/// One hint, compiled.
#[derive(Clone, Debug)]
pub struct Hint {
    /// What it does.
    pub kind: HintKind,
    ids: HashMap<String, Reference>,
    constants: HashMap<String, Felt>,
}

/// One execution scope.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    n: Option<Felt>,
    excluded: Option<u8>,
}

fn perr(pc: usize, what: impl std::fmt::Display) -> VmError {
    VmError::Program(format!("hint at pc {pc}: {what}"))
}

/// Compiles one entry of the program's `hints` (at pc offset `pc`).
pub fn compile(pc: usize, hint: &Json, refs: &[Json], constants: &HashMap<&str, Felt>) -> Result<Hint, VmError> {
    let code = hint.get("code").and_then(Json::as_str).ok_or_else(|| perr(pc, "missing `code`"))?;
    let kind = SUPPORTED
        .iter()
        .find(|(_, c)| *c == code)
        .map(|(k, _)| *k)
        .ok_or_else(|| VmError::UnsupportedHint { pc, code: code.to_string() })?;
    let flow = hint.get("flow_tracking_data").ok_or_else(|| perr(pc, "missing `flow_tracking_data`"))?;
    let (group, offset) = ap_tracking(flow.get("ap_tracking")).ok_or_else(|| perr(pc, "bad `ap_tracking`"))?;
    let mut ids = HashMap::new();
    if let Some(map) = flow.get("reference_ids").and_then(Json::as_object) {
        for (path, id) in map {
            let name = path.rsplit('.').next().unwrap_or(path).to_string();
            let id = id.as_u64().ok_or_else(|| perr(pc, format!("reference id of {path} is not a number")))? as usize;
            let r = refs.get(id).ok_or_else(|| perr(pc, format!("reference {id} ({path}) does not exist")))?;
            let text = r
                .get("value")
                .and_then(Json::as_str)
                .ok_or_else(|| perr(pc, format!("reference {id} has no `value`")))?;
            let expr = Parser { s: text.as_bytes(), i: 0 }
                .full()
                .ok_or_else(|| perr(pc, format!("cannot parse reference {text:?} ({path})")))?;
            let (rg, ro) = ap_tracking(r.get("ap_tracking_data"))
                .ok_or_else(|| perr(pc, format!("reference {id} has bad ap tracking")))?;
            let ap_diff = (rg == group).then_some(offset - ro);
            ids.insert(name, Reference { expr, ap_diff });
        }
    }
    // Constants a hint reads through `ids` (e.g. PRIME_OVER_3_HIGH), looked
    // up in the hint's accessible scopes, innermost first.
    let mut consts = HashMap::new();
    let scopes: Vec<&str> = hint
        .get("accessible_scopes")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    for name in ["PRIME_OVER_3_HIGH", "PRIME_OVER_2_HIGH"] {
        if let Some(v) = scopes.iter().rev().find_map(|s| constants.get(format!("{s}.{name}").as_str())) {
            consts.insert(name.to_string(), *v);
        }
    }
    if kind == HintKind::AssertLeFelt && consts.len() != 2 {
        return Err(perr(pc, "assert_le_felt needs constants PRIME_OVER_3_HIGH and PRIME_OVER_2_HIGH"));
    }
    Ok(Hint { kind, ids, constants: consts })
}

fn ap_tracking(v: Option<&Json>) -> Option<(u64, i64)> {
    let v = v?;
    Some((v.get("group")?.as_u64()?, v.get("offset")?.as_i64()?))
}

/// A tiny recursive-descent parser for reference expressions:
/// `[cast(fp + (-3), felt*)]`, `cast([fp + (-4)] + 1, felt)`, `[ap + 2] * [ap]`.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn full(mut self) -> Option<Expr> {
        let e = self.sum()?;
        self.ws();
        (self.i == self.s.len()).then_some(e)
    }
    fn ws(&mut self) {
        while self.s.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
    }
    fn eat(&mut self, t: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(t.as_bytes()) {
            self.i += t.len();
            true
        } else {
            false
        }
    }
    fn sum(&mut self) -> Option<Expr> {
        let mut e = self.product()?;
        loop {
            if self.eat("+") {
                e = Expr::Add(Box::new(e), Box::new(self.product()?));
            } else if self.eat("-") {
                let rhs = self.product()?;
                e = Expr::Add(Box::new(e), Box::new(Expr::Mul(Box::new(Expr::Int(-Felt::ONE)), Box::new(rhs))));
            } else {
                return Some(e);
            }
        }
    }
    fn product(&mut self) -> Option<Expr> {
        let mut e = self.atom()?;
        while self.eat("*") {
            e = Expr::Mul(Box::new(e), Box::new(self.atom()?));
        }
        Some(e)
    }
    fn atom(&mut self) -> Option<Expr> {
        if self.eat("[") {
            let e = self.sum()?;
            return self.eat("]").then(|| Expr::Deref(Box::new(e)));
        }
        if self.eat("cast(") {
            let e = self.sum()?;
            if !self.eat(",") {
                return None;
            }
            // Skip the type up to the matching parenthesis.
            let mut depth = 0usize;
            while let Some(&c) = self.s.get(self.i) {
                self.i += 1;
                match c {
                    b'(' => depth += 1,
                    b')' if depth == 0 => return Some(e),
                    b')' => depth -= 1,
                    _ => {}
                }
            }
            return None;
        }
        if self.eat("(") {
            let e = self.sum()?;
            return self.eat(")").then_some(e);
        }
        if self.eat("ap") {
            return Some(Expr::Ap);
        }
        if self.eat("fp") {
            return Some(Expr::Fp);
        }
        let neg = self.eat("-");
        self.ws();
        let start = self.i;
        while self.s.get(self.i).is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        let v = super::program::parse_felt(text)?;
        Some(Expr::Int(if neg { -v } else { v }))
    }
}

/// What a hint sees and may change.
pub struct HintCtx<'a> {
    /// Memory (writes go through `write`).
    pub mem: &'a mut Memory,
    /// Current ap.
    pub ap: Relocatable,
    /// Current fp.
    pub fp: Relocatable,
    /// Execution scopes (the main scope at the bottom).
    pub scopes: &'a mut Vec<Scope>,
    /// Where, for errors.
    pub at: At,
    /// Validated write (range-check rules, write-once).
    pub write: &'a WriteFn<'a>,
}

/// A validated memory write: address, value, and where (for errors).
pub type WriteFn<'a> = dyn Fn(&mut Memory, Relocatable, Value, At) -> Result<(), VmError> + 'a;

const RC_BOUND_BITS: usize = 128;

impl HintCtx<'_> {
    fn fail(&self, what: impl Into<String>) -> VmError {
        VmError::Run { at: self.at, what: what.into() }
    }

    fn eval(&self, e: &Expr, r: &Reference, name: &str) -> Result<Value, VmError> {
        Ok(match e {
            Expr::Ap => {
                let d = r
                    .ap_diff
                    .ok_or_else(|| self.fail(format!("hint: `ids.{name}` uses ap across a tracking group")))?;
                Value::Rel(self.ap.add_signed(-d).ok_or_else(|| self.fail("hint: ap out of range"))?)
            }
            Expr::Fp => Value::Rel(self.fp),
            Expr::Int(v) => Value::from(*v),
            Expr::Deref(inner) => {
                let a = self.eval_addr(inner, r, name)?;
                self.mem.get(a).ok_or_else(|| VmError::UnknownMemory {
                    at: self.at,
                    addr: a,
                    what: format!("ids.{name}"),
                })?
            }
            Expr::Add(a, b) => self
                .eval(a, r, name)?
                .try_add(self.eval(b, r, name)?)
                .map_err(|e| self.fail(format!("hint: ids.{name}: {e}")))?,
            Expr::Mul(a, b) => match (self.eval(a, r, name)?, self.eval(b, r, name)?) {
                (Value::Int(x), Value::Int(y)) => Value::Int(x.mul(y)),
                _ => return Err(self.fail(format!("hint: ids.{name}: cannot multiply pointers"))),
            },
        })
    }

    fn eval_addr(&self, e: &Expr, r: &Reference, name: &str) -> Result<Relocatable, VmError> {
        match self.eval(e, r, name)? {
            Value::Rel(a) => Ok(a),
            Value::Int(_) => Err(self.fail(format!("hint: ids.{name}: address is not a pointer"))),
        }
    }

    fn reference<'h>(&self, h: &'h Hint, name: &str) -> Result<&'h Reference, VmError> {
        h.ids.get(name).ok_or_else(|| self.fail(format!("hint: no variable `ids.{name}`")))
    }

    fn get(&self, h: &Hint, name: &str) -> Result<Value, VmError> {
        let r = self.reference(h, name)?;
        self.eval(&r.expr, r, name)
    }

    fn get_int(&self, h: &Hint, name: &str) -> Result<Felt, VmError> {
        match self.get(h, name)? {
            Value::Int(f) => Ok(f.to_felt()),
            Value::Rel(p) => Err(self.fail(format!("hint: ids.{name} = {p} is a pointer, expected an integer"))),
        }
    }

    fn set(&mut self, h: &Hint, name: &str, v: Value) -> Result<(), VmError> {
        let r = self.reference(h, name)?;
        let Expr::Deref(inner) = &r.expr else {
            return Err(self.fail(format!("hint: ids.{name} is not a memory cell")));
        };
        let a = self.eval_addr(inner, r, name)?;
        (self.write)(self.mem, a, v, self.at)
    }

    fn write_ap(&mut self, v: Felt) -> Result<(), VmError> {
        (self.write)(self.mem, self.ap, Value::from(v), self.at)
    }

    fn scope(&mut self) -> &mut Scope {
        if self.scopes.is_empty() {
            self.scopes.push(Scope::default());
        }
        let last = self.scopes.len() - 1;
        &mut self.scopes[last]
    }

    fn excluded(&mut self) -> Result<u8, VmError> {
        let at = self.at;
        self.scope().excluded.ok_or(VmError::Run { at, what: "hint: variable `excluded` is not set".into() })
    }

    fn n(&mut self) -> Result<Felt, VmError> {
        let at = self.at;
        self.scope().n.ok_or(VmError::Run { at, what: "hint: variable `n` is not set".into() })
    }
}

fn below_bits(f: Felt, bits: usize) -> bool {
    f.bits() <= bits
}

fn bool_felt(b: bool) -> Felt {
    if b {
        Felt::ONE
    } else {
        Felt::ZERO
    }
}

fn divmod(a: Felt, b: Felt) -> (Felt, Felt) {
    match NonZeroFelt::try_from(b) {
        Ok(nz) => a.div_rem(&nz),
        Err(_) => (Felt::ZERO, a),
    }
}

/// Runs one hint.
pub fn execute(h: &Hint, cx: &mut HintCtx<'_>) -> Result<(), VmError> {
    let p_minus_1 = -Felt::ONE;
    match h.kind {
        HintKind::Alloc => {
            let base = cx.mem.add_segment();
            (cx.write)(cx.mem, cx.ap, Value::Rel(base), cx.at)
        }
        HintKind::AssertNn => {
            let a = cx.get_int(h, "a")?;
            if !below_bits(a, RC_BOUND_BITS) {
                return Err(cx.fail(format!("assert_nn: a = {a} is out of range")));
            }
            Ok(())
        }
        HintKind::AssertLeFelt => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            if a > b {
                return Err(cx.fail(format!("assert_le_felt: a = {a} is not less than or equal to b = {b}")));
            }
            let mut arcs = [(a, 0u8), (b - a, 1), (p_minus_1 - b, 2)];
            arcs.sort();
            // PRIME // 3 and PRIME // 2 equal (p - 1) // 3 and (p - 1) // 2,
            // since p ≡ 2 (mod 3) and p is odd.
            let third = divmod(p_minus_1, Felt::from(3)).0;
            let half = divmod(p_minus_1, Felt::TWO).0;
            if arcs[0].0 > third || arcs[1].0 > half {
                return Err(cx.fail("assert_le_felt: arcs too long"));
            }
            cx.scope().excluded = Some(arcs[2].1);
            let rc = match cx.get(h, "range_check_ptr")? {
                Value::Rel(r) => r,
                Value::Int(_) => return Err(cx.fail("assert_le_felt: range_check_ptr is not a pointer")),
            };
            let (q0, r0) = divmod(arcs[0].0, h.constants["PRIME_OVER_3_HIGH"]);
            let (q1, r1) = divmod(arcs[1].0, h.constants["PRIME_OVER_2_HIGH"]);
            for (k, v) in [(1, q0), (0, r0), (3, q1), (2, r1)] {
                (cx.write)(cx.mem, Relocatable::new(rc.segment, rc.offset + k), Value::from(v), cx.at)?;
            }
            Ok(())
        }
        HintKind::ExcludedNe0 => {
            let e = cx.excluded()?;
            cx.write_ap(bool_felt(e != 0))
        }
        HintKind::ExcludedNe1 => {
            let e = cx.excluded()?;
            cx.write_ap(bool_felt(e != 1))
        }
        HintKind::Excluded2 => match cx.excluded()? {
            2 => Ok(()),
            e => Err(cx.fail(format!("assert_le_felt: excluded = {e}, expected 2"))),
        },
        HintKind::AssertLtFelt => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            if a >= b {
                return Err(cx.fail(format!("assert_lt_felt: a = {a} is not less than b = {b}")));
            }
            Ok(())
        }
        HintKind::AssertNotZero => {
            let v = cx.get_int(h, "value")?;
            if v == Felt::ZERO {
                return Err(cx.fail("assert_not_zero failed: value = 0"));
            }
            Ok(())
        }
        HintKind::UnsignedDivRem => {
            let div = cx.get_int(h, "div")?;
            let value = cx.get_int(h, "value")?;
            // PRIME // 2^128 = (p - 1) // 2^128, as p ≡ 1 (mod 2^128).
            let max = divmod(p_minus_1, Felt::from(u128::MAX) + Felt::ONE).0;
            if div == Felt::ZERO || div > max {
                return Err(cx.fail(format!("unsigned_div_rem: div = {div:#x} is out of the valid range")));
            }
            let (q, r) = divmod(value, div);
            cx.set(h, "q", Value::from(q))?;
            cx.set(h, "r", Value::from(r))
        }
        HintKind::SplitFelt => {
            let v = cx.get_int(h, "value")?.to_le_digits();
            let low = Felt::from(u128::from(v[0]) | (u128::from(v[1]) << 64));
            let high = Felt::from(u128::from(v[2]) | (u128::from(v[3]) << 64));
            cx.set(h, "high", Value::from(high))?;
            cx.set(h, "low", Value::from(low))
        }
        HintKind::IsNn => {
            let a = cx.get_int(h, "a")?;
            cx.write_ap(bool_felt(!below_bits(a, RC_BOUND_BITS)))
        }
        HintKind::IsNnOutOfRange => {
            let a = cx.get_int(h, "a")?;
            cx.write_ap(bool_felt(!below_bits(-a - Felt::ONE, RC_BOUND_BITS)))
        }
        HintKind::IsLeFelt => {
            let (a, b) = (cx.get_int(h, "a")?, cx.get_int(h, "b")?);
            cx.write_ap(bool_felt(a > b))
        }
        HintKind::MemcpyEnterScope | HintKind::MemsetEnterScope => {
            let name = if h.kind == HintKind::MemcpyEnterScope { "len" } else { "n" };
            let n = cx.get_int(h, name)?;
            cx.scope();
            cx.scopes.push(Scope { n: Some(n), excluded: None });
            Ok(())
        }
        HintKind::MemcpyContinue | HintKind::MemsetContinue => {
            let n = cx.n()? - Felt::ONE;
            cx.scope().n = Some(n);
            let name = if h.kind == HintKind::MemcpyContinue { "continue_copying" } else { "continue_loop" };
            // `n > 0` on Python integers: n never goes negative in the library loops.
            cx.set(h, name, Value::from(bool_felt(n != Felt::ZERO && n.bits() < 252)))
        }
        HintKind::VmEnterScope => {
            cx.scope();
            cx.scopes.push(Scope::default());
            Ok(())
        }
        HintKind::VmExitScope => {
            if cx.scopes.len() <= 1 {
                return Err(cx.fail("vm_exit_scope: cannot exit the main scope"));
            }
            cx.scopes.pop();
            Ok(())
        }
        HintKind::ElementsOver10 | HintKind::ElementsOver2 => {
            let k = if h.kind == HintKind::ElementsOver10 { 10u64 } else { 2 };
            let d = cx
                .get(h, "elements_end")?
                .try_sub(cx.get(h, "elements")?)
                .map_err(|e| cx.fail(format!("hint: {e}")))?;
            let d = d.as_int().map(Fe::to_felt).unwrap_or(Felt::ZERO);
            cx.write_ap(bool_felt(d >= Felt::from(k)))
        }
    }
}
