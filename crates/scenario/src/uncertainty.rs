//! Uncertain inputs: an `[uncertainty]` table gives dotted key paths (written as in `[sweep]`)
//! a distribution, `"demand.annual_growth" = { dist = "triangular", min = 0.0, mode = 0.03,
//! max = 0.07 }`. With `simulation.parameter_draws = N` the scenario runs N parameter sets
//! drawn by Latin hypercube (`carepath_engine::uncertainty`); without it, the inputs keep the
//! values written for them. Each key is checked like a swept key (it must exist and be a
//! number that is not a whole number, or a date, whose draws are delays in days after the date
//! written), and the scenario is validated at both ends of each distribution, so an interval
//! outside a key's valid range is reported before anything runs.

use super::error::ConfigError;
use super::sweep::SweepParam;
use super::tree::{parse_path, Item, Node};
use carepath_engine::dist::Dist;
use carepath_engine::scenario::Distribution;
use serde::Deserialize;

/// One uncertain input: its key (as a sweep parameter without values) and its distribution.
#[derive(Debug, Clone)]
pub(crate) struct UncertainInput {
    pub param: SweepParam,
    pub dist: Dist,
}

/// The inputs of a merged tree's `[uncertainty]` table, in key order. Entries whose shape is
/// wrong are skipped: the schema check has reported them already.
pub(crate) fn from_tree(node: Option<&Node>, errs: &mut Vec<ConfigError>) -> Vec<UncertainInput> {
    let Some(Item::Table(table)) = node.map(|n| &n.item) else {
        return Vec::new();
    };
    let mut inputs = Vec::new();
    for (key, entry) in table {
        let name = format!("uncertainty.\"{key}\"");
        let Ok(distribution) = Distribution::deserialize(entry.to_toml()) else {
            continue;
        };
        let input = Dist::new(&distribution)
            .and_then(|dist| parse_path(key).map(|path| (dist, path)))
            .map(|(dist, path)| UncertainInput {
                param: SweepParam {
                    key: key.clone(),
                    path,
                    values: Vec::new(),
                    at: entry.at.clone(),
                },
                dist,
            });
        match input {
            Ok(input) => inputs.push(input),
            Err(m) => errs.push(entry.at.error(&name, format!("`{name}`: {m}"), None)),
        }
    }
    inputs
}
