//! Every part of the pathway at once: localities, waiting places, a group with its own growth,
//! a PICU stepping down to the general ward, contracted out-of-area beds before the national
//! pool, and home treatment that is understaffed and closed in some weeks. The parts share
//! the same young people, so their tallies must still add up: per locality to the pathway,
//! bed-days to the wards and out of area, and every young person to the ledger.

use carepath_engine::{run, Metric, Period, Scenario, Summary};

/// The demand-side footprint of `tests/demand.rs`, with the bed and capacity sides added.
const BASE: &str = include_str!("support/footprint.toml");

const ADDED: &str = r#"
[wards.picu.transfer]
to = "gau"
probability = 0.6
los_days = { dist = "exponential", mean = 15 }
max_wait_days = 10
after_wait = "stay"

[wards.neighbour]
beds = 3
accepts = ["general", "picu"]
funding = "spot"
cost_per_bed_day_gbp = 850
out_of_area = { tier = 1, distance_miles = { dist = "fixed", value = 40 } }

[[disruption]]
service = "home"
closed_share = 0.2
"#;

fn together() -> Scenario {
    let mut text = BASE.to_string();
    text.push_str(ADDED);
    let mut s: Scenario = toml::from_str(&text).unwrap();
    s.groups.get_mut("picu").unwrap().annual_growth = Some(0.05);
    let home = s.services.get_mut("home").unwrap();
    home.places = Some(12);
    home.staff_wte = Some(10.0);
    home.wte_per_place = Some(1.0);
    s
}

fn values(s: &Summary, metric: Metric, subject: &str) -> Vec<f64> {
    s.kpi(metric, subject, Period::Overall)
        .unwrap_or_else(|| panic!("no {metric:?} for `{subject}`"))
        .values
        .to_vec()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Localities add up to the pathway, and their bed-days to the local wards plus every tier
/// out of area, replication by replication, with transfers moving young people between wards
/// and contracted beds counted as out of area.
#[test]
fn the_parts_add_up_together() {
    let model = together().validate().unwrap();
    let s = run(&model, 0..model.replications()).unwrap();
    let days = s.periods[0].days as f64;
    for metric in [
        Metric::Referrals,
        Metric::Admissions,
        Metric::OapPlacements,
        Metric::OapBedDays,
        Metric::BedWaits,
    ] {
        let all = values(&s, metric, "");
        let (n, so) = (values(&s, metric, "north"), values(&s, metric, "south"));
        for r in 0..all.len() {
            assert!(close(n[r] + so[r], all[r]), "{metric:?} rep {r}");
        }
    }
    // Each part is used, or the sums above would prove little.
    for (metric, subject) in [
        (Metric::Transfers, "picu"),
        (Metric::OapPlacements, "neighbour"),
        (Metric::OapPlacements, "out_of_area"),
        (Metric::DaysClosed, "home"),
    ] {
        let v = values(&s, metric, subject);
        assert!(
            v.iter().sum::<f64>() > 0.0,
            "{metric:?} of {subject} never happens"
        );
    }
    // New stays per 100,000: transfers and repatriations continue a stay, in a locality's
    // rate as in the pathway's total.
    let years = days / 365.25;
    let total = values(&s, Metric::TotalAdmissions, "");
    let (n, so) = (
        values(&s, Metric::AdmissionsPer100k, "north"),
        values(&s, Metric::AdmissionsPer100k, "south"),
    );
    for r in 0..total.len() {
        let count = (n[r] * 100_000.0 + so[r] * 300_000.0) / 1e5 * years;
        assert!(
            close(count, total[r]),
            "rep {r}: {count} against {}",
            total[r]
        );
    }
    // Contracted out-of-area beds are costed as out of area, not as local spot beds.
    let oap_cost = values(&s, Metric::OapCost, "");
    let category = values(&s, Metric::Cost, "out_of_area");
    for r in 0..oap_cost.len() {
        assert!(close(oap_cost[r], category[r]), "rep {r}");
    }
    let tiers = values(&s, Metric::OapBedDays, "neighbour");
    let national = values(&s, Metric::OapBedDays, "out_of_area");
    let oap = values(&s, Metric::OapBedDays, "");
    let (n, so) = (
        values(&s, Metric::BedDays, "north"),
        values(&s, Metric::BedDays, "south"),
    );
    for r in 0..oap.len() {
        assert!(close(tiers[r] + national[r], oap[r]), "rep {r}");
        let local: f64 = ["gau", "picu"]
            .iter()
            .map(|w| values(&s, Metric::MeanOccupied, w)[r] * days)
            .sum();
        assert!(close(n[r] + so[r], local + oap[r]), "rep {r}");
    }
}

/// Every young person is accounted for, and Little's law holds in every pool.
#[test]
fn young_people_are_conserved_together() {
    let mut sc = together();
    sc.simulation.years = 20.0;
    let model = sc.validate().unwrap();
    for rep in 0..3 {
        let r = model.run_replication(rep).unwrap();
        let l = r.ledger;
        assert_eq!(
            l.initial + l.referrals,
            l.declined + l.avoided + l.discharged + l.in_system,
            "{l:?}"
        );
        let days = model.days() as f64;
        for (i, f) in r.flows.iter().enumerate() {
            assert!(f.exits > 30, "pool {i}: {f:?}");
            let (big_l, lambda, w) = (
                f.occupied_days / days,
                f.exits as f64 / days,
                f.sojourn_days / f.exits as f64,
            );
            assert!(
                (big_l - lambda * w).abs() <= 0.03 * big_l,
                "pool {i}, rep {rep}"
            );
        }
    }
}
