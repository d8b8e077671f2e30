//! Transfers between wards: a spell's length is the sum of its stays and waits, a target that
//! is never full delays nobody, a target with no beds makes every transfer wait its limit,
//! patients are conserved and Little's law holds in every ward, and a transfer that never
//! happens changes nothing.

use carepath_engine::scenario::{AfterWait, Distribution, Group, Scenario, Transfer, Ward};
use carepath_engine::{examples, run, Metric, Period, Summary};

use crate::support;

/// PICU referrals only (Poisson, `rate` a day), a PICU of ample beds with exponential stays
/// of 20 days, each ending in a move to a GAU of `gau_beds` beds (exponential stays of 30
/// days there), over a long horizon so that edge effects are small.
fn step_down(gau_beds: u32, max_wait: Option<f64>, after_wait: AfterWait) -> Scenario {
    let mut s = examples::erlang_loss(0.5, 20.0, 200, 4);
    s.simulation.years = 40.0;
    let picu = s.groups.remove("all").unwrap();
    let gau = Group {
        share: 0.0,
        ..picu.clone()
    };
    s.groups.insert("picu".into(), picu);
    s.groups.insert("gau".into(), gau);
    let mut ward = s.wards.remove("ward").unwrap();
    ward.accepts = vec!["picu".into()];
    let gau_ward = Ward {
        beds: gau_beds,
        accepts: vec!["gau".into()],
        ..ward.clone()
    };
    ward.transfer = Some(Transfer {
        to: "gau".into(),
        probability: 1.0,
        los_days: Some(Distribution::exponential(30.0)),
        max_wait_days: max_wait,
        after_wait,
    });
    s.wards.insert("picu".into(), ward);
    s.wards.insert("gau".into(), gau_ward);
    s
}

fn summary(s: &Scenario) -> Summary {
    let model = s.validate().unwrap();
    run(&model, 0..model.replications()).unwrap()
}

/// The overall mean over replications.
fn mean(s: &Summary, metric: Metric, subject: &str) -> f64 {
    let v = &s
        .kpi(metric, subject, Period::Overall)
        .unwrap_or_else(|| panic!("{} {subject}", metric.name()))
        .values;
    v.iter().sum::<f64>() / v.len() as f64
}

fn assert_near(what: &str, got: f64, exact: f64, tolerance: f64) {
    assert!(
        (got - exact).abs() <= tolerance,
        "{what}: got {got}, exact {exact} (± {tolerance})"
    );
}

#[test]
fn a_target_that_is_never_full_delays_nobody_and_the_spell_is_both_stays() {
    let s = summary(&step_down(1000, None, AfterWait::Discharge));
    assert_eq!(mean(&s, Metric::DelayedTransferBedDays, "picu"), 0.0);
    assert_eq!(mean(&s, Metric::TransfersAbandoned, "picu"), 0.0);
    // About 0.5 × 365.25 × 40 = 7,305 moves a replication.
    let moves = mean(&s, Metric::Transfers, "picu");
    assert_near("transfers", moves, 7305.0, 150.0);
    // Every move is an admission to the GAU, and not a new stay.
    assert_eq!(mean(&s, Metric::Admissions, "gau"), moves);
    let total = mean(&s, Metric::TotalAdmissions, "");
    assert_eq!(total, mean(&s, Metric::Admissions, "picu"));
    // A spell is 20 days in PICU and then 30 in the GAU: mean 50, sd ≈ 36, so the mean of
    // ~29,000 spells has a standard error of about 0.2.
    assert_near("spell", mean(&s, Metric::LosMean, "picu"), 50.0, 1.0);
    // Little's law in the GAU: 0.5 a day × 30 days.
    assert_near("GAU beds", mean(&s, Metric::MeanOccupied, "gau"), 15.0, 0.4);
}

#[test]
fn a_target_with_no_beds_makes_every_transfer_wait_its_limit_then_discharge() {
    let s = summary(&step_down(0, Some(14.0), AfterWait::Discharge));
    assert_eq!(mean(&s, Metric::Transfers, "picu"), 0.0);
    let abandoned = mean(&s, Metric::TransfersAbandoned, "picu");
    assert_near("abandoned", abandoned, 7305.0, 150.0);
    // Each waited exactly 14 days (only the waits cut by the window's ends differ).
    let waited = mean(&s, Metric::DelayedTransferBedDays, "picu");
    assert_near(
        "delayed-transfer days",
        waited,
        14.0 * abandoned,
        0.002 * waited,
    );
    // The spell: 20 days of care, then 14 waiting, then home.
    assert_near("spell", mean(&s, Metric::LosMean, "picu"), 34.0, 1.0);
    // Little's law in PICU: 0.5 a day × 34 days.
    assert_near(
        "PICU beds",
        mean(&s, Metric::MeanOccupied, "picu"),
        17.0,
        0.4,
    );
}

#[test]
fn a_transfer_that_waits_its_limit_and_stays_gets_the_other_wards_stay_in_place() {
    let s = summary(&step_down(0, Some(14.0), AfterWait::Stay));
    assert_eq!(mean(&s, Metric::Transfers, "picu"), 0.0);
    // 20 days, 14 waiting, then the GAU's 30 days in the PICU bed.
    assert_near("spell", mean(&s, Metric::LosMean, "picu"), 64.0, 1.5);
    assert_near(
        "PICU beds",
        mean(&s, Metric::MeanOccupied, "picu"),
        32.0,
        0.8,
    );
}

/// The example roadmap with 60 % of PICU stays (in both PICUs) stepping down to the NHS
/// GAU, waiting up to 14 days, then staying.
fn roadmap_with_step_down(reps: u32) -> Scenario {
    let mut s = examples::roadmap(reps);
    for picu in ["picu", "picu_independent"] {
        s.wards.get_mut(picu).unwrap().transfer = Some(Transfer {
            to: "gau".into(),
            probability: 0.6,
            los_days: None,
            max_wait_days: Some(14.0),
            after_wait: AfterWait::Stay,
        });
    }
    s
}

#[test]
fn transfers_conserve_patients_and_keep_littles_law_in_every_ward() {
    let model = roadmap_with_step_down(5).validate().unwrap();
    for rep in 0..5 {
        let l = model.run_replication(rep).unwrap().ledger;
        assert_eq!(
            l.initial + l.referrals,
            l.declined + l.avoided + l.discharged + l.in_system,
            "replication {rep}: {l:?}"
        );
    }
    let mut s = roadmap_with_step_down(1);
    s.simulation.years = 100.0;
    let model = s.validate().unwrap();
    let r = model.run_replication(0).unwrap();
    assert!(support::littles_law_holds(&r, model.days() as f64) >= 6);
    // The GAU is often full, so transfers wait, and the waits are part of the PICU's stays.
    let kpi = |metric: Metric| -> f64 {
        let keys = model.kpi_keys().iter().zip(&r.values);
        keys.filter(|(k, _)| k.metric == metric && k.period == Period::Overall)
            .map(|(_, v)| v)
            .sum()
    };
    let waited = kpi(Metric::DelayedTransferBedDays);
    assert!(waited > 100.0, "delayed-transfer bed-days: {waited}");
    assert!(kpi(Metric::Transfers) > 100.0 && kpi(Metric::TransfersAbandoned) > 0.0);
}

#[test]
fn a_transfer_with_probability_zero_changes_nothing() {
    let base = examples::roadmap(3).validate().unwrap();
    let mut s = roadmap_with_step_down(3);
    for ward in s.wards.values_mut() {
        if let Some(tr) = ward.transfer.as_mut() {
            tr.probability = 0.0;
        }
    }
    let never = s.validate().unwrap();
    for rep in 0..3 {
        let (a, b) = (
            base.run_replication(rep).unwrap(),
            never.run_replication(rep).unwrap(),
        );
        // The same KPIs, bit for bit, and only the transfer KPIs added.
        let mut added = 0;
        for (key, v) in never.kpi_keys().iter().zip(&b.values) {
            match base.kpi_keys().iter().position(|k| k == key) {
                Some(i) => assert_eq!(a.values[i].to_bits(), v.to_bits(), "{key:?}"),
                None => {
                    added += 1;
                    assert_eq!(*v, 0.0, "{key:?}");
                }
            }
        }
        assert_eq!(added + base.kpi_keys().len(), never.kpi_keys().len());
        assert_eq!(
            (a.daily, a.occupancy, a.ledger),
            (b.daily, b.occupancy, b.ledger)
        );
        assert_eq!((a.flows, a.events), (b.flows, b.events));
    }
}

/// A freed bed goes to those waiting to move into the ward before anyone on the waiting list:
/// no one is admitted to the GAU while a step-down waits for it.
#[test]
fn waiting_transfers_take_a_freed_bed_before_the_waiting_list() {
    use carepath_engine::trace::{Activity, Resource};
    let mut s = roadmap_with_step_down(1);
    s.simulation.years = 20.0;
    let model = s.validate().unwrap();
    let gau = Some(Resource::Ward(
        s.wards.keys().position(|k| k == "gau").unwrap(),
    ));
    let (_, log) = model.trace_replication(0).unwrap();
    let mut waiting = std::collections::BTreeSet::new();
    let (mut admissions, mut waited) = (0, 0);
    for e in &log {
        match e.activity {
            Activity::TransferRequest if e.resource == gau => {
                waiting.insert(e.case);
            }
            Activity::Transfer | Activity::TransferAbandoned => {
                waited += waiting.remove(&e.case) as u32;
            }
            Activity::Admission if e.resource == gau => {
                admissions += 1;
                assert!(
                    waiting.is_empty(),
                    "admitted at {} before {waiting:?}",
                    e.time
                );
            }
            _ => {}
        }
    }
    assert!(
        admissions > 1000 && waited > 100,
        "{admissions} admissions, {waited} moves"
    );
}

/// Erlang C probability of waiting for offered load `a` on `c` servers.
fn erlang_c(a: f64, c: u32) -> f64 {
    let b = (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b));
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

/// PICU stays end at Poisson times (the output of an M/M/∞ system is Poisson), so with every
/// stay moving on, the GAU is an M/M/c queue of transfers waiting in their PICU beds: the mean
/// delayed-transfer days per transfer are Erlang C's mean wait, C(a, c) / (cμ − λ).
#[test]
fn transfers_wait_for_the_target_ward_as_an_erlang_c_queue() {
    let mut s = step_down(18, None, AfterWait::Discharge);
    s.simulation.replications = 40;
    let summary = summary(&s);
    let (lambda, mu, c) = (0.5, 1.0 / 30.0, 18);
    let exact = erlang_c(lambda / mu, c) / (c as f64 * mu - lambda);
    let values = |m: Metric| {
        summary
            .kpi(m, "picu", Period::Overall)
            .unwrap()
            .values
            .to_vec()
    };
    let waits: Vec<f64> = values(Metric::DelayedTransferBedDays)
        .iter()
        .zip(values(Metric::Transfers))
        .map(|(days, n)| days / n)
        .collect();
    let n = waits.len() as f64;
    let mean = waits.iter().sum::<f64>() / n;
    let se = (waits.iter().map(|w| (w - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt();
    assert!(
        se < 0.08 * exact,
        "standard error {se}, mean wait {mean}, exact {exact}"
    );
    assert!(
        (mean - exact).abs() <= 4.0 * se,
        "mean wait {mean} ± {se}, Erlang C {exact}"
    );
}
