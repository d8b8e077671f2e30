//! How many replications saw each count at each midnight, per daily series: the exact
//! distribution behind a daily series' mean and percentile bands.
//!
//! One flat table per series, a row per day and a column per count from zero to the highest
//! seen in that series so far. A table of its own per (series, day) cost a vector's header and
//! an allocation's overhead in each of tens of thousands of cells, more than the counts in
//! most of them; a flat table costs only the counts.

use serde::{Deserialize, Serialize};

/// Per series: replications at each count, each day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyCounts {
    days: usize,
    tables: Vec<Table>,
}

/// One series: `counts[day * levels + level]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
struct Table {
    levels: usize,
    counts: Vec<u32>,
}

impl Table {
    /// Widens the table to `levels` columns (counts up to `levels - 1`); never narrows it.
    fn widen(&mut self, levels: usize, days: usize) {
        if levels <= self.levels {
            return;
        }
        let mut counts = vec![0; days * levels];
        if self.levels > 0 {
            for (to, from) in counts
                .chunks_exact_mut(levels)
                .zip(self.counts.chunks_exact(self.levels))
            {
                to[..from.len()].copy_from_slice(from);
            }
        }
        (self.levels, self.counts) = (levels, counts);
    }

    fn day(&self, day: usize) -> &[u32] {
        &self.counts[day * self.levels..(day + 1) * self.levels]
    }
}

impl DailyCounts {
    /// No replications yet, for `series` series of `days` days.
    pub(crate) fn new(series: usize, days: usize) -> DailyCounts {
        DailyCounts {
            days,
            tables: vec![Table::default(); series],
        }
    }

    /// Counts one replication's midnight values, series-major (`series * days + day`).
    pub(crate) fn add(&mut self, values: &[u32]) {
        let days = self.days;
        for (table, values) in self.tables.iter_mut().zip(values.chunks_exact(days.max(1))) {
            let highest = values.iter().copied().max().unwrap_or(0) as usize;
            table.widen(highest + 1, days);
            let levels = table.levels;
            for (row, &v) in table.counts.chunks_exact_mut(levels).zip(values) {
                row[v as usize] += 1;
            }
        }
    }

    /// Adds `other`'s counts, of the same series and days.
    pub(crate) fn merge(&mut self, other: &DailyCounts) {
        let days = self.days;
        for (table, theirs) in self.tables.iter_mut().zip(&other.tables) {
            if theirs.levels == 0 {
                continue;
            }
            table.widen(theirs.levels, days);
            let levels = table.levels;
            for (row, from) in (table.counts.chunks_exact_mut(levels))
                .zip(theirs.counts.chunks_exact(theirs.levels))
            {
                for (a, b) in row.iter_mut().zip(from) {
                    *a += b;
                }
            }
        }
    }

    /// Series `s`'s counts, a slice per day (counts from zero up; empty before any
    /// replication).
    pub(crate) fn series(&self, s: usize) -> impl Iterator<Item = &[u32]> + '_ {
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
        // Checked, since a damaged file could give any number of levels.
        match (self.tables.iter()).position(|t| days.checked_mul(t.levels) != Some(t.counts.len()))
        {
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
        let cells: Vec<&[u32]> = one.series(0).chain(one.series(1)).collect();
        // Series 0, day 0 saw 0, 5 and 1; day 1 saw 2, 2 and 0.
        assert_eq!(cells[0], [1, 1, 0, 0, 0, 1]);
        assert_eq!(cells[1], [1, 0, 2, 0, 0, 0]);
        // Series 1, day 0 saw 1, 0, 0; day 1 saw 1, 0 and 3.
        assert_eq!(cells[2], [2, 1, 0, 0]);
        assert_eq!(cells[3], [1, 1, 0, 1]);
        assert_eq!(one.check(2, 2), Ok(()));
        assert!(one.check(2, 3).is_err());
        let mut torn = one.clone();
        torn.tables[1].counts.pop();
        assert!(torn.check(2, 2).is_err());
        let mut huge = one.clone();
        huge.tables[0].levels = usize::MAX / 2 + 3;
        assert!(huge.check(2, 2).is_err());
    }
}
