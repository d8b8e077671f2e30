//! What parameter draws say, as files: `uncertainty.csv`, `sensitivity.csv` and each
//! scenario's `uncertainty.json`.

use crate::output::{csv_bytes, num};
use carepath_experiment::results::{ScenarioRun, Uncertainty};
use serde_json::{json, Value};

/// Runs that had parameter draws, with them.
fn drawn(runs: &[ScenarioRun]) -> impl Iterator<Item = (&ScenarioRun, &Uncertainty)> {
    runs.iter()
        .filter_map(|r| r.uncertainty.as_ref().map(|u| (r, u)))
}

/// `uncertainty.csv`: one row per scenario with draws × KPI.
pub fn uncertainty_csv(runs: &[ScenarioRun]) -> Vec<u8> {
    let header = [
        "scenario",
        "metric",
        "label",
        "subject",
        "period",
        "unit",
        "mean",
        "ci_low",
        "ci_high",
        "draws",
        "replications_per_draw",
        "ui_low",
        "ui_high",
        "reference",
        "p_better",
    ];
    let rows = drawn(runs).flat_map(|(r, u)| {
        r.summary
            .kpis
            .iter()
            .zip(&u.kpis)
            .enumerate()
            .map(move |(i, (k, x))| {
                let e = &k.estimate;
                let (reference, p) = match &u.p_better {
                    Some((name, p)) => (name.clone(), num(p[i])),
                    None => (String::new(), String::new()),
                };
                vec![
                    r.name.clone(),
                    k.key.metric.name().to_string(),
                    k.key.metric.label().to_string(),
                    k.key.subject.to_string(),
                    k.key.period.to_string(),
                    k.unit.to_string(),
                    num(e.mean),
                    num(e.ci_low),
                    num(e.ci_high),
                    x.draws.to_string(),
                    u.replications.to_string(),
                    num(x.ui_low),
                    num(x.ui_high),
                    reference,
                    p,
                ]
            })
    });
    csv_bytes(&header, rows)
}

/// `sensitivity.csv`: one row per scenario with draws × KPI × uncertain input.
pub fn sensitivity_csv(runs: &[ScenarioRun]) -> Vec<u8> {
    let header = [
        "scenario",
        "metric",
        "subject",
        "period",
        "input",
        "share",
        "mean_at_low",
        "mean_at_high",
    ];
    let rows = drawn(runs).flat_map(|(r, u)| {
        u.kpis.iter().flat_map(move |x| {
            u.inputs.iter().zip(&x.effects).map(move |(input, e)| {
                vec![
                    r.name.clone(),
                    x.key.metric.name().to_string(),
                    x.key.subject.to_string(),
                    x.key.period.to_string(),
                    input.clone(),
                    num(e.share),
                    num(e.mean_at_low),
                    num(e.mean_at_high),
                ]
            })
        })
    });
    csv_bytes(&header, rows)
}

/// The JSON form of a run's uncertainty (`<scenario>/uncertainty.json` and `--json`);
/// undefined values are `null`.
pub fn json(r: &ScenarioRun, u: &Uncertainty) -> Value {
    let kpis: Vec<Value> = r
        .summary
        .kpis
        .iter()
        .zip(&u.kpis)
        .enumerate()
        .map(|(i, (k, x))| {
            let shares: serde_json::Map<String, Value> = u
                .inputs
                .iter()
                .zip(&x.effects)
                .map(|(input, e)| (input.clone(), json!(e.share)))
                .collect();
            json!({
                "metric": k.key.metric.name(),
                "subject": k.key.subject.to_string(),
                "period": k.key.period.to_string(),
                "mean": k.estimate.mean,
                "ci_low": k.estimate.ci_low,
                "ci_high": k.estimate.ci_high,
                "ui_low": x.ui_low,
                "ui_high": x.ui_high,
                "p_better": u.p_better.as_ref().map(|(_, p)| p[i]),
                "shares": shares,
            })
        })
        .collect();
    let inputs: Vec<Value> = u
        .inputs
        .iter()
        .enumerate()
        .map(|(j, key)| json!({"key": key, "draws": u.values.iter().map(|v| v[j]).collect::<Vec<_>>()}))
        .collect();
    json!({
        "scenario": r.name,
        "draws": u.draws,
        "replications_per_draw": u.replications,
        "reference": u.p_better.as_ref().map(|(name, _)| name),
        "inputs": inputs,
        "kpis": kpis,
    })
}
