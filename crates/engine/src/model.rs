//! PLACEHOLDER: replaced by the compiled model.
use crate::results::Summary;
use crate::scenario::{Scenario, ScenarioErrors};

/// A validated, compiled scenario.
#[derive(Debug, Clone)]
pub struct Model {
    scenario: Scenario,
}

impl Model {
    pub(crate) fn build(s: &Scenario) -> Result<Model, ScenarioErrors> {
        Ok(Model { scenario: s.clone() })
    }
    /// Replications the scenario asks for.
    pub fn replications(&self) -> u32 {
        self.scenario.simulation.replications
    }
}

/// Runs replications sequentially and aggregates them.
pub fn run(_model: &Model, _reps: std::ops::Range<u32>) -> Summary {
    unimplemented!()
}
