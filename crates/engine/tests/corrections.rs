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
        .clone()
}

fn summary(s: &Scenario) -> Summary {
    let model = s.validate().unwrap();
    run(&model, 0..model.replications())
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
