//! The timing of a roadmap change as a decision: a named change's date swept like any number.

use crate::support::carepath;
use std::fs;
use std::path::Path;
use std::process::Output;

fn ok(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The KPI rows of a scenario's `summary.json`, without the scenario's name.
fn kpis(dir: &Path) -> serde_json::Value {
    let text = fs::read(dir.join("summary.json")).expect("summary.json");
    let json: serde_json::Value = serde_json::from_slice(&text).unwrap();
    json["kpis"].clone()
}

/// M/M/c/c over two years whose ward loses 4 of its 12 beds on `date` (a change named `cut`,
/// after another that changes nothing, so that `cut` is not the first entry).
fn loss_system_with_a_cut(name: &str, date: &str) -> String {
    let base = fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/erlang_loss.toml"),
    )
    .unwrap();
    base.replace("name = \"erlang_loss\"", &format!("name = \"{name}\""))
        .replace("years = 1", "years = 2")
        .replace("beds = 10", "beds = 12")
        + &format!(
            "\n[[roadmap]]\nid = \"same\"\ndate = 2022-05-01\nward = \"ward\"\ncapacity = 12\n\
             \n[[roadmap]]\nid = \"cut\"\ndate = {date}\nnote = \"4 beds close\"\nward = \"ward\"\ncapacity = 8\n"
        )
}

#[test]
fn a_date_sweep_reproduces_runs_written_with_those_dates_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    let swept = dir.path().join("cut.toml");
    fs::write(&swept, loss_system_with_a_cut("cut", "2023-01-01")).unwrap();
    let out = dir.path().join("swept");
    ok(&carepath(&[
        "run",
        swept.to_str().unwrap(),
        "--sweep",
        "roadmap.cut.date=2022-07-01,2023-01-01,2023-10-01",
        "--reps",
        "6",
        "--out",
        out.to_str().unwrap(),
    ]));
    let mut placements = Vec::new();
    for date in ["2022-07-01", "2023-01-01", "2023-10-01"] {
        let name = format!("by_hand_{}", date.replace('-', "_"));
        let file = dir.path().join(format!("{name}.toml"));
        fs::write(&file, loss_system_with_a_cut(&name, date)).unwrap();
        let by_hand = dir.path().join(&name);
        ok(&carepath(&[
            "run",
            file.to_str().unwrap(),
            "--reps",
            "6",
            "--out",
            by_hand.to_str().unwrap(),
        ]));
        let point = kpis(&out.join(format!("cut__date={date}")));
        assert_eq!(point, kpis(&by_hand.join(&name)), "{date}");
        let oap = point
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["metric"] == "oap_placements" && k["period"] == "overall")
            .unwrap()["mean"]
            .as_f64()
            .unwrap();
        placements.push(oap);
    }
    // The points differ: the date really moved the cut.
    assert!(
        placements[0] > placements[1] && placements[1] > placements[2],
        "{placements:?}"
    );
}

#[test]
fn a_later_picu_opening_never_lowers_out_of_area_placements() {
    let scenario =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/provider_closure.toml");
    let dir = tempfile::tempdir().unwrap();
    let dates = [
        "2024-04-01",
        "2024-10-01",
        "2025-04-01",
        "2025-10-01",
        "2026-04-01",
    ];
    // The file's own checks assume the planned date, so some fail (exit 1) at other dates.
    let run = carepath(&[
        "run",
        scenario.to_str().unwrap(),
        "--sweep",
        &format!("roadmap.new_picu.date={}", dates.join(",")),
        "--reps",
        "10",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // Every point is compared with the earliest opening, replication by replication.
    let mut reader = csv::Reader::from_path(dir.path().join("comparison.csv")).unwrap();
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let mut differences = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        if row[col("metric")].starts_with("oap_")
            && row[col("subject")].is_empty()
            && row[col("period")] == *"overall"
        {
            let metric = row[col("metric")].to_string();
            if metric == "oap_placements" || metric == "oap_bed_days" {
                let d: f64 = row[col("difference")].parse().unwrap();
                differences.push((row[col("scenario")].to_string(), metric, d));
            }
        }
    }
    assert_eq!(differences.len(), 2 * (dates.len() - 1), "{differences:?}");
    for (scenario, metric, d) in &differences {
        assert!(*d >= 0.0, "{scenario}: {metric} fell by {}", -d);
    }
    // And each later date adds to the one before.
    for metric in ["oap_placements", "oap_bed_days"] {
        let series: Vec<f64> = differences
            .iter()
            .filter(|(_, m, _)| m == metric)
            .map(|(_, _, d)| *d)
            .collect();
        assert!(
            series.windows(2).all(|w| w[1] >= w[0]),
            "{metric}: {series:?}"
        );
        assert!(
            series.last().unwrap() > &0.0,
            "{metric}: the opening date matters"
        );
    }
}
