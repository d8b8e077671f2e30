//! `[demand]` and `[urgency]`: how many referrals arrive, and how urgent they are.

use super::check::Checker;
use crate::arrivals::{growth_per_day, Arrivals, DemandChange, LevelPiece, DAYS_PER_YEAR};
use crate::layout::PerUrgency;
use crate::scenario::{limits, Demand, KeyPath, Scenario, Urgencies, UrgencyClass};
use crate::time::Calendar;

/// Checks `[demand]`; returns the twelve monthly multipliers (all 1 without seasonality).
pub(super) fn demand(c: &mut Checker, d: &Demand) -> [f64; 12] {
    let path = KeyPath::root("demand");
    c.referral_rate(path.key("referrals_per_year"), d.referrals_per_year);
    c.growth(path.key("annual_growth"), d.annual_growth);
    let mut seasonality = [1.0; 12];
    if let Some(season) = &d.seasonality {
        if season.len() != 12 {
            c.err(
                path.key("seasonality"),
                format!(
                    "needs 12 monthly multipliers (January to December), got {}",
                    season.len()
                ),
            );
        } else {
            for (i, &m) in season.iter().enumerate() {
                seasonality[i] = c.non_negative(path.key("seasonality").index(i), m);
            }
            // Seasonality moves referrals between months; a mean away from 1 would also
            // change the year's total, which `referrals_per_year` states.
            let mean = season.iter().sum::<f64>() / 12.0;
            if mean.is_finite() && !(0.9..=1.1).contains(&mean) {
                c.err(
                    path.key("seasonality"),
                    format!(
                        "the twelve multipliers average {mean:.3}, so they would change the \
                         year's referrals by {:+.0} %, not only their timing; they must average \
                         between 0.9 and 1.1 (divide each by {mean:.3} to make it 1)",
                        (mean - 1.0) * 100.0
                    ),
                );
            }
        }
    }
    if let Some(p) = d.population_under_18 {
        if !(p.is_finite() && p > 0.0 && p <= limits::MAX_POPULATION) {
            c.err(
                path.key("population_under_18"),
                format!("must be a positive number, at most 100,000,000, got {p}"),
            );
        }
    }
    seasonality
}

/// The compiled urgency classes, most urgent first.
pub(super) struct UrgencyModel {
    /// Cumulative shares (the last is exactly 1, whatever rounding left).
    pub cum: PerUrgency<f64>,
    /// The access standard: waits past it are breaches (infinite: no standard).
    pub target: PerUrgency<f64>,
    /// Wait after which a young person is placed out of area (infinite: never).
    pub trigger: PerUrgency<f64>,
}

pub(super) fn urgency(c: &mut Checker, u: &Urgencies) -> UrgencyModel {
    let path = KeyPath::root("urgency");
    let mut cum = PerUrgency([0.0; 3]);
    let mut target = PerUrgency([f64::INFINITY; 3]);
    let mut trigger = PerUrgency([f64::INFINITY; 3]);
    let mut acc = 0.0;
    for class in UrgencyClass::ALL {
        let given = u.get(class);
        let at = path.key(class.name());
        acc += c.probability(at.key("share"), given.share);
        cum[class] = acc;
        if let Some(t) = given.target_days {
            target[class] = c.non_negative(at.key("target_days"), t);
        }
        // By default the standard is also the trigger, as it was before the two were told
        // apart, so a scenario that sets only `target_days` keeps its meaning.
        match given.place_out_of_area_after_days {
            // `inf` (never) is allowed here: a standard with no out-of-area trigger.
            Some(t) if t >= 0.0 => trigger[class] = t,
            Some(t) => c.err(
                at.key("place_out_of_area_after_days"),
                format!("must be zero or more (or `inf` for never), got {t}"),
            ),
            None => trigger[class] = target[class],
        }
    }
    c.shares_sum_to_one(path, "the urgency shares", acc);
    cum[UrgencyClass::Routine] = 1.0;
    UrgencyModel {
        cum,
        target,
        trigger,
    }
}

/// Each group's own compound growth (`None`: the footprint's), checked.
pub(super) fn group_growth(c: &mut Checker, s: &Scenario) -> Vec<Option<f64>> {
    s.groups
        .iter()
        .map(|(name, g)| {
            g.annual_growth
                .inspect(|&k| c.growth(KeyPath::root("groups").key(name).key("annual_growth"), k))
        })
        .collect()
}

/// The arrival processes when some groups grow at their own rate: one for the groups that
/// follow the footprint's growth (with their shares among themselves, a zero share for the
/// others) and one per group with its own growth.
///
/// Every group's level (referrals a day before seasonality) starts at its share of
/// `referrals_per_year` and grows at its rate. A roadmap `referrals_per_year` sets the total
/// at its date, split by the group shares then in force; `group_shares` re-splits the total
/// the levels have reached; `annual_growth` changes the footprint's growth, so it applies
/// to the groups without their own. Groups that follow the footprint grow alike, so their
/// sum is one exponential piece and their shares among themselves hold between changes:
/// each process stays exact (its count in any interval is Poisson with the integral of its
/// rate).
pub(super) fn split_arrivals(
    cal: &Calendar,
    d: &Demand,
    seasonality: &[f64; 12],
    changes: &[DemandChange],
    shares: &[(f64, Vec<f64>)],
    own: &[Option<f64>],
) -> SplitArrivals {
    let plain = |cum: &[f64]| -> Vec<f64> {
        cum.iter()
            .scan(0.0, |prev, &c| {
                let share = c - *prev;
                *prev = c;
                Some(share)
            })
            .collect()
    };
    let footprint = growth_per_day(d.annual_growth);
    let mut k: Vec<f64> = own
        .iter()
        .map(|g| g.map_or(footprint, growth_per_day))
        .collect();
    let mut share = plain(&shares[0].1);
    let mut level: Vec<f64> = share
        .iter()
        .map(|s| d.referrals_per_year / DAYS_PER_YEAR * s)
        .collect();
    let mut from = cal.warmup;
    let common = |level: &[f64]| -> f64 {
        (0..own.len())
            .filter(|&g| own[g].is_none())
            .map(|g| level[g])
            .sum()
    };
    let mut common_levels = vec![(from, common(&level), footprint)];
    let mut group_levels: Vec<(usize, Vec<LevelPiece>)> = (0..own.len())
        .filter(|&g| own[g].is_some())
        .map(|g| (g, vec![(from, level[g], k[g])]))
        .collect();
    let mut times: Vec<f64> = changes
        .iter()
        .map(|c| c.time)
        .chain(shares[1..].iter().map(|(t, _)| *t))
        .collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut kf = footprint;
    for t in times {
        for (l, &kg) in level.iter_mut().zip(&k) {
            *l *= (kg * (t - from)).exp();
        }
        from = t;
        let resplit = shares[1..].iter().find(|(at, _)| *at == t);
        if let Some((_, cum)) = resplit {
            share = plain(cum);
        }
        let new_total = changes
            .iter()
            .filter(|c| c.time == t)
            .find_map(|c| c.per_year)
            .map(|r| r / DAYS_PER_YEAR);
        if let Some(total) = new_total.or(resplit.map(|_| level.iter().sum())) {
            for (l, s) in level.iter_mut().zip(&share) {
                *l = total * s;
            }
        }
        if let Some(g) = changes
            .iter()
            .filter(|c| c.time == t)
            .find_map(|c| c.annual_growth)
        {
            kf = growth_per_day(g);
            for (kg, o) in k.iter_mut().zip(own) {
                if o.is_none() {
                    *kg = kf;
                }
            }
        }
        common_levels.push((t, common(&level), kf));
        for (g, pieces) in group_levels.iter_mut() {
            pieces.push((t, level[*g], k[*g]));
        }
    }
    let cuts: Vec<f64> = common_levels.iter().skip(1).map(|p| p.0).collect();
    let common_shares = shares
        .iter()
        .map(|(t, cum)| {
            let kept: Vec<f64> = plain(cum)
                .iter()
                .zip(own)
                .map(|(&s, o)| if o.is_none() { s } else { 0.0 })
                .collect();
            let sum: f64 = kept.iter().sum();
            let mut acc = 0.0;
            let mut cum: Vec<f64> = kept
                .iter()
                .map(|s| {
                    acc += if sum > 0.0 { s / sum } else { 0.0 };
                    acc
                })
                .collect();
            // The last group that follows the footprint takes what rounding left.
            if let Some(last) = (0..own.len()).rev().find(|&g| own[g].is_none()) {
                for c in &mut cum[last..] {
                    *c = 1.0;
                }
            }
            (*t, cum)
        })
        .collect();
    let by_group = group_levels
        .into_iter()
        .map(|(g, levels)| {
            let process = Arrivals::from_levels(cal, levels, seasonality, cuts.iter().copied());
            (g, process)
        })
        .collect();
    SplitArrivals {
        common: Arrivals::from_levels(cal, common_levels, seasonality, cuts.iter().copied()),
        common_shares,
        by_group,
    }
}

/// The arrival processes of [`split_arrivals`].
pub(super) struct SplitArrivals {
    /// The groups that follow the footprint's growth.
    pub common: Arrivals,
    /// Their cumulative shares among themselves, each from a clock time on.
    pub common_shares: Vec<(f64, Vec<f64>)>,
    /// Each group with its own growth, and its process.
    pub by_group: Vec<(usize, Arrivals)>,
}
