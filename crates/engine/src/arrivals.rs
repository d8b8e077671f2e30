//! Referral arrivals: a non-homogeneous Poisson process sampled exactly.
//!
//! The rate is piecewise: within a segment (a calendar month, cut again at every roadmap demand
//! change) it is `c · e^{k (t − a)}` — a seasonal level growing at a compound annual rate. The
//! next arrival after `t` solves `Λ(t') − Λ(t) = E` with `E ~ Exp(1)`, integrating the rate in
//! closed form segment by segment (inversion of the integrated rate). No thinning, no daily
//! re-rating: the number of referrals in any interval is exactly Poisson with the integral of
//! the rate as its mean.

use crate::time::{next_month, Calendar};
use chrono::Datelike;

/// Days in a year, for converting annual rates.
pub const DAYS_PER_YEAR: f64 = 365.25;

/// One piece of the rate function.
#[derive(Debug, Clone, Copy)]
struct Segment {
    start: f64,
    /// Rate per day at `start`.
    rate: f64,
    /// Exponential growth per day.
    growth: f64,
}

/// A piece of a rate's level (before seasonality): from a clock time on, the level per day
/// there and its growth per day.
pub(crate) type LevelPiece = (f64, f64, f64);

/// A dated change to demand, as clock time and new values.
#[derive(Debug, Clone, Copy)]
pub struct DemandChange {
    /// When it takes effect.
    pub time: f64,
    /// New referrals per year at that time (before seasonality).
    pub per_year: Option<f64>,
    /// New compound annual growth.
    pub annual_growth: Option<f64>,
}

/// The referral rate over the whole run.
#[derive(Debug, Clone)]
pub struct Arrivals {
    segments: Box<[Segment]>,
    end: f64,
}

pub(crate) fn growth_per_day(annual: f64) -> f64 {
    annual.ln_1p() / DAYS_PER_YEAR
}

impl Arrivals {
    /// Builds the rate from the base rate at the start date, its growth, the monthly
    /// seasonality (January first) and the roadmap's demand changes (sorted by time).
    pub fn new(
        cal: &Calendar,
        per_year: f64,
        annual_growth: f64,
        seasonality: &[f64; 12],
        changes: &[DemandChange],
    ) -> Arrivals {
        // Level (rate before seasonality) as pieces (from, level at from, growth).
        let mut levels = vec![(
            cal.warmup,
            per_year / DAYS_PER_YEAR,
            growth_per_day(annual_growth),
        )];
        for c in changes {
            let &(from, level, k) = levels.last().expect("levels start non-empty");
            let continued = level * (k * (c.time - from)).exp();
            levels.push((
                c.time,
                c.per_year.map_or(continued, |r| r / DAYS_PER_YEAR),
                c.annual_growth.map_or(k, growth_per_day),
            ));
        }
        Arrivals::from_levels(cal, levels, seasonality, changes.iter().map(|c| c.time))
    }

    /// Builds the rate from its level (before seasonality) given as pieces `(from, level per
    /// day at from, growth per day)` in time order, the first from the start of the warm-up,
    /// cut again at `cuts` (the times the pieces change).
    pub(crate) fn from_levels(
        cal: &Calendar,
        levels: Vec<LevelPiece>,
        seasonality: &[f64; 12],
        cuts_at: impl Iterator<Item = f64>,
    ) -> Arrivals {
        let end = cal.end();
        let level_at = |t: f64| {
            let i = levels
                .iter()
                .rposition(|&(from, _, _)| from <= t)
                .unwrap_or(0);
            let (from, level, k) = levels[i];
            (level * (k * (t - from)).exp(), k)
        };
        // Breakpoints: month starts and demand changes.
        let mut cuts = vec![0.0];
        let mut month = next_month(cal.date_of_offset(-(cal.warmup as i64)));
        loop {
            let t = cal.time_of(month);
            if t >= end {
                break;
            }
            cuts.push(t);
            month = next_month(month);
        }
        cuts.extend(cuts_at.filter(|&t| t > 0.0 && t < end));
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        let segments = cuts
            .iter()
            .map(|&a| {
                let offset = (a - cal.warmup).floor() as i64;
                let m = cal.date_of_offset(offset).month0() as usize;
                let (level, k) = level_at(a);
                Segment {
                    start: a,
                    rate: level * seasonality[m],
                    growth: k,
                }
            })
            .collect();
        Arrivals { segments, end }
    }

    fn seg_end(&self, i: usize) -> f64 {
        self.segments.get(i + 1).map_or(self.end, |s| s.start)
    }

    /// The next arrival after `t`, consuming the unit-exponential `e`; `seg` is the caller's
    /// cursor into the segments (start it at 0; arrivals only move forward). `None` once the
    /// horizon ends.
    #[inline]
    pub fn next(&self, seg: &mut usize, mut t: f64, mut e: f64) -> Option<f64> {
        while *seg < self.segments.len() {
            let s = self.segments[*seg];
            let b = self.seg_end(*seg);
            if t < b {
                // Without growth the rate is flat: skip `exp(0) = 1` (the common case).
                let rate_t = if s.growth == 0.0 {
                    s.rate
                } else {
                    s.rate * (s.growth * (t - s.start)).exp()
                };
                if rate_t > 0.0 {
                    let mass = if s.growth == 0.0 {
                        rate_t * (b - t)
                    } else {
                        rate_t * (s.growth * (b - t)).exp_m1() / s.growth
                    };
                    if e < mass {
                        let dt = if s.growth == 0.0 {
                            e / rate_t
                        } else {
                            (s.growth * e / rate_t).ln_1p() / s.growth
                        };
                        return Some((t + dt).min(b));
                    }
                    e -= mass;
                }
                t = b;
            }
            *seg += 1;
        }
        None
    }

    /// Expected arrivals between clock times `a` and `b` (the integral of the rate).
    pub fn expected(&self, a: f64, b: f64) -> f64 {
        let mut total = 0.0;
        for (i, s) in self.segments.iter().enumerate() {
            let (lo, hi) = (a.max(s.start), b.min(self.seg_end(i)));
            if hi > lo {
                let r = |t: f64| s.rate * (s.growth * (t - s.start)).exp();
                total += if s.growth == 0.0 {
                    s.rate * (hi - lo)
                } else {
                    (r(hi) - r(lo)) / s.growth
                };
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp1};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    /// Counts per calendar month over many runs match the integral of the rate (growth ×
    /// seasonality × a mid-run step change) within 4 standard deviations of a Poisson count.
    #[test]
    fn monthly_counts_match_the_integrated_rate() {
        let cal = Calendar {
            start_date: date(2022, 4, 1),
            warmup: 90.0,
            days: 3 * 365,
        };
        let seasonality = [1.4, 1.2, 1.1, 1.0, 0.9, 0.8, 0.6, 0.7, 1.0, 1.1, 1.2, 1.0];
        let change = DemandChange {
            time: cal.time_of(date(2023, 10, 15)),
            per_year: Some(400.0),
            annual_growth: None,
        };
        let arrivals = Arrivals::new(&cal, 270.0, 0.07, &seasonality, &[change]);
        let mut months = vec![0.0];
        let mut m = date(2022, 1, 1);
        loop {
            m = next_month(m);
            let t = cal.time_of(m);
            if t >= cal.end() {
                break;
            }
            if t > 0.0 {
                months.push(t);
            }
        }
        months.push(cal.end());
        let runs = 400;
        let mut counts = vec![0.0; months.len() - 1];
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for _ in 0..runs {
            let (mut seg, mut t) = (0, 0.0);
            while let Some(next) = arrivals.next(&mut seg, t, Exp1.sample(&mut rng)) {
                t = next;
                let i = months.partition_point(|&b| b <= t) - 1;
                counts[i] += 1.0;
            }
        }
        for (i, &count) in counts.iter().enumerate() {
            let expected = runs as f64 * arrivals.expected(months[i], months[i + 1]);
            assert!(expected > 100.0);
            assert!(
                (count - expected).abs() < 4.0 * expected.sqrt(),
                "month {i}: {count} vs {expected}"
            );
        }
        // The seasonal pattern shows: July (0.6) gets well under January (1.4).
        let rate = |a: NaiveDate, b: NaiveDate| arrivals.expected(cal.time_of(a), cal.time_of(b));
        assert!(
            rate(date(2022, 7, 1), date(2022, 8, 1))
                < 0.5 * rate(date(2023, 1, 1), date(2023, 2, 1))
        );
        // After the change the base rate is 400 a year, growing 7 % a year from the change.
        let after = rate(date(2024, 4, 1), date(2025, 4, 1));
        let mean_season = seasonality.iter().sum::<f64>() / 12.0;
        assert!(
            (after / (400.0 * mean_season) - 1.07f64.powf(0.966)).abs() < 0.02,
            "{after}"
        );
    }
}
