//! Charts for a projector: data in, SVG and PNG out, no file I/O.
//!
//! Every chart is 1280×720 with large type, a title, labelled axes with units and a legend,
//! in the Okabe–Ito colour-blind-safe palette. Text uses the bundled DejaVu Sans, so a fresh
//! machine draws exactly the same picture.

use crate::results::ScenarioRun;
use carepath_engine::{DailySeries, Measure, Metric, OccupancyDistribution, Period, PoolKind};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;
use std::sync::Once;

/// One chart in both formats.
pub struct Chart {
    /// File stem, e.g. `occupancy_gau`.
    pub name: String,
    /// Title (also the report's caption).
    pub title: String,
    pub svg: String,
    pub png: Vec<u8>,
}

const SIZE: (u32, u32) = (1280, 720);
const FONT: &str = "sans-serif";

/// Okabe–Ito: distinguishable with any common colour-vision deficiency.
const PALETTE: [RGBColor; 7] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(240, 228, 66),  // yellow
];

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let regular: &'static [u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
        let bold: &'static [u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");
        // The bundled fonts are valid; a failure would only fall back to missing text.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, regular);
        let _ = plotters::style::register_font(FONT, FontStyle::Bold, bold);
    });
}

/// Something drawable on any backend.
trait Plot {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing a chart failed: {e:?}")
}

/// Draws `plot` as SVG and PNG.
fn render(name: String, title: String, plot: &impl Plot) -> Result<Chart, String> {
    register_fonts();
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        plot.draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut pixels = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        plot.draw(&root)?;
        root.present().map_err(err)?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, SIZE.0, SIZE.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&pixels).map_err(err)?;
    }
    Ok(Chart {
        name,
        title,
        svg,
        png: png_bytes,
    })
}

fn title_style() -> TextStyle<'static> {
    (FONT, 32).into_font().style(FontStyle::Bold).into()
}

/// Finite values only, with a fallback range when there are none.
fn range(values: impl Iterator<Item = f64>, floor_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if floor_zero {
        lo = lo.min(0.0);
    }
    let pad = ((hi - lo) * 0.08).max(0.5);
    (
        if floor_zero && lo >= 0.0 {
            lo
        } else {
            lo - pad
        },
        hi + pad,
    )
}

/// Occupancy or waiting over time: the 5–95 % band across replications, the median, the
/// mean, and the capacity the roadmap sets.
struct Fan<'a> {
    title: String,
    y_label: String,
    dates: &'a [chrono::NaiveDate],
    series: &'a DailySeries,
}

impl Plot for Fan<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let s = self.series;
        let n = self.dates.len().max(1);
        let (_, hi) = range(
            s.p95
                .iter()
                .copied()
                .chain(s.capacity.iter().map(|&c| c as f64)),
            true,
        );
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_style())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(
                (0..n as i32).with_key_points(date_ticks(self.dates)),
                0f64..hi.max(1.0),
            )
            .map_err(err)?;
        let dates = self.dates;
        chart
            .configure_mesh()
            .x_desc("Date")
            .y_desc(&self.y_label)
            .axis_desc_style((FONT, 24))
            .label_style((FONT, 20))
            .x_label_formatter(&|x| {
                dates
                    .get(((*x).max(0) as usize).min(dates.len().saturating_sub(1)))
                    .map_or(String::new(), |d| d.format("%b %Y").to_string())
            })
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        let band: Vec<(i32, f64)> = (0..s.p95.len())
            .map(|i| (i as i32, finite(s.p95[i])))
            .chain((0..s.p5.len()).rev().map(|i| (i as i32, finite(s.p5[i]))))
            .collect();
        let blue = colour(0);
        chart
            .draw_series(std::iter::once(Polygon::new(band, blue.mix(0.25).filled())))
            .map_err(err)?
            .label("5–95 % of replications")
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 8), (x + 24, y + 8)], blue.mix(0.25).filled())
            });
        chart
            .draw_series(LineSeries::new(
                s.p50
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i as i32, finite(*v))),
                blue.stroke_width(3),
            ))
            .map_err(err)?
            .label("Median")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], blue.stroke_width(3))
            });
        let orange = colour(1);
        chart
            .draw_series(LineSeries::new(
                s.mean
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (i as i32, finite(*v))),
                orange.stroke_width(2),
            ))
            .map_err(err)?
            .label("Mean")
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], orange.stroke_width(2))
            });
        if !s.capacity.is_empty() {
            // A step line: capacity holds all day and changes at midnight.
            let steps = s
                .capacity
                .iter()
                .enumerate()
                .flat_map(|(i, &c)| [(i as i32, c as f64), (i as i32 + 1, c as f64)]);
            chart
                .draw_series(LineSeries::new(steps, BLACK.stroke_width(3)))
                .map_err(err)?
                .label("Capacity")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 20))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// Tick positions (day indices) on the first day of financial years (1 April), every
/// year or every few years so that at most 8 are labelled; on the first of each quarter
/// for horizons under two years.
fn date_ticks(dates: &[chrono::NaiveDate]) -> Vec<i32> {
    use chrono::Datelike;
    let firsts = |months: &[u32]| -> Vec<i32> {
        dates
            .iter()
            .enumerate()
            .filter(|(_, d)| d.day() == 1 && months.contains(&d.month()))
            .map(|(i, _)| i as i32)
            .collect()
    };
    let years = firsts(&[4]);
    if years.len() < 2 {
        return firsts(&[1, 4, 7, 10]);
    }
    let every = years.len().div_ceil(8);
    years.into_iter().step_by(every).collect()
}

fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

/// The share of days at each occupancy level, with the 85 % line marked.
struct Levels<'a> {
    title: String,
    dist: &'a OccupancyDistribution,
}

impl Plot for Levels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let d = self.dist;
        let levels = d.pct_of_days.len().max(1) as f64;
        let (_, hi) = range(d.pct_of_days.iter().copied(), true);
        let unit = if d.kind == PoolKind::Ward {
            "beds"
        } else {
            "places"
        };
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_style())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(90)
            .build_cartesian_2d(-0.5f64..levels - 0.5, 0f64..hi.max(1.0))
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(format!("Occupied {unit} at midnight"))
            .y_desc("% of days")
            .axis_desc_style((FONT, 24))
            .label_style((FONT, 20))
            .x_labels((levels as usize).min(25))
            .x_label_formatter(&|x| format!("{x:.0}"))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        let bars = d.pct_of_days.iter().enumerate().map(|(k, &p)| {
            let x = k as f64;
            Rectangle::new([(x - 0.4, 0.0), (x + 0.4, finite(p))], colour(0).filled())
        });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label("% of days")
            .legend(|(x, y)| Rectangle::new([(x, y - 8), (x + 24, y + 8)], colour(0).filled()));
        if d.max_capacity > 0 {
            let alarm = 0.85 * d.max_capacity as f64;
            let vermillion = colour(3);
            chart
                .draw_series(LineSeries::new(
                    [(alarm, 0.0), (alarm, hi.max(1.0))],
                    vermillion.stroke_width(3),
                ))
                .map_err(err)?
                .label("85 % of capacity")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], vermillion.stroke_width(3))
                });
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font((FONT, 20))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .draw()
            .map_err(err)?;
        Ok(())
    }
}

/// One KPI across scenarios: mean with its 95 % CI, one row per scenario.
struct Across {
    title: String,
    x_label: String,
    rows: Vec<(String, f64, f64, f64)>,
}

impl Plot for Across {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (lo, hi) = range(self.rows.iter().flat_map(|r| [r.1, r.2, r.3]), true);
        let n = self.rows.len().max(1);
        let label_width = self
            .rows
            .iter()
            .map(|r| r.0.chars().count())
            .max()
            .unwrap_or(8) as u32
            * 12
            + 30;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_style())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(label_width.min(500))
            .build_cartesian_2d(lo..hi, (0..n - 1).into_segmented())
            .map_err(err)?;
        let rows = &self.rows;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .axis_desc_style((FONT, 24))
            .label_style((FONT, 20))
            .y_labels(n)
            .y_label_formatter(&|y| match y {
                SegmentValue::CenterOf(i) if *i < n => rows[n - 1 - i].0.clone(),
                _ => String::new(),
            })
            .x_label_formatter(&|x| thousands(*x))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (i, (_, mean, ci_low, ci_high)) in self.rows.iter().enumerate() {
            if !mean.is_finite() {
                continue;
            }
            let c = colour(i);
            // The first scenario (the baseline) is drawn at the top.
            let i = n - 1 - i;
            let y = SegmentValue::CenterOf(i);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (lo.max(0.0).min(*mean), SegmentValue::Exact(i)),
                        (*mean, SegmentValue::Exact(i + 1)),
                    ],
                    c.mix(0.35).filled(),
                )))
                .map_err(err)?;
            if ci_low.is_finite() && ci_high.is_finite() {
                chart
                    .draw_series(std::iter::once(ErrorBar::new_horizontal(
                        y,
                        *ci_low,
                        *mean,
                        *ci_high,
                        BLACK.stroke_width(3),
                        16,
                    )))
                    .map_err(err)?;
            }
        }
        Ok(())
    }
}

/// A point of a sweep line: parameter value, mean, CI low, CI high.
type LinePoint = (f64, f64, f64, f64);

/// A KPI against a swept parameter, one line per value of a second parameter.
struct SweepLines {
    title: String,
    x_label: String,
    y_label: String,
    /// (legend, points (x, mean, ci_low, ci_high)).
    lines: Vec<(String, Vec<LinePoint>)>,
}

impl Plot for SweepLines {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let all = || self.lines.iter().flat_map(|l| l.1.iter());
        let (x0, x1) = range(all().map(|p| p.0), false);
        let (y0, y1) = range(all().flat_map(|p| [p.1, p.2, p.3]), true);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_style())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style((FONT, 24))
            .label_style((FONT, 20))
            .y_label_formatter(&|y| thousands(*y))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
        for (i, (legend, points)) in self.lines.iter().enumerate() {
            let c = colour(i);
            let ok: Vec<_> = points.iter().filter(|p| p.1.is_finite()).collect();
            let series = chart
                .draw_series(LineSeries::new(
                    ok.iter().map(|p| (p.0, p.1)),
                    c.stroke_width(3),
                ))
                .map_err(err)?;
            if !legend.is_empty() {
                series.label(legend.clone()).legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], c.stroke_width(3))
                });
            }
            chart
                .draw_series(
                    ok.iter()
                        .filter(|p| p.2.is_finite() && p.3.is_finite())
                        .map(|p| ErrorBar::new_vertical(p.0, p.2, p.1, p.3, c.stroke_width(2), 12)),
                )
                .map_err(err)?;
        }
        if self.lines.iter().any(|l| !l.0.is_empty()) {
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperRight)
                .label_font((FONT, 20))
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK.mix(0.4))
                .draw()
                .map_err(err)?;
        }
        Ok(())
    }
}

/// A KPI over a two-parameter grid, each cell coloured and labelled with its mean.
struct Heatmap {
    title: String,
    x_label: String,
    y_label: String,
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// (x index, y index, mean).
    cells: Vec<(usize, usize, f64)>,
}

impl Plot for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (nx, ny) = (self.xs.len().max(1), self.ys.len().max(1));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, title_style())
            .margin(20)
            .x_label_area_size(60)
            .y_label_area_size(110)
            .build_cartesian_2d((0..nx).into_segmented(), (0..ny).into_segmented())
            .map_err(err)?;
        let (xs, ys) = (&self.xs, &self.ys);
        let label = |v: &[f64], s: &SegmentValue<usize>| match s {
            SegmentValue::CenterOf(i) => v.get(*i).map_or(String::new(), |x| format!("{x}")),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style((FONT, 24))
            .label_style((FONT, 20))
            .x_labels(nx)
            .y_labels(ny)
            .x_label_formatter(&|s| label(xs, s))
            .y_label_formatter(&|s| label(ys, s))
            .disable_mesh()
            .draw()
            .map_err(err)?;
        let (lo, hi) = range(self.cells.iter().map(|c| c.2), false);
        for &(i, j, v) in &self.cells {
            // Light (low) to dark blue (high): a sequential scale that survives greyscale.
            let t = if v.is_finite() {
                ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let fill = RGBColor(
                (240.0 - 232.0 * t) as u8,
                (248.0 - 168.0 * t) as u8,
                (255.0 - 120.0 * t) as u8,
            );
            let text_colour = if t > 0.55 { WHITE } else { BLACK };
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [
                        (SegmentValue::Exact(i), SegmentValue::Exact(j)),
                        (SegmentValue::Exact(i + 1), SegmentValue::Exact(j + 1)),
                    ],
                    fill.filled(),
                )))
                .map_err(err)?;
            let text = if v.is_finite() {
                thousands(v)
            } else {
                "–".into()
            };
            chart
                .draw_series(std::iter::once(Text::new(
                    text,
                    (SegmentValue::CenterOf(i), SegmentValue::CenterOf(j)),
                    (FONT, 20).into_font().color(&text_colour).pos(
                        plotters::style::text_anchor::Pos::new(
                            plotters::style::text_anchor::HPos::Center,
                            plotters::style::text_anchor::VPos::Center,
                        ),
                    ),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// `12,345` for large numbers, one decimal for small ones.
pub fn thousands(x: f64) -> String {
    if !x.is_finite() {
        return "–".into();
    }
    if x.abs() < 100.0 && x.fract() != 0.0 {
        return format!("{x:.1}");
    }
    let s = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if x < 0.0 && s != "0" {
        out.insert(0, '-');
    }
    out
}

/// File-name-safe form of a key.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Per scenario: occupancy over time for each ward and service, out of area and the waiting
/// list, and the distribution of daily occupancy for each ward and service.
pub fn scenario_charts(run: &ScenarioRun) -> Result<Vec<Chart>, String> {
    let s = &run.summary;
    let mut charts = Vec::new();
    for d in &s.daily {
        let (stem, title, y) = match (d.kind, d.measure) {
            (PoolKind::Ward, _) => (
                "occupancy",
                format!("{}: beds occupied", d.label),
                "Occupied beds at midnight",
            ),
            (PoolKind::Service, Measure::Occupied) => (
                "occupancy",
                format!("{}: places in use", d.label),
                "Places in use at midnight",
            ),
            (PoolKind::Service, Measure::Waiting) => {
                ("waiting", d.label.clone(), "Young people waiting")
            }
            (PoolKind::OutOfArea, _) => (
                "occupancy",
                "Placed out of area".to_string(),
                "Young people out of area",
            ),
            (PoolKind::Pathway, _) => (
                "waiting",
                "Waiting for a local bed".to_string(),
                "Young people waiting",
            ),
        };
        let name = format!("{stem}_{}", slug(&d.subject));
        let title = format!("{title} — {}", run.name);
        let fan = Fan {
            title: title.clone(),
            y_label: y.into(),
            dates: &s.dates,
            series: d,
        };
        charts.push(render(name, title, &fan)?);
    }
    for o in &s.occupancy {
        let title = format!("{}: how full, day by day — {}", o.label, run.name);
        charts.push(render(
            format!("levels_{}", slug(&o.subject)),
            title.clone(),
            &Levels { title, dist: o },
        )?);
    }
    Ok(charts)
}

/// The KPIs compared across scenarios.
const ACROSS: [(Metric, &str); 6] = [
    (Metric::Admissions, "Admissions to local beds"),
    (
        Metric::AdmissionsAvoided,
        "Admissions avoided by community care",
    ),
    (Metric::OapPlacements, "Out-of-area placements"),
    (Metric::OapBedDays, "Out-of-area bed-days"),
    (Metric::BedWaitsOverTarget, "Waits for a bed over target"),
    (Metric::Cost, "Total cost"),
];

fn unit_label(m: Metric) -> String {
    match m.unit() {
        "£" => "£ over the reported period".into(),
        u => format!("{u} over the reported period (mean, 95 % CI)"),
    }
}

/// Headline KPIs across scenarios with 95 % CI error bars.
pub fn comparison_charts(runs: &[ScenarioRun]) -> Result<Vec<Chart>, String> {
    ACROSS
        .iter()
        .map(|&(metric, title)| {
            let rows = runs
                .iter()
                .map(|r| {
                    let e = r
                        .summary
                        .kpi(metric, "", Period::Overall)
                        .map(|k| k.estimate);
                    (
                        r.name.clone(),
                        e.map_or(f64::NAN, |e| e.mean),
                        e.map_or(f64::NAN, |e| e.ci_low),
                        e.map_or(f64::NAN, |e| e.ci_high),
                    )
                })
                .collect();
            let title = title.to_string();
            let plot = Across {
                title: title.clone(),
                x_label: unit_label(metric),
                rows,
            };
            render(format!("compare_{}", metric.name()), title, &plot)
        })
        .collect()
}

/// For each swept scenario: headline KPIs against the swept parameter (one line per value of
/// a second one) and, for two-parameter grids, a heatmap.
pub fn sweep_charts(runs: &[ScenarioRun]) -> Result<Vec<Chart>, String> {
    let mut families: Vec<&str> = Vec::new();
    for r in runs {
        if let Some(p) = &r.sweep {
            if !families.contains(&p.family.as_str()) {
                families.push(&p.family);
            }
        }
    }
    let mut charts = Vec::new();
    for family in families {
        let points: Vec<&ScenarioRun> = runs
            .iter()
            .filter(|r| r.sweep.as_ref().is_some_and(|p| p.family == family))
            .collect();
        let Some(first) = points.first().and_then(|r| r.sweep.as_ref()) else {
            continue;
        };
        let x_key = first.params[0].0.clone();
        let y_key = first.params.get(1).map(|p| p.0.clone());
        let value = |r: &ScenarioRun, i: usize| {
            r.sweep
                .as_ref()
                .and_then(|p| p.params.get(i))
                .map_or(f64::NAN, |p| p.1)
        };
        let mut seconds: Vec<f64> = points.iter().map(|r| value(r, 1)).collect();
        seconds.sort_by(f64::total_cmp);
        seconds.dedup_by(|a, b| a == b || (a.is_nan() && b.is_nan()));
        for &(metric, title) in &ACROSS {
            let estimate = |r: &ScenarioRun| {
                r.summary
                    .kpi(metric, "", Period::Overall)
                    .map(|k| k.estimate)
            };
            let lines = seconds
                .iter()
                .map(|&second| {
                    let legend = match &y_key {
                        Some(k) => format!("{k} = {second}"),
                        None => String::new(),
                    };
                    let pts = points
                        .iter()
                        .filter(|r| y_key.is_none() || value(r, 1) == second)
                        .filter_map(|r| {
                            estimate(r).map(|e| (value(r, 0), e.mean, e.ci_low, e.ci_high))
                        })
                        .collect();
                    (legend, pts)
                })
                .collect();
            let t = format!("{title} against {x_key} — {family}");
            let plot = SweepLines {
                title: t.clone(),
                x_label: x_key.clone(),
                y_label: unit_label(metric),
                lines,
            };
            charts.push(render(
                format!("sweep_{}_{}", slug(family), metric.name()),
                t,
                &plot,
            )?);
            if let Some(y_key) = &y_key {
                let mut xs: Vec<f64> = points.iter().map(|r| value(r, 0)).collect();
                xs.sort_by(f64::total_cmp);
                xs.dedup();
                let cells = points
                    .iter()
                    .filter_map(|r| {
                        let i = xs.iter().position(|&x| x == value(r, 0))?;
                        let j = seconds.iter().position(|&y| y == value(r, 1))?;
                        Some((i, j, estimate(r).map_or(f64::NAN, |e| e.mean)))
                    })
                    .collect();
                let t = format!("{title} — {family} (mean over replications)");
                let plot = Heatmap {
                    title: t.clone(),
                    x_label: x_key.clone(),
                    y_label: y_key.clone(),
                    xs,
                    ys: seconds.clone(),
                    cells,
                };
                charts.push(render(
                    format!("heatmap_{}_{}", slug(family), metric.name()),
                    t,
                    &plot,
                )?);
            }
        }
    }
    Ok(charts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::SweepPoint;
    use carepath_engine::{examples, run};

    fn scenario_run(name: &str, beds: u32) -> ScenarioRun {
        let mut s = examples::erlang_loss(0.5, 60.0, beds, 4);
        s.simulation.years = 2.0;
        s.roadmap
            .push(toml::from_str("date = \"2021-04-01\"\nward = \"ward\"\ncapacity = 20").unwrap());
        let summary = run(&s.validate().unwrap(), 0..4);
        ScenarioRun {
            name: name.into(),
            description: String::new(),
            params: vec![],
            sweep: None,
            summary,
        }
    }

    #[test]
    fn occupancy_chart_has_title_axes_legend_and_a_moving_capacity_line() {
        let r = scenario_run("base", 30);
        let charts = scenario_charts(&r).unwrap();
        let fan = charts
            .iter()
            .find(|c| c.name == "occupancy_ward")
            .expect("a ward chart");
        for text in [
            "Ward: beds occupied",
            "Occupied beds at midnight",
            "Date",
            "Capacity",
            "5–95 % of replications",
            "Apr 2020",
        ] {
            assert!(fan.svg.contains(text), "missing `{text}`");
        }
        assert_eq!(&fan.png[..8], b"\x89PNG\r\n\x1a\n");
        let decoder = png::Decoder::new(std::io::Cursor::new(&fan.png));
        let reader = decoder.read_info().unwrap();
        assert_eq!((reader.info().width, reader.info().height), SIZE);
        assert!(charts
            .iter()
            .any(|c| c.name == "levels_ward" && c.svg.contains("85 % of capacity")));
    }

    #[test]
    fn comparison_and_sweep_charts_show_intervals() {
        let runs = vec![scenario_run("thirty", 30), scenario_run("twenty_five", 25)];
        let charts = comparison_charts(&runs).unwrap();
        assert_eq!(charts.len(), ACROSS.len());
        assert!(charts[0].svg.contains("twenty_five"));
        let swept: Vec<ScenarioRun> = [(20.0, 1.0), (30.0, 1.0), (20.0, 2.0), (30.0, 2.0)]
            .iter()
            .map(|&(beds, seed)| {
                let mut r = scenario_run("p", beds as u32);
                r.sweep = Some(SweepPoint {
                    family: "fam".into(),
                    params: vec![("beds".into(), beds), ("seed".into(), seed)],
                });
                r
            })
            .collect();
        let charts = sweep_charts(&swept).unwrap();
        assert!(charts.iter().any(|c| c.name.starts_with("heatmap_fam_")));
        let line = charts
            .iter()
            .find(|c| c.name == "sweep_fam_oap_placements")
            .unwrap();
        assert!(
            line.svg.contains("seed = 2"),
            "one line per value of the second parameter"
        );
    }

    #[test]
    fn undefined_values_do_not_break_charts() {
        let mut r = scenario_run("nan", 30);
        for k in &mut r.summary.kpis {
            k.estimate.mean = f64::NAN;
        }
        for d in &mut r.summary.daily {
            d.p5.iter_mut().for_each(|v| *v = f64::NAN);
        }
        assert!(comparison_charts(&[r.clone()]).is_ok());
        assert!(scenario_charts(&r).is_ok());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1234567.0), "1,234,567");
        assert_eq!(thousands(-2500.0), "-2,500");
        assert_eq!(thousands(12.34), "12.3");
        assert_eq!(thousands(f64::NAN), "–");
    }
}
