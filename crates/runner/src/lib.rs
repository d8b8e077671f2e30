//! carepath-runner: everything the `carepath` command does, as a library, so that the command
//! and the Python package call the same code.
//!
//! [`config`] reads and checks scenario files, [`exec`] runs them in parallel, [`publish`]
//! turns summaries into files (through [`output`], [`charts`] and [`report`]), and [`verdict`]
//! evaluates `[[check]]` conditions. The functions here are the commands; `main.rs` only
//! parses the command line and turns a [`Failure`] into an exit code.

pub mod advise;
mod checks;
pub mod cli;
pub use carepath_scenario as config;
pub mod solve;
mod tables;

pub use carepath_report::{events, format, outdir, output, publish};

pub use carepath_experiment::{
    advice, exec, interrupt, load_checked, results, shard, stopped, verdict, Failure, Invalid,
};

use cli::Common;
use config::{LoadOptions, LoadedScenario};
use std::path::PathBuf;

/// Writes to standard output. A reader that has gone away (`carepath … | head`) ends the
/// output quietly; any other write failure is an I/O failure.
pub fn say(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Io(format!("cannot write to standard output: {e}")))
        }
        _ => Ok(()),
    }
}

pub fn load_options(common: &Common, sweeps: Vec<String>) -> LoadOptions {
    LoadOptions {
        sets: common.sets.clone(),
        sweeps,
        reps: common.reps,
        seed: common.seed,
    }
}

/// Loads scenarios and the command line's checks, reporting every problem.
fn load(
    files: &[PathBuf],
    opts: &LoadOptions,
    common: &Common,
) -> Result<(Vec<LoadedScenario>, Vec<config::Check>), Failure> {
    load_with_checks(files, opts, &common.checks)
}

fn load_with_checks(
    files: &[PathBuf],
    opts: &LoadOptions,
    check_args: &[String],
) -> Result<(Vec<LoadedScenario>, Vec<config::Check>), Failure> {
    load_checked(files, opts, check_args).map_err(|e| Failure::Invalid(Invalid::Files(e)))
}

pub fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    match config::load(files, &LoadOptions::default()) {
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

pub fn run(args: cli::RunArgs) -> Result<(), Failure> {
    let opts = load_options(&args.common, args.sweeps.clone());
    let (scenarios, cli_checks) = load(&args.files, &opts, &args.common)?;
    if let Some(spec) = &args.shard {
        return run_shard(&args, spec, &opts, &scenarios);
    }
    results::check_baseline(&scenarios, args.baseline.as_deref()).map_err(invalid)?;
    let trace = args
        .trace
        .map(|replication| carepath_experiment::trace::Trace {
            replication,
            scenario: args.trace_scenario.as_deref(),
        });
    if let Some(t) = &trace {
        t.check(&scenarios).map_err(invalid)?;
    }
    let dir = open_out(&args.common.out)?;
    let (summaries, timing) = simulate(&scenarios, args.common.threads)?;
    let extra = match &trace {
        Some(t) => events::files(t, &scenarios).map_err(Failure::Io)?,
        None => Vec::new(),
    };
    let out = Finish {
        baseline: args.baseline.as_deref(),
        json: args.common.json,
        dir: &dir,
        extra: &extra,
        threads: args.common.threads,
    };
    finish(&scenarios, &cli_checks, summaries, &timing, out)
}

/// A problem with the command line: exit 2.
fn invalid(message: String) -> Failure {
    Failure::Invalid(Invalid::Usage(message))
}

/// Locks the output folder for this run (before any simulation, so that a second run into it
/// stops at once).
pub fn open_out(out: &std::path::Path) -> Result<outdir::OutDir, Failure> {
    outdir::OutDir::open(out).map_err(|e| match e {
        outdir::OpenError::Refused(message) => invalid(message),
        outdir::OpenError::Io(message) => Failure::Io(message),
    })
}

/// Runs every replication; stops early on Ctrl-C.
fn simulate(
    scenarios: &[LoadedScenario],
    threads: Option<usize>,
) -> Result<(Vec<carepath_engine::Summary>, exec::Timing), Failure> {
    let done = exec::run_all(scenarios, threads).map_err(stopped)?;
    if interrupt::requested() {
        return Err(Failure::Interrupted);
    }
    Ok(done)
}

/// Where and how a run's summaries are published.
struct Finish<'a> {
    baseline: Option<&'a str>,
    json: bool,
    dir: &'a outdir::OutDir,
    /// Further files to publish with the rest (path in the output folder, bytes).
    extra: &'a [(String, Vec<u8>)],
    threads: Option<usize>,
}

/// Publishes summaries, prints the tables (or JSON) and evaluates the checks: the end of
/// `run` and of `merge`.
fn finish(
    scenarios: &[LoadedScenario],
    cli_checks: &[config::Check],
    summaries: Vec<carepath_engine::Summary>,
    timing: &exec::Timing,
    args: Finish,
) -> Result<(), Failure> {
    let warmups = advice::warmups(scenarios, args.threads).map_err(Failure::Io)?;
    // Charts are drawn on as many threads as the simulation ran on.
    let pool = exec::thread_pool(args.threads).map_err(Failure::Io)?;
    let published = pool
        .install(|| {
            publish::publish(
                scenarios,
                summaries,
                args.baseline,
                cli_checks,
                timing,
                args.dir,
                publish::Extras {
                    warmups,
                    files: args.extra,
                },
            )
        })
        .map_err(Failure::Io)?;
    let outcomes = verdict::evaluate(scenarios, &published.runs, cli_checks);
    if args.json {
        say(&format!(
            "{}\n",
            publish::json_summary(&published, &outcomes)
        ))?;
    } else {
        say(&tables::tables(&published))?;
        say(&advise::text(&published.runs))?;
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
    args: &cli::RunArgs,
    spec: &str,
    opts: &LoadOptions,
    scenarios: &[LoadedScenario],
) -> Result<(), Failure> {
    let shard = shard::Shard::parse(spec, args.shard_count).map_err(invalid)?;
    let run = shard::run_id(scenarios, args.baseline.as_deref()).map_err(Failure::Io)?;
    let pool = exec::thread_pool(args.common.threads).map_err(Failure::Io)?;
    let (aggregators, timing) = exec::aggregate(&pool, scenarios, shard).map_err(stopped)?;
    let replications: usize = aggregators.iter().flatten().map(|a| a.len()).sum();
    let path = shard::part_path(&args.common.out, shard);
    let inputs = shard::Inputs::new(
        &args.files,
        opts,
        args.baseline.as_deref(),
        &args.common.checks,
    );
    shard::write(
        &path,
        run,
        shard,
        inputs,
        timing.elapsed.as_secs_f64(),
        timing.threads,
        scenarios,
        aggregators,
    )
    .map_err(Failure::Io)?;
    say(&format!(
        "shard {shard}: {replications} replications of {} scenario(s) in {:.1} s on {} thread(s); wrote {}\n",
        scenarios.len(),
        timing.elapsed.as_secs_f64(),
        timing.threads,
        path.display()
    ))
}

/// `merge`: the shards of one run, checked, merged and published as `run` would have.
pub fn merge(args: cli::MergeArgs) -> Result<(), Failure> {
    let start = std::time::Instant::now();
    let merged = shard::read_parts(&args.parts).map_err(invalid)?;
    let inputs = merged.inputs.clone();
    let (mut scenarios, checks) = load_with_checks(
        &inputs.absolute_files(),
        &inputs.load_options(),
        &inputs.checks,
    )?;
    inputs.restore_paths(&mut scenarios);
    let run = shard::run_id(&scenarios, inputs.baseline.as_deref()).map_err(Failure::Io)?;
    results::check_baseline(&scenarios, inputs.baseline.as_deref()).map_err(invalid)?;
    let (seconds, threads) = (merged.seconds, merged.threads);
    let aggregators = merged.aggregators(&scenarios, &run).map_err(invalid)?;
    let dir = open_out(&args.out)?;
    let pool = exec::thread_pool(args.threads).map_err(Failure::Io)?;
    let events = aggregators.iter().map(|a| a.events()).sum();
    let summaries = pool.install(|| {
        use rayon::prelude::*;
        aggregators
            .into_par_iter()
            .map(carepath_engine::Aggregator::finish)
            .collect()
    });
    let timing = exec::Timing {
        elapsed: std::time::Duration::from_secs_f64(seconds) + start.elapsed(),
        events,
        threads,
    };
    let out = Finish {
        baseline: inputs.baseline.as_deref(),
        json: args.json,
        dir: &dir,
        extra: &[],
        threads: args.threads,
    };
    finish(&scenarios, &checks, summaries, &timing, out)
}

pub fn compare(args: cli::CompareArgs) -> Result<(), Failure> {
    let mut opts = load_options(&args.common, Vec::new());
    let (a, checks) = load(std::slice::from_ref(&args.a), &opts, &args.common)?;
    // Common random numbers need the same seed and replications: b takes a's.
    if let Some(first) = a.first() {
        opts.seed.get_or_insert(first.model.seed());
        opts.reps.get_or_insert(first.model.replications());
    }
    let (b, _) = load(std::slice::from_ref(&args.b), &opts, &args.common)?;
    if a.len() != 1 || b.len() != 1 {
        return Err(invalid(
            "`compare` takes two scenarios without sweeps".into(),
        ));
    }
    let scenarios = vec![a.into_iter().next(), b.into_iter().next()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>();
    let differences = unpaired(&scenarios[0], &scenarios[1]);
    if !differences.is_empty() {
        return Err(invalid(format!(
            "`compare` pairs two runs day by day, so they need the same horizon, seed and replications; these differ: {}",
            differences.join("; ")
        )));
    }
    let dir = open_out(&args.common.out)?;
    let (summaries, timing) = simulate(&scenarios, args.common.threads)?;
    let baseline = scenarios[0].name.clone();
    let warmups = advice::warmups(&scenarios, args.common.threads).map_err(Failure::Io)?;
    let published = publish::publish(
        &scenarios,
        summaries,
        Some(&baseline),
        &checks,
        &timing,
        &dir,
        publish::Extras {
            warmups,
            ..Default::default()
        },
    )
    .map_err(Failure::Io)?;
    let outcomes = verdict::evaluate(&scenarios, &published.runs, &checks);
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
