//! `carepath advise` and the advice in `summary.json`: the warm-up a loss system started empty
//! needs, against the one it was given.

use crate::support::{carepath, erlang_loss};

#[test]
fn advise_warns_when_the_warm_up_is_shorter_than_mser_suggests() {
    let file = erlang_loss();
    let advice = || {
        let out = carepath(&["advise", &file, "--json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        json[0]["advice"].clone()
    };
    // Stays of 5 days settle within a few weeks: 100 days is plenty, none is too few.
    let long = advice();
    let suggested = long["warmup"]["pools"][0]["days"].as_u64().unwrap();
    assert!((5..=60).contains(&suggested), "{long}");
    assert_eq!(long["warmup"]["used_days"], 100);
    let text = carepath(&[
        "advise",
        &erlang_loss(),
        "--set",
        "simulation.warmup_days=0",
    ]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(
        text.starts_with("warning: Is erlang_loss long enough? warm-up 0 days"),
        "{text}"
    );
    // The replications advice covers each headline KPI that has a mean.
    let precision = long["precision"].as_array().unwrap();
    assert!(
        precision
            .iter()
            .any(|p| p["metric"] == "oap_placements"
                && p["needed"]["replications"].as_u64().is_some())
    );

    // `run` writes the same advice into summary.json.
    let dir = tempfile::tempdir().unwrap();
    let out = carepath(&["run", &erlang_loss(), "--out", dir.path().to_str().unwrap()]);
    assert!(out.status.success());
    let summary: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("erlang_loss/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["advice"], long);
}
