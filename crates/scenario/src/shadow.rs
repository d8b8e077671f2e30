//! Overrides that the roadmap undoes. `--set wards.gau.beds=20` changes the ward's beds at the
//! start, but a `[[roadmap]]` entry that sets the same ward's capacity on a later date puts
//! its own value back from then on: a sweep or a solve over that key would be labelled with
//! values that hold only until that date. Such an override is an error that names the entry
//! and the key to vary instead.

use super::error::ConfigError;
use super::tree::{path_string, Item, Node, Seg};

/// What a roadmap entry sets that a scenario key also sets: the entry's key for it, and
/// which entries it applies to (those naming this ward or service, or any for demand).
fn roadmap_key(path: &[Seg]) -> Option<(&'static str, Option<(&'static str, &str)>)> {
    let keys: Vec<&str> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect::<Option<_>>()?;
    match keys[..] {
        ["wards", ward, "beds"] => Some(("capacity", Some(("ward", ward)))),
        ["services", service, "places"] => Some(("capacity", Some(("service", service)))),
        ["wards", ward, "staff_wte"] => Some(("staff_wte", Some(("ward", ward)))),
        ["services", service, "staff_wte"] => Some(("staff_wte", Some(("service", service)))),
        ["demand", "referrals_per_year"] => Some(("referrals_per_year", None)),
        ["demand", "annual_growth"] => Some(("annual_growth", None)),
        ["groups", _, "share"] => Some(("group_shares", None)),
        _ => None,
    }
}

/// The error for an override of `path` (`what` it is: "`--set wards.gau.beds=20`", "the
/// sweep of `wards.gau.beds`") when a roadmap entry of `tree` sets the same thing: located at
/// that entry's key, so that in a folder of scenarios it names the file.
pub(crate) fn check(tree: &Node, path: &[Seg], what: &str, errs: &mut Vec<ConfigError>) {
    let Some((key, owner)) = roadmap_key(path) else {
        return;
    };
    let Some(Item::Array(entries)) = tree.get("roadmap").map(|n| &n.item) else {
        return;
    };
    for (i, entry) in entries.iter().enumerate() {
        let Some(value) = entry.get(key) else {
            continue;
        };
        if let Some((kind, name)) = owner {
            if entry.get(kind).and_then(Node::as_str) != Some(name) {
                continue;
            }
        }
        // A change of group shares undoes a share only if it names that group.
        if key == "group_shares" {
            let group = match &path[1] {
                Seg::Key(g) => g.as_str(),
                Seg::Index(_) => continue,
            };
            if value.get(group).is_none() {
                continue;
            }
        }
        let address = match entry.get("id").and_then(Node::as_str) {
            Some(id) => format!("roadmap.{id}"),
            None => format!("roadmap[{i}]"),
        };
        let date = entry
            .get("date")
            .map(|d| d.to_toml().to_string().trim_matches('"').to_string())
            .unwrap_or_default();
        let overridden = path_string(path);
        let mut instead = format!("{address}.{key}");
        if key == "group_shares" {
            if let Seg::Key(g) = &path[1] {
                instead = format!("{instead}.{g}");
            }
        }
        let message = format!(
            "{what} is undone on {date} by the roadmap entry `{address}`, which sets \
             `{overridden}` again: the value given would hold only until then"
        );
        let help = format!("vary or set `{instead}` as well, or instead");
        errs.push(
            value
                .at
                .error(&format!("{address}.{key}"), message, Some(help)),
        );
        return;
    }
}
