//! Open capacity against its definition: staffing that is ample changes nothing, a vacancy
//! drawn every month gives the expected mean of floor(staff × (1 − vacancy) / WTE per bed), a
//! recruitment ramp opens its last bed on the day it ends, spells closed in a share of weeks
//! close that share of days, and a closure hazard h closes before year t with probability
//! 1 − e^(−h t).

use carepath_engine::scenario::{Disruption, Distribution, RoadmapChange, Vacancy, VacancyDraw};
use carepath_engine::{examples, run, FinancialYear, Metric, Model, Period, Scenario, Summary};
use chrono::NaiveDate;

fn summary(s: &Scenario) -> Summary {
    let model = s.validate().unwrap();
    run(&model, 0..model.replications()).unwrap()
}

fn values(s: &Summary, metric: Metric, subject: &str, period: Period) -> Vec<f64> {
    s.kpi(metric, subject, period)
        .unwrap_or_else(|| panic!("no {} for `{subject}` in {period}", metric.name()))
        .values
        .to_vec()
}

fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn year(y: i32) -> Period {
    Period::FinancialYear(FinancialYear(y))
}

fn staff_change(on: NaiveDate, ward: &str, wte: f64, ramp_days: Option<u32>) -> RoadmapChange {
    RoadmapChange {
        id: None,
        date: on,
        note: String::new(),
        ward: Some(ward.into()),
        service: None,
        capacity: None,
        ramp_days,
        referrals_per_year: None,
        annual_growth: None,
        group_shares: None,
        staff_wte: Some(wte),
    }
}

fn disruption(ward: &str) -> Disruption {
    Disruption {
        id: None,
        note: String::new(),
        ward: Some(ward.into()),
        service: None,
        closed_share: None,
        spell_days: 7,
        closure_hazard_per_year: None,
        capacity_lost: None,
    }
}

/// Every replication's results, field by field, on the KPIs both models report.
fn assert_same_runs(a: &Model, b: &Model) {
    for rep in 0..a.replications() {
        let (x, y) = (
            a.run_replication(rep).unwrap(),
            b.run_replication(rep).unwrap(),
        );
        assert_eq!(x.daily, y.daily, "replication {rep}: daily series");
        assert_eq!(x.occupancy, y.occupancy, "replication {rep}: occupancy");
        assert_eq!(x.ledger, y.ledger, "replication {rep}: ledger");
        assert_eq!(x.flows, y.flows, "replication {rep}: flows");
        assert_eq!(x.events, y.events, "replication {rep}: events");
        for (key, value) in a.kpi_keys().iter().zip(&x.values) {
            let at = b.kpi_keys().iter().position(|k| k == key).unwrap();
            assert_eq!(
                value.to_bits(),
                y.values[at].to_bits(),
                "replication {rep}: {} {} {}",
                key.metric.name(),
                key.subject,
                key.period
            );
        }
    }
}

/// Staff for more than every bed, and disruptions that never close anything, leave every
/// result as it was, bit for bit, on the whole pathway with its roadmap (a closure, a ramp).
#[test]
fn ample_staff_and_a_disruption_of_share_zero_change_nothing() {
    let plain = examples::roadmap(4);
    let mut staffed = plain.clone();
    for w in staffed.wards.values_mut() {
        w.staff_wte = Some(1000.0);
        w.wte_per_bed = Some(1.5);
    }
    let ward = staffed.wards.keys().next().unwrap().clone();
    staffed
        .roadmap
        .push(staff_change(date(2024, 6, 1), &ward, 900.0, Some(30)));
    for (name, sv) in staffed.services.iter_mut() {
        sv.staff_wte = Some(500.0);
        sv.wte_per_place = Some(0.8);
        let mut d = disruption("");
        d.ward = None;
        d.service = Some(name.clone());
        d.closed_share = Some(0.0);
        staffed.disruption.push(d);
    }
    for name in plain.wards.keys() {
        let mut d = disruption(name);
        d.closed_share = Some(0.0);
        staffed.disruption.push(d);
    }
    let (a, b) = (plain.validate().unwrap(), staffed.validate().unwrap());
    assert!(
        b.kpi_keys().len() > a.kpi_keys().len(),
        "capacity KPIs added"
    );
    assert_same_runs(&a, &b);
    // And the new KPIs say so: all open, none closed.
    let sum = run(&b, 0..b.replications()).unwrap();
    let closed = values(&sum, Metric::ClosedBedDays, &ward, Period::Overall);
    assert!(closed.iter().all(|&d| d == 0.0), "{closed:?}");
}

/// 20 beds, 24 WTE at 1.5 WTE a bed, a vacancy rate V uniform on [0, 0.4] drawn afresh every
/// month: open beds = min(20, floor(16 (1 − V))), whose mean is Σ_{k=1..16} P(V ≤ 1 − k/16).
/// Monthly draws make each replication's mean close to it (120 months a replication), unlike a
/// draw per replication, so the spread between replications tells the two apart too.
#[test]
fn a_vacancy_drawn_every_month_gives_the_expected_open_beds() {
    let mut s = examples::erlang_loss(0.2, 10.0, 20, 200);
    let w = s.wards.get_mut("ward").unwrap();
    w.staff_wte = Some(24.0);
    w.wte_per_bed = Some(1.5);
    w.vacancy = Some(Vacancy {
        rate: Distribution::Uniform { min: 0.0, max: 0.4 },
        drawn: VacancyDraw::Month,
    });
    // E[floor(16 (1 − V))] = Σ_{k=1..16} P(16 (1 − V) ≥ k) = Σ P(V ≤ 1 − k/16).
    let exact: f64 = (1..=16)
        .map(|k| ((1.0 - k as f64 / 16.0) / 0.4).clamp(0.0, 1.0))
        .sum();
    let open = values(&summary(&s), Metric::MeanOpen, "ward", Period::Overall);
    let (mean, se) = mean_se(&open);
    assert!(se < 0.015, "standard error {se}: too little power");
    assert!(
        (mean - exact).abs() < 4.0 * se,
        "mean open beds {mean} ± {se}, exact {exact}"
    );
    // One month's open beds has a standard deviation of about 1.85; the mean of 120 months
    // about 1.85 / √120 = 0.17 a replication. Drawn once a replication it would be 1.85.
    let sd = se * (open.len() as f64).sqrt();
    assert!((0.12..0.25).contains(&sd), "sd between replications {sd}");
}

/// 10 WTE at 1 WTE a bed open 10 of 20 beds; from 1 April 2021, 10 more WTE are recruited
/// evenly over 100 days, so the k-th new bed opens on day 10 k and the last on day 100.
/// 2021/22 then has 100 × 10 + 10 × (0 + 1 + … + 9) + 265 × 20 = 6,750 open bed-days; a ramp
/// that ended a day early or late would give 6,740 or 6,760.
#[test]
fn a_recruitment_ramp_opens_its_last_bed_on_the_day_it_ends() {
    let mut s = examples::erlang_loss(0.2, 10.0, 20, 2);
    s.simulation.years = 3.0;
    let w = s.wards.get_mut("ward").unwrap();
    w.staff_wte = Some(10.0);
    w.wte_per_bed = Some(1.0);
    s.roadmap
        .push(staff_change(date(2021, 4, 1), "ward", 20.0, Some(100)));
    let sum = summary(&s);
    let open = |p| values(&sum, Metric::MeanOpen, "ward", p);
    let closed = |p| values(&sum, Metric::ClosedBedDays, "ward", p);
    for rep in 0..2 {
        assert!((open(year(2020))[rep] - 10.0).abs() < 1e-9);
        assert!((open(year(2021))[rep] * 365.0 - 6750.0).abs() < 1e-6);
        assert!((open(year(2022))[rep] - 20.0).abs() < 1e-9);
        assert!((closed(year(2020))[rep] - 3650.0).abs() < 1e-6);
        assert!((closed(year(2021))[rep] - 550.0).abs() < 1e-6);
        assert_eq!(closed(year(2022))[rep], 0.0);
    }
}

/// A ward closed to new admissions in 20 % of weeks, each week drawn independently: the share
/// of days closed over 400 replications of 10 years is 0.2 within 4 standard errors of a
/// binomial count of weeks.
#[test]
fn a_ward_is_closed_in_the_share_of_weeks_asked() {
    let share = 0.2;
    let mut s = examples::erlang_loss(0.2, 10.0, 20, 400);
    let mut d = disruption("ward");
    d.closed_share = Some(share);
    s.disruption.push(d);
    let sum = summary(&s);
    let closed = values(&sum, Metric::DaysClosed, "ward", Period::Overall);
    let days = sum.periods[0].days as f64;
    let got = closed.iter().sum::<f64>() / (days * closed.len() as f64);
    let weeks = days / 7.0 * closed.len() as f64;
    let se = (share * (1.0 - share) / weeks).sqrt();
    assert!(
        (got - share).abs() < 4.0 * se,
        "closed share {got}, expected {share} ± {se}"
    );
    // Closed for a fifth of the time, the beds open fall by a fifth.
    let open = values(&sum, Metric::MeanOpen, "ward", Period::Overall);
    let (mean, _) = mean_se(&open);
    assert!(
        (mean - 20.0 * (1.0 - got)).abs() < 1e-6 * 20.0 + 20.0 / days,
        "{mean}"
    );
}

/// A closure hazard of 0.2 a year: the share of 10,000 replications closed by the end of
/// financial year t (t years and a few leap days from 1 April 2020) is 1 − e^(−0.2 t),
/// within 4 binomial standard errors, for each of five years; once closed, the ward stays
/// closed (its 20 beds all lost).
#[test]
fn a_closure_hazard_closes_before_year_t_with_probability_one_minus_e_to_the_minus_h_t() {
    let h = 0.2;
    let n = 10_000;
    let mut s = examples::erlang_loss(0.05, 10.0, 20, n);
    s.simulation.years = 5.0;
    s.simulation.warmup_days = 0;
    let mut d = disruption("ward");
    d.closure_hazard_per_year = Some(h);
    s.disruption.push(d);
    let sum = summary(&s);
    let mut closed_by = vec![0.0; n as usize];
    let n = n as f64;
    let mut days = 0.0;
    for (k, p) in sum.periods.iter().skip(1).enumerate() {
        days += p.days as f64;
        let this_year = values(&sum, Metric::ClosuresForGood, "ward", p.period);
        for (c, x) in closed_by.iter_mut().zip(&this_year) {
            *c += x;
        }
        assert!(closed_by.iter().all(|&c| c <= 1.0), "closed twice");
        let got = closed_by.iter().sum::<f64>() / n;
        let exact = 1.0 - (-h * days / 365.25).exp();
        let se = (exact * (1.0 - exact) / n).sqrt();
        assert!(
            (got - exact).abs() < 4.0 * se,
            "year {}: closed {got}, expected {exact} ± {se}",
            k + 1
        );
    }
    // A replication that closed keeps no bed open after its closure: the days it was closed
    // are the days from the closure to the end.
    let closures = values(&sum, Metric::ClosuresForGood, "ward", Period::Overall);
    let closed_days = values(&sum, Metric::DaysClosed, "ward", Period::Overall);
    for (c, d) in closures.iter().zip(&closed_days) {
        assert_eq!(*c == 0.0, *d == 0.0, "closures {c}, days closed {d}");
    }
}

/// Closing beds to staffing or a disruption evicts nobody and loses nobody: every referral is
/// accounted for, and Little's law L = λW holds in every pool that sees enough patients.
#[test]
fn disruption_conserves_young_people_and_littles_law() {
    let model = examples::disrupted(10).validate().unwrap();
    for rep in 0..10 {
        let l = model.run_replication(rep).unwrap().ledger;
        assert_eq!(
            l.initial + l.referrals,
            l.declined + l.avoided + l.discharged + l.in_system,
            "replication {rep}: {l:?}"
        );
    }
    let mut s = examples::disrupted(1);
    s.simulation.years = 100.0;
    let model = s.validate().unwrap();
    let r = model.run_replication(0).unwrap();
    let days = model.days() as f64;
    let mut checked = 0;
    for (i, f) in r.flows.iter().enumerate().filter(|(_, f)| f.exits > 100) {
        checked += 1;
        let (l, lambda) = (f.occupied_days / days, f.exits as f64 / days);
        let w = f.sojourn_days / f.exits as f64;
        assert!(
            (l - lambda * w).abs() <= 0.02 * l,
            "pool {i}: L = {l}, λW = {}",
            lambda * w
        );
    }
    assert!(checked >= 6, "only {checked} pools checked");
}

/// README: "a vacant post, a closed week or a closed unit is not paid for". A block ward
/// closed to new admissions in 30 % of weeks, busy enough that its beds are still occupied
/// when a closed week begins, costs its open bed-days, (roadmap bed-days − `closed_bed_days`)
/// × price, in every replication and year; home treatment closed in a fifth of weeks and
/// short of staff every month costs its open place-days. (Counting the beds still occupied in
/// a closed week as paid, the ward cost 18 % more.)
#[test]
fn a_closed_week_or_a_vacant_post_is_not_paid_for() {
    let mut s = examples::erlang_loss(1.8, 10.0, 20, 20);
    let mut d = disruption("ward");
    d.closed_share = Some(0.3);
    s.disruption.push(d);
    let sum = summary(&s);
    for p in &sum.periods {
        let cost = values(&sum, Metric::Cost, "block_beds", p.period);
        let closed = values(&sum, Metric::ClosedBedDays, "ward", p.period);
        for (rep, (c, x)) in cost.iter().zip(&closed).enumerate() {
            let open = 20.0 * p.days as f64 - x;
            assert!(*x > 0.0, "{}: nothing closed", p.period);
            assert!(
                (c - open * 700.0).abs() <= 1e-9 * c,
                "{} replication {rep}: cost £{c}, open bed-days {open} × £700 = £{}",
                p.period,
                open * 700.0
            );
        }
    }

    let s = examples::disrupted(10);
    let price = s.services["home_treatment"].cost_per_day_gbp.unwrap();
    let sum = summary(&s);
    for p in &sum.periods {
        let cost = values(&sum, Metric::ServiceCost, "home_treatment", p.period);
        let open = values(&sum, Metric::MeanOpen, "home_treatment", p.period);
        for (c, o) in cost.iter().zip(&open) {
            let paid = o * p.days as f64 * price;
            assert!(
                (c - paid).abs() <= 1e-9 * paid.max(1.0),
                "{}: £{c} against £{paid}",
                p.period
            );
        }
    }
}
