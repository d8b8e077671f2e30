//! The KPI values of many replications, kept compressed without loss until they are summarised.
//!
//! Paired comparisons and exact percentiles need every replication's value of every KPI, so
//! they are kept; but most of a row barely changes from one replication to the next. Counts
//! are whole numbers that share their exponent and leading bits, and undefined (NaN),
//! constant and deterministic KPIs repeat exactly. So each row is stored as its bitwise XOR
//! with a reference row (the first kept; rows moved in from another worker keep theirs),
//! each value encoded as [`crate::values`] encodes a KPI's column: an equal value costs one byte, a count two to four, a full-precision
//! measurement nine. Decoding gives back the very same bits, so results do not change.

use crate::values::{put_xor, take_xor, Values};
use rayon::prelude::*;
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
    /// Reference rows (the bits of the first row kept, and of the first row of each set of
    /// rows moved in by [`Rows::append`]): each row is stored as its XOR with one of them.
    references: Vec<Vec<u64>>,
    /// Blocks of stored rows, each with the reference its rows are stored against.
    blocks: Vec<(u32, Vec<u8>)>,
    /// The row being encoded, before it is copied into a block.
    scratch: Vec<u8>,
    /// Replication index → (block, byte offset of its row in the block).
    at: BTreeMap<u32, (u32, u32)>,
}

impl Rows {
    pub fn new(kpis: usize) -> Rows {
        Rows {
            kpis,
            references: Vec::new(),
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
        if self.references.is_empty() {
            self.references
                .push(values.iter().map(|v| v.to_bits()).collect());
        }
        let reference = self.references.len() - 1;
        let row = &mut self.scratch;
        row.clear();
        for (v, r) in values.iter().zip(&self.references[reference]) {
            put_xor(v.to_bits() ^ r, row);
        }
        let fits = |(r, b): &(u32, Vec<u8>)| {
            *r as usize == reference && b.capacity() - b.len() >= row.len()
        };
        if !self.blocks.last().is_some_and(fits) {
            let block = Vec::with_capacity(BLOCK_BYTES.max(row.len()));
            self.blocks.push((reference as u32, block));
        }
        let block = self.blocks.len() - 1;
        let offset = self.blocks[block].1.len();
        self.blocks[block].1.extend_from_slice(row);
        self.at.insert(index, (block as u32, offset as u32));
    }

    /// The row kept at (`block`, `offset`), decoded into `row`.
    fn decode(&self, block: u32, offset: u32, row: &mut Vec<f64>) {
        let (reference, bytes) = &self.blocks[block as usize];
        let mut bytes = &bytes[offset as usize..];
        row.clear();
        row.extend(
            (self.references[*reference as usize].iter())
                .map(|r| f64::from_bits(take_xor(&mut bytes) ^ r)),
        );
    }

    /// Moves `other`'s rows in, as they are stored: their blocks and reference row are moved,
    /// not decoded and stored again, so merging costs next to nothing. Rows of a replication
    /// both hold are `other`'s afterwards.
    pub fn append(&mut self, mut other: Rows) {
        let (blocks, references) = (self.blocks.len() as u32, self.references.len() as u32);
        // The last block's spare room would otherwise stay empty for good.
        if let Some((_, last)) = other.blocks.last_mut() {
            last.shrink_to_fit();
        }
        (self.blocks).extend(other.blocks.into_iter().map(|(r, b)| (r + references, b)));
        self.references.append(&mut other.references);
        for (block, _) in other.at.values_mut() {
            *block += blocks;
        }
        self.at.append(&mut other.at);
    }

    /// (replication index, its values), in increasing index.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Vec<f64>)> + '_ {
        self.at.iter().map(|(&i, &(block, offset))| {
            let mut row = Vec::with_capacity(self.kpis);
            self.decode(block, offset, &mut row);
            (i, row)
        })
    }

    /// Every KPI's values in increasing replication index, as compressed columns. Runs of
    /// rows are moved in parallel (on the caller's thread pool), a round of them at a time,
    /// and each block is freed once its last row has been moved: rows are mostly stored in
    /// index order, so the rows' memory shrinks as the columns grow.
    pub fn into_columns(mut self) -> Vec<Values> {
        // Rows one task moves, and rows moved between freeing blocks: a round's rows are
        // held twice (stored and moved) until it ends, so rounds are kept short.
        const RUN: usize = 32;
        const ROUND: usize = 8 * RUN;
        let order: Vec<(u32, u32)> = std::mem::take(&mut self.at).into_values().collect();
        let mut left = vec![0u32; self.blocks.len()];
        for &(block, _) in &order {
            left[block as usize] += 1;
        }
        let mut columns = vec![Values::new(); self.kpis];
        for round in order.chunks(ROUND) {
            let runs: Vec<Vec<Values>> = (round.par_chunks(RUN))
                .map(|run| {
                    let mut columns = vec![Values::new(); self.kpis];
                    let mut row = Vec::with_capacity(self.kpis);
                    for &(block, offset) in run {
                        self.decode(block, offset, &mut row);
                        for (column, &v) in columns.iter_mut().zip(&row) {
                            column.push(v);
                        }
                    }
                    columns
                })
                .collect();
            for run in runs {
                for (column, part) in columns.iter_mut().zip(&run) {
                    column.append(part);
                }
            }
            for &(block, _) in round {
                left[block as usize] -= 1;
                if left[block as usize] == 0 {
                    self.blocks[block as usize].1 = Vec::new();
                }
            }
        }
        columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::tests::SPECIALS;

    /// Every value comes back with the same bits: zeros of both signs, NaN, infinities,
    /// subnormals, counts and full-precision numbers, whatever the reference row.
    #[test]
    fn rows_come_back_bit_for_bit() {
        let specials = SPECIALS;
        let n = specials.len();
        let mut rows = Rows::new(n);
        let mut kept = BTreeMap::new();
        for i in 0..40u32 {
            // Each row rotates the specials, so every pair of value and reference occurs.
            let row: Vec<f64> = (0..n).map(|k| specials[(k + i as usize) % n]).collect();
            rows.insert(1000 - i, &row);
            kept.insert(1000 - i, row);
        }
        // Rows moved in keep their own reference; rows kept after that are stored against
        // the last one moved in.
        let mut merged = Rows::new(n);
        merged.insert(5, &specials.map(|x| x * 3.0));
        kept.insert(5, specials.map(|x| x * 3.0).to_vec());
        merged.append(rows);
        let mut other = Rows::new(n);
        other.insert(7, &specials.map(|x| -x));
        kept.insert(7, specials.map(|x| -x).to_vec());
        merged.append(other);
        merged.insert(3, &specials);
        kept.insert(3, specials.to_vec());
        let rows = merged;
        let mut copy = Rows::new(n);
        for (i, v) in rows.iter() {
            copy.insert(i, &v);
        }
        let columns = copy.into_columns();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let back: Vec<(u32, Vec<u64>)> = rows.iter().map(|(i, v)| (i, bits(&v))).collect();
        let want: Vec<(u32, Vec<u64>)> = kept.iter().map(|(&i, v)| (i, bits(v))).collect();
        assert_eq!(back, want);
        // The same values as columns.
        for (k, column) in columns.iter().enumerate() {
            let want: Vec<u64> = kept.values().map(|v| v[k].to_bits()).collect();
            assert_eq!(bits(&column.to_vec()), want);
        }
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
            rows.blocks[0].1.len(),
            3 + (1 + 2 + 1),
            "{:?}",
            rows.blocks[0].1
        );
    }
}
