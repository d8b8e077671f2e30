//! `results.xlsx` read back by an independent reader (calamine) and checked, cell by cell,
//! against `summary.csv` and `comparison.csv` of the same run.

use crate::support::scenarios;
use calamine::{open_workbook, Data, DataType, Range, Reader, Xlsx};
use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Rows of a CSV file as maps from header to field.
fn csv_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

/// A CSV number; an empty field is a value that does not exist (a rate with no cases).
fn num(s: &str) -> f64 {
    if s.is_empty() {
        f64::NAN
    } else {
        s.parse().unwrap()
    }
}

/// Totals are shown per year: counts, bed-days and money.
fn per_year(unit: &str) -> bool {
    matches!(unit, "count" | "bed-days" | "£")
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn text(r: &Range<Data>, row: u32, col: u32) -> String {
    r.get_value((row, col))
        .and_then(|d| d.as_string())
        .unwrap_or_default()
}

fn float(r: &Range<Data>, row: u32, col: u32) -> Option<f64> {
    r.get_value((row, col)).and_then(|d| d.get_float())
}

/// Column groups of a sheet: the scenario named in row 2 above each group's first column.
fn groups(r: &Range<Data>, first: u32, width: u32) -> Vec<(String, u32)> {
    let (_, last_col) = r.end().unwrap();
    (first..=last_col)
        .step_by(width as usize)
        .map(|c| (text(r, 2, c), c))
        .filter(|(n, _)| !n.is_empty())
        .collect()
}

#[test]
fn the_workbook_holds_the_same_numbers_as_the_csv_files() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(["run", &scenarios(), "--reps", "4", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.code().unwrap() <= 1, "{status:?}");

    // Years of each scenario's reported period, from its summary.json.
    let mut years: HashMap<String, f64> = HashMap::new();
    let summary = csv_rows(&out.join("summary.csv"));
    for row in &summary {
        let name = &row["scenario"];
        if !years.contains_key(name) {
            let json: serde_json::Value =
                serde_json::from_slice(&fs::read(out.join(name).join("summary.json")).unwrap())
                    .unwrap();
            years.insert(name.clone(), json["days"].as_f64().unwrap() / 365.25);
        }
    }
    let shown = |row: &HashMap<String, String>, field: &str| {
        let x = num(&row[field]);
        if per_year(&row["unit"]) && row["period"] == "overall" {
            x / years[&row["scenario"]]
        } else {
            x
        }
    };

    let mut book: Xlsx<_> = open_workbook(out.join("results.xlsx")).unwrap();
    assert_eq!(
        book.sheet_names(),
        ["Summary", "By year", "Differences", "Charts", "Inputs"]
    );

    // Summary: every pathway KPI of every scenario, mean and CI, per year for totals.
    let sheet = book.worksheet_range("Summary").unwrap();
    let scenarios = groups(&sheet, 4, 3);
    assert_eq!(
        scenarios.len(),
        years.len(),
        "one column group per scenario"
    );
    let rows: HashMap<String, u32> = (4..=sheet.end().unwrap().0)
        .map(|r| (text(&sheet, r, 3), r))
        .collect();
    let mut checked = 0;
    for row in summary
        .iter()
        .filter(|r| r["subject"].is_empty() && r["period"] == "overall")
    {
        let r = *rows
            .get(&row["metric"])
            .unwrap_or_else(|| panic!("{} has a row", row["metric"]));
        let (_, c) = scenarios
            .iter()
            .find(|(n, _)| *n == row["scenario"])
            .unwrap();
        for (k, field) in ["mean", "ci_low", "ci_high"].iter().enumerate() {
            let want = shown(row, field);
            let got = float(&sheet, r, c + k as u32);
            if want.is_finite() {
                let got = got.unwrap_or_else(|| panic!("{row:?} {field} is in the workbook"));
                assert!(close(got, want), "{row:?} {field}: {got} ≠ {want}");
                checked += 1;
            } else {
                assert_eq!(got, None, "{row:?} {field}: not a number, left empty");
            }
        }
    }
    assert!(checked > 500, "{checked} summary cells checked");
    assert_eq!(rows.len(), rows.values().count());

    // By year: each financial year's mean.
    let sheet = book.worksheet_range("By year").unwrap();
    let years_head: Vec<String> = (3..=sheet.end().unwrap().1)
        .map(|c| text(&sheet, 3, c))
        .collect();
    let labels: HashMap<String, String> = summary
        .iter()
        .map(|r| (r["label"].clone(), r["metric"].clone()))
        .collect();
    let mut by_year = 0;
    for r in 4..=sheet.end().unwrap().0 {
        let scenario = text(&sheet, r, 0);
        let metric = &labels[&text(&sheet, r, 1)];
        for (j, fy) in years_head.iter().enumerate() {
            let want = summary
                .iter()
                .find(|x| {
                    x["scenario"] == scenario
                        && x["metric"] == *metric
                        && x["subject"].is_empty()
                        && x["period"] == *fy
                })
                .map(|x| num(&x["mean"]));
            let got = float(&sheet, r, 3 + j as u32);
            match (want, got) {
                (Some(w), Some(g)) => {
                    assert!(close(g, w), "{scenario} {metric} {fy}: {g} ≠ {w}");
                    by_year += 1;
                }
                (Some(w), None) => assert!(!w.is_finite(), "{scenario} {metric} {fy} missing"),
                (None, g) => assert_eq!(g, None),
            }
        }
    }
    assert!(by_year > 500, "{by_year} yearly cells checked");

    // Differences: each scenario minus the reference, and a verdict that follows its CI.
    let sheet = book.worksheet_range("Differences").unwrap();
    let compared = groups(&sheet, 4, 4);
    assert_eq!(
        compared.len(),
        years.len() - 1,
        "every scenario but the reference"
    );
    let rows: HashMap<String, u32> = (4..=sheet.end().unwrap().0)
        .map(|r| (text(&sheet, r, 3), r))
        .collect();
    let mut differences = 0;
    for row in csv_rows(&out.join("comparison.csv"))
        .iter()
        .filter(|r| r["subject"].is_empty() && r["period"] == "overall" && r["n"] != "0")
    {
        let Some(&r) = rows.get(&row["metric"]) else {
            continue;
        };
        let (_, c) = compared
            .iter()
            .find(|(n, _)| *n == row["scenario"])
            .unwrap();
        let per = if per_year(&row["unit"]) {
            years[&row["scenario"]]
        } else {
            1.0
        };
        for (k, field) in ["difference", "ci_low", "ci_high"].iter().enumerate() {
            let want = num(&row[*field]) / per;
            if let Some(got) = float(&sheet, r, c + k as u32) {
                assert!(close(got, want), "{row:?} {field}: {got} ≠ {want}");
                differences += 1;
            }
        }
        let (lo, hi) = (num(&row["ci_low"]), num(&row["ci_high"]));
        let verdict = text(&sheet, r, c + 3);
        if lo <= 0.0 && hi >= 0.0 {
            assert_eq!(verdict, "no clear difference", "{row:?}");
        } else if text(&sheet, r, 2).is_empty() {
            assert_eq!(
                verdict, "no clear difference",
                "{row:?}: neither better nor worse"
            );
        } else {
            let up = lo > 0.0;
            let better = (text(&sheet, r, 2) == "higher") == up;
            assert_eq!(verdict, if better { "better" } else { "worse" }, "{row:?}");
        }
    }
    assert!(differences > 300, "{differences} differences checked");

    // Inputs: every line of every file that sets a value, with a source where it gives one.
    let sheet = book.worksheet_range("Inputs").unwrap();
    let inputs: Vec<(String, String)> = (4..=sheet.end().unwrap().0)
        .map(|r| (text(&sheet, r, 0), text(&sheet, r, 2)))
        .collect();
    assert!(inputs
        .iter()
        .any(|(f, k)| f.ends_with("baseline.toml") && k == "wards.gau.beds"));
    let files: std::collections::BTreeSet<&String> = inputs.iter().map(|(f, _)| f).collect();
    assert_eq!(files.len(), years.len(), "each scenario file once");

    // Charts: one native chart per summary KPI (a zip stores member names in clear).
    let bytes = fs::read(out.join("results.xlsx")).unwrap();
    let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has("xl/charts/chart4.xml") && !has("xl/charts/chart5.xml"));
}
