//! Turning a [`Scenario`] into a [`Model`]: every check in one place, every problem collected.

use super::Scenario;
use crate::model::Model;
use std::fmt;

/// One problem with a scenario, located by the dotted key path that holds it
/// (`wards.gau.beds`, `roadmap[2].date`, `groups.picu.los_days.median`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// Dotted key path; `[i]` indexes an array of tables.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in a scenario (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

impl Scenario {
    /// Checks everything and compiles the scenario into a [`Model`] the simulation can run.
    /// Nothing inside a run can fail or panic on a model this returns.
    pub fn validate(&self) -> Result<Model, ScenarioErrors> {
        Model::build(self)
    }
}
