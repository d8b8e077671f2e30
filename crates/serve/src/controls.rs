//! The key inputs of a scenario that the workshop page offers as controls: beds per ward,
//! places per service, referrals a year, their growth, and each roadmap change's date and
//! capacity. Values come from the scenario as loaded (its `extends` chain merged); units and
//! the source each value's file cites come from [`inputs`](carepath_scenario::inputs).

use carepath_scenario::inputs::{self, Input};
use carepath_scenario::LoadedScenario;
use serde::Serialize;

/// One control: a key the page may change with `--set`, its value as the file states it.
#[derive(Debug, Clone, Serialize)]
pub struct Control {
    /// Dotted key, as `--set` takes it: `wards.gau.beds`, `roadmap[1].date`.
    pub key: String,
    /// What it is, in words.
    pub label: String,
    /// Its unit, in words.
    pub unit: &'static str,
    /// The value the file gives (TOML text).
    pub value: String,
    /// The source comment of the file that sets it (empty when there is none).
    pub source: String,
    /// Whether that comment marks the value as an assumption.
    pub assumption: bool,
    /// The file that sets it and the line.
    pub file: String,
    pub line: usize,
    /// How the page edits it.
    pub kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A whole number.
    Whole,
    /// A decimal number.
    Decimal,
    /// A date, `YYYY-MM-DD`.
    Date,
}

/// The inputs of each file of a scenario's `extends` chain, root first, with the offset of
/// its first `[[roadmap]]` entry in the merged roadmap (parents' entries come first).
fn chain_inputs(s: &LoadedScenario) -> Vec<(String, Vec<Input>, usize)> {
    let mut offset = 0;
    let mut out = Vec::new();
    for source in s.sources.iter().rev() {
        let file = inputs::of(source);
        let entries = file
            .inputs
            .iter()
            .filter_map(|i| roadmap_index(&i.key))
            .map(|(n, _)| n + 1)
            .max()
            .unwrap_or(0);
        out.push((file.path, file.inputs, offset));
        offset += entries;
    }
    out
}

/// `roadmap[3].capacity` → `(3, "capacity")`.
fn roadmap_index(key: &str) -> Option<(usize, &str)> {
    let rest = key.strip_prefix("roadmap[")?;
    let (n, field) = rest.split_once("].")?;
    Some((n.parse().ok()?, field))
}

/// The controls of a loaded scenario, in page order.
pub fn controls(s: &LoadedScenario) -> Vec<Control> {
    let chain = chain_inputs(s);
    // The file nearest the scenario that sets `key` speaks for it.
    let find = |key: &str| -> Option<(&str, &Input)> {
        chain.iter().rev().find_map(|(file, inputs, offset)| {
            let local = match roadmap_index(key) {
                Some((n, field)) => format!("roadmap[{}].{field}", n.checked_sub(*offset)?),
                None => key.to_string(),
            };
            inputs
                .iter()
                .find(|i| i.key == local)
                .map(|i| (file.as_str(), i))
        })
    };
    let control = |key: String, label: String, unit, value: String, kind| {
        let (file, input) = find(&key).map_or((String::new(), None), |(f, i)| (f.into(), Some(i)));
        Control {
            label,
            unit,
            value,
            source: input.map_or(String::new(), |i| i.source.clone()),
            assumption: input.is_some_and(|i| i.assumption),
            file,
            line: input.map_or(0, |i| i.line),
            key,
            kind,
        }
    };
    let sc = &s.scenario;
    let mut out = vec![
        control(
            "demand.referrals_per_year".into(),
            "Referrals".into(),
            "a year",
            sc.demand.referrals_per_year.to_string(),
            Kind::Decimal,
        ),
        control(
            "demand.annual_growth".into(),
            "Growth of referrals".into(),
            "a year, as a fraction (0.05 = 5 %)",
            sc.demand.annual_growth.to_string(),
            Kind::Decimal,
        ),
    ];
    for (name, w) in &sc.wards {
        out.push(control(
            format!("wards.{name}.beds"),
            w.label.clone(),
            "beds",
            w.beds.to_string(),
            Kind::Whole,
        ));
    }
    // A team that takes all comers has no places to change.
    for (name, sv) in &sc.services {
        if let Some(places) = sv.places {
            out.push(control(
                format!("services.{name}.places"),
                sv.label.clone(),
                "places",
                places.to_string(),
                Kind::Whole,
            ));
        }
    }
    for (i, r) in sc.roadmap.iter().enumerate() {
        let what = if r.note.is_empty() {
            format!("Roadmap change {}", i + 1)
        } else {
            r.note.clone()
        };
        out.push(control(
            format!("roadmap[{i}].date"),
            what.clone(),
            "date",
            r.date.to_string(),
            Kind::Date,
        ));
        if let Some(c) = r.capacity {
            let unit = if r.ward.is_some() { "beds" } else { "places" };
            out.push(control(
                format!("roadmap[{i}].capacity"),
                format!("{what}: new capacity"),
                unit,
                c.to_string(),
                Kind::Whole,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use carepath_scenario::{load, LoadOptions};
    use std::path::Path;

    fn scenario(file: &str) -> LoadedScenario {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scenarios")
            .join(file);
        load(&[path], &LoadOptions::default()).unwrap().remove(0)
    }

    #[test]
    fn each_control_has_the_value_in_force_and_the_source_of_the_file_that_sets_it() {
        let c = controls(&scenario("provider_closure.toml"));
        let get = |k: &str| c.iter().find(|x| x.key == k).unwrap();
        // Set in baseline.toml and not restated: baseline's comment speaks for it.
        let growth = get("demand.annual_growth");
        assert_eq!(growth.value, "0");
        assert!(growth.file.ends_with("baseline.toml"), "{}", growth.file);
        assert!(growth.source.contains("Demand growth"), "{}", growth.source);
        // provider_closure's own roadmap comes after those of the files it extends: its
        // entries keep their merged index, and their source is its own file's.
        let roadmap = &scenario("provider_closure.toml").scenario.roadmap;
        let (i, picu) = roadmap
            .iter()
            .enumerate()
            .find(|(_, r)| r.ward.as_deref() == Some("picu"))
            .unwrap();
        let date = get(&format!("roadmap[{i}].date"));
        assert_eq!(date.value, picu.date.to_string());
        assert!(
            date.file.ends_with("provider_closure.toml"),
            "{}",
            date.file
        );
        assert!(date.source.contains("ASSUMPTION"), "{}", date.source);
        assert!(date.assumption);
        assert_eq!(get(&format!("roadmap[{i}].capacity")).value, "8");
        assert_eq!(get(&format!("roadmap[{i}].capacity")).unit, "beds");
        let places = c
            .iter()
            .filter(|x| x.key.starts_with("services.") && x.unit == "places")
            .count();
        assert!(places >= 2, "home treatment and day hospital");
    }
}
