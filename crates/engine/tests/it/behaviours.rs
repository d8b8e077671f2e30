//! Behaviours that tell one model of the pathway from another, each checked against theory or
//! an exact expectation so that getting it wrong fails: priority between urgencies, ward
//! preference, ramps, budget variance, and the collaborative's KPIs.

use carepath_engine::{examples, run, FinancialYear, Metric, Period, Scenario, Summary};
use statrs::distribution::{ContinuousCDF, Normal};

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

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn assert_near(what: &str, got: f64, exact: f64, tolerance: f64) {
    assert!(
        (got - exact).abs() <= tolerance,
        "{what}: got {got}, expected {exact} ± {tolerance}"
    );
}

fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Non-preemptive priority in M/M/c with one service rate: an arrival waits with the Erlang C
/// probability whatever its class, and, given that it waits, class k waits on average
/// 1 / (cμ (1 − σ_{k−1})(1 − σ_k)), σ_k the load of classes 1..k (Cobham). First come first
/// served would give every class 1 / (cμ − λ).
#[test]
fn the_most_urgent_are_served_first() {
    // λ = 4/day, mean stay 6 days, 30 beds: cμ = 5, ρ = 0.8, split 0.3 / 0.4 / 0.3.
    let mut s = examples::erlang_loss(4.0, 6.0, 30, 40);
    for (u, share) in [
        (&mut s.urgency.emergency, 0.3),
        (&mut s.urgency.urgent, 0.4),
        (&mut s.urgency.routine, 0.3),
    ] {
        u.share = share;
        u.target_days = None;
    }
    let sum = summary(&s);
    let sigma = [0.0, 0.24, 0.56, 0.8];
    for (k, name) in ["emergency", "urgent", "routine"].into_iter().enumerate() {
        let exact = 1.0 / (5.0 * (1.0 - sigma[k]) * (1.0 - sigma[k + 1]));
        let got = mean(&values(&sum, Metric::BedWaitMean, name));
        assert_near(&format!("{name} mean wait"), got, exact, 0.06 * exact);
    }
}

/// A group prefers the ward that lists it earliest, whatever the keys' order: the preferred
/// ward then behaves as an Erlang loss system of its own (its overflow goes to the other), and
/// both together block as one pool of all their beds.
#[test]
fn a_group_fills_its_preferred_ward_first() {
    let mut s = examples::erlang_loss(0.5, 60.0, 20, 60);
    // `a_second` sorts first but lists `all` second; `ward` (20 beds) lists it first.
    let mut second = s.wards["ward"].clone();
    second.beds = 15;
    second.accepts = vec!["nobody".into(), "all".into()];
    s.wards.insert("a_second".into(), second);
    s.groups.insert("nobody".into(), {
        let mut g = s.groups["all"].clone();
        g.share = 0.0;
        g
    });
    let sum = summary(&s);
    let a = 30.0;
    let occupied = mean(&values(&sum, Metric::MeanOccupied, "ward"));
    let exact = a * (1.0 - erlang_b(a, 20));
    assert_near("preferred ward occupied", occupied, exact, 0.02 * exact);
    let blocked: Vec<f64> = values(&sum, Metric::OapPlacements, "")
        .iter()
        .zip(values(&sum, Metric::Referrals, ""))
        .map(|(x, n)| x / n)
        .collect();
    assert_near("blocking", mean(&blocked), erlang_b(a, 35), 0.005);
}

/// A ramp opens one bed at a time, evenly: 10 → 17 beds over 10 days from 1 October 2024 puts
/// the k-th new bed at k × 10/7 days. With demand far above capacity every open bed is taken
/// at once, so midnight occupancy equals the capacity, except on a midnight when a bed opens
/// at that very instant (it is counted open but nobody has arrived yet).
#[test]
fn a_ramp_opens_beds_one_at_a_time() {
    let mut s = examples::erlang_loss(1000.0, 30.0, 10, 1);
    s.simulation.years = 1.0;
    s.simulation.warmup_days = 60;
    s.roadmap.push(
        toml::from_str("date = \"2020-10-01\"\nward = \"ward\"\ncapacity = 17\nramp_days = 10")
            .unwrap(),
    );
    let sum = summary(&s);
    let ward = &sum.daily[0];
    let start = sum
        .dates
        .iter()
        .position(|d| d.to_string() == "2020-10-01")
        .unwrap();
    for (day, (&cap, &occ)) in ward.capacity.iter().zip(&ward.mean).enumerate() {
        // Midnight at the end of `day`, in days from the start of the ramp.
        let midnight = day as f64 + 1.0 - start as f64;
        let opened = (1..=7)
            .filter(|&k| k as f64 * 10.0 / 7.0 <= midnight)
            .count() as u32;
        let at_midnight = (1..=7)
            .filter(|&k| k as f64 * 10.0 / 7.0 == midnight)
            .count() as f64;
        assert_eq!(cap, 10 + opened, "capacity on day {day}");
        assert_eq!(occ, cap as f64 - at_midnight, "occupied on day {day}");
    }
}

/// Block beds cost every available bed-day whether used or not; the variance is spending
/// minus budget, and a part year's budget is pro-rated by its days.
#[test]
fn budget_variance_is_spending_minus_the_pro_rated_budget() {
    let mut s = examples::erlang_loss(1e-9, 10.0, 10, 1);
    s.simulation.start_date = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap();
    s.simulation.years = 1.5; // 2024/25 whole, then 183 of the 365 days of 2025/26
    s.budget.annual_gbp = Some(1_000_000.0);
    let sum = summary(&s);
    let fy = |y| Period::FinancialYear(FinancialYear(y));
    let kpi = |m, p| sum.kpi(m, "", p).unwrap().estimate.mean;
    let spend = |days: f64| 10.0 * 700.0 * days;
    assert_near(
        "cost 2024/25",
        kpi(Metric::Cost, fy(2024)),
        spend(365.0),
        1e-6,
    );
    let variance_2024 = spend(365.0) - 1e6;
    let variance_2025 = spend(183.0) - 1e6 * 183.0 / 365.0;
    assert_near(
        "variance 2024/25",
        kpi(Metric::BudgetVariance, fy(2024)),
        variance_2024,
        1e-6,
    );
    assert_near(
        "variance 2025/26",
        kpi(Metric::BudgetVariance, fy(2025)),
        variance_2025,
        1e-6,
    );
    assert_near(
        "variance overall",
        kpi(Metric::BudgetVariance, Period::Overall),
        variance_2024 + variance_2025,
        1e-6,
    );
}

/// The collaborative's KPIs against exact expectations, in a pathway with ample beds (so that
/// nothing blocks): exponential stays of mean 30 days over a 42-day alarm are e^{−1.4}; a
/// service whose episodes escalate with probability 0.3 avoids 70 % of admissions; bed-days
/// per 100,000 are λ × mean stay (Little) per 100,000; lognormal distances (median 60 miles,
/// σ 0.5) exceed 50 and 100 miles with the normal tail probabilities.
#[test]
fn the_collaborative_kpis_match_their_definitions() {
    let mut s = examples::erlang_loss(400.0 / 365.25, 30.0, 200, 20);
    s.simulation.years = 20.0;
    s.demand.population_under_18 = Some(100_000.0);
    let g = s.groups.get_mut("all").unwrap();
    g.los_alarm_days = Some(42.0);
    g.alternatives = vec!["iht".into()];
    g.out_of_area.distance_miles =
        toml::from_str("dist = \"lognormal\"\nmedian = 60\nsigma = 0.5").unwrap();
    s.services.insert(
        "iht".into(),
        toml::from_str(
            "kind = \"home_treatment\"\nplaces = 500\ncost_per_day_gbp = 100\n\
             eligibility = { all = 0.5 }\nescalation = { all = 0.3 }\n\
             episode_days = { dist = \"exponential\", mean = 20 }",
        )
        .unwrap(),
    );
    let sum = summary(&s);
    let alarm = mean(&values(&sum, Metric::LosOverAlarm, "all"));
    assert_near("stays over the alarm", alarm, 100.0 * (-1.4f64).exp(), 1.0);
    let avoided = mean(&values(&sum, Metric::AvoidanceRate, "iht"));
    assert_near("admission avoidance", avoided, 70.0, 1.0);
    // Half the referrals are diverted, 30 % of those escalate: 0.65 of 400 a year admitted.
    let bed_days = mean(&values(&sum, Metric::BedDaysPer100k, ""));
    assert_near(
        "bed-days per 100,000",
        bed_days,
        0.65 * 400.0 * 30.0,
        0.03 * 7800.0,
    );

    // Distances: place everyone out of area.
    s.wards.get_mut("ward").unwrap().beds = 0;
    let sum = summary(&s);
    let z = |miles: f64| (miles / 60.0f64).ln() / 0.5;
    let tail = |miles| 100.0 * (1.0 - Normal::standard().cdf(z(miles)));
    let over_50 = mean(&values(&sum, Metric::OapOver50MilesPct, ""));
    let over_100 = mean(&values(&sum, Metric::OapOver100MilesPct, ""));
    assert_near("over 50 miles", over_50, tail(50.0), 1.0);
    assert_near("over 100 miles", over_100, tail(100.0), 1.0);
}

/// With more referrals than beds can take and no wait target, the waiting list grows at the
/// arrival rate less the service rate (λ − c/s a day, once the beds are full): the replication
/// stops on the day it passes the limit, saying for what, instead of growing until the machine
/// runs out of memory.
#[test]
fn a_waiting_list_without_bound_stops_the_replication_on_the_day_it_passes_the_limit() {
    let (rate, stay, beds) = (8.0, 30.0, 10);
    let mut s = examples::erlang_loss(rate, stay, beds, 3);
    s.urgency.emergency.target_days = None;
    s.simulation.warmup_days = 0;
    let model = s.validate().unwrap();
    let limit = carepath_engine::scenario::limits::MAX_WAITING as f64;
    let days = (limit + f64::from(beds)) / (rate - f64::from(beds) / stay);
    let start = s.simulation.start_date;
    for rep in 0..3 {
        let overload = model.run_replication(rep).unwrap_err();
        assert_eq!(overload.replication, rep);
        assert_eq!(overload.waiting_for, "a bed (wards ward)");
        let got = (overload.date - start).num_days() as f64;
        assert_near("day the list passes the limit", got, days, 0.03 * days);
    }
    assert!(run(&model, 0..3).is_err());
    // Below the limit nothing changes: the same list, capped by a target, runs to the end.
    s.urgency.emergency.target_days = Some(0.0);
    assert!(run(&s.validate().unwrap(), 0..3).is_ok());
}
