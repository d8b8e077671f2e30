//! `[simulation]` and `[budget]`: the calendar of a run, its reporting periods (the whole
//! horizon, then each financial year it touches) and the budget of each period.

use super::check::Checker;
use crate::results::{FinancialYear, Period, PeriodInfo};
use crate::scenario::{limits, Budget, KeyPath, Scenario};
use crate::time::{financial_year, Calendar};
use chrono::{Datelike, Months, NaiveDate};
use std::collections::BTreeMap;

pub(super) fn calendar(c: &mut Checker, s: &Scenario) -> Calendar {
    let sim = &s.simulation;
    let path = KeyPath::root("simulation");
    let years = sim.years;
    if !limits::START_YEARS.contains(&sim.start_date.year()) {
        c.err(
            path.key("start_date"),
            format!(
                "{} is outside the years a scenario can start in ({} to {})",
                sim.start_date,
                limits::START_YEARS.start(),
                limits::START_YEARS.end()
            ),
        );
    }
    if !(years.is_finite() && years > 0.0 && years <= limits::MAX_YEARS) {
        c.err(
            path.key("years"),
            format!("must be more than 0 and at most 100, got {years}"),
        );
    }
    let days = if years.is_finite() && years > 0.0 {
        horizon_days(sim.start_date, years.min(limits::MAX_YEARS))
    } else {
        1
    };
    if sim.replications == 0 || sim.replications > limits::MAX_REPLICATIONS {
        c.err(
            path.key("replications"),
            format!("must be between 1 and 100000, got {}", sim.replications),
        );
    }
    if let Some(draws) = sim.parameter_draws {
        if draws == 0 || draws > limits::MAX_PARAMETER_DRAWS {
            c.err(
                path.key("parameter_draws"),
                format!("must be between 1 and 10000, got {draws}"),
            );
        } else if u64::from(draws) * u64::from(sim.replications)
            > u64::from(limits::MAX_REPLICATIONS)
        {
            c.err(
                path.key("parameter_draws"),
                format!(
                    "{draws} draws × {} replications is {} replications in all, more than the \
                     100,000 a scenario may run; fewer draws or replications (e.g. {} \
                     replications of each draw)",
                    sim.replications,
                    u64::from(draws) * u64::from(sim.replications),
                    (limits::MAX_REPLICATIONS / draws).max(1)
                ),
            );
        }
    }
    if sim.warmup_days > limits::MAX_WARMUP_DAYS {
        c.err(
            path.key("warmup_days"),
            format!("must be at most 36525 (100 years), got {}", sim.warmup_days),
        );
    }
    // A census start is today's state: warming up from empty would overwrite it.
    let warmup = if s.census.is_some() {
        0
    } else {
        sim.warmup_days.min(limits::MAX_WARMUP_DAYS)
    };
    Calendar {
        start_date: sim.start_date,
        warmup: warmup as f64,
        days,
    }
}

/// Days from `start` to the same date `years` calendar years later (a leap day becomes 28
/// February), plus the fraction of the following year's days, rounded: so a whole number of
/// years from 1 April is exactly that many financial years, with no stray day at the end.
fn horizon_days(start: NaiveDate, years: f64) -> u32 {
    let whole = years.trunc() as u32;
    let end = start
        .checked_add_months(Months::new(whole * 12))
        .unwrap_or(NaiveDate::MAX);
    let next = end
        .checked_add_months(Months::new(12))
        .unwrap_or(NaiveDate::MAX);
    let extra = (years.fract() * (next - end).num_days() as f64).round() as i64;
    ((end - start).num_days() + extra).max(1) as u32
}

/// The reporting periods (overall, then each financial year) and the period of each day.
pub(super) fn periods(cal: &Calendar) -> (Vec<PeriodInfo>, Vec<u16>) {
    let mut periods = vec![PeriodInfo {
        period: Period::Overall,
        first_day: cal.start_date,
        last_day: cal.last_date(),
        days: cal.days,
    }];
    let mut period_of_day = Vec::with_capacity(cal.days as usize);
    for day in 0..cal.days as i64 {
        let date = cal.date_of_offset(day);
        let fy = Period::FinancialYear(financial_year(date));
        if periods.last().map(|p| p.period) != Some(fy) {
            periods.push(PeriodInfo {
                period: fy,
                first_day: date,
                last_day: date,
                days: 0,
            });
        }
        if let Some(last) = periods.last_mut() {
            last.last_day = date;
            last.days += 1;
        }
        period_of_day.push((periods.len() - 1) as u16);
    }
    (periods, period_of_day)
}

/// The budget as given: one for every year, and overrides for particular financial years.
pub(super) struct Budgets {
    annual: Option<f64>,
    by_year: BTreeMap<FinancialYear, f64>,
}

pub(super) fn budget(c: &mut Checker, b: &Budget) -> Budgets {
    let path = KeyPath::root("budget");
    let mut by_year = BTreeMap::new();
    for (fy, &v) in &b.by_financial_year {
        let at = path.key("by_financial_year").key(fy);
        match FinancialYear::parse(fy) {
            Some(y) => {
                by_year.insert(y, c.non_negative(at, v));
            }
            None => c.err(at, "expected a financial year written like \"2024/25\""),
        }
    }
    let annual = b
        .annual_gbp
        .map(|v| c.non_negative(path.key("annual_gbp"), v));
    Budgets { annual, by_year }
}

/// The budget of each period: a financial year's, pro-rated by the days of it inside the
/// horizon; overall, the sum of the years' (none unless every year has one).
pub(super) fn budget_by_period(b: &Budgets, periods: &[PeriodInfo]) -> Vec<Option<f64>> {
    let mut budget: Vec<Option<f64>> = periods
        .iter()
        .map(|p| match p.period {
            Period::Overall => None,
            Period::FinancialYear(fy) => b.by_year.get(&fy).copied().or(b.annual).map(|v| {
                let fy_days = (NaiveDate::from_ymd_opt(fy.0 + 1, 4, 1).unwrap_or(NaiveDate::MAX)
                    - NaiveDate::from_ymd_opt(fy.0, 4, 1).unwrap_or(NaiveDate::MIN))
                .num_days() as f64;
                v * p.days as f64 / fy_days
            }),
        })
        .collect();
    let overall = budget[1..]
        .iter()
        .try_fold(0.0, |acc, b| b.map(|b| acc + b));
    budget[0] = if periods.len() > 1 { overall } else { None };
    budget
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_horizon_ends_on_the_same_date_whole_years_later() {
        assert_eq!(horizon_days(date(2024, 4, 1), 2.0), 730);
        assert_eq!(horizon_days(date(2023, 4, 1), 2.0), 731); // 29 February 2024
        assert_eq!(horizon_days(date(2020, 4, 1), 10.0), 3652);
        assert_eq!(horizon_days(date(2024, 4, 1), 0.5), 183);
        assert_eq!(horizon_days(date(2024, 2, 29), 1.0), 365); // to 28 February 2025
        assert_eq!(horizon_days(date(2024, 4, 1), 1e-9), 1);
    }
}
