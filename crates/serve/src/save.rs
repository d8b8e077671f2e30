//! "Save as scenario": a new file beside the original that `extends` it and states only the
//! changes, each with the value it replaces, so the file reads as the workshop's decision.

use super::controls::Control;
use carepath_scenario::LoadedScenario;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Whether `name` can name a scenario file and its output folder.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A TOML key segment, quoted when it is not a bare key.
fn key(seg: &str) -> String {
    if valid_name(seg) {
        seg.to_string()
    } else {
        toml::Value::String(seg.to_string()).to_string()
    }
}

/// A `--set` value as TOML: a TOML value as written, or else a string (as `--set` takes it).
fn value(text: &str) -> String {
    let text = text.trim();
    match toml::from_str::<toml::Table>(&format!("v = {text}")) {
        Ok(t) if t.len() == 1 => text.to_string(),
        _ => toml::Value::String(text.to_string()).to_string(),
    }
}

/// The text of a scenario named `name` that extends `original` (the file `extends_path`
/// names it by) with `changes`; `reps` when the page ran a count other than the file's.
/// Roadmap entries cannot be changed this way (a file's `[[roadmap]]` adds to its parent's),
/// so such a change is refused with a reason.
pub fn scenario_text(
    original: &LoadedScenario,
    extends_path: &str,
    name: &str,
    changes: &BTreeMap<String, String>,
    controls: &[Control],
    reps: Option<u32>,
) -> Result<String, String> {
    if let Some(k) = changes.keys().find(|k| k.starts_with("roadmap")) {
        return Err(format!(
            "`{k}` cannot be saved in a file that extends {extends_path}: a file's `[[roadmap]]` \
             adds to its parent's and cannot change them; export the report, or edit the date \
             or capacity in {extends_path} itself"
        ));
    }
    let was = |k: &str| {
        controls
            .iter()
            .find(|c| c.key == k)
            .map_or(String::new(), |c| format!("  # was {}", c.value))
    };
    let said: Vec<String> = changes
        .iter()
        .map(|(k, v)| format!("{k} = {}", v.trim()))
        .collect();
    let description = format!(
        "{} As {}, with {}.",
        original.scenario.description.trim(),
        original.name,
        said.join(", ")
    );
    let mut text = format!(
        "# {name}: {} with the changes made in a workshop; everything else as in {extends_path}.\n\
         extends = {}\nname = {}\ndescription = {}\n",
        original.name,
        toml::Value::String(extends_path.to_string()),
        toml::Value::String(name.to_string()),
        toml::Value::String(description),
    );
    // One table per key prefix, in key order.
    let mut tables: BTreeMap<Vec<String>, Vec<(String, String)>> = BTreeMap::new();
    for (k, v) in changes {
        let mut segs: Vec<String> = k.split('.').map(key).collect();
        let leaf = segs.pop().unwrap_or_default();
        tables
            .entry(segs)
            .or_default()
            .push((leaf, format!("{}{}", value(v), was(k))));
    }
    if let Some(n) = reps.filter(|&n| n != original.model.replications()) {
        tables.entry(vec!["simulation".into()]).or_default().push((
            "replications".into(),
            format!(
                "{n}  # as run in the workshop; the file it extends has {}",
                original.model.replications()
            ),
        ));
    }
    for (table, keys) in &tables {
        if !table.is_empty() {
            let _ = write!(text, "\n[{}]\n", table.join("."));
        }
        for (k, v) in keys {
            let _ = writeln!(text, "{k} = {v}");
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_toml_as_written_or_else_strings() {
        assert_eq!(value("19"), "19");
        assert_eq!(value("2024-10-01"), "2024-10-01");
        assert_eq!(value("wait"), "\"wait\"");
        // Text that would add a key stays one string.
        let injected = format!("v = {}", value("1\nx = 2"));
        let back: toml::Table = toml::from_str(&injected).unwrap();
        assert_eq!((back.len(), back["v"].as_str()), (1, Some("1\nx = 2")));
        assert_eq!(key("gau"), "gau");
        assert_eq!(key("a.b"), "\"a.b\"");
        assert!(!valid_name("../x") && !valid_name("") && valid_name("more_iht-2"));
    }
}
