//! The command line: what each command takes.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Simulate the CYPMHS tier 4 care pathway: compare roadmap scenarios for beds, community
/// alternatives and out-of-area placements, with uncertainty.
///
/// Exit codes: 0 success; 1 a check failed (`run`, `compare`) or a file is invalid
/// (`validate`); 2 invalid input or usage (`run`, `compare`); 3 outputs could not be written.
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
    /// Print the JSON Schema of scenario files (for editor completion and checking).
    Schema {
        /// Print the key reference as a Markdown table instead.
        #[arg(long)]
        markdown: bool,
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
    #[arg(long)]
    pub threads: Option<usize>,
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
    #[command(flatten)]
    pub common: Common,
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
