//! `[demand]` and `[urgency]`: how many referrals arrive, and how urgent they are.

use super::check::Checker;
use crate::layout::PerUrgency;
use crate::scenario::{limits, Demand, KeyPath, Urgencies, UrgencyClass};

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
