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

/// README's "Is this run long enough?" quotes this command's output and figures from it.
#[test]
fn readme_advice_example_is_what_the_command_prints() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let command = "carepath advise scenarios/baseline.toml scenarios/closer2home.toml";
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(command.split(' ').skip(1))
        .current_dir(&root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let block = format!("$ {command}\n{printed}```");
    assert!(
        readme.contains(&block),
        "README's advice example is out of date; the command prints:\n{printed}"
    );
    // The prose after it quotes the suggestion and the replications needed.
    let prose = &readme[readme.find(&block).unwrap()..];
    let prose = prose[..prose.find("\n## ").unwrap()]
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let suggested: Vec<&str> = printed
        .split("suggests ")
        .skip(1)
        .map(|s| s.split(' ').next().unwrap())
        .collect();
    let needed: Vec<&str> = printed
        .split("needs about ")
        .skip(1)
        .map(|s| s.split(' ').next().unwrap())
        .collect();
    let grouped = |n: &str| {
        let v: u64 = n.parse().unwrap();
        if v >= 1000 {
            format!("{},{:03}", v / 1000, v % 1000)
        } else {
            v.to_string()
        }
    };
    assert!(
        prose.contains(&format!("{} days that", grouped(suggested[0]))),
        "{prose}"
    );
    assert!(
        prose.contains(&format!(
            "about {} and {} replications",
            needed[0], needed[1]
        )),
        "{prose}"
    );
}
