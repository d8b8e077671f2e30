//! carepath-report: a run's results as the files people read.
//!
//! Owns everything that turns [`carepath_experiment::results::Results`] into bytes: tidy CSV
//! and JSON, the charts (SVG and PNG, with the bundled font), the self-contained
//! `report.html`, the workbook `results.xlsx`, the event log's CSV, numbers as planners say
//! them, and the output folder that shows one whole run at a time. It never loads a scenario
//! and never runs one: it reads the loaded scenarios and the results it is handed.

pub mod charts;
mod error;
pub mod events;
pub mod format;
pub mod outdir;
pub mod output;
pub mod publish;
pub mod report;
mod uncertainty;
mod workbook;

pub use error::Error;
