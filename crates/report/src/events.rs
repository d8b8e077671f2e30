//! `<scenario>/events.csv`: the event log of one replication in the standard event-log shape
//! (a case, an activity, a timestamp, a resource) that process-mining and animation tools
//! read as is (bupaR, pm4py, vidigi).

use carepath_engine::trace::TraceEvent;
use carepath_engine::Model;
use carepath_experiment::trace::Trace;
use carepath_scenario::LoadedScenario;

/// Each traced scenario's `events.csv`, as (path in the output folder, bytes).
pub fn files(
    trace: &Trace,
    scenarios: &[LoadedScenario],
) -> Result<Vec<(String, Vec<u8>)>, crate::Error> {
    trace
        .logs(scenarios)
        .map_err(|e| crate::Error::Render(e.to_string()))?
        .into_iter()
        .map(|(s, log)| {
            Ok((
                format!("{}/events.csv", s.name),
                events_csv(&s.model, &log)?,
            ))
        })
        .collect()
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
