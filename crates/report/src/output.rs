//! Writing results: tidy CSV and JSON, and a manifest, rendered to bytes for
//! [`crate::outdir`] to publish whole.
//!
//! CSV and JSON hold only what the inputs determine, so they are byte-identical across
//! thread counts; volatile facts (run time, threads) live in `manifest.json` alone.

use carepath_engine::{Difference, Kpi, PeriodInfo, Summary};
use schemars::JsonSchema;
use serde::Serialize;

/// A number for CSV: shortest round-trip form; empty when undefined.
pub(crate) fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        String::new()
    }
}

pub(crate) fn csv_bytes(header: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let header = header.iter().map(|h| h.to_string()).collect();
    csv_records(std::iter::once(header).chain(rows))
}

/// CSV records, with no header of their own: a record's bytes do not depend on the records
/// before it, so parts rendered apart join into the same file.
fn csv_records(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = w.write_record(&row);
    }
    w.into_inner().unwrap_or_default()
}

fn kpi_row(scenario: &str, k: &Kpi) -> Vec<String> {
    let e = &k.estimate;
    vec![
        scenario.to_string(),
        k.key.metric.name().to_string(),
        k.key.metric.label().to_string(),
        k.key.subject.to_string(),
        k.key.period.to_string(),
        k.unit.to_string(),
        num(e.mean),
        num(e.sd),
        num(e.ci_low),
        num(e.ci_high),
        num(e.p5),
        num(e.p50),
        num(e.p95),
        e.n.to_string(),
    ]
}

const SUMMARY_HEADER: [&str; 14] = [
    "scenario", "metric", "label", "subject", "period", "unit", "mean", "sd", "ci_low", "ci_high",
    "p5", "p50", "p95", "n",
];

/// One summary's rows of `summary.csv`, one per (metric, subject, period), without the
/// header: the scenario's own `summary.csv` and its part of the run's.
pub fn summary_rows(s: &Summary) -> Vec<u8> {
    csv_records(s.kpis.iter().map(|k| kpi_row(&s.scenario, k)))
}

/// `summary.csv`: the header, then the rows of each summary ([`summary_rows`]) in order.
pub fn summary_csv<'a>(rows: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = csv_bytes(&SUMMARY_HEADER, std::iter::empty());
    for r in rows {
        out.extend_from_slice(r);
    }
    out
}

/// The version of the shape of every JSON output (`summary.json`, `manifest.json`, `--json`),
/// written in each as `schema_version`. It changes when a field is renamed, removed or changes
/// meaning; a new field does not change it. `carepath schema --output` prints the shape.
pub const SCHEMA_VERSION: u32 = 1;

/// The JSON form of one scenario's KPIs: `<scenario>/summary.json`.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "ScenarioSummary")]
pub struct SummaryJson<'a> {
    /// The version of this shape ([`SCHEMA_VERSION`]).
    schema_version: u32,
    scenario: &'a str,
    description: &'a str,
    replications: u32,
    seed: u64,
    start_date: chrono::NaiveDate,
    days: u32,
    warmup_days: u32,
    periods: &'a [PeriodInfo],
    kpis: &'a [Kpi],
    /// Is this run long enough? (see `advice`).
    advice: &'a carepath_experiment::advice::AdviceJson,
}

/// One scenario's KPIs as JSON (NaN, where a KPI is undefined, becomes `null`).
pub fn summary_json(
    s: &Summary,
    description: &str,
    advice: &carepath_experiment::advice::AdviceJson,
) -> Vec<u8> {
    let json = SummaryJson {
        schema_version: SCHEMA_VERSION,
        scenario: &s.scenario,
        description,
        replications: s.replications,
        seed: s.seed,
        start_date: s.start_date,
        days: s.days,
        warmup_days: s.warmup_days,
        periods: &s.periods,
        kpis: &s.kpis,
        advice,
    };
    let mut bytes = serde_json::to_vec_pretty(&json).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// The daily series in long form with their percentile bands and capacity.
pub fn daily_csv(s: &Summary) -> Vec<u8> {
    let rows = s.daily.iter().flat_map(|d| {
        s.dates.iter().enumerate().map(move |(i, date)| {
            vec![
                date.to_string(),
                d.subject.clone(),
                d.label.clone(),
                kind_name(d.kind).to_string(),
                match d.measure {
                    carepath_engine::Measure::Occupied => "occupied",
                    carepath_engine::Measure::Waiting => "waiting",
                }
                .to_string(),
                d.capacity.get(i).map(u32::to_string).unwrap_or_default(),
                num(d.mean[i]),
                num(d.p5[i]),
                num(d.p50[i]),
                num(d.p95[i]),
            ]
        })
    });
    csv_bytes(
        &[
            "date", "subject", "label", "kind", "measure", "capacity", "mean", "p5", "p50", "p95",
        ],
        rows,
    )
}

fn kind_name(kind: carepath_engine::PoolKind) -> &'static str {
    match kind {
        carepath_engine::PoolKind::Ward => "ward",
        carepath_engine::PoolKind::Service => "service",
        carepath_engine::PoolKind::OutOfArea => "out_of_area",
        carepath_engine::PoolKind::Pathway => "pathway",
    }
}

/// The distribution of midnight occupancy: percentage of days at each level, for each
/// stretch of days with one capacity (`from`, `to`, `capacity`).
pub fn occupancy_csv(s: &Summary) -> Vec<u8> {
    let rows = s.occupancy.iter().flat_map(|o| {
        o.segments.iter().flat_map(move |g| {
            g.pct_of_days.iter().enumerate().map(move |(level, pct)| {
                vec![
                    o.subject.clone(),
                    o.label.clone(),
                    kind_name(o.kind).to_string(),
                    g.first_day.to_string(),
                    g.last_day.to_string(),
                    g.capacity.to_string(),
                    level.to_string(),
                    num(*pct),
                ]
            })
        })
    });
    csv_bytes(
        &[
            "subject",
            "label",
            "kind",
            "from",
            "to",
            "capacity",
            "occupied",
            "pct_of_days",
        ],
        rows,
    )
}

/// Paired differences `b − a`, one row per KPI.
pub fn comparison_csv(rows: &[(&str, &str, &[Difference])]) -> Vec<u8> {
    let rows = rows.iter().flat_map(|(a, b, diffs)| {
        diffs.iter().map(move |d| {
            vec![
                a.to_string(),
                b.to_string(),
                d.key.metric.name().to_string(),
                d.key.metric.label().to_string(),
                d.key.subject.to_string(),
                d.key.period.to_string(),
                d.unit.to_string(),
                num(d.mean_a),
                num(d.mean_b),
                num(d.diff_mean),
                num(d.ci_low),
                num(d.ci_high),
                num(d.unpaired_half_width),
                d.n.to_string(),
            ]
        })
    });
    csv_bytes(
        &[
            "baseline",
            "scenario",
            "metric",
            "label",
            "subject",
            "period",
            "unit",
            "mean_baseline",
            "mean_scenario",
            "difference",
            "ci_low",
            "ci_high",
            "unpaired_half_width",
            "n",
        ],
        rows,
    )
}

/// One input file and its hash.
#[derive(Serialize, JsonSchema)]
pub struct Source {
    pub path: String,
    pub sha256: String,
}

/// What a scenario was run with.
#[derive(Serialize, JsonSchema)]
pub struct ManifestScenario {
    pub name: String,
    pub file: String,
    pub sources: Vec<Source>,
    pub seed: u64,
    pub replications: u32,
    pub start_date: chrono::NaiveDate,
    pub days: u32,
    pub warmup_days: u32,
}

/// Enough to reproduce a run: `manifest.json`.
#[derive(Serialize, JsonSchema)]
pub struct Manifest {
    /// The version of this shape ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    pub carepath_version: &'static str,
    pub command: Vec<String>,
    pub started_utc: String,
    pub run_seconds: f64,
    pub threads: usize,
    pub events: u64,
    pub rng: &'static str,
    pub scenarios: Vec<ManifestScenario>,
}

impl Manifest {
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

/// SHA-256 of some bytes, in hex.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_numbers_are_empty_cells() {
        assert_eq!(num(f64::NAN), "");
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(1500.0), "1500");
    }

    /// Rows rendered apart and joined after one header are the file written in one go, cells
    /// that need quoting included.
    #[test]
    fn summary_rows_join_into_one_csv() {
        let model = |name: &str| {
            let mut s = carepath_engine::examples::roadmap(2);
            s.name = name.into();
            s.validate().unwrap()
        };
        let a = carepath_engine::run(&model("a"), 0..2).unwrap();
        let b = carepath_engine::run(&model("b, \"quoted\""), 0..2).unwrap();
        let whole = csv_bytes(
            &SUMMARY_HEADER,
            [&a, &b]
                .iter()
                .flat_map(|s| s.kpis.iter().map(|k| kpi_row(&s.scenario, k))),
        );
        let (ra, rb) = (summary_rows(&a), summary_rows(&b));
        let joined = summary_csv([&ra[..], &rb[..]]);
        assert_eq!(
            String::from_utf8(joined).unwrap(),
            String::from_utf8(whole).unwrap()
        );
        assert!(String::from_utf8(rb)
            .unwrap()
            .starts_with("\"b, \"\"quoted\"\"\","));
    }
}
