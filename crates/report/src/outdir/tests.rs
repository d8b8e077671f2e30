use super::*;
use std::collections::BTreeMap;

#[path = "../../tests/common/mod.rs"]
mod common;

type Shown = BTreeMap<PathBuf, Vec<u8>>;

fn shown(root: &Path) -> Shown {
    common::shown(root, &[])
}

const OLD: [(&str, &str); 5] = [
    ("report.html", "old report"),
    ("summary.csv", "old summary"),
    ("a/summary.csv", "old a"),
    ("b/summary.csv", "old b"),
    ("charts/x.svg", "old chart"),
];
/// The new run drops scenario `b`, adds `c` and has other charts.
const NEW: [(&str, &str); 5] = [
    ("report.html", "new report"),
    ("summary.csv", "new summary"),
    ("a/summary.csv", "new a"),
    ("c/daily.csv", "new c"),
    ("charts/y.svg", "new chart"),
];
const NOTE: (&str, &str) = ("notes.txt", "the user's own file");

fn view(files: &[(&str, &str)]) -> Shown {
    files
        .iter()
        .chain([&NOTE])
        .map(|(p, c)| (PathBuf::from(p), c.as_bytes().to_vec()))
        .collect()
}

fn stage<'a>(out: &'a OutDir, files: &[(&str, &str)]) -> Staging<'a> {
    let staging = out.stage().unwrap();
    for (p, c) in files {
        staging.write(p, c.as_bytes()).unwrap();
    }
    staging
}

/// The steps of publishing NEW over what `setup` made.
fn steps(setup: fn(&Path)) -> Vec<Step> {
    let tmp = tempfile::tempdir().unwrap();
    setup(tmp.path());
    let out = OutDir::open(tmp.path()).unwrap();
    let mut seen = Vec::new();
    stage(&out, &NEW)
        .commit_with(|s| {
            seen.push(s.clone());
            Ok(())
        })
        .unwrap();
    seen
}

/// Publishing NEW over what `setup` made, failing at each step in turn: at every step the
/// folder shows the old run or the new one, never a mix; a failure up to the switch leaves
/// the old run, one after it the new run; and the next run tidies whatever was left.
fn fail_at_each_step(setup: fn(&Path)) {
    let all = steps(setup);
    let switch = all.iter().position(|s| *s == Step::Switch).unwrap();
    assert!(all.len() > switch + 1, "{all:?}");
    let (old, new) = (view(&OLD), view(&NEW));
    for (k, failing) in all.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        setup(tmp.path());
        assert_eq!(shown(tmp.path()), old);
        let out = OutDir::open(tmp.path()).unwrap();
        let mut i = 0;
        let result = stage(&out, &NEW).commit_with(|s| {
            let now = shown(tmp.path());
            assert!(now == old || now == new, "a mix before {s:?}: {now:?}");
            i += 1;
            if i - 1 == k {
                Err(io::Error::other("injected"))
            } else {
                Ok(())
            }
        });
        let expected = if k <= switch {
            assert!(result.is_err(), "failing at {failing:?} fails the run");
            &old
        } else {
            assert!(result.is_ok(), "the run is whole after the switch");
            &new
        };
        assert_eq!(&shown(tmp.path()), expected, "after failing at {failing:?}");
        drop(out);
        // The next run removes what this one left: only the current run and carepath's
        // links to what it holds remain.
        let _next = OutDir::open(tmp.path()).unwrap();
        assert_eq!(&shown(tmp.path()), expected);
        let runs = fs::read_dir(tmp.path().join(".carepath/runs"))
            .unwrap()
            .count();
        assert_eq!(runs, 1, "after failing at {failing:?}");
        for e in fs::read_dir(tmp.path()).unwrap().flatten() {
            assert!(e.path().exists(), "dangling {:?}", e.file_name());
        }
    }
}

fn published_old(root: &Path) {
    let out = OutDir::open(root).unwrap();
    stage(&out, &OLD).commit().unwrap();
    fs::write(root.join(NOTE.0), NOTE.1).unwrap();
}

/// Outputs as an earlier version wrote them: plain files and folders, a manifest naming the
/// scenarios.
fn plain_old(root: &Path) {
    for (p, c) in OLD {
        let p = root.join(p);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, c).unwrap();
    }
    fs::write(root.join(NOTE.0), NOTE.1).unwrap();
}

#[test]
fn a_failure_at_any_step_leaves_the_old_run_or_the_new_one() {
    fail_at_each_step(published_old);
}

#[test]
fn outputs_of_an_earlier_version_are_taken_over_whole() {
    fn with_manifest(root: &Path) {
        plain_old(root);
        fs::write(
            root.join("manifest.json"),
            r#"{"scenarios":[{"name":"b"}]}"#,
        )
        .unwrap();
    }
    fn view_with_manifest() -> Shown {
        let mut v = view(&OLD);
        v.insert(
            "manifest.json".into(),
            br#"{"scenarios":[{"name":"b"}]}"#.to_vec(),
        );
        v
    }
    // Without the manifest's name for it, `b` would be a folder of the user's.
    let tmp = tempfile::tempdir().unwrap();
    with_manifest(tmp.path());
    assert_eq!(shown(tmp.path()), view_with_manifest());
    let out = OutDir::open(tmp.path()).unwrap();
    stage(&out, &NEW).commit().unwrap();
    assert_eq!(shown(tmp.path()), view(&NEW));
    // A folder of plain outputs with no manifest: entries the new run writes are replaced,
    // the rest is the user's.
    let tmp = tempfile::tempdir().unwrap();
    plain_old(tmp.path());
    let out = OutDir::open(tmp.path()).unwrap();
    stage(&out, &NEW).commit().unwrap();
    let mut expected = view(&NEW);
    expected.insert("b/summary.csv".into(), b"old b".to_vec());
    assert_eq!(shown(tmp.path()), expected);
}

#[test]
fn a_run_that_is_not_committed_leaves_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    published_old(tmp.path());
    let out = OutDir::open(tmp.path()).unwrap();
    drop(stage(&out, &NEW));
    assert_eq!(shown(tmp.path()), view(&OLD));
    let runs = fs::read_dir(tmp.path().join(".carepath/runs"))
        .unwrap()
        .count();
    assert_eq!(runs, 1);
}

#[test]
fn one_run_at_a_time_and_the_lock_goes_with_its_owner() {
    let tmp = tempfile::tempdir().unwrap();
    let first = OutDir::open(tmp.path()).unwrap();
    match OutDir::open(tmp.path()) {
        Err(OpenError::Refused(m)) => {
            assert!(m.contains("another carepath run"), "{m}");
            assert!(
                m.contains(&format!("process {}", std::process::id())),
                "{m}"
            );
        }
        _ => panic!("a second run into the same folder must be refused"),
    }
    drop(first);
    assert!(OutDir::open(tmp.path()).is_ok());
}

#[test]
fn remains_of_dead_runs_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    published_old(tmp.path());
    let root = tmp.path();
    fs::create_dir_all(root.join(".carepath/runs/123-dead/z")).unwrap();
    fs::write(root.join(".carepath/runs/123-dead/z/daily.csv"), "x").unwrap();
    std::os::unix::fs::symlink(".carepath/current/z", root.join("z")).unwrap();
    fs::create_dir_all(root.join(".carepath-staging-abc/a")).unwrap();
    fs::create_dir_all(root.join(".carepath-old-abc")).unwrap();
    let _out = OutDir::open(root).unwrap();
    assert!(!root.join(".carepath/runs/123-dead").exists());
    assert!(fs::symlink_metadata(root.join("z")).is_err());
    assert!(!root.join(".carepath-staging-abc").exists());
    assert!(!root.join(".carepath-old-abc").exists());
    assert_eq!(shown(root), view(&OLD));
}

#[test]
fn out_must_be_a_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("results.csv");
    fs::write(&file, "mine").unwrap();
    match OutDir::open(&file) {
        Err(OpenError::Refused(m)) => assert!(m.contains("is a file, not a folder"), "{m}"),
        _ => panic!("--out naming a file must be refused"),
    }
    assert_eq!(fs::read_to_string(&file).unwrap(), "mine");
}

/// A run killed between making a link and renaming it into place leaves
/// `<name>.carepath-new` (at the top, or `current.carepath-new` in the hidden folder): the
/// next run removes both, and leaves a user's own file of that name that is not a link.
#[test]
fn half_made_links_of_a_dead_run_are_removed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    {
        let out = OutDir::open(root).unwrap();
        stage(&out, &OLD).commit().unwrap();
    }
    std::os::unix::fs::symlink(
        ".carepath/current/report.html",
        root.join("report.html.carepath-new"),
    )
    .unwrap();
    std::os::unix::fs::symlink("runs/gone", root.join(".carepath/current.carepath-new")).unwrap();
    fs::write(root.join("mine.carepath-new"), "the user's own file").unwrap();
    let out = OutDir::open(root).unwrap();
    stage(&out, &NEW).commit().unwrap();
    assert!(fs::symlink_metadata(root.join("report.html.carepath-new")).is_err());
    assert!(fs::symlink_metadata(root.join(".carepath/current.carepath-new")).is_err());
    assert!(root.join("mine.carepath-new").is_file());
}
