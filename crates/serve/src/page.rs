//! The page and the parts of it the server redraws: the scenario list, a scenario's controls,
//! and the results (the report's first screen, plus how precise the re-run is). The script and
//! style are compiled in, so the page needs nothing from the network.

use super::controls::{Control, Kind};
use super::workshop::{comparisons, Outcome, Workshop};
use carepath_engine::Period;
use carepath_engine::SUMMARY_KPIS;
use carepath_experiment::results::Methods;
use carepath_report::format::{self, shown};
use carepath_report::publish;
use carepath_report::report::{self, Report};
use std::fmt::Write;

const SCRIPT: &str = include_str!("assets/page.js");
const STYLE: &str = include_str!("assets/page.css");

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The whole page: the scenario list; controls and results are fetched when one is chosen.
pub fn index(w: &Workshop) -> String {
    let mut list = String::new();
    for e in &w.entries {
        let s = &e.scenario;
        let reference = if s.name == w.entries[w.reference].scenario.name {
            " <span class=tag>reference</span>"
        } else {
            ""
        };
        let _ = writeln!(
            list,
            "<li><button type=button data-scenario=\"{0}\" title=\"{1}\">{0}{reference}</button></li>",
            esc(&s.name),
            esc(&s.scenario.description)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>carepath workshop</title>\
         <meta name=viewport content='width=device-width,initial-scale=1'>\
         <style>{}{STYLE}</style></head><body>\n\
         <header><h1>carepath workshop</h1><p class=lead>Choose a scenario, change an input, and the summary \
         re-runs against <b>{}</b> with the same young people ({} replications).</p></header>\n\
         <div class=workshop><aside><ul class=scenarios>{list}</ul>\
         <form id=controls autocomplete=off></form></aside>\
         <main><div id=status class=lead aria-live=polite></div><progress id=progress hidden></progress>\
         <div id=results></div></main></div>\n<script>{SCRIPT}</script></body></html>\n",
        report::STYLE,
        esc(&w.entries[w.reference].scenario.name),
        w.reps
    )
}

/// A scenario's controls: each input with its unit, the value its file gives, and the
/// source that file cites.
pub fn controls(name: &str, description: &str, controls: &[Control]) -> String {
    let mut h = format!(
        "<h2>{}</h2><p class=desc>{}</p>",
        esc(name),
        esc(description)
    );
    h.push_str("<div id=form-error class=err role=alert></div>");
    for c in controls {
        let (kind, step) = match c.kind {
            Kind::Whole => ("number", " step=1 min=0"),
            Kind::Decimal => ("number", " step=any"),
            Kind::Date => ("date", ""),
        };
        let source = if c.source.is_empty() {
            "no source comment".to_string()
        } else {
            c.source.clone()
        };
        let _ = write!(
            h,
            "<div class=control><label>{label} <span class=u>{unit}</span>\
             <input type={kind}{step} name=\"{key}\" data-key=\"{key}\" data-original=\"{value}\" value=\"{value}\"></label>\
             <span class=was>file: {value}</span>\
             <details class=src><summary>{tag}source</summary>{source} <span class=u>({file}:{line})</span></details>\
             <div class=err data-error-for=\"{key}\"></div></div>",
            label = esc(&c.label),
            unit = esc(c.unit),
            key = esc(&c.key),
            value = esc(&c.value),
            tag = if c.assumption { "<span class=tag>assumption</span> " } else { "" },
            source = esc(&source),
            file = esc(&c.file),
            line = c.line,
        );
    }
    h.push_str(
        "<div class=actions><button type=button id=reset>Back to the file's values</button>\
         <label>Save as <input id=save-name placeholder=name pattern='[A-Za-z0-9_-]+'></label>\
         <button type=button id=save>Save as scenario</button>\
         <button type=button id=export>Export report</button><div id=action-result class=lead></div></div>",
    );
    h
}

/// The results of a re-run: the report's first screen for the reference, the file as written
/// and the change, and a line on how precise the change is.
pub fn results(w: &Workshop, o: &Outcome) -> Result<String, String> {
    let runs = o.runs();
    let comparisons = comparisons(&runs);
    let chart = publish::differences_chart(&runs, &runs[0], &comparisons).map_err(|e| e.chain())?;
    let methods = Methods {
        version: env!("CARGO_PKG_VERSION").to_string(),
        replications: o.changed.summary.replications,
        seed: o.changed.summary.seed,
        warmup_days: o.changed.summary.warmup_days,
    };
    let first = report::first_screen(&Report {
        runs: &runs,
        reference: Some(0),
        comparisons: &comparisons,
        differences: chart.as_ref(),
        sweep_charts: &[],
        scenario_charts: &[],
        tornado_charts: &[],
        methods: &methods,
    });
    let mut widths = Vec::new();
    if let Some(c) = comparisons.last() {
        for m in SUMMARY_KPIS {
            let d = c.differences.iter().find(|d| {
                d.key.metric == m && d.key.subject.is_empty() && d.key.period == Period::Overall
            });
            if let Some(d) = d.filter(|d| d.ci_high.is_finite() && d.ci_low.is_finite()) {
                let half = shown(m, &o.changed.summary, (d.ci_high - d.ci_low) / 2.0);
                widths.push(format!(
                    "{} ±{}",
                    m.label().to_lowercase(),
                    format::value(m, half)
                ));
            }
        }
    }
    Ok(format!(
        "<p class=lead id=precision>{} replications of each, re-run in <span id=seconds>{:.2}</span> s \
         on {} threads; half-widths of the 95 % CIs of the change: {}.</p>{first}",
        o.changed.summary.replications,
        o.seconds,
        w.threads(),
        esc(&widths.join("; ")),
    ))
}
