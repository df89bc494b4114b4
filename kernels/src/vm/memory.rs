//! Segmented, write-once memory holding [`Value`]s.
//!
//! Memory is a list of segments, each a dense vector of 32-byte cells indexed
//! by offset. A cell packs a `Option<Value>` without a separate tag: a felt
//! in Montgomery form is below p < 2^252, so the top two bits of its last
//! limb are free to mark a pointer (segment, offset in the low limbs) or a
//! hole. A cell may be written once; writing the same
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
    #[inline(always)]
    pub fn try_add(self, rhs: Value) -> Result<Value, String> {
        match (self, rhs) {
            (Value::Int(a), Value::Int(b)) => Ok(Value::Int(a.add(b))),
            (Value::Rel(r), Value::Int(b)) | (Value::Int(b), Value::Rel(r)) => {
                r.add_fe(b).map(Value::Rel).ok_or_else(|| format!("pointer {r} + {:#x} is out of range", b.to_felt()))
            }
            (Value::Rel(a), Value::Rel(b)) => Err(format!("cannot add two pointers {a} and {b}")),
        }
    }

    /// `self - rhs`: int - int, pointer - int, or pointer - pointer in one segment.
    pub fn try_sub(self, rhs: Value) -> Result<Value, String> {
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
pub const MAX_GAP: usize = 1 << 22;

const HOLE_TAG: u64 = 1 << 63;
const REL_TAG: u64 = 1 << 62;

/// One packed cell (see the module docs): the hot loop works on these
/// directly, so values move as four plain words.
#[derive(Clone, Copy, Debug, Eq)]
pub struct Cell([u64; 4]);

/// Word by word, not the derived array comparison: that one compiles to a
/// `bcmp` call on the cells' addresses, which pins a cell computed in
/// registers to a stack slot, and copying it from there (in two 16-byte
/// halves after four 8-byte stores) stalls store-to-load forwarding on
/// every write of the fast path.
impl PartialEq for Cell {
    #[inline(always)]
    fn eq(&self, other: &Cell) -> bool {
        let (a, b) = (self.0, other.0);
        ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0
    }
}

impl Cell {
    /// An unwritten cell.
    pub const HOLE: Cell = Cell([0, 0, 0, HOLE_TAG]);

    /// Whether the cell is unwritten (one word compared: cheaper than `==`).
    #[inline(always)]
    pub fn is_hole(self) -> bool {
        self.0[3] == HOLE_TAG
    }

    /// Whether the cell holds a field element.
    #[inline(always)]
    pub fn is_int(self) -> bool {
        self.0[3] & (HOLE_TAG | REL_TAG) == 0
    }

    /// The field element (meaningful only when [`Cell::is_int`]).
    #[inline(always)]
    pub fn fe(self) -> Fe {
        Fe(self.0)
    }

    /// A field element.
    #[inline(always)]
    pub fn from_fe(f: Fe) -> Cell {
        Cell(f.0)
    }

    /// The pointer, if the cell holds one.
    #[inline(always)]
    pub fn rel(self) -> Option<Relocatable> {
        (self.0[3] == REL_TAG).then(|| Relocatable::new(self.0[0] as u32, self.0[1]))
    }

    /// Packs a value.
    #[inline(always)]
    pub fn pack(v: Value) -> Cell {
        match v {
            Value::Int(f) => Cell(f.0),
            Value::Rel(r) => Cell([u64::from(r.segment), r.offset, 0, REL_TAG]),
        }
    }

    /// The four little-endian words of the packed cell (the layout the GPU
    /// lanes keep, see `vm/gpu.rs`).
    #[inline(always)]
    pub fn words(self) -> [u64; 4] {
        self.0
    }

    /// A cell from its four words, if they are a valid packed cell: a hole,
    /// a pointer, or a field element below p.
    pub fn from_words(w: [u64; 4]) -> Option<Cell> {
        let c = Cell(w);
        let valid = match w[3] {
            HOLE_TAG => w[..3] == [0, 0, 0],
            REL_TAG => w[0] <= u64::from(u32::MAX) && w[2] == 0,
            _ => c.is_int() && crate::field::fe::lt_p(&w),
        };
        valid.then_some(c)
    }

    /// Unpacks (`None` for a hole).
    #[inline(always)]
    pub fn unpack(self) -> Option<Value> {
        let t = self.0[3];
        if t & (HOLE_TAG | REL_TAG) == 0 {
            Some(Value::Int(Fe(self.0)))
        } else if t == REL_TAG {
            Some(Value::Rel(Relocatable::new(self.0[0] as u32, self.0[1])))
        } else {
            None
        }
    }
}

/// Segmented write-once memory.
///
/// Segment buffers come from, and go back to, a per-thread pool
/// ([`pool`]): a thread that runs program after program, as an executor
/// does, reuses memory whose pages are already mapped instead of faulting in
/// fresh pages and regrowing every segment on each run. A segment that
/// outgrows 2 MiB moves once into a large reservation backed by transparent
/// huge pages (`grow`), so even a first run faults in its memory 2 MiB at a
/// time and never copies it again.
#[derive(Clone, Debug, Default)]
pub struct Memory {
    segments: Vec<Vec<Cell>>,
}

impl Drop for Memory {
    fn drop(&mut self) {
        pool::give_back(&mut self.segments);
    }
}

/// The per-thread pool of segment buffers that [`Memory`] reuses.
pub mod pool {
    use super::Cell;
    use std::cell::RefCell;

    /// Buffers kept per thread.
    pub const MAX_BUFFERS: usize = 16;
    /// Largest buffer kept, in cells (32 bytes each): 256 MiB.
    pub const MAX_CELLS: usize = 1 << 23;

    thread_local! {
        static POOL: RefCell<Vec<Vec<Cell>>> = const { RefCell::new(Vec::new()) };
    }

    /// Returns every buffer in `segments` to this thread's pool (emptied),
    /// keeping the largest [`MAX_BUFFERS`] of at most [`MAX_CELLS`] cells.
    pub(super) fn give_back(segments: &mut Vec<Vec<Cell>>) {
        // `try_with`: during thread teardown the pool may already be gone.
        let _ = POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            for seg in segments.drain(..) {
                keep(&mut p, seg);
            }
        });
    }

    /// Gives a full `seg` a pooled buffer of at least `need` cells, copying
    /// its contents over and pooling the old buffer: the smallest that fits
    /// for a segment's first buffer (most segments stay small), the largest
    /// when a segment has filled one (it is still growing). Returns false,
    /// leaving `seg` as it was, when no pooled buffer is big enough.
    pub(super) fn swap_for(seg: &mut Vec<Cell>, need: usize) -> bool {
        POOL.try_with(|p| {
            let mut p = p.borrow_mut();
            let fits = (0..p.len()).filter(|&i| p[i].capacity() >= need.max(seg.capacity() + 1));
            let pick = if seg.capacity() == 0 {
                fits.min_by_key(|&i| p[i].capacity())
            } else {
                fits.max_by_key(|&i| p[i].capacity())
            };
            let Some(i) = pick else {
                return false;
            };
            let mut big = p.swap_remove(i);
            big.extend_from_slice(seg);
            let old = std::mem::replace(seg, big);
            keep(&mut p, old);
            true
        })
        .unwrap_or(false)
    }

    /// Pools `buf` (emptied) if it is worth keeping.
    pub(super) fn put(buf: Vec<Cell>) {
        let _ = POOL.try_with(|p| keep(&mut p.borrow_mut(), buf));
    }

    fn keep(p: &mut Vec<Vec<Cell>>, mut buf: Vec<Cell>) {
        if buf.capacity() > 0 && buf.capacity() <= MAX_CELLS {
            buf.clear();
            p.push(buf);
        }
        if p.len() > MAX_BUFFERS {
            p.sort_unstable_by_key(|b| std::cmp::Reverse(b.capacity()));
            p.truncate(MAX_BUFFERS);
        }
    }

    /// Empties this thread's pool, so the next run starts from fresh memory
    /// (benchmarks use it to measure the first run on a thread).
    pub fn clear() {
        let _ = POOL.try_with(|p| p.borrow_mut().clear());
    }

    /// Cells held by this thread's pool (for tests and diagnostics).
    pub fn pooled_cells() -> usize {
        POOL.with(|p| p.borrow().iter().map(Vec::capacity).sum())
    }
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

    /// Memory made of these segments, cells in offset order (a trailing
    /// hole is dropped, so each segment's length is its last written
    /// offset + 1, as writes leave it).
    pub fn from_segments(segments: Vec<Vec<Cell>>) -> Memory {
        let mut m = Memory { segments };
        for seg in &mut m.segments {
            while seg.last().is_some_and(|c| c.is_hole()) {
                seg.pop();
            }
        }
        m
    }

    /// The packed cells of segment `i` (empty if there is no such segment).
    pub fn segment_cells(&self, i: usize) -> &[Cell] {
        self.segments.get(i).map_or(&[], Vec::as_slice)
    }

    /// Number of segments.
    pub fn num_segments(&self) -> usize {
        self.segments.len()
    }

    /// The length of segment `i` (highest written offset + 1; 0 if none).
    pub fn segment_len(&self, i: usize) -> usize {
        self.segments.get(i).map_or(0, Vec::len)
    }

    /// The cells of segment `i` in offset order (`None` for holes).
    pub fn cells(&self, i: usize) -> impl Iterator<Item = Option<Value>> + '_ {
        self.segments.get(i).into_iter().flatten().map(|c| c.unpack())
    }

    /// The value at `a`, if written.
    #[inline(always)]
    pub fn get(&self, a: Relocatable) -> Option<Value> {
        self.segments.get(a.segment as usize)?.get(usize::try_from(a.offset).ok()?)?.unpack()
    }

    /// The packed cell at `a` ([`Cell::HOLE`] if unwritten).
    #[inline(always)]
    pub fn cell(&self, a: Relocatable) -> Cell {
        match self.segments.get(a.segment as usize) {
            Some(seg) => seg.get(a.offset as usize).copied().unwrap_or(Cell::HOLE),
            None => Cell::HOLE,
        }
    }

    /// Writes `v` at `a` (write-once: the same value again is fine).
    #[inline(always)]
    pub fn insert(&mut self, a: Relocatable, v: Value) -> Result<(), WriteError> {
        self.insert_cell(a, Cell::pack(v))
    }

    /// Writes a packed, non-hole cell at `a` (write-once).
    #[inline(always)]
    pub fn insert_cell(&mut self, a: Relocatable, new: Cell) -> Result<(), WriteError> {
        let seg = self.segments.get_mut(a.segment as usize).ok_or(WriteError::NoSegment)?;
        write_cell(seg, a.offset, new)
    }

    /// Moves segment `src` to `dest` (`memory.add_relocation_rule`, applied
    /// at once): every pointer into `src`, anywhere, becomes the same offset
    /// from `dest`, and `src`'s cells are written at `dest` onwards
    /// (write-once: a different value already there is a conflict, naming
    /// the address). `src` is left empty.
    pub fn relocate_segment(&mut self, src: u32, dest: Relocatable) -> Result<(), (Relocatable, WriteError)> {
        let moved = self.segments.get_mut(src as usize).map(std::mem::take).unwrap_or_default();
        let to = |r: Relocatable| Relocatable::new(dest.segment, dest.offset.saturating_add(r.offset));
        for seg in self.segments.iter_mut() {
            for cell in seg.iter_mut() {
                if let Some(r) = cell.rel().filter(|r| r.segment == src) {
                    *cell = Cell::pack(Value::Rel(to(r)));
                }
            }
        }
        for (i, cell) in moved.iter().enumerate() {
            if cell.is_hole() {
                continue;
            }
            let c = match cell.rel() {
                Some(r) if r.segment == src => Cell::pack(Value::Rel(to(r))),
                _ => *cell,
            };
            let a = to(Relocatable::new(src, i as u64));
            self.insert_cell(a, c).map_err(|e| (a, e))?;
        }
        Ok(())
    }

    /// Whether any cell holds a pointer into segment `s`.
    pub fn points_into(&self, s: u32) -> bool {
        self.segments.iter().flatten().any(|c| c.rel().is_some_and(|r| r.segment == s))
    }

    /// Drops the cells of segment `s`.
    pub fn clear_segment(&mut self, s: u32) {
        if let Some(seg) = self.segments.get_mut(s as usize) {
            seg.clear();
        }
    }

    /// Segment `exec` for writing beside every segment for reading: the
    /// fast path's view of memory (`None` if there is no such segment).
    #[inline(always)]
    pub(super) fn split(&mut self, exec: u32) -> Option<Split<'_>> {
        let (before, rest) = self.segments.split_at_mut(exec as usize);
        let (exec, after) = rest.split_first_mut()?;
        Some(Split { before, exec, after })
    }
}

/// Writes `new` at `off` of one segment (write-once: a hole is filled, an
/// equal value is fine, a different one is a conflict), growing it if needed.
/// On an error nothing changes.
#[inline(always)]
fn write_cell(seg: &mut Vec<Cell>, off: u64, new: Cell) -> Result<(), WriteError> {
    let len = seg.len();
    let off = usize::try_from(off).map_err(|_| WriteError::TooFar)?;
    if off == len && len < seg.capacity() {
        seg.push(new);
        return Ok(());
    }
    if let Some(cell) = seg.get_mut(off) {
        if cell.is_hole() {
            *cell = new;
        } else if *cell != new {
            return Err(WriteError::Conflict(cell.unpack().unwrap_or(Value::Int(Fe::ZERO))));
        }
        return Ok(());
    }
    if off - len > MAX_GAP {
        return Err(WriteError::TooFar);
    }
    if off >= seg.capacity() {
        grow(seg, off + 1);
    }
    seg.resize(off, Cell::HOLE);
    seg.push(new);
    Ok(())
}

/// One segment writable beside the others readable (see [`Memory::split`]).
pub(super) struct Split<'a> {
    before: &'a [Vec<Cell>],
    /// The writable segment.
    exec: &'a mut Vec<Cell>,
    after: &'a [Vec<Cell>],
}

impl Split<'_> {
    /// The cell at `off` of the writable segment ([`Cell::HOLE`] if unwritten
    /// or out of range).
    #[inline(always)]
    pub(super) fn exec_cell(&self, off: u64) -> Cell {
        match usize::try_from(off) {
            Ok(o) => self.exec.get(o).copied().unwrap_or(Cell::HOLE),
            Err(_) => Cell::HOLE,
        }
    }

    /// The cell at `a` in any segment ([`Cell::HOLE`] if unwritten).
    #[inline(always)]
    pub(super) fn cell(&self, a: Relocatable) -> Cell {
        let s = a.segment as usize;
        let seg: &[Cell] = match s.cmp(&self.before.len()) {
            std::cmp::Ordering::Less => &self.before[s],
            std::cmp::Ordering::Equal => self.exec,
            std::cmp::Ordering::Greater => match self.after.get(s - self.before.len() - 1) {
                Some(v) => v,
                None => return Cell::HOLE,
            },
        };
        match usize::try_from(a.offset) {
            Ok(o) => seg.get(o).copied().unwrap_or(Cell::HOLE),
            Err(_) => Cell::HOLE,
        }
    }

    /// Writes `new` at `off` of the writable segment, exactly as
    /// [`Memory::insert_cell`] would; false (nothing changed) where that
    /// would fail.
    #[inline(always)]
    pub(super) fn write_exec(&mut self, off: u64, new: Cell) -> bool {
        write_cell(self.exec, off, new).is_ok()
    }
}

/// A segment's first buffer, in cells (32 bytes each).
const MIN_CELLS: usize = 64;

/// From this size on (in cells: 2 MiB, one huge page) a growing segment's
/// next buffer is a [`pool::MAX_CELLS`] reservation backed by huge pages
/// ([`huge_pages`]). Only touched pages cost memory, so the reservation is
/// address space, not RAM, and the segment is not copied again until it
/// outgrows that (then it doubles).
const LARGE_CELLS: usize = 1 << 16;

/// Makes room for `need` cells in a full segment: a pooled buffer if one is
/// big enough, else a new one (doubling, or one large reservation once the
/// segment is big) with the contents copied over and the old buffer pooled.
#[cold]
#[inline(never)]
fn grow(seg: &mut Vec<Cell>, need: usize) {
    if pool::swap_for(seg, need) {
        return;
    }
    let double = need.max(seg.capacity() * 2).max(MIN_CELLS);
    let cap = if double >= LARGE_CELLS { double.max(pool::MAX_CELLS) } else { double };
    let mut buf = Vec::new();
    if buf.try_reserve_exact(cap).is_err() {
        // No address space for the reservation (strict overcommit, say):
        // plain doubling.
        buf.reserve_exact(double);
    }
    huge_pages(&mut buf);
    buf.extend_from_slice(seg);
    pool::put(std::mem::replace(seg, buf));
}

/// Asks the kernel to back a large, still untouched buffer with transparent
/// huge pages: a fresh 2 MiB page costs one fault instead of 512, and
/// first-touch faults are most of what a long run on fresh memory pays.
#[cfg(target_os = "linux")]
fn huge_pages(buf: &mut Vec<Cell>) {
    const HUGE: usize = 2 << 20;
    if buf.capacity() < LARGE_CELLS {
        return;
    }
    let start = buf.as_mut_ptr() as usize;
    let end = start + buf.capacity() * std::mem::size_of::<Cell>();
    let (a, b) = (start.next_multiple_of(HUGE), end / HUGE * HUGE);
    if a < b {
        // SAFETY: [a, b) lies inside the allocation `buf` owns, and
        // MADV_HUGEPAGE only changes how the kernel backs those pages, never
        // their contents, so no memory Rust can see changes. The result is
        // ignored: without THP support the call fails and nothing changes.
        unsafe {
            libc::madvise(a as *mut libc::c_void, b - a, libc::MADV_HUGEPAGE);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn huge_pages(_buf: &mut Vec<Cell>) {}

#[cfg(test)]
mod pool_tests {
    use super::*;

    #[test]
    fn reused_buffers_start_empty() {
        pool::clear();
        let mut m = Memory::new();
        let seg = m.add_segment();
        for i in 0..10_000u64 {
            m.insert(Relocatable::new(seg.segment, i), Value::Int(Fe::from_u64(i + 1))).unwrap();
        }
        drop(m);
        assert!(pool::pooled_cells() >= 10_000, "the buffer went back to the pool");
        let mut m = Memory::new();
        let seg = m.add_segment();
        assert_eq!(m.segment_len(seg.segment as usize), 0);
        assert_eq!(m.get(Relocatable::new(seg.segment, 5)), None, "no stale cell is visible");
        // Growing into the pooled buffer keeps what was written and nothing else.
        m.insert(Relocatable::new(seg.segment, 0), Value::Int(Fe::from_u64(7))).unwrap();
        m.insert(Relocatable::new(seg.segment, 20_000), Value::Int(Fe::from_u64(8))).unwrap();
        assert_eq!(m.get(Relocatable::new(seg.segment, 0)), Some(Value::Int(Fe::from_u64(7))));
        assert_eq!(m.get(Relocatable::new(seg.segment, 5)), None);
        assert_eq!(m.get(Relocatable::new(seg.segment, 20_000)), Some(Value::Int(Fe::from_u64(8))));
        // Writing over an old value's offset is a fresh write, not a conflict.
        m.insert(Relocatable::new(seg.segment, 1), Value::Int(Fe::from_u64(99))).unwrap();
    }

    #[test]
    fn large_segments_keep_their_contents_across_growth() {
        pool::clear();
        let mut m = Memory::new();
        let small = m.add_segment();
        let big = m.add_segment();
        let n = (LARGE_CELLS as u64) * 3 + 5;
        for i in 0..n {
            m.insert(Relocatable::new(big.segment, i), Value::Int(Fe::from_u64(i))).unwrap();
            if i % 1000 == 0 {
                m.insert(Relocatable::new(small.segment, i / 1000), Value::Int(Fe::from_u64(i))).unwrap();
            }
        }
        assert_eq!(m.segment_len(big.segment as usize), n as usize);
        for i in (0..n).step_by(997) {
            assert_eq!(m.get(Relocatable::new(big.segment, i)), Some(Value::Int(Fe::from_u64(i))));
        }
        assert_eq!(m.get(Relocatable::new(small.segment, 7)), Some(Value::Int(Fe::from_u64(7000))));
        // A write far past the end is refused before anything is allocated.
        let far = Relocatable::new(small.segment, (MAX_GAP as u64) * 4);
        assert_eq!(m.insert(far, Value::Int(Fe::ZERO)), Err(WriteError::TooFar));
    }
}
