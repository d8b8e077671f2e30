//! The JSON Schema of the scenario file format and the README's key reference, both generated
//! from the serde types (the engine's `Scenario` plus the runner's own keys), so the
//! documentation cannot drift from the code.

use super::checks::CheckSpec;
use super::shape::Shape;
use super::sweep::SweepValues;
use schemars::{JsonSchema, SchemaGenerator};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt::Write;

/// Keys that the runner reads itself and removes before the rest becomes the engine's
/// `Scenario`. Only its schema is used: its fields become top-level properties.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct RunnerKeys {
    /// Path of a scenario this one builds on, relative to this file. Tables merge key by key;
    /// other values, arrays included, replace the parent's, except `[[roadmap]]` entries, which
    /// are added to the parent's. `name` is never inherited.
    extends: Option<String>,
    /// Dotted key paths this file does not inherit from the one it extends
    /// (`unset = ["services.home_treatment.cost_per_day_gbp"]`), removed before its own keys
    /// are merged in: how a child switches a service from `cost_per_day_gbp` to `cost`, or
    /// drops a parent's `staff_wte` or roadmap entry (`"roadmap.new_picu"`).
    #[serde(default)]
    unset: Vec<String>,
    /// One or two dotted key paths to vary (`"wards.gau.beds" = [22, 24, 26]` or
    /// `"wards.gau.beds" = "20..30:2"`); the scenario runs once per combination, named
    /// `<name>__<key>=<value>`.
    #[serde(default)]
    sweep: BTreeMap<String, SweepValues>,
    /// Conditions on KPIs tested after the run.
    #[serde(default)]
    check: Vec<CheckSpec>,
    /// Inputs whose values are uncertain: dotted key paths, as in `sweep`, each with a
    /// distribution (`"demand.annual_growth" = { dist = "triangular", min = 0.0, mode = 0.03,
    /// max = 0.07 }`). A date's distribution is a delay in days after the date written
    /// (`"roadmap.day_hospital_opens.date" = { dist = "uniform", min = 0, max = 180 }`). With
    /// `simulation.parameter_draws` the scenario runs that many parameter sets drawn by Latin
    /// hypercube; without it, the values written elsewhere are used.
    #[serde(default)]
    uncertainty: BTreeMap<String, carepath_engine::scenario::Distribution>,
}

/// The JSON Schema (draft 2020-12) of a scenario file: the engine's `Scenario` plus the runner's
/// `extends`, `sweep` and `check`.
pub fn schema() -> Value {
    let mut generator = SchemaGenerator::default();
    let runner = generator.subschema_for::<RunnerKeys>();
    let mut root = generator
        .into_root_schema_for::<carepath_engine::Scenario>()
        .to_value();
    let runner_name = runner
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string);
    let runner_def = runner_name.and_then(|n| root.get_mut("$defs")?.as_object_mut()?.remove(&n));
    let runner_props = runner_def.and_then(|mut d| d.get_mut("properties").map(Value::take));
    if let (Some(Value::Object(extra)), Some(Value::Object(props))) =
        (runner_props, root.get_mut("properties"))
    {
        props.extend(extra);
    }
    root
}

/// The schema `carepath schema` prints, for editors and validators. A file that `extends`
/// another may leave out what its parent sets, so its tables are checked as parts: every key
/// known and of the right type, none required; a distribution, which replaces the parent's
/// whole, and the entries of arrays (roadmap changes, checks, census rows), which are added or
/// replace the parent's, stay complete. A file without `extends` must be the whole scenario.
pub fn published_schema() -> Value {
    let full = schema();
    let mut defs = full
        .get("$defs")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut whole = full.clone();
    if let Some(o) = whole.as_object_mut() {
        o.remove("$defs");
        o.remove("$schema");
    }
    let mut parts = serde_json::Map::new();
    let mut root = partial(&whole, &defs, &mut parts);
    defs.extend(parts);
    defs.insert("WholeScenario".into(), whole);
    if let Some(o) = root.as_object_mut() {
        if let Some(dialect) = full.get("$schema") {
            o.insert("$schema".into(), dialect.clone());
        }
        o.insert(
            "if".into(),
            serde_json::json!({ "not": { "required": ["extends"] } }),
        );
        o.insert(
            "then".into(),
            serde_json::json!({ "$ref": "#/$defs/WholeScenario" }),
        );
        o.insert("$defs".into(), Value::Object(defs));
    }
    root
}

/// `schema` with nothing required in it or in the tables it leads to by key, each table
/// definition `X` becoming `XPart` in `parts`; distributions and array items are kept whole.
fn partial(
    schema: &Value,
    defs: &serde_json::Map<String, Value>,
    parts: &mut serde_json::Map<String, Value>,
) -> Value {
    let Value::Object(o) = schema else {
        return schema.clone();
    };
    let mut o = o.clone();
    o.remove("required");
    let target = o
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .map(str::to_string);
    if let Some(name) = target {
        let def = defs.get(&name).cloned().unwrap_or(Value::Null);
        // A tagged table (a distribution) replaces the parent's whole.
        if def.get("oneOf").is_none() {
            let part = format!("{name}Part");
            if !parts.contains_key(&part) {
                parts.insert(part.clone(), Value::Null);
                let p = partial(&def, defs, parts);
                parts.insert(part.clone(), p);
            }
            o.insert("$ref".into(), Value::String(format!("#/$defs/{part}")));
        }
    }
    if let Some(Value::Object(props)) = o.get_mut("properties") {
        for p in props.values_mut() {
            *p = partial(p, defs, parts);
        }
    }
    if let Some(more) = o.get_mut("additionalProperties").filter(|m| m.is_object()) {
        *more = partial(more, defs, parts);
    }
    if let Some(Value::Array(alternatives)) = o.get_mut("anyOf") {
        for a in alternatives {
            *a = partial(a, defs, parts);
        }
    }
    Value::Object(o)
}

/// One row of the key reference.
struct Row {
    key: String,
    kind: String,
    default: String,
    description: String,
}

/// A Markdown reference of every key of the format: a table of key paths (`wards.<name>.beds`)
/// with type, default and description, then, for each kind of tagged table (a *distribution*),
/// the variants it takes.
pub fn key_reference() -> String {
    let shape = Shape::new(schema());
    let mut rows = Vec::new();
    let mut tagged = BTreeMap::new();
    walk(&shape, shape.root(), "", &mut rows, &mut tagged);

    let mut out = String::from("| Key | Type | Default | Description |\n|---|---|---|---|\n");
    for r in &rows {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            r.key,
            cell(&r.kind),
            cell(&r.default),
            cell(&r.description)
        );
    }
    for (name, s) in tagged {
        let Some((tag, alts)) = shape.tagged(s) else {
            continue;
        };
        let _ = write!(out, "\nA *{name}* is a table whose `{tag}` is one of:\n\n| `{tag}` | Keys | Description |\n|---|---|---|\n");
        for alt in alts {
            let variant = alt
                .pointer(&format!("/properties/{tag}/const"))
                .and_then(Value::as_str)
                .unwrap_or("");
            // Required keys in declaration order, then the optional ones.
            let required = strings(alt.get("required"));
            let optional = alt
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(k, _)| k.as_str());
            let keys: Vec<String> = required
                .iter()
                .filter(|k| **k != tag)
                .map(|k| format!("`{k}`"))
                .chain(
                    optional
                        .filter(|k| !required.contains(k))
                        .map(|k| format!("`{k}` (optional)")),
                )
                .collect();
            let doc = alt.get("description").and_then(Value::as_str).unwrap_or("");
            let _ = writeln!(
                out,
                "| `\"{variant}\"` | {} | {} |",
                keys.join(", "),
                cell(doc)
            );
        }
    }
    out
}

/// Adds a row per property of `s`, then the rows of its sub-tables. Tagged tables get one row
/// (their variants are listed once, in their own table, collected into `tagged`).
fn walk<'s>(
    shape: &'s Shape,
    s: &'s Value,
    prefix: &str,
    rows: &mut Vec<Row>,
    tagged: &mut BTreeMap<String, &'s Value>,
) {
    let s = shape.plain(s);
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return;
    };
    let required = strings(s.get("required"));
    for (name, p) in props {
        let key = format!("{prefix}{name}");
        let default = if required.contains(&name.as_str()) {
            "required".to_string()
        } else {
            match p.get("default") {
                None | Some(Value::Null) => "—".into(),
                Some(Value::Object(o)) if o.is_empty() => "—".into(),
                Some(Value::Array(a)) if a.is_empty() => "—".into(),
                Some(Value::Object(_)) => "see below".into(),
                Some(v) => format!("`{v}`"),
            }
        };
        let description = p
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        rows.push(Row {
            key: key.clone(),
            kind: shape.kind(p),
            default,
            description,
        });

        let plain = shape.plain(p);
        let map_values = plain.get("additionalProperties").filter(|a| a.is_object());
        if let Some(tag_name) = shape.tagged_name(p) {
            tagged.entry(tag_name).or_insert(p);
        } else if let Some(v) = map_values {
            match shape.tagged_name(v) {
                Some(tag_name) => {
                    tagged.entry(tag_name).or_insert(v);
                }
                None => walk(shape, v, &format!("{key}.<name>."), rows, tagged),
            }
        } else if let Some(items) = plain.get("items") {
            walk(shape, items, &format!("{key}[]."), rows, tagged);
        } else {
            walk(shape, plain, &format!("{key}."), rows, tagged);
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// A table cell: one line, with `|` escaped.
fn cell(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_has_engine_and_runner_keys() {
        let s = schema();
        let props = s["properties"].as_object().unwrap();
        for key in [
            "simulation",
            "wards",
            "groups",
            "roadmap",
            "extends",
            "sweep",
            "check",
        ] {
            assert!(props.contains_key(key), "missing {key}");
        }
        assert_eq!(
            s.pointer("/$defs/Ward/properties/beds/type")
                .and_then(Value::as_str),
            Some("integer")
        );
        let kpis = s
            .pointer("/$defs/Check/properties/kpi/enum")
            .and_then(Value::as_array)
            .unwrap();
        assert!(kpis.iter().any(|k| k == "oap_bed_days"));
        assert!(s.pointer("/$defs/RunnerKeys").is_none());
        assert_eq!(s["additionalProperties"], Value::Bool(false));
    }

    #[test]
    fn key_reference_lists_nested_keys() {
        let r = key_reference();
        assert!(r.starts_with("| Key | Type | Default | Description |"));
        assert!(r.contains("| `wards.<name>.beds` | whole number"), "{r}");
        assert!(r.contains("| `simulation.start_date` | date | required |"));
        assert!(r.contains("| `simulation.replications` | whole number | `30` |"));
        assert!(r.contains("| `roadmap[].date` | date | required |"));
        assert!(r.contains("| `groups.<name>.los_days` | distribution | required |"));
        assert!(r.contains("| `check[].kpi` |"));
        assert!(r.contains("| `sweep` |"));
        assert!(r.contains("| `\"uniform\"` | `min`, `max` |"), "{r}");
        assert!(
            r.contains("| `\"lognormal\"` | `mean` (optional), `median` (optional)"),
            "{r}"
        );
        assert_eq!(r, key_reference(), "the reference must be deterministic");
    }
}
