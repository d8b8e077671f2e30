//! Aggregating replications into estimates with uncertainty, and comparing two scenarios.
//!
//! Replications stream into an [`Aggregator`] in any order and are never stored whole: only the
//! KPI values (one number per KPI per replication, needed for paired comparisons and exact
//! percentiles, compressed without loss by [`crate::rows`]) and integer histograms of the daily
//! series are kept, so memory grows slowly with replications and the result does not depend on
//! the order replications finish in.
//!
//! Aggregators of the same model [`merge`](Aggregator::merge): KPI values are keyed by
//! replication index and everything else is an integer count, so merging is exact, associative
//! and commutative. Parallel workers therefore each fold their own replications and the
//! partials are merged at the end, in any grouping, with the same result as one aggregator fed
//! every replication; an [`AggregateState`] carries a partial between processes (shards).

use crate::daily_counts::DailyCounts;
use crate::layout::SeriesId;
use crate::model::Model;
use crate::record::Replication;
use crate::results::{
    DailySeries, Difference, Estimate, Kpi, Measure, OccupancyDistribution, OccupancySegment,
    Overload, PoolKind, Summary,
};
use crate::rows::Rows;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, StudentsT};
use std::collections::BTreeMap;
use std::ops::Range;

/// Collects replications of one model and turns them into a [`Summary`].
pub struct Aggregator<'m> {
    model: &'m Model,
    /// KPI values per replication, keyed by replication index (so push order does not matter),
    /// compressed without loss.
    values: Rows,
    /// Per (series, day): how many replications saw each midnight count.
    daily: DailyCounts,
    /// Per pool: days at each occupancy level, summed over replications, up to the highest
    /// level seen (padded to the pool's largest capacity only in [`Aggregator::finish`]).
    occupancy: Vec<Vec<u64>>,
    events: u64,
}

impl<'m> Aggregator<'m> {
    /// An empty aggregator for `model`.
    pub fn new(model: &'m Model) -> Self {
        Aggregator {
            model,
            values: Rows::new(model.kpi_keys.len()),
            daily: DailyCounts::new(model.layout.series(), model.cal.days as usize),
            occupancy: model.pools().map(|_| Vec::new()).collect(),
            events: 0,
        }
    }

    /// Adds one replication's results.
    pub fn push(&mut self, rep: Replication) {
        self.daily.add(&rep.daily);
        for (acc, days) in self.occupancy.iter_mut().zip(&rep.occupancy) {
            if acc.len() < days.len() {
                acc.resize(days.len(), 0);
            }
            for (a, &d) in acc.iter_mut().zip(days) {
                *a += d as u64;
            }
        }
        self.events += rep.events;
        self.values.insert(rep.index, &rep.values);
    }

    /// Events handled over all replications so far (for throughput figures).
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Replications aggregated so far.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether no replication has been aggregated yet.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Adds another aggregator's replications of the same model. Exact: the result is the same
    /// as if every replication had been pushed into one aggregator, whatever the grouping.
    ///
    /// Fails with the first replication index both hold (nothing is merged then), since a
    /// replication counted twice would silently bias every estimate.
    pub fn merge(&mut self, other: Aggregator<'m>) -> Result<(), u32> {
        debug_assert!(std::ptr::eq(self.model, other.model));
        if let Some(&dup) = other.values.keys().find(|i| self.values.contains_key(i)) {
            return Err(dup);
        }
        self.daily.merge(&other.daily);
        for (acc, days) in self.occupancy.iter_mut().zip(other.occupancy) {
            if acc.len() < days.len() {
                acc.resize(days.len(), 0);
            }
            for (a, d) in acc.iter_mut().zip(days) {
                *a += d;
            }
        }
        self.events += other.events;
        self.values.append(other.values);
        Ok(())
    }

    /// The aggregate as plain data, to be written out and merged elsewhere.
    pub fn into_state(self) -> AggregateState {
        AggregateState {
            replications: self.values.iter().collect(),
            daily: self.daily,
            occupancy: self.occupancy,
            events: self.events,
        }
    }

    /// An aggregator of `model` holding `state`, which must have been made from an aggregator
    /// of the same model: fails, saying what does not fit, when its shape is not the model's.
    pub fn from_state(model: &'m Model, state: AggregateState) -> Result<Self, String> {
        let kpis = model.kpi_keys.len();
        (state.daily).check(model.layout.series(), model.cal.days as usize)?;
        // A pool's levels go up to its largest capacity; a team without a limit has no bound.
        let levels: Vec<usize> = (model.pools())
            .map(|p| {
                if p.limited {
                    p.max as usize + 1
                } else {
                    usize::MAX
                }
            })
            .collect();
        let got: Vec<usize> = state.occupancy.iter().map(Vec::len).collect();
        if got.len() != levels.len() || got.iter().zip(&levels).any(|(g, l)| g > l) {
            return Err(format!(
                "occupancy levels per pool {got:?} where the model has at most {levels:?}"
            ));
        }
        let mut values = Rows::new(kpis);
        for (index, v) in state.replications {
            if v.len() != kpis {
                return Err(format!(
                    "replication {index} has {} KPI values where the model has {kpis}",
                    v.len()
                ));
            }
            if values.contains_key(&index) {
                return Err(format!("replication {index} is there twice"));
            }
            values.insert(index, &v);
        }
        Ok(Aggregator {
            model,
            values,
            daily: state.daily,
            occupancy: state.occupancy,
            events: state.events,
        })
    }

    /// The replication indices aggregated so far, in increasing order.
    pub fn indices(&self) -> impl Iterator<Item = u32> + '_ {
        self.values.keys().copied()
    }

    /// The daily series in the layout's order: percentile bands from the per-day counts.
    fn daily_series(&self) -> Vec<DailySeries> {
        let m = self.model;
        let mut daily = Vec::with_capacity(m.layout.series());
        let layout = m.layout;
        // Written in the layout's series order, which is also the order of the output.
        let mut series = |id: SeriesId, subject: &str, label: &str, kind, measure, capacity| {
            let s = id.index();
            let cells: Vec<(u32, &[u32])> = self.daily.series(s).collect();
            daily.push(DailySeries {
                subject: subject.to_string(),
                label: label.to_string(),
                kind,
                measure,
                capacity,
                mean: cells.iter().map(|&(lo, c)| count_mean(lo, c)).collect(),
                p5: cells
                    .iter()
                    .map(|&(lo, c)| count_quantile(lo, c, 0.05))
                    .collect(),
                p50: cells
                    .iter()
                    .map(|&(lo, c)| count_quantile(lo, c, 0.5))
                    .collect(),
                p95: cells
                    .iter()
                    .map(|&(lo, c)| count_quantile(lo, c, 0.95))
                    .collect(),
            });
        };
        for (id, pool) in layout.local_pools().zip(m.pools()) {
            series(
                layout.occupied_series(id),
                pool.key,
                pool.label,
                pool.kind,
                Measure::Occupied,
                m.capacity_by_day[id.index()].clone(),
            );
        }
        series(
            layout.out_of_area_series(),
            "out_of_area",
            "Out of area",
            PoolKind::OutOfArea,
            Measure::Occupied,
            Vec::new(),
        );
        series(
            layout.bed_waiting_series(),
            "pathway",
            "Waiting for a bed",
            PoolKind::Pathway,
            Measure::Waiting,
            Vec::new(),
        );
        for (s, svc) in m.services.iter().enumerate() {
            series(
                layout.service_waiting_series(s),
                &svc.key,
                &format!("Waiting for {}", svc.label),
                PoolKind::Service,
                Measure::Waiting,
                Vec::new(),
            );
        }
        daily
    }

    /// The aggregated results.
    pub fn finish(mut self) -> Summary {
        let m = self.model;
        let replications = self.values.len();
        // Each KPI's values, compressed as they are moved out of the rows, which are freed
        // as they are moved.
        let rows = std::mem::replace(&mut self.values, Rows::new(0));
        let columns = rows.into_columns();
        // Sorting each KPI's values for its percentiles is most of the work: in parallel, on
        // the caller's thread pool, so one scenario's summary is not a serial tail of the run.
        let (kpis, daily) = rayon::join(
            || {
                (m.kpi_keys.par_iter())
                    .zip(columns)
                    .map(|(key, mut values)| {
                        values.shrink_to_fit();
                        Kpi {
                            key: key.clone(),
                            unit: key.metric.unit(),
                            estimate: estimate(&values),
                            values,
                        }
                    })
                    .collect()
            },
            || self.daily_series(),
        );

        let dates: Vec<_> = (0..m.cal.days)
            .map(|d| m.cal.date_of_offset(d as i64))
            .collect();
        let layout = m.layout;
        let occupancy = layout
            .local_pools()
            .zip(m.pools())
            .zip(&self.occupancy)
            .map(|((id, pool), seen)| {
                // Every level up to the largest capacity, as percentages of days.
                let mut counts = seen.clone();
                counts.resize(counts.len().max(pool.max as usize + 1), 0);
                let s = layout.occupied_series(id).index();
                let cells: Vec<(u32, &[u32])> = self.daily.series(s).collect();
                OccupancyDistribution {
                    subject: pool.key.to_string(),
                    label: pool.label.to_string(),
                    kind: pool.kind,
                    max_capacity: pool.max,
                    pct_of_days: percentages(&counts),
                    segments: segments(&cells, &m.capacity_by_day[id.index()], &dates, pool.max),
                }
            })
            .collect();

        Summary {
            scenario: m.name.clone(),
            replications: replications as u32,
            seed: m.seed,
            start_date: m.cal.start_date,
            days: m.cal.days,
            warmup_days: m.cal.warmup as u32,
            labels: m
                .groups
                .iter()
                .map(|g| (&g.key, &g.label))
                .chain(m.wards.iter().map(|w| (&w.key, &w.label)))
                .chain(m.services.iter().map(|s| (&s.key, &s.label)))
                .chain(m.localities.iter().map(|l| (&l.key, &l.label)))
                .chain(m.waiting_places.iter().map(|p| (&p.key, &p.label)))
                .map(|(k, l)| (k.clone(), l.clone()))
                .collect(),
            periods: m.periods.clone(),
            kpis,
            dates,
            daily,
            occupancy,
        }
    }
}

/// Each count as a percentage of their total (all zero when there is nothing to count).
fn percentages(counts: &[u64]) -> Vec<f64> {
    let total: u64 = counts.iter().sum();
    counts
        .iter()
        .map(|&c| {
            if total > 0 {
                100.0 * c as f64 / total as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// Splits a pool's daily occupancy histograms (`cells[day][level]`: replications that saw
/// `level` occupied that midnight) into stretches of constant capacity and pools each.
fn segments(
    cells: &[(u32, &[u32])],
    capacity: &[u32],
    dates: &[chrono::NaiveDate],
    max_capacity: u32,
) -> Vec<OccupancySegment> {
    let days = capacity.len().min(cells.len()).min(dates.len());
    let mut out = Vec::new();
    let mut start = 0;
    while start < days {
        let cap = capacity[start];
        let end = (start..days).find(|&d| capacity[d] != cap).unwrap_or(days);
        let mut counts = vec![0u64; max_capacity as usize + 1];
        for &(lo, cell) in &cells[start..end] {
            for (i, &n) in cell.iter().enumerate().filter(|&(_, &n)| n > 0) {
                let level = lo as usize + i;
                if counts.len() <= level {
                    counts.resize(level + 1, 0);
                }
                counts[level] += n as u64;
            }
        }
        out.push(OccupancySegment {
            first_day: dates[start],
            last_day: dates[end - 1],
            capacity: cap,
            pct_of_days: percentages(&counts),
        });
        start = end;
    }
    out
}

/// An [`Aggregator`]'s contents as plain data (see [`Aggregator::into_state`]): exact, with
/// nothing rounded, so a partial written by one process and merged by another gives the same
/// results as one process that ran everything.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AggregateState {
    /// KPI values per replication, in increasing replication index.
    pub replications: Vec<(u32, Vec<f64>)>,
    /// Per (series, day): how many replications saw each midnight count.
    pub daily: DailyCounts,
    /// Per pool: days at each occupancy level, summed over replications, up to the highest
    /// level seen.
    pub occupancy: Vec<Vec<u64>>,
    /// Events handled over these replications.
    pub events: u64,
}

/// Runs replications `reps` of `model` one after another and aggregates them. The runner does
/// the same in parallel; both give identical results.
pub fn run(model: &Model, reps: Range<u32>) -> Result<Summary, Overload> {
    let mut agg = Aggregator::new(model);
    for r in reps {
        agg.push(model.run_replication(r)?);
    }
    Ok(agg.finish())
}

/// Two-sided 95 % Student t critical value with `df` degrees of freedom.
fn t95(df: f64) -> f64 {
    StudentsT::new(0.0, 1.0, df).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// Mean, sd, Student t 95 % CI and percentiles of the defined (non-NaN) values.
pub(crate) fn estimate(values: impl IntoIterator<Item = f64>) -> Estimate {
    let mut v: Vec<f64> = values.into_iter().filter(|x| !x.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let (mean, sd) = mean_sd(&v);
    let half = if n >= 2 {
        t95((n - 1) as f64) * sd / (n as f64).sqrt()
    } else {
        f64::NAN
    };
    Estimate {
        mean,
        sd,
        ci_low: mean - half,
        ci_high: mean + half,
        p5: quantile_sorted(&v, 0.05),
        p50: quantile_sorted(&v, 0.5),
        p95: quantile_sorted(&v, 0.95),
        n: n as u32,
    }
}

/// Mean and sample standard deviation (NaN when undefined).
pub(crate) fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    (mean, sd)
}

/// Type-7 (linear interpolation) quantile of sorted values; NaN when empty.
pub(crate) fn quantile_sorted(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let h = (v.len() - 1) as f64 * p;
    let (lo, frac) = (h.floor() as usize, h - h.floor());
    let hi = (lo + 1).min(v.len() - 1);
    v[lo] + frac * (v[hi] - v[lo])
}

/// Mean of a sample given as counts per integer value.
fn count_mean(lo: u32, counts: &[u32]) -> f64 {
    let n: u64 = counts.iter().map(|&c| c as u64).sum();
    let s: u64 = counts
        .iter()
        .enumerate()
        .map(|(v, &c)| v as u64 * c as u64)
        .sum();
    // One division of the exact sum, as from counts from zero.
    if n == 0 {
        f64::NAN
    } else {
        (u64::from(lo) * n + s) as f64 / n as f64
    }
}

/// Type-7 quantile of a sample given as counts per integer value, from `lo` up.
fn count_quantile(lo: u32, counts: &[u32], p: f64) -> f64 {
    let n: u64 = counts.iter().map(|&c| c as u64).sum();
    if n == 0 {
        return f64::NAN;
    }
    let h = (n - 1) as f64 * p;
    let low = h.floor() as u64;
    let nth = |rank: u64| {
        let mut seen = 0;
        for (v, &c) in counts.iter().enumerate() {
            seen += c as u64;
            if seen > rank {
                return v as f64;
            }
        }
        (counts.len() - 1) as f64
    };
    let a = nth(low);
    let b = nth((low + 1).min(n - 1));
    f64::from(lo) + a + (h - low as f64) * (b - a)
}

/// Paired differences `b − a` for every KPI the two summaries share. Pairs are replications
/// with the same index, which — run with the same seed — saw the same referrals, so the paired
/// CI is usually much narrower than the unpaired one reported beside it.
pub fn compare(a: &Summary, b: &Summary) -> Vec<Difference> {
    let index: BTreeMap<_, _> = b.kpis.iter().map(|k| (&k.key, k)).collect();
    a.kpis
        .iter()
        .filter_map(|ka| {
            let kb = index.get(&ka.key)?;
            let diffs: Vec<f64> = (ka.values.iter())
                .zip(kb.values.iter())
                .filter(|(x, y)| !x.is_nan() && !y.is_nan())
                .map(|(x, y)| y - x)
                .collect();
            let n = diffs.len();
            let (diff_mean, sd) = mean_sd(&diffs);
            let half = if n >= 2 {
                t95((n - 1) as f64) * sd / (n as f64).sqrt()
            } else {
                f64::NAN
            };
            Some(Difference {
                key: ka.key.clone(),
                unit: ka.unit,
                mean_a: ka.estimate.mean,
                mean_b: kb.estimate.mean,
                diff_mean,
                ci_low: diff_mean - half,
                ci_high: diff_mean + half,
                unpaired_half_width: welch_half_width(&ka.estimate, &kb.estimate),
                n: n as u32,
            })
        })
        .collect()
}

/// 95 % CI half-width of a difference of means of two independent samples (Welch).
fn welch_half_width(a: &Estimate, b: &Estimate) -> f64 {
    let (va, vb) = (a.sd * a.sd / a.n as f64, b.sd * b.sd / b.n as f64);
    let se2 = va + vb;
    if se2 == 0.0 {
        return 0.0;
    }
    let df = se2 * se2 / (va * va / (a.n as f64 - 1.0) + vb * vb / (b.n as f64 - 1.0));
    t95(df) * se2.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn occupancy_is_split_where_the_roadmap_changes_capacity() {
        let mut s = crate::examples::erlang_loss(0.5, 60.0, 30, 2);
        s.simulation.years = 2.0;
        s.roadmap
            .push(toml::from_str("date = \"2021-04-01\"\nward = \"ward\"\ncapacity = 20").unwrap());
        let summary = run(&s.validate().unwrap(), 0..2).unwrap();
        let o = &summary.occupancy[0];
        let caps: Vec<u32> = o.segments.iter().map(|g| g.capacity).collect();
        assert_eq!(caps, [30, 20]);
        assert_eq!(o.segments[0].first_day, summary.dates[0]);
        assert_eq!(o.segments[1].last_day, *summary.dates.last().unwrap());
        assert!(o.segments[0].last_day < o.segments[1].first_day);
        for g in &o.segments {
            let total: f64 = g.pct_of_days.iter().sum();
            assert!((total - 100.0).abs() < 1e-9);
        }
        // After the cut nobody new is admitted above 20, so the top levels empty out.
        let above: f64 = o.segments[1].pct_of_days.iter().skip(21).sum();
        assert!(above < 5.0, "{above} % of days above the new capacity");
    }

    #[test]
    fn type7_quantiles_match_r() {
        // R: quantile(c(1, 2, 3, 4, 10), c(.05, .5, .95)) = 1.2 3.0 8.8
        let v = [1.0, 2.0, 3.0, 4.0, 10.0];
        assert!((quantile_sorted(&v, 0.05) - 1.2).abs() < 1e-12);
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert!((quantile_sorted(&v, 0.95) - 8.8).abs() < 1e-12);
        // The same sample as counts per value: 1,2,3,4 once, 10 once.
        let mut counts = vec![0; 11];
        for x in v {
            counts[x as usize] += 1;
        }
        assert!((count_quantile(0, &counts, 0.95) - 8.8).abs() < 1e-12);
        assert!((count_mean(0, &counts) - 4.0).abs() < 1e-12);
        assert!((count_quantile(100, &counts, 0.95) - 108.8).abs() < 1e-12);
        assert!((count_mean(100, &counts) - 104.0).abs() < 1e-12);
    }

    #[test]
    fn student_t_interval() {
        // n = 5, mean 3, sd sqrt(2.5); t(0.975, 4) = 2.776445
        let e = estimate([1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(e.mean, 3.0);
        let half = 2.776445 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((e.ci_high - 3.0 - half).abs() < 1e-5, "{e:?}");
        assert_eq!(e.n, 5);
        let e = estimate([f64::NAN, 2.0]);
        assert_eq!(e.n, 1);
        assert!(e.ci_low.is_nan());
    }
}
