//! Tiered out-of-area overflow: contracted beds in a neighbouring unit take the overflow of
//! the local beds before the national pool, as a two-stage Erlang loss system does; patients
//! are conserved and Little's law holds in the tier; a tier with no beds changes nothing.

use carepath_engine::scenario::{
    ContractedBeds, Distribution, Funding, RoadmapChange, Scenario, Ward,
};
use carepath_engine::{examples, run, FinancialYear, Metric, Period, Summary};

use crate::support;

/// Erlang B blocking probability for offered load `a` on `c` servers.
fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Contracted out-of-area beds for every group of `s`, at `distance` miles.
fn tier(s: &Scenario, beds: u32, tier: u32, distance: f64) -> Ward {
    Ward {
        label: String::new(),
        beds,
        accepts: s.groups.keys().cloned().collect(),
        funding: Funding::Spot,
        cost_per_bed_day_gbp: 850.0,
        los_days: Default::default(),
        out_of_area: Some(ContractedBeds {
            tier,
            distance_miles: Distribution::Fixed { value: distance },
        }),
        transfer: None,
        staff_wte: None,
        wte_per_bed: None,
        vacancy: None,
    }
}

fn summary(s: &Scenario) -> Summary {
    let model = s.validate().unwrap();
    run(&model, 0..model.replications()).unwrap()
}

fn values(s: &Summary, metric: Metric, subject: &str) -> Vec<f64> {
    s.kpi(metric, subject, Period::Overall)
        .unwrap_or_else(|| panic!("{} {subject}", metric.name()))
        .values
        .to_vec()
}

/// Mean and standard error of the per-replication ratios `a / b`.
fn ratio_mean_se(a: &[f64], b: &[f64]) -> (f64, f64) {
    let r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
    let n = r.len() as f64;
    let mean = r.iter().sum::<f64>() / n;
    let var = r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

fn assert_matches(what: &str, (mean, se): (f64, f64), exact: f64, max_se: f64) {
    assert!(se <= max_se, "{what}: standard error {se} > {max_se}");
    assert!(
        (mean - exact).abs() <= 4.0 * se,
        "{what}: {mean} ± {se}, exact {exact}"
    );
}

/// Local beds and contracted beds with the same exponential stays, both loss systems: the
/// busy beds of both together are an M/M/c/c queue with c = local + contracted, so the
/// national pool takes B(a, c₁ + c₂) of the referrals, the tier B(a, c₁) − B(a, c₁ + c₂),
/// and the tier's mean occupancy is a times that.
#[test]
fn the_first_tier_carries_the_overflow_of_a_two_stage_erlang_loss_system() {
    let (rate, los, local, contracted) = (1.0, 8.0, 6, 4);
    let mut s = examples::erlang_loss(rate, los, local, 20);
    let next = tier(&s, contracted, 1, 60.0);
    s.wards.insert("next_best".into(), next);
    // A second tier that is never reached while the first has room, and a national pool.
    let far = tier(&s, 0, 2, 150.0);
    s.wards.insert("a_far_unit".into(), far);
    let summary = summary(&s);
    let a = rate * los;
    let (b1, b12) = (erlang_b(a, local), erlang_b(a, local + contracted));
    let referrals = values(&summary, Metric::Referrals, "");
    let national = values(&summary, Metric::OapPlacements, "out_of_area");
    let tier1 = values(&summary, Metric::OapPlacements, "next_best");
    let all = values(&summary, Metric::OapPlacements, "");
    assert_matches(
        "national share",
        ratio_mean_se(&national, &referrals),
        b12,
        0.003,
    );
    assert_matches(
        "tier share",
        ratio_mean_se(&tier1, &referrals),
        b1 - b12,
        0.003,
    );
    let days = vec![summary.days as f64; referrals.len()];
    let occupied = values(&summary, Metric::OapBedDays, "next_best");
    assert_matches(
        "tier occupancy",
        ratio_mean_se(&occupied, &days),
        a * (b1 - b12),
        0.03,
    );
    // Every tier counts in the out-of-area totals; the local beds admit no one else.
    for (r, ((x, y), z)) in all.iter().zip(&national).zip(&tier1).enumerate() {
        assert_eq!(*x, y + z, "replication {r}");
    }
    let nobody = values(&summary, Metric::OapPlacements, "a_far_unit");
    assert!(nobody.iter().all(|&v| v == 0.0));
    let distance = values(&summary, Metric::OapMeanDistance, "next_best");
    assert!(distance.iter().all(|&d| d == 60.0), "{distance:?}");
    assert!(summary
        .kpi(Metric::Admissions, "next_best", Period::Overall)
        .is_none());
}

#[test]
fn tiers_conserve_patients_and_keep_littles_law_with_repatriation() {
    let mut s = examples::roadmap(1);
    let next = tier(&s, 6, 1, 60.0);
    s.wards.insert("next_best".into(), next);
    s.simulation.years = 100.0;
    let model = s.validate().unwrap();
    let r = model.run_replication(0).unwrap();
    let l = r.ledger;
    assert_eq!(
        l.initial + l.referrals,
        l.declined + l.avoided + l.discharged + l.in_system,
        "{l:?}"
    );
    let kpi = |metric: Metric, subject: &str| {
        let i = model.kpi_keys().iter().position(|k| {
            k.metric == metric && k.subject == *subject && k.period == Period::Overall
        });
        r.values[i.unwrap_or_else(|| panic!("{} {subject}", metric.name()))]
    };
    // The tier fills and empties (placements in, repatriations and discharges out).
    assert!(kpi(Metric::OapPlacements, "next_best") > 300.0);
    assert!(kpi(Metric::Repatriations, "") > 100.0);
    assert!(support::littles_law_holds(&r, model.days() as f64) >= 7);
}

#[test]
fn a_tier_with_no_beds_changes_nothing() {
    let base = examples::roadmap(3);
    let mut s = base.clone();
    let empty = tier(&s, 0, 1, 60.0);
    s.wards.insert("next_best".into(), empty);
    let (base, with) = (base.validate().unwrap(), s.validate().unwrap());
    for rep in 0..3 {
        let (a, b) = (
            base.run_replication(rep).unwrap(),
            with.run_replication(rep).unwrap(),
        );
        for (key, v) in base.kpi_keys().iter().zip(&a.values) {
            let i = with.kpi_keys().iter().position(|k| k == key).unwrap();
            assert_eq!(b.values[i].to_bits(), v.to_bits(), "{key:?}");
        }
        assert_eq!((a.ledger, a.events), (b.ledger, b.events));
    }
}

/// The roadmap opens a tier's beds like any ward's: none are used before the date.
#[test]
fn the_roadmap_opens_a_tiers_beds() {
    let mut s = examples::erlang_loss(1.0, 8.0, 6, 2);
    let closed = tier(&s, 0, 1, 60.0);
    s.wards.insert("next_best".into(), closed);
    s.roadmap.push(RoadmapChange {
        id: None,
        date: chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap(),
        note: String::new(),
        ward: Some("next_best".into()),
        service: None,
        capacity: Some(4),
        ramp_days: None,
        referrals_per_year: None,
        annual_growth: None,
        group_shares: None,
        staff_wte: None,
    });
    let summary = summary(&s);
    let year = |y: i32| {
        let k = summary.kpi(
            Metric::OapPlacements,
            "next_best",
            Period::FinancialYear(FinancialYear(y)),
        );
        k.unwrap().estimate.mean
    };
    assert_eq!(year(2024), 0.0);
    // About B(8, 6) − B(8, 10) ≈ 0.24 of 365 referrals once open.
    assert!(year(2025) > 50.0, "{}", year(2025));
}
