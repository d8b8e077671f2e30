//! The cost of second-order Monte Carlo: 100 parameter draws × 10 replications of the
//! example baseline (`scenarios/baseline.toml`, its own `[uncertainty]`), on one core.
//!
//! `cargo bench -p carepath-engine --bench uncertainty`
//!
//! One iteration draws the Latin hypercube, compiles a model per draw (as the runner does after
//! setting each draw's values by key path), runs the 1,000 replications into one aggregate and
//! analyses it (uncertainty intervals and variance shares of every KPI). The runner spreads the
//! same (draw, replication) jobs over all cores. `baseline_1000_replications_certain` runs the
//! same number of replications of the baseline as written, for comparison.

use carepath_engine::dist::Dist;
use carepath_engine::scenario::Distribution;
use carepath_engine::uncertainty::{self, Design};
use carepath_engine::Scenario;
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const DRAWS: u32 = 100;
const REPS: u32 = 10;

/// The baseline scenario and its uncertain inputs.
fn baseline() -> (Scenario, Vec<(String, Dist)>) {
    let text = include_str!("../scenarios/baseline.toml");
    let mut table: toml::Table = toml::from_str(text).expect("the baseline parses");
    let inputs = match table.remove("uncertainty") {
        Some(toml::Value::Table(t)) => t
            .into_iter()
            .map(|(key, v)| {
                let d: Distribution = v.try_into().expect("a distribution");
                (key, Dist::new(&d).expect("valid"))
            })
            .collect(),
        _ => panic!("the baseline declares [uncertainty]"),
    };
    table.remove("check"); // the runner's, like `[uncertainty]`
    let mut scenario: Scenario = toml::Value::Table(table).try_into().expect("a scenario");
    scenario.simulation.replications = REPS;
    (scenario, inputs)
}

/// The scenario with one draw's values in place (the keys the baseline declares).
fn with_draw(base: &Scenario, design: &Design, values: &[f64]) -> Scenario {
    let mut s = base.clone();
    for (key, &v) in design.inputs.iter().zip(values) {
        let median = |s: &mut Scenario, group: &str| match &mut s
            .groups
            .get_mut(group)
            .expect("group")
            .los_days
        {
            Distribution::Lognormal { median, .. } => *median = Some(v),
            _ => panic!("{key} is a lognormal median"),
        };
        match key.as_str() {
            "demand.annual_growth" => s.demand.annual_growth = v,
            "groups.gau.los_days.median" => median(&mut s, "gau"),
            "groups.ed.los_days.median" => median(&mut s, "ed"),
            other => panic!("the bench does not set `{other}`"),
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let (base, inputs) = baseline();
    let central = base.validate().expect("valid");
    let mut group = c.benchmark_group("uncertainty");
    group.bench_function("baseline_100_draws_x_10_replications", |b| {
        b.iter(|| {
            let design = Design::latin_hypercube(base.simulation.seed, &inputs, DRAWS);
            let models: Vec<_> = design
                .values
                .iter()
                .map(|v| with_draw(&base, &design, v).validate().expect("valid draw"))
                .collect();
            let summary = uncertainty::run(&central, &models, REPS).unwrap();
            black_box(uncertainty::analyse(&summary, &design))
        })
    });
    // The same 1,000 replications of the baseline as written, for the cost of the draws.
    group.bench_function("baseline_1000_replications_certain", |b| {
        b.iter(|| black_box(carepath_engine::run(&central, 0..DRAWS * REPS).unwrap()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
