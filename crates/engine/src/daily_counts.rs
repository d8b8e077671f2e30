//! How many replications saw each count at each midnight, per daily series: the exact
//! distribution behind a daily series' mean and percentile bands.
//!
//! One flat table per series, a row per day. A row holds the counts of a band of values, from
//! the lowest any replication saw that day to the highest, not every value from zero: a pool of
//! 50,000 young people whose replications differ by a few hundred on a day needs a few hundred
//! columns, where columns from zero would have needed 50,000 for each of 18,000 days (3.6 GB).
//! Every row is as wide as the widest band of the series, so the table stays one allocation (a
//! table of its own per (series, day) cost a vector's header and an allocation's overhead in
//! each of tens of thousands of cells, more than the counts in most of them).

use serde::{Deserialize, Serialize};

/// Per series: replications at each count, each day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyCounts {
    days: usize,
    tables: Vec<Table>,
}

/// One series: day `d` counts the values `lo[d]..hi[d]`, value `v` at
/// `counts[d * width + (v - lo[d])]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Table {
    width: usize,
    lo: Vec<u32>,
    hi: Vec<u32>,
    counts: Vec<u32>,
}

impl Table {
    fn new(days: usize) -> Table {
        Table {
            width: 0,
            lo: vec![0; days],
            hi: vec![0; days],
            counts: Vec::new(),
        }
    }

    /// The band day `d` needs to also hold `lo..hi`.
    fn band(&self, d: usize, lo: u32, hi: u32) -> (u32, u32) {
        if self.hi[d] == self.lo[d] {
            (lo, hi)
        } else {
            (self.lo[d].min(lo), self.hi[d].max(hi))
        }
    }

    /// Makes every row `width` wide (never narrower), keeping each row's counts; grows by
    /// half again at least, so that a series whose spread creeps up is copied few times.
    fn widen(&mut self, width: usize) {
        if width <= self.width {
            return;
        }
        let width = width.max(self.width + self.width / 2);
        let days = self.lo.len();
        let mut counts = vec![0; days * width];
        if self.width > 0 {
            for (to, from) in counts
                .chunks_exact_mut(width)
                .zip(self.counts.chunks_exact(self.width))
            {
                to[..self.width].copy_from_slice(from);
            }
        }
        (self.width, self.counts) = (width, counts);
    }

    /// Sets day `d`'s band to `lo..hi` (which holds its current one and fits the width),
    /// moving its counts up when the band now starts lower.
    fn rebase(&mut self, d: usize, lo: u32, hi: u32) {
        let row = &mut self.counts[d * self.width..(d + 1) * self.width];
        let (old_lo, used) = (self.lo[d], (self.hi[d] - self.lo[d]) as usize);
        if used > 0 && lo < old_lo {
            let by = (old_lo - lo) as usize;
            row.copy_within(0..used, by);
            row[..by].fill(0);
        }
        (self.lo[d], self.hi[d]) = (lo, hi);
    }

    /// Day `d`'s counts, from `lo[d]` up.
    fn day(&self, d: usize) -> (u32, &[u32]) {
        let start = d * self.width;
        let used = (self.hi[d] - self.lo[d]) as usize;
        (self.lo[d], &self.counts[start..start + used])
    }
}

impl DailyCounts {
    /// No replications yet, for `series` series of `days` days.
    pub(crate) fn new(series: usize, days: usize) -> DailyCounts {
        DailyCounts {
            days,
            tables: vec![Table::new(days); series],
        }
    }

    /// Counts one replication's midnight values, series-major (`series * days + day`).
    pub(crate) fn add(&mut self, values: &[u32]) {
        let days = self.days;
        for (table, values) in self.tables.iter_mut().zip(values.chunks_exact(days.max(1))) {
            let need = (values.iter().enumerate())
                .map(|(d, &v)| {
                    let (lo, hi) = table.band(d, v, v + 1);
                    (hi - lo) as usize
                })
                .max()
                .unwrap_or(0);
            table.widen(need);
            for (d, &v) in values.iter().enumerate() {
                let (lo, hi) = table.band(d, v, v + 1);
                table.rebase(d, lo, hi);
                table.counts[d * table.width + (v - lo) as usize] += 1;
            }
        }
    }

    /// Adds `other`'s counts, of the same series and days.
    pub(crate) fn merge(&mut self, other: &DailyCounts) {
        let days = self.days;
        for (table, theirs) in self.tables.iter_mut().zip(&other.tables) {
            let need = (0..days)
                .filter(|&d| theirs.hi[d] > theirs.lo[d])
                .map(|d| {
                    let (lo, hi) = table.band(d, theirs.lo[d], theirs.hi[d]);
                    (hi - lo) as usize
                })
                .max()
                .unwrap_or(0);
            table.widen(need);
            for d in (0..days).filter(|&d| theirs.hi[d] > theirs.lo[d]) {
                let (lo, hi) = table.band(d, theirs.lo[d], theirs.hi[d]);
                table.rebase(d, lo, hi);
                let (from_lo, from) = theirs.day(d);
                let at = d * table.width + (from_lo - lo) as usize;
                for (a, b) in table.counts[at..at + from.len()].iter_mut().zip(from) {
                    *a += b;
                }
            }
        }
    }

    /// Series `s`'s counts, per day: the lowest value counted and the counts from it up
    /// (empty before any replication).
    pub(crate) fn series(&self, s: usize) -> impl Iterator<Item = (u32, &[u32])> + '_ {
        let table = &self.tables[s];
        (0..self.days).map(move |d| table.day(d))
    }

    /// Whether these are counts of `series` series of `days` days, each table whole: says
    /// what does not fit when they are not (they may come from a file).
    pub(crate) fn check(&self, series: usize, days: usize) -> Result<(), String> {
        if self.tables.len() != series || self.days != days {
            return Err(format!(
                "daily counts of {} series of {} days where the model has {series} of {days}",
                self.tables.len(),
                self.days
            ));
        }
        // Checked, since a damaged file could give any widths and bands.
        let whole = |t: &Table| {
            t.lo.len() == days
                && t.hi.len() == days
                && days.checked_mul(t.width) == Some(t.counts.len())
                && (t.lo.iter().zip(&t.hi))
                    .all(|(&lo, &hi)| lo <= hi && (hi - lo) as usize <= t.width)
        };
        match self.tables.iter().position(|t| !whole(t)) {
            Some(s) => Err(format!("the daily counts of series {s} are not whole")),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three replications of two series over two days, added one by one or as two groups
    /// merged either way, give the same counts; and cells round-trip without trailing zeros.
    #[test]
    fn counts_do_not_depend_on_grouping() {
        let reps: [[u32; 4]; 3] = [[0, 2, 1, 1], [5, 2, 0, 0], [1, 0, 0, 3]];
        let mut one = DailyCounts::new(2, 2);
        for r in &reps {
            one.add(r);
        }
        let (mut a, mut b) = (DailyCounts::new(2, 2), DailyCounts::new(2, 2));
        a.add(&reps[1]);
        b.add(&reps[0]);
        b.add(&reps[2]);
        let mut ab = a.clone();
        ab.merge(&b);
        b.merge(&a);
        assert_eq!(ab, one);
        assert_eq!(b, one);
        let cells: Vec<(u32, &[u32])> = one.series(0).chain(one.series(1)).collect();
        // Series 0, day 0 saw 0, 5 and 1; day 1 saw 2, 2 and 0.
        assert_eq!(cells[0], (0, &[1, 1, 0, 0, 0, 1][..]));
        assert_eq!(cells[1], (0, &[1, 0, 2][..]));
        // Series 1, day 0 saw 1, 0, 0; day 1 saw 1, 0 and 3.
        assert_eq!(cells[2], (0, &[2, 1][..]));
        assert_eq!(cells[3], (0, &[1, 1, 0, 1][..]));
        assert_eq!(one.check(2, 2), Ok(()));
        assert!(one.check(2, 3).is_err());
        let mut torn = one.clone();
        torn.tables[1].counts.pop();
        assert!(torn.check(2, 2).is_err());
        let mut huge = one.clone();
        huge.tables[0].width = usize::MAX / 2 + 3;
        assert!(huge.check(2, 2).is_err());
        let mut inverted = one.clone();
        inverted.tables[0].lo[1] = 9;
        assert!(inverted.check(2, 2).is_err());
    }

    /// A day's band starts at the lowest value seen, so a large pool whose replications
    /// differ little costs columns for the spread, not for every value from zero; counts that
    /// arrive below a band move it down without losing any.
    #[test]
    fn a_row_holds_only_the_band_of_values_seen() {
        let mut counts = DailyCounts::new(1, 3);
        counts.add(&[50_000, 50_010, 7]);
        counts.add(&[50_003, 50_001, 9]);
        counts.add(&[49_999, 50_010, 8]);
        let cells: Vec<(u32, &[u32])> = counts.series(0).collect();
        assert_eq!(cells[0], (49_999, &[1, 1, 0, 0, 1][..]));
        assert_eq!(cells[1].0, 50_001);
        assert_eq!(cells[1].1[0], 1);
        assert_eq!(cells[1].1[9], 2);
        assert_eq!(cells[2], (7, &[1, 1, 1][..]));
        assert!(counts.tables[0].width < 20, "{}", counts.tables[0].width);
        let mut other = DailyCounts::new(1, 3);
        other.add(&[49_990, 50_020, 8]);
        counts.merge(&other);
        let cells: Vec<(u32, &[u32])> = counts.series(0).collect();
        // 49,990 from the merge; 49,999, 50,000 and 50,003 moved up with the band.
        assert_eq!(
            cells[0],
            (49_990, &[1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1][..])
        );
        assert_eq!(cells[2], (7, &[1, 2, 1][..]));
        assert_eq!(counts.check(1, 3), Ok(()));
    }
}
