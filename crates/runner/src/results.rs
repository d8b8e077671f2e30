//! What one run of `carepath` produced, handed from the runner to the writers, charts and report.

use carepath_engine::{Difference, Summary};

/// One scenario's aggregated results and what the report says about it.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// Scenario name (also its output folder).
    pub name: String,
    /// What question it answers.
    pub description: String,
    /// Key parameters for the report's scenario table, as (parameter, value) text.
    pub params: Vec<(String, String)>,
    /// Where it sits in a sweep, if it is one point of a sweep.
    pub sweep: Option<SweepPoint>,
    /// The aggregated results.
    pub summary: Summary,
}

/// One point of a parameter sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The scenario the sweep varies (all its points share this).
    pub family: String,
    /// The swept key paths and their values at this point (one or two).
    pub params: Vec<(String, f64)>,
}

/// Paired differences of one scenario against the baseline.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The reference scenario (a).
    pub baseline: String,
    /// The scenario compared (b).
    pub scenario: String,
    /// b − a for every KPI both have.
    pub differences: Vec<Difference>,
}

/// How the run was made, for the report's methods section.
#[derive(Debug, Clone)]
pub struct Methods {
    /// carepath version.
    pub version: String,
    /// Replications per scenario.
    pub replications: u32,
    /// Seed.
    pub seed: u64,
    /// Warm-up days.
    pub warmup_days: u32,
    /// Wall-clock seconds the run took.
    pub run_seconds: f64,
    /// Worker threads.
    pub threads: usize,
}
