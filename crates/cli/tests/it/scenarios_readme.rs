//! scenarios/README.md reconciles the model's Dorset placements with the published count: the
//! figures it quotes are rerun here from S0.

use crate::support::{carepath, text};
use std::collections::HashMap;
use std::path::Path;

#[test]
fn the_dorset_reconciliation_quotes_what_s0_gives() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = tempfile::tempdir().unwrap();
    let baseline = root.join("scenarios/baseline.toml");
    let out = carepath(&[
        "run",
        baseline.to_str().unwrap(),
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut kpis = HashMap::new();
    let mut rows = csv::Reader::from_path(dir.path().join("baseline/summary.csv")).unwrap();
    for row in rows.records() {
        let row = row.unwrap();
        if &row[3] == "dorset" && &row[4] == "2022/23" {
            kpis.insert(row[1].to_string(), row[6].parse::<f64>().unwrap());
        }
    }
    let admissions = kpis["admissions"];
    let miles = kpis["local_admission_distance_miles"];
    let placed = kpis["oap_placements"];
    let independent = admissions * (miles - 20.0) / 40.0;
    let readme = std::fs::read_to_string(root.join("scenarios/README.md")).unwrap();
    for figure in [admissions, miles, independent, placed, independent + placed] {
        let quoted = format!("**{figure:.1}**");
        assert!(
            readme.contains(&quoted),
            "scenarios/README.md should quote {quoted} in its Dorset reconciliation"
        );
    }
}
