//! Loading scenario files end to end: `extends`, overrides, sweeps, checks and error locations.

use super::*;
use carepath_engine::{FinancialYear, Metric, Period};
use chrono::NaiveDate;
use tempfile::TempDir;

/// The smallest valid scenario.
const MINIMAL: &str = r#"[simulation]
start_date = 2020-04-01
years = 1

[demand]
referrals_per_year = 100

[groups.all]
share = 1
los_days = { dist = "exponential", mean = 30 }
out_of_area = { cost_per_day_gbp = 900, distance_miles = { dist = "fixed", value = 90 } }

[wards.w]
beds = 5
accepts = ["all"]
funding = "block"
cost_per_bed_day_gbp = 700
"#;

fn write(dir: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    fs::write(&path, text).unwrap();
    path
}

fn load_with(paths: &[&Path], opts: LoadOptions) -> Result<Vec<LoadedScenario>, Vec<ConfigError>> {
    let paths: Vec<PathBuf> = paths.iter().map(|p| p.to_path_buf()).collect();
    load(&paths, &opts)
}

fn load_ok(paths: &[&Path], opts: LoadOptions) -> Vec<LoadedScenario> {
    match load_with(paths, opts) {
        Ok(s) => s,
        Err(errs) => panic!(
            "{}",
            errs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn load_err(paths: &[&Path], opts: LoadOptions) -> Vec<ConfigError> {
    match load_with(paths, opts) {
        Ok(s) => panic!("loaded {} scenarios, expected errors", s.len()),
        Err(errs) => errs,
    }
}

/// 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .expect("needle in text")
        + 1
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn sets(args: &[&str]) -> LoadOptions {
    LoadOptions {
        sets: args.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    }
}

#[test]
fn minimal_scenario_loads_with_its_file_stem_as_name() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "base.toml", MINIMAL);
    let loaded = load_ok(&[&path], LoadOptions::default());
    assert_eq!(loaded.len(), 1);
    let s = &loaded[0];
    assert_eq!(
        (s.name.as_str(), s.scenario.name.as_str()),
        ("base", "base")
    );
    assert_eq!(s.path, path);
    assert_eq!(source_paths(s), vec![path.clone()]);
    assert_eq!(&*s.sources[0].text, std::fs::read_to_string(&path).unwrap());
    assert_eq!(s.scenario.simulation.start_date, date(2020, 4, 1));
    assert_eq!(s.scenario.wards["w"].beds, 5);
    assert_eq!(s.scenario.simulation.replications, 30, "defaults apply");
    assert!(s.checks.is_empty() && s.sweep.is_none());
}

#[test]
fn extends_merges_tables_replaces_arrays_and_appends_roadmap() {
    let dir = TempDir::new().unwrap();
    let base = format!(
        "name = \"the_baseline\"\ndescription = \"base\"\n{MINIMAL}\n[[roadmap]]\ndate = 2020-06-01\nward = \"w\"\ncapacity = 6\n\n\
         [[check]]\nkpi = \"oap_bed_days\"\nmax = 10\n"
    );
    let base = write(&dir, "base.toml", &base);
    let child = write(
        &dir,
        "child.toml",
        "extends = \"base.toml\"\n[wards.w]\nbeds = 8\n\n[[roadmap]]\ndate = 2020-09-01\nward = \"w\"\ncapacity = 9\n\n\
         [[check]]\nkpi = \"occupancy_pct\"\nsubject = \"w\"\nfinancial_year = \"2020/21\"\nmin = 50\nmax = 95\n",
    );
    let loaded = load_ok(&[&child], LoadOptions::default());
    let s = &loaded[0];
    assert_eq!(s.name, "child", "the parent's name is not inherited");
    assert_eq!(s.scenario.description, "base");
    assert_eq!(s.scenario.wards["w"].beds, 8);
    assert_eq!(
        s.scenario.wards["w"].accepts,
        vec!["all".to_string()],
        "untouched keys of a merged table stay"
    );
    let dates: Vec<NaiveDate> = s.scenario.roadmap.iter().map(|r| r.date).collect();
    assert_eq!(dates, vec![date(2020, 6, 1), date(2020, 9, 1)]);
    assert_eq!(
        s.checks,
        vec![Check {
            metric: Metric::Occupancy,
            subject: "w".into(),
            period: Period::FinancialYear(FinancialYear(2020)),
            min: Some(50.0),
            max: Some(95.0),
        }],
        "the child's checks replace the parent's"
    );
    assert_eq!(source_paths(s), vec![child, base]);
}

#[test]
fn extends_chain_of_three_keeps_nearest_values() {
    let dir = TempDir::new().unwrap();
    write(&dir, "a.toml", MINIMAL);
    fs::create_dir(dir.path().join("options")).unwrap();
    write(
        &dir,
        "options/b.toml",
        "extends = \"../a.toml\"\n[demand]\nreferrals_per_year = 200\nannual_growth = 0.1\n",
    );
    let c = write(
        &dir,
        "options/c.toml",
        "extends = \"b.toml\"\n[demand]\nreferrals_per_year = 300\n",
    );
    let s = &load_ok(&[&c], LoadOptions::default())[0];
    assert_eq!(s.scenario.demand.referrals_per_year, 300.0);
    assert_eq!(s.scenario.demand.annual_growth, 0.1);
    assert_eq!(s.sources.len(), 3);
}

#[test]
fn extends_cycle_is_an_error_at_the_extends_line() {
    let dir = TempDir::new().unwrap();
    let a = write(&dir, "a.toml", &format!("extends = \"b.toml\"\n{MINIMAL}"));
    write(
        &dir,
        "b.toml",
        "description = \"b\"\nextends = \"a.toml\"\n",
    );
    let errs = load_err(&[&a], LoadOptions::default());
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = &errs[0];
    assert!(
        e.message.contains("cycle") && e.message.contains("a.toml") && e.message.contains("b.toml"),
        "{e}"
    );
    assert_eq!(
        (e.file.file_name().unwrap().to_str(), e.line, e.col),
        (Some("b.toml"), Some(2), Some(1))
    );
}

#[test]
fn missing_parent_is_an_error_naming_it() {
    let dir = TempDir::new().unwrap();
    let child = write(
        &dir,
        "child.toml",
        "description = \"x\"\nextends = \"nowhere.toml\"\n",
    );
    let errs = load_err(&[&child], LoadOptions::default());
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].message.contains("cannot read `nowhere.toml`"),
        "{}",
        errs[0]
    );
    assert_eq!(
        (&errs[0].file, errs[0].line, errs[0].col),
        (&child, Some(2), Some(1))
    );
}

#[test]
fn unknown_key_is_located_with_a_suggestion() {
    let dir = TempDir::new().unwrap();
    let text = MINIMAL.replace("beds = 5", "bedz = 5");
    let path = write(&dir, "day_hospital.toml", &text);
    let errs = load_err(&[&path], LoadOptions::default());
    let line = line_of(&text, "bedz");
    let unknown = errs
        .iter()
        .find(|e| e.key == "wards.w.bedz")
        .expect("unknown key error");
    assert_eq!((unknown.line, unknown.col), (Some(line), Some(1)));
    assert_eq!(
        unknown.to_string(),
        format!(
            "error: {}:{line}:1: unknown key `bedz` in [wards.w]\n  help: did you mean `beds`?",
            path.display()
        )
    );
    let missing = errs
        .iter()
        .find(|e| e.key == "wards.w.beds")
        .expect("missing key error");
    assert_eq!(missing.message, "missing key `beds` in [wards.w]");
    assert_eq!(
        missing.line,
        Some(line_of(&text, "[wards.w]")),
        "a missing key points at its table"
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
}

#[test]
fn wrong_types_and_impossible_values_are_all_reported() {
    let dir = TempDir::new().unwrap();
    let text = MINIMAL
        .replace("years = 1", "years = \"one\"")
        .replace("beds = 5", "beds = -3")
        .replace("funding = \"block\"", "funding = \"blok\"")
        .replace("referrals_per_year = 100", "referrals_per_year = nan")
        .replace(
            "start_date = 2020-04-01",
            "start_date = 2020-04-01T09:00:00",
        )
        .replace("mean = 30", "mean = 30, sd = 2");
    let path = write(&dir, "bad.toml", &text);
    let errs = load_err(&[&path], LoadOptions::default());
    let by_key = |k: &str| {
        errs.iter()
            .find(|e| e.key == k)
            .unwrap_or_else(|| panic!("no error for {k}: {errs:?}"))
    };
    assert_eq!(
        by_key("simulation.years").message,
        "`simulation.years`: expected a number, found a string (\"one\")"
    );
    assert_eq!(
        by_key("simulation.years").line,
        Some(line_of(&text, "years"))
    );
    assert!(by_key("wards.w.beds")
        .message
        .contains("expected a whole number from 0 to 10000, found a whole number (-3)"));
    let funding = by_key("wards.w.funding");
    assert!(
        funding
            .message
            .contains("expected one of `block`, `spot`, found `blok`"),
        "{funding}"
    );
    assert_eq!(funding.help.as_deref(), Some("did you mean `block`?"));
    assert!(by_key("demand.referrals_per_year")
        .message
        .contains("expected a finite number, found a number (NaN)"));
    let start = by_key("simulation.start_date");
    assert!(start.message.contains("found a date and time"), "{start}");
    assert!(start
        .help
        .as_deref()
        .unwrap_or("")
        .contains("remove the time"));
    let sd = by_key("groups.all.los_days.sd");
    assert!(sd.message.contains("unknown key `sd`"), "{sd}");
    assert_eq!(errs.len(), 6, "{errs:?}");
}

#[test]
fn errors_from_every_file_are_collected_and_nothing_loads() {
    let dir = TempDir::new().unwrap();
    let good = write(&dir, "good.toml", MINIMAL);
    let bad1 = write(
        &dir,
        "bad1.toml",
        &MINIMAL.replace("years = 1", "yeers = 1"),
    );
    let bad2 = write(&dir, "bad2.toml", "[simulation\n");
    let errs = load_err(&[&good, &bad1, &bad2], LoadOptions::default());
    assert!(
        errs.iter()
            .any(|e| e.file == bad1 && e.help.as_deref() == Some("did you mean `years`?")),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.file == bad2 && e.message.starts_with("invalid TOML") && e.line == Some(1)),
        "{errs:?}"
    );
}

#[test]
fn hostile_input_gives_errors_not_panics() {
    let dir = TempDir::new().unwrap();
    let cases: &[(&str, &[u8], &str)] = &[
        ("empty", b"", "missing key `simulation` at the top level"),
        ("junk", b"\x00\x9f\x92\x96 garbage", "not UTF-8"),
        (
            "array_for_table",
            b"wards = [1, 2]",
            "`wards`: expected a table",
        ),
        (
            "array_of_tables",
            b"[[wards.w]]\nbeds = 1",
            "`wards.w`: expected a table, found an array",
        ),
        (
            "huge",
            b"[simulation]\nseed = 99999999999999999999",
            "too large",
        ),
        (
            "scalar_root_key",
            b"simulation = 5",
            "`simulation`: expected a table, found a whole number (5)",
        ),
        (
            "wrong_dist",
            b"[groups.g]\nlos_days = { dist = \"expo\", mean = 3 }",
            "did you mean `exponential`?",
        ),
        (
            "no_dist",
            b"[groups.g]\nlos_days = { mean = 3 }",
            "missing key `dist`",
        ),
        (
            "dist_string",
            b"[groups.g]\nlos_days = \"exponential\"",
            "expected a table such as `{ dist = \"exponential\", mean = … }`",
        ),
        (
            "bad_date",
            b"[simulation]\nstart_date = \"2020-13-01\"",
            "expected a date such as 2020-04-01",
        ),
        ("inf", b"[demand]\nreferrals_per_year = inf", "finite"),
        (
            "u32_overflow",
            b"[simulation]\nreplications = 5000000000",
            "from 1 to 100000",
        ),
        (
            "duplicate_key",
            b"[simulation]\nyears = 1\nyears = 2",
            "duplicate key",
        ),
    ];
    for (name, text, expected) in cases {
        let path = dir.path().join(format!("{name}.toml"));
        fs::write(&path, text).unwrap();
        let errs = load_err(&[&path], LoadOptions::default());
        let help = |e: &ConfigError| e.help.clone().unwrap_or_default();
        assert!(
            errs.iter()
                .any(|e| e.message.contains(expected) || help(e).contains(expected)),
            "{name}: {errs:#?}"
        );
    }
}

#[test]
fn validation_errors_point_at_the_file_that_set_the_key() {
    let dir = TempDir::new().unwrap();
    let base_text = MINIMAL.replace("years = 1", "years = 1\nreplications = 0");
    let base = write(&dir, "base.toml", &base_text);
    let child = write(
        &dir,
        "child.toml",
        "extends = \"base.toml\"\ndescription = \"inherits replications\"\n",
    );
    let errs = load_err(&[&child], LoadOptions::default());
    let e = errs
        .iter()
        .find(|e| e.key == "simulation.replications")
        .expect("replications rejected by the engine");
    assert_eq!(
        (&e.file, e.line, e.col),
        (&base, Some(line_of(&base_text, "replications")), Some(1))
    );

    let child_text = "extends = \"base.toml\"\n\n[simulation]\nreplications = 0\n";
    let fixed_base = write(&dir, "base.toml", MINIMAL);
    let child = write(&dir, "child.toml", child_text);
    let errs = load_err(&[&child], LoadOptions::default());
    let e = errs
        .iter()
        .find(|e| e.key == "simulation.replications")
        .expect("replications rejected");
    assert_eq!(
        (&e.file, e.line),
        (&child, Some(4)),
        "the child's value wins, so its line is blamed"
    );
    assert_ne!(e.file, fixed_base);
}

#[test]
fn validation_error_on_an_absent_key_points_at_its_table_after_roadmap_append() {
    let dir = TempDir::new().unwrap();
    write(
        &dir,
        "base.toml",
        &format!("{MINIMAL}\n[[roadmap]]\ndate = 2020-06-01\nward = \"w\"\ncapacity = 6\n"),
    );
    let child_text = "extends = \"base.toml\"\n\n# opens nothing: no capacity\n[[roadmap]]\ndate = 2020-09-01\nward = \"w\"\n";
    let child = write(&dir, "child.toml", child_text);
    let errs = load_err(&[&child], LoadOptions::default());
    let e = errs
        .iter()
        .find(|e| e.key == "roadmap[1].capacity")
        .unwrap_or_else(|| panic!("roadmap[1].capacity rejected: {errs:?}"));
    assert_eq!((&e.file, e.line, e.col), (&child, Some(4), Some(1)), "{e}");
}

#[test]
fn tree_locates_absent_keys_at_the_nearest_existing_table() {
    let file: Rc<Path> = Rc::from(Path::new("s.toml"));
    let tree = tree::parse_str(file, MINIMAL).unwrap();
    let at = |p: &str| match tree.locate(&tree::parse_path(p).unwrap()) {
        Loc::File { line, col, .. } => (*line, *col),
        other => panic!("{other:?}"),
    };
    assert_eq!(at("wards.w.beds"), (line_of(MINIMAL, "beds"), 1));
    assert_eq!(at("wards.w.label"), (line_of(MINIMAL, "[wards.w]"), 1));
    let los = line_of(MINIMAL, "los_days");
    let col = |needle: &str| MINIMAL.lines().nth(los - 1).unwrap().find(needle).unwrap() + 1;
    assert_eq!(at("groups.all.los_days.mean"), (los, col("mean")));
    assert_eq!(
        at("groups.all.los_days.median"),
        (los, col("{")),
        "an inline table is located at its brace"
    );
    assert_eq!(at("wards.w.accepts[0]"), (line_of(MINIMAL, "accepts"), 12));
    assert!(matches!(
        tree.locate(&tree::parse_path("budget.annual_gbp").unwrap()),
        Loc::Implied(_)
    ));
}

#[test]
fn set_overrides_with_toml_values_and_bare_words() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "s.toml", MINIMAL);
    let opts = LoadOptions {
        reps: Some(7),
        seed: Some(99),
        ..sets(&[
            "wards.w.beds=30",
            "simulation.start_date=2021-04-01",
            "policy.when_alternatives_full=wait",
            "groups.all.los_days={ dist = \"fixed\", value = 3 }",
            "description=a bare sentence",
            "budget.by_financial_year.2020/21=1e6",
        ])
    };
    let s = &load_ok(&[&path], opts)[0].scenario;
    assert_eq!(s.wards["w"].beds, 30);
    assert_eq!(s.simulation.start_date, date(2021, 4, 1));
    assert_eq!(
        s.policy.when_alternatives_full,
        carepath_engine::scenario::WhenFull::Wait
    );
    assert_eq!(
        s.groups["all"].los_days,
        carepath_engine::scenario::Distribution::Fixed { value: 3.0 }
    );
    assert_eq!(s.description, "a bare sentence");
    assert_eq!(s.budget.by_financial_year["2020/21"], 1e6);
    assert_eq!((s.simulation.replications, s.simulation.seed), (7, 99));
    let quoted = &load_ok(&[&path], sets(&["policy.when_alternatives_full=\"wait\""]))[0].scenario;
    assert_eq!(
        quoted.policy.when_alternatives_full,
        carepath_engine::scenario::WhenFull::Wait
    );
}

#[test]
fn bad_set_paths_and_values_are_errors_with_suggestions() {
    let dir = TempDir::new().unwrap();
    let a = write(&dir, "a.toml", MINIMAL);
    let b = write(&dir, "b.toml", MINIMAL);
    let errs = load_err(&[&a, &b], sets(&["wards.w.bedz=3"]));
    assert_eq!(
        errs.len(),
        1,
        "the same command-line error is reported once: {errs:?}"
    );
    assert_eq!(errs[0].file, PathBuf::new());
    assert_eq!(errs[0].help.as_deref(), Some("did you mean `beds`?"));
    assert_eq!(errs[0].to_string(), "error: command line: unknown key `bedz` in [wards.w] (from `--set wards.w.bedz=3`)\n  help: did you mean `beds`?");

    let errs = load_err(&[&a], sets(&["wards.x.beds=3"]));
    assert_eq!(
        errs[0].file, a,
        "a ward missing from one scenario is that scenario's problem"
    );
    assert!(
        errs[0].message.starts_with("there is no `x` in [wards]"),
        "{}",
        errs[0]
    );

    let errs = load_err(&[&a], sets(&["wards.w.beds=many"]));
    assert!(
        errs[0]
            .message
            .contains("expected a whole number from 0 to 10000, found a string (\"many\")"),
        "{}",
        errs[0]
    );

    for (arg, expected) in [
        ("wards.w.beds", "expected `key.path=value`"),
        ("sweep.x=1", "use `--sweep`"),
        ("wards..beds=1", "not a key path"),
        ("roadmap[0].capacity=3", "has 0 entries"),
        ("simulation.seed=99999999999999999999", "too large"),
    ] {
        let errs = load_err(&[&a], sets(&[arg]));
        assert!(
            errs.iter().any(|e| e.message.contains(expected)),
            "{arg}: {errs:?}"
        );
    }
    let errs = load_err(
        &[&a],
        LoadOptions {
            seed: Some(u64::MAX),
            ..LoadOptions::default()
        },
    );
    assert!(errs[0].message.contains("seed is too large"));
}

#[test]
fn cli_sweep_expands_in_grid_order_with_names() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "base.toml", MINIMAL);
    let opts = LoadOptions {
        sweeps: vec![
            "wards.w.beds=4..8:2".into(),
            "demand.referrals_per_year=100,150.5".into(),
        ],
        ..LoadOptions::default()
    };
    let loaded = load_ok(&[&path], opts);
    let names: Vec<&str> = loaded.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "base__beds=4__referrals_per_year=100",
            "base__beds=4__referrals_per_year=150.5",
            "base__beds=6__referrals_per_year=100",
            "base__beds=6__referrals_per_year=150.5",
            "base__beds=8__referrals_per_year=100",
            "base__beds=8__referrals_per_year=150.5",
        ]
    );
    let last = &loaded[5];
    assert_eq!(last.scenario.name, last.name);
    assert_eq!(
        (
            last.scenario.wards["w"].beds,
            last.scenario.demand.referrals_per_year
        ),
        (8, 150.5)
    );
    assert_eq!(
        last.sweep,
        Some(SweepPoint {
            family: "base".into(),
            params: vec![
                ("wards.w.beds".into(), SweepValue::Number(8.0)),
                (
                    "demand.referrals_per_year".into(),
                    SweepValue::Number(150.5)
                )
            ],
        })
    );
}

#[test]
fn file_sweep_expands_and_cli_sweep_replaces_it() {
    let dir = TempDir::new().unwrap();
    let text = format!("{MINIMAL}\n[sweep]\n\"wards.w.beds\" = [3, 5]\n");
    let path = write(&dir, "opt.toml", &text);
    let loaded = load_ok(&[&path], LoadOptions::default());
    let names: Vec<&str> = loaded.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["opt__beds=3", "opt__beds=5"]);
    assert_eq!(loaded[0].scenario.wards["w"].beds, 3);

    let opts = LoadOptions {
        sweeps: vec!["simulation.years=1..2".into()],
        ..LoadOptions::default()
    };
    let names: Vec<String> = load_ok(&[&path], opts)
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["opt__years=1", "opt__years=2"]);
}

#[test]
fn bad_sweeps_are_errors() {
    let dir = TempDir::new().unwrap();
    let ranged = write(
        &dir,
        "r.toml",
        &format!("{MINIMAL}\n[sweep]\n\"wards.w.beds\" = \"8..4\"\n"),
    );
    let errs = load_err(&[&ranged], LoadOptions::default());
    assert!(
        errs[0].message.contains("ends before it starts"),
        "{}",
        errs[0]
    );
    assert_eq!(
        errs[0].line,
        Some(line_of(
            &fs::read_to_string(&ranged).unwrap(),
            "\"wards.w.beds\""
        ))
    );

    let path = write(&dir, "s.toml", MINIMAL);
    for (arg, expected) in [
        ("wards.w.funding=1,2", "so it cannot be 1"),
        ("wards.w.beds=2.5,3", "takes whole numbers"),
        ("wards.w.bedz=1,2", "did you mean `beds`?"),
        (
            "wards.w.beds=-1,2",
            "expected a whole number from 0 to 10000",
        ),
    ] {
        let opts = LoadOptions {
            sweeps: vec![arg.into()],
            ..LoadOptions::default()
        };
        let errs = load_err(&[&path], opts);
        assert!(
            errs.iter()
                .any(|e| e.message.contains(expected) || e.help.as_deref() == Some(expected)),
            "{arg}: {errs:?}"
        );
    }
    let three = LoadOptions {
        sweeps: vec![
            "wards.w.beds=1".into(),
            "simulation.years=1".into(),
            "simulation.seed=1".into(),
        ],
        ..LoadOptions::default()
    };
    assert!(load_err(&[&path], three)[0]
        .message
        .contains("one or two keys"));
}

#[test]
fn checks_in_files_are_parsed_and_checked() {
    let dir = TempDir::new().unwrap();
    let good = format!("{MINIMAL}\n[[check]]\nkpi = \"occupancy_pct\"\nsubject = \"w\"\nmax = 500\n\n[[check]]\nkpi = \"admissions\"\nfinancial_year = \"2020/21\"\nmin = 1\n");
    let path = write(&dir, "good.toml", &good);
    let checks = &load_ok(&[&path], LoadOptions::default())[0].checks;
    assert_eq!(checks.len(), 2);
    assert_eq!(
        (
            checks[0].metric,
            checks[0].subject.as_str(),
            checks[0].period,
            checks[0].max
        ),
        (Metric::Occupancy, "w", Period::Overall, Some(500.0))
    );
    assert_eq!(
        (checks[1].period, checks[1].min, checks[1].max),
        (Period::FinancialYear(FinancialYear(2020)), Some(1.0), None)
    );

    let bad = format!(
        "{MINIMAL}\n[[check]]\nkpi = \"oap_bed_day\"\nmax = 1\n\n[[check]]\nkpi = \"admissions\"\nfinancial_year = \"2020-21\"\nmax = 1\n\n\
         [[check]]\nkpi = \"admissions\"\n\n[[check]]\nkpi = \"admissions\"\nmin = 5\nmax = 1\nlimit = 3\n"
    );
    let path = write(&dir, "bad.toml", &bad);
    let errs = load_err(&[&path], LoadOptions::default());
    let kpi = errs
        .iter()
        .find(|e| e.key == "check[0].kpi")
        .expect("kpi error");
    assert_eq!(kpi.help.as_deref(), Some("did you mean `oap_bed_days`?"));
    assert_eq!(kpi.line, Some(line_of(&bad, "oap_bed_day\"")));
    let fy = errs
        .iter()
        .find(|e| e.key == "check[1].financial_year")
        .expect("year error");
    assert_eq!(fy.line, Some(line_of(&bad, "2020-21")));
    assert!(
        errs.iter()
            .any(|e| e.key == "check[2]" && e.message.contains("neither `min` nor `max`")),
        "{errs:?}"
    );
    assert!(errs.iter().any(|e| e.key == "check[3].limit"), "{errs:?}");
}

#[test]
fn directories_load_their_toml_files_in_name_order() {
    let dir = TempDir::new().unwrap();
    let sub = dir.path().join("scenarios");
    fs::create_dir_all(sub.join("nested")).unwrap();
    for name in ["b_option.toml", "a_base.toml", "nested/c.toml"] {
        fs::write(sub.join(name), MINIMAL).unwrap();
    }
    fs::write(sub.join("notes.txt"), "not a scenario").unwrap();
    let single = write(&dir, "z_first.toml", MINIMAL);
    let names: Vec<String> = load_ok(&[&single, &sub], LoadOptions::default())
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, ["z_first", "a_base", "b_option"]);

    let empty = dir.path().join("empty");
    fs::create_dir(&empty).unwrap();
    assert!(load_err(&[&empty], LoadOptions::default())[0]
        .message
        .contains("no scenario files"));
    assert!(
        load_err(&[&dir.path().join("missing.toml")], LoadOptions::default())[0]
            .message
            .starts_with("cannot read")
    );
}

#[test]
fn duplicate_names_are_errors() {
    let dir = TempDir::new().unwrap();
    let a = write(&dir, "a.toml", &format!("name = \"same\"\n{MINIMAL}"));
    let b = write(&dir, "b.toml", &format!("name = \"same\"\n{MINIMAL}"));
    let errs = load_err(&[&a, &b], LoadOptions::default());
    assert_eq!(errs.len(), 1);
    assert_eq!((&errs[0].file, errs[0].line), (&b, Some(1)));
    assert!(errs[0].message.contains(&a.display().to_string()));
    let bad_name = write(&dir, "c.toml", &format!("name = \"../out\"\n{MINIMAL}"));
    assert!(load_err(&[&bad_name], LoadOptions::default())[0]
        .message
        .contains("cannot be a scenario name"));
}

#[test]
fn schema_accepts_the_engine_examples_and_repository_scenarios() {
    let shape = Shape::new(schema());
    let example = carepath_engine::examples::erlang_loss(0.5, 30.0, 10, 2);
    let text = toml::to_string(&example).unwrap();
    let tree = tree::parse_str(Rc::from(Path::new("example.toml")), &text).unwrap();
    let mut errs = Vec::new();
    shape.check_root(&tree, &mut errs);
    assert!(errs.is_empty(), "{errs:?}");

    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let has_scenarios = fs::read_dir(&repo).is_ok_and(|d| {
        d.filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "toml"))
    });
    if has_scenarios {
        load_ok(&[&repo], LoadOptions::default());
    }
}

#[test]
fn load_without_inputs_is_an_error() {
    assert!(load_with(&[], LoadOptions::default()).is_err());
}

#[test]
fn example_scenarios_load() {
    use carepath_engine::scenario::Distribution;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let loaded = load_ok(&[&repo], LoadOptions::default());
    let names: Vec<&str> = loaded.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "baseline",
            "closer2home",
            "day_hospital",
            "provider_closure",
            "demand_growth",
            "workforce_constrained"
        ],
        "the six top-level files, each after the one it extends (S0 to S5); sweeps/ is not read"
    );
    let by_name = |n: &str| &loaded.iter().find(|s| s.name == n).unwrap().scenario;
    let file_names = |n: &str| -> Vec<String> {
        let s = loaded.iter().find(|s| s.name == n).unwrap();
        s.sources
            .iter()
            .map(|p| p.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect()
    };

    // day_hospital = baseline ← closer2home ← day_hospital.
    assert_eq!(
        file_names("day_hospital"),
        ["day_hospital.toml", "closer2home.toml", "baseline.toml"]
    );
    let dh = by_name("day_hospital");
    assert_eq!(
        dh.services["home_treatment"].places,
        Some(15),
        "home treatment comes from closer2home"
    );
    assert_eq!(
        dh.services["day_hospital"].places,
        Some(0),
        "opens on the roadmap"
    );
    assert_eq!(
        dh.groups.keys().map(String::as_str).collect::<Vec<_>>(),
        ["ed", "gau", "ld_autism", "picu"],
        "the groups come from baseline"
    );
    assert_eq!(
        dh.groups["picu"].los_days,
        Distribution::lognormal(45.0, 1.0),
        "untouched baseline group"
    );
    assert_eq!(dh.groups["gau"].decline_probability, 0.25);
    assert_eq!(
        dh.groups["gau"].alternatives,
        ["home_treatment", "day_hospital"],
        "arrays are replaced, not merged"
    );
    assert_eq!(
        dh.groups["gau"]
            .step_down
            .as_ref()
            .map(|s| s.service.as_str()),
        Some("home_treatment"),
        "closer2home's step-down survives day_hospital's change to the same group"
    );
    assert_eq!(
        dh.wards["gau"].beds, 18,
        "beds close on the roadmap, not at the start"
    );
    assert_eq!(dh.demand.population_under_18, Some(510_000.0));
    assert_eq!(dh.simulation.replications, 30);

    // [[roadmap]] entries accumulate down the chain; other keys are inherited.
    let pc = by_name("provider_closure");
    assert_eq!(pc.roadmap.len(), 5, "2 from day_hospital + 3 of its own");
    assert_eq!(pc.wards["picu"].beds, 0);
    assert_eq!(
        pc.wards.len(),
        7,
        "six of the baseline (the next best place among them) + the new PICU"
    );
    let dg = by_name("demand_growth");
    assert_eq!(dg.demand.annual_growth, 0.05);
    assert_eq!(dg.roadmap, pc.roadmap);
    assert_eq!(dg.services, pc.services);
    let wc = by_name("workforce_constrained");
    assert_eq!(wc.services["home_treatment"].places, Some(15));
    assert_eq!(wc.services["home_treatment"].staff_wte, Some(12.0));
    assert_eq!(wc.services["home_treatment"].cost_per_day_gbp, Some(130.0));
    assert_eq!(wc.roadmap, pc.roadmap);
    let base = by_name("baseline");
    assert!(base.services.is_empty() && base.roadmap.is_empty());
    assert_eq!(base.demand.annual_growth, 0.0);
    assert!(
        loaded.iter().all(|s| !s.checks.is_empty()),
        "every scenario has CI checks"
    );

    // The sweep, run explicitly: places 0, 4, …, 24 on top of closer2home.
    let sweep = load_ok(
        &[&repo.join("sweeps/iht_places.toml")],
        LoadOptions::default(),
    );
    assert_eq!(sweep.len(), 7);
    let places: Vec<Option<u32>> = sweep
        .iter()
        .map(|s| s.scenario.services["home_treatment"].places)
        .collect();
    assert_eq!(places, [0, 4, 8, 12, 16, 20, 24].map(Some));
    assert_eq!(sweep[0].name, "iht_places__places=0");
    assert_eq!(
        sweep[6].scenario.groups["gau"].alternatives,
        ["home_treatment"]
    );
}

/// A key with a dot in it (`[wards."picu.x"]`) is one segment of the engine's key path, so a
/// problem inside it is reported at its own line, not at a `[wards.picu]` that does not exist.
#[test]
fn an_engine_error_under_a_dotted_key_is_located_at_its_line() {
    let dir = TempDir::new().unwrap();
    let text = format!(
        "{MINIMAL}\n[wards.\"picu.x\"]\nbeds = 2\naccepts = [\"nobody\"]\nfunding = \"spot\"\ncost_per_bed_day_gbp = 1\n"
    );
    let path = write(&dir, "dotted.toml", &text);
    let errs = load_err(&[&path], LoadOptions::default());
    let e = errs
        .iter()
        .find(|e| e.message.contains("no group called `nobody`"))
        .expect("the unknown group is reported");
    assert_eq!(e.key, "wards.\"picu.x\".accepts[0]");
    assert_eq!(e.line, Some(line_of(&text, "[\"nobody\"]")), "{e}");
}

#[test]
fn roadmap_changes_are_addressed_by_their_id() {
    let dir = TempDir::new().unwrap();
    let text = format!(
        "{MINIMAL}\n[[roadmap]]\nid = \"first\"\ndate = 2020-06-01\nward = \"w\"\ncapacity = 4\n\n\
         [[roadmap]]\nid = \"cut\"\ndate = 2020-09-01\nward = \"w\"\ncapacity = 3\n"
    );
    let path = write(&dir, "r.toml", &text);
    let set = |arg: &str| LoadOptions {
        sets: vec![arg.into()],
        ..LoadOptions::default()
    };
    let s = &load_ok(&[&path], set("roadmap.cut.date=2020-10-01"))[0];
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    assert_eq!(s.scenario.roadmap[1].date, date("2020-10-01"));
    assert_eq!(s.scenario.roadmap[0].date, date("2020-06-01"));
    let errs = load_err(&[&path], set("roadmap.cutt.date=2020-10-01"));
    assert!(errs[0].message.contains("did you mean `cut`?"), "{errs:?}");
    let sweep = LoadOptions {
        sweeps: vec!["roadmap.cut.date=2020-07-01,2020-08-01".into()],
        ..LoadOptions::default()
    };
    let loaded = load_ok(&[&path], sweep);
    assert_eq!(loaded[1].name, "r__date=2020-08-01");
    assert_eq!(loaded[1].scenario.roadmap[1].date, date("2020-08-01"));

    let twice = write(&dir, "d.toml", &text.replace("\"first\"", "\"cut\""));
    let errs = load_err(&[&twice], LoadOptions::default());
    assert!(
        errs.iter()
            .any(|e| e.message.contains("already has the id `cut`")
                && e.line == Some(line_of(&text, "id = \"cut\""))),
        "{errs:?}"
    );
}

fn source_paths(s: &LoadedScenario) -> Vec<PathBuf> {
    s.sources.iter().map(|f| f.path.clone()).collect()
}

#[test]
fn text_loads_as_its_file_would_and_its_errors_name_it() {
    let dir = TempDir::new().unwrap();
    let path = write(&dir, "base.toml", MINIMAL);
    let from_file = load(std::slice::from_ref(&path), &LoadOptions::default()).unwrap();
    let text = Source::Text {
        name: "<dict>".into(),
        text: MINIMAL.into(),
    };
    let from_text = load_sources(&[text], &LoadOptions::default()).unwrap();
    // Named by its name's stem, as a file is by its own.
    let mut scenario = from_text[0].scenario.clone();
    assert_eq!(scenario.name, "<dict>");
    scenario.name = from_file[0].scenario.name.clone();
    assert_eq!(scenario, from_file[0].scenario);
    assert_eq!(source_paths(&from_text[0]), vec![PathBuf::from("<dict>")]);
    assert_eq!(&*from_text[0].sources[0].text, MINIMAL);
    // A text's `extends` names a file relative to the working directory, read as ever.
    let child = Source::Text {
        name: "<child>".into(),
        text: format!(
            "extends = {:?}\n[wards.w]\nbeds = 7\n",
            path.display().to_string()
        ),
    };
    let loaded = load_sources(&[child], &LoadOptions::default()).unwrap();
    assert_eq!(loaded[0].scenario.wards["w"].beds, 7);
    assert_eq!(
        source_paths(&loaded[0]),
        vec![PathBuf::from("<child>"), path]
    );
    let bad = Source::Text {
        name: "<dict>".into(),
        text: MINIMAL.replace("beds = 5", "beds = -1"),
    };
    let errors = load_sources(&[bad], &LoadOptions::default()).unwrap_err();
    assert!(
        errors
            .iter()
            .any(|e| e.file == Path::new("<dict>") && e.key == "wards.w.beds"),
        "{errors:?}"
    );
}

/// An override that a later roadmap entry undoes is an error at that entry, naming the key to
/// vary instead; the entry's own key, and a ward the roadmap leaves alone, are fine.
#[test]
fn an_override_the_roadmap_undoes_is_an_error_naming_the_entry() {
    let dir = TempDir::new().unwrap();
    let text = format!(
        "{MINIMAL}\n[wards.v]\nbeds = 3\naccepts = [\"all\"]\nfunding = \"spot\"\n\
         cost_per_bed_day_gbp = 700\n\n[[roadmap]]\nid = \"more_beds\"\ndate = 2020-10-01\n\
         ward = \"w\"\ncapacity = 8\n\n[[roadmap]]\ndate = 2021-01-01\nreferrals_per_year = 150\n"
    );
    let path = write(&dir, "s.toml", &text);
    let errs = load_err(&[&path], sets(&["wards.w.beds=20"]));
    assert_eq!(errs.len(), 1, "{errs:?}");
    let e = errs[0].to_string();
    assert!(
        e.contains("`--set wards.w.beds=20` is undone on 2020-10-01 by the roadmap entry `roadmap.more_beds`")
            && e.contains("`roadmap.more_beds.capacity`"),
        "{e}"
    );
    assert_eq!(errs[0].line, Some(line_of(&text, "capacity = 8")));
    let sweep = LoadOptions {
        sweeps: vec!["demand.referrals_per_year=100,200".into()],
        ..LoadOptions::default()
    };
    let e = load_err(&[&path], sweep)[0].to_string();
    assert!(
        e.contains("the sweep of `demand.referrals_per_year`")
            && e.contains("`roadmap[1].referrals_per_year`"),
        "{e}"
    );
    load_ok(
        &[&path],
        sets(&["wards.v.beds=20", "roadmap.more_beds.capacity=12"]),
    );
}

/// `inf` is accepted where README documents it (an out-of-area trigger that never fires) and
/// nowhere else; `-inf` and `nan` never.
#[test]
fn infinity_is_accepted_only_where_documented() {
    let dir = TempDir::new().unwrap();
    let urgency = "[urgency]\nemergency = { share = 0.2 }\nurgent = { share = 0.3 }\n\
                   routine = { share = 0.5, target_days = 7 }\n";
    let path = write(&dir, "s.toml", &format!("{MINIMAL}\n{urgency}"));
    let never = "urgency.routine.place_out_of_area_after_days=inf";
    let s = load_ok(&[&path], sets(&[never]));
    assert_eq!(
        s[0].scenario.urgency.routine.place_out_of_area_after_days,
        Some(f64::INFINITY)
    );
    for bad in [
        "urgency.routine.place_out_of_area_after_days=-inf",
        "urgency.routine.place_out_of_area_after_days=nan",
        "urgency.routine.target_days=inf",
        "demand.referrals_per_year=inf",
    ] {
        let errs = load_err(&[&path], sets(&[bad]));
        assert!(
            errs.iter()
                .any(|e| e.message.contains("expected a finite number")),
            "{bad}: {errs:?}"
        );
    }
}

/// Seasonality moves referrals between months: multipliers whose mean is outside [0.9, 1.1]
/// would silently change the year's total, and are an error that gives the mean.
#[test]
fn a_seasonality_that_changes_the_annual_total_is_an_error() {
    let dir = TempDir::new().unwrap();
    let doubled = MINIMAL.replace(
        "referrals_per_year = 100",
        "referrals_per_year = 100\nseasonality = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]",
    );
    let path = write(&dir, "s.toml", &doubled);
    let e = load_err(&[&path], LoadOptions::default())[0].to_string();
    assert!(e.contains("average 2.000") && e.contains("+100 %"), "{e}");
    let near = doubled.replace(
        "[2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]",
        "[1.2, 1.2, 1.2, 1.2, 1.2, 1.2, 0.8, 0.8, 0.8, 0.8, 0.8, 0.9]",
    );
    let path = write(&dir, "t.toml", &near);
    load_ok(&[&path], LoadOptions::default());
}

/// `unset` removes inherited keys before the child's are merged: a child can drop a parent's
/// roadmap entry by its id and a ward's optional key; a path the parents lack is an error
/// with the nearest path, and so is `unset` in a file that extends nothing.
#[test]
fn unset_removes_inherited_keys_and_names_a_misspelt_one() {
    let dir = TempDir::new().unwrap();
    let parent = format!(
        "{MINIMAL}\n[[roadmap]]\nid = \"more_beds\"\ndate = 2020-10-01\nward = \"w\"\ncapacity = 8\n"
    )
    .replace("beds = 5\n", "beds = 5\nlos_days = { all = { dist = \"fixed\", value = 9 } }\n");
    write(&dir, "parent.toml", &parent);
    let child = write(
        &dir,
        "child.toml",
        "extends = \"parent.toml\"\nunset = [\"roadmap.more_beds\", \"wards.w.los_days\"]\n",
    );
    let s = load_ok(&[&child], LoadOptions::default());
    assert!(s[0].scenario.roadmap.is_empty());
    assert!(s[0].scenario.wards["w"].los_days.is_empty());
    let parent_only = load_ok(&[&dir.path().join("parent.toml")], LoadOptions::default());
    assert_eq!(parent_only[0].scenario.roadmap.len(), 1);

    let bad = write(
        &dir,
        "bad.toml",
        "extends = \"parent.toml\"\nunset = [\"wards.v.los_days\", \"wards.w.los_dayz\"]\n",
    );
    let errs = load_err(&[&bad], LoadOptions::default());
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(
        errs[1].help.as_deref(),
        Some("did you mean `wards.w.los_days`?")
    );
    let root = write(
        &dir,
        "root.toml",
        &format!("unset = [\"wards\"]\n{MINIMAL}"),
    );
    let e = load_err(&[&root], LoadOptions::default())[0].to_string();
    assert!(e.contains("extends nothing"), "{e}");
}
