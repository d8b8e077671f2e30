//! From summaries to the files in `output/`: per-scenario CSV and JSON, paired comparisons
//! with the baseline, charts, the report and the manifest, staged and committed together.

use crate::charts::{self, Chart};
use crate::config::{Check, LoadedScenario};
use crate::exec::Timing;
use crate::format;
use crate::outdir::OutDir;
use crate::output::{self, Manifest, ManifestScenario, Source};
use crate::report;
use crate::results::{results, Comparison, Methods, Results, ScenarioRun};
use crate::uncertainty;
use crate::verdict::Outcome;
use crate::workbook;
use carepath_engine::{Metric, Period, Summary};
use rayon::prelude::*;
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Writes bytes to a path in the staged output folder, from any thread.
type Put<'a> = dyn Fn(String, &[u8]) -> Result<(), String> + Sync + 'a;

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

/// The KPIs shown in terminal tables (overall period, whole pathway).
const HEADLINE: [Metric; 6] = [
    Metric::Referrals,
    Metric::Admissions,
    Metric::AdmissionsAvoided,
    Metric::OapPlacements,
    Metric::OapBedDays,
    Metric::Cost,
];

/// The summary chart: paired differences against the reference for the headline KPIs, a
/// year.
pub fn differences_chart(
    runs: &[ScenarioRun],
    reference: &ScenarioRun,
    comparisons: &[Comparison],
) -> Result<Option<Chart>, String> {
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
}

/// What a run publishes beside its summaries.
#[derive(Default)]
pub struct Extras<'a> {
    /// Each scenario's warm-up advice, in the order of the scenarios (missing: none).
    pub warmups: Vec<Option<crate::advice::Warmup>>,
    /// Further files (path in the output folder, bytes), such as event logs.
    pub files: &'a [(String, Vec<u8>)],
}

/// Builds every output and commits them to `out` together. `cli_checks` are the command
/// line's targets, shown with each scenario's own.
pub fn publish(
    scenarios: &[LoadedScenario],
    summaries: Vec<Summary>,
    baseline: Option<&str>,
    cli_checks: &[Check],
    timing: &Timing,
    dir: &OutDir,
    extras: Extras,
) -> Result<Published, String> {
    let results = results(scenarios, summaries, baseline, cli_checks, extras.warmups)?;
    write(&results, scenarios, timing, dir, extras.files)?;
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
        &carepath_experiment::advice::json(run),
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
) -> Result<(), String> {
    let Results {
        runs,
        comparisons,
        reference: base,
    } = results;
    let base = *base;
    let out = dir.path();
    let write_err = |e: std::io::Error| format!("cannot write to {}: {e}", out.display());
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
) -> Result<ScenarioCharts, String> {
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

fn manifest(scenarios: &[LoadedScenario], timing: &Timing) -> Result<Manifest, String> {
    let mut list = Vec::new();
    for s in scenarios {
        let sources = s
            .sources
            .iter()
            .map(|p| {
                output::sha256_file(p)
                    .map(|sha256| Source {
                        path: p.display().to_string(),
                        sha256,
                    })
                    .map_err(|e| format!("cannot read {}: {e}", p.display()))
            })
            .collect::<Result<_, _>>()?;
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

/// Words cut into lines of at most `width` characters (breaking after `_` in names, and
/// inside a word only when it is longer than a line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in text.split(' ') {
        let mut piece = String::new();
        for ch in w.chars() {
            piece.push(ch);
            if ch == '_' || piece.chars().count() == width {
                words.push(std::mem::take(&mut piece));
            }
        }
        if !piece.is_empty() {
            words.push(piece);
        }
        if let Some(last) = words.last_mut() {
            last.push(' ');
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for w in words {
        if (line.clone() + w.trim_end()).chars().count() > width && !line.is_empty() {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
        line.push_str(&w);
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// A value for the terminal: per year for totals, money in £m.
fn term_value(m: Metric, s: &Summary, x: f64) -> String {
    let v = format::shown(m, s, x);
    if m.unit() == "£" {
        if v.is_finite() {
            format!("{:.1}", v / 1e6).replace('-', "−")
        } else {
            "–".into()
        }
    } else {
        format::value(m, v)
    }
}

fn term_label(m: Metric) -> String {
    if m.unit() == "£" {
        format!("{} (£m)", m.label())
    } else {
        m.label().to_string()
    }
}

/// Columns of `width` with headers wrapped over as many lines as they need.
fn header_lines(first: &str, first_width: usize, heads: &[String], width: usize) -> String {
    let wrapped: Vec<Vec<String>> = heads.iter().map(|h| wrap(h, width)).collect();
    let depth = wrapped.iter().map(Vec::len).max().unwrap_or(1).min(3);
    let mut out = String::new();
    for line in 0..depth {
        let lead = if line + 1 == depth { first } else { "" };
        let _ = write!(out, "{lead:<first_width$}");
        for w in &wrapped {
            // Bottom-aligned, so the last line of every header sits on the rule.
            let k = (line + w.len().min(depth)).checked_sub(depth);
            let text = k.and_then(|k| w.get(k)).map_or("", String::as_str);
            let _ = write!(out, " {text:>width$}");
        }
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    }
    out
}

/// Cuts `s` to `width` characters, ending in `…` when cut.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        s.chars().take(width.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// The headline KPIs of every scenario, within 100 columns: KPIs as rows and scenarios as
/// columns, or scenarios as rows when there are too many to fit across.
pub fn tables(p: &Published) -> String {
    const W: usize = 11;
    let mut out = String::new();
    let Some(first) = p.runs.first() else {
        return out;
    };
    let metrics: Vec<Metric> = HEADLINE
        .iter()
        .copied()
        .filter(|m| {
            p.runs
                .iter()
                .any(|r| r.summary.kpi(*m, "", Period::Overall).is_some())
        })
        .collect();
    let _ = writeln!(
        out,
        "Means of {} replications, a year over {}; money in £m.",
        first.summary.replications,
        period_short(&first.summary)
    );
    let value = |r: &ScenarioRun, m: Metric| {
        r.summary
            .kpi(m, "", Period::Overall)
            .map_or("–".into(), |k| term_value(m, &r.summary, k.estimate.mean))
    };
    const L: usize = 24;
    let heads: Vec<String> = p.runs.iter().map(terminal_name).collect();
    let fits = heads.iter().all(|h| wrap(h, W).len() <= 3);
    if fits && L + p.runs.len() * (W + 1) <= 100 {
        out.push_str(&header_lines("", L, &heads, W));
        for m in metrics {
            let _ = write!(out, "{:<L$}", fit(&term_label(m), L));
            for r in &p.runs {
                let _ = write!(out, " {:>W$}", fit(&value(r, m), W));
            }
            out.push('\n');
        }
    } else {
        let name_w = 100 - metrics.len() * (W + 1);
        let heads: Vec<String> = metrics.iter().map(|m| term_label(*m)).collect();
        out.push_str(&header_lines("scenario", name_w, &heads, W));
        for r in &p.runs {
            let _ = write!(out, "{:<name_w$}", fit(&terminal_name(r), name_w));
            for &m in &metrics {
                let _ = write!(out, " {:>W$}", fit(&value(r, m), W));
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "95 % CIs and every KPI: {}; differences: {}",
        p.out.join("summary.csv").display(),
        p.out.join("comparison.csv").display()
    );
    out
}

/// A scenario's name for a narrow terminal column.
fn terminal_name(r: &ScenarioRun) -> String {
    r.short_name().replace(',', " ")
}

/// "2022/23–2026/27 (5 financial years)"
fn period_short(s: &Summary) -> String {
    let years = format::financial_years(s);
    match (years.first(), years.last()) {
        (Some(a), Some(b)) => format!("{a}–{b} ({} financial years)", years.len()),
        _ => format!("{} days", s.days),
    }
}

/// Paired differences of every whole-pathway KPI, within 100 columns.
pub fn differences(p: &Published) -> String {
    let mut out = String::new();
    for c in &p.comparisons {
        let Some(run) = p.runs.iter().find(|r| r.name == c.scenario) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{} − {} (paired, same seeds; a year for counts and money; £m):",
            run.display_name(),
            c.baseline
        );
        let _ = writeln!(
            out,
            "{:<34} {:>11} {:>11} {:>11}  95 % CI",
            "", "reference", "scenario", "difference"
        );
        for d in c
            .differences
            .iter()
            .filter(|d| d.key.period == Period::Overall && d.key.subject.is_empty())
        {
            let m = d.key.metric;
            let v = |x| term_value(m, &run.summary, x);
            let diff = v(d.diff_mean);
            let diff = if d.diff_mean > 0.0 && !diff.starts_with('0') {
                format!("+{diff}")
            } else {
                diff
            };
            let _ = writeln!(
                out,
                "{:<34} {:>11} {:>11} {:>11}  {} to {}",
                fit(&term_label(m), 34),
                v(d.mean_a),
                v(d.mean_b),
                diff,
                v(d.ci_low),
                v(d.ci_high)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_wrap_into_columns() {
        assert_eq!(
            wrap("workforce_constrained", 11),
            ["workforce_", "constrained"]
        );
        assert_eq!(
            wrap("Out-of-area placements", 11),
            ["Out-of-area", "placements"]
        );
        assert_eq!(wrap("abcdefghijklmno", 11), ["abcdefghijk", "lmno"]);
        assert_eq!(fit("provider_closure", 8), "provide…");
    }
}
