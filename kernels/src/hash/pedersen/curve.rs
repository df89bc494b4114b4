//! Stark curve arithmetic for Pedersen: `y² = x³ + x + β` over the Stark
//! field, points in Jacobian coordinates (`x = X/Z²`, `y = Y/Z³`, `Z = 0` is
//! the point at infinity) plus affine points for the fixed-base tables.
//!
//! Formulas from the Explicit-Formulas Database: `madd-2007-bl` (7M + 4S)
//! for Jacobian + affine and `dbl-2007-bl` with `a = 1`. The exceptional
//! cases (equal points, opposite points, infinity) are handled, so the
//! result is the group sum for every input, not only generic ones.

use crate::field::Fe;

/// An affine point `(x, y)` (never infinity).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Affine {
    /// x.
    pub x: Fe,
    /// y.
    pub y: Fe,
}

/// A point in Jacobian coordinates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jacobian {
    /// X.
    pub x: Fe,
    /// Y.
    pub y: Fe,
    /// Z (zero for the point at infinity).
    pub z: Fe,
}

impl Jacobian {
    /// The point at infinity.
    pub const INFINITY: Jacobian = Jacobian {
        x: Fe::ONE,
        y: Fe::ONE,
        z: Fe::ZERO,
    };

    /// `p` with `Z = 1`.
    #[inline(always)]
    pub fn from_affine(p: &Affine) -> Jacobian {
        Jacobian {
            x: p.x,
            y: p.y,
            z: Fe::ONE,
        }
    }

    /// Whether this is the point at infinity.
    #[inline(always)]
    pub fn is_infinity(&self) -> bool {
        self.z.is_zero()
    }

    /// `self + q` (mixed addition).
    #[inline(always)]
    pub fn add_affine(&self, q: &Affine) -> Jacobian {
        if self.is_infinity() {
            return Jacobian::from_affine(q);
        }
        let z1z1 = self.z.square();
        let u2 = q.x.mul(z1z1);
        let s2 = q.y.mul(self.z).mul(z1z1);
        let h = u2.sub(self.x);
        let s = s2.sub(self.y);
        if h.is_zero() {
            return if s.is_zero() {
                self.double()
            } else {
                Jacobian::INFINITY
            };
        }
        let hh = h.square();
        let i = dbl(dbl(hh));
        let j = h.mul(i);
        let r = dbl(s);
        let v = self.x.mul(i);
        let x3 = r.square().sub(j).sub(dbl(v));
        let y3 = r.mul(v.sub(x3)).sub(dbl(self.y.mul(j)));
        let z3 = self.z.add(h).square().sub(z1z1).sub(hh);
        Jacobian {
            x: x3,
            y: y3,
            z: z3,
        }
    }

    /// `2·self`.
    pub fn double(&self) -> Jacobian {
        if self.is_infinity() || self.y.is_zero() {
            return Jacobian::INFINITY;
        }
        let xx = self.x.square();
        let yy = self.y.square();
        let yyyy = yy.square();
        let zz = self.z.square();
        let s = dbl(self.x.add(yy).square().sub(xx).sub(yyyy));
        let m = dbl(xx).add(xx).add(zz.square());
        let t = m.square().sub(dbl(s));
        let y3 = m.mul(s.sub(t)).sub(dbl(dbl(dbl(yyyy))));
        let z3 = self.y.add(self.z).square().sub(yy).sub(zz);
        Jacobian { x: t, y: y3, z: z3 }
    }

    /// The affine point (`None` for infinity), with one inversion.
    pub fn to_affine(&self) -> Option<Affine> {
        if self.is_infinity() {
            return None;
        }
        let zi = self.z.inv_or_zero();
        let zi2 = zi.square();
        Some(Affine {
            x: self.x.mul(zi2),
            y: self.y.mul(zi2).mul(zi),
        })
    }
}

#[inline(always)]
fn dbl(x: Fe) -> Fe {
    x.add(x)
}
