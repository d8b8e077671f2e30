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

/// Every edge of the search, on M/M/c/c: the answer at either end of the range, a range of
/// one value, a KPI that falls as the value grows (placements against beds) and one that rises
/// (the cost against the price of a bed-day), `--largest`, two keys; and ranges no value of
/// which meets the target. Each is an answer or exit 1, never a panic (exit 101).
#[test]
fn every_edge_of_the_range_is_answered_and_nothing_panics() {
    use serde_json::json;
    /// What a case expects: the value (one key) or values (two); the boundary inside the
    /// range, as solve.csv shows it (the answer meets, the value `step` further does not); or
    /// no feasible value.
    enum Expect {
        Value(serde_json::Value),
        Boundary { step: i64 },
        Infeasible,
    }
    use Expect::*;
    let c = (1..40).find(|&c| erlang_b(c, 10.0) <= 0.045).unwrap();
    let placements = format!("oap_placements@2022/23<={}", 2.0 * 365.0 * 0.045);
    let beds = |r: String| vec![format!("wards.ward.beds={r}")];
    // A block-funded ward costs beds × price × 365 a year, plus the out-of-area days (about
    // £0.8m at 10 beds): at most £4.4m holds up to a price of about £1,000 a bed-day.
    let price = || vec!["wards.ward.cost_per_bed_day_gbp=500..1500:100".to_string()];
    let (at_most, at_least) = ("cost_gbp@2022/23<=4400000", "cost_gbp@2022/23>=4400000");
    let two = |r: String| {
        vec![
            "wards.ward.cost_per_bed_day_gbp=900..1100:200".to_string(),
            format!("wards.ward.beds={r}"),
        ]
    };
    let minimise = ["--minimise", "cost_gbp@2022/23"];
    let largest = ["--largest"];
    // (what it is, the --vary keys, the target, other flags, what it gives)
    type Case<'a> = (&'a str, Vec<String>, &'a str, &'a [&'a str], Expect);
    let cases: Vec<Case> = vec![
        (
            "falling, at the low end",
            beds(format!("{c}..30")),
            &placements,
            &[],
            Value(json!(c)),
        ),
        (
            "falling, largest at the high end",
            beds("5..30".into()),
            &placements,
            &largest,
            Value(json!(30)),
        ),
        (
            "falling, largest is the high end",
            beds(format!("5..{c}")),
            &placements,
            &largest,
            Value(json!(c)),
        ),
        (
            "one value that meets",
            beds("20..20".into()),
            &placements,
            &[],
            Value(json!(20)),
        ),
        (
            "one value that meets, largest",
            beds("20..20".into()),
            &placements,
            &largest,
            Value(json!(20)),
        ),
        (
            "one value that fails",
            beds("5..5".into()),
            &placements,
            &[],
            Infeasible,
        ),
        (
            "both ends fail",
            beds(format!("5..{}", c - 1)),
            &placements,
            &[],
            Infeasible,
        ),
        (
            "both ends fail, largest",
            beds(format!("5..{}", c - 1)),
            &placements,
            &largest,
            Infeasible,
        ),
        (
            "rising, at the low end",
            price(),
            at_most,
            &[],
            Value(json!(500)),
        ),
        (
            "rising, largest inside",
            price(),
            at_most,
            &largest,
            Boundary { step: 100 },
        ),
        (
            "rising, at least: smallest inside",
            price(),
            at_least,
            &[],
            Boundary { step: -100 },
        ),
        (
            "rising, at least: largest at the high end",
            price(),
            at_least,
            &largest,
            Value(json!(1500)),
        ),
        (
            "rising, no price cheap enough",
            price(),
            "cost_gbp@2022/23<=1000000",
            &[],
            Infeasible,
        ),
        (
            "two keys, at the low end",
            two(format!("{c}..30")),
            &placements,
            &minimise,
            Value(json!({"wards.ward.cost_per_bed_day_gbp": 900, "wards.ward.beds": c})),
        ),
        (
            "two keys, largest at the high end",
            two("5..30".into()),
            &placements,
            &["--minimise", "cost_gbp@2022/23", "--largest"],
            Value(json!({"wards.ward.cost_per_bed_day_gbp": 900, "wards.ward.beds": 30})),
        ),
    ];
    for (name, varies, target, flags, expect) in cases {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("out");
        let loss = erlang_loss();
        let mut args = vec!["solve", &loss, "--target", target, "--json"];
        for v in &varies {
            args.extend(["--vary", v]);
        }
        args.extend(flags);
        args.extend(["--out", out_dir.to_str().unwrap()]);
        let out = carepath(&args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{name}: a panic\n{err}");
        match expect {
            Infeasible => {
                assert_eq!(out.status.code(), Some(1), "{name}\n{err}");
                assert!(err.contains("no feasible value"), "{name}: {err}");
                assert!(!out_dir.exists(), "{name}: nothing is written");
            }
            Value(v) => {
                assert_eq!(out.status.code(), Some(0), "{name}\n{err}");
                assert_eq!(json(&out)["value"], v, "{name}");
            }
            Boundary { step } => {
                assert_eq!(out.status.code(), Some(0), "{name}\n{err}");
                let x = json(&out)["value"].as_i64().expect("a whole number");
                assert!((600..=1400).contains(&x), "{name}: {x} is inside the range");
                let csv = std::fs::read_to_string(out_dir.join("solve/solve.csv")).unwrap();
                let meets = |v: i64| {
                    csv.lines()
                        .find(|l| l.starts_with(&format!("{v},")))
                        .map(|l| l.ends_with(",true"))
                        .unwrap_or_else(|| panic!("{name}: {v} was not run:\n{csv}"))
                };
                assert!(meets(x) && !meets(x + step), "{name}: {x}\n{csv}");
            }
        }
    }
}
