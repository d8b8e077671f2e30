//! `results.xlsx`: the run as a planner pastes it into a board paper. The same numbers as
//! `summary.csv` and `comparison.csv`, laid out as the report lays them out (totals per year,
//! money in £m, a 95 % CI beside each mean), with native Excel charts of the headline
//! comparison.
//!
//! Sheets: Summary (every pathway KPI, one column group per scenario), By year (means per
//! financial year), Differences (each scenario minus the reference, with a verdict), Charts
//! (the summary KPIs as bars with CI error bars, and the numbers they draw) and Inputs (every
//! value each scenario file sets, with its source comment).
//!
//! The workbook is byte-identical for the same results: its creation date is fixed (the run
//! time is in `manifest.json`).

use crate::charts::verdict;
use crate::format::{per_year, shown, unit_words};
use carepath_engine::SUMMARY_KPIS;
use carepath_engine::{Direction, Metric, Period, Summary};
use carepath_experiment::results::{Comparison, ScenarioRun};
use rust_xlsxwriter::{
    Chart, ChartAxisLabelPosition, ChartErrorBars, ChartErrorBarsType, ChartFormat, ChartRange,
    ChartSolidFill, ChartType, Color, DocProperties, ExcelDateTime, Format, FormatAlign,
    FormatBorder, Workbook, Worksheet, XlsxError,
};

/// Sheet names, also used in chart ranges.
const SUMMARY: &str = "Summary";
const BY_YEAR: &str = "By year";
const DIFFERENCES: &str = "Differences";
const CHARTS: &str = "Charts";
const INPUTS: &str = "Inputs";

/// Okabe–Ito blue, as in the PNG charts.
const BLUE: u32 = 0x0072B2;
const BETTER: u32 = 0x007A4D;
const WORSE: u32 = 0xB34700;
const MUTED: u32 = 0x5F6B73;

/// The workbook of a run, as bytes. `reference` indexes `runs`.
pub fn workbook(
    runs: &[ScenarioRun],
    reference: Option<usize>,
    comparisons: &[Comparison],
) -> Result<Vec<u8>, crate::Error> {
    build(runs, reference, comparisons).map_err(crate::Error::Workbook)
}

fn build(
    runs: &[ScenarioRun],
    reference: Option<usize>,
    comparisons: &[Comparison],
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    book.set_properties(
        &DocProperties::new()
            .set_title("carepath results")
            .set_creation_datetime(&ExcelDateTime::from_ymd(2000, 1, 1)?),
    );
    let metrics = pathway_metrics(runs);
    let styles = Styles::new();

    summary_sheet(book.add_worksheet(), runs, &metrics, &styles)?;
    by_year_sheet(book.add_worksheet(), runs, &metrics, &styles)?;
    let reference_run = reference.map(|i| &runs[i]);
    differences_sheet(
        book.add_worksheet(),
        runs,
        reference_run,
        comparisons,
        &metrics,
        &styles,
    )?;
    charts_sheet(
        book.add_worksheet(),
        runs,
        reference_run,
        comparisons,
        &styles,
    )?;
    inputs_sheet(book.add_worksheet(), runs, &styles)?;
    book.save_to_buffer()
}

/// Cell formats, made once.
struct Styles {
    title: Format,
    note: Format,
    head: Format,
    head_left: Format,
    /// A scenario's name over its group of columns.
    group: Format,
    label: Format,
    text: Format,
    better: Format,
    worse: Format,
}

impl Styles {
    fn new() -> Styles {
        let head = Format::new()
            .set_bold()
            .set_background_color(Color::RGB(0xEEF3F7))
            .set_border_bottom(FormatBorder::Thin)
            .set_align(FormatAlign::Right)
            .set_text_wrap();
        Styles {
            title: Format::new().set_bold().set_font_size(14),
            note: Format::new().set_font_color(Color::RGB(MUTED)),
            head_left: head.clone().set_align(FormatAlign::Left),
            group: head.clone().set_align(FormatAlign::Center),
            head,
            label: Format::new().set_align(FormatAlign::Left),
            text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            better: Format::new().set_font_color(Color::RGB(BETTER)).set_bold(),
            worse: Format::new().set_font_color(Color::RGB(WORSE)).set_bold(),
        }
    }
}

/// Pounds shown in millions, with a real minus sign.
const MONEY: &str = "£#,##0.0,,\"m\";−£#,##0.0,,\"m\"";

/// Excel number format for a KPI as the report shows it: £m for money, whole numbers for
/// large counts, one decimal for small ones, "%" for percentages.
fn number_format(m: Metric, largest: f64) -> Format {
    let code = match m.unit() {
        "£" => MONEY,
        "%" | "% of days" => "0.0\" %\"",
        _ if largest.abs() >= 100.0 => "#,##0",
        _ => "#,##0.0",
    };
    Format::new().set_num_format(code)
}

/// Metrics any scenario reports for the whole pathway: outcomes (a direction is better)
/// first, then descriptive ones, each in the table order of [`Metric::ALL`].
fn pathway_metrics(runs: &[ScenarioRun]) -> Vec<Metric> {
    let reported: Vec<Metric> = Metric::ALL
        .iter()
        .copied()
        .filter(|&m| {
            runs.iter()
                .any(|r| r.summary.kpi(m, "", Period::Overall).is_some())
        })
        .collect();
    let (mut outcomes, descriptive): (Vec<_>, Vec<_>) = reported
        .into_iter()
        .partition(|m| m.direction() != Direction::Neutral);
    outcomes.extend(descriptive);
    outcomes
}

fn direction_word(m: Metric) -> &'static str {
    match m.direction() {
        Direction::Higher => "higher",
        Direction::Lower => "lower",
        Direction::Neutral => "",
    }
}

/// A KPI as the planner reads it: (mean, CI low, CI high), per year for totals.
fn estimate(m: Metric, s: &Summary, period: Period) -> Option<(f64, f64, f64)> {
    let k = s.kpi(m, "", period)?;
    let f = |x: f64| {
        if period == Period::Overall {
            shown(m, s, x)
        } else {
            x
        }
    };
    Some((
        f(k.estimate.mean),
        f(k.estimate.ci_low),
        f(k.estimate.ci_high),
    ))
}

/// Writes a number, leaving the cell empty for NaN or ±∞ (Excel has no such values).
fn number(ws: &mut Worksheet, row: u32, col: u16, x: f64, f: &Format) -> Result<(), XlsxError> {
    if x.is_finite() {
        ws.write_number_with_format(row, col, x, f)?;
    }
    Ok(())
}

/// The three label columns every KPI table starts with.
fn kpi_columns(ws: &mut Worksheet, row: u32, s: &Styles) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, 0, "KPI", &s.head_left)?;
    ws.write_string_with_format(row, 1, "Unit", &s.head_left)?;
    ws.write_string_with_format(row, 2, "Better", &s.head_left)?;
    ws.write_string_with_format(row, 3, "Key", &s.head_left)?;
    ws.set_column_width(0, 44)?;
    ws.set_column_width(1, 18)?;
    ws.set_column_width(2, 8)?;
    ws.set_column_width(3, 30)?;
    Ok(())
}

fn kpi_label(ws: &mut Worksheet, row: u32, m: Metric, s: &Styles) -> Result<(), XlsxError> {
    ws.write_string_with_format(row, 0, m.label(), &s.label)?;
    ws.write_string(row, 1, unit_words(m))?;
    ws.write_string(row, 2, direction_word(m))?;
    ws.write_string_with_format(row, 3, m.name(), &s.note)?;
    Ok(())
}

fn summary_sheet(
    ws: &mut Worksheet,
    runs: &[ScenarioRun],
    metrics: &[Metric],
    s: &Styles,
) -> Result<(), XlsxError> {
    ws.set_name(SUMMARY)?;
    printed(ws);
    ws.write_string_with_format(
        0,
        0,
        "Every KPI of the whole pathway, by scenario",
        &s.title,
    )?;
    let first = runs.first().map(|r| &r.summary);
    let note = first.map_or(String::new(), |f| {
        format!(
            "Mean over {} replications (seed {}) and its 95 % confidence interval. Totals are per year \
             over the reported period {} to {}; money in 2024/25 pounds, shown in £m.",
            f.replications,
            f.seed,
            f.periods.first().map_or(String::new(), |p| p.first_day.to_string()),
            f.periods.first().map_or(String::new(), |p| p.last_day.to_string()),
        )
    });
    ws.write_string_with_format(1, 0, note, &s.note)?;
    let head = 3;
    kpi_columns(ws, head, s)?;
    for (i, run) in runs.iter().enumerate() {
        let col = 4 + 3 * i as u16;
        ws.merge_range(
            head - 1,
            col,
            head - 1,
            col + 2,
            &run.display_name(),
            &s.group,
        )?;
        ws.write_string_with_format(head, col, "Mean", &s.head)?;
        ws.write_string_with_format(head, col + 1, "95 % CI low", &s.head)?;
        ws.write_string_with_format(head, col + 2, "95 % CI high", &s.head)?;
        ws.set_column_width(col, 11)?;
        ws.set_column_width(col + 1, 11)?;
        ws.set_column_width(col + 2, 11)?;
    }
    for (r, &m) in metrics.iter().enumerate() {
        let row = head + 1 + r as u32;
        kpi_label(ws, row, m, s)?;
        let values: Vec<_> = runs
            .iter()
            .map(|run| estimate(m, &run.summary, Period::Overall))
            .collect();
        let largest = values
            .iter()
            .flatten()
            .map(|v| v.0.abs())
            .fold(0.0, f64::max);
        let f = number_format(m, largest);
        let ci = f.clone().set_font_color(Color::RGB(MUTED));
        for (i, v) in values.iter().enumerate() {
            let col = 4 + 3 * i as u16;
            if let Some((mean, lo, hi)) = *v {
                number(ws, row, col, mean, &f)?;
                number(ws, row, col + 1, lo, &ci)?;
                number(ws, row, col + 2, hi, &ci)?;
            }
        }
    }
    ws.set_freeze_panes(head + 1, 4)?;
    Ok(())
}

fn by_year_sheet(
    ws: &mut Worksheet,
    runs: &[ScenarioRun],
    metrics: &[Metric],
    s: &Styles,
) -> Result<(), XlsxError> {
    ws.set_name(BY_YEAR)?;
    printed(ws);
    ws.write_string_with_format(0, 0, "Means by financial year (April to March)", &s.title)?;
    ws.write_string_with_format(
        1,
        0,
        "Each year's total, or its mean for rates; confidence intervals are in summary.csv.",
        &s.note,
    )?;
    let years: Vec<Period> = runs.first().map_or(Vec::new(), |r| {
        r.summary
            .periods
            .iter()
            .map(|p| p.period)
            .filter(|&p| p != Period::Overall)
            .collect()
    });
    let head = 3;
    ws.write_string_with_format(head, 0, "Scenario", &s.head_left)?;
    ws.write_string_with_format(head, 1, "KPI", &s.head_left)?;
    ws.write_string_with_format(head, 2, "Unit", &s.head_left)?;
    ws.set_column_width(0, 24)?;
    ws.set_column_width(1, 44)?;
    ws.set_column_width(2, 18)?;
    for (j, y) in years.iter().enumerate() {
        let col = 3 + j as u16;
        ws.write_string_with_format(head, col, y.to_string(), &s.head)?;
        ws.set_column_width(col, 11)?;
    }
    let mut row = head + 1;
    for run in runs {
        for &m in metrics {
            let values: Vec<Option<f64>> = years
                .iter()
                .map(|&y| estimate(m, &run.summary, y).map(|e| e.0))
                .collect();
            if values.iter().all(Option::is_none) {
                continue;
            }
            let largest = values.iter().flatten().map(|v| v.abs()).fold(0.0, f64::max);
            let f = number_format(m, largest);
            ws.write_string(row, 0, run.display_name())?;
            ws.write_string(row, 1, m.label())?;
            let unit = if per_year(m) {
                unit_words(m)
            } else {
                m.unit().to_string()
            };
            ws.write_string(row, 2, unit)?;
            for (j, v) in values.iter().enumerate() {
                if let Some(v) = *v {
                    number(ws, row, 3 + j as u16, v, &f)?;
                }
            }
            row += 1;
        }
    }
    ws.autofilter(
        head,
        0,
        row.saturating_sub(1).max(head),
        2 + years.len() as u16,
    )?;
    ws.set_freeze_panes(head + 1, 3)?;
    Ok(())
}

fn differences_sheet(
    ws: &mut Worksheet,
    runs: &[ScenarioRun],
    reference: Option<&ScenarioRun>,
    comparisons: &[Comparison],
    metrics: &[Metric],
    s: &Styles,
) -> Result<(), XlsxError> {
    ws.set_name(DIFFERENCES)?;
    printed(ws);
    let Some(reference) = reference.filter(|_| !comparisons.is_empty()) else {
        ws.write_string_with_format(0, 0, "Differences from the reference", &s.title)?;
        ws.write_string(
            1,
            0,
            "No scenario shares the reference's seed and replications, so there is nothing to compare.",
        )?;
        return Ok(());
    };
    ws.write_string_with_format(
        0,
        0,
        format!(
            "Each scenario minus {}, replication by replication",
            reference.display_name()
        ),
        &s.title,
    )?;
    ws.write_string_with_format(
        1,
        0,
        "Both saw the same young people with the same needs, so the 95 % CI measures the change, not the noise. \
         Verdict: better or worse where the CI excludes zero.",
        &s.note,
    )?;
    let head = 3;
    kpi_columns(ws, head, s)?;
    for (i, c) in comparisons.iter().enumerate() {
        let col = 4 + 4 * i as u16;
        let name = run_named(runs, &c.scenario).map_or(c.scenario.clone(), |r| r.display_name());
        ws.merge_range(head - 1, col, head - 1, col + 3, &name, &s.group)?;
        for (k, h) in ["Difference", "95 % CI low", "95 % CI high", "Verdict"]
            .iter()
            .enumerate()
        {
            ws.write_string_with_format(head, col + k as u16, *h, &s.head)?;
            ws.set_column_width(col + k as u16, 11)?;
        }
    }
    let mut row = head + 1;
    for &m in metrics {
        let cells: Vec<Option<(f64, f64, f64)>> = comparisons
            .iter()
            .map(|c| {
                let run = run_named(runs, &c.scenario)?;
                let d = c.differences.iter().find(|d| {
                    d.key.metric == m && d.key.subject.is_empty() && d.key.period == Period::Overall
                })?;
                (d.n > 0).then(|| {
                    let f = |x| shown(m, &run.summary, x);
                    (f(d.diff_mean), f(d.ci_low), f(d.ci_high))
                })
            })
            .collect();
        if cells.iter().all(Option::is_none) {
            continue;
        }
        kpi_label(ws, row, m, s)?;
        let largest = cells
            .iter()
            .flatten()
            .map(|v| v.0.abs())
            .fold(0.0, f64::max);
        let f = number_format(m, largest);
        let ci = f.clone().set_font_color(Color::RGB(MUTED));
        for (i, cell) in cells.iter().enumerate() {
            let col = 4 + 4 * i as u16;
            let Some((d, lo, hi)) = *cell else { continue };
            number(ws, row, col, d, &f)?;
            number(ws, row, col + 1, lo, &ci)?;
            number(ws, row, col + 2, hi, &ci)?;
            match verdict(m, lo, hi) {
                Some(true) => ws.write_string_with_format(row, col + 3, "better", &s.better)?,
                Some(false) => ws.write_string_with_format(row, col + 3, "worse", &s.worse)?,
                None => {
                    ws.write_string_with_format(row, col + 3, "no clear difference", &s.note)?
                }
            };
        }
        row += 1;
    }
    ws.set_freeze_panes(head + 1, 4)?;
    Ok(())
}

/// Printed landscape, one page wide, as a board paper's appendix.
fn printed(ws: &mut Worksheet) {
    ws.set_landscape();
    ws.set_paper_size(9); // A4
    ws.set_print_fit_to_pages(1, 0);
}

fn run_named<'a>(runs: &'a [ScenarioRun], name: &str) -> Option<&'a ScenarioRun> {
    runs.iter().find(|r| r.name == name)
}

/// One bar chart per summary KPI: each scenario's difference from the reference (or, with
/// nothing to compare, each scenario's level) with its 95 % CI as error bars. The numbers
/// each chart draws sit beside it, so the chart stays editable in Excel.
fn charts_sheet(
    ws: &mut Worksheet,
    runs: &[ScenarioRun],
    reference: Option<&ScenarioRun>,
    comparisons: &[Comparison],
    s: &Styles,
) -> Result<(), XlsxError> {
    ws.set_name(CHARTS)?;
    printed(ws);
    let against = reference.filter(|_| !comparisons.is_empty());
    let title = match against {
        Some(r) => format!("Change against {} a year, with 95 % CI", r.display_name()),
        None => "Each scenario a year, with 95 % CI".into(),
    };
    ws.write_string_with_format(0, 0, &title, &s.title)?;
    ws.set_column_width(0, 24)?;
    for c in 1..=3 {
        ws.set_column_width(c, 12)?;
    }
    let block = 22u32;
    for (k, &m) in SUMMARY_KPIS.iter().enumerate() {
        let rows: Vec<(String, (f64, f64, f64))> = match against {
            Some(_) => comparisons
                .iter()
                .filter_map(|c| {
                    let run = run_named(runs, &c.scenario)?;
                    let d = c.differences.iter().find(|d| {
                        d.key.metric == m
                            && d.key.subject.is_empty()
                            && d.key.period == Period::Overall
                    })?;
                    let f = |x| shown(m, &run.summary, x);
                    Some((
                        run.display_name(),
                        (f(d.diff_mean), f(d.ci_low), f(d.ci_high)),
                    ))
                })
                .collect(),
            None => runs
                .iter()
                .filter_map(|r| Some((r.display_name(), estimate(m, &r.summary, Period::Overall)?)))
                .collect(),
        };
        if rows.is_empty() {
            continue;
        }
        let top = 2 + block * k as u32;
        let unit = unit_words(m);
        let heading = if unit.is_empty() {
            m.label().to_string()
        } else {
            format!("{} ({unit})", m.label())
        };
        ws.write_string_with_format(top, 0, &heading, &s.head_left)?;
        for (c, h) in ["Value", "CI −", "CI +"].iter().enumerate() {
            ws.write_string_with_format(top, 1 + c as u16, *h, &s.head)?;
        }
        let f = number_format(m, rows.iter().map(|r| r.1 .0.abs()).fold(0.0, f64::max));
        for (i, (name, (v, lo, hi))) in rows.iter().enumerate() {
            let row = top + 1 + i as u32;
            ws.write_string(row, 0, name)?;
            number(ws, row, 1, *v, &f)?;
            number(ws, row, 2, (v - lo).max(0.0), &f)?;
            number(ws, row, 3, (hi - v).max(0.0), &f)?;
        }
        let last = top + rows.len() as u32;
        let mut chart = Chart::new(ChartType::Bar);
        let minus = ChartRange::new_from_range(CHARTS, top + 1, 2, last, 2);
        let plus = ChartRange::new_from_range(CHARTS, top + 1, 3, last, 3);
        chart
            .add_series()
            .set_name(heading.as_str())
            .set_categories((CHARTS, top + 1, 0, last, 0))
            .set_values((CHARTS, top + 1, 1, last, 1))
            .set_format(
                ChartFormat::new()
                    .set_solid_fill(ChartSolidFill::new().set_color(Color::RGB(BLUE))),
            )
            .set_x_error_bars(
                ChartErrorBars::new().set_type(ChartErrorBarsType::Custom(plus, minus)),
            );
        chart.title().set_name(&heading);
        chart.legend().set_hidden();
        // Category names at the left edge, clear of bars that point left; the value axis
        // spans every CI (spreadsheet programs scale to the bars alone).
        chart
            .y_axis()
            .set_reverse()
            .set_label_position(ChartAxisLabelPosition::Low);
        let lo = rows.iter().map(|r| r.1 .1).fold(0.0, f64::min);
        let hi = rows.iter().map(|r| r.1 .2).fold(0.0, f64::max);
        let (lo, hi) = nice_span(lo, hi);
        chart.x_axis().set_min(lo).set_max(hi);
        if m.unit() == "£" {
            chart.x_axis().set_num_format(MONEY);
        }
        ws.insert_chart(top, 5, &chart)?;
    }
    Ok(())
}

/// `[lo, hi]` widened to round numbers (1, 2 or 5 times a power of ten) so that the axis
/// ends on a tick.
fn nice_span(lo: f64, hi: f64) -> (f64, f64) {
    let span = hi - lo;
    if !(span.is_finite() && span > 0.0) {
        return (lo.min(0.0), hi.max(0.0) + 1.0);
    }
    let raw = span / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|k| k * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power);
    ((lo / step).floor() * step, (hi / step).ceil() * step)
}

/// Every input each scenario file sets, once per file, with its source comment.
fn inputs_sheet(ws: &mut Worksheet, runs: &[ScenarioRun], s: &Styles) -> Result<(), XlsxError> {
    ws.set_name(INPUTS)?;
    printed(ws);
    ws.write_string_with_format(
        0,
        0,
        "Every input the scenario files set, with its source",
        &s.title,
    )?;
    ws.write_string_with_format(
        1,
        0,
        "ASSUMPTION marks a value with no public figure behind it. A file that extends another sets only what it changes.",
        &s.note,
    )?;
    let head = 3;
    for (c, (h, w)) in [
        ("File", 34.0),
        ("Line", 6.0),
        ("Key", 34.0),
        ("Value", 22.0),
        ("Assumption", 11.0),
        ("Source", 90.0),
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(head, c as u16, *h, &s.head_left)?;
        ws.set_column_width(c as u16, *w)?;
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut row = head + 1;
    for file in runs.iter().flat_map(|r| &r.inputs) {
        if !seen.insert(file.path.clone()) {
            continue;
        }
        for input in &file.inputs {
            ws.write_string(row, 0, &file.path)?;
            ws.write_number(row, 1, input.line as f64)?;
            ws.write_string(row, 2, &input.key)?;
            ws.write_string(row, 3, &input.value)?;
            if input.assumption {
                ws.write_string(row, 4, "ASSUMPTION")?;
            }
            ws.write_string_with_format(row, 5, &input.source, &s.text)?;
            row += 1;
        }
    }
    ws.autofilter(head, 0, row.saturating_sub(1).max(head), 5)?;
    ws.set_freeze_panes(head + 1, 0)?;
    Ok(())
}
