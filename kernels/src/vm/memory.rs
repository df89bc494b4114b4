//! Segmented, write-once memory holding [`Value`]s.
//!
//! Memory is a list of segments, each a dense `Vec<Option<Value>>` indexed by
//! offset (`None` is a hole). A cell may be written once; writing the same
//! value again is allowed, a different one is an error. Addresses are
//! [`Relocatable`]s (segment, offset); after the run, `relocate.rs` lays the
//! segments out one after another.

use crate::field::Fe;
use starknet_types_core::felt::Felt;

/// An address: a segment and an offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Relocatable {
    /// The segment index.
    pub segment: u32,
    /// The offset inside the segment.
    pub offset: u64,
}

impl Relocatable {
    /// `(segment, offset)`.
    #[inline(always)]
    pub const fn new(segment: u32, offset: u64) -> Relocatable {
        Relocatable { segment, offset }
    }

    /// `self + d`, or `None` if the offset would leave `0..2^64`.
    #[inline(always)]
    pub fn add_signed(self, d: i64) -> Option<Relocatable> {
        Some(Relocatable::new(self.segment, self.offset.checked_add_signed(d)?))
    }

    /// `self + f` for a felt `f` read as a signed offset (so `-1` works).
    pub fn add_fe(self, f: Fe) -> Option<Relocatable> {
        let c = f.to_canonical();
        if c[1] == 0 && c[2] == 0 && c[3] == 0 {
            return Some(Relocatable::new(self.segment, self.offset.checked_add(c[0])?));
        }
        let n = f.neg().to_canonical();
        if n[1] == 0 && n[2] == 0 && n[3] == 0 {
            return Some(Relocatable::new(self.segment, self.offset.checked_sub(n[0])?));
        }
        None
    }
}

impl std::fmt::Display for Relocatable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.segment, self.offset)
    }
}

/// A memory value: a field element or a pointer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// A field element.
    Int(Fe),
    /// A pointer.
    Rel(Relocatable),
}

impl Value {
    /// `self + rhs`: int + int, pointer + int or int + pointer.
    pub fn add(self, rhs: Value) -> Result<Value, String> {
        match (self, rhs) {
            (Value::Int(a), Value::Int(b)) => Ok(Value::Int(a.add(b))),
            (Value::Rel(r), Value::Int(b)) | (Value::Int(b), Value::Rel(r)) => {
                r.add_fe(b).map(Value::Rel).ok_or_else(|| format!("pointer {r} + {:#x} is out of range", b.to_felt()))
            }
            (Value::Rel(a), Value::Rel(b)) => Err(format!("cannot add two pointers {a} and {b}")),
        }
    }

    /// `self - rhs`: int - int, pointer - int, or pointer - pointer in one segment.
    pub fn sub(self, rhs: Value) -> Result<Value, String> {
        match (self, rhs) {
            (Value::Int(a), Value::Int(b)) => Ok(Value::Int(a.sub(b))),
            (Value::Rel(r), Value::Int(b)) => r
                .add_fe(b.neg())
                .map(Value::Rel)
                .ok_or_else(|| format!("pointer {r} - {:#x} is out of range", b.to_felt())),
            (Value::Rel(a), Value::Rel(b)) if a.segment == b.segment => {
                let d = Fe::from_u64(a.offset).sub(Fe::from_u64(b.offset));
                Ok(Value::Int(d))
            }
            (a, b) => Err(format!("cannot subtract {b} from {a}")),
        }
    }

    /// The felt, for an int.
    pub fn as_int(self) -> Option<Fe> {
        match self {
            Value::Int(f) => Some(f),
            Value::Rel(_) => None,
        }
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Int(x) => write!(f, "{:#x}", x.to_felt()),
            Value::Rel(r) => write!(f, "{r}"),
        }
    }
}

impl From<Felt> for Value {
    fn from(f: Felt) -> Value {
        Value::Int(Fe::from_felt(&f))
    }
}

/// What a write found.
#[derive(Debug, PartialEq, Eq)]
pub enum WriteError {
    /// The cell already held a different value.
    Conflict(Value),
    /// The segment does not exist.
    NoSegment,
    /// The offset is implausibly far past the segment's end (more than
    /// [`MAX_GAP`] cells), which would only exhaust memory.
    TooFar,
}

/// The largest hole a single write may open at the end of a segment.
pub const MAX_GAP: usize = 1 << 28;

/// Segmented write-once memory.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    segments: Vec<Vec<Option<Value>>>,
}

impl Memory {
    /// Empty memory, no segments.
    pub fn new() -> Memory {
        Memory::default()
    }

    /// Adds an empty segment and returns its base.
    pub fn add_segment(&mut self) -> Relocatable {
        self.segments.push(Vec::new());
        Relocatable::new(self.segments.len() as u32 - 1, 0)
    }

    /// Number of segments.
    pub fn num_segments(&self) -> usize {
        self.segments.len()
    }

    /// The cells of segment `i` (length = highest written offset + 1).
    pub fn segment(&self, i: usize) -> &[Option<Value>] {
        &self.segments[i]
    }

    /// The value at `a`, if written.
    #[inline(always)]
    pub fn get(&self, a: Relocatable) -> Option<Value> {
        *self.segments.get(a.segment as usize)?.get(usize::try_from(a.offset).ok()?)?
    }

    /// Writes `v` at `a` (write-once: the same value again is fine).
    #[inline]
    pub fn insert(&mut self, a: Relocatable, v: Value) -> Result<(), WriteError> {
        let seg = self.segments.get_mut(a.segment as usize).ok_or(WriteError::NoSegment)?;
        let off = a.offset as usize;
        if off < seg.len() {
            match seg[off] {
                None => seg[off] = Some(v),
                Some(old) if old == v => {}
                Some(old) => return Err(WriteError::Conflict(old)),
            }
        } else {
            if off - seg.len() > MAX_GAP {
                return Err(WriteError::TooFar);
            }
            if off > seg.len() {
                seg.resize(off, None);
            }
            seg.push(Some(v));
        }
        Ok(())
    }
}
