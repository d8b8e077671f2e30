//! `run --trace`: the event log written beside the other outputs, counting what the KPIs
//! count, and a bad request refused before anything runs.

use crate::support::scenarios;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

fn carepath(args: &[&str], out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn a_one_replication_log_counts_what_its_summary_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let args = [
        "run",
        &scenarios(),
        "--reps",
        "1",
        "--trace",
        "0",
        "--trace-scenario",
        "provider_closure",
    ];
    let done = carepath(&args, &out);
    assert!(done.status.code().unwrap() <= 1, "{done:?}");
    assert!(
        !out.join("baseline/events.csv").exists(),
        "only the scenario asked for"
    );

    let mut log = csv::Reader::from_path(out.join("provider_closure/events.csv")).unwrap();
    assert_eq!(
        log.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "case_id",
            "activity",
            "timestamp",
            "day",
            "resource",
            "group",
            "urgency",
            "reported"
        ]
    );
    let mut counts: HashMap<String, f64> = HashMap::new();
    let mut last_day = f64::NEG_INFINITY;
    for row in log.records() {
        let row = row.unwrap();
        let day: f64 = row[3].parse().unwrap();
        assert!(day >= last_day, "in time order");
        last_day = day;
        // The timestamp is the day as a date-time, and `reported` says whether it is after
        // the warm-up.
        assert_eq!(&row[7] == "true", day >= 0.0, "{row:?}");
        assert!(
            row[2].len() == 19 && row[2].as_bytes()[10] == b'T',
            "{row:?}"
        );
        if &row[7] == "true" {
            *counts.entry(row[1].to_string()).or_default() += 1.0;
        }
    }
    // With one replication, the summary's mean is that replication's value.
    let mut summary = csv::Reader::from_path(out.join("provider_closure/summary.csv")).unwrap();
    let mut kpi: HashMap<String, f64> = HashMap::new();
    for row in summary.records() {
        let row = row.unwrap();
        if row[3].is_empty() && &row[4] == "overall" {
            kpi.insert(row[1].to_string(), row[6].parse().unwrap());
        }
    }
    let n = |a: &str| counts.get(a).copied().unwrap_or(0.0);
    assert_eq!(n("referral") + n("readmission"), kpi["referrals"]);
    assert_eq!(n("declined"), kpi["declined"]);
    assert_eq!(n("episode_start"), kpi["diverted"]);
    assert_eq!(
        n("admission") + n("repatriation") + n("transfer"),
        kpi["admissions"]
    );
    assert!(n("transfer") > 0.0, "the new PICU's step-downs are logged");
    assert_eq!(n("out_of_area_placement"), kpi["oap_placements"]);
    assert_eq!(n("bed_wait"), kpi["bed_waits"]);
    assert!(kpi["oap_placements"] > 0.0 && kpi["diverted"] > 0.0);
}

#[test]
fn a_bad_trace_request_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for args in [
        vec!["run", "--reps", "2", "--trace", "2"],
        vec![
            "run",
            "--reps",
            "2",
            "--trace",
            "0",
            "--trace-scenario",
            "nope",
        ],
    ] {
        let mut args = args;
        let dir = scenarios();
        args.insert(1, &dir);
        let done = carepath(&args, &out);
        assert_eq!(done.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&done.stderr);
        assert!(err.contains("--trace"), "{err}");
        assert!(!out.exists(), "{args:?} wrote {out:?}");
    }
}
