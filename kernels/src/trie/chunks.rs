//! [`Chunks`]: a growable array kept in fixed-size chunks, for node stores
//! that reach millions of entries.
//!
//! A doubling `Vec` holds up to twice what it needs (a 2^20-leaf trie's
//! 3.4 million nodes sat in vectors sized for 4.2 million) and copies
//! everything each time it grows. `Chunks` allocates [`CHUNK`] entries at a
//! time once past its first chunk (which grows by doubling, so a small trie
//! stays small): at most one chunk is partly used, nothing already stored
//! is copied, and an index is one shift and one mask.

/// log2 of the entries in a full chunk.
pub(crate) const CHUNK_BITS: u32 = 14;
/// Entries in a full chunk (16,384).
pub(crate) const CHUNK: usize = 1 << CHUNK_BITS;
const MASK: usize = CHUNK - 1;

/// An array of `T` in chunks of [`CHUNK`]; indices are `0..len()`.
#[derive(Clone, Debug)]
pub(crate) struct Chunks<T> {
    /// Every chunk but the last holds exactly `CHUNK` entries.
    chunks: Vec<Vec<T>>,
    len: usize,
}

impl<T> Default for Chunks<T> {
    fn default() -> Self {
        Chunks { chunks: Vec::new(), len: 0 }
    }
}

impl<T: Copy> Chunks<T> {
    /// Entries stored.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The entry at `i` (`i < len()`).
    #[inline]
    pub(crate) fn get(&self, i: usize) -> T {
        self.chunks[i >> CHUNK_BITS][i & MASK]
    }

    /// Replaces the entry at `i` (`i < len()`).
    #[inline]
    pub(crate) fn set(&mut self, i: usize, v: T) {
        self.chunks[i >> CHUNK_BITS][i & MASK] = v;
    }

    /// Appends `v` and returns its index.
    pub(crate) fn push(&mut self, v: T) -> usize {
        let i = self.len;
        if i & MASK == 0 {
            // A new chunk: full size unless it is the first.
            self.chunks.push(Vec::with_capacity(if i == 0 { 0 } else { CHUNK }));
        }
        let last = self.chunks.last_mut().expect("a chunk was pushed above");
        if last.len() == last.capacity() {
            // The first chunk (or the last one of a clone, which holds no
            // headroom) doubles, up to a full chunk.
            last.reserve_exact(last.len().max(4).min(CHUNK - last.len()));
        }
        last.push(v);
        self.len += 1;
        i
    }

    /// Bytes allocated: every chunk's capacity and the chunk table.
    pub(crate) fn bytes(&self) -> usize {
        self.chunks.iter().map(Vec::capacity).sum::<usize>() * std::mem::size_of::<T>()
            + self.chunks.capacity() * std::mem::size_of::<Vec<T>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_chunk_boundaries_and_headroom_stays_within_one_chunk() {
        let mut c = Chunks::<u64>::default();
        assert_eq!(c.bytes(), 0);
        let n = 2 * CHUNK + 3;
        for i in 0..n {
            assert_eq!(c.push(i as u64 * 3), i);
        }
        assert_eq!(c.len(), n);
        for i in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, n - 1] {
            assert_eq!(c.get(i), i as u64 * 3);
        }
        c.set(CHUNK, 7);
        assert_eq!(c.get(CHUNK), 7);
        let table = c.chunks.capacity() * std::mem::size_of::<Vec<u64>>();
        assert_eq!(c.bytes() - table, 3 * CHUNK * 8, "three full-size chunks");

        // A clone holds no headroom; it grows again by doubling its last chunk.
        let mut d = c.clone();
        assert_eq!(d.bytes() - d.chunks.capacity() * std::mem::size_of::<Vec<u64>>(), n * 8);
        d.push(1);
        assert_eq!(d.get(n), 1);
        assert_eq!(d.get(n - 1), c.get(n - 1));
    }

    #[test]
    fn a_small_array_stays_small() {
        let mut c = Chunks::<u64>::default();
        for i in 0..10 {
            c.push(i);
        }
        // 4, then 8, then 16 entries.
        assert_eq!(c.chunks[0].capacity(), 16);
    }
}
