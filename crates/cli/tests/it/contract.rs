//! The output contract: every JSON output a run writes or prints is valid against
//! `carepath schema --output`, checked by an independent validator, and carries its
//! `schema_version`.

use crate::support::scenarios;
use serde_json::Value;
use std::fs;
use std::path::Path;
use std::process::Command;

fn carepath(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(args)
        .output()
        .unwrap()
}

/// The schema, and a validator for one of its shapes (`$defs` name).
fn shape(schema: &Value, name: &str) -> jsonschema::Validator {
    let mut one = schema.clone();
    one["anyOf"] = serde_json::json!([{ "$ref": format!("#/$defs/{name}") }]);
    jsonschema::draft202012::new(&one).expect("the schema is valid JSON Schema")
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v
        .iter_errors(doc)
        .take(5)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
    assert_eq!(
        doc["schema_version"], 1,
        "{what} carries its schema_version"
    );
}

#[test]
fn every_json_output_matches_the_published_schema() {
    let printed = carepath(&["schema", "--output"]);
    assert!(printed.status.success());
    let schema: Value = serde_json::from_slice(&printed.stdout).unwrap();
    let summary = shape(&schema, "ScenarioSummary");
    let run = shape(&schema, "RunJson");
    let manifest = shape(&schema, "Manifest");

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let done = carepath(&[
        "run",
        &scenarios(),
        "--reps",
        "3",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(done.status.code().unwrap() <= 1, "{done:?}");
    let printed: Value = serde_json::from_slice(&done.stdout).unwrap();
    assert_valid(&run, &printed, "--json");
    assert!(printed["comparisons"].as_array().unwrap().len() > 1);

    let read = |p: &Path| -> Value { serde_json::from_slice(&fs::read(p).unwrap()).unwrap() };
    let manifest_doc = read(&out.join("manifest.json"));
    assert_valid(&manifest, &manifest_doc, "manifest.json");
    let mut checked = 0;
    for entry in fs::read_dir(&out).unwrap() {
        let path = entry.unwrap().path().join("summary.json");
        if path.exists() {
            let doc = read(&path);
            assert_valid(&summary, &doc, &path.display().to_string());
            // Undefined numbers are null, which the schema allows; a KPI always has a name.
            assert!(doc["kpis"].as_array().unwrap().len() > 100);
            checked += 1;
        }
    }
    assert_eq!(checked, 6, "every scenario's summary.json");

    // The shapes tell the documents apart, so a check that fails is a real one.
    assert!(!summary.is_valid(&manifest_doc));
    assert!(!run.is_valid(&manifest_doc));
    let mut broken = printed.clone();
    broken["scenarios"][0]["kpis"][0]["metric"] = "no_such_kpi".into();
    assert!(!run.is_valid(&broken), "an unknown KPI name fails");
    let mut broken = printed;
    broken["scenarios"][0]["kpis"][0]["mean"] = "12".into();
    assert!(!run.is_valid(&broken), "a number written as text fails");
}
