//! Scenario files mutated at random (a key deleted, a value of another type, a number scaled by
//! 10^k or negated, a table renamed), run as a user would with two replications (the daily
//! tables fill from the second): the exit code is always 0, 1 or 2 (3, a failing file system,
//! has no cause in a temporary folder), nothing panics, a run that fails writes nothing, one
//! that succeeds writes everything (files that links lead to, not only their names), and no run
//! takes more than [`PEAK_RSS_KIB`] of memory or [`TIME_LIMIT`] of time.
//!
//! CI runs a few cases (`PROPTEST_CASES` sets how many); the long run is
//! `cargo test -p carepath-cli --test it mutations -- --ignored`.

use proptest::prelude::*;
use proptest::sample::Index;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use toml::Value;

/// The most memory one run may take (resident set, KiB): 1 GiB.
const PEAK_RSS_KIB: i64 = 1 << 20;
/// The longest one run of a mutated scenario may take.
const TIME_LIMIT: Duration = Duration::from_secs(120);

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios")
}

/// The folders of `scenarios/` that hold example files.
const SUBFOLDERS: [&str; 5] = ["", "sweeps", "risks", "alternatives", "waits"];

/// The example scenario files, relative to `scenarios/`.
fn examples() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in SUBFOLDERS {
        for e in fs::read_dir(scenarios_dir().join(dir)).unwrap().flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "toml") {
                files.push(p.strip_prefix(scenarios_dir()).unwrap().to_path_buf());
            }
        }
    }
    files.sort();
    files
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete,
    /// Replace with a value of another type: 0 text, 1 boolean, 2 array, 3 table, 4 date.
    Retype(u8),
    /// Multiply a number by 10^k.
    Scale(i32),
    Negate,
    /// Rename a table key (a ward, a service, a section).
    Rename(String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::Delete),
        (0u8..5).prop_map(Mutation::Retype),
        (-3i32..=9).prop_map(Mutation::Scale),
        Just(Mutation::Negate),
        "[a-z_]{1,10}".prop_map(Mutation::Rename),
    ]
}

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Every value's path in the document, tables and array elements included.
fn paths(v: &Value, prefix: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
    match v {
        Value::Table(t) => {
            for (k, child) in t {
                prefix.push(Seg::Key(k.clone()));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                prefix.push(Seg::Index(i));
                out.push(prefix.clone());
                paths(child, prefix, out);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn apply(doc: &mut Value, path: &[Seg], m: &Mutation) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut parent = doc;
    for seg in parents {
        parent = match (seg, parent) {
            (Seg::Key(k), Value::Table(t)) => t.get_mut(k).unwrap(),
            (Seg::Index(i), Value::Array(a)) => &mut a[*i],
            _ => return,
        };
    }
    let target = match (last, &mut *parent) {
        (Seg::Key(k), Value::Table(t)) => t.get_mut(k).unwrap(),
        (Seg::Index(i), Value::Array(a)) => &mut a[*i],
        _ => return,
    };
    match m {
        Mutation::Retype(kind) => {
            *target = match kind {
                0 => Value::String("x".into()),
                1 => Value::Boolean(true),
                2 => Value::Array(vec![Value::Integer(1)]),
                3 => Value::Table(Default::default()),
                _ => "2024-04-01"
                    .parse::<toml::value::Datetime>()
                    .map(Value::Datetime)
                    .unwrap(),
            }
        }
        Mutation::Scale(k) => match target {
            Value::Integer(n) => *n = n.saturating_mul(10i64.saturating_pow((*k).max(0) as u32)),
            Value::Float(x) => *x *= 10f64.powi(*k),
            _ => {}
        },
        Mutation::Negate => match target {
            Value::Integer(n) => *n = -*n,
            Value::Float(x) => *x = -*x,
            _ => {}
        },
        Mutation::Delete | Mutation::Rename(_) => match (last, parent) {
            (Seg::Key(k), Value::Table(t)) => {
                if let Some(v) = t.remove(k) {
                    if let Mutation::Rename(name) = m {
                        t.insert(name.clone(), v);
                    }
                }
            }
            (Seg::Index(i), Value::Array(a)) => {
                a.remove(*i);
            }
            _ => {}
        },
    }
}

/// The largest resident set of any child this process has waited for, in KiB.
fn children_peak_rss_kib() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage writes a whole `rusage` into the pointer it is given.
    let usage = unsafe {
        libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr());
        usage.assume_init()
    };
    usage.ru_maxrss
}

/// What the output folder shows besides the user's own file.
fn shown(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.') && n != "notes.txt")
        .collect();
    names.sort();
    names
}

/// Copies `scenarios/` into a fresh folder, mutates one file, runs it and checks the outcome.
fn check(file: &Path, mutations: &[(Index, Mutation)]) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("scenarios");
    for sub in SUBFOLDERS {
        fs::create_dir_all(dir.join(sub)).unwrap();
    }
    for f in examples() {
        fs::copy(scenarios_dir().join(&f), dir.join(&f)).unwrap();
    }
    let text = fs::read_to_string(dir.join(file)).unwrap();
    let mut doc: Value = Value::Table(text.parse::<toml::Table>().unwrap());
    for (at, m) in mutations {
        let mut all = Vec::new();
        paths(&doc, &mut Vec::new(), &mut all);
        if all.is_empty() {
            break;
        }
        apply(&mut doc, &all[at.index(all.len())], m);
    }
    fs::write(dir.join(file), toml::to_string(&doc).unwrap()).unwrap();
    let out = tmp.path().join("out");
    fs::create_dir(&out).unwrap();
    fs::write(out.join("notes.txt"), "the user's own file").unwrap();

    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .arg("run")
        .arg(dir.join(file))
        .args(["--reps", "2", "--threads", "1", "--out"])
        .arg(&out)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIME_LIMIT {
            child.kill().unwrap();
            child.wait().unwrap();
            return Err(TestCaseError::fail(format!(
                "ran for more than {TIME_LIMIT:?}:\n{}",
                toml::to_string(&doc).unwrap()
            )));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    let code = status.code();
    prop_assert!(
        matches!(code, Some(0..=2)),
        "exit {code:?}: {stderr}\n{}",
        toml::to_string(&doc).unwrap()
    );
    prop_assert!(!stderr.contains("panicked"), "{stderr}");
    let written = shown(&out);
    if matches!(code, Some(0 | 1)) {
        for whole in ["manifest.json", "report.html", "summary.csv"] {
            // Through the link a run publishes, to the file itself.
            let len = fs::metadata(out.join(whole)).map(|m| m.is_file().then_some(m.len()));
            prop_assert!(
                matches!(len, Ok(Some(n)) if n > 0),
                "{whole}: {len:?} among {written:?}"
            );
        }
    } else {
        prop_assert!(
            written.is_empty(),
            "a failed run wrote {written:?}: {stderr}"
        );
    }
    let peak = children_peak_rss_kib();
    prop_assert!(peak < PEAK_RSS_KIB, "a run took {peak} KiB");
    Ok(())
}

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn strategy() -> impl Strategy<Value = (Index, Vec<(Index, Mutation)>)> {
    (
        any::<Index>(),
        prop::collection::vec((any::<Index>(), mutation()), 1..=3),
    )
}

proptest! {
    #![proptest_config(cases(24))]
    #[test]
    fn mutated_examples_fail_cleanly_or_run_whole((file, mutations) in strategy()) {
        let files = examples();
        check(&files[file.index(files.len())], &mutations)?;
    }
}

proptest! {
    #![proptest_config(cases(100_000))]
    #[test]
    #[ignore = "the long run: 100,000 cases, some hours"]
    fn mutated_examples_fail_cleanly_or_run_whole_long((file, mutations) in strategy()) {
        let files = examples();
        check(&files[file.index(files.len())], &mutations)?;
    }
}
