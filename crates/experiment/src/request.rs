//! The typed front door: what a run is asked. The command builds a [`RunRequest`] from its
//! arguments; Python and the workshop server build one directly. Loading checks everything
//! before anything runs, so a request that cannot run changes nothing.

use crate::advice::{self, Warmup};
use crate::exec::{self, Timing};
use crate::results::{self, Results};
use crate::{interrupt, verdict, Error, Invalid};
use carepath_engine::Summary;
use carepath_scenario::{Check, ConfigError, LoadOptions, LoadedScenario, Source};
use std::path::PathBuf;

/// Scenarios to run, with the command line's changes and checks.
#[derive(Debug, Clone, Default)]
pub struct RunRequest {
    /// Scenario files, folders of them (their `*.toml`, not recursive), or scenario text.
    pub sources: Vec<Source>,
    /// `--set`, `--sweep`, `--reps` and `--seed`.
    pub options: LoadOptions,
    /// `--check` conditions, as written.
    pub checks: Vec<String>,
    /// The scenario the others are compared with (default: `baseline`, else the first).
    pub baseline: Option<String>,
    /// Worker threads (default: one per core). Results do not depend on it.
    pub threads: Option<usize>,
    /// The memory the run may need, in bytes (default: half of the machine's).
    pub memory_limit: Option<u64>,
}

/// A request's scenarios, loaded and checked, ready to run.
pub struct Experiment {
    pub scenarios: Vec<LoadedScenario>,
    /// The command line's checks (each scenario's own are in its `checks`).
    pub checks: Vec<Check>,
    pub baseline: Option<String>,
    pub threads: Option<usize>,
    pub memory_limit: Option<u64>,
}

/// What a finished run found, before anything is written.
pub struct Run {
    pub experiment: Experiment,
    pub results: Results,
    pub timing: Timing,
}

impl RunRequest {
    /// Loads every scenario and check: every problem of every file at once, or an experiment.
    pub fn load(&self) -> Result<Experiment, Error> {
        exec::check_threads(self.threads)?;
        let (scenarios, checks) =
            load_checked(&self.sources, &self.options, &self.checks).map_err(Invalid::Files)?;
        Ok(Experiment {
            scenarios,
            checks,
            baseline: self.baseline.clone(),
            threads: self.threads,
            memory_limit: self.memory_limit,
        })
    }
}

impl Experiment {
    /// Checks, before anything runs, that the reference names a scenario of the run.
    pub fn check_baseline(&self) -> Result<(), Error> {
        results::check_baseline(&self.scenarios, self.baseline.as_deref())
    }

    /// Checks, before anything runs, that the run's memory fits the budget
    /// ([`crate::memory`]).
    pub fn check_memory(&self) -> Result<(), Error> {
        let threads = self.threads.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        });
        let budget = self.memory_limit.or_else(crate::memory::machine_budget);
        crate::memory::check(
            &self.scenarios,
            threads,
            budget,
            self.memory_limit.is_some(),
        )
    }

    /// Runs every replication of every scenario; stops early on Ctrl-C.
    pub fn simulate(&self) -> Result<(Vec<Summary>, Timing), Error> {
        let done = exec::run_all(&self.scenarios, self.threads)?;
        if interrupt::requested() {
            return Err(Error::Interrupted);
        }
        Ok(done)
    }

    /// The warm-up pilot of each scenario that has one.
    pub fn warmups(&self) -> Result<Vec<Option<Warmup>>, Error> {
        advice::warmups(&self.scenarios, self.threads)
    }

    /// Each scenario's results, with its warm-up advice and its comparison with the reference.
    pub fn results(&self, summaries: Vec<Summary>) -> Result<Results, Error> {
        let warmups = self.warmups()?;
        results::results(
            &self.scenarios,
            summaries,
            self.baseline.as_deref(),
            &self.checks,
            warmups,
        )
    }

    /// Checks the reference, simulates and gathers the results.
    pub fn run(self) -> Result<Run, Error> {
        self.check_baseline()?;
        self.check_memory()?;
        let (summaries, timing) = self.simulate()?;
        let results = self.results(summaries)?;
        Ok(Run {
            experiment: self,
            results,
            timing,
        })
    }
}

/// Loads scenarios and `--check` arguments, and checks that every check names a KPI the
/// scenarios have; every problem found, or nothing.
fn load_checked(
    sources: &[Source],
    opts: &LoadOptions,
    check_args: &[String],
) -> Result<(Vec<LoadedScenario>, Vec<Check>), Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut checks = Vec::new();
    for arg in check_args {
        match carepath_scenario::parse_check_arg(arg) {
            Ok(c) => checks.push(c),
            Err(message) => errors.push(ConfigError {
                file: PathBuf::new(),
                line: None,
                col: None,
                key: String::new(),
                message: format!("--check {arg}: {message}"),
                help: None,
            }),
        }
    }
    let scenarios = match carepath_scenario::load_sources(sources, opts) {
        Ok(s) => s,
        Err(mut e) => {
            errors.append(&mut e);
            Vec::new()
        }
    };
    errors.extend(verdict::unknown_kpis(&scenarios, &checks));
    if errors.is_empty() {
        Ok((scenarios, checks))
    } else {
        Err(errors)
    }
}
