//! `--trace R`: the event log of replication R of each scenario (written as
//! `<scenario>/events.csv` by the report package).

use crate::{Error, Invalid};
use carepath_engine::trace::TraceEvent;
use carepath_scenario::LoadedScenario;

/// What `--trace` asks for: a replication, of every scenario or of one.
pub struct Trace<'a> {
    pub replication: u32,
    pub scenario: Option<&'a str>,
}

impl Trace<'_> {
    /// Checks the request against the scenarios before anything runs.
    pub fn check(&self, scenarios: &[LoadedScenario]) -> Result<(), Error> {
        if let Some(name) = self.scenario {
            if !scenarios.iter().any(|s| s.name == name) {
                let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
                return Err(Error::from(Invalid::Usage(format!(
                    "--trace-scenario {name}: no scenario of that name is run (scenarios: {})",
                    names.join(", ")
                ))));
            }
        }
        for s in self.traced(scenarios) {
            let n = s.model.replications();
            if self.replication >= n {
                return Err(Error::from(Invalid::Usage(format!(
                    "--trace {}: {} runs replications 0 to {} (the replication's number, counted from 0)",
                    self.replication,
                    s.name,
                    n - 1
                ))));
            }
        }
        Ok(())
    }

    /// The scenarios whose log is written.
    fn traced<'s>(
        &self,
        scenarios: &'s [LoadedScenario],
    ) -> impl Iterator<Item = &'s LoadedScenario> + use<'s, '_> {
        scenarios
            .iter()
            .filter(move |s| self.scenario.is_none_or(|n| n == s.name))
    }

    /// Each traced scenario with the event log of the replication asked for.
    pub fn logs<'s>(
        &self,
        scenarios: &'s [LoadedScenario],
    ) -> Result<Vec<(&'s LoadedScenario, Vec<TraceEvent>)>, Error> {
        self.traced(scenarios)
            .map(|s| {
                let (_, log) = s
                    .model
                    .trace_replication(self.replication)
                    .map_err(|e| Error::Io(crate::exec::overload_error(s, &e).to_string()))?;
                Ok((s, log))
            })
            .collect()
    }
}
