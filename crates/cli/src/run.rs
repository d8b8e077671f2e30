//! The commands that run scenarios and publish them as one output folder: `run`, `merge` and
//! `compare`, and `validate`, which only loads them.

use crate::args::{CompareArgs, MergeArgs, RunArgs};
use crate::failure::{usage, Failure};
use crate::{checks, say, tables};
use carepath_engine::Summary;
use carepath_experiment::exec::{self, Timing};
use carepath_experiment::shard::{self, Shard};
use carepath_experiment::trace::Trace;
use carepath_experiment::{verdict, Error, Experiment, RunRequest};
use carepath_report::outdir::OutDir;
use carepath_report::{events, publish};
use carepath_scenario::{LoadOptions, LoadedScenario, Source};
use std::path::{Path, PathBuf};

pub fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    match carepath_scenario::load(files, &LoadOptions::default()) {
        Ok(scenarios) => {
            let lines: String = scenarios
                .iter()
                .map(|s| format!("ok: {} ({})\n", s.name, s.path.display()))
                .collect();
            say(&lines)
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} error(s) found", errors.len());
            Err(Failure::Checks)
        }
    }
}

pub fn run(args: RunArgs) -> Result<(), Failure> {
    let request = args.request();
    let experiment = request.load()?;
    if let Some(spec) = &args.shard {
        return run_shard(&args, &request, spec, &experiment);
    }
    experiment.check_baseline()?;
    experiment.check_memory()?;
    let trace = args.trace.map(|replication| Trace {
        replication,
        scenario: args.trace_scenario.as_deref(),
    });
    if let Some(t) = &trace {
        t.check(&experiment.scenarios)?;
    }
    let dir = open_out(&args.common.out)?;
    let (summaries, timing) = experiment.simulate()?;
    let extra = match &trace {
        Some(t) => events::files(t, &experiment.scenarios)?,
        None => Vec::new(),
    };
    let out = Finish {
        json: args.common.json,
        dir: &dir,
        extra: &extra,
    };
    finish(&experiment, summaries, &timing, out)
}

/// Locks the output folder for this run (before any simulation, so that a second run into it
/// stops at once).
pub fn open_out(out: &Path) -> Result<OutDir, Failure> {
    Ok(OutDir::open(out)?)
}

/// Where and how a run's summaries are published.
struct Finish<'a> {
    json: bool,
    dir: &'a OutDir,
    /// Further files to publish with the rest (path in the output folder, bytes).
    extra: &'a [(String, Vec<u8>)],
}

/// Publishes summaries, prints the tables (or JSON) and evaluates the checks: the end of
/// `run` and of `merge`.
fn finish(
    experiment: &Experiment,
    summaries: Vec<Summary>,
    timing: &Timing,
    args: Finish,
) -> Result<(), Failure> {
    let scenarios = &experiment.scenarios;
    let results = experiment.results(summaries)?;
    // Charts are drawn on as many threads as the simulation ran on.
    let pool = exec::thread_pool(experiment.threads)?;
    let published =
        pool.install(|| publish::publish(results, scenarios, timing, args.dir, args.extra))?;
    let outcomes = verdict::evaluate(scenarios, &published.runs, &experiment.checks);
    if args.json {
        say(&format!(
            "{}\n",
            publish::json_summary(&published, &outcomes)
        ))?;
    } else {
        say(&tables::tables(&published))?;
        say(&crate::advise::text(&published.runs))?;
        say(&format!(
            "{} replications of {} scenario(s) in {:.1} s on {} thread(s); wrote {}\n",
            scenarios.iter().map(|s| s.runs() as u64).sum::<u64>(),
            scenarios.len(),
            timing.elapsed.as_secs_f64(),
            timing.threads,
            args.dir.path().join("report.html").display()
        ))?;
    }
    checks::print(&outcomes)
}

/// `run --shard`: runs one shard's jobs and writes its part file; checks wait for `merge`.
fn run_shard(
    args: &RunArgs,
    request: &RunRequest,
    spec: &str,
    experiment: &Experiment,
) -> Result<(), Failure> {
    let scenarios = &experiment.scenarios;
    let shard = Shard::parse(spec, args.shard_count)?;
    let run = shard::run_id(scenarios, args.baseline.as_deref())?;
    let pool = exec::thread_pool(args.common.threads)?;
    let (aggregators, timing) = exec::aggregate(&pool, scenarios, shard).map_err(Error::from)?;
    let replications: usize = aggregators.iter().flatten().map(|a| a.len()).sum();
    let path = shard::part_path(&args.common.out, shard);
    let inputs = shard::Inputs::new(
        &args.files,
        &request.options,
        request.baseline.as_deref(),
        &request.checks,
    )?;
    shard::write(
        &path,
        run,
        shard,
        inputs,
        timing.elapsed.as_secs_f64(),
        timing.threads,
        scenarios,
        aggregators,
    )?;
    say(&format!(
        "shard {shard}: {replications} replications of {} scenario(s) in {:.1} s on {} thread(s); wrote {}\n",
        scenarios.len(),
        timing.elapsed.as_secs_f64(),
        timing.threads,
        path.display()
    ))
}

/// `merge`: the shards of one run, checked, merged and published as `run` would have.
pub fn merge(args: MergeArgs) -> Result<(), Failure> {
    let start = std::time::Instant::now();
    let merged = shard::read_parts(&args.parts)?;
    let inputs = merged.inputs.clone();
    let request = RunRequest {
        sources: inputs
            .absolute_files()
            .into_iter()
            .map(Source::Path)
            .collect(),
        options: inputs.load_options(),
        checks: inputs.checks.clone(),
        baseline: inputs.baseline.clone(),
        threads: args.threads,
        memory_limit: args.memory_limit,
    };
    let mut experiment = request.load()?;
    inputs.restore_paths(&mut experiment.scenarios);
    let scenarios = &experiment.scenarios;
    let run = shard::run_id(scenarios, inputs.baseline.as_deref())?;
    experiment.check_baseline()?;
    experiment.check_memory()?;
    let (seconds, threads) = (merged.seconds, merged.threads);
    let aggregators = merged.aggregators(scenarios, &run)?;
    let dir = open_out(&args.out)?;
    let pool = exec::thread_pool(args.threads)?;
    let events = aggregators.iter().map(|a| a.events()).sum();
    let summaries = pool.install(|| {
        use rayon::prelude::*;
        aggregators
            .into_par_iter()
            .map(carepath_engine::Aggregator::finish)
            .collect()
    });
    let timing = Timing {
        elapsed: std::time::Duration::from_secs_f64(seconds) + start.elapsed(),
        events,
        threads,
    };
    let out = Finish {
        json: args.json,
        dir: &dir,
        extra: &[],
    };
    finish(&experiment, summaries, &timing, out)
}

pub fn compare(args: CompareArgs) -> Result<(), Failure> {
    let mut request = RunRequest {
        sources: vec![Source::Path(args.a.clone())],
        options: args.common.options(Vec::new()),
        checks: args.common.checks.clone(),
        baseline: None,
        threads: args.common.threads,
        memory_limit: args.common.memory_limit,
    };
    let a = request.load()?;
    // Common random numbers need the same seed and replications: b takes a's.
    if let Some(first) = a.scenarios.first() {
        request.options.seed.get_or_insert(first.model.seed());
        request
            .options
            .reps
            .get_or_insert(first.model.replications());
    }
    request.sources = vec![Source::Path(args.b.clone())];
    let b = request.load()?;
    if a.scenarios.len() != 1 || b.scenarios.len() != 1 {
        return Err(usage("`compare` takes two scenarios without sweeps".into()));
    }
    let scenarios: Vec<LoadedScenario> = a.scenarios.into_iter().chain(b.scenarios).collect();
    let differences = unpaired(&scenarios[0], &scenarios[1]);
    if !differences.is_empty() {
        return Err(usage(format!(
            "`compare` pairs two runs day by day, so they need the same horizon, seed and replications; these differ: {}",
            differences.join("; ")
        )));
    }
    let experiment = Experiment {
        baseline: Some(scenarios[0].name.clone()),
        scenarios,
        checks: a.checks,
        threads: args.common.threads,
        memory_limit: args.common.memory_limit,
    };
    experiment.check_memory()?;
    let dir = open_out(&args.common.out)?;
    let (summaries, timing) = experiment.simulate()?;
    let results = experiment.results(summaries)?;
    let published = publish::publish(results, &experiment.scenarios, &timing, &dir, &[])?;
    let outcomes = verdict::evaluate(&experiment.scenarios, &published.runs, &experiment.checks);
    if args.common.json {
        say(&format!(
            "{}\n",
            publish::json_summary(&published, &outcomes)
        ))?;
    } else {
        say(&tables::differences(&published))?;
        say(&format!(
            "wrote {} and {}\n",
            args.common.out.join("comparison.csv").display(),
            args.common.out.join("report.html").display()
        ))?;
    }
    checks::print(&outcomes)
}

/// What stops two scenarios from being compared pair by pair: each `[simulation]` setting that
/// differs, as `key a vs b`.
fn unpaired(a: &LoadedScenario, b: &LoadedScenario) -> Vec<String> {
    let (x, y) = (&a.scenario.simulation, &b.scenario.simulation);
    let settings = [
        (
            "start_date",
            x.start_date.to_string(),
            y.start_date.to_string(),
        ),
        ("years", x.years.to_string(), y.years.to_string()),
        (
            "warmup_days",
            x.warmup_days.to_string(),
            y.warmup_days.to_string(),
        ),
        (
            "seed",
            a.model.seed().to_string(),
            b.model.seed().to_string(),
        ),
        (
            "replications",
            a.model.replications().to_string(),
            b.model.replications().to_string(),
        ),
    ];
    settings
        .into_iter()
        .filter(|(_, p, q)| p != q)
        .map(|(key, p, q)| format!("`simulation.{key}` {p} vs {q}"))
        .collect()
}
