//! Large lists a pass consumes, cut into pieces that are freed as they are used up.
//!
//! A vector of 700,000 records or observations is one block the allocator maps on its own
//! (hundreds of MiB); it goes back to the system only when the whole vector is dropped, so
//! the pass that consumes it and the vector the pass fills would be held at once. Pieces
//! larger than [`OWN_MAPPING_BYTES`] are still mapped on their own (the setting
//! `ingest::ingest` gives glibc), so each one is returned to the system as soon as it is
//! dropped; without that setting they are freed into the heap and reused.

use crate::ingest::OWN_MAPPING_BYTES;

/// The size of a piece: twice the size above which blocks are mapped on their own.
const PIECE_BYTES: usize = 2 * OWN_MAPPING_BYTES;

/// How many `T` a piece holds.
pub(super) fn piece_len<T>() -> usize {
    (PIECE_BYTES / std::mem::size_of::<T>().max(1)).max(1)
}

/// `all` in pieces of [`piece_len`] items, in order (item `i` is in piece `i / piece_len`).
/// Cut from the end, each cut shrinking `all`, so the items are never held twice.
pub(super) fn cut<T>(mut all: Vec<T>) -> Vec<Vec<T>> {
    let len = piece_len::<T>();
    let mut pieces = Vec::with_capacity(all.len().div_ceil(len));
    while !all.is_empty() {
        let start = (all.len() - 1) / len * len;
        pieces.push(all.drain(start..).collect::<Vec<_>>());
        all.shrink_to_fit();
    }
    pieces.reverse();
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_keep_the_order_and_the_positions() {
        let n = piece_len::<u64>() * 2 + 5;
        let pieces = cut((0..n as u64).collect());
        assert_eq!(pieces.len(), 3);
        assert_eq!(pieces[2].len(), 5);
        let flat: Vec<u64> = pieces.into_iter().flatten().collect();
        assert!(flat.iter().enumerate().all(|(i, x)| *x == i as u64));
    }
}
