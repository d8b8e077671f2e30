//! `carepath`: run tier 4 pathway scenarios and write CSV, JSON, charts and a report.

mod results;

fn main() {}
