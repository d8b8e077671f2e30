//! What a run produced, handed to the report package: each scenario's summary with what the
//! report says of it (its draws' analysis and P(better) among them), and the paired comparisons
//! with the reference.

use crate::advice::Warmup;
use crate::{Error, Invalid};
use carepath_engine::scenario::RoadmapChange;
use carepath_engine::uncertainty::{analyse, p_better};
use carepath_engine::{compare, Difference, Kpi, KpiKey, Summary};
use carepath_scenario::inputs::InputFile;
use carepath_scenario::LoadedScenario;
use carepath_scenario::{display_name, Check, SweepPoint};
use rayon::prelude::*;
use std::collections::HashMap;

/// One scenario's aggregated results and what the report says about it.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// Scenario name (also its output folder).
    pub name: String,
    /// What question it answers.
    pub description: String,
    /// Where it sits in a sweep, if it is one point of a sweep.
    pub sweep: Option<SweepPoint>,
    /// Its roadmap, for marking changes on charts.
    pub roadmap: Vec<RoadmapChange>,
    /// Its targets: the scenario's `[[check]]` tables and the command line's `--check`s.
    pub checks: Vec<Check>,
    /// The inputs of its file and of each file it extends (root first), with their sources.
    pub inputs: Vec<InputFile>,
    /// The aggregated results.
    pub summary: Summary,
    /// What its parameter draws say, when it had any.
    pub uncertainty: Option<Uncertainty>,
    /// The warm-up its pools need (none for a sweep point or a run from a census).
    pub warmup: Option<Warmup>,
}

/// What a scenario's parameter draws say about each of its KPIs.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    /// Parameter draws, each run `replications` times.
    pub draws: u32,
    pub replications: u32,
    /// The uncertain inputs' dotted keys.
    pub inputs: Vec<String>,
    /// Each draw's values of the inputs.
    pub values: Vec<Vec<f64>>,
    /// Per KPI, in the summary's order.
    pub kpis: Vec<carepath_engine::uncertainty::KpiUncertainty>,
    /// The reference and, per KPI, the share of draws in which this scenario is better;
    /// `None` for the reference itself or when the two did not run the same draws.
    pub p_better: Option<(String, Vec<f64>)>,
}

impl ScenarioRun {
    /// The name people read: a sweep point as its swept values
    /// (`wards.gau.beds=14,wards.picu.beds=2`, or `places=4` when the leaves differ).
    pub fn display_name(&self) -> String {
        display_name(&self.name, self.sweep.as_ref())
    }

    /// [`Self::display_name`] without the key segments the swept keys share, for narrow
    /// places: `gau.beds=14,picu.beds=6` for `wards.gau.beds=14,wards.picu.beds=6`.
    pub fn short_name(&self) -> String {
        let name = self.display_name();
        let Some(p) = &self.sweep else { return name };
        let keys: Vec<Vec<&str>> = p
            .params
            .iter()
            .map(|(k, _)| k.split('.').collect())
            .collect();
        let shared = match keys.as_slice() {
            [a, b] => a.iter().zip(b).take_while(|(x, y)| x == y).count(),
            _ => 0,
        };
        if shared == 0 {
            return name;
        }
        name.replace(&format!("{}.", keys[0][..shared].join(".")), "")
    }
}

/// Paired differences of one scenario against the baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The reference scenario (a).
    pub baseline: String,
    /// The scenario compared (b).
    pub scenario: String,
    /// b − a for every KPI both have.
    pub differences: Vec<Difference>,
}

/// How the run was made, for the report's methods section.
#[derive(Debug, Clone)]
pub struct Methods {
    /// carepath version.
    pub version: String,
    /// Replications per scenario.
    pub replications: u32,
    /// Seed.
    pub seed: u64,
    /// Warm-up days.
    pub warmup_days: u32,
}

/// A run's results before anything is written: each scenario's, and each one's paired
/// differences from the reference.
pub struct Results {
    pub runs: Vec<ScenarioRun>,
    pub comparisons: Vec<Comparison>,
    /// The scenario the others are compared with (an index into `runs`).
    pub reference: Option<usize>,
}

/// Each scenario's results with its warm-up advice, and the comparisons with the reference.
pub fn results(
    scenarios: &[LoadedScenario],
    summaries: Vec<Summary>,
    baseline: Option<&str>,
    cli_checks: &[Check],
    warmups: Vec<Option<Warmup>>,
) -> Result<Results, Error> {
    let mut runs: Vec<ScenarioRun> = scenarios
        .iter()
        .zip(summaries)
        .zip(warmups.into_iter().chain(std::iter::repeat(None)))
        .map(|((s, summary), warmup)| ScenarioRun {
            name: s.name.clone(),
            description: s.scenario.description.clone(),
            sweep: s.sweep.clone(),
            roadmap: s.scenario.roadmap.clone(),
            checks: s.checks.iter().chain(cli_checks).cloned().collect(),
            inputs: s
                .sources
                .iter()
                .rev()
                .map(carepath_scenario::inputs::of)
                .collect(),
            summary,
            uncertainty: None,
            warmup,
        })
        .collect();
    let base = baseline_index(&runs, baseline).map_err(Invalid::Usage)?;
    attach_uncertainty(&mut runs, scenarios, base);
    // Paired comparisons with the reference, each on its own thread, kept in scenario order.
    let comparisons: Vec<Comparison> = match base {
        Some(b) => runs
            .par_iter()
            .enumerate()
            .filter(|&(i, r)| {
                i != b
                    && r.summary.seed == runs[b].summary.seed
                    && r.summary.replications == runs[b].summary.replications
            })
            .map(|(_, r)| Comparison {
                baseline: runs[b].name.clone(),
                scenario: r.name.clone(),
                differences: compare(&runs[b].summary, &r.summary),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Results {
        runs,
        comparisons,
        reference: base,
    })
}

/// The scenario the others are compared with: the one named, else `baseline`, else the first.
pub fn baseline_index(runs: &[ScenarioRun], named: Option<&str>) -> Result<Option<usize>, String> {
    if let Some(name) = named {
        return runs
            .iter()
            .position(|r| r.name == name || r.display_name() == name)
            .map(Some)
            .ok_or_else(|| format!("--baseline {name}: no scenario of that name was run"));
    }
    Ok(runs
        .iter()
        .position(|r| r.name == "baseline")
        .or(if runs.is_empty() { None } else { Some(0) }))
}

/// Checks, before anything runs, that `--baseline` names a scenario of the run and that every
/// other scenario can be paired with the reference: the same seed, replications and parameter
/// draws, without which its differences and P(better) could not be computed.
pub fn check_baseline(scenarios: &[LoadedScenario], named: Option<&str>) -> Result<(), Error> {
    let is = |s: &LoadedScenario, name: &str| {
        s.name == name || display_name(&s.name, s.sweep.as_ref()) == name
    };
    let reference = match named {
        Some(name) => match scenarios.iter().find(|s| is(s, name)) {
            Some(r) => r,
            None => {
                let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
                let help = carepath_scenario::suggest(name, names.iter().copied())
                    .map(|h| format!("\n  help: {h}"))
                    .unwrap_or_default();
                return Err(Invalid::Usage(format!(
                    "--baseline {name}: no scenario of that name is in this run{help}"
                ))
                .into());
            }
        },
        None => match scenarios
            .iter()
            .find(|s| s.name == "baseline")
            .or(scenarios.first())
        {
            Some(r) => r,
            None => return Ok(()),
        },
    };
    let design = |s: &LoadedScenario| {
        let draws = s.draws.as_ref().map_or(1, |d| d.models.len());
        (draws, s.model.replications(), s.scenario.simulation.seed)
    };
    let want = design(reference);
    let unpaired: Vec<String> = (scenarios.iter())
        .filter(|s| design(s) != want)
        .map(|s| {
            let (d, r, seed) = design(s);
            format!(
                "  {}: {d} parameter draw(s) × {r} replications, seed {seed}",
                display_name(&s.name, s.sweep.as_ref())
            )
        })
        .collect();
    if unpaired.is_empty() {
        return Ok(());
    }
    let (d, r, seed) = want;
    let draws = match d {
        1 => "no `simulation.parameter_draws`".to_string(),
        d => format!("`--set simulation.parameter_draws={d}`"),
    };
    Err(Invalid::Usage(format!(
        "these scenarios cannot be compared with the reference `{}` ({d} parameter draw(s) × {r} \
         replications, seed {seed}), so they would have no differences and no P(better):\n{}\n  \
         help: paired differences need the same draws, replications and seed: run them all with \
         {draws}, `--reps {r}` and `--seed {seed}`, or run them separately",
        display_name(&reference.name, reference.sweep.as_ref()),
        unpaired.join("\n")
    ))
    .into())
}

/// Fills in each run's [`Uncertainty`]; P(better) needs the reference to have run the same
/// number of draws and replications with the same seed (so its draws pair with the run's).
fn attach_uncertainty(
    runs: &mut [ScenarioRun],
    scenarios: &[LoadedScenario],
    reference: Option<usize>,
) {
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
