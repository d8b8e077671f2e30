//! From summaries to the files in `output/`: per-scenario CSV and JSON, paired comparisons
//! with the baseline, charts, the report and the manifest, staged and committed together.

use crate::charts::{self, Chart};
use crate::config::LoadedScenario;
use crate::exec::Timing;
use crate::output::{self, Manifest, ManifestScenario, Source, Staging};
use crate::report;
use crate::results::{Comparison, Methods, ScenarioRun};
use crate::verdict::Outcome;
use carepath_engine::{compare, Metric, Period, Scenario, Summary};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// What a run published.
pub struct Published {
    pub runs: Vec<ScenarioRun>,
    pub comparisons: Vec<Comparison>,
    pub out: PathBuf,
}

/// The KPIs shown in terminal tables (overall period, whole pathway).
const HEADLINE: [Metric; 7] = [
    Metric::Referrals,
    Metric::Admissions,
    Metric::AdmissionsAvoided,
    Metric::OapPlacements,
    Metric::OapBedDays,
    Metric::BedWaitsOverTarget,
    Metric::Cost,
];

/// Key parameters of a scenario, for the report's scenario table.
fn key_params(s: &Scenario) -> Vec<(String, String)> {
    let mut p = vec![
        (
            "Referrals per year".to_string(),
            format!(
                "{:.0}, growing {:.1} % a year",
                s.demand.referrals_per_year,
                100.0 * s.demand.annual_growth
            ),
        ),
        (
            "Reported period".to_string(),
            format!(
                "{} years from {} (after {} days' warm-up)",
                s.simulation.years, s.simulation.start_date, s.simulation.warmup_days
            ),
        ),
    ];
    let beds: Vec<String> = s
        .wards
        .iter()
        .map(|(k, w)| {
            format!(
                "{} {}",
                if w.label.is_empty() { k } else { &w.label },
                w.beds
            )
        })
        .collect();
    p.push(("Beds at the start".into(), beds.join("; ")));
    if !s.services.is_empty() {
        let places: Vec<String> = s
            .services
            .iter()
            .map(|(k, v)| {
                format!(
                    "{} {}",
                    if v.label.is_empty() { k } else { &v.label },
                    v.places
                )
            })
            .collect();
        p.push(("Community places".into(), places.join("; ")));
    }
    let mut roadmap: Vec<_> = s.roadmap.iter().collect();
    roadmap.sort_by_key(|r| r.date);
    for r in roadmap {
        let what = match (&r.ward, &r.service, r.capacity) {
            (Some(w), _, Some(c)) => format!("{w} to {c} beds"),
            (_, Some(v), Some(c)) => format!("{v} to {c} places"),
            _ => "demand change".to_string(),
        };
        let note = if r.note.is_empty() {
            what
        } else {
            format!("{} ({what})", r.note)
        };
        p.push((format!("Roadmap {}", r.date), note));
    }
    p
}

/// The scenario the others are compared with: the one named, else `baseline`, else the first
/// that is not a sweep point.
fn baseline_index(runs: &[ScenarioRun], named: Option<&str>) -> Result<Option<usize>, String> {
    if let Some(name) = named {
        return runs
            .iter()
            .position(|r| r.name == name)
            .map(Some)
            .ok_or_else(|| format!("--baseline {name}: no scenario of that name was run"));
    }
    Ok(runs
        .iter()
        .position(|r| r.name == "baseline")
        .or_else(|| runs.iter().position(|r| r.sweep.is_none())))
}

/// Builds every output and commits them to `out` together.
pub fn publish(
    scenarios: &[LoadedScenario],
    summaries: Vec<Summary>,
    baseline: Option<&str>,
    timing: &Timing,
    out: &Path,
) -> Result<Published, String> {
    let runs: Vec<ScenarioRun> = scenarios
        .iter()
        .zip(summaries)
        .map(|(s, summary)| ScenarioRun {
            name: s.name.clone(),
            description: s.scenario.description.clone(),
            params: key_params(&s.scenario),
            sweep: s.sweep.clone(),
            summary,
        })
        .collect();
    let base = baseline_index(&runs, baseline)?;
    let comparisons: Vec<Comparison> = match base {
        Some(b) => runs
            .iter()
            .enumerate()
            .filter(|&(i, r)| i != b && r.sweep.is_none() && r.summary.seed == runs[b].summary.seed)
            .map(|(_, r)| Comparison {
                baseline: runs[b].name.clone(),
                scenario: r.name.clone(),
                differences: compare(&runs[b].summary, &r.summary),
            })
            .collect(),
        None => Vec::new(),
    };

    let write_err = |e: std::io::Error| format!("cannot write to {}: {e}", out.display());
    let staging = Staging::new(out).map_err(write_err)?;
    let put = |rel: String, bytes: &[u8]| staging.write(rel, bytes).map_err(write_err);
    let mut all_charts: Vec<Chart> = Vec::new();
    for (run, s) in runs.iter().zip(scenarios) {
        let dir = &run.name;
        put(
            format!("{dir}/summary.csv"),
            &output::summary_csv(&[&run.summary]),
        )?;
        put(
            format!("{dir}/summary.json"),
            &output::summary_json(&run.summary, &run.description),
        )?;
        put(format!("{dir}/daily.csv"), &output::daily_csv(&run.summary))?;
        put(
            format!("{dir}/occupancy.csv"),
            &output::occupancy_csv(&run.summary),
        )?;
        // Sweep points get numbers, not charts: their charts are the sweep's.
        if s.sweep.is_none() {
            for mut chart in charts::scenario_charts(run)? {
                put(
                    format!("{dir}/charts/{}.svg", chart.name),
                    chart.svg.as_bytes(),
                )?;
                put(format!("{dir}/charts/{}.png", chart.name), &chart.png)?;
                chart.name = format!("{dir}/{}", chart.name);
                all_charts.push(chart);
            }
        }
    }
    let summaries: Vec<&Summary> = runs.iter().map(|r| &r.summary).collect();
    put("summary.csv".into(), &output::summary_csv(&summaries))?;
    let rows: Vec<(&str, &str, &[_])> = comparisons
        .iter()
        .map(|c| {
            (
                c.baseline.as_str(),
                c.scenario.as_str(),
                c.differences.as_slice(),
            )
        })
        .collect();
    put("comparison.csv".into(), &output::comparison_csv(&rows))?;
    let plain: Vec<ScenarioRun> = runs.iter().filter(|r| r.sweep.is_none()).cloned().collect();
    let mut shared = Vec::new();
    if plain.len() > 1 {
        shared.extend(charts::comparison_charts(&plain)?);
    }
    shared.extend(charts::sweep_charts(&runs)?);
    for chart in &shared {
        put(format!("charts/{}.svg", chart.name), chart.svg.as_bytes())?;
        put(format!("charts/{}.png", chart.name), &chart.png)?;
    }
    all_charts.splice(0..0, shared);

    let methods = Methods {
        version: env!("CARGO_PKG_VERSION").to_string(),
        replications: runs.first().map_or(0, |r| r.summary.replications),
        seed: runs.first().map_or(0, |r| r.summary.seed),
        warmup_days: runs.first().map_or(0, |r| r.summary.warmup_days),
        run_seconds: timing.elapsed.as_secs_f64(),
        threads: timing.threads,
    };
    put(
        "report.html".into(),
        report::render(&runs, &comparisons, &all_charts, &methods).as_bytes(),
    )?;
    put(
        "manifest.json".into(),
        &manifest(scenarios, timing)?.to_bytes(),
    )?;
    staging.commit().map_err(write_err)?;
    Ok(Published {
        runs,
        comparisons,
        out: out.to_path_buf(),
    })
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
    let scenarios: Vec<_> = p
        .runs
        .iter()
        .map(|r| {
            serde_json::json!({
                "scenario": r.name,
                "replications": r.summary.replications,
                "seed": r.summary.seed,
                "kpis": r.summary.kpis,
            })
        })
        .collect();
    let comparisons: Vec<_> = p
        .comparisons
        .iter()
        .map(|c| serde_json::json!({"baseline": c.baseline, "scenario": c.scenario, "differences": c.differences}))
        .collect();
    let doc = serde_json::json!({
        "carepath_version": env!("CARGO_PKG_VERSION"),
        "output_dir": p.out.display().to_string(),
        "scenarios": scenarios,
        "comparisons": comparisons,
        "checks": outcomes,
        "checks_passed": outcomes.iter().all(|o| o.passed),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

fn fmt_value(x: f64) -> String {
    if !x.is_finite() {
        "–".into()
    } else if x.abs() >= 10_000.0 {
        format!("{:.0}", x)
    } else {
        format!("{:.1}", x)
    }
}

/// Headline KPIs over the whole period, mean and 95 % CI, one row per scenario.
pub fn tables(p: &Published) -> String {
    let mut out = String::new();
    let width = p
        .runs
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let _ = write!(out, "{:width$}", "scenario");
    for m in HEADLINE {
        let _ = write!(out, "  {:>24}", m.name());
    }
    out.push('\n');
    for r in &p.runs {
        let _ = write!(out, "{:width$}", r.name);
        for m in HEADLINE {
            let cell = r
                .summary
                .kpi(m, "", Period::Overall)
                .map_or("–".to_string(), |k| {
                    let e = &k.estimate;
                    format!(
                        "{} ±{}",
                        fmt_value(e.mean),
                        fmt_value((e.ci_high - e.ci_low) / 2.0)
                    )
                });
            let _ = write!(out, "  {cell:>24}");
        }
        out.push('\n');
    }
    out
}

/// Paired differences of the headline KPIs.
pub fn differences(p: &Published) -> String {
    let mut out = String::new();
    for c in &p.comparisons {
        let _ = writeln!(
            out,
            "{} − {} (paired, same seeds; 95 % CI):",
            c.scenario, c.baseline
        );
        for d in c
            .differences
            .iter()
            .filter(|d| d.key.period == Period::Overall && d.key.subject.is_empty())
        {
            let _ = writeln!(
                out,
                "  {:<28} {:>14} → {:>14}   {:>14} [{}, {}]",
                d.key.metric.name(),
                fmt_value(d.mean_a),
                fmt_value(d.mean_b),
                if d.diff_mean > 0.0 {
                    format!("+{}", fmt_value(d.diff_mean))
                } else {
                    fmt_value(d.diff_mean)
                },
                fmt_value(d.ci_low),
                fmt_value(d.ci_high)
            );
        }
    }
    out
}
