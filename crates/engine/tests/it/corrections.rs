//! Regression tests for readings of the scenario that a planner would catch: each states the
//! rule and checks it exactly or against queueing theory.

use carepath_engine::{examples, run, FinancialYear, Metric, Period, Scenario, Summary};

/// Two groups, one ward each (so that neither blocks the other), ample beds.
const TWO_GROUPS: &str = r#"
[simulation]
start_date = "2024-04-01"
years = 3
warmup_days = 200
replications = 8
seed = 7

[demand]
referrals_per_year = 400

[groups.general]
share = 0.8
los_days = { dist = "exponential", mean = 30 }
out_of_area = { cost_per_day_gbp = 900, distance_miles = { dist = "fixed", value = 60 } }

[groups.picu]
share = 0.2
los_days = { dist = "exponential", mean = 20 }
out_of_area = { cost_per_day_gbp = 1500, distance_miles = { dist = "fixed", value = 120 } }

[wards.gau]
beds = 60
accepts = ["general"]
funding = "block"
cost_per_bed_day_gbp = 700

[wards.picu]
beds = 30
accepts = ["picu"]
funding = "block"
cost_per_bed_day_gbp = 1200
"#;

fn scenario(text: &str) -> Scenario {
    toml::from_str(text).unwrap()
}

fn values(s: &Summary, metric: Metric, subject: &str) -> Vec<f64> {
    s.kpi(metric, subject, Period::Overall)
        .unwrap_or_else(|| panic!("no {metric:?} for `{subject}`"))
        .values
        .to_vec()
}

fn summary(s: &Scenario) -> Summary {
    let model = s.validate().unwrap();
    run(&model, 0..model.replications()).unwrap()
}

/// A readmission keeps its group: readmitting general patients adds exactly the readmissions
/// to general referrals and leaves PICU referrals untouched, replication by replication.
#[test]
fn a_readmission_keeps_its_group() {
    let base = scenario(TWO_GROUPS);
    let mut readmitting = base.clone();
    readmitting.groups.get_mut("general").unwrap().readmission = Some(
        toml::from_str("probability = 0.5\ndelay_days = { dist = \"exponential\", mean = 90 }")
            .unwrap(),
    );
    let (a, b) = (summary(&base), summary(&readmitting));
    let readmissions = values(&b, Metric::Readmissions, "");
    assert!(readmissions.iter().all(|&r| r > 100.0), "{readmissions:?}");
    assert_eq!(
        values(&a, Metric::Referrals, "picu"),
        values(&b, Metric::Referrals, "picu")
    );
    let expected: Vec<f64> = values(&a, Metric::Referrals, "general")
        .iter()
        .zip(&readmissions)
        .map(|(x, r)| x + r)
        .collect();
    assert_eq!(values(&b, Metric::Referrals, "general"), expected);
}

/// Two calendar years from 1 April are exactly two financial years: no stray day, and the
/// budget of the whole run is exactly two annual budgets.
#[test]
fn two_years_from_april_are_exactly_two_financial_years() {
    let mut s = scenario(TWO_GROUPS);
    s.simulation.years = 2.0;
    s.budget.annual_gbp = Some(1e6);
    let sum = summary(&s);
    let periods: Vec<Period> = sum.periods.iter().map(|p| p.period).collect();
    assert_eq!(
        periods,
        [
            Period::Overall,
            Period::FinancialYear(FinancialYear(2024)),
            Period::FinancialYear(FinancialYear(2025)),
        ]
    );
    assert_eq!(sum.days, 730);
    assert_eq!(sum.dates.last().unwrap().to_string(), "2026-03-31");
    let budget = sum.kpi(Metric::Budget, "", Period::Overall).unwrap();
    assert_eq!(budget.estimate.mean, 2e6);
}

fn erlang_c(a: f64, c: u32) -> f64 {
    let mut b = 1.0;
    for k in 1..=c {
        b = a * b / (k as f64 + a * b);
    }
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

/// With a standard but no out-of-area trigger, young people keep waiting locally and every
/// breach is still counted. In M/M/c (λ = 4/day, mean stay 6 days, 30 beds) the wait of a
/// referral exceeds T with probability C(c, a)·e^{−(cμ−λ)T}, and the mean days beyond T per
/// referral are that divided by cμ − λ.
#[test]
fn breaches_are_counted_while_young_people_keep_waiting_locally() {
    let mut s = examples::erlang_loss(4.0, 6.0, 30, 60);
    s.urgency.emergency.target_days = Some(0.5);
    s.urgency.emergency.place_out_of_area_after_days = Some(f64::INFINITY);
    let sum = summary(&s);
    let (pc, gap, t): (f64, f64, f64) = (erlang_c(24.0, 30), 30.0 / 6.0 - 4.0, 0.5);
    let referrals = values(&sum, Metric::Referrals, "");
    let per_referral = |metric| -> f64 {
        let v = values(&sum, metric, "");
        v.iter().zip(&referrals).map(|(x, n)| x / n).sum::<f64>() / v.len() as f64
    };
    let breached = per_referral(Metric::BedWaitsOverTarget);
    let exact = pc * (-gap * t).exp();
    assert!(
        (breached - exact).abs() < 0.015,
        "P(wait > T) {breached}, exact {exact}"
    );
    let beyond = per_referral(Metric::BedWaitDaysOverTarget);
    assert!(
        (beyond - exact / gap).abs() < 0.02,
        "days beyond T per referral {beyond}, exact {}",
        exact / gap
    );
    assert!(values(&sum, Metric::OapPlacements, "")
        .iter()
        .all(|&x| x == 0.0));
}

/// With a zero standard (and trigger), every request that finds no free bed is a bed wait, a
/// breach and an out-of-area placement: the three counts agree exactly.
#[test]
fn a_zero_target_counts_every_blocked_request_as_a_wait_and_a_breach() {
    let sum = summary(&examples::erlang_loss(0.5, 60.0, 30, 5));
    let placed = values(&sum, Metric::OapPlacements, "");
    assert!(placed.iter().all(|&x| x > 100.0));
    assert_eq!(values(&sum, Metric::BedWaits, ""), placed);
    assert_eq!(values(&sum, Metric::BedWaitsOverTarget, ""), placed);
}

/// Everyone is placed out of area (no local beds); stays are fixed at 20 days and every one
/// is delayed by 10. Set without an out-of-area stay, the out-of-area stay is drawn like a
/// local one, delay included (30 days); an explicit out-of-area stay is the whole stay (20).
#[test]
fn delayed_discharge_is_never_added_to_an_explicit_out_of_area_stay() {
    let mut s = scenario(TWO_GROUPS);
    s.simulation.years = 10.0;
    for g in s.groups.values_mut() {
        g.los_days = toml::from_str("dist = \"fixed\"\nvalue = 20").unwrap();
        g.delayed_discharge = Some(
            toml::from_str("probability = 1.0\nextra_days = { dist = \"fixed\", value = 10 }")
                .unwrap(),
        );
    }
    for w in s.wards.values_mut() {
        w.beds = 0;
    }
    let drawn_like_local = summary(&s);
    for v in values(&drawn_like_local, Metric::OapLosMean, "") {
        assert!((v - 30.0).abs() < 1e-9, "{v}");
    }
    // A third of every placement is delay, counted day by day.
    for v in values(&drawn_like_local, Metric::DelayedDischargePct, "") {
        assert!((v - 100.0 / 3.0).abs() < 0.5, "{v}");
    }
    for g in s.groups.values_mut() {
        g.out_of_area.los_days = Some(toml::from_str("dist = \"fixed\"\nvalue = 20").unwrap());
    }
    let explicit = summary(&s);
    for v in values(&explicit, Metric::OapLosMean, "") {
        assert!((v - 20.0).abs() < 1e-9, "{v}");
    }
    assert!(values(&explicit, Metric::DelayedDischargeBedDays, "")
        .iter()
        .all(|&v| v == 0.0));
    // Local stays are reported apart: there are none.
    assert!(values(&explicit, Metric::LosMean, "")
        .iter()
        .all(|v| v.is_nan()));
}

/// Delayed-discharge bed-days are integrated day by day. Starting empty, with λ = 1 a day,
/// stays of 20 days and a 1,000-day delay for everyone, the number in delay at day t is a
/// Poisson count with mean t − 20, so the first financial year holds 345²/2 delayed bed-days
/// in expectation, though nobody is discharged for 1,020 days.
#[test]
fn delayed_discharge_bed_days_accrue_day_by_day() {
    let mut s = examples::erlang_loss(1.0, 20.0, 3000, 20);
    s.simulation.start_date = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    s.simulation.years = 3.0;
    s.simulation.warmup_days = 0;
    let g = s.groups.get_mut("all").unwrap();
    g.los_days = toml::from_str("dist = \"fixed\"\nvalue = 20").unwrap();
    g.delayed_discharge = Some(
        toml::from_str("probability = 1.0\nextra_days = { dist = \"fixed\", value = 1000 }")
            .unwrap(),
    );
    let sum = summary(&s);
    let fy = Period::FinancialYear(FinancialYear(2024));
    let first = sum.kpi(Metric::DelayedDischargeBedDays, "", fy).unwrap();
    let exact = 345.0 * 345.0 / 2.0;
    assert!(
        (first.estimate.mean - exact).abs() < 0.03 * exact,
        "first year {}, exact {exact}",
        first.estimate.mean
    );
}

/// With repatriation, every planned out-of-area day is either spent out of area or brought home
/// (fixed 40-day placements, so the planned days are 40 per placement, up to the stays cut by
/// the end of the run); a repatriation is a local admission but not a new stay; distance-days
/// are the days times the (fixed) distance; without readmissions every placement is a
/// different young person.
#[test]
fn repatriation_shows_the_days_it_brings_home() {
    let mut s = scenario(TWO_GROUPS);
    s.simulation.years = 20.0;
    s.policy.repatriation = true;
    s.wards.get_mut("gau").unwrap().beds = 24;
    s.wards.get_mut("picu").unwrap().beds = 3;
    for g in s.groups.values_mut() {
        g.out_of_area.los_days = Some(toml::from_str("dist = \"fixed\"\nvalue = 40").unwrap());
        g.out_of_area.distance_miles = toml::from_str("dist = \"fixed\"\nvalue = 120").unwrap();
    }
    let sum = summary(&s);
    let placed = values(&sum, Metric::OapPlacements, "");
    let repatriated = values(&sum, Metric::Repatriations, "");
    let oap_days = values(&sum, Metric::OapBedDays, "");
    let avoided = values(&sum, Metric::OapDaysBroughtHome, "");
    let mile_days = values(&sum, Metric::OapMileDaysBroughtHome, "");
    let local = values(&sum, Metric::Admissions, "");
    let total = values(&sum, Metric::TotalAdmissions, "");
    for r in 0..placed.len() {
        assert!(
            repatriated[r] > 50.0 && avoided[r] > 500.0,
            "replication {r}"
        );
        let planned = 40.0 * placed[r];
        assert!(
            (oap_days[r] + avoided[r] - planned).abs() < 0.01 * planned,
            "spent {} + avoided {} vs planned {planned}",
            oap_days[r],
            avoided[r]
        );
        assert!((mile_days[r] - 120.0 * avoided[r]).abs() < 1e-6 * mile_days[r]);
        assert_eq!(total[r], local[r] - repatriated[r] + placed[r]);
    }
    assert_eq!(values(&sum, Metric::OapYoungPeople, ""), placed);
    // The days brought home are not the days saved: each repatriation takes a bed that later
    // referrals would have used, and the paired run without repatriation spends fewer days
    // out of area than the days brought home would suggest.
    s.policy.repatriation = false;
    let without = summary(&s);
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let saved = mean(&values(&without, Metric::OapBedDays, "")) - mean(&oap_days);
    let home = mean(&avoided);
    assert!(
        saved < 0.5 * home,
        "saved {saved} out-of-area days against {home} brought home"
    );
}

/// Readmitted young people placed again count once among the young people placed.
#[test]
fn young_people_placed_are_counted_once_however_often_placed() {
    let mut s = scenario(TWO_GROUPS);
    for w in s.wards.values_mut() {
        w.beds = 0;
    }
    for g in s.groups.values_mut() {
        g.readmission = Some(
            toml::from_str("probability = 1.0\ndelay_days = { dist = \"fixed\", value = 10 }")
                .unwrap(),
        );
    }
    // No warm-up: every placement is in the reported window, and every referral (new or
    // readmitted) is placed at once, so the repeat placements are exactly the readmissions.
    s.simulation.warmup_days = 0;
    for u in [
        &mut s.urgency.emergency,
        &mut s.urgency.urgent,
        &mut s.urgency.routine,
    ] {
        u.target_days = Some(0.0);
    }
    let sum = summary(&s);
    let placed = values(&sum, Metric::OapPlacements, "");
    let people = values(&sum, Metric::OapYoungPeople, "");
    let readmitted = values(&sum, Metric::Readmissions, "");
    for r in 0..placed.len() {
        assert!(readmitted[r] > 1000.0);
        assert_eq!(placed[r] - people[r], readmitted[r], "replication {r}");
        assert_eq!(
            people[r],
            values(&sum, Metric::Referrals, "")[r] - readmitted[r]
        );
    }
    // Every readmission here is within 28 days of the discharge.
    assert_eq!(values(&sum, Metric::Readmissions28Days, ""), readmitted);
}

/// Placing out of area before the standard passes is not a breach: with the trigger at half a
/// day and the standard at two days, young people are placed but none is counted over target,
/// and no wait is longer than the trigger.
#[test]
fn a_placement_before_the_standard_is_not_a_breach() {
    let mut s = examples::erlang_loss(4.0, 6.0, 25, 5);
    s.urgency.emergency.target_days = Some(2.0);
    s.urgency.emergency.place_out_of_area_after_days = Some(0.5);
    let sum = summary(&s);
    assert!(values(&sum, Metric::OapPlacements, "")
        .iter()
        .all(|&x| x > 1000.0));
    assert!(values(&sum, Metric::BedWaitsOverTarget, "")
        .iter()
        .all(|&x| x == 0.0));
    assert!(values(&sum, Metric::BedWaitDaysOverTarget, "")
        .iter()
        .all(|&x| x == 0.0));
    // The 90th percentile is read from 2 % bins.
    assert!(values(&sum, Metric::BedWaitP90, "")
        .iter()
        .all(|&x| x <= 0.5 * 1.02));
}
