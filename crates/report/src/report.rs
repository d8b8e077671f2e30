//! `report.html`: one self-contained page for a workshop, with the decision on the first
//! screen — no scripts, no fonts or images fetched from anywhere; charts are inline SVG.
//!
//! Top to bottom: the summary (sentences, the chart of differences, targets), a sweep's
//! curves, the headline table, differences, financial years and cost, out of area,
//! occupancy (per-ward charts collapsed), precision, assumptions and sources, methods. Nothing in it depends
//! on the machine or the clock, so the same run gives the same bytes.

use crate::charts::{self, Chart};
use crate::format::{self, interval, per_year, shown, signed, unit_words, value};
use carepath_engine::SUMMARY_KPIS;
use carepath_engine::{Difference, Direction, Metric, Period, PoolKind, Summary};
use carepath_experiment::advice;
use carepath_experiment::results::{Comparison, Methods, ScenarioRun};
use std::collections::BTreeSet;
use std::fmt::Write;

pub const STYLE: &str = "
:root{--ink:#1b1b1b;--muted:#555;--rule:#c8d2dc;--head:#eef3f8;--better:#007a5a;--worse:#b34700}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:17px;line-height:1.45;color:var(--ink);max-width:1280px;margin:0 auto;padding:.8rem 1.2rem}
h1{font-size:1.7rem;margin:.2rem 0}h2{font-size:1.35rem;border-bottom:3px solid #0072b2;padding-bottom:.15rem;margin:2rem 0 .6rem}
#summary h2{margin-top:.8rem}
h3{font-size:1.1rem;margin:1.2rem 0 .4rem}
.lead{margin:.2rem 0;color:var(--muted)}nav{font-size:.95rem;margin:.3rem 0 .6rem}nav a{margin-right:.9rem}
ul.findings{margin:.3rem 0;padding-left:1.2rem}ul.findings li{margin:.15rem 0}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums;font-size:.92rem;max-width:100%}
th,td{border:1px solid var(--rule);padding:.15rem .45rem;text-align:right;vertical-align:top;line-height:1.3}
th{background:var(--head);font-weight:600}td.l,th.l{text-align:left}
.ci{color:var(--muted);font-size:.8em;white-space:nowrap}td .ci,th .ci{display:block}th .ci{font-weight:400}table.kpis td .ci{display:inline;margin-left:.3em}
table.kpis td.l{width:29%}table.kpis td{line-height:1.15;padding:.05rem .45rem}
.u{color:var(--muted);font-size:.85em}.dir{color:var(--muted);font-size:.75em}
.better{color:var(--better);font-weight:600}.worse{color:var(--worse);font-weight:600}
.tag{display:inline-block;padding:0 .35rem;border-radius:3px;font-size:.8em;font-weight:600;background:#fde8d7;color:#8a3600}
.met{color:var(--better)}.missed{color:var(--worse)}
figure{margin:.6rem 0;break-inside:avoid}figure svg{width:100%;height:auto;display:block}
figcaption{font-size:.9rem;color:var(--muted)}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(560px,1fr));gap:.8rem}
details{margin:.4rem 0;border:1px solid var(--rule);border-radius:4px;padding:.3rem .6rem}
summary{cursor:pointer;font-weight:600}
.wide{overflow-x:auto}.pair{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,580px),1fr));gap:0 1.5rem}
table.years{font-size:.85rem}table.years .ci{white-space:normal}
dl.defs dt{font-weight:600;margin-top:.3rem}dl.defs dd{margin:0 0 0 1rem}
ul.check{list-style:none;padding-left:0}ul.check li::before{content:'✔ ';color:var(--better)}
@page{size:A4;margin:12mm}
@media print{body{font-size:10pt;max-width:none;padding:0}h2{break-after:avoid;margin-top:1rem}nav{display:none}
table{font-size:8pt;width:100%}th,td{padding:.1rem .2rem}th{overflow-wrap:anywhere}.ci{white-space:normal}
.wide{overflow:visible}table.kpis td.l{min-width:0;width:22%}.grid{grid-template-columns:1fr 1fr}
details{border:none;padding:0}tr,figure{break-inside:avoid}}
";

/// HTML-escapes text.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A scenario name for a column heading: escaped, with break opportunities after `_`, `,`
/// and `=` so that a long name wraps instead of widening the table.
fn heading(name: &str) -> String {
    esc(name)
        .replace('_', "_<wbr>")
        .replace(',', ",<wbr>")
        .replace('=', "=<wbr>")
}

/// Everything the report shows.
pub struct Report<'a> {
    pub runs: &'a [ScenarioRun],
    /// Index of the reference scenario in `runs`.
    pub reference: Option<usize>,
    pub comparisons: &'a [Comparison],
    /// The summary chart of differences.
    pub differences: Option<&'a Chart>,
    /// Sweep curves and heatmaps.
    pub sweep_charts: &'a [Chart],
    /// Each scenario's own charts, by index in `runs`.
    pub scenario_charts: &'a [(usize, Vec<Chart>)],
    /// Per scenario with parameter draws: a tornado chart per summary KPI.
    pub tornado_charts: &'a [(usize, Vec<Chart>)],
    pub methods: &'a Methods,
}

fn strip_xml_header(svg: &str) -> &str {
    match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    }
}

fn figure(h: &mut String, c: &Chart, id: &str) {
    let _ = writeln!(
        h,
        "<figure{} aria-label=\"{}\">{}</figure>",
        if id.is_empty() {
            String::new()
        } else {
            format!(" id={id}")
        },
        esc(&c.title),
        strip_xml_header(&c.svg)
    );
}

/// A KPI's value as shown (per year for totals) with its CI under it.
fn estimate_cell(m: Metric, s: &Summary, subject: &str, period: Period) -> String {
    let Some(k) = s.kpi(m, subject, period) else {
        return "–".into();
    };
    let e = &k.estimate;
    let f = |x| {
        if period == Period::Overall {
            shown(m, s, x)
        } else {
            x
        }
    };
    if e.ci_low.is_finite() && e.ci_high.is_finite() && e.ci_low != e.ci_high {
        format!(
            "{} <span class=ci>{}</span>",
            value(m, f(e.mean)),
            dash_interval(m, f(e.ci_low), f(e.ci_high))
        )
    } else {
        value(m, f(e.mean))
    }
}

/// A CI as `a–b`, or `a to b` when either end is negative (a dash would read as a minus).
fn dash_interval(m: Metric, lo: f64, hi: f64) -> String {
    if lo < 0.0 || hi < 0.0 {
        interval(m, lo, hi)
    } else if lo.is_finite() && hi.is_finite() {
        format!("{}–{}", value(m, lo), value(m, hi))
    } else {
        "–".into()
    }
}

fn direction_words(m: Metric) -> &'static str {
    match m.direction() {
        Direction::Higher => "higher is better",
        Direction::Lower => "lower is better",
        Direction::Neutral => "",
    }
}

/// "five financial years, 2022/23 to 2026/27, after a 1,095-day warm-up"
fn period_words(s: &Summary) -> String {
    let years = format::financial_years(s);
    let n = years.len();
    let count = match n {
        1 => "one financial year".to_string(),
        2 => "two financial years".into(),
        3 => "three financial years".into(),
        4 => "four financial years".into(),
        5 => "five financial years".into(),
        n => format!("{n} financial years"),
    };
    let span = match (years.first(), years.last()) {
        (Some(a), Some(b)) if n > 1 => format!(", {a} to {b}"),
        (Some(a), _) => format!(", {a}"),
        _ => String::new(),
    };
    let warm = if s.warmup_days >= 365 && s.warmup_days % 365 == 0 {
        format!("{}-year", s.warmup_days / 365)
    } else {
        format!("{}-day", s.warmup_days)
    };
    format!("{count}{span}, after a {warm} warm-up")
}

/// The whole report.
pub fn render(r: &Report) -> String {
    let mut h = String::new();
    let reference = r.reference.map(|i| &r.runs[i]);
    let question = r
        .runs
        .iter()
        .find(|x| x.sweep.is_some())
        .map(|x| first_sentence(&x.description))
        .unwrap_or_else(|| match reference {
            Some(b) if r.runs.len() > 1 => format!("How do the options compare with {}?", b.name),
            _ => r
                .runs
                .first()
                .map_or(String::new(), |x| first_sentence(&x.description)),
        });
    let lead = r.runs.first().map_or(String::new(), |x| {
        format!(
            "{}; {} replications of each of {} scenarios, the same young people in each. \
             Counts, bed-days and money are a year (the period's total ÷ its years).",
            capitalise(&period_words(&x.summary)),
            r.methods.replications,
            r.runs.len()
        )
    });
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>carepath: {}</title>\
         <meta name=viewport content='width=device-width,initial-scale=1'><style>{STYLE}</style></head><body>\n\
         <h1>{}</h1><p class=lead>{}</p>\n<nav><a href='#summary'>Summary</a>{}<a href='#headline'>All KPIs</a>\
         <a href='#differences'>Differences</a><a href='#years'>By year and cost</a><a href='#oap'>Out of area</a>\
         <a href='#occupancy'>Occupancy</a><a href='#precision'>Precision</a>\
         <a href='#inputs'>Assumptions and sources</a><a href='#methods'>Methods</a></nav>\n",
        esc(&question),
        esc(&question),
        esc(&lead),
        if r.sweep_charts.is_empty() { "" } else { "<a href='#sweep'>Sweep</a>" }
    );
    summary(&mut h, r);
    // A sweep's curves answer its question: they come straight after the summary.
    sweep(&mut h, r);
    headline(&mut h, r);
    differences(&mut h, r);
    yearly(&mut h, r);
    out_of_area(&mut h, r);
    occupancy(&mut h, r);
    precision(&mut h, r);
    inputs(&mut h, r);
    methods(&mut h, r);
    h.push_str("</body></html>\n");
    // A line never breaks between a minus sign and its number (U+2060 word joiner).
    h.replace('−', "−\u{2060}")
}

/// The report's first screen on its own: the summary (sentences, the chart of differences,
/// targets) and the outcome KPIs of every scenario side by side. The workshop page redraws it
/// after each change, so the page and the report cannot drift apart.
pub fn first_screen(r: &Report) -> String {
    let mut h = String::new();
    summary(&mut h, r);
    let (outcomes, _) = split_metrics(pathway_metrics(r));
    kpi_table(&mut h, r, &outcomes);
    h.replace('−', "−\u{2060}")
}

/// The text up to the first question mark or full stop (without an `S1:`-style code).
fn first_sentence(text: &str) -> String {
    let t = text.trim();
    let t = match t.split_once(": ") {
        Some((code, rest)) if code.len() <= 4 => rest,
        _ => t,
    };
    let end = t.find(['?', '.']).map_or(t.len(), |i| i + 1);
    let mut s = t[..end].to_string();
    if let Some(c) = s.get(..1) {
        s.replace_range(..1, &c.to_uppercase());
    }
    s
}

/// Absolute values of a CI, low to high, for a sentence about the size of a change.
fn abs_interval(m: Metric, lo: f64, hi: f64) -> String {
    let (a, b) = if lo < 0.0 && hi < 0.0 {
        (-hi, -lo)
    } else {
        (lo, hi)
    };
    let f = |x: f64| match m.unit() {
        "£" => format::money(x),
        _ => format::number(x),
    };
    format!("{}–{}", f(a), f(b))
}

/// One phrase about one paired difference, per year; `None` when the CI spans zero.
fn phrase(m: Metric, d: &Difference, s: &Summary) -> Option<String> {
    let f = |x| shown(m, s, x);
    let (mean, lo, hi) = (f(d.diff_mean), f(d.ci_low), f(d.ci_high));
    if !(lo > 0.0 || hi < 0.0) || !mean.is_finite() {
        return None;
    }
    let size = match m.unit() {
        "£" => format::money(mean.abs()),
        _ => format::number(mean.abs()),
    };
    let ci = abs_interval(m, lo, hi);
    let year = if per_year(m) { " a year" } else { "" };
    Some(match (m, mean > 0.0) {
        (Metric::Cost, false) => format!("saves {size}{year} ({ci})"),
        (Metric::Cost, true) => format!("costs {size}{year} more ({ci})"),
        (Metric::AdmissionsAvoided, true) => format!("avoids {size} more admissions{year} ({ci})"),
        (Metric::AdmissionsAvoided, false) => {
            format!("avoids {size} fewer admissions{year} ({ci})")
        }
        (_, up) => format!(
            "{size} {} {}{year} ({ci})",
            if up { "more" } else { "fewer" },
            m.label().to_lowercase()
        ),
    })
}

/// "a, b and c"
fn join_words(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [a] => a.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn run_named<'a>(r: &'a Report, name: &str) -> Option<&'a ScenarioRun> {
    r.runs.iter().find(|x| x.name == name)
}

fn summary(h: &mut String, r: &Report) {
    h.push_str("<section id=summary><h2>Summary</h2>\n");
    let Some(reference) = r.reference.map(|i| &r.runs[i]) else {
        h.push_str("<p>One scenario was run, so there is nothing to compare it with; its figures are below.</p></section>\n");
        return;
    };
    if r.comparisons.is_empty() {
        h.push_str("<p>No other scenario was run with the same seed and replications, so there are no paired differences.</p>\n");
    } else {
        let _ = writeln!(
            h,
            "<p>Against <b>{}</b>, a year, with 95 % confidence intervals in brackets:</p><ul class=findings>",
            esc(&reference.display_name())
        );
        for (c, note) in chosen(r) {
            let Some(run) = run_named(r, &c.scenario) else {
                continue;
            };
            let mut said = Vec::new();
            let mut unclear = Vec::new();
            for m in SUMMARY_KPIS {
                let Some(d) = overall(c, m) else { continue };
                match phrase(m, d, &run.summary) {
                    Some(p) => said.push(p),
                    None => unclear.push(m.label().to_lowercase()),
                }
            }
            let mut text = if said.is_empty() {
                "makes no clear difference to the headline figures".to_string()
            } else {
                join_words(&said)
            };
            if !said.is_empty() && !unclear.is_empty() {
                let _ = write!(text, "; no clear difference in {}", join_words(&unclear));
            }
            let _ = writeln!(
                h,
                "<li><b>{}</b>{note} {}.</li>",
                esc(&run.display_name()),
                esc(&text)
            );
        }
        h.push_str("</ul>\n");
        if r.comparisons.len() > MAX_SENTENCES {
            let _ = writeln!(
                h,
                "<p>All {} comparisons are in the chart below and in the tables further down.</p>",
                r.comparisons.len()
            );
        }
    }
    if let Some(c) = r.differences {
        figure(h, c, "summary-chart");
    }
    uncertain(h, r);
    targets(h, r);
    h.push_str("</section>\n");
}

/// With parameter draws: each headline KPI's mean a year with its 95 % uncertainty interval
/// over the draws and P(better) than the reference, then the tornado charts, collapsed.
fn uncertain(h: &mut String, r: &Report) {
    let runs: Vec<_> = r
        .runs
        .iter()
        .filter_map(|x| x.uncertainty.as_ref().map(|u| (x, u)))
        .collect();
    let Some((_, first)) = runs.first() else {
        return;
    };
    let mut inputs: Vec<String> = Vec::new();
    for key in runs.iter().flat_map(|(_, u)| &u.inputs) {
        let code = format!("<code>{}</code>", esc(key));
        if !inputs.contains(&code) {
            inputs.push(code);
        }
    }
    let _ = writeln!(
        h,
        "<p>With uncertain inputs ({}): {} parameter draws × {} replications. Each cell: the mean a year, then          (grey) its 95 % uncertainty interval, the middle 95 % of the draws' means, and the share of draws in          which the option is better than the reference.</p><table><tr><th class=l>Scenario</th>{}</tr>",
        join_words(&inputs),
        first.draws,
        first.replications,
        SUMMARY_KPIS
            .iter()
            .map(|m| format!("<th>{}</th>", esc(m.label())))
            .collect::<String>()
    );
    for (x, u) in &runs {
        let _ = write!(h, "<tr><td class=l>{}</td>", esc(&x.display_name()));
        for m in SUMMARY_KPIS {
            let Some(i) = x.summary.kpis.iter().position(|k| {
                k.key.metric == m && k.key.subject.is_empty() && k.key.period == Period::Overall
            }) else {
                h.push_str("<td>–</td>");
                continue;
            };
            let f = |v| value(m, shown(m, &x.summary, v));
            let k = &u.kpis[i];
            let p = match &u.p_better {
                Some((_, p)) if p[i].is_finite() => {
                    format!(
                        "<span class=ci>better in {} %</span>",
                        format::number((100.0 * p[i]).round())
                    )
                }
                _ => String::new(),
            };
            let _ = write!(
                h,
                "<td>{}<span class=ci>{} to {}</span>{p}</td>",
                f(x.summary.kpis[i].estimate.mean),
                f(k.ui_low),
                f(k.ui_high)
            );
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</table>\n");
    for (i, cs) in r.tornado_charts {
        let _ = writeln!(
            h,
            "<details><summary>{}: which inputs drive each KPI (tornado charts)</summary><div class=grid>",
            esc(&r.runs[*i].display_name())
        );
        for c in cs {
            figure(h, c, "");
        }
        h.push_str("</div></details>\n");
    }
}

/// At most this many sentences; a longer list (a sweep) is cut to the telling ones.
const MAX_SENTENCES: usize = 5;

/// The comparisons to put into words, with a note on why each was chosen: all of them when
/// they are few; otherwise the lowest-cost one and the last (a sweep's largest point).
fn chosen<'a>(r: &'a Report) -> Vec<(&'a Comparison, &'static str)> {
    if r.comparisons.len() <= MAX_SENTENCES {
        return r.comparisons.iter().map(|c| (c, "")).collect();
    }
    let cost = |c: &Comparison| overall(c, Metric::Cost).map_or(f64::INFINITY, |d| d.mean_b);
    let cheapest = r
        .comparisons
        .iter()
        .enumerate()
        .min_by(|a, b| cost(a.1).total_cmp(&cost(b.1)))
        .map(|(i, _)| i);
    let last = r.comparisons.len() - 1;
    let mut out = Vec::new();
    for (i, c) in r.comparisons.iter().enumerate() {
        if Some(i) == cheapest {
            out.push((c, " (lowest cost)"));
        } else if i == last {
            out.push((c, " (the last one run)"));
        }
    }
    out
}

fn overall(c: &Comparison, m: Metric) -> Option<&Difference> {
    c.differences
        .iter()
        .find(|d| d.key.metric == m && d.key.subject.is_empty() && d.key.period == Period::Overall)
}

/// The target as words: "Out-of-area placements in 2026/27: at most 15".
fn target_words(c: &carepath_scenario::Check, s: &Summary) -> String {
    let mut t = c.metric.label().to_string();
    if !c.subject.is_empty() {
        let label = s
            .labels
            .get(&c.subject)
            .cloned()
            .unwrap_or_else(|| charts::cost_label(&c.subject));
        let _ = write!(t, " ({label})");
    }
    match c.period {
        Period::Overall if per_year(c.metric) => t.push_str(", whole period"),
        Period::Overall => {}
        p => {
            let _ = write!(t, " in {p}");
        }
    }
    let bound = |x: f64| value(c.metric, x);
    match (c.min, c.max) {
        (Some(lo), Some(hi)) => {
            let _ = write!(t, ": {} to {}", bound(lo), bound(hi));
        }
        (Some(lo), None) => {
            let _ = write!(t, ": at least {}", bound(lo));
        }
        (None, Some(hi)) => {
            let _ = write!(t, ": at most {}", bound(hi));
        }
        (None, None) => {}
    }
    t
}

/// Each declared target: the mean and CI, and how often replications meet it, in the
/// language of NHS England's *Making Data Count* (consistently met ≥ 95 %, consistently missed
/// ≤ 5 %, otherwise hit and miss).
fn targets(h: &mut String, r: &Report) {
    let with: Vec<&ScenarioRun> = r.runs.iter().filter(|x| !x.checks.is_empty()).collect();
    if with.is_empty() {
        return;
    }
    h.push_str("<h3 id=targets>Targets</h3><table><tr><th class=l>Scenario</th><th>Targets met</th><th class=l>Not met</th></tr>\n");
    let mut rows = String::new();
    for run in &with {
        let mut missed = Vec::new();
        for c in &run.checks {
            let k = run.summary.kpi(c.metric, &c.subject, c.period);
            let mean = k.map_or(f64::NAN, |k| k.estimate.mean);
            let share = k.map_or(0.0, |k| {
                let n = k.values.iter().filter(|v| !v.is_nan()).count().max(1);
                100.0 * k.values.iter().filter(|v| c.passes(*v)).count() as f64 / n as f64
            });
            let assurance = if share >= 95.0 {
                "consistently met"
            } else if share <= 5.0 {
                "consistently missed"
            } else {
                "hit and miss"
            };
            let met = c.passes(mean);
            if !met {
                missed.push(target_words(c, &run.summary));
            }
            let _ = writeln!(
                rows,
                "<tr><td class=l>{}</td><td class=l>{}</td><td>{}</td><td>{:.0} % — {assurance}</td><td class={}>{}</td></tr>",
                esc(&run.display_name()),
                esc(&target_words(c, &run.summary)),
                k.map_or("–".into(), |k| format!(
                    "{}<span class=ci>{}</span>",
                    value(c.metric, k.estimate.mean),
                    interval(c.metric, k.estimate.ci_low, k.estimate.ci_high)
                )),
                share,
                if met { "met" } else { "missed" },
                if met { "met" } else { "not met" }
            );
        }
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td class={}>{} of {}</td><td class=l>{}</td></tr>",
            esc(&run.display_name()),
            if missed.is_empty() { "met" } else { "missed" },
            run.checks.len() - missed.len(),
            run.checks.len(),
            if missed.is_empty() {
                "–".to_string()
            } else {
                esc(&missed.join("; "))
            }
        );
    }
    let _ = write!(
        h,
        "</table><details><summary>Every target, with how often the replications meet it</summary>\
         <p>Targets are the scenario files' <code>[[check]]</code> tables (and any <code>--check</code>), tested on the \
         mean over the period the target names (whole-period totals, not a year). The share of replications that meet \
         a target reads like NHS England's <i>Making Data Count</i> assurance: consistently met (95 % or more), \
         hit and miss, or consistently missed (5 % or fewer).</p>\
         <table><tr><th class=l>Scenario</th><th class=l>Target</th><th>Mean (95 % CI)</th>\
         <th>Replications meeting it</th><th>Mean</th></tr>\n{rows}</table></details>\n"
    );
}

/// The scenarios in columns, in chunks that fit the page.
fn column_chunks<'a>(r: &Report<'a>) -> Vec<Vec<&'a ScenarioRun>> {
    let all: Vec<&ScenarioRun> = r.runs.iter().collect();
    all.chunks(7).map(<[_]>::to_vec).collect()
}

/// Metrics reported for the whole pathway (subject "") by any scenario, in table order,
/// without those that were zero in every replication of every scenario (listed by
/// [`zero_metrics`] instead: a row of zeros takes a projector line and says one word).
fn pathway_metrics(r: &Report) -> Vec<Metric> {
    reported(r).filter(|&m| !always_zero(r, m)).collect()
}

/// Metrics that were zero in every replication of every scenario that reports them.
fn zero_metrics(r: &Report) -> Vec<Metric> {
    reported(r).filter(|&m| always_zero(r, m)).collect()
}

fn reported<'a>(r: &'a Report) -> impl Iterator<Item = Metric> + 'a {
    Metric::ALL.iter().copied().filter(|m| {
        r.runs
            .iter()
            .any(|x| x.summary.kpi(*m, "", Period::Overall).is_some())
    })
}

fn always_zero(r: &Report, m: Metric) -> bool {
    r.runs.iter().all(|x| {
        x.summary
            .kpi(m, "", Period::Overall)
            .is_none_or(|k| k.values.iter().all(|v| v == 0.0))
    })
}

/// A KPI's row heading: its label, unit and, as an arrow, which way is better.
fn kpi_head(m: Metric) -> String {
    let unit = unit_words(m);
    let arrow = match m.direction() {
        Direction::Higher => " <span class=dir title='higher is better'>▲</span>",
        Direction::Lower => " <span class=dir title='lower is better'>▼</span>",
        Direction::Neutral => "",
    };
    format!(
        "<td class=l title=\"{}\">{}{}{arrow}</td>",
        esc(m.description()),
        esc(m.label()),
        if unit.is_empty() {
            String::new()
        } else {
            format!(" <span class=u>{}</span>", esc(&unit))
        },
    )
}

/// Outcome KPIs (a direction is better) first; descriptive ones (neutral) after, collapsed.
fn split_metrics(all: Vec<Metric>) -> (Vec<Metric>, Vec<Metric>) {
    all.into_iter()
        .partition(|m| m.direction() != Direction::Neutral)
}

fn headline(h: &mut String, r: &Report) {
    h.push_str(
        "<section id=headline><h2>All KPIs</h2><p>Mean over replications and, in grey, its 95 % CI. \
         ▲ higher is better, ▼ lower is better. Definitions are under <a href='#definitions'>Methods</a>.</p>\n",
    );
    let (outcomes, descriptive) = split_metrics(pathway_metrics(r));
    kpi_table(h, r, &outcomes);
    h.push_str("<details><summary>Descriptive KPIs (neither better nor worse): referrals, admissions, length of stay, budget</summary>\n");
    kpi_table(h, r, &descriptive);
    h.push_str("</details>\n");
    let zero = zero_metrics(r);
    if !zero.is_empty() {
        let names: Vec<String> = zero.iter().map(|m| esc(m.label())).collect();
        let _ = writeln!(
            h,
            "<p class=lead>Zero in every replication of every scenario, so not shown here or below: {}.</p>",
            names.join("; ")
        );
    }
    h.push_str("</section>\n");
}

fn kpi_table(h: &mut String, r: &Report, metrics: &[Metric]) {
    for chunk in column_chunks(r) {
        h.push_str("<div class=wide><table class='kpis headline'><tr><th class=l>KPI</th>");
        for x in &chunk {
            let _ = write!(h, "<th>{}</th>", heading(&x.display_name()));
        }
        h.push_str("</tr>\n");
        for &m in metrics {
            h.push_str("<tr>");
            h.push_str(&kpi_head(m));
            for x in &chunk {
                let _ = write!(
                    h,
                    "<td>{}</td>",
                    estimate_cell(m, &x.summary, "", Period::Overall)
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div>\n");
    }
}

fn differences(h: &mut String, r: &Report) {
    h.push_str("<section id=differences><h2>Differences from the reference</h2>\n");
    let Some(reference) = r.reference.map(|i| &r.runs[i]) else {
        h.push_str("<p>One scenario was run: there is nothing to compare.</p></section>\n");
        return;
    };
    if r.comparisons.is_empty() {
        h.push_str(
            "<p>No other scenario shares the reference's seed and replications.</p></section>\n",
        );
        return;
    }
    let _ = writeln!(
        h,
        "<p>Each scenario minus <b>{}</b>, replication by replication. Both saw the same young people with the \
         same needs, so the 95 % CI (in grey) measures the change, not the noise. \
         <span class=better>Green</span>: better, <span class=worse>red</span>: worse, where the CI excludes zero; \
         plain: no clear difference or neither better nor worse.</p>",
        esc(&reference.display_name())
    );
    // A KPI with no pair of values anywhere (a rate with no baseline episodes) has no row.
    let compared = pathway_metrics(r)
        .into_iter()
        .filter(|&m| {
            r.comparisons
                .iter()
                .any(|c| overall(c, m).is_some_and(|d| d.n > 0))
        })
        .collect();
    let (outcomes, descriptive) = split_metrics(compared);
    difference_table(h, r, &outcomes);
    h.push_str("<details><summary>Descriptive KPIs</summary>\n");
    difference_table(h, r, &descriptive);
    h.push_str("</details></section>\n");
}

fn difference_table(h: &mut String, r: &Report, metrics: &[Metric]) {
    for chunk in r.comparisons.chunks(7) {
        h.push_str("<div class=wide><table class='kpis differences'><tr><th class=l>KPI</th>");
        for c in chunk {
            let name = run_named(r, &c.scenario).map_or(c.scenario.clone(), |x| x.display_name());
            let _ = write!(h, "<th>{}</th>", heading(&name));
        }
        h.push_str("</tr>\n");
        for &m in metrics {
            h.push_str("<tr>");
            h.push_str(&kpi_head(m));
            for c in chunk {
                let cell = match (overall(c, m), run_named(r, &c.scenario)) {
                    (Some(d), Some(run)) => {
                        let f = |x| shown(m, &run.summary, x);
                        let class = match charts::verdict(m, d.ci_low, d.ci_high) {
                            Some(true) => " class=better",
                            Some(false) => " class=worse",
                            None => "",
                        };
                        format!(
                            "<td><span{class}>{}</span> <span class=ci>{}</span></td>",
                            signed(m, f(d.diff_mean)),
                            dash_interval(m, f(d.ci_low), f(d.ci_high))
                        )
                    }
                    _ => "<td>–</td>".into(),
                };
                h.push_str(&cell);
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div>\n");
    }
}

/// Financial years of the first scenario.
fn years(r: &Report) -> Vec<Period> {
    r.runs.first().map_or(Vec::new(), |x| {
        x.summary
            .periods
            .iter()
            .map(|p| p.period)
            .filter(|p| *p != Period::Overall)
            .collect()
    })
}

fn yearly(h: &mut String, r: &Report) {
    h.push_str("<section id=years><h2>By financial year, and cost against the budget</h2>\n");
    let years = years(r);
    let shown_runs: Vec<&ScenarioRun> = r.runs.iter().collect();
    h.push_str("<div class=pair>");
    for m in [
        Metric::OapPlacements,
        Metric::OapBedDays,
        Metric::Cost,
        Metric::BudgetVariance,
    ] {
        if !shown_runs
            .iter()
            .any(|x| x.summary.kpi(m, "", Period::Overall).is_some())
        {
            continue;
        }
        let _ = write!(
            h,
            "<div><h3>{}{}</h3>{}<div class=wide><table class=years><tr><th class=l>Scenario</th>",
            esc(m.label()),
            match m.unit() {
                "count" => String::new(),
                u => format!(" ({u})"),
            },
            if m == Metric::BudgetVariance {
                "<p>Spending minus the budget: a minus means under budget.</p>"
            } else {
                ""
            }
        );
        for y in &years {
            let _ = write!(h, "<th>{y}</th>");
        }
        h.push_str("</tr>\n");
        for x in &shown_runs {
            let _ = write!(h, "<tr><td class=l>{}</td>", esc(&x.display_name()));
            for y in &years {
                let _ = write!(h, "<td>{}</td>", estimate_cell(m, &x.summary, "", *y));
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div></div>\n");
    }
    h.push_str("</div>\n");
    let costs: Vec<(&ScenarioRun, &Chart)> = r
        .scenario_charts
        .iter()
        .filter_map(|(i, cs)| {
            Some((
                &r.runs[*i],
                cs.iter().find(|c| c.name.ends_with("cost_by_year"))?,
            ))
        })
        .collect();
    if !costs.is_empty() {
        h.push_str("<details><summary>Cost a year by category against the budget, for each scenario (charts)</summary><div class=grid>\n");
        for (_, c) in &costs {
            figure(h, c, "");
        }
        h.push_str("</div></details>\n");
    }
    h.push_str("</section>\n");
}

fn out_of_area(h: &mut String, r: &Report) {
    h.push_str(
        "<section id=oap><h2>Out of area</h2><p>Young people placed out of area because no local bed was free \
         in the time their urgency allows (by default its access target). Distances are from home.</p><div class=wide><table><tr><th class=l>Scenario</th>",
    );
    let cols = [
        Metric::OapPlacements,
        Metric::OapBedDays,
        Metric::OapMeanDistance,
        Metric::OapOver100Miles,
    ];
    for m in cols {
        let _ = write!(
            h,
            "<th>{}<span class=ci>{}</span></th>",
            esc(m.label()),
            esc(&unit_words(m))
        );
    }
    h.push_str("<th>Share over 100 miles</th></tr>\n");
    for x in r.runs {
        let _ = write!(h, "<tr><td class=l>{}</td>", esc(&x.display_name()));
        for m in cols {
            let _ = write!(
                h,
                "<td>{}</td>",
                estimate_cell(m, &x.summary, "", Period::Overall)
            );
        }
        let mean = |m| {
            x.summary
                .kpi(m, "", Period::Overall)
                .map_or(f64::NAN, |k| k.estimate.mean)
        };
        let share = 100.0 * mean(Metric::OapOver100Miles) / mean(Metric::OapPlacements);
        let _ = writeln!(
            h,
            "<td>{}</td></tr>",
            if share.is_finite() {
                format!("{} %", format::number(share))
            } else {
                "–".into()
            }
        );
    }
    h.push_str("</table></div>\n");
    by_ward(h, r);
    by_subject(
        h,
        r,
        "By locality",
        Metric::ReferralsPer100k,
        &[
            Metric::Referrals,
            Metric::AdmissionsPer100k,
            Metric::BedDaysPer100k,
            Metric::OapPlacements,
            Metric::OapMeanDistance,
            Metric::LocalAdmissionDistance,
            Metric::BedWaitsOverTarget,
        ],
    );
    by_subject(
        h,
        r,
        "Where young people waited for a bed",
        Metric::PlaceWaits,
        &[Metric::PlaceWaits, Metric::PlaceWaitDays],
    );
    h.push_str("</section>\n");
}

/// Transfers between wards and the tiers of out-of-area placements, per ward (or the
/// national pool), collapsed: only for scenarios that have them.
fn by_ward(h: &mut String, r: &Report) {
    let metrics = [
        Metric::Transfers,
        Metric::TransfersAbandoned,
        Metric::DelayedTransferBedDays,
        Metric::OapPlacements,
        Metric::OapBedDays,
        Metric::OapMeanDistance,
        Metric::OapCost,
    ];
    // (metric, subject, its label), in table order and first-seen order of subjects.
    let mut rows: Vec<(Metric, String, String)> = Vec::new();
    for m in metrics {
        for x in r.runs {
            // Localities have their own table (`by_subject`).
            let locality = |subject: &str| {
                x.summary
                    .kpis
                    .iter()
                    .any(|k| k.key.metric == Metric::ReferralsPer100k && k.key.subject == subject)
            };
            for k in x.summary.kpis.iter().filter(|k| {
                k.key.metric == m
                    && !k.key.subject.is_empty()
                    && k.key.period == Period::Overall
                    && !locality(k.key.subject.as_str())
            }) {
                let subject = k.key.subject.as_str();
                if !rows.iter().any(|(rm, rs, _)| *rm == m && rs == subject) {
                    let label = x.summary.labels.get(subject).cloned();
                    let label = label.unwrap_or_else(|| "National pool".into());
                    rows.push((m, subject.to_string(), label));
                }
            }
        }
    }
    if rows.is_empty() {
        return;
    }
    h.push_str(
        "<details><summary>Transfers between wards and out-of-area tiers, by ward (a year)</summary>",
    );
    for chunk in column_chunks(r) {
        h.push_str("<div class=wide><table><tr><th class=l>KPI</th><th class=l>Ward</th>");
        for x in &chunk {
            let _ = write!(h, "<th>{}</th>", heading(&x.display_name()));
        }
        h.push_str("</tr>\n");
        for (m, subject, label) in &rows {
            let _ = write!(h, "<tr>{}<td class=l>{}</td>", kpi_head(*m), esc(label));
            for x in &chunk {
                let cell = estimate_cell(*m, &x.summary, subject, Period::Overall);
                let _ = write!(h, "<td>{cell}</td>");
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table></div>\n");
    }
    h.push_str("</details>\n");
}

/// One collapsed section with, for each scenario that reports `marker` for some subjects
/// (localities, waiting places), a table of those subjects against `cols`.
fn by_subject(h: &mut String, r: &Report, title: &str, marker: Metric, cols: &[Metric]) {
    let mut tables = String::new();
    for x in r.runs {
        let s = &x.summary;
        let subjects: Vec<&str> = s
            .kpis
            .iter()
            .filter(|k| k.key.metric == marker && k.key.period == Period::Overall)
            .map(|k| k.key.subject.as_str())
            .collect();
        if subjects.is_empty() {
            continue;
        }
        let _ = write!(
            tables,
            "<div class=wide><table><tr><th class=l>{}</th>",
            esc(&x.display_name())
        );
        for &m in cols {
            let _ = write!(
                tables,
                "<th>{}<span class=ci>{}</span></th>",
                esc(m.label()),
                esc(&unit_words(m))
            );
        }
        tables.push_str("</tr>\n");
        for subject in subjects {
            let label = s.labels.get(subject).map_or(subject, String::as_str);
            let _ = write!(tables, "<tr><td class=l>{}</td>", esc(label));
            for &m in cols {
                let _ = write!(
                    tables,
                    "<td>{}</td>",
                    estimate_cell(m, s, subject, Period::Overall)
                );
            }
            tables.push_str("</tr>\n");
        }
        tables.push_str("</table></div>\n");
    }
    if !tables.is_empty() {
        let _ = writeln!(
            h,
            "<details><summary>{}</summary>{tables}</details>",
            esc(title)
        );
    }
}

fn occupancy(h: &mut String, r: &Report) {
    h.push_str("<section id=occupancy><h2>Occupancy</h2>\n");
    // Wards and services of any scenario, in first-seen order.
    let mut pools: Vec<(String, String, PoolKind)> = Vec::new();
    for x in r.runs {
        for o in &x.summary.occupancy {
            if !pools.iter().any(|p| p.0 == o.subject) {
                pools.push((o.subject.clone(), o.label.clone(), o.kind));
            }
        }
    }
    if !pools.is_empty() {
        h.push_str(
            "<p>Occupancy (mean occupied ÷ mean available) and, underneath, the share of days at or above \
             85 % of capacity, over the whole period.</p>",
        );
        for chunk in column_chunks(r) {
            h.push_str("<div class=wide><table><tr><th class=l>Ward or service</th>");
            for x in &chunk {
                let _ = write!(h, "<th>{}</th>", heading(&x.display_name()));
            }
            h.push_str("</tr>\n");
            for (subject, label, _) in &pools {
                let _ = write!(h, "<tr><td class=l>{}</td>", esc(label));
                for x in &chunk {
                    let k = |m| {
                        x.summary
                            .kpi(m, subject, Period::Overall)
                            .map(|k| k.estimate.mean)
                    };
                    let cell = match (k(Metric::Occupancy), k(Metric::DaysAbove85)) {
                        (Some(o), Some(d)) if o.is_finite() => format!(
                            "{}<span class=ci>{} of days ≥ 85 %</span>",
                            value(Metric::Occupancy, o),
                            value(Metric::DaysAbove85, d)
                        ),
                        _ => "–".into(),
                    };
                    let _ = write!(h, "<td>{cell}</td>");
                }
                h.push_str("</tr>\n");
            }
            h.push_str("</table></div>\n");
        }
    }
    if !r.scenario_charts.is_empty() {
        h.push_str(
            "<p>Charts for each ward and service: beds in use over time (weekly averages; the daily figures are in \
             each scenario's <code>daily.csv</code>) with the capacity the roadmap sets and, where staffing or disruption \
             can close some of it, the capacity open on average, and how full it was day by day, split wherever the \
             capacity changes. Open a scenario to see them.</p>\n",
        );
    }
    for (i, cs) in r.scenario_charts {
        let x = &r.runs[*i];
        let _ = writeln!(
            h,
            "<details><summary>{}: occupancy and waiting charts</summary><div class=grid>",
            esc(&x.display_name())
        );
        for c in cs.iter().filter(|c| !c.name.ends_with("cost_by_year")) {
            figure(h, c, "");
        }
        h.push_str("</div></details>\n");
    }
    h.push_str("</section>\n");
}

fn sweep(h: &mut String, r: &Report) {
    if r.sweep_charts.is_empty() {
        return;
    }
    h.push_str(
        "<section id=sweep><h2>Sweep</h2><p>Each KPI against the swept parameter: the line joins the means, the \
         shaded band is the 95 % CI of each mean. A declared target is drawn as a dashed line; the first value that \
         meets it and the lowest cost are circled.</p><div class=grid>\n",
    );
    for c in r.sweep_charts {
        figure(h, c, "");
    }
    h.push_str("</div></section>\n");
}

/// Whether the run is long enough: the CI half-width of each headline KPI as a share of its
/// mean and the replications that bring it to ±5 % (see `advice`), then the warm-up each
/// scenario's pools need against the one it used.
fn precision(h: &mut String, r: &Report) {
    let Some(x) = r.reference.map(|i| &r.runs[i]).or(r.runs.first()) else {
        return;
    };
    let _ = writeln!(
        h,
        "<section id=precision><h2>Is this run long enough?</h2><p>For <b>{}</b>: how precisely {} replications pin \
         down each mean. A CI within ±5 % of the mean is usually enough to rank options; the last column is the number \
         of replications after which it stays there (the sequential rule of Hoad, Robinson &amp; Davies 2010), or, marked \
         ≈, an estimate when this run never got there.</p>\
         <table><tr><th class=l>KPI</th><th>Mean</th><th>95 % CI ±</th><th>± % of the mean</th><th>Replications for ±5 %</th></tr>",
        esc(&x.display_name()),
        x.summary.replications
    );
    for (m, p) in advice::precision(&x.summary) {
        let need = match p.needed {
            Some(n) if n.reached => format!("{}", n.replications),
            Some(n) => format!("≈ {}", format::number(f64::from(n.replications))),
            None => "–".into(),
        };
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{need}</td></tr>",
            esc(m.label()),
            value(m, shown(m, &x.summary, p.mean)),
            value(m, shown(m, &x.summary, p.half_width)),
            if p.relative.is_finite() {
                format!("{} %", format::number(100.0 * p.relative))
            } else {
                "–".into()
            }
        );
    }
    h.push_str("</table>\n");
    let warmups: Vec<(&ScenarioRun, &advice::Warmup, &advice::PoolWarmup)> = r
        .runs
        .iter()
        .filter_map(|x| {
            let w = x.warmup.as_ref()?;
            Some((x, w, w.recommended()?))
        })
        .collect();
    if let Some((_, first, _)) = warmups.first() {
        let _ = writeln!(
            h,
            "<details><summary>Warm-up: the days each scenario discards against the days suggested</summary>\
             <p>A pilot of {} replications starts each scenario from empty beds, without its roadmap changes or demand \
             growth; MSER-5 (White 1997) truncates each ward's, service's and out-of-area daily occupancy and each \
             waiting list where the mean of the rest is most precise, leaving out any that holds fewer than one young \
             person on average. A bed queue that no out-of-area trigger bounds needs at least twice its relaxation \
             time (Whitt 1989). The longest sets the suggestion.</p>\
             <table><tr><th class=l>Scenario</th><th>Warm-up used</th><th>Suggested</th><th class=l>Set by</th></tr>",
            first.pilot_replications
        );
        for (x, w, p) in &warmups {
            let _ = writeln!(
                h,
                "<tr><td class=l>{}</td><td>{} days</td><td>{}{} days</td><td class=l>{} ({})</td></tr>",
                esc(&x.display_name()),
                format::number(f64::from(w.used_days)),
                if w.too_short() { "⚠ " } else { "" },
                format::number(f64::from(p.days)),
                esc(&p.label),
                p.rule.name()
            );
        }
        h.push_str("</table></details>\n");
    }
    h.push_str("</section>\n");
}

fn inputs(h: &mut String, r: &Report) {
    h.push_str(
        "<section id=inputs><h2>Assumptions and sources</h2><p>Every input each scenario file sets, with the \
         source its comments give (references are to <code>scenarios/sources.md</code>, which lists each source \
         with its address and a confidence rating: H official, M second-hand or derived, L proxy or our own choice). \
         <span class=tag>ASSUMPTION</span> marks a value with no public figure behind it: these are the inputs to \
         vary. A file that <code>extends</code> another sets only what it changes.</p>\n",
    );
    h.push_str("<table><tr><th class=l>Scenario</th><th class=l>The question it answers</th><th class=l>File</th></tr>\n");
    let mut families = BTreeSet::new();
    for x in r.runs {
        let name = match &x.sweep {
            Some(p) if !families.insert(p.family.clone()) => continue,
            Some(p) => format!("{} (a sweep)", p.family),
            None => x.name.clone(),
        };
        let _ = writeln!(
            h,
            "<tr><td class=l>{}</td><td class=l>{}</td><td class=l><code>{}</code></td></tr>",
            esc(&name),
            esc(&x.description),
            esc(x.inputs.last().map_or("", |f| f.path.as_str()))
        );
    }
    h.push_str("</table>\n");
    let mut shown_files = BTreeSet::new();
    for x in r.runs {
        for f in &x.inputs {
            if !shown_files.insert(f.path.clone()) {
                continue;
            }
            let assumptions = f.inputs.iter().filter(|i| i.assumption).count();
            let _ = writeln!(
                h,
                "<details><summary>{} — {} inputs, {} marked ASSUMPTION</summary><table><tr><th class=l>Input</th>\
                 <th class=l>Value</th><th class=l>Source</th></tr>",
                esc(&f.path),
                f.inputs.len(),
                assumptions
            );
            for i in &f.inputs {
                let _ = writeln!(
                    h,
                    "<tr><td class=l><code>{}</code></td><td class=l>{}</td><td class=l>{}{}</td></tr>",
                    esc(&i.key),
                    esc(&i.value),
                    if i.assumption { "<span class=tag>ASSUMPTION</span> " } else { "" },
                    esc(&i.source)
                );
            }
            h.push_str("</table></details>\n");
        }
    }
    h.push_str("</section>\n");
}

fn methods(h: &mut String, r: &Report) {
    let m = r.methods;
    let _ = write!(
        h,
        "<section id=methods><h2>Methods</h2>\
         <p>carepath {} follows young people through the tier 4 pathway one at a time: a referral arrives, is \
         declined or accepted, may be taken by an alternative to admission (home treatment, a day hospital, a \
         crisis team or house) if it suits and has room (a team without places always has), and otherwise \
         waits for a local bed. Waiting past the urgency's access target \
         counts as a breach; anyone still without a local bed when their urgency's time to place out of area \
         runs out (by default the same target) is placed out of area. Stays, distances, readmissions and delays are drawn from the \
         distributions the scenario files give. Each scenario is run {} times (replications) with seed {}; each \
         replication starts {} days before the reported period so that the wards have filled (warm-up).</p>\
         <p>Every scenario sees the same young people with the same needs in each replication, so a difference \
         between two scenarios is caused by the options, not by chance; its 95 % confidence interval comes from \
         the replication-by-replication differences. A 95 % CI says where the long-run mean lies; the spread \
         from one year to the next is wider. In the occupancy charts the shaded band holds 90 % of replications \
         (5th to 95th percentile) and the line is their median, averaged by week. Costs are in 2024/25 pounds. \
         Run time and machine details are in <code>manifest.json</code>.</p>\
         <h3>Reporting checklist (STRESS-DES)</h3><ul class=check>\
         <li>Objectives: the question each scenario answers (Assumptions and sources).</li>\
         <li>Logic: referral, gatekeeping, community alternative, wait for a bed, out-of-area placement, \
         discharge, step-down and readmission, as above; the code's event loop follows the same steps.</li>\
         <li>Inputs: every value with its source and assumptions flagged (Assumptions and sources).</li>\
         <li>Run settings: {} replications, seed {}, {}-day warm-up, the reported period above.</li>\
         <li>Verification: the test suite checks the model against queueing theory (Erlang B and C occupancy \
         and waits, blocking after a capacity cut), Little's law in every ward, conservation of patients, \
         common random numbers, and that the whole period adds up its financial years.</li>\
         <li>Validation: <code>scenarios/README.md</code> compares the baseline with published figures \
         (admissions per 100,000, out-of-area placements and distances, home-treatment throughput).</li>\
         <li>Implementation: carepath {}, open source; the manifest records the command and a hash of every \
         input file, enough to reproduce this report byte for byte.</li></ul>\
         <details id=definitions><summary>KPI definitions</summary><dl class=defs>",
        esc(&m.version),
        m.replications,
        m.seed,
        m.warmup_days,
        m.replications,
        m.seed,
        m.warmup_days,
        esc(&m.version)
    );
    for metric in Metric::ALL {
        let dir = direction_words(*metric);
        let _ = write!(
            h,
            "<dt>{} <code>{}</code></dt><dd>{} Unit: {}.{}</dd>",
            esc(metric.label()),
            esc(metric.name()),
            esc(metric.description()),
            esc(metric.unit()),
            if dir.is_empty() {
                String::new()
            } else {
                format!(" {}.", capitalise(dir))
            }
        );
    }
    h.push_str("</dl></details></section>\n");
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

#[cfg(test)]
mod tests;
