//! Checks for CI: `[[check]]` tables and `--check` arguments, tested against KPI means.

use crate::config::{Check, ConfigError, LoadedScenario};
use crate::results::ScenarioRun;
use crate::Failure;
use serde::Serialize;

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
        let keys = s.model.kpi_keys();
        for c in s.checks.iter().chain(cli) {
            let exists = keys
                .iter()
                .any(|k| k.metric == c.metric && k.subject == c.subject && k.period == c.period);
            if !exists {
                let subjects: Vec<&str> = keys
                    .iter()
                    .filter(|k| k.metric == c.metric && k.period == c.period)
                    .map(|k| k.subject.as_str())
                    .collect();
                let help = if subjects.is_empty() {
                    format!(
                        "`{}` has no value for that period; years run {} to {}",
                        c.metric.name(),
                        s.model
                            .kpi_keys()
                            .iter()
                            .map(|k| k.period)
                            .min()
                            .map_or(String::new(), |p| p.to_string()),
                        s.model
                            .kpi_keys()
                            .iter()
                            .map(|k| k.period)
                            .max()
                            .map_or(String::new(), |p| p.to_string()),
                    )
                } else {
                    let names: Vec<String> = subjects
                        .iter()
                        .map(|s| {
                            if s.is_empty() {
                                "(none)".to_string()
                            } else {
                                format!("`{s}`")
                            }
                        })
                        .collect();
                    format!("subjects of `{}`: {}", c.metric.name(), names.join(", "))
                };
                errors.push(ConfigError {
                    file: s.path.clone(),
                    line: None,
                    col: None,
                    key: "check".into(),
                    message: format!("check `{c}`: scenario `{}` has no such KPI", s.name),
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

/// Reports failed checks on stderr; `Err` when any failed.
pub fn print(outcomes: &[Outcome]) -> Result<(), Failure> {
    let failed: Vec<&Outcome> = outcomes.iter().filter(|o| !o.passed).collect();
    for o in &failed {
        let figure = match (o.mean, o.ci_low, o.ci_high) {
            (Some(m), Some(lo), Some(hi)) => format!("{m:.4} (95% CI {lo:.4} to {hi:.4})"),
            (Some(m), _, _) => format!("{m:.4}"),
            _ => "no value".to_string(),
        };
        eprintln!("check failed: {}: {} — got {figure}", o.scenario, o.check);
    }
    if failed.is_empty() {
        if !outcomes.is_empty() {
            eprintln!("all {} checks passed", outcomes.len());
        }
        Ok(())
    } else {
        eprintln!("{} of {} checks failed", failed.len(), outcomes.len());
        Err(Failure::Checks)
    }
}
