//! # carepath-engine
//!
//! A discrete-event simulation of the mental-health care pathway that NHS-led provider
//! collaboratives run for children and young people (CYPMHS tier 4): referrals arrive,
//! gatekeeping declines, diverts to a community alternative (intensive home treatment, day
//! hospital) or admits; admissions take a local bed, wait for one, or are placed out of area.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let scenario = carepath_engine::examples::erlang_loss(0.5, 60.0, 30, 2);
//! let model = scenario.validate()?;              // every check happens here
//! let summary = carepath_engine::run(&model, 0..model.replications())?; // or a runaway waiting list
//! let blocked = summary.kpi(carepath_engine::Metric::OapPlacements, "", carepath_engine::Period::Overall);
//! # assert!(blocked.is_some());
//! # Ok(()) }
//! ```
//!
//! The crate does no I/O and prints nothing: it turns a validated scenario into numbers.
//! Reading files, running replications in parallel and writing outputs belong to the runner.
//!
//! **Determinism.** A replication is a pure function of `(model, replication index)`. Random
//! numbers come from named, portable generators (xoshiro256++), one stream per stochastic
//! element, so the same seed gives the same results on any machine and thread count, and two
//! scenarios that differ only in capacity see exactly the same referrals (common random numbers).

mod arrivals;
mod capacity;
mod compile;
mod daily_counts;
pub mod dist;
pub mod examples;
mod layout;
mod model;
mod record;
pub mod results;
mod rng;
mod rows;
pub mod scenario;
mod sim;
mod stats;
mod time;
pub mod trace;
pub mod uncertainty;
pub mod values;

pub use daily_counts::DailyCounts;
pub use layout::CostCategory;
pub use model::Model;
pub use record::{Flow, Ledger, Replication, COST_CATEGORIES};
pub use results::{
    DailySeries, Difference, Direction, Estimate, FinancialYear, Kpi, KpiKey, Measure, Metric,
    OccupancyDistribution, OccupancySegment, Overload, Period, PeriodInfo, PoolKind, Subject,
    Summary, SUMMARY_KPIS,
};
pub use scenario::{Scenario, ScenarioError, ScenarioErrors};
pub use stats::{compare, run, AggregateState, Aggregator};
pub use values::Values;
