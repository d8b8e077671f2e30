//! The KPI values of many replications, kept compressed without loss until they are summarised.
//!
//! Paired comparisons and exact percentiles need every replication's value of every KPI, so
//! they are kept; but most of a row barely changes from one replication to the next. Counts
//! are whole numbers that share their exponent and leading bits, and undefined (NaN),
//! constant and deterministic KPIs repeat exactly. So each row is stored as its bitwise XOR
//! with one reference row (the first kept), each value encoded as [`crate::values`] encodes
//! a KPI's column: an equal value costs one byte, a count two to four, a full-precision
//! measurement nine. Decoding gives back the very same bits, so results do not change.

use crate::values::{put_xor, take_xor};
use std::collections::BTreeMap;

/// Bytes per block: rows are written into large shared blocks rather than one allocation
/// each, so that the allocator keeps them contiguous instead of scattered between the large
/// short-lived buffers of the replications that workers run next (which with glibc's
/// per-thread arenas costs about half as much memory again). At 128 KiB, glibc's default
/// threshold for mapping an allocation on its own, each block gets its own pages: smaller
/// blocks fragmented the heap, and 4,000 replications of `closer2home` peaked 12 MB higher.
const BLOCK_BYTES: usize = 1 << 17;

/// Rows of `kpis` values, keyed by replication index.
pub(crate) struct Rows {
    kpis: usize,
    /// The bits of the first row kept; every row is stored as its XOR with these.
    reference: Vec<u64>,
    blocks: Vec<Vec<u8>>,
    /// The row being encoded, before it is copied into a block.
    scratch: Vec<u8>,
    /// Replication index → (block, byte offset of its row in the block).
    at: BTreeMap<u32, (u32, u32)>,
}

impl Rows {
    pub fn new(kpis: usize) -> Rows {
        Rows {
            kpis,
            reference: Vec::new(),
            blocks: Vec::new(),
            scratch: Vec::new(),
            at: BTreeMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.at.len()
    }

    pub fn is_empty(&self) -> bool {
        self.at.is_empty()
    }

    pub fn contains_key(&self, index: &u32) -> bool {
        self.at.contains_key(index)
    }

    /// Replication indices, increasing.
    pub fn keys(&self) -> impl Iterator<Item = &u32> + '_ {
        self.at.keys()
    }

    /// Keeps `values` (one per KPI) for replication `index`, replacing any kept before.
    pub fn insert(&mut self, index: u32, values: &[f64]) {
        debug_assert_eq!(values.len(), self.kpis);
        if self.reference.is_empty() {
            self.reference = values.iter().map(|v| v.to_bits()).collect();
        }
        let row = &mut self.scratch;
        row.clear();
        for (v, r) in values.iter().zip(&self.reference) {
            put_xor(v.to_bits() ^ r, row);
        }
        if self
            .blocks
            .last()
            .is_none_or(|b| b.capacity() - b.len() < row.len())
        {
            self.blocks
                .push(Vec::with_capacity(BLOCK_BYTES.max(row.len())));
        }
        let block = self.blocks.len() - 1;
        let offset = self.blocks[block].len();
        self.blocks[block].extend_from_slice(row);
        self.at.insert(index, (block as u32, offset as u32));
    }

    /// The row kept at (`block`, `offset`), decoded.
    fn decode(&self, block: u32, offset: u32) -> Vec<f64> {
        let mut bytes = &self.blocks[block as usize][offset as usize..];
        (self.reference.iter())
            .map(|r| f64::from_bits(take_xor(&mut bytes) ^ r))
            .collect()
    }

    /// Moves `other`'s rows in. The larger of the two is kept as it is and the rows of the
    /// smaller are stored again against its reference, block by block, each block freed once
    /// its rows are moved, so that merging needs little more memory than the rows themselves.
    pub fn append(&mut self, mut other: Rows) {
        if other.len() > self.len() {
            std::mem::swap(self, &mut other);
        }
        let mut stored: Vec<(u32, u32, u32)> =
            other.at.iter().map(|(&i, &(b, o))| (b, o, i)).collect();
        stored.sort_unstable();
        let mut block = 0;
        for (b, offset, index) in stored {
            if b != block {
                other.blocks[block as usize] = Vec::new();
                block = b;
            }
            let values = other.decode(b, offset);
            self.insert(index, &values);
        }
    }

    /// (replication index, its values), in increasing index.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Vec<f64>)> + '_ {
        self.at
            .iter()
            .map(|(&i, &(block, offset))| (i, self.decode(block, offset)))
    }

    /// Each row's values in increasing replication index, given to `take`, every block freed
    /// as soon as its last row has been taken: rows are mostly stored in index order, so the
    /// rows' memory shrinks as fast as whatever `take` builds from them grows.
    pub fn drain(mut self, mut take: impl FnMut(&[f64])) {
        let mut left = vec![0u32; self.blocks.len()];
        for &(block, _) in self.at.values() {
            left[block as usize] += 1;
        }
        for &(block, offset) in self.at.values() {
            take(&self.decode(block, offset));
            left[block as usize] -= 1;
            if left[block as usize] == 0 {
                self.blocks[block as usize] = Vec::new();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value comes back with the same bits: zeros of both signs, NaN, infinities,
    /// subnormals, counts and full-precision numbers, whatever the reference row.
    #[test]
    fn rows_come_back_bit_for_bit() {
        let specials = [
            0.0,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE / 3.0,
            1.0,
            270.0,
            271.0,
            1234.5678,
            -1e300,
            f64::from_bits(1),
            f64::from_bits(u64::MAX),
        ];
        let n = specials.len();
        let mut rows = Rows::new(n);
        let mut kept = BTreeMap::new();
        for i in 0..40u32 {
            // Each row rotates the specials, so every pair of value and reference occurs.
            let row: Vec<f64> = (0..n).map(|k| specials[(k + i as usize) % n]).collect();
            rows.insert(1000 - i, &row);
            kept.insert(1000 - i, row);
        }
        // Merged both ways: the larger kept, the smaller stored again.
        let mut merged = Rows::new(n);
        merged.insert(5, &specials.map(|x| x * 3.0));
        kept.insert(5, specials.map(|x| x * 3.0).to_vec());
        merged.append(rows);
        let mut other = Rows::new(n);
        other.insert(7, &specials.map(|x| -x));
        kept.insert(7, specials.map(|x| -x).to_vec());
        merged.append(other);
        let rows = merged;
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let back: Vec<(u32, Vec<u64>)> = rows.iter().map(|(i, v)| (i, bits(&v))).collect();
        let want: Vec<(u32, Vec<u64>)> = kept.iter().map(|(&i, v)| (i, bits(v))).collect();
        assert_eq!(back, want);
    }

    /// A value equal to the reference takes one byte and a close count two or three, well
    /// under eight bytes a value.
    #[test]
    fn repeated_values_and_counts_take_few_bytes() {
        let mut rows = Rows::new(3);
        rows.insert(0, &[f64::NAN, 270.0, 5.0]);
        rows.insert(1, &[f64::NAN, 265.0, 5.0]);
        // The reference row itself: three equal values. Then NaN and 5 again, and 265 against
        // 270, whose bits differ in one byte.
        assert_eq!(
            rows.blocks[0].len(),
            3 + (1 + 2 + 1),
            "{:?}",
            rows.blocks[0]
        );
    }
}
