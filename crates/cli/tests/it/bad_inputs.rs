//! The bad-input catalogue: each `tests/bad_inputs/*.toml` is one mistake a user can make,
//! with what `carepath` must answer. Adding a case is adding a file. Its first comment lines
//! say what it is and how it is run, and `#>` lines at its end (where they move no line
//! numbers) what the command must print on stderr:
//!
//! ```text
//! # What the mistake is.
//! # args: run {file} --reps 3 --out {out}      (optional; this is the default without --reps)
//! # exit: 2
//! # schema: rejects      (or `accepts`: what an independent JSON Schema validator must say, in CI)
//! …the scenario…
//! #> error: unknown_key.toml:11:1: unknown key `bedz` in [wards.gau]
//! #>   help: did you mean `beds`?
//! ```
//!
//! The command runs in `tests/bad_inputs` (so paths are relative to it, and `parts/` holds
//! the files cases extend); `{out}` is a fresh folder holding one file of the user's. Each case
//! must exit with its code, print exactly the `#>` lines on stderr (the folder shown as
//! `{out}`), never panic, and leave the folder as it was: nothing written.
//!
//! `CAREPATH_BLESS=1 cargo test -p carepath-cli --test it bad_inputs` rewrites the `#>` lines
//! from what the command printed, for review in the diff.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Case {
    path: PathBuf,
    args: String,
    exit: i32,
    expected: Vec<String>,
}

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs")
}

fn read_case(path: PathBuf) -> Case {
    let text = fs::read_to_string(&path).unwrap();
    let mut case = Case {
        path,
        args: "run {file} --out {out}".into(),
        exit: -1,
        expected: Vec::new(),
    };
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        if let Some(args) = line.strip_prefix("# args: ") {
            case.args = args.into();
        } else if let Some(code) = line.strip_prefix("# exit: ") {
            case.exit = code.trim().parse().unwrap();
        }
    }
    for line in text.lines() {
        if let Some(expected) = line.strip_prefix("#>") {
            case.expected
                .push(expected.strip_prefix(' ').unwrap_or(expected).into());
        }
    }
    assert!(case.exit >= 0, "{}: no `# exit:` line", case.path.display());
    case
}

/// The case's file with its `#>` lines replaced by `actual`, at its end.
fn blessed(text: &str, actual: &[String]) -> String {
    let mut out: String = text
        .lines()
        .filter(|l| !l.starts_with("#>"))
        .map(|l| format!("{l}\n"))
        .collect();
    for a in actual {
        out.push_str(&format!("#> {a}\n").replace("#> \n", "#>\n"));
    }
    out
}

#[test]
fn every_bad_input_is_located_explained_and_changes_nothing() {
    let bless = std::env::var_os("CAREPATH_BLESS").is_some();
    let mut files: Vec<PathBuf> = fs::read_dir(cases_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 40, "the catalogue has {} cases", files.len());
    let mut failures = Vec::new();
    for path in files {
        let case = read_case(path);
        let name = case
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join("notes.txt"), "the user's own file").unwrap();
        let out_text = out.display().to_string();
        let args: Vec<String> = case
            .args
            .split_whitespace()
            .map(|a| a.replace("{file}", &name).replace("{out}", &out_text))
            .collect();
        let done = Command::new(env!("CARGO_BIN_EXE_carepath"))
            .args(&args)
            .current_dir(cases_dir())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&done.stderr).replace(&out_text, "{out}");
        let actual: Vec<String> = stderr.lines().map(String::from).collect();
        let left: Vec<_> = fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        let mut problems = Vec::new();
        if done.status.code() != Some(case.exit) {
            problems.push(format!(
                "exit {:?}, expected {}",
                done.status.code(),
                case.exit
            ));
        }
        if stderr.contains("panicked") {
            problems.push("panicked".into());
        }
        if left != ["notes.txt"] {
            problems.push(format!("wrote into the output folder: {left:?}"));
        }
        if bless {
            let text = fs::read_to_string(&case.path).unwrap();
            fs::write(&case.path, blessed(&text, &actual)).unwrap();
        } else if actual != case.expected {
            {
                problems.push(format!(
                    "stderr differs\n  expected:\n    {}\n  actual:\n    {}",
                    case.expected.join("\n    "),
                    actual.join("\n    ")
                ));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("{name}: {}", problems.join("; ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

/// `extends` reads a scenario file of at most 1 MiB, so a huge file (or a device that never
/// ends, in the catalogue) is refused at the `extends` line rather than read.
#[test]
fn extends_refuses_a_file_larger_than_a_mebibyte() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.toml");
    let mut text = fs::read_to_string(cases_dir().join("parts/base.toml")).unwrap();
    text.push_str(&format!("# {}\n", "x".repeat(1 << 20)));
    fs::write(&big, text).unwrap();
    let child = tmp.path().join("child.toml");
    fs::write(
        &child,
        "# A child of a huge file.\nextends = \"big.toml\"\n",
    )
    .unwrap();
    let done = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .arg("validate")
        .arg(&child)
        .output()
        .unwrap();
    assert_eq!(done.status.code(), Some(1));
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(err.contains("child.toml:2:1: `extends`"), "{err}");
    assert!(
        err.contains("a scenario file may have at most 1048576 (1 MiB)"),
        "{err}"
    );
}
