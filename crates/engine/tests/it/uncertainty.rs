//! Second-order Monte Carlo against theory: an M/M/c/c whose arrival rate is uncertain blocks,
//! on average over the draws, as the Erlang B formula integrated over that rate; fixed inputs
//! give the certain run exactly; and an input without effect gets no share of the variance.

use carepath_engine::dist::Dist;
use carepath_engine::scenario::Distribution;
use carepath_engine::uncertainty::{self, Design};
use carepath_engine::{examples, run, Metric, Model, Period, Scenario, Summary};

/// Erlang B blocking probability for offered load `a` on `c` servers.
fn erlang_b(a: f64, c: u32) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

const BEDS: u32 = 10;
const LOS: f64 = 10.0;

fn loss_system(reps: u32) -> Scenario {
    let mut s = examples::erlang_loss(0.6, LOS, BEDS, reps);
    s.simulation.years = 5.0;
    s
}

/// The model of each draw: arrival rate per day and (if given) the ward's cost per bed-day.
fn draw_models(base: &Scenario, design: &Design) -> Vec<Model> {
    design
        .values
        .iter()
        .map(|v| {
            let mut s = base.clone();
            s.demand.referrals_per_year = v[0] * 365.25;
            if let Some(&cost) = v.get(1) {
                s.wards.get_mut("ward").unwrap().cost_per_bed_day_gbp = cost;
            }
            s.validate().unwrap()
        })
        .collect()
}

fn uniform(min: f64, max: f64) -> Dist {
    Dist::new(&Distribution::Uniform { min, max }).unwrap()
}

/// Blocking (placements over referrals) per replication, averaged within each draw.
fn blocking_by_draw(summary: &Summary, draws: usize) -> Vec<f64> {
    let o = Period::Overall;
    let placed = &summary.kpi(Metric::OapPlacements, "", o).unwrap().values;
    let referred = &summary.kpi(Metric::Referrals, "", o).unwrap().values;
    let per_rep: Vec<f64> = placed.iter().zip(referred).map(|(p, r)| p / r).collect();
    let reps = per_rep.len() / draws;
    per_rep
        .chunks(reps)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect()
}

#[test]
fn uncertain_arrival_rate_blocks_as_erlang_b_integrated_over_the_rate() {
    let (low, high, draws, reps) = (0.2, 1.0, 400, 2);
    let base = loss_system(reps);
    let inputs = [("demand.referrals_per_year".to_string(), uniform(low, high))];
    let design = Design::latin_hypercube(11, &inputs, draws);
    let central = base.validate().unwrap();
    let summary = uncertainty::run(&central, &draw_models(&base, &design), reps).unwrap();
    assert_eq!(summary.replications, draws * reps);

    let by_draw = blocking_by_draw(&summary, draws as usize);
    let n = by_draw.len() as f64;
    let mean = by_draw.iter().sum::<f64>() / n;
    let sd = (by_draw.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half = 1.97 * sd / n.sqrt();
    // ∫ B(λ · LoS) dλ / (high − low), by the midpoint rule on 10,000 points.
    let points = 10_000;
    let exact = (0..points)
        .map(|i| low + (high - low) * (i as f64 + 0.5) / points as f64)
        .map(|lambda| erlang_b(lambda * LOS, BEDS))
        .sum::<f64>()
        / points as f64;
    assert!(
        (mean - exact).abs() <= half,
        "mean blocking over draws {mean} ± {half}, Erlang B integrated over λ {exact}"
    );
    // The interval is tight enough to tell the integral from Erlang B at the mean rate (0.043).
    let at_mean_rate = erlang_b(0.5 * (low + high) * LOS, BEDS);
    assert!(
        half < (exact - at_mean_rate).abs() / 2.0,
        "half-width {half}"
    );
    // And the draws spread: the uncertainty interval of blocking spans Erlang B near each end.
    let mut sorted = by_draw.clone();
    sorted.sort_by(f64::total_cmp);
    let (lo, hi) = (
        sorted[(0.025 * n) as usize],
        sorted[(0.975 * n) as usize - 1],
    );
    assert!(lo < erlang_b(0.25 * LOS, BEDS) + 0.01 && hi > erlang_b(0.95 * LOS, BEDS) - 0.03);
}

#[test]
fn fixed_inputs_give_the_certain_run_exactly() {
    let (draws, reps) = (4, 5);
    let base = loss_system(reps);
    let fixed = Dist::new(&Distribution::Fixed { value: 0.6 }).unwrap();
    let inputs = [("demand.referrals_per_year".to_string(), fixed)];
    let design = Design::latin_hypercube(3, &inputs, draws);
    let central = base.validate().unwrap();
    let drawn = uncertainty::run(&central, &draw_models(&base, &design), reps).unwrap();
    let certain = loss_system(draws * reps).validate().unwrap();
    let certain = run(&certain, 0..draws * reps).unwrap();
    // Debug text, so that undefined KPIs (NaN) compare equal; it prints every f64 exactly.
    assert!(
        format!("{drawn:?}") == format!("{certain:?}"),
        "not the certain run"
    );
    for k in uncertainty::analyse(&drawn, &design) {
        assert!(
            k.effects[0].share == 0.0 || k.effects[0].share.is_nan(),
            "{k:?}"
        );
    }
}

#[test]
fn an_input_without_effect_gets_no_share_of_the_variance() {
    let (draws, reps) = (100, 2);
    let base = loss_system(reps);
    let inputs = [
        ("demand.referrals_per_year".to_string(), uniform(0.3, 0.9)),
        (
            "wards.ward.cost_per_bed_day_gbp".to_string(),
            uniform(500.0, 900.0),
        ),
    ];
    let design = Design::latin_hypercube(5, &inputs, draws);
    let central = base.validate().unwrap();
    let summary = uncertainty::run(&central, &draw_models(&base, &design), reps).unwrap();
    let analysis = uncertainty::analyse(&summary, &design);
    let find = |m: Metric| {
        analysis
            .iter()
            .find(|k| {
                k.key.metric == m && k.key.subject.is_empty() && k.key.period == Period::Overall
            })
            .unwrap()
    };
    let placements = find(Metric::OapPlacements);
    let (rate, cost) = (placements.effects[0], placements.effects[1]);
    assert!(rate.share > 0.9, "arrival rate: {rate:?}");
    assert!(cost.share < 0.03, "ward cost: {cost:?}");
    assert!(rate.mean_at_high > 3.0 * rate.mean_at_low, "{rate:?}");
    // The ward's cost does drive its own cost (block funding: beds × £ a day).
    let ward_cost = analysis.iter().find(|k| {
        k.key.metric == Metric::Cost && k.key.subject == "ward" && k.key.period == Period::Overall
    });
    if let Some(w) = ward_cost {
        assert!(w.effects[1].share > 0.9, "{w:?}");
    }
}

#[test]
fn draws_are_paired_across_scenarios() {
    let (draws, reps) = (20, 2);
    let rate = ("demand.referrals_per_year".to_string(), uniform(0.3, 0.9));
    let a = Design::latin_hypercube(5, std::slice::from_ref(&rate), draws);
    let cost = (
        "wards.ward.cost_per_bed_day_gbp".to_string(),
        uniform(500.0, 900.0),
    );
    let b = Design::latin_hypercube(5, &[rate, cost], draws);
    let shared: Vec<f64> = b.values.iter().map(|v| v[0]).collect();
    assert_eq!(a.values.iter().map(|v| v[0]).collect::<Vec<_>>(), shared);
    // More beds in b, the same draws: b blocks less in every draw, so P(better) = 1.
    let base = loss_system(reps);
    let mut more = base.clone();
    more.wards.get_mut("ward").unwrap().beds = BEDS + 4;
    let sa = uncertainty::run(&base.validate().unwrap(), &draw_models(&base, &a), reps).unwrap();
    let sb = uncertainty::run(&more.validate().unwrap(), &draw_models(&more, &a), reps).unwrap();
    let o = Period::Overall;
    let (ka, kb) = (
        sa.kpi(Metric::OapPlacements, "", o).unwrap(),
        sb.kpi(Metric::OapPlacements, "", o).unwrap(),
    );
    assert_eq!(uncertainty::p_better(ka, kb, draws as usize), 1.0);
    assert_eq!(uncertainty::p_better(kb, ka, draws as usize), 0.0);
}
