//! What scripts read, pinned byte for byte: `summary.csv`, `summary.json` and the terminal's
//! tables of small runs. A change that moves one byte fails here; one made on purpose is
//! accepted with `INSTA_UPDATE=always cargo test -p carepath-cli --test it snapshots` (or
//! `cargo insta review`) and shows in the diff of `tests/it/snapshots/`.

use crate::support::{carepath, erlang_loss, scenarios, text};
use std::fs;
use std::path::Path;

/// The run's folder, its time and its thread count are the machine's, not the run's.
fn settings(out: &Path) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.add_filter(&regex_escape(&out.display().to_string()), "[OUT]");
    s.add_filter(
        r"in \d+\.\d s on \d+ thread\(s\)",
        "in [TIME] s on [N] thread(s)",
    );
    s.set_prepend_module_to_snapshot(false);
    s
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let special = "\\.+*?()|[]{}^$#&-~".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

#[test]
fn the_files_of_one_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = carepath(&[
        "run",
        &erlang_loss(),
        "--reps",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let file = |name: &str| fs::read_to_string(out.join("erlang_loss").join(name)).unwrap();
    settings(&out).bind(|| {
        insta::assert_snapshot!("erlang_loss_summary_csv", file("summary.csv"));
        insta::assert_snapshot!("erlang_loss_summary_json", file("summary.json"));
        insta::assert_snapshot!("erlang_loss_terminal", text(&o.stdout));
    });
}

#[test]
fn the_terminal_tables_of_the_examples() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = carepath(&[
        "run",
        &scenarios(),
        "--reps",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    settings(&out).bind(|| insta::assert_snapshot!("examples_terminal", text(&o.stdout)));
}

#[test]
fn the_terminal_table_of_compare() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let s = scenarios();
    let o = carepath(&[
        "compare",
        &format!("{s}/baseline.toml"),
        &format!("{s}/closer2home.toml"),
        "--reps",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    settings(&out).bind(|| insta::assert_snapshot!("compare_terminal", text(&o.stdout)));
}
