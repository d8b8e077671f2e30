//! The `carepath` binary as scripts, planners and facilitators use it: one test binary for the
//! package, so the tests link once.

#[path = "../../../report/tests/common/mod.rs"]
mod common;
mod support;

mod advise;
mod architecture;
mod bad_inputs;
mod cli;
mod contract;
mod events;
mod mutations;
mod outputs;
mod report;
mod scenarios_readme;
mod serve;
mod snapshots;
mod solve;
mod timing;
mod uncertainty;
mod workbook;
