//! Uncertain inputs through the `carepath` command: parameter draws give the same bytes on
//! any number of threads and from merged shards, fixed inputs give the certain run, and every
//! bad `[uncertainty]` entry is located and stops the run before anything is written.

use crate::support::{carepath, text};
use std::fs;
use std::path::{Path, PathBuf};

/// A scenario file in `dir` extending the engine's roadmap example with `extra` TOML.
fn scenario(dir: &Path, file: &str, extra: &str) -> PathBuf {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/src/examples/roadmap.toml");
    let path = dir.join(file);
    let body = format!(
        "extends = {:?}\nname = \"roadmap\"\n{extra}",
        example.display().to_string()
    );
    fs::write(&path, body).unwrap();
    path
}

const UNCERTAIN: &str = r#"
simulation.parameter_draws = 6
[uncertainty]
"demand.annual_growth" = { dist = "triangular", min = 0.0, mode = 0.03, max = 0.07 }
"groups.gau.los_days.median" = { dist = "uniform", min = 30, max = 50 }
"#;

/// Every file under `dir` but the manifest (which holds the run time), path → contents.
fn outputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            // The run's own folder (named by a run id) is what the links show.
            if p.ends_with(".carepath") {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with("manifest.json") && !p.ends_with("report.html") {
                out.push((
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn run(file: &Path, out: &Path, extra: &[&str]) {
    run_reps(file, out, "3", extra);
}

fn run_reps(file: &Path, out: &Path, reps: &str, extra: &[&str]) {
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--reps",
        reps,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = carepath(&args);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn parameter_draws_give_the_same_bytes_on_one_two_and_seven_threads_and_from_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "u.toml", UNCERTAIN);
    let dirs: Vec<PathBuf> = ["1", "2", "7"]
        .iter()
        .map(|t| tmp.path().join(format!("t{t}")))
        .collect();
    for (dir, threads) in dirs.iter().zip(["1", "2", "7"]) {
        run(&file, dir, &["--threads", threads]);
    }
    let first = outputs(&dirs[0]);
    let names: Vec<String> = first.iter().map(|(p, _)| p.display().to_string()).collect();
    for expected in [
        "uncertainty.csv",
        "sensitivity.csv",
        "roadmap/uncertainty.json",
        "roadmap/charts/tornado_oap_placements.png",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    let csv = text(&fs::read(dirs[0].join("uncertainty.csv")).unwrap());
    let row = csv
        .lines()
        .find(|l| l.starts_with("roadmap,oap_placements,"))
        .unwrap();
    assert!(row.contains(",6,3,"), "6 draws of 3 replications: {row}");
    for dir in &dirs[1..] {
        assert!(
            outputs(dir) == first,
            "{} differs from one thread",
            dir.display()
        );
    }
    // The report too, byte for byte.
    let report = |d: &Path| fs::read(d.join("report.html")).unwrap();
    assert_eq!(report(&dirs[0]), report(&dirs[2]));

    // The same run cut into 4 shards (uneven: 18 jobs) and merged.
    let parts = tmp.path().join("parts");
    fs::create_dir_all(&parts).unwrap();
    for k in 1..=4 {
        let shard = format!("{k}/4");
        let o = carepath(&[
            "run",
            file.to_str().unwrap(),
            "--reps",
            "3",
            "--shard",
            &shard,
            "--out",
            parts.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    let merged = tmp.path().join("merged");
    let o = carepath(&[
        "merge",
        parts.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        outputs(&merged) == first,
        "merged shards differ from one machine"
    );
}

#[test]
fn fixed_inputs_give_the_certain_run_with_draws_times_replications() {
    let tmp = tempfile::tempdir().unwrap();
    let fixed = r#"
simulation.parameter_draws = 4
[uncertainty]
"demand.referrals_per_year" = { dist = "fixed", value = 270 }
"#;
    let drawn = scenario(tmp.path(), "drawn.toml", fixed);
    let certain = scenario(tmp.path(), "certain.toml", "");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&drawn, &a, &[]);
    run_reps(&certain, &b, "12", &[]);
    for file in [
        "summary.csv",
        "roadmap/daily.csv",
        "roadmap/occupancy.csv",
        "roadmap/summary.json",
    ] {
        let (x, y) = (
            fs::read(a.join(file)).unwrap(),
            fs::read(b.join(file)).unwrap(),
        );
        assert!(
            x == y,
            "{file} differs from the certain run with 12 replications"
        );
    }
    // Every draw is the same, so no input explains anything.
    let shares = text(&fs::read(a.join("sensitivity.csv")).unwrap());
    assert!(
        shares
            .lines()
            .skip(1)
            .all(|l| matches!(l.split(',').nth(5), Some("0" | ""))),
        "{}",
        &shares[..300]
    );
}

/// An uncertain roadmap date is a delay in days after the date written: a fixed delay gives
/// the run with the date moved, and a spread of delays explains the new PICU's admissions in
/// its first year (later opening, fewer admissions).
#[test]
fn an_uncertain_opening_date_is_a_delay_after_the_date_written() {
    let tmp = tempfile::tempdir().unwrap();
    let fixed = "simulation.parameter_draws = 2\n[uncertainty]\n\"roadmap[2].date\" = { dist = \"fixed\", value = 91 }\n";
    let drawn = scenario(tmp.path(), "drawn.toml", fixed);
    let certain = scenario(tmp.path(), "certain.toml", "");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&drawn, &a, &[]);
    run_reps(&certain, &b, "6", &["--set", "roadmap[2].date=2025-07-01"]);
    let summary = |dir: &Path| fs::read(dir.join("summary.csv")).unwrap();
    assert!(
        summary(&a) == summary(&b),
        "a fixed delay of 91 days differs from the PICU opening on 2025-07-01"
    );

    let spread = "simulation.parameter_draws = 8\n[uncertainty]\n\"roadmap[2].date\" = { dist = \"uniform\", min = 0, max = 365 }\n";
    let drawn = scenario(tmp.path(), "spread.toml", spread);
    let c = tmp.path().join("c");
    run(&drawn, &c, &[]);
    let shares = text(&fs::read(c.join("sensitivity.csv")).unwrap());
    let row: Vec<&str> = shares
        .lines()
        .find(|l| l.starts_with("roadmap,admissions,picu,2025/26,roadmap[2].date,"))
        .expect("a sensitivity row for the PICU's admissions in 2025/26")
        .split(',')
        .collect();
    let num = |i: usize| row[i].parse::<f64>().unwrap();
    assert!(num(5) > 0.5, "share {}", row[5]);
    assert!(
        num(7) < num(6),
        "opening later gave more admissions: {row:?}"
    );
}

/// Runs `extra` and returns stderr, checking exit 2 and that nothing was written.
fn refused(extra: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let file = scenario(tmp.path(), "bad.toml", extra);
    let out = tmp.path().join("out");
    let o = carepath(&[
        "run",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(!out.exists(), "something was written");
    text(&o.stderr)
}

#[test]
fn bad_uncertain_inputs_are_located_and_explained() {
    let e = refused(
        "[uncertainty]\n\"demand.anual_growth\" = { dist = \"uniform\", min = 0.0, max = 0.05 }\n",
    );
    assert!(
        e.contains("bad.toml:4:") && e.contains("did you mean `annual_growth`?"),
        "{e}"
    );
    let e =
        refused("[uncertainty]\n\"groups.gau.label\" = { dist = \"uniform\", min = 1, max = 2 }\n");
    assert!(
        e.contains("bad.toml:4:") && e.contains("not a number, so it cannot be uncertain"),
        "{e}"
    );
    let e =
        refused("[uncertainty]\n\"wards.gau.beds\" = { dist = \"uniform\", min = 10, max = 20 }\n");
    assert!(
        e.contains("takes whole numbers, so it cannot be uncertain"),
        "{e}"
    );
    // An interval that reaches outside the key's valid values, whatever the draws.
    let e = refused("[uncertainty]\n\"groups.gau.decline_probability\" = { dist = \"uniform\", min = 0.5, max = 1.5 }\n");
    assert!(
        e.contains("bad.toml:4:")
            && e.contains("between 0 and 1")
            && e.contains("distribution reaches 1.4"),
        "{e}"
    );
    let e = refused("[uncertainty]\n\"demand.referrals_per_year\" = { dist = \"uniform\", min = 300, max = 200 }\n");
    assert!(
        e.contains("bad.toml:4:") && e.contains("must be greater than `min`"),
        "{e}"
    );
    let e = refused("[uncertainty]\n\"demand.referrals_per_year\" = { dist = \"unifrom\", min = 200, max = 300 }\n");
    assert!(e.contains("bad.toml:4:") && e.contains("uniform"), "{e}");
    let e = refused("simulation.parameter_draws = 5\n");
    assert!(
        e.contains("bad.toml:3:") && e.contains("no `[uncertainty]` input"),
        "{e}"
    );
    let e = refused("simulation.parameter_draws = 0\n[uncertainty]\n\"demand.annual_growth\" = { dist = \"uniform\", min = 0.0, max = 0.05 }\n");
    assert!(
        e.contains("bad.toml:3:") && e.contains("between 1 and 10000"),
        "{e}"
    );
    // A delay that moves a roadmap date past the horizon, whatever the draws.
    let e = refused(
        "[uncertainty]\n\"roadmap[2].date\" = { dist = \"uniform\", min = 0, max = 1000 }\n",
    );
    assert!(
        e.contains("bad.toml:4:")
            && e.contains("outside the reported horizon")
            && e.contains("1000 days after 2025-04-01"),
        "{e}"
    );
    let e =
        refused("[uncertainty]\n\"simulation.years\" = { dist = \"uniform\", min = 4, max = 5 }\n");
    assert!(e.contains("cannot be uncertain"), "{e}");
}

/// A reference and an option with different parameter-draw counts cannot be paired: the run
/// stops before anything is written, naming both designs, instead of writing an empty
/// `comparison.csv` and a blank P(better).
#[test]
fn an_option_that_cannot_be_paired_with_the_reference_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let reference = scenario(dir.path(), "reference.toml", UNCERTAIN);
    let option = scenario(
        dir.path(),
        "option.toml",
        &UNCERTAIN.replace("parameter_draws = 6", "parameter_draws = 4"),
    );
    fs::write(
        &option,
        fs::read_to_string(&option)
            .unwrap()
            .replace("name = \"roadmap\"", "name = \"option\""),
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = carepath(&[
        "run",
        reference.to_str().unwrap(),
        option.to_str().unwrap(),
        "--reps",
        "2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot be compared with the reference `roadmap` (6 parameter draw(s) × 2")
            && err.contains("option: 4 parameter draw(s) × 2 replications"),
        "{err}"
    );
    assert!(!out.exists(), "wrote {}", out.display());
}

/// Scenario names may not be what a run writes at the top of its output folder: everything a
/// run with parameter draws writes there, besides its scenario's folder, is reserved.
#[test]
fn a_run_writes_at_the_top_only_what_scenario_names_may_not_be() {
    let dir = tempfile::tempdir().unwrap();
    let file = scenario(dir.path(), "s.toml", UNCERTAIN);
    let out = dir.path().join("out");
    run(&file, &out, &[]);
    for entry in fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            name == "roadmap" || carepath_scenario::RESERVED_NAMES.contains(&name.as_str()),
            "`{name}` is written at the top but a scenario may take that name"
        );
    }
}
