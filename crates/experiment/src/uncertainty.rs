//! What parameter draws say, per scenario: the engine's analysis of each scenario's draws,
//! and P(better) against the reference over paired draws.

use crate::results::{ScenarioRun, Uncertainty};
use carepath_engine::uncertainty::{analyse, p_better};
use carepath_engine::{Kpi, KpiKey};
use carepath_scenario::LoadedScenario;
use std::collections::HashMap;

/// Fills in each run's [`Uncertainty`]; P(better) needs the reference to have run the same
/// number of draws and replications with the same seed (so its draws pair with the run's).
pub fn attach(runs: &mut [ScenarioRun], scenarios: &[LoadedScenario], reference: Option<usize>) {
    for (run, s) in runs.iter_mut().zip(scenarios) {
        let Some(d) = &s.draws else { continue };
        run.uncertainty = Some(Uncertainty {
            draws: d.design.draws() as u32,
            replications: s.model.replications(),
            inputs: d.design.inputs.clone(),
            values: d.design.values.clone(),
            kpis: analyse(&run.summary, &d.design),
            p_better: None,
        });
    }
    let Some(b) = reference else { return };
    let paired = |x: &ScenarioRun, y: &ScenarioRun| match (&x.uncertainty, &y.uncertainty) {
        (Some(u), Some(v)) => {
            u.draws == v.draws
                && u.replications == v.replications
                && x.summary.seed == y.summary.seed
        }
        _ => false,
    };
    let reference = &runs[b];
    let by_key: HashMap<&KpiKey, &Kpi> = (reference.summary.kpis.iter())
        .map(|k| (&k.key, k))
        .collect();
    let p: Vec<Option<Vec<f64>>> = (runs.iter().enumerate())
        .map(|(i, run)| {
            let draws = run.uncertainty.as_ref()?.draws as usize;
            (i != b && paired(reference, run)).then(|| {
                (run.summary.kpis.iter())
                    .map(|k| {
                        by_key
                            .get(&k.key)
                            .map_or(f64::NAN, |r| p_better(r, k, draws))
                    })
                    .collect()
            })
        })
        .collect();
    let name = reference.name.clone();
    for (run, p) in runs.iter_mut().zip(p) {
        if let (Some(u), Some(p)) = (run.uncertainty.as_mut(), p) {
            u.p_better = Some((name.clone(), p));
        }
    }
}
