//! The simulation against queueing theory: Erlang B (loss), its insensitivity to the
//! length-of-stay distribution, Erlang C (delay), and a capacity cut on the roadmap.
//!
//! Each test runs enough replications for a tight confidence interval and asserts both that
//! the interval is tight and that the analytic value lies within 4 standard errors.

use carepath_engine::scenario::Distribution;
use carepath_engine::{examples, run, FinancialYear, Metric, Period, Summary};

/// Erlang B blocking probability for offered load `a` on `c` servers.
fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

/// Erlang C probability of waiting for offered load `a` on `c` servers.
fn erlang_c(a: f64, c: u32) -> f64 {
    let b = erlang_b(a, c);
    let rho = a / c as f64;
    b / (1.0 - rho + rho * b)
}

/// Per-replication values of a KPI.
fn values(s: &Summary, metric: Metric, subject: &str, period: Period) -> Vec<f64> {
    s.kpi(metric, subject, period)
        .unwrap_or_else(|| panic!("{} {subject} {period}", metric.name()))
        .values
        .to_vec()
}

/// Mean and standard error.
fn mean_se(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Asserts `exact` is within 4 standard errors of the estimate and the standard error is at
/// most `max_se` (so the test has power).
fn assert_matches(what: &str, sample: &[f64], exact: f64, max_se: f64) {
    let (mean, se) = mean_se(sample);
    assert!(
        se <= max_se,
        "{what}: standard error {se} above {max_se}; the test has too little power"
    );
    assert!(
        (mean - exact).abs() <= 4.0 * se,
        "{what}: simulated {mean} ± {se}, exact {exact}"
    );
}

/// Per-replication ratio of two KPIs.
fn ratio(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x / y).collect()
}

fn check_erlang_b(summary: &Summary, a: f64, c: u32) {
    let o = Period::Overall;
    let blocked = ratio(
        &values(summary, Metric::OapPlacements, "", o),
        &values(summary, Metric::Referrals, "", o),
    );
    let b = erlang_b(a, c);
    assert_matches("blocking probability", &blocked, b, 0.003);
    let occupied = values(summary, Metric::MeanOccupied, "ward", o);
    assert_matches("mean occupied beds", &occupied, a * (1.0 - b), 0.1);
}

#[test]
fn loss_system_matches_erlang_b() {
    let model = examples::erlang_loss(0.5, 60.0, 30, 100)
        .validate()
        .unwrap();
    check_erlang_b(&run(&model, 0..100).unwrap(), 30.0, 30);
}

#[test]
fn erlang_b_is_insensitive_to_the_length_of_stay_distribution() {
    let mut s = examples::erlang_loss(0.5, 60.0, 30, 100);
    let los = Distribution::Lognormal {
        median: None,
        sigma: None,
        mean: Some(60.0),
        sd: Some(90.0),
    };
    s.groups.get_mut("all").unwrap().los_days = los;
    let model = s.validate().unwrap();
    check_erlang_b(&run(&model, 0..100).unwrap(), 30.0, 30);
}

/// With repatriation, a bed freed while someone is out of area goes to them at once, even
/// when nobody waits locally (here nobody ever does: a zero standard places at once). So
/// everyone is in a bed somewhere, local or out of area: with exponential stays, those in
/// beds are an M/M/∞ system, Poisson with mean a, and the local ward holds min(c, N) of
/// them, more than the a (1 − B) of the loss system without repatriation.
#[test]
fn repatriation_fills_every_bed_freed_while_anyone_is_out_of_area() {
    let (a, c) = (20.0_f64, 20);
    let mut s = examples::erlang_loss(0.5, 40.0, c, 100);
    s.policy.repatriation = true;
    let summary = run(&s.validate().unwrap(), 0..100).unwrap();
    let mut poisson = (-a).exp();
    let mut local = 0.0;
    for n in 0..200u32 {
        local += n.min(c) as f64 * poisson;
        poisson *= a / (n + 1) as f64;
    }
    assert!(
        local - a * (1.0 - erlang_b(a, c)) > 1.0,
        "the test can tell"
    );
    let occupied = values(&summary, Metric::MeanOccupied, "ward", Period::Overall);
    assert_matches("mean occupied local beds", &occupied, local, 0.1);
}

#[test]
fn queue_without_a_target_matches_erlang_c() {
    // λ = 4/day, mean stay 6 days, 30 beds: a = 24, ρ = 0.8; nobody leaves the queue.
    let mut s = examples::erlang_loss(4.0, 6.0, 30, 100);
    s.urgency.emergency.target_days = None;
    let model = s.validate().unwrap();
    let summary = run(&model, 0..100).unwrap();
    let o = Period::Overall;
    let (a, c, mu) = (24.0, 30, 1.0 / 6.0);
    let pc = erlang_c(a, c);
    let waited = ratio(
        &values(&summary, Metric::BedWaits, "", o),
        &values(&summary, Metric::Referrals, "", o),
    );
    assert_matches("P(wait)", &waited, pc, 0.01);
    // Given a wait, it is exponential with rate cμ − λ.
    let wait = values(&summary, Metric::BedWaitMean, "", o);
    assert_matches(
        "mean wait of those who waited",
        &wait,
        1.0 / (c as f64 * mu - 4.0),
        0.03,
    );
    let queue = values(&summary, Metric::MeanWaiting, "", o);
    assert_matches("mean queue length", &queue, pc * a / (c as f64 - a), 0.1);
    assert_eq!(
        summary
            .kpi(Metric::OapPlacements, "", o)
            .unwrap()
            .estimate
            .mean,
        0.0
    );
}

#[test]
fn capacity_cut_on_the_roadmap_changes_blocking_to_the_new_erlang_b() {
    let mut s = examples::erlang_loss(0.5, 60.0, 30, 60);
    s.roadmap
        .push(toml::from_str("date = \"2025-04-01\"\nward = \"ward\"\ncapacity = 20").unwrap());
    let model = s.validate().unwrap();
    let summary = run(&model, 0..60).unwrap();
    // Blocking over whole financial years, skipping the year the ward drains to 20 beds.
    let blocking = |years: std::ops::Range<i32>| {
        let sum = |metric| {
            let mut total = vec![0.0; 60];
            for y in years.clone() {
                let v = values(
                    &summary,
                    metric,
                    "",
                    Period::FinancialYear(FinancialYear(y)),
                );
                total.iter_mut().zip(v).for_each(|(t, x)| *t += x);
            }
            total
        };
        ratio(&sum(Metric::OapPlacements), &sum(Metric::Referrals))
    };
    assert_matches(
        "blocking with 30 beds",
        &blocking(2020..2025),
        erlang_b(30.0, 30),
        0.004,
    );
    assert_matches(
        "blocking with 20 beds",
        &blocking(2026..2030),
        erlang_b(30.0, 20),
        0.004,
    );
    let cap = &summary.daily[0].capacity;
    assert_eq!(
        (cap[0], cap[cap.len() - 1]),
        (30, 20),
        "the capacity series follows the roadmap"
    );
}
