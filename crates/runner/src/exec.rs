//! Running loaded scenarios: every (scenario, replication) pair is one job for rayon.
//!
//! Jobs run in chunks; each chunk's replications are pushed into their scenario's
//! [`Aggregator`], which keys them by replication index and keeps integer histograms, so the
//! results are the same whatever the thread count or the order jobs finish in. Only one chunk
//! of replications is in memory at a time.

use crate::config::LoadedScenario;
use carepath_engine::{Aggregator, Replication, Summary};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

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

/// Runs every replication of every scenario on `threads` workers (default: one per core).
pub fn run_all(
    scenarios: &[LoadedScenario],
    threads: Option<usize>,
) -> Result<(Vec<Summary>, Timing), String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let start = Instant::now();
    let jobs: Vec<(usize, u32)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(i, s)| (0..s.model.replications()).map(move |r| (i, r)))
        .collect();
    let progress = progress_bar(jobs.len() as u64);
    let mut aggregators: Vec<Aggregator> = scenarios
        .iter()
        .map(|s| Aggregator::new(&s.model))
        .collect();
    let chunk = (pool.current_num_threads() * 8).max(16);
    for batch in jobs.chunks(chunk) {
        let done: Vec<(usize, Replication)> = pool.install(|| {
            batch
                .par_iter()
                .map(|&(i, r)| {
                    let rep = scenarios[i].model.run_replication(r);
                    progress.inc(1);
                    (i, rep)
                })
                .collect()
        });
        for (i, rep) in done {
            aggregators[i].push(rep);
        }
    }
    progress.finish_and_clear();
    let events = aggregators.iter().map(Aggregator::events).sum();
    let summaries = aggregators.into_iter().map(Aggregator::finish).collect();
    let timing = Timing {
        elapsed: start.elapsed(),
        events,
        threads: pool.current_num_threads(),
    };
    Ok((summaries, timing))
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
