//! What one run of `carepath` produced, handed from the runner to the writers, charts and report.

use carepath_engine::scenario::RoadmapChange;
use carepath_engine::{Difference, Summary};
use carepath_scenario::inputs::InputFile;
use carepath_scenario::{display_name, Check, SweepPoint};

/// One scenario's aggregated results and what the report says about it.
#[derive(Debug, Clone)]
pub struct ScenarioRun {
    /// Scenario name (also its output folder).
    pub name: String,
    /// What question it answers.
    pub description: String,
    /// Where it sits in a sweep, if it is one point of a sweep.
    pub sweep: Option<SweepPoint>,
    /// Its roadmap, for marking changes on charts.
    pub roadmap: Vec<RoadmapChange>,
    /// Its targets: the scenario's `[[check]]` tables and the command line's `--check`s.
    pub checks: Vec<Check>,
    /// The inputs of its file and of each file it extends (root first), with their sources.
    pub inputs: Vec<InputFile>,
    /// The aggregated results.
    pub summary: Summary,
    /// What its parameter draws say, when it had any.
    pub uncertainty: Option<Uncertainty>,
    /// The warm-up its pools need (none for a sweep point or a run from a census).
    pub warmup: Option<crate::advice::Warmup>,
}

/// What a scenario's parameter draws say about each of its KPIs.
#[derive(Debug, Clone)]
pub struct Uncertainty {
    /// Parameter draws, each run `replications` times.
    pub draws: u32,
    pub replications: u32,
    /// The uncertain inputs' dotted keys.
    pub inputs: Vec<String>,
    /// Each draw's values of the inputs.
    pub values: Vec<Vec<f64>>,
    /// Per KPI, in the summary's order.
    pub kpis: Vec<carepath_engine::uncertainty::KpiUncertainty>,
    /// The reference and, per KPI, the share of draws in which this scenario is better;
    /// `None` for the reference itself or when the two did not run the same draws.
    pub p_better: Option<(String, Vec<f64>)>,
}

impl ScenarioRun {
    /// The name people read: a sweep point as its swept values
    /// (`wards.gau.beds=14,wards.picu.beds=2`, or `places=4` when the leaves differ).
    pub fn display_name(&self) -> String {
        display_name(&self.name, self.sweep.as_ref())
    }

    /// [`Self::display_name`] without the key segments the swept keys share, for narrow
    /// places: `gau.beds=14,picu.beds=6` for `wards.gau.beds=14,wards.picu.beds=6`.
    pub fn short_name(&self) -> String {
        let name = self.display_name();
        let Some(p) = &self.sweep else { return name };
        let keys: Vec<Vec<&str>> = p
            .params
            .iter()
            .map(|(k, _)| k.split('.').collect())
            .collect();
        let shared = match keys.as_slice() {
            [a, b] => a.iter().zip(b).take_while(|(x, y)| x == y).count(),
            _ => 0,
        };
        if shared == 0 {
            return name;
        }
        name.replace(&format!("{}.", keys[0][..shared].join(".")), "")
    }
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
}
