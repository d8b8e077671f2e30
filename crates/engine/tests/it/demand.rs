//! The demand side: localities, groups growing at their own rate, and where young people wait
//! for a bed. Each rule is checked exactly (tallies that must add up) or against the
//! distribution it draws from, and the pathway still conserves young people.

use carepath_engine::{run, Metric, Period, Scenario, Summary};

/// Two groups, two wards, home treatment that serves the north only, two localities (shares
/// from their populations), two waiting places, and beds tight enough that people wait.
const FOOTPRINT: &str = include_str!("support/footprint.toml");

fn scenario(text: &str) -> Scenario {
    toml::from_str(text).unwrap()
}

fn summary(s: &Scenario) -> Summary {
    let model = s.validate().unwrap();
    run(&model, 0..model.replications()).unwrap()
}

fn values(s: &Summary, metric: Metric, subject: &str) -> Vec<f64> {
    s.kpi(metric, subject, Period::Overall)
        .unwrap_or_else(|| panic!("no {metric:?} for `{subject}`"))
        .values
        .to_vec()
}

fn total(v: &[f64]) -> f64 {
    v.iter().sum()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Every tally of a locality adds up over the localities to the pathway's, replication by
/// replication; the shares follow the populations (1 : 3); distances are the locality's own.
#[test]
fn localities_add_up_to_the_pathway_and_draw_by_population() {
    let s = summary(&scenario(FOOTPRINT));
    let days = s.periods[0].days as f64;
    for (metric, pathway) in [
        (Metric::Referrals, ""),
        (Metric::Admissions, ""),
        (Metric::OapPlacements, ""),
        (Metric::OapBedDays, ""),
        (Metric::BedWaits, ""),
        (Metric::BedWaitsOverTarget, ""),
    ] {
        let all = values(&s, metric, pathway);
        let (n, so) = (values(&s, metric, "north"), values(&s, metric, "south"));
        for r in 0..all.len() {
            assert!(close(n[r] + so[r], all[r]), "{metric:?} rep {r}");
        }
        assert!(total(&all) > 0.0, "{metric:?} never happens");
    }
    // Bed-days: every young person is in a local ward or out of area.
    let wards: Vec<f64> = (0..s.replications as usize)
        .map(|r| {
            ["gau", "picu"]
                .iter()
                .map(|w| values(&s, Metric::MeanOccupied, w)[r] * days)
                .sum::<f64>()
                + values(&s, Metric::OapBedDays, "")[r]
        })
        .collect();
    let (n, so) = (
        values(&s, Metric::BedDays, "north"),
        values(&s, Metric::BedDays, "south"),
    );
    for r in 0..wards.len() {
        assert!((n[r] + so[r] - wards[r]).abs() < 1e-6 * wards[r], "rep {r}");
    }
    // New referrals (no readmissions here) come from the north with probability 1/4.
    let (north, all) = (
        total(&values(&s, Metric::Referrals, "north")),
        total(&values(&s, Metric::Referrals, "")),
    );
    let sd = (all * 0.25 * 0.75).sqrt();
    assert!((north - 0.25 * all).abs() < 4.0 * sd, "{north} of {all}");
    // Per 100,000: the count over the population and the years.
    let years = days / 365.25;
    let per_100k = values(&s, Metric::ReferralsPer100k, "south");
    let count = values(&s, Metric::Referrals, "south");
    assert!(close(per_100k[0], count[0] / 300_000.0 * 1e5 / years));
    // The north's own out-of-area distance replaces the groups'; every ward is 25 miles away.
    assert!(values(&s, Metric::OapMeanDistance, "north")
        .iter()
        .all(|&d| d == 150.0));
    assert!(values(&s, Metric::LocalAdmissionDistance, "north")
        .iter()
        .all(|&d| close(d, 25.0)));
    let south = values(&s, Metric::OapMeanDistance, "south");
    assert!(
        south.iter().all(|&d| (60.0..=120.0).contains(&d)),
        "{south:?}"
    );
}

/// Home treatment serves the north only: every northern general referral starts an episode
/// (eligibility 1, places to spare, no escalation), and no southern one ever does.
#[test]
fn a_service_takes_only_the_localities_it_serves() {
    let s = summary(&scenario(FOOTPRINT));
    let diverted = values(&s, Metric::Diverted, "home");
    let north_admitted = values(&s, Metric::Admissions, "north");
    let south = values(&s, Metric::Referrals, "south");
    let south_general = total(&south) * 0.8;
    for r in 0..diverted.len() {
        // Northern admissions are PICU only: about a fifth of northern referrals.
        assert!(north_admitted[r] < diverted[r] / 2.0, "rep {r}");
    }
    // Diverted ≈ 80 % of northern referrals, none of the south's 80 %.
    let north = total(&values(&s, Metric::Referrals, "north"));
    let expected = 0.8 * north;
    assert!(
        (total(&diverted) - expected).abs() < 4.0 * (north * 0.16).sqrt(),
        "{} vs {expected} (south general {south_general})",
        total(&diverted)
    );
}

/// Waits begun and days waited in the places add up to all bed waits and all days waited;
/// the general group's waits split 55 : 45 as its `waits_in` says; the paediatric days are
/// costed in a category of their own, which the total includes.
#[test]
fn waiting_places_add_up_and_follow_their_shares() {
    let s = summary(&scenario(FOOTPRINT));
    let days = s.periods[0].days as f64;
    let waits = values(&s, Metric::BedWaits, "");
    let waiting = values(&s, Metric::MeanWaiting, "");
    let (pw, hw) = (
        values(&s, Metric::PlaceWaits, "paediatric"),
        values(&s, Metric::PlaceWaits, "at_home"),
    );
    let (pd, hd) = (
        values(&s, Metric::PlaceWaitDays, "paediatric"),
        values(&s, Metric::PlaceWaitDays, "at_home"),
    );
    let cost = values(&s, Metric::Cost, "waiting_places");
    for r in 0..waits.len() {
        assert_eq!(pw[r] + hw[r], waits[r], "rep {r}");
        assert!(
            (pd[r] + hd[r] - waiting[r] * days).abs() < 1e-6 * (waiting[r] * days).max(1.0),
            "rep {r}: {} + {} vs {}",
            pd[r],
            hd[r],
            waiting[r] * days
        );
        assert!(close(cost[r], pd[r] * 600.0), "rep {r}");
    }
    assert!(total(&hd) > 100.0 && total(&pd) > 100.0);
    // Home holds general waits only: 45 % of them. General waits are the waits less PICU's,
    // which all wait in the paediatric ward; PICU waits ≈ those of the picu ward's requests.
    let home = total(&hw);
    let general = home / 0.45;
    let sd = (general * 0.45 * 0.55).sqrt();
    assert!(general < total(&waits));
    let picu_waits = total(&waits) - general;
    assert!(picu_waits > 0.0);
    assert!(
        (total(&pw) - picu_waits - 0.55 * general).abs() < 4.0 * sd,
        "paediatric {} home {home}",
        total(&pw)
    );
    // The total spend includes the waiting places.
    // (Categories without a service in them are not reported.)
    let parts: f64 = carepath_engine::COST_CATEGORIES
        .iter()
        .filter_map(|c| s.kpi(Metric::Cost, c, Period::Overall))
        .map(|k| k.values.to_vec()[0])
        .sum();
    assert!(s
        .kpi(Metric::Cost, "waiting_places", Period::Overall)
        .is_some());
    assert!(close(parts, values(&s, Metric::Cost, "")[0]));
}

/// Young people are conserved and Little's law holds in every pool with localities, waiting
/// places and a group growing at its own rate.
#[test]
fn the_pathway_still_conserves_young_people() {
    let mut sc = scenario(FOOTPRINT);
    sc.groups.get_mut("picu").unwrap().annual_growth = Some(0.1);
    sc.simulation.years = 30.0;
    let model = sc.validate().unwrap();
    let r = model.run_replication(0).unwrap();
    let l = r.ledger;
    assert_eq!(
        l.initial + l.referrals,
        l.declined + l.avoided + l.discharged + l.in_system,
        "{l:?}"
    );
    let days = model.days() as f64;
    for (i, f) in r.flows.iter().enumerate() {
        assert!(f.exits > 100, "pool {i}: {f:?}");
        let (big_l, lambda, w) = (
            f.occupied_days / days,
            f.exits as f64 / days,
            f.sojourn_days / f.exits as f64,
        );
        assert!((big_l - lambda * w).abs() <= 0.02 * big_l, "pool {i}");
    }
}

/// Eating disorders grow 7 % a year on a flat footprint; the roadmap sets a new total in year
/// 4 and new shares in year 6. The rate's integral has the documented meaning (closed forms
/// below), and each group's count over many replications is Poisson with that mean.
#[test]
fn a_group_with_its_own_growth_gets_the_integral_of_its_rate() {
    let text = r#"
[simulation]
start_date = "2020-04-01"
years = 8
warmup_days = 0
replications = 40
seed = 3

[demand]
referrals_per_year = 400
annual_growth = 0.02

[groups.general]
share = 0.8
los_days = { dist = "fixed", value = 1 }
out_of_area = { cost_per_day_gbp = 900, distance_miles = { dist = "fixed", value = 60 } }

[groups.eating_disorder]
share = 0.2
annual_growth = 0.07
los_days = { dist = "fixed", value = 1 }
out_of_area = { cost_per_day_gbp = 900, distance_miles = { dist = "fixed", value = 60 } }

[wards.gau]
beds = 50
accepts = ["general", "eating_disorder"]
funding = "block"
cost_per_bed_day_gbp = 700

[[roadmap]]
date = "2024-04-01"
referrals_per_year = 500

[[roadmap]]
date = "2026-04-01"
group_shares = { general = 0.5, eating_disorder = 0.5 }
"#;
    let sc = scenario(text);
    let model = sc.validate().unwrap();
    let d = |y: i32| chrono::NaiveDate::from_ymd_opt(y, 4, 1).unwrap();
    let years = |a: i32, b: i32| (d(b) - d(a)).num_days() as f64 / 365.25;
    let grow = |k: f64, t: f64| ((1.0 + k).powf(t) - 1.0) / (1.0 + k).ln();
    let ed = |a, b| {
        model
            .expected_group_referrals("eating_disorder", d(a), d(b))
            .unwrap()
    };
    let gen = |a, b| {
        model
            .expected_group_referrals("general", d(a), d(b))
            .unwrap()
    };
    let y4 = years(2020, 2024);
    // Until the change: each group from its share of 400, at its own growth.
    assert!(close(ed(2020, 2024), 80.0 * grow(0.07, y4)));
    assert!(close(gen(2020, 2024), 320.0 * grow(0.02, y4)));
    // From 2024: 500 a year split 80 : 20, each growing at its own rate.
    let (ed_26, gen_26) = (
        100.0 * 1.07f64.powf(years(2024, 2026)),
        400.0 * 1.02f64.powf(years(2024, 2026)),
    );
    assert!(close(ed(2024, 2026), 100.0 * grow(0.07, years(2024, 2026))));
    assert!(close(
        gen(2024, 2026),
        400.0 * grow(0.02, years(2024, 2026))
    ));
    // From 2026: the total reached, split half and half.
    let half = (ed_26 + gen_26) / 2.0;
    assert!(close(ed(2026, 2028), half * grow(0.07, years(2026, 2028))));
    assert!(close(gen(2026, 2028), half * grow(0.02, years(2026, 2028))));

    let s = run(&model, 0..40).unwrap();
    for (group, mean) in [
        ("eating_disorder", ed(2020, 2028)),
        ("general", gen(2020, 2028)),
    ] {
        let count = total(&values(&s, Metric::Referrals, group));
        let expected = 40.0 * mean;
        assert!(
            (count - expected).abs() < 4.0 * expected.sqrt(),
            "{group}: {count} vs {expected}"
        );
    }
    // Per financial year too: the eating-disorder count of 2027/28 against its integral.
    let fy = carepath_engine::FinancialYear(2027);
    let last = s
        .kpi(
            Metric::Referrals,
            "eating_disorder",
            Period::FinancialYear(fy),
        )
        .unwrap();
    let expected = 40.0 * ed(2027, 2028);
    let count = total(&last.values.to_vec());
    assert!(
        (count - expected).abs() < 4.0 * expected.sqrt(),
        "{count} vs {expected}"
    );
}

/// Erlang B blocking probability for offered load `a` on `c` servers.
fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// An access decision that takes an exponential time: the decisions of a Poisson stream of
/// referrals are again Poisson (an M/M/∞ stage), so the loss system behind it still blocks as
/// Erlang B; the days from referral to decision have the distribution's mean; everyone still
/// deciding at the end is in the system.
#[test]
fn gatekeeping_delays_the_decision_and_keeps_erlang_b() {
    let mut sc = carepath_engine::examples::erlang_loss(0.5, 20.0, 12, 60);
    sc.groups.get_mut("all").unwrap().gatekeeping_days =
        Some(carepath_engine::scenario::Distribution::exponential(4.0));
    let model = sc.validate().unwrap();
    let s = run(&model, 0..60).unwrap();
    let mean_se = |v: &[f64]| {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    };
    let (days, se) = mean_se(&values(&s, Metric::DecisionMean, ""));
    assert!(se < 0.05 && (days - 4.0).abs() < 4.0 * se, "{days} ± {se}");
    assert_eq!(
        values(&s, Metric::DecisionMean, "all"),
        values(&s, Metric::DecisionMean, "")
    );
    // p90 of Exp(mean 4) = 4 ln 10 ≈ 9.21, within the histogram's 2 % bins.
    let (p90, _) = mean_se(&values(&s, Metric::DecisionP90, ""));
    assert!((p90 / (4.0 * 10f64.ln()) - 1.0).abs() < 0.03, "{p90}");
    let blocked: Vec<f64> = values(&s, Metric::OapPlacements, "")
        .iter()
        .zip(values(&s, Metric::TotalAdmissions, ""))
        .map(|(o, a)| o / a)
        .collect();
    let (b, se) = mean_se(&blocked);
    let exact = erlang_b(10.0, 12);
    assert!(
        se < 0.005 && (b - exact).abs() < 4.0 * se,
        "{b} ± {se} vs {exact}"
    );
    // The decision is made when the delay ends: in the log, each referral's next step comes
    // that long after it.
    let (_, log) = model.trace_replication(0).unwrap();
    let mut referred = std::collections::HashMap::new();
    let mut gaps = Vec::new();
    for e in &log {
        if e.activity == carepath_engine::trace::Activity::Referral {
            referred.insert(e.case, e.time);
        } else if let Some(at) = referred.remove(&e.case) {
            gaps.push(e.time - at);
        }
    }
    let (gap, se) = mean_se(&gaps);
    assert!(
        gaps.len() > 1000 && (gap - 4.0).abs() < 4.0 * se,
        "{gap} ± {se}"
    );
    for rep in 0..5 {
        let l = model.run_replication(rep).unwrap().ledger;
        assert_eq!(
            l.initial + l.referrals,
            l.declined + l.avoided + l.discharged + l.in_system,
            "{l:?}"
        );
    }
}

/// README: a group without `gatekeeping_days` decides at once, and counts as 0 days. With 60 %
/// of referrals gatekept for Exp(mean 5) days and 40 % decided at once, the pathway's mean is
/// 0.6 × 5 = 3 days and its p90 solves 0.4 + 0.6 (1 − e^(−x/5)) = 0.9: x = 5 ln 6 ≈ 8.96 days;
/// the gatekept group's p90 is 5 ln 10 ≈ 11.5, the other group's mean 0 and its p90 under
/// the histogram's first bin. (Counting only gatekept decisions, the pathway's mean was 5.)
#[test]
fn decision_times_cover_every_group_and_each_has_its_p90() {
    let mut sc = carepath_engine::examples::erlang_loss(0.5, 20.0, 12, 40);
    let mut quick = sc.groups["all"].clone();
    quick.share = 0.4;
    let gated = sc.groups.get_mut("all").unwrap();
    gated.share = 0.6;
    gated.gatekeeping_days = Some(carepath_engine::scenario::Distribution::exponential(5.0));
    sc.groups.insert("quick".into(), quick);
    for w in sc.wards.values_mut() {
        w.accepts.push("quick".into());
    }
    let model = sc.validate().unwrap();
    let s = run(&model, 0..40).unwrap();
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let days = mean(values(&s, Metric::DecisionMean, ""));
    assert!((days - 3.0).abs() < 0.1, "pathway mean {days}, expected 3");
    let p90 = mean(values(&s, Metric::DecisionP90, ""));
    assert!(
        (p90 / (5.0 * 6f64.ln()) - 1.0).abs() < 0.03,
        "pathway p90 {p90}"
    );
    let p90 = mean(values(&s, Metric::DecisionP90, "all"));
    assert!(
        (p90 / (5.0 * 10f64.ln()) - 1.0).abs() < 0.03,
        "gatekept p90 {p90}"
    );
    assert_eq!(mean(values(&s, Metric::DecisionMean, "quick")), 0.0);
    assert!(mean(values(&s, Metric::DecisionP90, "quick")) <= 0.01);
}

/// Without `gatekeeping_days` nothing about decisions is reported, and a zero delay decides
/// exactly as a decision at referral does.
#[test]
fn a_zero_gatekeeping_delay_changes_nothing_but_its_rows() {
    let base = scenario(FOOTPRINT);
    let mut zero = base.clone();
    for g in zero.groups.values_mut() {
        g.gatekeeping_days = Some(carepath_engine::scenario::Distribution::Fixed { value: 0.0 });
    }
    let (a, b) = (summary(&base), summary(&zero));
    assert!(a.kpi(Metric::DecisionMean, "", Period::Overall).is_none());
    assert!(values(&b, Metric::DecisionMean, "")
        .iter()
        .all(|&d| d == 0.0));
    for metric in [
        Metric::Admissions,
        Metric::OapBedDays,
        Metric::Diverted,
        Metric::Cost,
    ] {
        assert_eq!(values(&a, metric, ""), values(&b, metric, ""), "{metric:?}");
    }
}

/// A readmission keeps the young person's locality. Home treatment takes every general
/// referral from the north and none from the south, so only southern general young people are
/// ever admitted, discharged and readmitted: a readmission that started a home-treatment
/// episode would be a southerner taken for a northerner.
#[test]
fn a_readmission_keeps_its_locality() {
    use carepath_engine::trace::Activity;
    let mut sc = scenario(FOOTPRINT);
    sc.groups.get_mut("general").unwrap().readmission = Some(
        toml::from_str("probability = 0.6\ndelay_days = { dist = \"exponential\", mean = 60 }")
            .unwrap(),
    );
    let model = sc.validate().unwrap();
    let (_, log) = model.trace_replication(0).unwrap();
    let mut readmitted = std::collections::HashSet::new();
    for e in &log {
        match e.activity {
            Activity::Readmission => {
                readmitted.insert(e.case);
            }
            Activity::EpisodeStart => assert!(
                !readmitted.contains(&e.case),
                "case {} was readmitted into home treatment",
                e.case
            ),
            _ => {}
        }
    }
    assert!(readmitted.len() > 100, "{}", readmitted.len());
}

/// An urgency's own waiting places replace the group's: with every emergency waiting in the
/// paediatric ward and everyone else at home, the paediatric waits are exactly the emergency
/// bed waits, replication by replication.
#[test]
fn an_urgency_can_wait_somewhere_else() {
    let text = FOOTPRINT
        .replace(
            "waits_in = { paediatric = 0.55, at_home = 0.45 }",
            "waits_in = { at_home = 1.0 }\nwaits_in_by_urgency = { emergency = { paediatric = 1.0 } }",
        )
        .replace(
            "waits_in = { paediatric = 1.0 }",
            "waits_in = { at_home = 1.0 }\nwaits_in_by_urgency.emergency = { paediatric = 1.0 }",
        );
    let s = summary(&scenario(&text));
    let emergency = values(&s, Metric::BedWaits, "emergency");
    let (pw, hw, all) = (
        values(&s, Metric::PlaceWaits, "paediatric"),
        values(&s, Metric::PlaceWaits, "at_home"),
        values(&s, Metric::BedWaits, ""),
    );
    for r in 0..all.len() {
        assert_eq!(pw[r], emergency[r], "rep {r}");
        assert_eq!(pw[r] + hw[r], all[r], "rep {r}");
    }
    assert!(total(&emergency) > 0.0 && total(&hw) > 0.0);
}
