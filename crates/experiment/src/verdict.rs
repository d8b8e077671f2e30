//! Checks for CI: `[[check]]` tables and `--check` arguments, tested against KPI means.

use crate::results::ScenarioRun;
use carepath_scenario::{Check, ConfigError, LoadedScenario};
use serde::Serialize;
use std::path::PathBuf;

/// The result of one check on one scenario.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct Outcome {
    pub scenario: String,
    /// The check as written (`oap_placements@2026/27<=10`).
    pub check: String,
    /// The KPI's mean (null when it has no value).
    pub mean: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub passed: bool,
}

/// Checks that name a KPI the scenario does not report (a subject or year it does not have),
/// found before anything runs.
pub fn unknown_kpis(scenarios: &[LoadedScenario], cli: &[Check]) -> Vec<ConfigError> {
    let mut errors = Vec::new();
    for s in scenarios {
        for c in cli {
            if let Some(help) = carepath_scenario::missing_kpi(c, &s.model) {
                errors.push(ConfigError {
                    file: PathBuf::new(),
                    line: None,
                    col: None,
                    key: "check".into(),
                    message: format!("--check {c}: scenario `{}` has no such KPI", s.name),
                    help: Some(help),
                });
            }
        }
    }
    errors
}

/// Tests every scenario's checks and the command line's against the run's KPI means.
pub fn evaluate(scenarios: &[LoadedScenario], runs: &[ScenarioRun], cli: &[Check]) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for (s, run) in scenarios.iter().zip(runs) {
        for c in s.checks.iter().chain(cli) {
            let kpi = run.summary.kpi(c.metric, &c.subject, c.period);
            let finite = |x: f64| x.is_finite().then_some(x);
            let mean = kpi.map_or(f64::NAN, |k| k.estimate.mean);
            outcomes.push(Outcome {
                scenario: run.name.clone(),
                check: c.to_string(),
                mean: finite(mean),
                ci_low: kpi.and_then(|k| finite(k.estimate.ci_low)),
                ci_high: kpi.and_then(|k| finite(k.estimate.ci_high)),
                passed: c.passes(mean),
            });
        }
    }
    outcomes
}
