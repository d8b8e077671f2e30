//! The `carepath` command as scripts use it: exit codes, determinism across thread counts,
//! machine-readable output, and bad input that changes nothing.

use crate::support::{carepath, carepath_in, carepath_within, example, text};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Every file the folder `dir` shows, relative path → contents (its hidden entries, such as
/// the runs behind the links, left out).
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if d == dir && p.file_name().unwrap().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else {
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

#[test]
fn csv_and_json_are_identical_on_one_two_and_seven_threads() {
    let tmp = tempfile::tempdir().unwrap();
    let (one, two, seven) = (
        tmp.path().join("one"),
        tmp.path().join("two"),
        tmp.path().join("seven"),
    );
    for (dir, threads) in [(&one, "1"), (&two, "2"), (&seven, "7")] {
        let out = carepath(&[
            "run",
            &example(),
            "--reps",
            "8",
            "--threads",
            threads,
            "--out",
            dir.to_str().unwrap(),
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let data = |dir: &Path| -> Vec<(PathBuf, Vec<u8>)> {
        files(dir)
            .into_iter()
            .filter(|(p, _)| {
                p.extension().is_some_and(|e| e == "csv" || e == "json")
                    && !p.ends_with("manifest.json")
            })
            .collect()
    };
    let a = data(&one);
    assert!(
        a.len() >= 6,
        "expected CSV and JSON outputs, got {:?}",
        a.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    for (dir, threads) in [(&two, 2), (&seven, 7)] {
        let b = data(dir);
        assert_eq!(a.len(), b.len());
        for ((pa, ca), (pb, cb)) in a.iter().zip(&b) {
            assert_eq!(pa, pb);
            assert!(
                ca == cb,
                "{} differs between 1 and {threads} threads",
                pa.display()
            );
        }
    }
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(one.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["threads"], 1);
    assert_eq!(manifest["scenarios"][0]["replications"], 8);
    assert_eq!(
        manifest["scenarios"][0]["sources"][0]["sha256"]
            .as_str()
            .unwrap()
            .len(),
        64
    );
}

#[test]
fn checks_set_the_exit_code_and_json_goes_to_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let run = |check: &str| {
        carepath(&[
            "run",
            &example(),
            "--reps",
            "4",
            "--json",
            "--check",
            check,
            "--out",
            out_dir.to_str().unwrap(),
        ])
    };
    let pass = run("referrals>=100");
    assert_eq!(pass.status.code(), Some(0), "{}", text(&pass.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&pass.stdout).expect("stdout is JSON");
    assert_eq!(doc["checks_passed"], true);
    assert_eq!(doc["scenarios"][0]["scenario"], "roadmap");
    let fail = run("oap_bed_days<=1");
    assert_eq!(fail.status.code(), Some(1));
    assert!(
        text(&fail.stderr).contains("check failed: roadmap: oap_bed_days<=1"),
        "{}",
        text(&fail.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&fail.stdout).unwrap();
    assert_eq!(doc["checks_passed"], false);
    // A check on a KPI the scenario does not have is bad input, found before running.
    let unknown = run("admissions[nowhere]>=1");
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stderr));
}

#[test]
fn bad_input_is_located_explained_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    let good = fs::read_to_string(example()).unwrap();
    fs::write(&bad, good.replacen("beds = 22", "bed = 22", 1)).unwrap();
    let out_dir = tmp.path().join("out");
    fs::create_dir_all(&out_dir).unwrap();
    fs::write(out_dir.join("keep.txt"), "previous run").unwrap();
    let out = carepath(&[
        "run",
        bad.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let line = good.lines().position(|l| l == "beds = 22").unwrap() + 1;
    assert!(err.contains(&format!("bad.toml:{line}:1")), "{err}");
    assert!(err.contains("did you mean `beds`?"), "{err}");
    assert_eq!(files(&out_dir).len(), 1, "nothing written");

    let v = carepath(&["validate", bad.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(1));
    let v = carepath(&["validate", &example()]);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v.stderr));
}

#[test]
fn compare_reports_paired_differences() {
    let tmp = tempfile::tempdir().unwrap();
    let more = tmp.path().join("more_beds.toml");
    let good = fs::read_to_string(example()).unwrap();
    fs::write(
        &more,
        good.replacen("name = \"roadmap\"", "name = \"more_beds\"", 1)
            .replacen("beds = 22", "beds = 28", 1),
    )
    .unwrap();
    let out_dir = tmp.path().join("out");
    let out = carepath(&[
        "compare",
        &example(),
        more.to_str().unwrap(),
        "--reps",
        "10",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = fs::read_to_string(out_dir.join("comparison.csv")).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("roadmap,more_beds,oap_bed_days,Out-of-area bed-days,,overall,"))
        .expect("a row for out-of-area bed-days");
    let cells: Vec<&str> = row.split(',').collect();
    let ci_high: f64 = cells[11].parse().unwrap();
    assert!(
        ci_high < 0.0,
        "six more beds cut out-of-area bed-days: {row}"
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Out-of-area bed-days"), "{stdout}");
    assert!(
        stdout.lines().all(|l| l.chars().count() <= 100),
        "the terminal table fits 100 columns:\n{stdout}"
    );
}

#[test]
fn schema_is_json_and_names_every_section() {
    let out = carepath(&["schema"]);
    assert!(out.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in [
        "simulation",
        "demand",
        "groups",
        "wards",
        "services",
        "roadmap",
        "extends",
        "sweep",
        "check",
    ] {
        assert!(
            schema["properties"].get(key).is_some(),
            "schema lacks `{key}`"
        );
    }
}

#[test]
fn a_reader_that_goes_away_is_no_crash() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args(["run", &example(), "--reps", "4", "--json", "--out"])
        .arg(tmp.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Close the reading end before the run has printed anything (`carepath run | head -0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

/// README.md's key reference is `carepath schema --markdown`, so it cannot drift from the
/// code. After changing the format, paste the new output between the markers.
#[test]
fn readme_key_reference_matches_the_schema() {
    let readme = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .expect("README.md at the repository root");
    let (begin, end) = ("<!-- keys:begin -->\n", "<!-- keys:end -->");
    let start = readme
        .find(begin)
        .expect("README has the keys:begin marker")
        + begin.len();
    let stop = readme.find(end).expect("README has the keys:end marker");
    let out = carepath(&["schema", "--markdown"]);
    assert!(out.status.success());
    assert!(
        readme[start..stop] == text(&out.stdout),
        "README.md's key reference is out of date: replace the lines between the markers \
         with the output of `cargo run -- schema --markdown`"
    );
}

fn scenarios_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scenarios")
        .display()
        .to_string()
}

/// Every output but the manifest (which records the command, run time and threads): the
/// report, CSV, JSON and charts must match byte for byte.
fn outputs(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir)
        .into_iter()
        .filter(|(p, _)| !p.ends_with("manifest.json"))
        .collect()
}

fn run_shards(dir: &Path, count: u32, extra: &[&str]) -> Vec<String> {
    (1..=count)
        .map(|k| {
            let part = dir.join(format!("part_{k}")).display().to_string();
            let shard = format!("{k}/{count}");
            let mut args = vec!["run", "--shard", &shard, "--out", &part];
            args.extend_from_slice(extra);
            let out = carepath(&args);
            assert!(out.status.success(), "{}", text(&out.stderr));
            part
        })
        .collect()
}

#[test]
fn merged_shards_are_byte_identical_to_one_machine_for_1_3_and_4_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let scenarios = scenarios_dir();
    let run = [scenarios.as_str(), "--reps", "5"];
    let whole = tmp.path().join("whole");
    let mut args = vec!["run", "--out", whole.to_str().unwrap()];
    args.extend_from_slice(&run);
    let out = carepath(&args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected = outputs(&whole);
    assert!(expected.len() > 20, "{} outputs", expected.len());
    for count in [1, 3, 4] {
        let dir = tmp.path().join(format!("of{count}"));
        fs::create_dir(&dir).unwrap();
        let parts = run_shards(&dir, count, &run);
        let merged = dir.join("merged");
        let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
        args.extend(parts.iter().map(String::as_str));
        let out = carepath(&args);
        assert!(out.status.success(), "{}", text(&out.stderr));
        let got = outputs(&merged);
        assert_eq!(got.len(), expected.len());
        for ((pa, a), (pb, b)) in expected.iter().zip(&got) {
            assert_eq!(pa, pb);
            assert!(a == b, "{} differs with {count} shards", pa.display());
        }
    }
}

/// `--out parts/` names a folder even before it exists: each shard creates it and writes
/// its part file there, under a name of its own; without the separator it is a file.
#[test]
fn a_shard_creates_the_folder_its_out_names() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = example();
    let folder = tmp.path().join("new").join("parts");
    let out = format!("{}/", folder.display());
    for k in ["1/2", "2/2"] {
        let args = ["run", &scenario, "--reps", "2", "--shard", k, "--out", &out];
        let done = carepath(&args);
        assert!(done.status.success(), "{}", text(&done.stderr));
    }
    let mut names: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["shard-1-of-2.part", "shard-2-of-2.part"]);
    let file = tmp.path().join("other").join("mine.part");
    let file_arg = file.display().to_string();
    let args = [
        "run", &scenario, "--reps", "2", "--shard", "1/2", "--out", &file_arg,
    ];
    let done = carepath(&args);
    assert!(done.status.success(), "{}", text(&done.stderr));
    assert!(file.is_file());
    let merged = tmp.path().join("merged").display().to_string();
    let done = carepath(&["merge", &out, "--out", &merged]);
    assert!(done.status.success(), "{}", text(&done.stderr));
}

/// Shards run with a relative scenario folder, merged from another directory that has a
/// `scenarios` folder of its own (other files): the merge reads the files the shards read, and
/// its outputs are the one-machine run's, byte for byte.
#[test]
fn merge_from_another_directory_is_the_one_machine_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (here, elsewhere) = (tmp.path().join("here"), tmp.path().join("elsewhere"));
    for dir in [&here, &elsewhere] {
        fs::create_dir_all(dir.join("scenarios")).unwrap();
    }
    fs::copy(example(), here.join("scenarios/roadmap.toml")).unwrap();
    let other = fs::read_to_string(example())
        .unwrap()
        .replace("seed = ", "seed = 1");
    fs::write(elsewhere.join("scenarios/roadmap.toml"), other).unwrap();
    let ok = |out: Output| assert!(out.status.success(), "{}", text(&out.stderr));
    ok(carepath_in(
        &here,
        &["run", "scenarios", "--reps", "4", "--out", "whole"],
    ));
    for k in ["1/2", "2/2"] {
        let args = [
            "run",
            "scenarios",
            "--reps",
            "4",
            "--shard",
            k,
            "--out",
            "parts/",
        ];
        ok(carepath_in(&here, &args));
    }
    let parts = here.join("parts").display().to_string();
    ok(carepath_in(
        &elsewhere,
        &["merge", &parts, "--out", "merged"],
    ));
    let (expected, got) = (
        outputs(&here.join("whole")),
        outputs(&elsewhere.join("merged")),
    );
    assert_eq!(got.len(), expected.len());
    for ((pa, a), (pb, b)) in expected.iter().zip(&got) {
        assert_eq!(pa, pb);
        assert!(a == b, "{} differs", pa.display());
    }
}

/// A part file with one bit flipped anywhere (its header, its numbers, its checksum) is
/// refused by name, with exit 2, and nothing is written.
#[test]
fn a_part_file_with_a_flipped_bit_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let part = tmp.path().join("whole.part");
    let args = ["run", &example(), "--reps", "3", "--shard", "1/1", "--out"];
    let out = carepath(&[&args[..], &[part.to_str().unwrap()]].concat());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = fs::read(&part).unwrap();
    let n = bytes.len();
    let damaged = tmp.path().join("damaged.part");
    let out_dir = tmp.path().join("out");
    for (i, at) in [
        0,
        3,
        15,
        16,
        40,
        n / 4,
        n / 2,
        3 * n / 4,
        n - 33,
        n - 32,
        n - 1,
    ]
    .into_iter()
    .enumerate()
    {
        let mut flipped = bytes.clone();
        flipped[at] ^= 1 << (i % 8);
        fs::write(&damaged, &flipped).unwrap();
        let out = carepath(&[
            "merge",
            damaged.to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "byte {at}: {err}");
        assert!(err.contains(damaged.to_str().unwrap()), "byte {at}: {err}");
        assert!(!out_dir.exists(), "byte {at}: nothing is written");
    }
    let out = carepath(&[
        "merge",
        part.to_str().unwrap(),
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "the file as written merges: {}",
        text(&out.stderr)
    );
}

/// A device, a named pipe (which no one writes) and a directory without parts are refused at
/// once, not read until memory runs out or waited on for ever.
#[test]
fn merge_refuses_devices_and_pipes_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("shard-1-of-1.part");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo");
    let out_dir = tmp.path().join("out");
    let folder = tmp.path().display().to_string();
    let cases = [
        ("/dev/zero", "a device"),
        (fifo.to_str().unwrap(), "a named pipe"),
        (&folder, "a named pipe"),
    ];
    for (arg, expected) in cases {
        let limit = std::time::Duration::from_secs(20);
        let out = carepath_within(&["merge", arg, "--out", out_dir.to_str().unwrap()], limit)
            .unwrap_or_else(|| panic!("merge {arg} still ran after {limit:?}"));
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{arg}: {err}");
        assert!(err.contains(expected), "{arg}: {err}");
        assert!(!out_dir.exists());
    }
}

#[test]
fn merge_refuses_missing_repeated_and_foreign_shards_and_changed_files() {
    let tmp = tempfile::tempdir().unwrap();
    let scenario = tmp.path().join("roadmap.toml");
    fs::copy(example(), &scenario).unwrap();
    let scenario = scenario.display().to_string();
    let parts = run_shards(tmp.path(), 3, &[&scenario, "--reps", "4"]);
    let other = tmp.path().join("other");
    fs::create_dir(&other).unwrap();
    let others = run_shards(&other, 3, &[&scenario, "--reps", "5"]);
    let out_dir = tmp.path().join("out");
    let merge = |parts: &[&str]| {
        let mut args = vec!["merge", "--out", out_dir.to_str().unwrap()];
        args.extend_from_slice(parts);
        carepath(&args)
    };
    let refused = |out: Output, expected: &str| {
        assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
        let stderr = text(&out.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(!out_dir.exists(), "nothing is written");
    };
    refused(merge(&[&parts[0], &parts[2]]), "shard 2/3 of run");
    refused(
        merge(&[&parts[0], &parts[1], &parts[1]]),
        "shard 2/3 is given twice",
    );
    refused(
        merge(&[&parts[0], &others[1], &parts[2]]),
        &format!("{} is shard 2/3 of run", others[1]),
    );
    fs::write(tmp.path().join("junk"), "not a part").unwrap();
    refused(
        merge(&[tmp.path().join("junk").to_str().unwrap()]),
        "not a carepath shard file",
    );
    let text_now = fs::read_to_string(&scenario).unwrap();
    fs::write(&scenario, text_now.replace("seed = ", "seed = 1")).unwrap();
    refused(
        merge(&[&parts[0], &parts[1], &parts[2]]),
        "the scenario files have changed since the shards ran",
    );
    let out = carepath(&["run", &scenario, "--shard", "4/3", "--out", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--shard 4/3: expected K/N"));
}

/// The bounds on threads and on draws × replications are checked before anything starts.
#[test]
fn threads_and_draws_times_replications_are_bounded_before_the_run() {
    let file = crate::support::erlang_loss();
    let out = carepath(&["run", &file, "--threads", "1000000"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("from 1 to 1024"),
        "{}",
        text(&out.stderr)
    );
    let out = carepath(&[
        "run",
        &file,
        "--reps",
        "11",
        "--set",
        "simulation.parameter_draws=10000",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("110000 replications in all, more than the 100,000"),
        "{err}"
    );
}

/// A valid scenario whose out-of-area pool holds about 60,000 young people for 50 years runs
/// within 2 GiB of address space: the daily counts keep each day's band of values, not every
/// value from zero (which took 4.4 GB and aborted on allocation).
#[test]
fn a_large_pool_over_a_long_horizon_runs_within_a_memory_cap() {
    use std::os::unix::process::CommandExt;
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/long_stays.toml");
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_carepath"));
    command
        .args(["run", file.to_str().unwrap(), "--threads", "2", "--out"])
        .arg(dir.path());
    // SAFETY: setrlimit is async-signal-safe, and nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            let cap = 2 << 30;
            let limit = libc::rlimit {
                rlim_cur: cap,
                rlim_max: cap,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

/// A run whose estimated memory exceeds the budget is refused before it starts, saying what
/// drives it; within the budget it runs.
#[test]
fn a_run_over_its_memory_budget_is_refused_before_it_starts() {
    let file = crate::support::erlang_loss();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = carepath(&[
        "run",
        &file,
        "--memory-limit",
        "100K",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("more than 102 kB (the --memory-limit)")
            && err.contains("1 scenario(s), 10 replications"),
        "{err}"
    );
    assert!(!out.exists());
    // 10,000 sweep points × 1,000 replications: refused at once (against 2 GiB here, so that
    // the test does not depend on the machine; by default, half of its memory).
    let o = carepath(&[
        "run",
        &file,
        "--sweep",
        "wards.ward.beds=1..10000",
        "--reps",
        "1000",
        "--memory-limit",
        "2G",
        "--out",
        out.to_str().unwrap(),
    ]);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("10000 scenario(s), 10000000 replications in all"),
        "{err}"
    );
    let o = carepath(&[
        "run",
        &file,
        "--memory-limit",
        "1G",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = carepath(&["run", &file, "--memory-limit", "lots"]);
    assert_eq!(o.status.code(), Some(2));
}
