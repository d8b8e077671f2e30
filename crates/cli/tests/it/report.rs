//! The workshop report as a facilitator meets it: the example roadmap and the example sweep,
//! run by the binary, opened in headless Chromium at 1366 px and printed to A4.
//!
//! The browser checks run when a Chromium binary is found; with `CAREPATH_REQUIRE_CHROMIUM=1`
//! (as in CI) a missing browser fails them.

use crate::support::browser;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `carepath run <input> --reps <reps> --out <out>` and returns the output folder.
fn run(input: &str, reps: &str, out: &Path) -> PathBuf {
    let o = Command::new(env!("CARGO_BIN_EXE_carepath"))
        .args([
            "run",
            repo().join(input).to_str().unwrap(),
            "--reps",
            reps,
            "--out",
        ])
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out.to_path_buf()
}

fn chromium(browser: &str, dir: &Path, args: &[String]) -> std::process::Output {
    Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1366,768",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(args)
        .output()
        .unwrap()
}

/// Measures the page at 1366 px: a copy of the report with a script that writes its
/// findings into the page, read back with `--dump-dom` (the report itself has no scripts).
const MEASURE: &str = "<script>addEventListener('load',()=>{\
const at=s=>{const e=document.querySelector(s);if(!e)return[-1,-1];const b=e.getBoundingClientRect();\
return[Math.round(b.top+scrollY),Math.round(b.bottom+scrollY)]};\
const rows=s=>[...document.querySelectorAll(s)].map(t=>t.querySelectorAll('tr').length).reduce((a,b)=>a+b,0);\
const wide=[...document.querySelectorAll('body *')].filter(e=>e.scrollWidth>e.clientWidth+1&&getComputedStyle(e).overflowX!=='visible').length;\
const p=document.createElement('pre');p.id='measured';p.textContent=JSON.stringify({summary:at('#summary'),\
chart:at('#summary-chart'),page_width:document.documentElement.scrollWidth,clipped:wide,\
height:document.documentElement.scrollHeight,\
headline_rows:rows('table.headline'),difference_rows:rows('table.differences')});document.body.appendChild(p)})</script>";

#[derive(Debug)]
struct Measured {
    summary: (i64, i64),
    chart: (i64, i64),
    page_width: i64,
    height: i64,
    clipped: i64,
    headline_rows: i64,
    difference_rows: i64,
}

fn measure(browser: &str, dir: &Path, report: &Path) -> Measured {
    let html = fs::read_to_string(report).unwrap();
    let page = dir.join("measure.html");
    fs::write(&page, html.replace("</body>", &format!("{MEASURE}</body>"))).unwrap();
    let out = chromium(
        browser,
        dir,
        &[
            "--virtual-time-budget=5000".into(),
            "--dump-dom".into(),
            format!("file://{}", page.display()),
        ],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"measured\">")
        .expect("the page was measured")
        + 19;
    let json = &dom[start..start + dom[start..].find("</pre>").unwrap()];
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let pair = |k: &str| (v[k][0].as_i64().unwrap(), v[k][1].as_i64().unwrap());
    Measured {
        summary: pair("summary"),
        chart: pair("chart"),
        page_width: v["page_width"].as_i64().unwrap(),
        height: v["height"].as_i64().unwrap(),
        clipped: v["clipped"].as_i64().unwrap(),
        headline_rows: v["headline_rows"].as_i64().unwrap(),
        difference_rows: v["difference_rows"].as_i64().unwrap(),
    }
}

/// Prints the report to an A4 PDF and returns its page count.
fn print_pages(browser: &str, dir: &Path, report: &Path) -> (usize, PathBuf) {
    let pdf = dir.join("report.pdf");
    let out = chromium(
        browser,
        dir,
        &[
            "--no-pdf-header-footer".into(),
            format!("--print-to-pdf={}", pdf.display()),
            format!("file://{}", report.display()),
        ],
    );
    let bytes = fs::read(&pdf)
        .unwrap_or_else(|_| panic!("no PDF: {}", String::from_utf8_lossy(&out.stderr)));
    let text = String::from_utf8_lossy(&bytes);
    let pages = ["/Type /Page", "/Type/Page"]
        .iter()
        .map(|pat| {
            text.match_indices(pat)
                .filter(|(i, _)| !text[i + pat.len()..].starts_with('s'))
                .count()
        })
        .sum();
    (pages, pdf)
}

/// The text of one page, when poppler's `pdftotext` is installed.
fn page_text(pdf: &Path, page: u32) -> Option<String> {
    let out = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg("-")
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_facilitator_can_show_the_example_run_and_the_sweep() {
    let tmp = tempfile::tempdir().unwrap();
    let example = run("scenarios", "5", &tmp.path().join("example"));
    let sweep = run("scenarios/sweeps", "3", &tmp.path().join("sweep"));

    // comparison.csv of a sweep: one row per point × KPI against the reference point.
    let csv = fs::read_to_string(sweep.join("comparison.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..4], ["baseline", "scenario", "metric", "label"]);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let reference = "iht_places__places=0";
    let points = ["4", "8", "12", "16", "20", "24"].map(|p| format!("iht_places__places={p}"));
    let kpis = fs::read_to_string(sweep.join(format!("{reference}/summary.csv")))
        .unwrap()
        .lines()
        .count()
        - 1;
    for p in &points {
        let mine = rows.iter().filter(|r| r[1] == p).count();
        assert_eq!(mine, kpis, "one row per KPI for {p}");
    }
    assert!(rows.iter().all(|r| r[0] == reference));
    assert_eq!(rows.len(), points.len() * kpis);

    let Some(browser) = browser() else { return };
    for (name, out) in [("example", &example), ("sweep", &sweep)] {
        let dir = tempfile::tempdir().unwrap();
        let m = measure(&browser, dir.path(), &out.join("report.html"));
        assert!(
            m.summary.0 >= 0 && m.summary.0 < 1000,
            "{name}: the summary starts within the first 1,000 px: {m:?}"
        );
        assert!(
            m.chart.0 >= 0 && m.chart.1 <= 1000,
            "{name}: the chart of differences is within the first 1,000 px: {m:?}"
        );
        assert!(
            m.page_width <= 1366,
            "{name}: the page is wider than the window: {m:?}"
        );
        assert_eq!(
            m.clipped, 0,
            "{name}: a table or figure scrolls sideways: {m:?}"
        );
        assert!(
            m.headline_rows > 10,
            "{name}: the headline table is empty: {m:?}"
        );
        assert!(
            m.difference_rows > 10,
            "{name}: the table of differences is empty: {m:?}"
        );
        let (pages, pdf) = print_pages(&browser, dir.path(), &out.join("report.html"));
        assert!(pages > 0, "{name}: no pages counted");
        if name == "example" {
            assert!(pages <= 20, "the example run prints on {pages} A4 pages");
            assert!(
                m.height <= 10 * 768,
                "the example report reads in at most ten screens of 768 px: {m:?}"
            );
        }
        if let Some(first) = page_text(&pdf, 1) {
            assert!(
                first.contains("Summary") && first.contains("Against"),
                "{name}: page 1 carries the summary:\n{first}"
            );
        }
    }
}

#[test]
fn the_same_run_gives_the_same_report_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let a = run("scenarios/sweeps", "3", &tmp.path().join("a"));
    let b = run("scenarios/sweeps", "3", &tmp.path().join("b"));
    for file in [
        "report.html",
        "summary.csv",
        "comparison.csv",
        "iht_places__places=4/summary.json",
        "charts/sweep_iht_places_cost_gbp.svg",
        "charts/sweep_iht_places_cost_gbp.png",
    ] {
        assert!(
            fs::read(a.join(file)).unwrap() == fs::read(b.join(file)).unwrap(),
            "{file} differs between two identical runs"
        );
    }
    let html = fs::read_to_string(a.join("report.html")).unwrap();
    assert!(!html.contains("thread"), "no thread count in the report");
    assert!(!html.contains(" s on "), "no run time in the report");
}
