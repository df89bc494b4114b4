//! `ids.x` references: the reference manager's expressions
//! (`[cast(fp + (-3), felt*)]`, `cast([fp + (-4)] + 1, felt)`, `[ap + 2] * [ap]`)
//! parsed once at load time, with the ap-tracking correction between the
//! reference and the hint.

use starknet_types_core::felt::Felt;

/// A compiled `ids.x`: an expression and the ap correction to apply.
#[derive(Clone, Debug)]
pub struct Reference {
    pub(super) expr: Expr,
    /// `hint.ap_offset - reference.ap_offset` when both are in one tracking
    /// group; `None` if `ap` may not be used.
    pub(super) ap_diff: Option<i64>,
}

#[derive(Clone, Debug)]
pub(super) enum Expr {
    Ap,
    Fp,
    Int(Felt),
    Deref(Box<Expr>),
    Add(Box<Expr>, Box<Expr>),
    Mul(Box<Expr>, Box<Expr>),
}

/// Parses a reference's `value` text.
pub(super) fn parse(text: &str) -> Option<Expr> {
    Parser { s: text.as_bytes(), i: 0 }.full()
}

/// A tiny recursive-descent parser for reference expressions.
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
        let v = crate::vm::program::parse_felt(text)?;
        Some(Expr::Int(if neg { -v } else { v }))
    }
}
