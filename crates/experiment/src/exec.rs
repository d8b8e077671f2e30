//! Running loaded scenarios: every (scenario, replication) pair is one job for rayon; with
//! parameter draws, replication `d × replications + r` runs draw `d`'s model, so the jobs
//! stay (scenario, draw, replication) triples, all in parallel.
//!
//! Each worker folds the replications it runs into its own partial [`Aggregator`]s (one per
//! scenario it touched) and the partials are merged pairwise at the end. Merging is exact and
//! order-free (KPI values keyed by replication index, integer histograms), so the results are
//! the same whatever the thread count or the order jobs finish in, and no replication passes
//! through a single thread: the only serial work is merging a few partials per scenario.
//! A replication is dropped as soon as it is folded in.

use crate::shard::Shard;
use carepath_engine::{Aggregator, Model, Overload, Summary};
use carepath_scenario::{ConfigError, LoadedScenario};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Why a run gave no summaries.
#[derive(Debug)]
pub enum Stop {
    /// Worker threads could not be started.
    Threads(String),
    /// A replication's waiting list grew without bound: the first such job, in job order,
    /// whatever the thread count. Nothing of the run is kept.
    Overload(Box<ConfigError>),
    /// The caller's `stop` asked for it.
    Asked,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Threads(m) => f.write_str(m),
            Stop::Overload(e) => write!(f, "{e}"),
            Stop::Asked => f.write_str("the run was stopped"),
        }
    }
}

/// The first overloaded job seen so far, as `scenario << 32 | replication`: jobs after it are
/// skipped, jobs before it still run, so the one reported is the first in job order.
struct FirstOverload {
    job: AtomicU64,
    error: std::sync::Mutex<Option<(u64, ConfigError)>>,
}

impl FirstOverload {
    fn new() -> Self {
        FirstOverload {
            job: AtomicU64::new(u64::MAX),
            error: std::sync::Mutex::new(None),
        }
    }

    fn key(i: usize, r: u32) -> u64 {
        (i as u64) << 32 | u64::from(r)
    }

    /// Whether job (i, r) comes after an overloaded one and need not run.
    fn skips(&self, i: usize, r: u32) -> bool {
        Self::key(i, r) > self.job.load(Ordering::Relaxed)
    }

    fn note(&self, s: &LoadedScenario, i: usize, overload: Overload) {
        let key = Self::key(i, overload.replication);
        self.job.fetch_min(key, Ordering::Relaxed);
        let mut first = self.error.lock().unwrap_or_else(|e| e.into_inner());
        if first.as_ref().is_none_or(|(k, _)| key < *k) {
            *first = Some((key, overload_error(s, &overload)));
        }
    }

    fn into_result(self) -> Result<(), Stop> {
        match self.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some((_, e)) => Err(Stop::Overload(Box::new(e))),
            None => Ok(()),
        }
    }
}

/// An overloaded replication as an error on its scenario's file.
pub fn overload_error(s: &LoadedScenario, overload: &Overload) -> ConfigError {
    ConfigError {
        file: s.path.clone(),
        line: None,
        col: None,
        key: String::new(),
        message: format!("`{}`: {overload}", s.name),
        help: Some(
            "referrals outrun capacity and nothing ends a wait: give the urgency classes a \
             `place_out_of_area_after_days` (or `target_days`), add capacity, or check the \
             referral rate and growth"
                .into(),
        ),
    }
}

/// What a run produced, besides the summaries.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Events simulated over all replications.
    pub events: u64,
    /// Worker threads used.
    pub threads: usize,
}

/// Partial aggregates of every scenario, created when a worker first runs one of its jobs.
type Partials<'a> = Vec<Option<Aggregator<'a>>>;

/// Runs every replication of every scenario on `threads` workers (default: one per core).
pub fn run_all(
    scenarios: &[LoadedScenario],
    threads: Option<usize>,
) -> Result<(Vec<Summary>, Timing), Stop> {
    let pool = pool(threads).map_err(Stop::Threads)?;
    let (aggregators, mut timing) = aggregate(&pool, scenarios, Shard::WHOLE)?;
    let start = Instant::now();
    let summaries = pool.install(|| {
        aggregators
            .into_par_iter()
            .zip(scenarios)
            .map(|(a, s)| a.unwrap_or_else(|| Aggregator::new(&s.model)).finish())
            .collect()
    });
    timing.elapsed += start.elapsed();
    Ok((summaries, timing))
}

/// A pool of `threads` workers (default: one per core).
pub fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, crate::Error> {
    pool(threads).map_err(crate::Error::Io)
}

/// Checks `--threads` against its bound before any thread is made.
pub fn check_threads(threads: Option<usize>) -> Result<(), crate::Error> {
    use carepath_engine::scenario::limits::MAX_THREADS;
    match threads {
        Some(0) => Err(crate::Invalid::Usage("--threads 0: give at least 1 thread".into()).into()),
        Some(n) if n > MAX_THREADS => Err(crate::Invalid::Usage(format!(
            "--threads {n}: at most {MAX_THREADS} worker threads; the default is one per core"
        ))
        .into()),
        _ => Ok(()),
    }
}

fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))
}

/// Runs `shard`'s share of the jobs and returns one aggregator per scenario (none for a
/// scenario none of whose replications fall in the shard).
pub fn aggregate<'a>(
    pool: &rayon::ThreadPool,
    scenarios: &'a [LoadedScenario],
    shard: Shard,
) -> Result<(Vec<Option<Aggregator<'a>>>, Timing), Stop> {
    let start = Instant::now();
    let all: usize = scenarios.iter().map(|s| s.runs() as usize).sum();
    let mine = shard.jobs(all);
    let jobs: Vec<(usize, u32)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..s.runs()).map(move |r| (i, r)))
        .skip(mine.start)
        .take(mine.len())
        .collect();
    let progress = progress_bar(jobs.len() as u64);
    let overloaded = FirstOverload::new();
    // After Ctrl-C the remaining jobs are skipped; nothing of this run is published.
    let (partials, _) = run_jobs(
        pool,
        scenarios,
        &jobs,
        &|i, r| scenarios[i].model_for(r),
        &crate::interrupt::requested,
        &|| progress.inc(1),
        &overloaded,
        jobs.len(),
    );
    progress.finish_and_clear();
    overloaded.into_result()?;
    let timing = Timing {
        elapsed: start.elapsed(),
        events: partials.iter().flatten().map(Aggregator::events).sum(),
        threads: pool.current_num_threads(),
    };
    Ok((partials, timing))
}

/// Merges two workers' partial aggregates.
fn merge_partials<'a>(mut a: Partials<'a>, b: Partials<'a>) -> Partials<'a> {
    for (x, y) in a.iter_mut().zip(b) {
        match (x.as_mut(), y) {
            (Some(x), Some(y)) => {
                // Each job runs once, so two partials never share a replication.
                if let Err(r) = x.merge(y) {
                    unreachable!("replication {r} ran twice");
                }
            }
            (None, y) => *x = y,
            (Some(_), None) => {}
        }
    }
    a
}

/// Jobs per worker thread that [`run_until`] hands the pool at a time.
const BATCH_PER_THREAD: usize = 4;

/// Runs every replication of every scenario on `pool`, as [`run_all`] does, but gives up
/// ([`Stop::Asked`]) as soon as `stop` says so: it is asked before each replication, so a run
/// that a newer one supersedes ends within a replication per worker. `done` counts the
/// replications finished, for a progress display.
///
/// The jobs go to the pool a few per thread at a time. Between two batches the workers take
/// what else is queued, so a short run that another caller starts meanwhile waits for one
/// batch of a long one, not for all of it; the results are the same however the jobs are cut.
pub fn run_until(
    pool: &rayon::ThreadPool,
    scenarios: &[LoadedScenario],
    stop: &(dyn Fn() -> bool + Sync),
    done: &AtomicUsize,
) -> Result<Vec<Summary>, Stop> {
    let jobs: Vec<(usize, u32)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..s.model.replications()).map(move |r| (i, r)))
        .collect();
    let overloaded = FirstOverload::new();
    let (partials, stopped) = run_jobs(
        pool,
        scenarios,
        &jobs,
        &|i, _| &scenarios[i].model,
        stop,
        &|| {
            done.fetch_add(1, Ordering::Relaxed);
        },
        &overloaded,
        BATCH_PER_THREAD * pool.current_num_threads(),
    );
    if stopped {
        return Err(Stop::Asked);
    }
    overloaded.into_result()?;
    Ok(pool.install(|| {
        partials
            .into_par_iter()
            .zip(scenarios)
            .map(|(a, s)| a.unwrap_or_else(|| Aggregator::new(&s.model)).finish())
            .collect()
    }))
}

/// Runs `jobs` (scenario, replication) on `pool`, each on the model `model` gives it. Every
/// worker thread folds its replications into partial aggregates of its own, one per thread
/// (behind a lock that only that thread takes), not one per piece of work that rayon splits
/// off: each piece would start a cold aggregator and merge it later. Once `stop` says so, the
/// jobs left are skipped, and the second value says so. The jobs go to the pool `batch` at a
/// time, each worker folding into the same partials across batches.
#[allow(clippy::too_many_arguments)]
fn run_jobs<'a>(
    pool: &rayon::ThreadPool,
    scenarios: &'a [LoadedScenario],
    jobs: &[(usize, u32)],
    model: &(dyn Fn(usize, u32) -> &'a Model + Sync),
    stop: &(dyn Fn() -> bool + Sync),
    done: &(dyn Fn() + Sync),
    overloaded: &FirstOverload,
    batch: usize,
) -> (Partials<'a>, bool) {
    let empty = || -> Partials<'a> { scenarios.iter().map(|_| None).collect() };
    let workers: Vec<Mutex<Partials<'a>>> = (0..pool.current_num_threads())
        .map(|_| Mutex::new(empty()))
        .collect();
    let stopped = AtomicBool::new(false);
    for jobs in jobs.chunks(batch.max(1)) {
        if stopped.load(Ordering::Relaxed) {
            break;
        }
        pool.install(|| {
            jobs.par_iter().for_each(|&(i, r)| {
                if stopped.load(Ordering::Relaxed) || stop() {
                    stopped.store(true, Ordering::Relaxed);
                    return;
                }
                if overloaded.skips(i, r) {
                    return;
                }
                match model(i, r).run_replication(r) {
                    Ok(rep) => {
                        let worker = rayon::current_thread_index().unwrap_or(0);
                        let mut acc = workers[worker].lock().unwrap_or_else(|e| e.into_inner());
                        acc[i]
                            .get_or_insert_with(|| Aggregator::new(&scenarios[i].model))
                            .push(rep)
                    }
                    Err(overload) => overloaded.note(&scenarios[i], i, overload),
                }
                done();
            })
        });
    }
    let partials = (workers.into_iter())
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
        .reduce(merge_partials)
        .unwrap_or_else(empty);
    (partials, stopped.into_inner())
}

/// A progress bar on stderr when it is a terminal (and `NO_COLOR`/`CI` are unset); hidden
/// otherwise, so logs and pipes stay clean.
fn progress_bar(len: u64) -> ProgressBar {
    let quiet = !std::io::stderr().is_terminal()
        || std::env::var_os("CI").is_some()
        || std::env::var_os("NO_COLOR").is_some();
    if quiet {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} {wide_bar} {pos}/{len} replications ({elapsed}, about {eta} left)",
    ) {
        bar.set_style(style);
    }
    bar
}
