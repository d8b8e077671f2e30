//! Invariants of the whole pathway on the full example roadmap: every referral accounted for,
//! Little's law in every ward and service, common random numbers, determinism, and a census
//! start drawing residual stays conditionally on the days already spent, and the whole horizon
//! adding up its financial years.

use carepath_engine::scenario::{Census, Distribution, Occupant, Scenario};
use carepath_engine::{compare, examples, run, Metric, Period};
use statrs::distribution::{ContinuousCDF, Normal};

#[test]
fn every_referral_is_accounted_for() {
    let model = examples::roadmap(10).validate().unwrap();
    for rep in 0..10 {
        let r = model.run_replication(rep).unwrap();
        let l = r.ledger;
        assert_eq!(
            l.initial + l.referrals,
            l.declined + l.avoided + l.discharged + l.in_system,
            "replication {rep}: {l:?}"
        );
        // Every outcome occurs, so a lost or double-counted path would show.
        assert!(
            l.declined > 0 && l.avoided > 0 && l.discharged > 0 && l.in_system > 0,
            "{l:?}"
        );
    }
}

#[test]
fn littles_law_holds_in_every_ward_and_service() {
    // A long horizon makes the boundary terms (patients in a pool at its ends) negligible.
    let mut s = examples::roadmap(1);
    s.simulation.years = 100.0;
    let model = s.validate().unwrap();
    let r = model.run_replication(0).unwrap();
    let days = model.days() as f64;
    let mut checked = 0;
    // The independent wards close early in the roadmap and see too few patients to test.
    for (i, f) in r.flows.iter().enumerate().filter(|(_, f)| f.exits > 100) {
        checked += 1;
        let l = f.occupied_days / days;
        let lambda = f.exits as f64 / days;
        let w = f.sojourn_days / f.exits as f64;
        assert!(
            (l - lambda * w).abs() <= 0.02 * l,
            "pool {i}: L = {l}, λW = {}",
            lambda * w
        );
        assert!(
            f.entries.abs_diff(f.exits) as f64 <= 0.01 * f.exits as f64 + 30.0,
            "pool {i}: {f:?}"
        );
    }
    assert!(
        checked >= 6,
        "only {checked} of {} pools checked",
        r.flows.len()
    );
}

#[test]
fn same_seed_same_results_whatever_the_order() {
    let model = examples::roadmap(6).validate().unwrap();
    let forward = run(&model, 0..6).unwrap();
    let mut agg = carepath_engine::Aggregator::new(&model);
    for rep in (0..6).rev() {
        agg.push(model.run_replication(rep).unwrap());
    }
    let backward = agg.finish();
    assert!(serde_json::to_string(&forward).unwrap() == serde_json::to_string(&backward).unwrap());
    // Debug output also covers the per-replication values (and NaN equals NaN there).
    assert!(format!("{forward:?}") == format!("{backward:?}"));
    let other = {
        let mut s = examples::roadmap(6);
        s.simulation.seed += 1;
        run(&s.validate().unwrap(), 0..6).unwrap()
    };
    let referrals = |s: &carepath_engine::Summary| {
        s.kpi(Metric::Referrals, "", Period::Overall)
            .unwrap()
            .values
            .to_vec()
    };
    assert_ne!(referrals(&forward), referrals(&other));
}

#[test]
fn partial_aggregates_merge_to_the_same_results_in_any_grouping() {
    let model = examples::roadmap(7).validate().unwrap();
    let whole = format!("{:?}", run(&model, 0..7).unwrap());
    let part = |reps: &[u32]| {
        let mut agg = carepath_engine::Aggregator::new(&model);
        for &r in reps {
            agg.push(model.run_replication(r).unwrap());
        }
        agg
    };
    // ((3, 0) + (6, 1)) + (5, 2, 4), and the same parts merged the other way round.
    let mut a = part(&[3, 0]);
    a.merge(part(&[6, 1])).unwrap();
    a.merge(part(&[5, 2, 4])).unwrap();
    assert!(format!("{:?}", a.finish()) == whole);
    let mut b = part(&[5, 2, 4]);
    let mut c = part(&[6, 1]);
    c.merge(part(&[3, 0])).unwrap();
    b.merge(c).unwrap();
    assert!(format!("{:?}", b.finish()) == whole);
    // Through plain data, as between processes.
    let state = part(&[0, 1, 2, 3]).into_state();
    let mut d = carepath_engine::Aggregator::from_state(&model, state).unwrap();
    d.merge(part(&[4, 5, 6])).unwrap();
    assert!(format!("{:?}", d.finish()) == whole);
    // A replication in both parts is refused, and nothing is merged.
    let mut e = part(&[0, 1]);
    assert_eq!(e.merge(part(&[1, 2])), Err(1));
    assert_eq!(e.indices().collect::<Vec<_>>(), vec![0, 1]);
}

#[test]
fn a_capacity_change_leaves_referrals_identical_and_paired_ci_narrower() {
    let base = {
        let mut s = examples::roadmap(30);
        s.groups.get_mut("gau").unwrap().readmission = None; // readmissions depend on discharges
        s
    };
    let mut more = base.clone();
    more.wards.get_mut("gau").unwrap().beds += 6;
    let (a, b) = (
        run(&base.validate().unwrap(), 0..30).unwrap(),
        run(&more.validate().unwrap(), 0..30).unwrap(),
    );
    for group in ["gau", "picu", "ed", "ld_autism"] {
        let (x, y) = (
            a.kpi(Metric::Referrals, group, Period::Overall),
            b.kpi(Metric::Referrals, group, Period::Overall),
        );
        assert_eq!(x.unwrap().values, y.unwrap().values, "referrals of {group}");
    }
    assert_eq!(
        a.kpi(Metric::Declined, "", Period::Overall).unwrap().values,
        b.kpi(Metric::Declined, "", Period::Overall).unwrap().values
    );
    let diffs = compare(&a, &b);
    let oap = diffs
        .iter()
        .find(|d| d.key.metric == Metric::OapBedDays && d.key.period == Period::Overall)
        .unwrap();
    assert!(
        oap.ci_high < 0.0,
        "six more beds must cut out-of-area bed-days: {oap:?}"
    );
    let half = (oap.ci_high - oap.ci_low) / 2.0;
    assert!(
        half < 0.7 * oap.unpaired_half_width,
        "paired {half} vs unpaired {}",
        oap.unpaired_half_width
    );
}

/// One ward full of census patients who have all been in bed `elapsed` days, and (almost) no
/// new referrals.
fn census_scenario(elapsed: f64, n: u32) -> Scenario {
    let mut s = examples::erlang_loss(1e-6, 40.0, n, 1);
    let los = Distribution::Lognormal {
        median: Some(40.0),
        sigma: Some(0.8),
        mean: None,
        sd: None,
    };
    s.groups.get_mut("all").unwrap().los_days = los;
    s.census = Some(Census {
        occupants: vec![Occupant {
            ward: "ward".into(),
            group: "all".into(),
            days_in_bed: elapsed,
            count: n,
        }],
        ..Census::default()
    });
    s
}

#[test]
fn census_stays_are_drawn_given_the_days_already_spent() {
    let (elapsed, n) = (50.0, 4000);
    let model = census_scenario(elapsed, n).validate().unwrap();
    let summary = run(&model, 0..1).unwrap();
    // E[X | X > a] for a lognormal: e^{μ+σ²/2} Φ(σ − z) / (1 − Φ(z)), z = (ln a − μ)/σ.
    let (mu, sigma) = (40f64.ln(), 0.8);
    let phi = Normal::standard();
    let z = (elapsed.ln() - mu) / sigma;
    let exact = (mu + sigma * sigma / 2.0).exp() * phi.cdf(sigma - z) / (1.0 - phi.cdf(z));
    let los = summary
        .kpi(Metric::LosMean, "all", Period::Overall)
        .unwrap()
        .estimate
        .mean;
    // The conditional sd is about 60 days: the standard error of the mean of 4000 stays is ~1.
    assert!((los - exact).abs() < 4.0, "mean stay {los}, exact {exact}");
    assert!(
        los > elapsed + 20.0,
        "an unconditional draw would give a mean near 55"
    );
    assert_eq!(
        summary
            .kpi(Metric::Admissions, "", Period::Overall)
            .unwrap()
            .estimate
            .mean,
        0.0
    );
}

#[test]
fn closing_a_ward_evicts_nobody() {
    let mut s = examples::erlang_loss(0.5, 60.0, 30, 10);
    s.roadmap
        .push(toml::from_str("date = \"2025-04-01\"\nward = \"ward\"\ncapacity = 0").unwrap());
    let model = s.validate().unwrap();
    let summary = run(&model, 0..10).unwrap();
    let ward = &summary.daily[0];
    let day = summary
        .dates
        .iter()
        .position(|d| d.to_string() == "2025-04-01")
        .unwrap();
    assert_eq!(ward.capacity[day], 0);
    // The patients in bed when it closes stay until their discharge…
    assert!(
        ward.mean[day] > 20.0,
        "occupancy fell to {} at once",
        ward.mean[day]
    );
    assert!(ward.mean[day + 30] < ward.mean[day] && ward.mean[day + 30] > 5.0);
    // …but nobody new is admitted.
    let fy = Period::FinancialYear(carepath_engine::FinancialYear(2026));
    assert_eq!(
        summary
            .kpi(Metric::Admissions, "", fy)
            .unwrap()
            .estimate
            .mean,
        0.0
    );
    assert_eq!(ward.mean[ward.mean.len() - 1], 0.0);
}

/// Counts, bed-days and costs over the whole horizon are the sums of their financial years,
/// in every replication.
#[test]
fn the_whole_horizon_adds_up_its_financial_years() {
    let model = examples::roadmap(3).validate().unwrap();
    let summary = run(&model, 0..3).unwrap();
    let additive = |k: &carepath_engine::Kpi| {
        !matches!(k.key.metric, Metric::Budget | Metric::BudgetVariance)
            && matches!(k.unit, "count" | "bed-days" | "£")
    };
    let mut checked = 0;
    for overall in summary
        .kpis
        .iter()
        .filter(|k| k.key.period == Period::Overall && additive(k))
    {
        let years: Vec<_> = summary
            .kpis
            .iter()
            .filter(|k| {
                k.key.metric == overall.key.metric
                    && k.key.subject == overall.key.subject
                    && k.key.period != Period::Overall
            })
            .collect();
        assert!(years.len() >= 2, "{:?}", overall.key);
        let years: Vec<Vec<f64>> = years.iter().map(|k| k.values.to_vec()).collect();
        for (rep, total) in overall.values.iter().enumerate() {
            let sum: f64 = years.iter().map(|y| y[rep]).sum();
            assert!(
                (total - sum).abs() <= 1e-9 * sum.abs().max(1.0),
                "{:?} replication {rep}: overall {total}, years add up to {sum}",
                overall.key
            );
            checked += (total > 0.0) as usize;
        }
    }
    assert!(checked > 100, "only {checked} non-zero values checked");
}
