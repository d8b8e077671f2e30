//! `--trace R`: the event log of replication R of each scenario, as `<scenario>/events.csv`,
//! in the standard event-log shape (a case, an activity, a timestamp, a resource) that
//! process-mining and animation tools read as is (bupaR, pm4py, vidigi).

use crate::config::LoadedScenario;
use carepath_engine::trace::TraceEvent;
use carepath_engine::Model;

/// What `--trace` asks for: a replication, of every scenario or of one.
pub struct Trace<'a> {
    pub replication: u32,
    pub scenario: Option<&'a str>,
}

impl Trace<'_> {
    /// Checks the request against the scenarios before anything runs.
    pub fn check(&self, scenarios: &[LoadedScenario]) -> Result<(), String> {
        if let Some(name) = self.scenario {
            if !scenarios.iter().any(|s| s.name == name) {
                let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
                return Err(format!(
                    "--trace-scenario {name}: no scenario of that name is run (scenarios: {})",
                    names.join(", ")
                ));
            }
        }
        for s in self.traced(scenarios) {
            let n = s.model.replications();
            if self.replication >= n {
                return Err(format!(
                    "--trace {}: {} runs replications 0 to {} (the replication's number, counted from 0)",
                    self.replication,
                    s.name,
                    n - 1
                ));
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

    /// Each traced scenario's `events.csv`, as (path in the output folder, bytes).
    pub fn files(&self, scenarios: &[LoadedScenario]) -> Result<Vec<(String, Vec<u8>)>, String> {
        self.traced(scenarios)
            .map(|s| {
                let (_, log) = s
                    .model
                    .trace_replication(self.replication)
                    .map_err(|e| crate::exec::overload_error(s, &e).to_string())?;
                Ok((
                    format!("{}/events.csv", s.name),
                    events_csv(&s.model, &log)?,
                ))
            })
            .collect()
    }
}

/// One row per step of every young person's journey, in time order. `day` counts days from
/// the start date (negative in the warm-up); `timestamp` is the same instant as a date-time.
pub fn events_csv(model: &Model, log: &[TraceEvent]) -> Result<Vec<u8>, String> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(log.len() * 80));
    let err = |e: csv::Error| format!("cannot write events.csv: {e}");
    w.write_record([
        "case_id",
        "activity",
        "timestamp",
        "day",
        "resource",
        "group",
        "urgency",
        "reported",
    ])
    .map_err(err)?;
    let warmup = model.warmup_days() as f64;
    for e in log {
        w.write_record([
            e.case.to_string().as_str(),
            e.activity.name(),
            &model
                .date_time(e.time)
                .format("%Y-%m-%dT%H:%M:%S")
                .to_string(),
            &format!("{:.6}", e.time - warmup),
            e.resource.map_or("", |r| model.resource_key(r)),
            model.group_key(e.group),
            e.urgency.name(),
            if model.in_reported_window(e.time) {
                "true"
            } else {
                "false"
            },
        ])
        .map_err(err)?;
    }
    w.into_inner()
        .map_err(|e| format!("cannot write events.csv: {e}"))
}
