//! The README's KPI reference is the metrics table, generated, and its table of limits states
//! the bounds validation enforces: a definition or a bound changed in the code must be
//! changed in the documentation too.

use std::fs;
use std::path::Path;

#[test]
fn readme_kpi_reference_is_the_metrics_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = fs::read_to_string(path).expect("README.md at the repository root");
    let (begin, end) = ("<!-- kpis:begin -->\n", "<!-- kpis:end -->");
    let start = readme
        .find(begin)
        .expect("README has the kpis:begin marker")
        + begin.len();
    let stop = readme.find(end).expect("README has the kpis:end marker");
    let expected = carepath_engine::results::metrics_markdown();
    if readme[start..stop] != expected {
        if std::env::var_os("CAREPATH_UPDATE_README").is_some() {
            let updated = format!("{}{expected}{}", &readme[..start], &readme[stop..]);
            fs::write(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"),
                updated,
            )
            .unwrap();
        } else {
            panic!(
                "README.md's KPI reference is out of date: run this test with \
                 CAREPATH_UPDATE_README=1 to regenerate it"
            );
        }
    }
}

/// `12345` as README writes it: `12,345`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn readme_limits_are_the_bounds_validation_enforces() {
    use carepath_engine::scenario::limits::*;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = fs::read_to_string(path).expect("README.md at the repository root");
    let table: Vec<(&str, &str)> = readme
        .split("| What | At most |")
        .nth(1)
        .expect("README has the table of limits")
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            Some((*cells.get(1)?, *cells.get(2)?))
        })
        .collect();
    let bounds: [(&str, String); 12] = [
        ("Beds of a ward", grouped(MAX_CAPACITY.into())),
        ("Referrals a year", grouped(MAX_REFERRALS_PER_YEAR as u64)),
        ("Referrals expected", grouped(MAX_REFERRALS_PER_RUN as u64)),
        ("Annual growth", format!("{MAX_GROWTH} ")),
        ("Young people in a census", grouped(MAX_CENSUS.into())),
        ("Under-18 population", grouped(MAX_POPULATION as u64)),
        ("Horizon", grouped(MAX_YEARS as u64)),
        (
            "Warm-up",
            format!("{} days", grouped(MAX_WARMUP_DAYS.into())),
        ),
        ("Replications", grouped(MAX_REPLICATIONS.into())),
        ("Parameter draws", grouped(MAX_PARAMETER_DRAWS.into())),
        ("Worker threads", grouped(MAX_THREADS as u64)),
        ("Points of one sweep", grouped(MAX_SWEEP_POINTS as u64)),
    ];
    for (what, bound) in &bounds {
        let (_, written) = table
            .iter()
            .find(|(w, _)| w.starts_with(what))
            .unwrap_or_else(|| panic!("README's limits have no row for {what}"));
        assert!(
            written.starts_with(bound.as_str()),
            "README says {what}: {written}; validation enforces {bound}"
        );
    }
    let years = format!("years {} to {}", START_YEARS.start(), START_YEARS.end());
    assert!(table
        .iter()
        .any(|(w, b)| w.starts_with("Start date") && *b == years));
    assert_eq!(
        table.len(),
        bounds.len() + 1,
        "every row is checked: {table:?}"
    );
}
