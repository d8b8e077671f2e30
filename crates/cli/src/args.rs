//! The command line: what each command takes, and the typed request each one makes. Nothing
//! below `main` sees these types: the packages take requests and options.

use carepath_experiment::{RunRequest, SolveRequest};
use carepath_scenario::{LoadOptions, Source};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Simulate the CYPMHS tier 4 care pathway: compare roadmap scenarios for beds, community
/// alternatives and out-of-area placements, with uncertainty.
///
/// Exit codes: 0 success; 1 a check failed (`run`, `compare`, `merge`) or a file is invalid
/// (`validate`); 2 invalid input or usage (`run`, `compare`), or shards that are missing, given
/// twice or from different runs (`merge`); 3 outputs could not be written.
#[derive(Debug, Parser)]
#[command(name = "carepath", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios and write CSV, JSON, charts and report.html.
    Run(RunArgs),
    /// Check scenario files without running them; every error is reported.
    Validate {
        /// Scenario files or directories of them.
        #[arg(default_value = "scenarios")]
        files: Vec<PathBuf>,
    },
    /// Paired differences of every KPI between two scenarios run with the same seeds.
    Compare(CompareArgs),
    /// The smallest (or largest) value of a parameter that meets a KPI target with stated
    /// confidence, or the cheapest combination of two; runs and publishes the chosen point.
    Solve(SolveArgs),
    /// Is a run long enough? The warm-up each pool needs (MSER-5) and the replications each
    /// headline KPI needs for a 95 % CI within ±5 % of its mean.
    Advise(AdviseArgs),
    /// Merge the part files of a run split with `run --shard` into the outputs one machine
    /// would have written (byte for byte, the manifest and report timings aside).
    Merge(MergeArgs),
    /// Copy the run an output folder shows into a new folder, whole: never a mix of two runs,
    /// even while another run publishes.
    Export {
        /// The output folder (a run's `--out`).
        #[arg(default_value = "output")]
        out: PathBuf,
        /// The folder to create with the copy.
        #[arg(long = "to")]
        to: PathBuf,
    },
    /// Serve a workshop page: pick a scenario, change its beds, places, demand or roadmap,
    /// and see the summary re-run against the reference while the room waits.
    Serve(ServeArgs),
    /// Print the JSON Schema of scenario files (for editor completion and checking).
    Schema {
        /// Print the key reference as a Markdown table instead.
        #[arg(long)]
        markdown: bool,
        /// Print the JSON Schema of the JSON outputs instead (`summary.json`, `manifest.json`,
        /// `--json`), for scripts that check what they read.
        #[arg(long, conflicts_with = "markdown")]
        output: bool,
    },
}

/// Options shared by `run` and `compare`.
#[derive(Debug, Args)]
pub struct Common {
    /// Replications per scenario (overrides `simulation.replications`).
    #[arg(long)]
    pub reps: Option<u32>,
    /// Seed of every random stream (overrides `simulation.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = threads)]
    pub threads: Option<usize>,
    /// The memory a run may need (e.g. `8G`; default: half of the machine's): a larger run is
    /// refused before it starts.
    #[arg(long, value_parser = carepath_experiment::memory::parse_limit)]
    pub memory_limit: Option<u64>,
    /// Override a parameter: `--set wards.gau.beds=24` (repeatable; value in TOML syntax).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub sets: Vec<String>,
    /// Fail (exit 1) unless a KPI meets a bound: `--check 'oap_bed_days@2026/27<=500'`.
    #[arg(long = "check", value_name = "CHECK")]
    pub checks: Vec<String>,
    /// Print a machine-readable summary on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Output directory.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario files or directories of them (`*.toml`, not recursive).
    #[arg(default_value = "scenarios")]
    pub files: Vec<PathBuf>,
    /// Sweep a parameter over values: `--sweep services.home_treatment.places=0..24:4`
    /// (a range `start..end:step`, or a list `8,12,16`); at most two.
    #[arg(long = "sweep", value_name = "KEY=VALUES")]
    pub sweeps: Vec<String>,
    /// The scenario the others are compared against (default: `baseline` if present, else
    /// the first).
    #[arg(long)]
    pub baseline: Option<String>,
    /// Run only shard K of N of the (scenario, replication) jobs and write a part file to
    /// `--out` (a file, or a folder to write `shard-K-of-N.part` in: one that exists, or a
    /// path ending in `/`, created if missing) for `carepath merge`.
    /// `auto` takes K and N from a batch scheduler's array task (Slurm, Kubernetes Indexed
    /// Jobs, AWS Batch).
    #[arg(long, value_name = "K/N|auto")]
    pub shard: Option<String>,
    /// The number of shards, for `--shard auto` under schedulers that do not tell a task how
    /// many there are (Kubernetes `JOB_COMPLETION_INDEX`, AWS Batch).
    #[arg(long, value_name = "N", requires = "shard")]
    pub shard_count: Option<u32>,
    /// Also write the event log of replication R (counted from 0) as
    /// `<scenario>/events.csv`: one row per step of every young person's journey.
    #[arg(long, value_name = "R", conflicts_with = "shard")]
    pub trace: Option<u32>,
    /// With `--trace`: write only this scenario's event log.
    #[arg(long, value_name = "NAME", requires = "trace")]
    pub trace_scenario: Option<String>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Part files written by `run --shard`, or folders of them (`*.part`).
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Worker threads for the summaries (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = threads)]
    pub threads: Option<usize>,
    /// The memory the merge may need (e.g. `8G`; default: half of the machine's).
    #[arg(long, value_parser = carepath_experiment::memory::parse_limit)]
    pub memory_limit: Option<u64>,
    /// Print a machine-readable summary on stdout instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Output directory.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The reference scenario (a).
    pub a: PathBuf,
    /// The scenario compared with it (b); differences are b − a.
    pub b: PathBuf,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Scenario files or directories of them (`*.toml`, not recursive).
    #[arg(default_value = "scenarios")]
    pub files: Vec<PathBuf>,
    /// Port to listen on (0: any free port; the address is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on. The default, 127.0.0.1, is this machine only; `0.0.0.0` lets
    /// anyone on the network open the page and change and save scenarios.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Open the page in the default browser.
    #[arg(long)]
    pub open: bool,
    /// Replications per re-run (default: as many as take about half a second here).
    #[arg(long)]
    pub reps: Option<u32>,
    /// The scenario the others are compared against (default: `baseline` if present, else
    /// the first).
    #[arg(long)]
    pub baseline: Option<String>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = threads)]
    pub threads: Option<usize>,
    /// Where "export report" writes the outputs, as `run --out` does.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
}

impl Common {
    /// The loader's options: `--set`, `--reps`, `--seed` and the given sweeps.
    pub fn options(&self, sweeps: Vec<String>) -> LoadOptions {
        LoadOptions {
            sets: self.sets.clone(),
            sweeps,
            reps: self.reps,
            seed: self.seed,
        }
    }
}

impl RunArgs {
    /// The request these arguments make.
    pub fn request(&self) -> RunRequest {
        RunRequest {
            sources: self.files.iter().cloned().map(Source::Path).collect(),
            options: self.common.options(self.sweeps.clone()),
            checks: self.common.checks.clone(),
            baseline: self.baseline.clone(),
            threads: self.common.threads,
            memory_limit: self.common.memory_limit,
        }
    }
}

impl SolveArgs {
    /// The request these arguments make.
    pub fn request(&self) -> SolveRequest {
        SolveRequest {
            scenario: Source::Path(self.file.clone()),
            vary: self.vary.clone(),
            target: self.target.clone(),
            confidence: self.confidence,
            per_replication: self.per_replication,
            largest: self.largest,
            minimise: self.minimise.clone(),
            max_reps: self.max_reps,
            options: self.common.options(Vec::new()),
            threads: self.common.threads,
            checks: self.common.checks.clone(),
        }
    }
}

impl ServeArgs {
    /// The request these arguments make.
    pub fn request(self) -> carepath_serve::ServeRequest {
        carepath_serve::ServeRequest {
            files: self.files,
            port: self.port,
            host: self.host,
            open: self.open,
            reps: self.reps,
            baseline: self.baseline,
            threads: self.threads,
            out: self.out,
        }
    }
}

#[derive(Debug, Args)]
pub struct SolveArgs {
    /// The scenario file.
    pub file: PathBuf,
    /// A whole-number or date parameter and its range: `--vary wards.gau.beds=10..40`,
    /// `--vary roadmap.new_picu.date=2024-04-01..2026-04-01`. A second `--vary` (the first
    /// varies slowest) needs `--minimise`.
    #[arg(long = "vary", value_name = "KEY=LO..HI", required = true)]
    pub vary: Vec<String>,
    /// The target, in the `--check` syntax with one bound: `oap_placements@2026/27<=10`.
    #[arg(long, value_name = "CHECK")]
    pub target: String,
    /// Confidence q that the target is met (0.5 up to, not including, 1).
    #[arg(long, default_value_t = 0.9)]
    pub confidence: f64,
    /// Judge by the share of replications meeting the target (at least q) instead of the
    /// one-sided q confidence bound of the mean.
    #[arg(long)]
    pub per_replication: bool,
    /// Find the largest value that meets the target (e.g. the latest opening date) instead of
    /// the smallest.
    #[arg(long)]
    pub largest: bool,
    /// With two `--vary` keys: the KPI whose mean the chosen combination minimises, e.g.
    /// `cost_gbp@2026/27`.
    #[arg(long, value_name = "KPI")]
    pub minimise: Option<String>,
    /// The most replications a candidate gets while its answer is undecided (default: 8 times
    /// the scenario's).
    #[arg(long, value_name = "N")]
    pub max_reps: Option<u32>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Debug, Args)]
pub struct AdviseArgs {
    /// Scenario files or directories of them.
    #[arg(default_value = "scenarios")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

/// `--threads`: 1 to the bound, checked before any thread is made.
fn threads(arg: &str) -> Result<usize, String> {
    use carepath_engine::scenario::limits::MAX_THREADS;
    match arg.parse::<usize>() {
        Ok(n) if (1..=MAX_THREADS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a whole number of worker threads from 1 to {MAX_THREADS} (the default is one per core)"
        )),
    }
}
