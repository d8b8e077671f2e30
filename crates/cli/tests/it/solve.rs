//! `carepath solve` against queueing theory: on M/M/c/c the smallest number of beds meeting a
//! target on out-of-area placements is the smallest c whose Erlang B meets it.

use crate::support::{carepath, erlang_loss};
use std::process::Output;

/// Erlang B by the stable recursion B(0) = 1, B(c) = a B(c−1) / (c + a B(c−1)).
fn erlang_b(c: u32, a: f64) -> f64 {
    (1..=c).fold(1.0, |b, k| a * b / (k as f64 + a * b))
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn the_smallest_ward_meeting_a_blocking_target_is_the_erlang_b_answer() {
    let (rate, a, days) = (2.0, 10.0, 365.0);
    let blocking = 0.045;
    let answer = (1..40).find(|&c| erlang_b(c, a) <= blocking).unwrap();
    // Neighbours clearly on either side, so the answer does not hang on noise.
    assert!(erlang_b(answer - 1, a) > 1.2 * blocking && erlang_b(answer, a) < 0.85 * blocking);
    let target = format!("oap_placements@2022/23<={}", rate * days * blocking);
    let dir = tempfile::tempdir().unwrap();
    let out = carepath(&[
        "solve",
        &erlang_loss(),
        "--vary",
        "wards.ward.beds=5..30",
        "--target",
        &target,
        "--confidence",
        "0.9",
        "--json",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out);
    assert_eq!(j["value"], answer, "{j}");
    // The usual outputs are the chosen point's, with the replications the answer rests on.
    let point = dir
        .path()
        .join(format!("erlang_loss__beds={answer}/summary.json"));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&point).expect("the chosen point's summary"))
            .unwrap();
    let kpi = summary["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["metric"] == "oap_placements" && k["period"] == "2022/23" && k["subject"] == "")
        .unwrap_or_else(|| panic!("no oap_placements 2022/23 in {point:?}"));
    assert_eq!(kpi["mean"], j["kpi"]);
    assert_eq!(kpi["n"], j["replications"]);
    for file in [
        "solve/solve.csv",
        "solve/solve.svg",
        "solve/solve.png",
        "report.html",
    ] {
        assert!(dir.path().join(file).exists(), "{file}");
    }
    // The same answer by the share of replications meeting the target (at 70 %: most of the
    // replications at the answer meet it, few at its lower neighbour).
    let out = carepath(&[
        "solve",
        &erlang_loss(),
        "--vary",
        "wards.ward.beds=5..30",
        "--target",
        &target,
        "--confidence",
        "0.7",
        "--per-replication",
        "--json",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out)["value"], answer);
}

#[test]
fn a_target_no_value_meets_is_exit_1_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = carepath(&[
        "solve",
        &erlang_loss(),
        "--vary",
        "wards.ward.beds=5..8",
        "--target",
        "oap_placements@2022/23<=10",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no feasible value"), "{err}");
    assert!(err.contains("5..8"), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    // A key the scenario lacks is invalid input.
    let out = carepath(&[
        "solve",
        &erlang_loss(),
        "--vary",
        "wards.wrd.beds=5..8",
        "--target",
        "oap_placements<=10",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// Two keys: for each price per bed-day, the smallest ward meeting the target is the Erlang B
/// answer (the price changes no queue), and the cheaper price wins on cost.
#[test]
fn the_cheapest_pair_is_the_erlang_b_ward_at_the_lower_price() {
    let blocking = 0.045;
    let answer = (1..40).find(|&c| erlang_b(c, 10.0) <= blocking).unwrap();
    let target = format!("oap_placements@2022/23<={}", 2.0 * 365.0 * blocking);
    let dir = tempfile::tempdir().unwrap();
    let out = carepath(&[
        "solve",
        &erlang_loss(),
        "--vary",
        "wards.ward.cost_per_bed_day_gbp=900..1100:200",
        "--vary",
        "wards.ward.beds=5..30",
        "--target",
        &target,
        "--minimise",
        "cost_gbp@2022/23",
        "--json",
        "--out",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json(&out);
    assert_eq!(j["value"]["wards.ward.beds"], answer, "{j}");
    assert_eq!(j["value"]["wards.ward.cost_per_bed_day_gbp"], 900, "{j}");
    let csv = std::fs::read_to_string(dir.path().join("solve/solve.csv")).unwrap();
    assert!(
        csv.contains(&format!("1100,{answer},")),
        "both prices were searched:\n{csv}"
    );
}
