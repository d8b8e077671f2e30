//! Outputs whole or absent, as scripts see them through the binary: `kill -9` at any moment,
//! Ctrl-C, two runs into one folder, and a re-run with fewer scenarios.

use crate::support::example;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_carepath"));
    c.env("NO_COLOR", "1");
    c
}

/// `run` of the example into `out`, with `seed` and `reps`.
fn run_args(out: &Path, seed: u64, reps: u32) -> Vec<String> {
    vec![
        "run".into(),
        example(),
        "--seed".into(),
        seed.to_string(),
        "--reps".into(),
        reps.to_string(),
        "--threads".into(),
        "1".into(),
        "--out".into(),
        out.display().to_string(),
    ]
}

fn run(out: &Path, seed: u64, reps: u32) -> Output {
    let o = bin().args(run_args(out, seed, reps)).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

fn spawn(out: &Path, seed: u64, reps: u32) -> Child {
    bin()
        .args(run_args(out, seed, reps))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

use crate::common;

type Shown = BTreeMap<PathBuf, Vec<u8>>;

/// What the folder shows; the manifest (which holds the run time) by name only.
fn shown(root: &Path) -> Shown {
    common::shown(root, &["manifest.json"])
}

/// Waits until the run `child` holds the lock of `out` (it has written its process id there).
fn wait_for_lock(out: &Path, child: &Child) {
    let lock = out.join(".carepath/lock");
    let start = Instant::now();
    while fs::read_to_string(&lock).map_or(true, |s| s.trim() != child.id().to_string()) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the run never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn runs_kept(out: &Path) -> usize {
    fs::read_dir(out.join(".carepath/runs")).unwrap().count()
}

fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .args([name, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
}

#[test]
fn kill_9_at_any_moment_leaves_the_old_outputs_or_the_new_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let views: Vec<Shown> = [1, 2]
        .iter()
        .map(|&seed| {
            let dir = tmp.path().join(format!("reference_{seed}"));
            run(&dir, seed, 4);
            shown(&dir)
        })
        .collect();
    assert_ne!(views[0], views[1]);
    let out = tmp.path().join("out");
    let start = Instant::now();
    run(&out, 1, 4);
    let whole = start.elapsed();
    let mut current = 0;
    // Kill moments spread over a whole run, the last ones near its end, where it publishes.
    for k in 1..=12u32 {
        let next = 1 - current;
        let mut child = spawn(&out, next as u64 + 1, 4);
        std::thread::sleep(whole * k / 12);
        child.kill().unwrap();
        child.wait().unwrap();
        let now = shown(&out);
        if now == views[next] {
            current = next;
        } else {
            assert_eq!(now, views[current], "killed at {k}/12 of a run: a mix");
        }
    }
    // The next run removes what killed runs left.
    run(&out, 1, 4);
    assert_eq!(shown(&out), views[0]);
    assert_eq!(runs_kept(&out), 1);
}

#[test]
fn ctrl_c_stops_the_run_and_keeps_the_previous_outputs() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    run(&out, 1, 2);
    let before = shown(&out);
    let child = spawn(&out, 2, 100_000);
    wait_for_lock(&out, &child);
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "-INT");
    let done = child.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(130));
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(err.contains("interrupted, previous outputs kept"), "{err}");
    assert_eq!(shown(&out), before);
    assert_eq!(
        runs_kept(&out),
        1,
        "the interrupted run's folder is removed"
    );
}

#[test]
fn a_second_run_into_the_same_folder_is_refused_until_the_first_ends_or_dies() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let first = spawn(&out, 1, 12);
    wait_for_lock(&out, &first);
    let second = bin().args(run_args(&out, 2, 2)).output().unwrap();
    assert_eq!(second.status.code(), Some(2));
    let err = String::from_utf8_lossy(&second.stderr);
    let expected = format!(
        "another carepath run (process {}) is writing to",
        first.id()
    );
    assert!(err.contains(&expected), "{err}");
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success());
    let after_first = shown(&out);
    assert!(after_first.contains_key(Path::new("report.html")));

    // A run killed while holding the lock does not hold it any more.
    let mut dead = spawn(&out, 2, 100_000);
    wait_for_lock(&out, &dead);
    dead.kill().unwrap();
    dead.wait().unwrap();
    assert_eq!(shown(&out), after_first);
    run(&out, 3, 2);
    assert_eq!(runs_kept(&out), 1);
}

#[test]
fn a_rerun_with_fewer_scenarios_shows_only_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    let other = tmp.path().join("other.toml");
    let text = fs::read_to_string(example()).unwrap();
    fs::write(
        &other,
        text.replacen("name = \"roadmap\"", "name = \"other\"", 1),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let both = bin()
        .args(["run", &example(), other.to_str().unwrap(), "--reps", "2"])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(both.status.success());
    assert!(out.join("other/summary.csv").exists());
    run(&out, 2022, 2);
    let names: Vec<String> = fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert!(!names.contains(&"other".to_string()), "{names:?}");
    assert!(names.contains(&"roadmap".to_string()), "{names:?}");
    let summary = fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(!summary.contains("\nother,"));
}

#[test]
fn mistakes_on_the_command_line_stop_before_the_run_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("results.csv");
    fs::write(&file, "mine").unwrap();
    let o = bin().args(run_args(&file, 1, 2)).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is a file, not a folder"), "{err}");
    assert_eq!(fs::read_to_string(&file).unwrap(), "mine");

    let out = tmp.path().join("out");
    let mut args = run_args(&out, 1, 100_000);
    args.extend(["--baseline".into(), "roadmp".into()]);
    let o = bin().args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("--baseline roadmp: no scenario of that name"),
        "{err}"
    );
    assert!(err.contains("did you mean `roadmap`?"), "{err}");
    assert!(!out.exists(), "nothing written");
}

/// `export` copies one run whole while runs of two seeds keep publishing into the folder:
/// every copy is byte for byte one of the two runs (its manifest aside), and an export that
/// meets a run writing is refused with exit 2 rather than copying a mix.
#[test]
fn export_copies_one_run_whole_while_others_publish() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&a, 1, 2);
    run(&b, 2, 2);
    let (a, b) = (shown(&a), shown(&b));
    run(&out, 1, 2);
    let writer = {
        let out = out.clone();
        std::thread::spawn(move || {
            // A run that meets an export copying is refused, as one that meets a run is.
            let mut published = 0u64;
            while published < 8 {
                let o = bin()
                    .args(run_args(&out, 1 + published % 2, 2))
                    .output()
                    .unwrap();
                match o.status.code() {
                    Some(0) => published += 1,
                    Some(2) => std::thread::sleep(Duration::from_millis(5)),
                    code => panic!("exit {code:?}: {}", String::from_utf8_lossy(&o.stderr)),
                }
            }
        })
    };
    let (mut copies, mut refused) = (0, 0);
    let mut k = 0;
    while !writer.is_finished() || copies == 0 {
        k += 1;
        let to = tmp.path().join(format!("copy{k}"));
        let o = bin()
            .args([
                "export",
                out.to_str().unwrap(),
                "--to",
                to.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        match o.status.code() {
            Some(0) => {
                copies += 1;
                let copy = common::shown(&to, &["manifest.json"]);
                assert!(copy == a || copy == b, "copy {k} is neither run");
            }
            Some(2) => {
                refused += 1;
                assert!(!to.exists(), "a refused export wrote {}", to.display());
            }
            code => panic!("exit {code:?}: {}", String::from_utf8_lossy(&o.stderr)),
        }
    }
    writer.join().unwrap();
    assert!(copies > 0, "{refused} refused, none copied");
}
