//! What a hint sees: memory, the registers, the `ids` of its compiled
//! references, and the run's [`HintState`] (execution scopes and the
//! dictionary manager), with helpers that turn every failure into a
//! [`VmError`] naming the pc and step.

use super::dict::DictManager;
use super::refs::{Expr, Reference};
use super::Hint;
use crate::vm::error::{At, VmError};
use crate::vm::memory::{Memory, Relocatable, Value};
use num_bigint::{BigInt, BigUint};
use starknet_types_core::felt::Felt;
use std::collections::HashMap;

/// A variable in an execution scope (what Python hints keep in `globals()`).
#[derive(Clone, Debug)]
pub enum Var {
    /// Python's `None`.
    None,
    /// An integer that fits a felt.
    Felt(Felt),
    /// Any integer (secp field elements are wider than a felt).
    Big(BigInt),
    /// A list of integers.
    List(Vec<Felt>),
    /// A map from a felt to a list of integers (`access_indices`,
    /// `positions_dict`).
    Lists(HashMap<Felt, Vec<Felt>>),
    /// A dictionary's contents (`initial_dict`).
    Dict(HashMap<Felt, Value>),
}

/// One execution scope: named variables.
#[derive(Clone, Debug, Default)]
pub struct Scope {
    vars: HashMap<&'static str, Var>,
}

/// The state hints keep for the length of one run: the execution scopes
/// (the main scope at the bottom), the dictionaries and the signatures of
/// ecdsa instances.
#[derive(Clone, Debug)]
pub struct HintState {
    /// Execution scopes, innermost last; never empty.
    pub(crate) scopes: Vec<Scope>,
    /// `__dict_manager`.
    pub(crate) dicts: DictManager,
    /// Signatures registered for ecdsa instances, by the instance's address.
    pub(crate) signatures: HashMap<Relocatable, (Felt, Felt)>,
    /// Temporary segments (`segments.add_temp_segment()`), each with
    /// whether a relocation rule has moved it already.
    pub(crate) temp_segments: Vec<(u32, bool)>,
}

impl Default for HintState {
    fn default() -> HintState {
        HintState {
            scopes: vec![Scope::default()],
            dicts: DictManager::default(),
            signatures: HashMap::new(),
            temp_segments: Vec::new(),
        }
    }
}

/// A validated memory write: address, value, and where (for errors).
pub type WriteFn<'a> = dyn Fn(&mut Memory, Relocatable, Value, At) -> Result<(), VmError> + 'a;

/// What a hint sees and may change.
pub struct HintCtx<'a> {
    /// Memory (writes go through `write`).
    pub mem: &'a mut Memory,
    /// Current ap.
    pub ap: Relocatable,
    /// Current fp.
    pub fp: Relocatable,
    /// The run's scopes and dictionaries.
    pub state: &'a mut HintState,
    /// Where, for errors.
    pub at: At,
    /// Validated write (range-check rules, write-once).
    pub write: &'a WriteFn<'a>,
}

/// The range-check bound, 2^128, as a bit count.
pub(super) const RC_BOUND_BITS: usize = 128;

impl HintCtx<'_> {
    pub(super) fn fail(&self, what: impl Into<String>) -> VmError {
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
        h.ids
            .get(name)
            .ok_or_else(|| self.fail(format!("hint: no variable `ids.{name}` (or its reference cannot be read)")))
    }

    /// The value of `ids.name`.
    pub(super) fn get(&self, h: &Hint, name: &str) -> Result<Value, VmError> {
        let r = self.reference(h, name)?;
        self.eval(&r.expr, r, name)
    }

    /// The value of `ids.name`, which must be an integer.
    pub(super) fn get_int(&self, h: &Hint, name: &str) -> Result<Felt, VmError> {
        match self.get(h, name)? {
            Value::Int(f) => Ok(f.to_felt()),
            Value::Rel(p) => Err(self.fail(format!("hint: ids.{name} = {p} is a pointer, expected an integer"))),
        }
    }

    /// The value of `ids.name`, which must be a pointer.
    pub(super) fn get_ptr(&self, h: &Hint, name: &str) -> Result<Relocatable, VmError> {
        match self.get(h, name)? {
            Value::Rel(p) => Ok(p),
            Value::Int(f) => {
                Err(self.fail(format!("hint: ids.{name} = {:#x} is an integer, expected a pointer", f.to_felt())))
            }
        }
    }

    /// Where `ids.name` lives: the cell of a variable in memory, or the
    /// pointer a struct reference (`cast(ap, T*)`) stands for.
    pub(super) fn addr(&self, h: &Hint, name: &str) -> Result<Relocatable, VmError> {
        let r = self.reference(h, name)?;
        match &r.expr {
            Expr::Deref(inner) => self.eval_addr(inner, r, name),
            e => self.eval_addr(e, r, name),
        }
    }

    /// The integer member at `off` of the struct `ids.name`.
    pub(super) fn member_int(&self, h: &Hint, name: &str, off: u64) -> Result<Felt, VmError> {
        let a = self.addr(h, name)?;
        self.read_int(offset(a, off), &format!("ids.{name}+{off}"))
    }

    /// Writes the member at `off` of the struct `ids.name`.
    pub(super) fn set_member(&mut self, h: &Hint, name: &str, off: u64, v: Value) -> Result<(), VmError> {
        let a = self.addr(h, name)?;
        self.write_at(offset(a, off), v)
    }

    /// Writes `ids.name`.
    pub(super) fn set(&mut self, h: &Hint, name: &str, v: Value) -> Result<(), VmError> {
        let r = self.reference(h, name)?;
        let Expr::Deref(inner) = &r.expr else {
            return Err(self.fail(format!("hint: ids.{name} is not a memory cell")));
        };
        let a = self.eval_addr(inner, r, name)?;
        (self.write)(self.mem, a, v, self.at)
    }

    /// Writes an integer to `ids.name`.
    pub(super) fn set_int(&mut self, h: &Hint, name: &str, v: Felt) -> Result<(), VmError> {
        self.set(h, name, Value::from(v))
    }

    /// A validated write at `a`.
    pub(super) fn write_at(&mut self, a: Relocatable, v: Value) -> Result<(), VmError> {
        (self.write)(self.mem, a, v, self.at)
    }

    /// `memory[ap] = v`.
    pub(super) fn write_ap(&mut self, v: Felt) -> Result<(), VmError> {
        (self.write)(self.mem, self.ap, Value::from(v), self.at)
    }

    /// `memory[a]`, which must be known.
    pub(super) fn read(&self, a: Relocatable, what: &str) -> Result<Value, VmError> {
        self.mem.get(a).ok_or_else(|| VmError::UnknownMemory { at: self.at, addr: a, what: what.to_string() })
    }

    /// `memory[a]`, which must be a known integer.
    pub(super) fn read_int(&self, a: Relocatable, what: &str) -> Result<Felt, VmError> {
        match self.read(a, what)? {
            Value::Int(f) => Ok(f.to_felt()),
            Value::Rel(p) => Err(self.fail(format!("hint: {what} at {a} is a pointer ({p}), expected an integer"))),
        }
    }

    /// `segments.gen_arg(values)`: a new segment holding `values`.
    pub(super) fn gen_arg(&mut self, values: &[Felt]) -> Result<Relocatable, VmError> {
        let base = self.mem.add_segment();
        for (i, v) in values.iter().enumerate() {
            self.write_at(offset(base, i as u64), Value::from(*v))?;
        }
        Ok(base)
    }

    fn scope(&mut self) -> &mut Scope {
        if self.state.scopes.is_empty() {
            self.state.scopes.push(Scope::default());
        }
        let last = self.state.scopes.len() - 1;
        &mut self.state.scopes[last]
    }

    /// `vm_enter_scope(vars)`.
    pub(super) fn enter_scope(&mut self, vars: Vec<(&'static str, Var)>) {
        self.scope();
        self.state.scopes.push(Scope { vars: vars.into_iter().collect() });
    }

    /// `vm_exit_scope()`.
    pub(super) fn exit_scope(&mut self) -> Result<(), VmError> {
        if self.state.scopes.len() <= 1 {
            return Err(self.fail("vm_exit_scope: cannot exit the main scope"));
        }
        self.state.scopes.pop();
        Ok(())
    }

    /// Sets a variable in the current scope.
    pub(super) fn put(&mut self, name: &'static str, v: Var) {
        self.scope().vars.insert(name, v);
    }

    /// A variable of the current scope.
    pub(super) fn var(&mut self, name: &str) -> Result<&mut Var, VmError> {
        let at = self.at;
        self.scope()
            .vars
            .get_mut(name)
            .ok_or_else(|| VmError::Run { at, what: format!("hint: variable `{name}` is not set") })
    }

    /// Removes a variable from the current scope.
    pub(super) fn take(&mut self, name: &str) -> Result<Var, VmError> {
        let at = self.at;
        self.scope()
            .vars
            .remove(name)
            .ok_or_else(|| VmError::Run { at, what: format!("hint: variable `{name}` is not set") })
    }

    /// An integer variable of the current scope.
    pub(super) fn var_felt(&mut self, name: &str) -> Result<Felt, VmError> {
        match self.var(name)? {
            Var::Felt(f) => Ok(*f),
            _ => Err(self.fail(format!("hint: variable `{name}` is not an integer"))),
        }
    }

    /// A big-integer variable of the current scope.
    pub(super) fn var_big(&mut self, name: &str) -> Result<BigInt, VmError> {
        match self.var(name)? {
            Var::Big(b) => Ok(b.clone()),
            Var::Felt(f) => Ok(BigInt::from(f.to_biguint())),
            _ => Err(self.fail(format!("hint: variable `{name}` is not an integer"))),
        }
    }

    /// A list variable of the current scope.
    pub(super) fn var_list(&mut self, name: &str) -> Result<&mut Vec<Felt>, VmError> {
        let at = self.at;
        match self.var(name)? {
            Var::List(l) => Ok(l),
            _ => Err(VmError::Run { at, what: format!("hint: variable `{name}` is not a list") }),
        }
    }

    /// A map-of-lists variable of the current scope.
    pub(super) fn var_lists(&mut self, name: &str) -> Result<&mut HashMap<Felt, Vec<Felt>>, VmError> {
        let at = self.at;
        match self.var(name)? {
            Var::Lists(l) => Ok(l),
            _ => Err(VmError::Run { at, what: format!("hint: variable `{name}` is not a map") }),
        }
    }
}

/// `a + off`, saturating (an offset that large fails on the access).
pub(super) fn offset(a: Relocatable, off: u64) -> Relocatable {
    Relocatable::new(a.segment, a.offset.saturating_add(off))
}

/// 0 or 1.
pub(super) fn bool_felt(b: bool) -> Felt {
    if b {
        Felt::ONE
    } else {
        Felt::ZERO
    }
}

/// A felt as an unsigned big integer.
pub(super) fn big(f: Felt) -> BigUint {
    f.to_biguint()
}

/// A big integer below p as a felt.
pub(super) fn felt(b: &BigUint) -> Felt {
    Felt::from(b)
}

/// A felt below 2^64, as an integer.
pub(super) fn small(f: Felt) -> Option<u64> {
    let d = f.to_le_digits();
    (d[1] == 0 && d[2] == 0 && d[3] == 0).then_some(d[0])
}
