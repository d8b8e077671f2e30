//! `report.html`: one self-contained page for a workshop — no scripts, no fonts or images
//! fetched from anywhere; charts are inline SVG. It opens from disk in any browser.

use crate::charts::{thousands, Chart};
use crate::results::{Comparison, Methods, ScenarioRun};
use carepath_engine::{Estimate, Metric, Period};
use std::fmt::Write;

/// KPIs in the headline table (whole pathway, overall period).
const HEADLINE: [Metric; 10] = [
    Metric::Referrals,
    Metric::Admissions,
    Metric::AdmissionsPer100k,
    Metric::Diverted,
    Metric::AdmissionsAvoided,
    Metric::AvoidableAdmissions,
    Metric::OapPlacements,
    Metric::OapBedDays,
    Metric::BedWaitsOverTarget,
    Metric::Cost,
];

/// KPIs shown per financial year.
const YEARLY: [Metric; 5] = [
    Metric::Admissions,
    Metric::OapPlacements,
    Metric::OapBedDays,
    Metric::Cost,
    Metric::BudgetVariance,
];

const STYLE: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:18px;line-height:1.5;color:#111;max-width:1320px;margin:0 auto;padding:1.5rem}
h1{font-size:2.2rem;margin-bottom:.2rem}h2{font-size:1.6rem;border-bottom:3px solid #0072b2;padding-bottom:.2rem;margin-top:2.5rem}
table{border-collapse:collapse;margin:1rem 0;font-variant-numeric:tabular-nums}
th,td{border:1px solid #bbb;padding:.35rem .6rem;text-align:right;vertical-align:top}
th{background:#eef4fa}td.l,th.l{text-align:left}
tr.sig td{background:#fff4e0}
figure{margin:1.5rem 0;page-break-inside:avoid}figure svg{width:100%;height:auto;border:1px solid #ddd}
figcaption{font-size:1rem;color:#333}
.ci{color:#555;font-size:.9em}nav ul{columns:2}
@media print{body{font-size:12pt}h2{page-break-before:always}}
";

/// HTML-escapes text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A value in its unit: £ with separators, percentages and counts with one decimal.
fn value(x: f64, unit: &str) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    match unit {
        "£" => format!("£{}", thousands(x.round())),
        "%" | "% of days" => format!("{x:.1} %"),
        _ if x.abs() >= 1000.0 => thousands(x.round()),
        _ => format!("{x:.1}"),
    }
}

fn estimate_cell(e: &Estimate, unit: &str) -> String {
    if e.ci_low.is_finite() {
        format!(
            "{}<br><span class=ci>{} to {}</span>",
            value(e.mean, unit),
            value(e.ci_low, unit),
            value(e.ci_high, unit)
        )
    } else {
        value(e.mean, unit)
    }
}

/// The whole report.
pub fn render(
    runs: &[ScenarioRun],
    comparisons: &[Comparison],
    charts: &[Chart],
    methods: &Methods,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>carepath report</title>\
         <meta name=viewport content='width=device-width,initial-scale=1'><style>{STYLE}</style></head><body>\n\
         <h1>carepath: tier 4 pathway scenarios</h1>\
         <p>{} scenario(s), {} replications each. Figures are means across replications with \
         their 95 % confidence interval underneath.</p>\
         <nav><ul><li><a href='#scenarios'>Scenarios</a></li><li><a href='#headline'>Headline results</a></li>\
         <li><a href='#years'>By financial year</a></li><li><a href='#differences'>Differences from the baseline</a></li>\
         <li><a href='#charts'>Charts</a></li><li><a href='#methods'>Methods</a></li></ul></nav>\n",
        runs.len(),
        methods.replications
    );
    scenarios(&mut h, runs);
    headline(&mut h, runs);
    yearly(&mut h, runs);
    differences(&mut h, comparisons);
    h.push_str("<h2 id=charts>Charts</h2>\n");
    for c in charts {
        let _ = writeln!(
            h,
            "<figure>{}<figcaption>{}</figcaption></figure>",
            strip_xml_header(&c.svg),
            esc(&c.title)
        );
    }
    method_section(&mut h, methods);
    h.push_str("</body></html>\n");
    h
}

fn strip_xml_header(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn scenarios(h: &mut String, runs: &[ScenarioRun]) {
    h.push_str("<h2 id=scenarios>Scenarios</h2>\n");
    for r in runs {
        let _ = write!(
            h,
            "<h3>{}</h3><p>{}</p><table>",
            esc(&r.name),
            esc(&r.description)
        );
        for (k, v) in &r.params {
            let _ = write!(
                h,
                "<tr><th class=l>{}</th><td class=l>{}</td></tr>",
                esc(k),
                esc(v)
            );
        }
        h.push_str("</table>\n");
    }
}

fn headline(h: &mut String, runs: &[ScenarioRun]) {
    // One row per KPI and one column per scenario: KPIs are many, scenarios few.
    let shown: Vec<&ScenarioRun> = runs.iter().filter(|r| r.sweep.is_none()).collect();
    h.push_str("<h2 id=headline>Headline results over the reported period</h2>\n<table><tr><th class=l>KPI</th>");
    for r in &shown {
        let _ = write!(h, "<th>{}</th>", esc(&r.name));
    }
    h.push_str("</tr>\n");
    for m in HEADLINE {
        if shown
            .iter()
            .all(|r| r.summary.kpi(m, "", Period::Overall).is_none())
        {
            continue;
        }
        let _ = write!(
            h,
            "<tr><td class=l><b>{}</b> ({})<br><span class=ci>{}</span></td>",
            esc(m.name()),
            esc(m.unit()),
            esc(m.description())
        );
        for r in &shown {
            let cell = r
                .summary
                .kpi(m, "", Period::Overall)
                .map_or("–".to_string(), |k| estimate_cell(&k.estimate, k.unit));
            let _ = write!(h, "<td>{cell}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
}

fn yearly(h: &mut String, runs: &[ScenarioRun]) {
    h.push_str("<h2 id=years>By financial year</h2>\n");
    for r in runs.iter().filter(|r| r.sweep.is_none()) {
        let years: Vec<Period> = r
            .summary
            .periods
            .iter()
            .map(|p| p.period)
            .filter(|p| *p != Period::Overall)
            .collect();
        let _ = write!(
            h,
            "<h3>{}</h3><table><tr><th class=l>KPI</th>",
            esc(&r.name)
        );
        for y in &years {
            let _ = write!(h, "<th>{y}</th>");
        }
        h.push_str("</tr>\n");
        for m in YEARLY {
            if r.summary.kpi(m, "", Period::Overall).is_none() {
                continue;
            }
            let _ = write!(
                h,
                "<tr><td class=l>{} ({})</td>",
                esc(m.name()),
                esc(m.unit())
            );
            for y in &years {
                let cell = r
                    .summary
                    .kpi(m, "", *y)
                    .map_or("–".into(), |k| estimate_cell(&k.estimate, k.unit));
                let _ = write!(h, "<td>{cell}</td>");
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
}

fn differences(h: &mut String, comparisons: &[Comparison]) {
    h.push_str(
        "<h2 id=differences>Differences from the baseline</h2>\n<p>Each scenario minus the baseline, \
         replication by replication: both saw the same referrals (common random numbers), so the \
         paired 95 % CI is much narrower than comparing two independent runs would give (last column). \
         Highlighted rows: the CI excludes zero.</p>\n",
    );
    if comparisons.is_empty() {
        h.push_str("<p>Only one scenario was run.</p>\n");
    }
    for c in comparisons {
        let _ = writeln!(
            h,
            "<h3>{} − {}</h3><table><tr><th class=l>KPI</th><th>Baseline</th><th>Scenario</th>\
             <th>Difference</th><th>Paired 95 % CI</th><th>Unpaired ± (for contrast)</th></tr>",
            esc(&c.scenario),
            esc(&c.baseline)
        );
        let overall = c
            .differences
            .iter()
            .filter(|d| d.key.period == Period::Overall && d.key.subject.is_empty());
        for d in
            overall.filter(|d| HEADLINE.contains(&d.key.metric) || YEARLY.contains(&d.key.metric))
        {
            let sig = d.ci_low > 0.0 || d.ci_high < 0.0;
            let _ = writeln!(
                h,
                "<tr{}><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} to {}</td><td>{}</td></tr>",
                if sig { " class=sig" } else { "" },
                esc(d.key.metric.name()),
                value(d.mean_a, d.unit),
                value(d.mean_b, d.unit),
                value(d.diff_mean, d.unit),
                value(d.ci_low, d.unit),
                value(d.ci_high, d.unit),
                value(d.unpaired_half_width, d.unit)
            );
        }
        h.push_str("</table>\n");
    }
}

fn method_section(h: &mut String, m: &Methods) {
    let _ = write!(
        h,
        "<h2 id=methods>Methods</h2>\n<p>carepath {} is a discrete-event simulation of the tier 4 pathway: \
         referrals arrive as a non-homogeneous Poisson process (growth, seasonality, roadmap changes); \
         gatekeeping declines, diverts to a community alternative or admits; admissions take a compatible \
         local bed, wait up to their urgency's target, or are placed out of area. Closing beds evicts \
         nobody: they close as patients leave.</p>\
         <table><tr><th class=l>Replications per scenario</th><td>{}</td></tr>\
         <tr><th class=l>Warm-up discarded</th><td>{} days</td></tr>\
         <tr><th class=l>Seed</th><td>{}</td></tr>\
         <tr><th class=l>Random numbers</th><td class=l>xoshiro256++ for arrivals; one SplitMix64 stream per \
         patient attribute, keyed by (seed, replication, referral); scenarios with the same seed see the \
         same referrals</td></tr>\
         <tr><th class=l>Run time</th><td>{:.1} s on {} thread(s)</td></tr></table>\
         <h3>How to read the numbers</h3><p>A <b>95 % confidence interval</b> (CI) says how precisely the \
         replications pin down the mean; more replications narrow it. The <b>shaded bands</b> in the charts \
         are different: they hold 90 % of replications (5th to 95th percentile), the spread a planner should \
         expect from one year to the next. Costs are in 2024/25 pounds.</p>\n",
        esc(&m.version),
        m.replications,
        m.warmup_days,
        m.seed,
        m.run_seconds,
        m.threads
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use carepath_engine::{compare, examples, run};

    fn runs() -> (Vec<ScenarioRun>, Vec<Comparison>) {
        let mk = |name: &str, beds| {
            let mut s = examples::erlang_loss(0.5, 60.0, beds, 4);
            s.simulation.years = 2.0;
            ScenarioRun {
                name: name.into(),
                description: "A <test> & more".into(),
                params: vec![("Beds".into(), beds.to_string())],
                sweep: None,
                summary: run(&s.validate().unwrap(), 0..4),
            }
        };
        let runs = vec![mk("baseline", 30), mk("more_beds", 36)];
        let cmp = Comparison {
            baseline: "baseline".into(),
            scenario: "more_beds".into(),
            differences: compare(&runs[0].summary, &runs[1].summary),
        };
        (runs, vec![cmp])
    }

    fn methods() -> Methods {
        Methods {
            version: "0.1.0".into(),
            replications: 4,
            seed: 1,
            warmup_days: 600,
            run_seconds: 0.5,
            threads: 2,
        }
    }

    #[test]
    fn report_is_self_contained_and_complete() {
        let (runs, cmp) = runs();
        let charts = crate::charts::comparison_charts(&runs).unwrap();
        let html = render(&runs, &cmp, &charts, &methods());
        assert!(!html.contains("<script"));
        let external = html.matches("http").count();
        let svg_ns = html.matches("http://www.w3.org/2000/svg").count();
        assert_eq!(external, svg_ns, "only the SVG namespace may be a URL");
        for text in [
            "baseline",
            "more_beds",
            "A &lt;test&gt; &amp; more",
            "Headline results",
            "Differences from the baseline",
            "Methods",
            "<svg",
            "Out-of-area placements",
        ] {
            assert!(html.contains(text), "missing {text}");
        }
        assert!(
            html.contains("class=sig"),
            "six more beds change something significantly"
        );
    }

    /// Opens the report in headless Chromium and checks the screenshot is not blank. Runs
    /// when a Chromium binary is found; with `CAREPATH_REQUIRE_CHROMIUM=1` (as in CI) a missing
    /// browser fails the test.
    #[test]
    fn report_renders_in_headless_chromium() {
        let browser = ["chromium", "chromium-browser", "google-chrome"]
            .into_iter()
            .map(String::from)
            .chain(std::env::var("CHROMIUM"))
            .find(|b| {
                std::process::Command::new(b)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            });
        let Some(browser) = browser else {
            assert!(
                std::env::var_os("CAREPATH_REQUIRE_CHROMIUM").is_none(),
                "no Chromium found"
            );
            eprintln!("no Chromium found: the browser check is skipped");
            return;
        };
        let (runs, cmp) = runs();
        let charts = crate::charts::scenario_charts(&runs[0]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let page = dir.path().join("report.html");
        std::fs::write(&page, render(&runs, &cmp, &charts, &methods())).unwrap();
        let shot = dir.path().join("shot.png");
        let status = std::process::Command::new(browser)
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
                "--window-size=1280,2000",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.path().join("profile").display()
            ))
            .arg(format!("--screenshot={}", shot.display()))
            .arg(format!("file://{}", page.display()))
            .output()
            .unwrap();
        assert!(
            shot.exists(),
            "no screenshot: {}",
            String::from_utf8_lossy(&status.stderr)
        );
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        let pixels = &buf[..info.buffer_size()];
        let distinct = pixels
            .chunks(info.color_type.samples())
            .take(2_000_000)
            .collect::<std::collections::HashSet<_>>()
            .len();
        assert!(
            distinct > 50,
            "the page rendered blank ({distinct} colours)"
        );
        if let Ok(keep) = std::env::var("CAREPATH_SCREENSHOT") {
            std::fs::copy(&shot, keep).unwrap();
        }
    }
}
