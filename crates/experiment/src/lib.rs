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
mod request;
pub mod results;
pub mod shard;
pub mod solve;
pub mod trace;
pub mod verdict;

pub use error::{Error, Invalid};
pub use request::{Experiment, Run, RunRequest};
pub use solve::SolveRequest;

use carepath_scenario::{Check, ConfigError, LoadOptions, LoadedScenario, Source};
use std::path::PathBuf;

/// Loads scenarios and `--check` arguments, and checks that every check names a KPI the
/// scenarios have; every problem found, or nothing.
pub fn load_checked(
    sources: &[Source],
    opts: &LoadOptions,
    check_args: &[String],
) -> Result<(Vec<LoadedScenario>, Vec<Check>), Vec<ConfigError>> {
    let mut errors = Vec::new();
    let mut checks = Vec::new();
    for arg in check_args {
        match carepath_scenario::parse_check_arg(arg) {
            Ok(c) => checks.push(c),
            Err(message) => errors.push(ConfigError {
                file: PathBuf::new(),
                line: None,
                col: None,
                key: String::new(),
                message: format!("--check {arg}: {message}"),
                help: None,
            }),
        }
    }
    let scenarios = match carepath_scenario::load_sources(sources, opts) {
        Ok(s) => s,
        Err(mut e) => {
            errors.append(&mut e);
            Vec::new()
        }
    };
    errors.extend(verdict::unknown_kpis(&scenarios, &checks));
    if errors.is_empty() {
        Ok((scenarios, checks))
    } else {
        Err(errors)
    }
}
