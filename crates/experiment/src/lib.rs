//! carepath-experiment: scenarios run as experiments, and what they found.
//!
//! Owns running a set of loaded scenarios: (scenario, replication) jobs on a thread pool,
//! shards and their merge, the analysis of parameter draws, the checks' verdicts, `solve`'s search, the
//! run-length advice and the event log of one replication. It produces [`results::Results`]
//! and draws nothing: charts, files and the report are the report package's; argument
//! parsing and exit codes are the command's.

pub mod advice;
mod error;
pub mod exec;
pub mod interrupt;
pub mod memory;
mod request;
pub mod results;
pub mod shard;
pub mod solve;
pub mod trace;
pub mod verdict;

pub use error::{Error, Invalid};
pub use request::{Experiment, Run, RunRequest};
pub use solve::SolveRequest;
