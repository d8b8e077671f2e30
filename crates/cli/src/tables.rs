//! The terminal's tables: the headline KPIs of every scenario, and the paired differences
//! of `compare`, within 100 columns.

use carepath_engine::{Metric, Period, Summary};
use carepath_experiment::results::ScenarioRun;
use carepath_report::format;
use carepath_report::publish::Published;
use std::fmt::Write as _;

/// The KPIs shown in terminal tables (overall period, whole pathway).
const HEADLINE: [Metric; 6] = [
    Metric::Referrals,
    Metric::Admissions,
    Metric::AdmissionsAvoided,
    Metric::OapPlacements,
    Metric::OapBedDays,
    Metric::Cost,
];

/// Words cut into lines of at most `width` characters (breaking after `_` in names, and
/// inside a word only when it is longer than a line).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for w in text.split(' ') {
        let mut piece = String::new();
        for ch in w.chars() {
            piece.push(ch);
            if ch == '_' || piece.chars().count() == width {
                words.push(std::mem::take(&mut piece));
            }
        }
        if !piece.is_empty() {
            words.push(piece);
        }
        if let Some(last) = words.last_mut() {
            last.push(' ');
        }
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for w in words {
        if (line.clone() + w.trim_end()).chars().count() > width && !line.is_empty() {
            lines.push(line.trim_end().to_string());
            line = String::new();
        }
        line.push_str(&w);
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// A value for the terminal: per year for totals, money in £m.
fn term_value(m: Metric, s: &Summary, x: f64) -> String {
    let v = format::shown(m, s, x);
    if m.unit() == "£" {
        if v.is_finite() {
            format!("{:.1}", v / 1e6).replace('-', "−")
        } else {
            "–".into()
        }
    } else {
        format::value(m, v)
    }
}

fn term_label(m: Metric) -> String {
    if m.unit() == "£" {
        format!("{} (£m)", m.label())
    } else {
        m.label().to_string()
    }
}

/// Columns of `width` with headers wrapped over as many lines as they need.
fn header_lines(first: &str, first_width: usize, heads: &[String], width: usize) -> String {
    let wrapped: Vec<Vec<String>> = heads.iter().map(|h| wrap(h, width)).collect();
    let depth = wrapped.iter().map(Vec::len).max().unwrap_or(1).min(3);
    let mut out = String::new();
    for line in 0..depth {
        let lead = if line + 1 == depth { first } else { "" };
        let _ = write!(out, "{lead:<first_width$}");
        for w in &wrapped {
            // Bottom-aligned, so the last line of every header sits on the rule.
            let k = (line + w.len().min(depth)).checked_sub(depth);
            let text = k.and_then(|k| w.get(k)).map_or("", String::as_str);
            let _ = write!(out, " {text:>width$}");
        }
        out.truncate(out.trim_end_matches(' ').len());
        out.push('\n');
    }
    out
}

/// Cuts `s` to `width` characters, ending in `…` when cut.
fn fit(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        s.chars().take(width.saturating_sub(1)).collect::<String>() + "…"
    }
}

/// The headline KPIs of every scenario, within 100 columns: KPIs as rows and scenarios as
/// columns, or scenarios as rows when there are too many to fit across.
pub fn tables(p: &Published) -> String {
    const W: usize = 11;
    let mut out = String::new();
    let Some(first) = p.runs.first() else {
        return out;
    };
    let metrics: Vec<Metric> = HEADLINE
        .iter()
        .copied()
        .filter(|m| {
            p.runs
                .iter()
                .any(|r| r.summary.kpi(*m, "", Period::Overall).is_some())
        })
        .collect();
    let _ = writeln!(
        out,
        "Means of {} replications, a year over {}; money in £m.",
        first.summary.replications,
        period_short(&first.summary)
    );
    let value = |r: &ScenarioRun, m: Metric| {
        r.summary
            .kpi(m, "", Period::Overall)
            .map_or("–".into(), |k| term_value(m, &r.summary, k.estimate.mean))
    };
    const L: usize = 24;
    let heads: Vec<String> = p.runs.iter().map(terminal_name).collect();
    let fits = heads.iter().all(|h| wrap(h, W).len() <= 3);
    if fits && L + p.runs.len() * (W + 1) <= 100 {
        out.push_str(&header_lines("", L, &heads, W));
        for m in metrics {
            let _ = write!(out, "{:<L$}", fit(&term_label(m), L));
            for r in &p.runs {
                let _ = write!(out, " {:>W$}", fit(&value(r, m), W));
            }
            out.push('\n');
        }
    } else {
        let name_w = 100 - metrics.len() * (W + 1);
        let heads: Vec<String> = metrics.iter().map(|m| term_label(*m)).collect();
        out.push_str(&header_lines("scenario", name_w, &heads, W));
        for r in &p.runs {
            let _ = write!(out, "{:<name_w$}", fit(&terminal_name(r), name_w));
            for &m in &metrics {
                let _ = write!(out, " {:>W$}", fit(&value(r, m), W));
            }
            out.push('\n');
        }
    }
    let _ = writeln!(
        out,
        "95 % CIs and every KPI: {}; differences: {}",
        p.out.join("summary.csv").display(),
        p.out.join("comparison.csv").display()
    );
    out
}

/// A scenario's name for a narrow terminal column.
fn terminal_name(r: &ScenarioRun) -> String {
    r.short_name().replace(',', " ")
}

/// "2022/23–2026/27 (5 financial years)"
fn period_short(s: &Summary) -> String {
    let years = format::financial_years(s);
    match (years.first(), years.last()) {
        (Some(a), Some(b)) => format!("{a}–{b} ({} financial years)", years.len()),
        _ => format!("{} days", s.days),
    }
}

/// Paired differences of every whole-pathway KPI, within 100 columns.
pub fn differences(p: &Published) -> String {
    let mut out = String::new();
    for c in &p.comparisons {
        let Some(run) = p.runs.iter().find(|r| r.name == c.scenario) else {
            continue;
        };
        let _ = writeln!(
            out,
            "{} − {} (paired, same seeds; a year for counts and money; £m):",
            run.display_name(),
            c.baseline
        );
        let _ = writeln!(
            out,
            "{:<34} {:>11} {:>11} {:>11}  95 % CI",
            "", "reference", "scenario", "difference"
        );
        for d in c
            .differences
            .iter()
            .filter(|d| d.key.period == Period::Overall && d.key.subject.is_empty())
        {
            let m = d.key.metric;
            let v = |x| term_value(m, &run.summary, x);
            let diff = v(d.diff_mean);
            let diff = if d.diff_mean > 0.0 && !diff.starts_with('0') {
                format!("+{diff}")
            } else {
                diff
            };
            let _ = writeln!(
                out,
                "{:<34} {:>11} {:>11} {:>11}  {} to {}",
                fit(&term_label(m), 34),
                v(d.mean_a),
                v(d.mean_b),
                diff,
                v(d.ci_low),
                v(d.ci_high)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_wrap_into_columns() {
        assert_eq!(
            wrap("workforce_constrained", 11),
            ["workforce_", "constrained"]
        );
        assert_eq!(
            wrap("Out-of-area placements", 11),
            ["Out-of-area", "placements"]
        );
        assert_eq!(wrap("abcdefghijklmno", 11), ["abcdefghijk", "lmno"]);
        assert_eq!(fit("provider_closure", 8), "provide…");
    }
}
