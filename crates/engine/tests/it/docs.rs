//! The README's KPI reference is the metrics table, generated: a definition changed in the code
//! must be changed in the documentation too.

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
