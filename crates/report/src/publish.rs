//! From summaries to the files in `output/`: per-scenario CSV and JSON, paired comparisons
//! with the baseline, charts, the report and the manifest, staged and committed together.

use crate::charts::{self, Chart};
use crate::error::Error;
use crate::format;
use crate::outdir::OutDir;
use crate::output::{self, Manifest, ManifestScenario, Source};
use crate::report;
use crate::uncertainty;
use crate::workbook;
use carepath_engine::Period;
use carepath_experiment::exec::Timing;
use carepath_experiment::results::{Comparison, Methods, Results, ScenarioRun};
use carepath_experiment::verdict::Outcome;
use carepath_scenario::LoadedScenario;
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;
use std::path::PathBuf;

/// Writes bytes to a path in the staged output folder, from any thread.
type Put<'a> = dyn Fn(String, &[u8]) -> Result<(), Error> + Sync + 'a;

/// Scenarios whose rows of the run's `summary.csv` are rendered together.
const SUMMARY_BATCH: usize = 64;

/// The charts of one scenario that the report shows, once its own files are written.
struct ScenarioCharts {
    charts: Option<Vec<Chart>>,
    tornado: Option<Vec<Chart>>,
}

/// What a run published.
pub struct Published {
    pub runs: Vec<ScenarioRun>,
    pub comparisons: Vec<Comparison>,
    pub out: PathBuf,
}

/// The summary chart: paired differences against the reference for the headline KPIs, a
/// year.
pub fn differences_chart(
    runs: &[ScenarioRun],
    reference: &ScenarioRun,
    comparisons: &[Comparison],
) -> Result<Option<Chart>, Error> {
    if comparisons.is_empty() {
        return Ok(None);
    }
    let panels = carepath_engine::SUMMARY_KPIS
        .iter()
        .map(|&m| (m, m.label().to_string()))
        .collect();
    let rows = comparisons
        .iter()
        .filter_map(|c| {
            let run = runs.iter().find(|r| r.name == c.scenario)?;
            let cells = carepath_engine::SUMMARY_KPIS
                .iter()
                .map(|&m| {
                    c.differences
                        .iter()
                        .find(|d| {
                            d.key.metric == m
                                && d.key.subject.is_empty()
                                && d.key.period == Period::Overall
                        })
                        .map(|d| {
                            let f = |x| format::shown(m, &run.summary, x);
                            (f(d.diff_mean), f(d.ci_low), f(d.ci_high))
                        })
                })
                .collect();
            Some((run.short_name(), cells))
        })
        .collect();
    charts::differences_chart(charts::Differences {
        title: format!(
            "Change against {} a year, with 95 % CI",
            reference.short_name()
        ),
        panels,
        rows,
    })
    .map(Some)
    .map_err(Error::from)
}

/// Renders every output of `results` and commits them to `dir` together, with `files` (path
/// in the output folder, bytes, such as event logs) beside them; what was published.
pub fn publish(
    results: Results,
    scenarios: &[LoadedScenario],
    timing: &Timing,
    dir: &OutDir,
    files: &[(String, Vec<u8>)],
) -> Result<Published, Error> {
    write(&results, scenarios, timing, dir, files)?;
    Ok(Published {
        runs: results.runs,
        comparisons: results.comparisons,
        out: dir.path().to_path_buf(),
    })
}

/// `comparison.csv`.
pub fn comparison_csv(results: &Results) -> Vec<u8> {
    let rows: Vec<(&str, &str, &[_])> = results
        .comparisons
        .iter()
        .map(|c| {
            (
                c.baseline.as_str(),
                c.scenario.as_str(),
                c.differences.as_slice(),
            )
        })
        .collect();
    output::comparison_csv(&rows)
}

/// `summary.csv`: every scenario's KPIs.
pub fn summary_csv(results: &Results) -> Vec<u8> {
    let rows: Vec<Vec<u8>> = (results.runs.par_iter())
        .map(|r| output::summary_rows(&r.summary))
        .collect();
    output::summary_csv(rows.iter().map(Vec::as_slice))
}

/// `<scenario>/summary.json`.
pub fn summary_json(run: &ScenarioRun) -> Vec<u8> {
    output::summary_json(
        &run.summary,
        &run.description,
        &carepath_experiment::advice::advice_json(&run.summary, run.warmup.as_ref()),
    )
}

/// `uncertainty.csv` and `sensitivity.csv`, with parameter draws.
pub fn uncertainty_csvs(results: &Results) -> Option<(Vec<u8>, Vec<u8>)> {
    results
        .runs
        .iter()
        .any(|r| r.uncertainty.is_some())
        .then(|| {
            (
                uncertainty::uncertainty_csv(&results.runs),
                uncertainty::sensitivity_csv(&results.runs),
            )
        })
}

/// Renders every output of `results` and commits them to `dir` together, with `files`
/// (path in the output folder, bytes) beside them.
pub fn write(
    results: &Results,
    scenarios: &[LoadedScenario],
    timing: &Timing,
    dir: &OutDir,
    files: &[(String, Vec<u8>)],
) -> Result<(), Error> {
    let Results {
        runs,
        comparisons,
        reference: base,
    } = results;
    let base = *base;
    let out = dir.path();
    let write_err = |source: std::io::Error| Error::Write {
        path: out.to_path_buf(),
        source,
    };
    let staging = dir.stage().map_err(write_err)?;
    let put = |rel: String, bytes: &[u8]| staging.write(rel, bytes).map_err(write_err);
    // Each scenario's files are rendered and written on every thread (each to paths of its
    // own, so the bytes do not depend on the order), its charts kept in order for the report.
    let charts_of_runs: Vec<ScenarioCharts> = runs
        .par_iter()
        .zip(scenarios)
        .map(|(run, s)| write_scenario(run, s, &put))
        .collect::<Result<_, _>>()?;
    let mut scenario_charts: Vec<(usize, Vec<Chart>)> = Vec::new();
    let mut tornado_charts: Vec<(usize, Vec<Chart>)> = Vec::new();
    for (i, f) in charts_of_runs.into_iter().enumerate() {
        scenario_charts.extend(f.charts.map(|c| (i, c)));
        tornado_charts.extend(f.tornado.map(|c| (i, c)));
    }
    if let Some((uncertainty, sensitivity)) = uncertainty_csvs(results) {
        put("uncertainty.csv".into(), &uncertainty)?;
        put("sensitivity.csv".into(), &sensitivity)?;
    }
    // The run's `summary.csv`: the header, then the scenarios' rows, rendered on every
    // thread a batch at a time and written in order, so that the file is never whole in
    // memory (a grid of thousands of points has hundreds of megabytes of rows).
    let header = output::summary_csv([]);
    let batches = runs.chunks(SUMMARY_BATCH).flat_map(|batch| {
        (batch.par_iter())
            .map(|r| output::summary_rows(&r.summary))
            .collect::<Vec<_>>()
    });
    staging
        .write_parts("summary.csv", std::iter::once(header).chain(batches))
        .map_err(write_err)?;
    put("comparison.csv".into(), &comparison_csv(results))?;
    let summary_chart = match base {
        Some(b) => differences_chart(runs, &runs[b], comparisons)?,
        None => None,
    };
    let sweep_charts = charts::sweep_charts(runs)?;
    for chart in summary_chart.iter().chain(&sweep_charts) {
        put(format!("charts/{}.svg", chart.name), chart.svg.as_bytes())?;
        put(format!("charts/{}.png", chart.name), &chart.png)?;
    }

    let methods = Methods {
        version: env!("CARGO_PKG_VERSION").to_string(),
        replications: runs.first().map_or(0, |r| r.summary.replications),
        seed: runs.first().map_or(0, |r| r.summary.seed),
        warmup_days: runs.first().map_or(0, |r| r.summary.warmup_days),
    };
    let html = report::render(&report::Report {
        runs,
        reference: base,
        comparisons,
        differences: summary_chart.as_ref(),
        sweep_charts: &sweep_charts,
        scenario_charts: &scenario_charts,
        tornado_charts: &tornado_charts,
        methods: &methods,
    });
    put("report.html".into(), html.as_bytes())?;
    put(
        "results.xlsx".into(),
        &workbook::workbook(runs, base, comparisons)?,
    )?;
    for (rel, bytes) in files {
        put(rel.clone(), bytes)?;
    }
    put(
        "manifest.json".into(),
        &manifest(scenarios, timing)?.to_bytes(),
    )?;
    staging.commit().map_err(write_err)
}

/// Writes one scenario's own files (its KPIs, daily series, occupancy, charts and, with
/// parameter draws, its uncertainty) through `put`, and returns the charts the report shows.
/// Sweep points get numbers, not charts: their charts are the sweep's.
fn write_scenario(
    run: &ScenarioRun,
    s: &LoadedScenario,
    put: &Put<'_>,
) -> Result<ScenarioCharts, Error> {
    let dir = &run.name;
    let put_charts = |charts: &[Chart]| {
        charts.iter().try_for_each(|chart| {
            put(
                format!("{dir}/charts/{}.svg", chart.name),
                chart.svg.as_bytes(),
            )?;
            put(format!("{dir}/charts/{}.png", chart.name), &chart.png)
        })
    };
    let rows = output::summary_rows(&run.summary);
    put(
        format!("{dir}/summary.csv"),
        &output::summary_csv([&rows[..]]),
    )?;
    put(format!("{dir}/summary.json"), &summary_json(run))?;
    put(format!("{dir}/daily.csv"), &output::daily_csv(&run.summary))?;
    put(
        format!("{dir}/occupancy.csv"),
        &output::occupancy_csv(&run.summary),
    )?;
    let charts = match s.sweep {
        None => Some(charts::scenario_charts(run)?),
        Some(_) => None,
    };
    if let Some(charts) = &charts {
        put_charts(charts)?;
    }
    let tornado = match &run.uncertainty {
        Some(u) => {
            let json = serde_json::to_vec_pretty(&uncertainty::json(run, u)).unwrap_or_default();
            put(format!("{dir}/uncertainty.json"), &json)?;
            let charts = charts::tornado_charts(run, u)?;
            put_charts(&charts)?;
            Some(charts)
        }
        None => None,
    };
    Ok(ScenarioCharts { charts, tornado })
}

fn manifest(scenarios: &[LoadedScenario], timing: &Timing) -> Result<Manifest, Error> {
    let mut list = Vec::new();
    for s in scenarios {
        // The text each scenario was loaded from, so the hash is of what ran even if a file
        // has changed since.
        let sources = s
            .sources
            .iter()
            .map(|f| Source {
                path: f.path.display().to_string(),
                sha256: output::sha256(f.text.as_bytes()),
            })
            .collect();
        list.push(ManifestScenario {
            name: s.name.clone(),
            file: s.path.display().to_string(),
            sources,
            seed: s.model.seed(),
            replications: s.model.replications(),
            start_date: s.scenario.simulation.start_date,
            days: s.model.days(),
            warmup_days: s.model.warmup_days(),
        });
    }
    Ok(Manifest {
        schema_version: output::SCHEMA_VERSION,
        carepath_version: env!("CARGO_PKG_VERSION"),
        command: std::env::args().collect(),
        started_utc: (chrono::Utc::now() - timing.elapsed).to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        run_seconds: timing.elapsed.as_secs_f64(),
        threads: timing.threads,
        events: timing.events,
        rng: "xoshiro256++ (arrivals) and SplitMix64 per patient attribute, seeded from (seed, replication)",
        scenarios: list,
    })
}

/// `--json`: every scenario's KPIs, the comparisons and the checks, on one document.
pub fn json_summary(p: &Published, outcomes: &[Outcome]) -> String {
    let doc = RunJson {
        schema_version: output::SCHEMA_VERSION,
        carepath_version: env!("CARGO_PKG_VERSION"),
        output_dir: p.out.display().to_string(),
        scenarios: p
            .runs
            .iter()
            .map(|r| RunScenario {
                scenario: &r.name,
                replications: r.summary.replications,
                seed: r.summary.seed,
                kpis: &r.summary.kpis,
                uncertainty: r.uncertainty.as_ref().map(|u| uncertainty::json(r, u)),
            })
            .collect(),
        comparisons: p
            .comparisons
            .iter()
            .map(|c| RunComparison {
                baseline: &c.baseline,
                scenario: &c.scenario,
                differences: &c.differences,
            })
            .collect(),
        checks: outcomes,
        checks_passed: outcomes.iter().all(|o| o.passed),
    };
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// The JSON Schema (2020-12) of every JSON output, for `carepath schema --output`: one
/// document whose `$defs` hold `ScenarioSummary` (`<scenario>/summary.json`), `RunJson`
/// (`--json`) and `Manifest` (`manifest.json`); a document is valid when it is one of them.
/// Made from the types that write them, so it cannot drift from the files.
pub fn output_schema() -> serde_json::Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let shapes = [
        generator.subschema_for::<output::SummaryJson>(),
        generator.subschema_for::<RunJson>(),
        generator.subschema_for::<Manifest>(),
    ];
    let defs = generator.take_definitions(true);
    serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "carepath outputs",
        "description": format!(
            "summary.json, manifest.json and the --json document of carepath {}, shape version {}.",
            env!("CARGO_PKG_VERSION"),
            output::SCHEMA_VERSION
        ),
        "anyOf": shapes,
        "$defs": defs,
    })
}

/// What `run --json` and `merge --json` print.
#[derive(Serialize, JsonSchema)]
pub struct RunJson<'a> {
    /// The version of this shape.
    schema_version: u32,
    carepath_version: &'a str,
    /// Where the files were written.
    output_dir: String,
    scenarios: Vec<RunScenario<'a>>,
    /// Paired differences of each scenario from the reference.
    comparisons: Vec<RunComparison<'a>>,
    /// Every check on every scenario.
    checks: &'a [Outcome],
    /// Whether every check passed (the exit code is 1 otherwise).
    checks_passed: bool,
}

/// One scenario's KPIs in `--json`.
#[derive(Serialize, JsonSchema)]
struct RunScenario<'a> {
    scenario: &'a str,
    replications: u32,
    seed: u64,
    kpis: &'a [carepath_engine::Kpi],
    /// With `simulation.parameter_draws`: the KPIs over parameter draws, as in
    /// `<scenario>/uncertainty.json`; otherwise null.
    uncertainty: Option<serde_json::Value>,
}

/// One scenario against the reference in `--json` (the rows of `comparison.csv`).
#[derive(Serialize, JsonSchema)]
struct RunComparison<'a> {
    baseline: &'a str,
    scenario: &'a str,
    differences: &'a [carepath_engine::Difference],
}

/// The search's table and chart, published with the chosen point's outputs in the same
/// atomic step.
pub fn solve_files(
    csv: &[u8],
    plot: &carepath_experiment::solve::SolvePlot,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let chart = charts::solve_chart(plot)?;
    Ok(vec![
        ("solve/solve.csv".to_string(), csv.to_vec()),
        ("solve/solve.svg".to_string(), chart.svg.into_bytes()),
        ("solve/solve.png".to_string(), chart.png),
    ])
}
