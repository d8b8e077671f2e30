//! The state behind the page: the scenarios it offers, the reference, the replication count,
//! the runs of the files as written (kept, since they do not change), and each viewer's latest
//! re-run, which cancels the one before.
//!
//! The room shares one machine, so what one request may take is bounded: its replications
//! ([`MAX_REQUEST_REPS`]), the runs computing at once ([`MAX_RUNS`], of which one at most is
//! larger than the page's own), the runs of the files kept ([`KEPT_OTHER_COUNTS`] beyond the
//! page's own count), and each run stops between replications once its client has gone.

use super::controls::{self, Control};
use carepath_engine::{compare, Summary};
use carepath_experiment::exec;
use carepath_experiment::results::{Comparison, ScenarioRun};
use carepath_scenario::inputs;
use carepath_scenario::{self as config, ConfigError, LoadOptions, LoadedScenario};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A re-run should take at most a second on two cores; this leaves room for the chart.
const BUDGET: Duration = Duration::from_millis(500);

/// Replication counts a re-run may use: round numbers, so that the page's count is easy to
/// type into `carepath run --reps`.
const STEPS: [u32; 10] = [10, 20, 30, 50, 100, 200, 300, 500, 1000, 2000];

/// The most replications one request may ask for (or the server's own count, if larger):
/// a request for many more would hold the workers and memory for minutes.
pub const MAX_REQUEST_REPS: u32 = 2000;

/// Runs (re-runs and exports) computing at once; later ones wait for a turn. Of these, at
/// most one asks for more replications than the page's own, so such requests queue behind
/// one another and never take every turn from the page's ordinary re-runs.
pub const MAX_RUNS: usize = 4;

/// Runs of the reference and the files kept at replication counts other than the page's own
/// (those, one per scenario, are always kept): the least recently used beyond this is freed.
pub const KEPT_OTHER_COUNTS: usize = 4;

/// One scenario the page offers, as its file states it.
pub struct Entry {
    pub scenario: LoadedScenario,
    pub controls: Vec<Control>,
}

/// Runs of the reference and of a scenario as its file states it, for one replication count.
pub struct Base {
    pub reference: ScenarioRun,
    /// `None` when the scenario is the reference.
    pub original: Option<ScenarioRun>,
}

/// A viewer's latest re-run and its progress.
#[derive(Default)]
pub struct Viewer {
    latest: AtomicU64,
    pub done: AtomicUsize,
    pub total: AtomicUsize,
}

impl Viewer {
    /// Numbers a new change, superseding every earlier one: taken when the request arrives,
    /// before it waits for a turn, so that an older change never supersedes a newer one.
    pub fn begin(&self) -> u64 {
        self.latest.fetch_add(1, Ordering::SeqCst) + 1
    }
}

/// Why a re-run gave no result.
pub enum Refused {
    /// The changes are invalid: every problem, as the loader words it.
    Invalid(Vec<ConfigError>),
    /// A newer change from the same viewer replaced it.
    Superseded,
    /// No scenario of that name is offered.
    Unknown(String),
}

/// A run that gave no summaries, as the viewer is told: an overloaded scenario is invalid as
/// changed; anything else means a newer change replaced it.
fn refused(stop: exec::Stop) -> Refused {
    match stop {
        exec::Stop::Overload(e) => Refused::Invalid(vec![*e]),
        exec::Stop::Threads(_) | exec::Stop::Asked => Refused::Superseded,
    }
}

/// A re-run's result.
pub struct Outcome {
    pub base: Arc<Base>,
    pub changed: ScenarioRun,
    pub seconds: f64,
}

pub struct Workshop {
    pub entries: Vec<Entry>,
    pub reference: usize,
    pub reps: u32,
    pub out: PathBuf,
    pool: rayon::ThreadPool,
    bases: Mutex<Bases>,
    viewers: Mutex<HashMap<String, Arc<Viewer>>>,
    /// Turns to compute: [`MAX_RUNS`] in all, and one for a run above the page's count.
    pub turns: Arc<tokio::sync::Semaphore>,
    pub large_turn: Arc<tokio::sync::Semaphore>,
}

/// The kept runs of the files: at the page's own count for every scenario, and at other
/// counts the [`KEPT_OTHER_COUNTS`] most recently used.
#[derive(Default)]
struct Bases {
    own: HashMap<usize, Arc<Base>>,
    /// Most recently used last.
    others: Vec<((usize, u32), Arc<Base>)>,
}

impl Bases {
    fn get(&mut self, i: usize, reps: u32, own: u32) -> Option<Arc<Base>> {
        if reps == own {
            return self.own.get(&i).cloned();
        }
        let at = self.others.iter().position(|(k, _)| *k == (i, reps))?;
        let entry = self.others.remove(at);
        let base = entry.1.clone();
        self.others.push(entry);
        Some(base)
    }

    fn insert(&mut self, i: usize, reps: u32, own: u32, base: Arc<Base>) {
        if reps == own {
            self.own.insert(i, base);
            return;
        }
        self.others.retain(|(k, _)| *k != (i, reps));
        if self.others.len() >= KEPT_OTHER_COUNTS {
            self.others.remove(0);
        }
        self.others.push(((i, reps), base));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.own.len() + self.others.len()
    }
}

/// At most this many viewers are tracked; beyond, the oldest entries are forgotten.
const MAX_VIEWERS: usize = 1024;

impl Workshop {
    /// Loads and checks the files (a sweep's file is left out: its points are the sweep's),
    /// picks the reference and the replication count.
    pub fn open(
        files: &[PathBuf],
        baseline: Option<&str>,
        reps: Option<u32>,
        threads: Option<usize>,
        out: PathBuf,
    ) -> Result<Workshop, Result<Vec<ConfigError>, String>> {
        let loaded = config::load(files, &LoadOptions::default()).map_err(Ok)?;
        let entries: Vec<Entry> = loaded
            .into_iter()
            .filter(|s| s.sweep.is_none())
            .map(|scenario| Entry {
                controls: controls::controls(&scenario),
                scenario,
            })
            .collect();
        let whole = |message: String| ConfigError {
            file: PathBuf::new(),
            line: None,
            col: None,
            key: String::new(),
            message,
            help: None,
        };
        if entries.is_empty() {
            let message = "no scenario without a `[sweep]` to serve".to_string();
            return Err(Ok(vec![whole(message)]));
        }
        let reference = match baseline {
            Some(name) => entries
                .iter()
                .position(|e| e.scenario.name == name)
                .ok_or_else(|| {
                    Ok(vec![whole(format!(
                        "--baseline {name}: no scenario of that name is served"
                    ))])
                })?,
            None => entries
                .iter()
                .position(|e| e.scenario.name == "baseline")
                .unwrap_or(0),
        };
        let pool = exec::thread_pool(threads).map_err(|e| Err(e.to_string()))?;
        let mut w = Workshop {
            entries,
            reference,
            reps: reps.unwrap_or(STEPS[0]),
            out,
            pool,
            bases: Mutex::default(),
            viewers: Mutex::default(),
            turns: Arc::new(tokio::sync::Semaphore::new(MAX_RUNS)),
            large_turn: Arc::new(tokio::sync::Semaphore::new(1)),
        };
        if reps.is_none() {
            w.reps = w.calibrate();
        }
        Ok(w)
    }

    /// The largest of [`STEPS`] whose re-run of the slowest scenario fits [`BUDGET`], timed
    /// on a few replications of each.
    fn calibrate(&self) -> u32 {
        const TRIAL: u32 = 8;
        let mut slowest = Duration::ZERO;
        for e in &self.entries {
            let Ok(mut s) = config::load(
                std::slice::from_ref(&e.scenario.path),
                &LoadOptions {
                    reps: Some(TRIAL),
                    ..LoadOptions::default()
                },
            ) else {
                continue;
            };
            let start = Instant::now();
            let _ = exec::run_until(&self.pool, &s.split_off(0), &|| false, &AtomicUsize::new(0));
            slowest = slowest.max(start.elapsed());
        }
        let per_rep = slowest.as_secs_f64() / f64::from(TRIAL);
        let fits = |n: &&u32| f64::from(**n) * per_rep <= BUDGET.as_secs_f64();
        STEPS.iter().rev().find(fits).copied().unwrap_or(STEPS[0])
    }

    /// Worker threads of the pool re-runs go to.
    pub fn threads(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// The most replications a request may ask for.
    pub fn max_reps(&self) -> u32 {
        MAX_REQUEST_REPS.max(self.reps)
    }

    /// Runs of the files kept, for the tests of the bound.
    #[cfg(test)]
    pub fn kept(&self) -> usize {
        self.bases.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn entry(&self, name: &str) -> Option<(usize, &Entry)> {
        self.entries
            .iter()
            .enumerate()
            .find(|(_, e)| e.scenario.name == name)
    }

    pub fn viewer(&self, id: &str) -> Arc<Viewer> {
        let mut viewers = self.viewers.lock().unwrap_or_else(|e| e.into_inner());
        if viewers.len() >= MAX_VIEWERS && !viewers.contains_key(id) {
            viewers.clear();
        }
        viewers.entry(id.to_string()).or_default().clone()
    }

    /// Loads scenario `i` with `sets` (`key=value`, as `--set`), `reps` replications and the
    /// reference's seed, exactly as `carepath run --set … --reps … --seed …` would.
    pub fn load(
        &self,
        i: usize,
        sets: Vec<String>,
        reps: u32,
    ) -> Result<LoadedScenario, Vec<ConfigError>> {
        let opts = LoadOptions {
            sets,
            sweeps: Vec::new(),
            reps: Some(reps),
            seed: Some(self.entries[self.reference].scenario.model.seed()),
        };
        let path = std::slice::from_ref(&self.entries[i].scenario.path);
        let mut loaded = config::load(path, &opts)?;
        Ok(loaded.remove(0))
    }

    /// Re-runs scenario `name` with `changes` (`key` → TOML value text) for `viewer`, against
    /// the reference with the same seed and replications, as the viewer's change number
    /// `generation` ([`Viewer::begin`]). It stops between replications once `gone` is set
    /// (the client left) or a newer change from the viewer arrives.
    pub fn rerun(
        &self,
        name: &str,
        changes: &BTreeMap<String, String>,
        reps: Option<u32>,
        viewer: &Viewer,
        generation: u64,
        gone: &AtomicBool,
    ) -> Result<Outcome, Refused> {
        let start = Instant::now();
        let stop =
            || gone.load(Ordering::Relaxed) || viewer.latest.load(Ordering::SeqCst) != generation;
        let (i, entry) = self
            .entry(name)
            .ok_or_else(|| Refused::Unknown(name.to_string()))?;
        // Superseded while it waited for a turn: leave the newer run's progress alone.
        if stop() {
            return Err(Refused::Superseded);
        }
        let reps = reps.unwrap_or(self.reps);
        let sets = changes.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut loaded = self.load(i, sets, reps).map_err(Refused::Invalid)?;
        loaded.name = format!("{}_changed", entry.scenario.name);
        let cached = self.cached(i, reps);
        let base_runs = if cached.is_some() {
            0
        } else if i == self.reference {
            1
        } else {
            2
        };
        viewer.done.store(0, Ordering::SeqCst);
        viewer
            .total
            .store(reps as usize * (1 + base_runs), Ordering::SeqCst);
        let base = match cached {
            Some(b) => b,
            None => self.base(i, reps, &stop, &viewer.done)?,
        };
        let summary = exec::run_until(
            &self.pool,
            std::slice::from_ref(&loaded),
            &stop,
            &viewer.done,
        )
        .map_err(refused)?;
        let changed = run_of(
            &loaded,
            summary.into_iter().next().ok_or(Refused::Superseded)?,
        );
        Ok(Outcome {
            base,
            changed,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    fn cached(&self, i: usize, reps: u32) -> Option<Arc<Base>> {
        let mut bases = self.bases.lock().unwrap_or_else(|e| e.into_inner());
        bases.get(i, reps, self.reps)
    }

    /// Runs the reference and scenario `i` as their files state them, and keeps the result.
    fn base(
        &self,
        i: usize,
        reps: u32,
        stop: &(dyn Fn() -> bool + Sync),
        done: &AtomicUsize,
    ) -> Result<Arc<Base>, Refused> {
        let mut scenarios = vec![self
            .load(self.reference, Vec::new(), reps)
            .map_err(Refused::Invalid)?];
        if i != self.reference {
            scenarios.push(self.load(i, Vec::new(), reps).map_err(Refused::Invalid)?);
        }
        let summaries = exec::run_until(&self.pool, &scenarios, stop, done).map_err(refused)?;
        let mut runs = scenarios
            .iter()
            .zip(summaries)
            .map(|(s, sum)| run_of(s, sum));
        let base = Arc::new(Base {
            reference: runs.next().ok_or(Refused::Superseded)?,
            original: runs.next(),
        });
        let mut bases = self.bases.lock().unwrap_or_else(|e| e.into_inner());
        bases.insert(i, reps, self.reps, base.clone());
        Ok(base)
    }

    /// Runs `scenarios` whole, for export; `None` once `gone` is set (the client left).
    pub fn run_all(
        &self,
        scenarios: &[LoadedScenario],
        gone: &AtomicBool,
    ) -> Result<Option<(Vec<Summary>, exec::Timing)>, String> {
        let start = Instant::now();
        let done = AtomicUsize::new(0);
        let stop = || gone.load(Ordering::Relaxed);
        let summaries = match exec::run_until(&self.pool, scenarios, &stop, &done) {
            Ok(s) => s,
            Err(exec::Stop::Asked) => return Ok(None),
            Err(e) => return Err(e.to_string()),
        };
        let timing = exec::Timing {
            elapsed: start.elapsed(),
            events: 0,
            threads: self.pool.current_num_threads(),
        };
        Ok(Some((summaries, timing)))
    }
}

/// A scenario's results, as `publish` makes them for the report.
pub fn run_of(s: &LoadedScenario, summary: Summary) -> ScenarioRun {
    ScenarioRun {
        name: s.name.clone(),
        description: s.scenario.description.clone(),
        sweep: None,
        roadmap: s.scenario.roadmap.clone(),
        checks: s.checks.clone(),
        inputs: s.sources.iter().rev().map(inputs::of).collect(),
        summary,
        uncertainty: None,
        warmup: None,
    }
}

impl Outcome {
    /// The runs the first screen shows: the reference, the file as written, and the change.
    pub fn runs(&self) -> Vec<ScenarioRun> {
        let mut runs = vec![self.base.reference.clone()];
        runs.extend(self.base.original.clone());
        runs.push(self.changed.clone());
        runs
    }
}

/// Paired differences of every run but the first (the reference) from the first.
pub fn comparisons(runs: &[ScenarioRun]) -> Vec<Comparison> {
    let Some((reference, rest)) = runs.split_first() else {
        return Vec::new();
    };
    rest.iter()
        .map(|r| Comparison {
            baseline: reference.name.clone(),
            scenario: r.name.clone(),
            differences: compare(&reference.summary, &r.summary),
        })
        .collect()
}

/// The file's name, as `extends` in a file beside it names it.
pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
