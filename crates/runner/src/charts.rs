//! Charts for a projector and for slides: data in, SVG and PNG out, no file I/O.
//!
//! Every chart draws its own title, axis labels, ticks and legend (outside the plot) through
//! [`Ink`], which records where each piece of text and each plot went, so tests can check
//! that labels never overlap and that no data is drawn outside a plot. Data are clamped to
//! the axes before drawing, so the SVG and the PNG show the same picture. Text is at least
//! 24 px on a 1280 px canvas (9 pt or more when printed on A4) in the bundled DejaVu Sans, in
//! the Okabe–Ito colour-blind-safe palette.

use crate::format::{self, money, number};
use crate::results::ScenarioRun;
use carepath_engine::{
    DailySeries, Direction, Measure, Metric, OccupancyDistribution, Period, PoolKind, Summary,
};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
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
    /// Where things were drawn (pixels), for tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub layout: Layout,
}

/// A pixel rectangle `[x0, y0, x1, y1]`.
pub type Rect = [i32; 4];

/// Where a chart put its plots, legend and text.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub size: (u32, u32),
    /// Plotting areas: data is drawn only inside these.
    pub plots: Vec<Rect>,
    /// Legends and colour keys (coloured, outside the plots).
    pub keys: Vec<Rect>,
    /// Every piece of text.
    pub labels: Vec<Rect>,
}

const WIDTH: u32 = 1280;
const FONT: &str = "sans-serif";
/// Text sizes: title, everything else.
const TITLE: u32 = 34;
const TEXT: u32 = 28;

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
const BETTER: RGBColor = PALETTE[2];
const WORSE: RGBColor = PALETTE[3];
const UNCLEAR: RGBColor = RGBColor(110, 110, 110);
const GRID: RGBColor = RGBColor(225, 225, 225);
const INK: RGBColor = RGBColor(40, 40, 40);

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// `c` mixed with white, opaque: overlapping shapes of one tint show no seams (an alpha
/// colour darkens where anti-aliased edges overlap).
fn tint(c: RGBColor, a: f64) -> RGBColor {
    let mix = |v: u8| (255.0 - (255.0 - v as f64) * a).round() as u8;
    RGBColor(mix(c.0), mix(c.1), mix(c.2))
}

/// Whole numbers as `8`, others as [`number`].
fn whole(v: f64) -> String {
    if v.fract() == 0.0 {
        number_exact(v)
    } else {
        number(v)
    }
}

/// Money ticks: `£15m` for whole millions, else as [`money`].
fn money_tick(v: f64) -> String {
    if v != 0.0 && (v / 1e6).fract() == 0.0 {
        format!(
            "{}£{}m",
            if v < 0.0 { "−" } else { "" },
            number_exact((v / 1e6).abs())
        )
    } else {
        money(v)
    }
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

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("drawing a chart failed: {e:?}")
}

type Area<DB> = DrawingArea<DB, Shift>;

/// Something drawable on any backend.
trait Plot {
    fn height(&self) -> u32 {
        720
    }
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &mut Ink) -> Result<(), String>;
}

/// Draws text and records where everything went.
#[derive(Default)]
struct Ink {
    layout: Layout,
    /// Drawing on a bitmap (whose thick lines need help: see [`polyline`]).
    raster: bool,
}

impl Ink {
    /// Draws `s` anchored at `at` and returns its box.
    #[allow(clippy::too_many_arguments)]
    fn text<DB: DrawingBackend>(
        &mut self,
        root: &Area<DB>,
        s: &str,
        at: (i32, i32),
        size: u32,
        bold: bool,
        pos: (HPos, VPos),
        colour: RGBColor,
    ) -> Result<Rect, String> {
        let r = self.measure(root, s, at, size, bold, pos)?;
        let font = font(size, bold).color(&colour).pos(Pos::new(pos.0, pos.1));
        root.draw_text(s, &font, at).map_err(err)?;
        self.layout.labels.push(r);
        Ok(r)
    }

    /// The box `s` would take.
    fn measure<DB: DrawingBackend>(
        &self,
        root: &Area<DB>,
        s: &str,
        at: (i32, i32),
        size: u32,
        bold: bool,
        pos: (HPos, VPos),
    ) -> Result<Rect, String> {
        let (w, h) = root.estimate_text_size(s, &font(size, bold)).map_err(err)?;
        let (w, h) = (w as i32, h as i32);
        let x0 = match pos.0 {
            HPos::Left => at.0,
            HPos::Center => at.0 - w / 2,
            HPos::Right => at.0 - w,
        };
        let y0 = match pos.1 {
            VPos::Top => at.1,
            VPos::Center => at.1 - h / 2,
            VPos::Bottom => at.1 - h,
        };
        Ok([x0, y0, x0 + w, y0 + h])
    }

    fn width<DB: DrawingBackend>(&self, root: &Area<DB>, s: &str, size: u32) -> i32 {
        root.estimate_text_size(s, &font(size, false))
            .map_or(s.chars().count() as i32 * size as i32 / 2, |(w, _)| {
                w as i32
            })
    }
}

fn font(size: u32, bold: bool) -> TextStyle<'static> {
    let f = (FONT, size).into_font();
    if bold {
        f.style(FontStyle::Bold).into()
    } else {
        f.into()
    }
}

fn overlaps(a: &Rect, b: &Rect) -> bool {
    a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]
}

/// Draws `plot` as SVG and PNG.
fn render(name: String, title: String, plot: &impl Plot) -> Result<Chart, String> {
    register_fonts();
    let size = (WIDTH, plot.height());
    let mut svg = String::new();
    let mut ink = Ink::default();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        plot.draw(&root, &mut ink)?;
        root.present().map_err(err)?;
    }
    let mut pixels = vec![0u8; (size.0 * size.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let mut raster = Ink {
            raster: true,
            ..Ink::default()
        };
        plot.draw(&root, &mut raster)?;
        root.present().map_err(err)?;
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, size.0, size.1);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(err)?;
        writer.write_image_data(&pixels).map_err(err)?;
    }
    ink.layout.size = size;
    Ok(Chart {
        name,
        title,
        svg,
        png: png_bytes,
        layout: ink.layout,
    })
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Fill(RGBColor, f64),
    Dot(RGBColor),
}

fn swatch<DB: DrawingBackend>(root: &Area<DB>, s: Swatch, x: i32, y: i32) -> Result<(), String> {
    match s {
        Swatch::Line(c, w) => root
            .draw(&PathElement::new(
                vec![(x, y), (x + 36, y)],
                c.stroke_width(w),
            ))
            .map_err(err),
        Swatch::Dashed(c) => {
            for k in 0..3 {
                root.draw(&PathElement::new(
                    vec![(x + k * 13, y), (x + k * 13 + 8, y)],
                    c.stroke_width(3),
                ))
                .map_err(err)?;
            }
            Ok(())
        }
        Swatch::Fill(c, a) => root
            .draw(&Rectangle::new(
                [(x, y - 10), (x + 36, y + 10)],
                c.mix(a).filled(),
            ))
            .map_err(err),
        Swatch::Dot(c) => root
            .draw(&Circle::new((x + 18, y), 8, c.filled()))
            .map_err(err),
    }
}

/// A legend in a column starting at (x, y).
fn legend<DB: DrawingBackend>(
    root: &Area<DB>,
    ink: &mut Ink,
    entries: &[(String, Swatch)],
    x: i32,
    y: i32,
) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut bottom = y;
    let mut right = x;
    for (i, (label, s)) in entries.iter().enumerate() {
        let cy = y + 16 + i as i32 * 36;
        swatch(root, *s, x, cy)?;
        let r = ink.text(
            root,
            label,
            (x + 46, cy),
            TEXT,
            false,
            (HPos::Left, VPos::Center),
            INK,
        )?;
        bottom = bottom.max(r[3]);
        right = right.max(r[2]);
    }
    ink.layout.keys.push([x, y, right, bottom + 4]);
    Ok(())
}

/// A legend in one row across the chart, centred on `y`.
fn legend_row<DB: DrawingBackend>(
    root: &Area<DB>,
    ink: &mut Ink,
    entries: &[(String, Swatch)],
    y: i32,
) -> Result<(), String> {
    let mut x = 24;
    for (label, s) in entries {
        swatch(root, *s, x, y)?;
        let pos = (HPos::Left, VPos::Center);
        let r = ink.text(root, label, (x + 46, y), TEXT, false, pos, INK)?;
        x = r[2] + 30;
    }
    ink.layout.keys.push([24, y - 16, x, y + 16]);
    Ok(())
}

fn legend_width<DB: DrawingBackend>(
    root: &Area<DB>,
    ink: &Ink,
    entries: &[(String, Swatch)],
) -> i32 {
    entries
        .iter()
        .map(|(l, _)| ink.width(root, l, TEXT) + 46)
        .max()
        .unwrap_or(0)
}

/// Tick positions from `lo` to `hi`, at most about `n`, at 1, 2, 2.5 or 5 × 10^k (whole numbers
/// when `whole`).
fn nice_ticks(lo: f64, hi: f64, n: usize, whole: bool) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return vec![lo.max(0.0)];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .filter(|s| !whole || (s.fract() == 0.0 && *s >= 1.0))
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    if whole {
        step = step.max(1.0).round();
    }
    let first = (lo / step).ceil() * step;
    (0..=n * 3)
        .map(|k| first + k as f64 * step)
        .take_while(|v| *v <= hi + 1e-9 * (hi - lo))
        .map(|v| if v.abs() < 1e-9 * step { 0.0 } else { v })
        .collect()
}

/// Limits that hold `values` (finite ones), padded, from zero when `from_zero`.
fn limits(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if from_zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    let pad = ((hi - lo) * 0.06).max(if from_zero { 0.5 } else { 1e-9 });
    let lo = if from_zero && lo >= 0.0 { lo } else { lo - pad };
    (lo, (hi + pad).max(lo + 1.0))
}

fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if v.is_finite() {
        v.clamp(lo, hi)
    } else {
        lo
    }
}

/// The axes of one plot: everything outside the data.
struct Axes<'a> {
    /// Plot box in pixels (left, top, right, bottom).
    plot: Rect,
    x: (f64, f64),
    y: (f64, f64),
    x_ticks: Vec<(f64, String)>,
    y_ticks: Vec<(f64, String)>,
    x_desc: &'a str,
    /// Horizontal grid lines at the y ticks.
    grid: bool,
}

type Cart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Builds the coordinate system over `a.plot` and draws axes, ticks, grid and tick labels.
fn axes<'a, DB: DrawingBackend>(
    root: &'a Area<DB>,
    ink: &mut Ink,
    a: &Axes,
) -> Result<Cart<'a, DB>, String> {
    let [l, t, r, b] = a.plot;
    let (w, h) = root.dim_in_pixel();
    let chart = ChartBuilder::on(root)
        .margin_left(l.max(0) as u32)
        .margin_top(t.max(0) as u32)
        .margin_right((w as i32 - r).max(0) as u32)
        .margin_bottom((h as i32 - b).max(0) as u32)
        .build_cartesian_2d(a.x.0..a.x.1, a.y.0..a.y.1)
        .map_err(err)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    ink.layout.plots.push([xr.start, yr.start, xr.end, yr.end]);
    let px = |x: f64| chart.backend_coord(&(x, a.y.0)).0;
    let py = |y: f64| chart.backend_coord(&(a.x.0, y)).1;
    for (v, label) in &a.y_ticks {
        let y = py(*v);
        if a.grid {
            root.draw(&PathElement::new(
                vec![(xr.start, y), (xr.end - 1, y)],
                GRID.stroke_width(1),
            ))
            .map_err(err)?;
        }
        root.draw(&PathElement::new(
            vec![(xr.start - 6, y), (xr.start, y)],
            INK.stroke_width(1),
        ))
        .map_err(err)?;
        ink.text(
            root,
            label,
            (xr.start - 10, y),
            TEXT,
            false,
            (HPos::Right, VPos::Center),
            INK,
        )?;
    }
    let mut placed: Vec<Rect> = Vec::new();
    for (v, label) in &a.x_ticks {
        let x = px(*v);
        root.draw(&PathElement::new(
            vec![(x, yr.end), (x, yr.end + 6)],
            INK.stroke_width(1),
        ))
        .map_err(err)?;
        if label.is_empty() {
            continue;
        }
        let pos = (HPos::Center, VPos::Top);
        let r = ink.measure(root, label, (x, yr.end + 10), TEXT, false, pos)?;
        if placed
            .iter()
            .any(|p| overlaps(p, &[r[0] - 8, r[1], r[2] + 8, r[3]]))
        {
            continue;
        }
        placed.push(r);
        ink.text(root, label, (x, yr.end + 10), TEXT, false, pos, INK)?;
    }
    if !a.x_desc.is_empty() {
        ink.text(
            root,
            a.x_desc,
            ((xr.start + xr.end) / 2, yr.end + 46),
            TEXT,
            false,
            (HPos::Center, VPos::Top),
            INK,
        )?;
    }
    let frame = if a.y_ticks.is_empty() {
        vec![(xr.start, yr.end), (xr.end, yr.end)]
    } else {
        vec![(xr.start, yr.start), (xr.start, yr.end), (xr.end, yr.end)]
    };
    root.draw(&PathElement::new(frame, INK.stroke_width(2)))
        .map_err(err)?;
    Ok(chart)
}

/// A thick line through `points` with round joins. In SVG, a stroke per segment. On a
/// bitmap, plotters turns a thick polyline into one polygon whose mitred joins shoot far past
/// sharp turns (the spikes that used to cross axes and titles in the PNGs); so there each
/// segment is its own filled quadrilateral, joined by discs.
fn polyline<DB: DrawingBackend>(
    root: &Area<DB>,
    chart: &mut Cart<DB>,
    raster: bool,
    points: &[(f64, f64)],
    c: RGBColor,
    width: u32,
) -> Result<(), String> {
    if raster {
        let px: Vec<(f64, f64)> = points
            .iter()
            .map(|p| {
                let (x, y) = chart.backend_coord(p);
                (x as f64, y as f64)
            })
            .collect();
        let half = width as f64 / 2.0;
        for w in px.windows(2) {
            let (dx, dy) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
            let len = (dx * dx + dy * dy).sqrt();
            if len < 1e-9 {
                continue;
            }
            let (nx, ny) = (-dy / len * half, dx / len * half);
            let at = |p: (f64, f64), s: f64| {
                ((p.0 + nx * s).round() as i32, (p.1 + ny * s).round() as i32)
            };
            root.draw(&Polygon::new(
                vec![at(w[0], -1.0), at(w[1], -1.0), at(w[1], 1.0), at(w[0], 1.0)],
                c.filled(),
            ))
            .map_err(err)?;
        }
    } else {
        chart
            .draw_series(
                points
                    .windows(2)
                    .map(|w| PathElement::new(vec![w[0], w[1]], c.stroke_width(width))),
            )
            .map_err(err)?;
    }
    // Round joins.
    let radius = width as i32 / 2;
    if radius > 0 {
        chart
            .draw_series(points.iter().map(|p| Circle::new(*p, radius, c.filled())))
            .map_err(err)?;
    }
    Ok(())
}

/// The title and, under it, what the y axis measures.
fn heading<DB: DrawingBackend>(
    root: &Area<DB>,
    ink: &mut Ink,
    title: &str,
    y_desc: &str,
) -> Result<(), String> {
    ink.text(
        root,
        title,
        (24, 14),
        TITLE,
        true,
        (HPos::Left, VPos::Top),
        INK,
    )?;
    if !y_desc.is_empty() {
        ink.text(
            root,
            y_desc,
            (24, 64),
            TEXT,
            false,
            (HPos::Left, VPos::Top),
            INK,
        )?;
    }
    Ok(())
}

/// Plot left edge that leaves room for the widest y tick label.
fn left_edge<DB: DrawingBackend>(root: &Area<DB>, ink: &Ink, ticks: &[(f64, String)]) -> i32 {
    24 + 16
        + ticks
            .iter()
            .map(|(_, l)| ink.width(root, l, TEXT))
            .max()
            .unwrap_or(20)
}

fn ticks_with(values: Vec<f64>, f: impl Fn(f64) -> String) -> Vec<(f64, String)> {
    values.into_iter().map(|v| (v, f(v))).collect()
}

/// A roadmap change drawn on a time chart.
#[derive(Debug, Clone)]
pub struct Marker {
    pub date: chrono::NaiveDate,
    pub text: String,
}

/// Occupancy or waiting over time, averaged by week: the 5–95 % band across replications,
/// the median and the mean, with the capacity the roadmap sets on top and its changes marked.
struct Fan<'a> {
    title: String,
    y_desc: String,
    dates: &'a [chrono::NaiveDate],
    series: &'a DailySeries,
    markers: Vec<Marker>,
}

/// Weekly means of a daily series: (first day index of the week, mean).
fn weekly(v: &[f64]) -> Vec<(f64, f64)> {
    v.chunks(7)
        .enumerate()
        .map(|(w, c)| {
            let finite: Vec<f64> = c.iter().copied().filter(|x| x.is_finite()).collect();
            let mean = if finite.is_empty() {
                0.0
            } else {
                finite.iter().sum::<f64>() / finite.len() as f64
            };
            ((w * 7) as f64 + (c.len() as f64) / 2.0, mean)
        })
        .collect()
}

impl Plot for Fan<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &mut Ink) -> Result<(), String> {
        let s = self.series;
        let n = self.dates.len().max(1) as f64;
        let (p5, p50, p95, mean) = (
            weekly(&s.p5),
            weekly(&s.p50),
            weekly(&s.p95),
            weekly(&s.mean),
        );
        let top = p95
            .iter()
            .map(|p| p.1)
            .chain(s.capacity.iter().map(|&c| c as f64))
            .fold(1.0, f64::max);
        let y_ticks = ticks_with(nice_ticks(0.0, top * 1.05, 6, true), whole);
        let y_max = y_ticks.last().map_or(top, |t| t.0).max(top * 1.05);
        let mut entries = vec![
            (
                "5–95 % of replications".to_string(),
                Swatch::Fill(tint(colour(0), 0.3), 1.0),
            ),
            ("Median".to_string(), Swatch::Line(colour(0), 4)),
            ("Mean".to_string(), Swatch::Line(colour(1), 3)),
        ];
        if !s.capacity.is_empty() {
            entries.insert(0, ("Capacity".to_string(), Swatch::Line(BLACK, 4)));
        }
        if !self.markers.is_empty() {
            entries.push(("Roadmap change".to_string(), Swatch::Dashed(UNCLEAR)));
        }
        heading(root, ink, &self.title, &self.y_desc)?;
        let right = WIDTH as i32 - 24 - legend_width(root, ink, &entries);
        let plot = [left_edge(root, ink, &y_ticks), 150, right - 30, 720 - 100];
        let x_ticks = date_ticks(self.dates)
            .into_iter()
            .map(|i| {
                let label = self
                    .dates
                    .get(i)
                    .map_or(String::new(), |d| d.format("%b %Y").to_string());
                (i as f64, label)
            })
            .collect();
        let chart = axes(
            root,
            ink,
            &Axes {
                plot,
                x: (0.0, n),
                y: (0.0, y_max),
                x_ticks,
                y_ticks,
                x_desc: "Weekly averages",
                grid: true,
            },
        )?;
        let c = |v: f64| clamp(v, 0.0, y_max);
        let blue = colour(0);
        let band = p95.windows(2).zip(p5.windows(2)).map(|(hi, lo)| {
            Polygon::new(
                vec![
                    (hi[0].0, c(hi[0].1)),
                    (hi[1].0, c(hi[1].1)),
                    (lo[1].0, c(lo[1].1)),
                    (lo[0].0, c(lo[0].1)),
                ],
                tint(blue, 0.3).filled(),
            )
        });
        let mut chart = chart;
        chart.draw_series(band).map_err(err)?;
        let median: Vec<(f64, f64)> = p50.iter().map(|p| (p.0, c(p.1))).collect();
        polyline(root, &mut chart, ink.raster, &median, blue, 4)?;
        let means: Vec<(f64, f64)> = mean.iter().map(|p| (p.0, c(p.1))).collect();
        polyline(root, &mut chart, ink.raster, &means, colour(1), 3)?;
        self.draw_markers(root, ink, &chart)?;
        if !s.capacity.is_empty() {
            // A step line that holds all day and changes at midnight, drawn last (on top).
            let mut steps = vec![(0.0, c(s.capacity[0] as f64))];
            for (i, w) in s.capacity.windows(2).enumerate() {
                if w[0] != w[1] {
                    steps.push(((i + 1) as f64, c(w[0] as f64)));
                    steps.push(((i + 1) as f64, c(w[1] as f64)));
                }
            }
            steps.push((n, c(*s.capacity.last().unwrap_or(&0) as f64)));
            polyline(root, &mut chart, ink.raster, &steps, BLACK, 4)?;
        }
        legend(root, ink, &entries, right, plot[1])?;
        Ok(())
    }
}

impl Fan<'_> {
    /// Dashed lines at roadmap changes, each labelled above the plot in the first of two rows
    /// where it overlaps nothing (a label that fits nowhere is left out; the line stays).
    fn draw_markers<DB: DrawingBackend>(
        &self,
        root: &Area<DB>,
        ink: &mut Ink,
        chart: &Cart<DB>,
    ) -> Result<(), String> {
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let mut placed: Vec<Rect> = Vec::new();
        let mut by_day: Vec<(usize, Vec<&str>)> = Vec::new();
        for m in &self.markers {
            let Some(i) = self.dates.iter().position(|d| *d >= m.date) else {
                continue;
            };
            match by_day.iter_mut().find(|(d, _)| *d == i) {
                Some((_, texts)) => texts.push(&m.text),
                None => by_day.push((i, vec![&m.text])),
            }
        }
        for (i, texts) in by_day {
            let x = chart.backend_coord(&(i as f64, 0.0)).0;
            let mut y = yr.start - 46;
            while y < yr.end {
                root.draw(&PathElement::new(
                    vec![(x, y), (x, (y + 8).min(yr.end))],
                    UNCLEAR.stroke_width(2),
                ))
                .map_err(err)?;
                y += 14;
            }
            // Right of the line if it fits, else left of it, else cut to the wider side.
            let full = texts.join("; ");
            let room = (xr.end - 4 - (x + 6)).max(x - 6 - xr.start);
            let mut text = full.clone();
            while ink.width(root, &text, TEXT) > room && text.chars().count() > 2 {
                let cut: String = text.chars().take(text.chars().count() - 2).collect();
                text = format!("{}…", cut.trim_end_matches('…').trim_end());
            }
            for row in 0..2 {
                let at_y = yr.start - 54 + row * 28;
                let mut r = ink.measure(
                    root,
                    &text,
                    (x + 6, at_y),
                    TEXT,
                    false,
                    (HPos::Left, VPos::Top),
                )?;
                let mut at = (x + 6, at_y, HPos::Left);
                if r[2] > xr.end - 4 {
                    r = ink.measure(
                        root,
                        &text,
                        (x - 6, at_y),
                        TEXT,
                        false,
                        (HPos::Right, VPos::Top),
                    )?;
                    at = (x - 6, at_y, HPos::Right);
                }
                if r[0] < xr.start || placed.iter().any(|p| overlaps(p, &r)) {
                    continue;
                }
                root.draw(&Rectangle::new(
                    [(r[0] - 3, r[1] - 1), (r[2] + 3, r[3] + 1)],
                    WHITE.filled(),
                ))
                .map_err(err)?;
                ink.text(
                    root,
                    &text,
                    (at.0, at.1),
                    TEXT,
                    false,
                    (at.2, VPos::Top),
                    INK,
                )?;
                placed.push(r);
                break;
            }
        }
        Ok(())
    }
}

/// Tick positions (day indices) on 1 April of each financial year, every year or every few
/// years so that at most 6 are labelled; on the first of each quarter for short horizons.
fn date_ticks(dates: &[chrono::NaiveDate]) -> Vec<usize> {
    use chrono::Datelike;
    let firsts = |months: &[u32]| -> Vec<usize> {
        dates
            .iter()
            .enumerate()
            .filter(|(_, d)| d.day() == 1 && months.contains(&d.month()))
            .map(|(i, _)| i)
            .collect()
    };
    let years = firsts(&[4]);
    if years.len() < 2 {
        return firsts(&[1, 4, 7, 10]);
    }
    let every = years.len().div_ceil(6);
    years.into_iter().step_by(every).collect()
}

/// How full a ward or service was: for each stretch of days with one capacity, the share of
/// days at each occupancy level, the 85 % line at 85 % of that capacity, and the cumulative
/// share of days at or above each level.
struct Levels<'a> {
    title: String,
    dist: &'a OccupancyDistribution,
}

/// Stretches shown: those of four weeks or more (ramps step a bed at a time), at most four.
fn shown_segments(d: &OccupancyDistribution) -> Vec<&carepath_engine::OccupancySegment> {
    let mut long: Vec<_> = d
        .segments
        .iter()
        .filter(|g| (g.last_day - g.first_day).num_days() >= 27 && g.capacity > 0)
        .collect();
    if long.len() > 4 {
        long.sort_by_key(|g| std::cmp::Reverse((g.last_day - g.first_day).num_days()));
        long.truncate(4);
        long.sort_by_key(|g| g.first_day);
    }
    long
}

impl Plot for Levels<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &mut Ink) -> Result<(), String> {
        let unit = if self.dist.kind == PoolKind::Ward {
            "beds"
        } else {
            "places"
        };
        let segments = shown_segments(self.dist);
        heading(root, ink, &self.title, "% of days")?;
        let entries = vec![
            (
                "% of days at this level".to_string(),
                Swatch::Fill(colour(0), 0.8),
            ),
            (
                "% of days at or above (right axis)".to_string(),
                Swatch::Line(colour(1), 3),
            ),
            ("85 % of capacity".to_string(), Swatch::Dashed(WORSE)),
        ];
        legend_row(root, ink, &entries, 112)?;
        if segments.is_empty() {
            ink.text(
                root,
                "Never open in the reported period",
                (640, 360),
                TEXT,
                false,
                (HPos::Center, VPos::Center),
                INK,
            )?;
            return Ok(());
        }
        let n = segments.len() as i32;
        let panel_w = (WIDTH as i32 - 24) / n;
        for (k, g) in segments.iter().enumerate() {
            let x0 = 24 + k as i32 * panel_w;
            let highest = g.pct_of_days.iter().rposition(|p| *p > 0.0).unwrap_or(0);
            let levels = (highest.max(g.capacity as usize) + 1) as f64;
            let top = g.pct_of_days.iter().copied().fold(1.0, f64::max);
            let y_ticks = ticks_with(nice_ticks(0.0, top * 1.05, 5, false), |v| format!("{v:.0}"));
            let y_max = y_ticks.last().map_or(top, |t| t.0).max(top * 1.05);
            let every = ((levels / (panel_w as f64 / 48.0)).ceil() as usize).max(1);
            let every = [1, 2, 5, 10, 20, 50]
                .into_iter()
                .find(|s| *s >= every)
                .unwrap_or(every);
            let x_ticks = (0..levels as usize)
                .step_by(every)
                .map(|v| (v as f64, v.to_string()))
                .collect();
            let left = x0 + 16 + ink.width(root, "100", TEXT) + 16;
            let right = x0 + panel_w - 16 - ink.width(root, "100 %", TEXT) - 12;
            ink.text(
                root,
                &format!(
                    "{} – {}: {} {unit}",
                    g.first_day.format("%b %Y"),
                    g.last_day.format("%b %Y"),
                    g.capacity
                ),
                ((left + right) / 2, 150),
                TEXT,
                true,
                (HPos::Center, VPos::Top),
                INK,
            )?;
            let mut chart = axes(
                root,
                ink,
                &Axes {
                    plot: [left, 196, right, 720 - 100],
                    x: (-0.6, levels - 0.4),
                    y: (0.0, y_max),
                    x_ticks,
                    y_ticks,
                    x_desc: &format!("{unit} occupied at midnight"),
                    grid: true,
                },
            )?;
            chart
                .draw_series(g.pct_of_days.iter().take(levels as usize).enumerate().map(
                    |(lvl, &p)| {
                        let x = lvl as f64;
                        Rectangle::new(
                            [(x - 0.4, 0.0), (x + 0.4, clamp(p, 0.0, y_max))],
                            colour(0).mix(0.8).filled(),
                        )
                    },
                ))
                .map_err(err)?;
            // Cumulative share at or above each level, on a 0–100 % right axis.
            let scale = y_max / 100.0;
            let mut at_or_above = 100.0;
            let cum: Vec<(f64, f64)> = g
                .pct_of_days
                .iter()
                .take(levels as usize)
                .enumerate()
                .map(|(lvl, &p)| {
                    let point = (lvl as f64, clamp(at_or_above * scale, 0.0, y_max));
                    at_or_above -= p;
                    point
                })
                .collect();
            polyline(root, &mut chart, ink.raster, &cum, colour(1), 3)?;
            let (xr, _) = chart.plotting_area().get_pixel_range();
            for v in [0.0, 50.0, 100.0] {
                let y = chart.backend_coord(&(0.0, v * scale)).1;
                ink.text(
                    root,
                    &format!("{v:.0} %"),
                    (xr.end + 8, y),
                    TEXT,
                    false,
                    (HPos::Left, VPos::Center),
                    INK,
                )?;
            }
            let alarm = 0.85 * g.capacity as f64;
            let (_, yr) = chart.plotting_area().get_pixel_range();
            let x = chart.backend_coord(&(alarm, 0.0)).0;
            let mut y = yr.start;
            while y < yr.end {
                root.draw(&PathElement::new(
                    vec![(x, y), (x, (y + 10).min(yr.end))],
                    WORSE.stroke_width(3),
                ))
                .map_err(err)?;
                y += 18;
            }
        }
        Ok(())
    }
}

/// The summary chart: each scenario's paired difference from the reference for a few
/// headline KPIs, a dot and its 95 % CI, coloured better or worse by the KPI's direction.
pub struct Differences {
    pub title: String,
    /// Each panel: the KPI and its axis label.
    pub panels: Vec<(Metric, String)>,
    /// Each row: scenario label and, per panel, (difference, CI low, CI high), per year.
    pub rows: Vec<(String, Vec<Option<Interval>>)>,
}

/// A difference and its 95 % CI: (mean, low, high).
pub type Interval = (f64, f64, f64);

/// Better, worse or no clear difference, by the KPI's direction.
pub fn verdict(m: Metric, lo: f64, hi: f64) -> Option<bool> {
    let up = lo > 0.0;
    let down = hi < 0.0;
    match m.direction() {
        _ if !(up || down) => None,
        Direction::Higher => Some(up),
        Direction::Lower => Some(down),
        Direction::Neutral => None,
    }
}

impl Differences {
    /// Lines the longest panel heading takes.
    fn wrapped_lines<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &Ink, panel_w: i32) -> usize {
        self.panels
            .iter()
            .map(|(_, label)| {
                let mut lines = 1;
                let mut line = String::new();
                for word in label.split(' ') {
                    let tried = if line.is_empty() {
                        word.to_string()
                    } else {
                        format!("{line} {word}")
                    };
                    if ink.width(root, &tried, TEXT) > panel_w - 24 && !line.is_empty() {
                        lines += 1;
                        line = word.to_string();
                    } else {
                        line = tried;
                    }
                }
                lines
            })
            .max()
            .unwrap_or(1)
    }
}

impl Plot for Differences {
    fn height(&self) -> u32 {
        (176 + 46 * self.rows.len().max(1) + 62) as u32
    }

    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &mut Ink) -> Result<(), String> {
        let h = self.height() as i32;
        ink.text(
            root,
            &self.title,
            (24, 14),
            TITLE,
            true,
            (HPos::Left, VPos::Top),
            INK,
        )?;
        let entries = [
            ("Better".to_string(), Swatch::Dot(BETTER)),
            ("Worse".to_string(), Swatch::Dot(WORSE)),
            (
                "No clear difference (95 % CI spans 0)".to_string(),
                Swatch::Dot(UNCLEAR),
            ),
        ];
        legend_row(root, ink, &entries, 72)?;
        let names = self
            .rows
            .iter()
            .map(|r| ink.width(root, &r.0, TEXT))
            .max()
            .unwrap_or(100)
            .min(400);
        let n = self.panels.len().max(1) as i32;
        let start = 24 + names + 16;
        let panel_w = (WIDTH as i32 - start - 10) / n;
        let rows = self.rows.len().max(1) as f64;
        for (k, (metric, label)) in self.panels.iter().enumerate() {
            let x0 = start + k as i32 * panel_w;
            let cells = self
                .rows
                .iter()
                .filter_map(|r| r.1.get(k).copied().flatten());
            let (lo, hi) = limits(cells.flat_map(|c| [c.0, c.1, c.2]), true);
            let fmt = |v: f64| {
                if metric.unit() == "£" {
                    money_tick(v)
                } else {
                    whole(v)
                }
            };
            let ticks = ticks_with(nice_ticks(lo, hi, 3, metric.unit() != "£"), fmt);
            // Panels run side by side: a word-wrapped heading above each.
            let mut line = String::new();
            let mut y = 104;
            for word in label.split(' ') {
                let tried = if line.is_empty() {
                    word.to_string()
                } else {
                    format!("{line} {word}")
                };
                if ink.width(root, &tried, TEXT) > panel_w - 24 && !line.is_empty() {
                    ink.text(
                        root,
                        &line,
                        (x0 + panel_w / 2, y),
                        TEXT,
                        true,
                        (HPos::Center, VPos::Top),
                        INK,
                    )?;
                    y += 30;
                    line = word.to_string();
                } else {
                    line = tried;
                }
            }
            ink.text(
                root,
                &line,
                (x0 + panel_w / 2, y),
                TEXT,
                true,
                (HPos::Center, VPos::Top),
                INK,
            )?;
            let mut chart = axes(
                root,
                ink,
                &Axes {
                    plot: [
                        x0 + 18,
                        150 + 30 * (self.wrapped_lines(root, ink, panel_w) as i32 - 1),
                        x0 + panel_w - 18,
                        h - 48,
                    ],
                    x: (lo, hi),
                    y: (0.0, rows),
                    x_ticks: ticks,
                    y_ticks: Vec::new(),
                    x_desc: "",
                    grid: false,
                },
            )?;
            let (_, yr) = chart.plotting_area().get_pixel_range();
            let zx = chart.backend_coord(&(0.0, 0.0)).0;
            root.draw(&PathElement::new(
                vec![(zx, yr.start), (zx, yr.end)],
                INK.stroke_width(2),
            ))
            .map_err(err)?;
            for (i, (_, cells)) in self.rows.iter().enumerate() {
                let y = rows - i as f64 - 0.5;
                let py = chart.backend_coord(&(lo, y)).1;
                root.draw(&PathElement::new(
                    vec![(x0 + 18, py), (x0 + panel_w - 18, py)],
                    GRID.stroke_width(1),
                ))
                .map_err(err)?;
                let Some((d, l, u)) = cells.get(k).copied().flatten() else {
                    continue;
                };
                if !d.is_finite() {
                    continue;
                }
                let c = match verdict(*metric, l, u) {
                    Some(true) => BETTER,
                    Some(false) => WORSE,
                    None => UNCLEAR,
                };
                let (l, u) = (clamp(l, lo, hi), clamp(u, lo, hi));
                if l.is_finite() && u.is_finite() {
                    chart
                        .draw_series(std::iter::once(PathElement::new(
                            vec![(l, y), (u, y)],
                            c.stroke_width(5),
                        )))
                        .map_err(err)?;
                }
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (clamp(d, lo, hi), y),
                        10,
                        c.filled(),
                    )))
                    .map_err(err)?;
            }
            if k == 0 {
                for (i, (name, _)) in self.rows.iter().enumerate() {
                    let py = chart.backend_coord(&(lo, rows - i as f64 - 0.5)).1;
                    let mut shown = name.clone();
                    while ink.width(root, &shown, TEXT) > names && shown.chars().count() > 2 {
                        let cut: String = shown.chars().take(shown.chars().count() - 2).collect();
                        shown = format!("{}…", cut.trim_end_matches('…'));
                    }
                    ink.text(
                        root,
                        &shown,
                        (start - 12, py),
                        TEXT,
                        false,
                        (HPos::Right, VPos::Center),
                        INK,
                    )?;
                }
            }
        }
        Ok(())
    }
}

/// A point of a sweep line: parameter value, mean, CI low, CI high.
type LinePoint = (f64, f64, f64, f64);

/// A KPI against a swept parameter, one line per value of a second parameter, with the
/// declared target and marked points.
struct SweepLines {
    title: String,
    x_desc: String,
    y_desc: String,
    metric: Metric,
    /// (legend, points).
    lines: Vec<(String, Vec<LinePoint>)>,
    /// Horizontal target lines: (value, label).
    targets: Vec<(f64, String)>,
    /// Marked points: (x, y, label).
    marks: Vec<(f64, f64, String)>,
}

impl Plot for SweepLines {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &mut Ink) -> Result<(), String> {
        let all = || self.lines.iter().flat_map(|l| l.1.iter());
        let mut xs: Vec<f64> = all().map(|p| p.0).filter(|x| x.is_finite()).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let (x0, x1) = match (xs.first(), xs.last()) {
            (Some(&a), Some(&b)) if b > a => {
                let pad = (b - a) * 0.04;
                (a - pad, b + pad)
            }
            (Some(&a), _) => (a - 1.0, a + 1.0),
            _ => (0.0, 1.0),
        };
        let (y0, y1) = limits(
            all()
                .flat_map(|p| [p.1, p.2, p.3])
                .chain(self.targets.iter().map(|t| t.0)),
            true,
        );
        // Room below zero, so a point at zero is drawn whole above the axis.
        let y0 = y0.min(-0.03 * (y1 - y0));
        let money_axis = self.metric.unit() == "£";
        let y_ticks = ticks_with(nice_ticks(y0, y1, 6, false), |v| {
            if money_axis {
                money_tick(v)
            } else {
                whole(v)
            }
        });
        let every = xs.len().div_ceil(13).max(1);
        let x_ticks = xs
            .iter()
            .step_by(every)
            .map(|&v| (v, number_exact(v)))
            .collect();
        let mut entries: Vec<(String, Swatch)> = Vec::new();
        let two_d = self.lines.len() > 1;
        for (i, (label, _)) in self.lines.iter().enumerate() {
            if two_d {
                entries.push((label.clone(), Swatch::Line(colour(i), 4)));
            }
        }
        entries.push((
            "95 % CI of the mean".to_string(),
            Swatch::Fill(tint(colour(0), 0.2), 1.0),
        ));
        if !self.targets.is_empty() {
            entries.push(("Target".to_string(), Swatch::Dashed(WORSE)));
        }
        heading(root, ink, &self.title, &self.y_desc)?;
        let right = WIDTH as i32 - 24 - legend_width(root, ink, &entries);
        let mut chart = axes(
            root,
            ink,
            &Axes {
                plot: [left_edge(root, ink, &y_ticks), 150, right - 30, 720 - 100],
                x: (x0, x1),
                y: (y0, y1),
                x_ticks,
                y_ticks,
                x_desc: &self.x_desc,
                grid: true,
            },
        )?;
        let c = |v: f64| clamp(v, y0, y1);
        // Every band first, then every line, so no band hides another line.
        for (i, (_, points)) in self.lines.iter().enumerate() {
            let tinted = tint(colour(i), if two_d { 0.12 } else { 0.2 });
            let band = points.windows(2).map(|w| {
                Polygon::new(
                    vec![
                        (w[0].0, c(w[0].3)),
                        (w[1].0, c(w[1].3)),
                        (w[1].0, c(w[1].2)),
                        (w[0].0, c(w[0].2)),
                    ],
                    tinted.filled(),
                )
            });
            chart.draw_series(band).map_err(err)?;
        }
        for (i, (_, points)) in self.lines.iter().enumerate() {
            let col = colour(i);
            let line: Vec<(f64, f64)> = points.iter().map(|p| (p.0, c(p.1))).collect();
            polyline(root, &mut chart, ink.raster, &line, col, 4)?;
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new((p.0, c(p.1)), 6, col.filled())),
                )
                .map_err(err)?;
        }
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let mut placed: Vec<Rect> = Vec::new();
        for (v, label) in &self.targets {
            let y = chart.backend_coord(&(x0, c(*v))).1;
            let mut x = xr.start;
            while x < xr.end {
                root.draw(&PathElement::new(
                    vec![(x, y), ((x + 14).min(xr.end), y)],
                    WORSE.stroke_width(3),
                ))
                .map_err(err)?;
                x += 24;
            }
            let above = y - 6 > yr.start + 30;
            let pos = (HPos::Right, if above { VPos::Bottom } else { VPos::Top });
            let at = (xr.end - 8, if above { y - 6 } else { y + 6 });
            let r = ink.measure(root, label, at, TEXT, false, pos)?;
            if !placed.iter().any(|p| overlaps(p, &r)) {
                ink.text(root, label, at, TEXT, false, pos, WORSE)?;
                placed.push(r);
            }
        }
        for (x, y, label) in &self.marks {
            let (px, py) = chart.backend_coord(&(*x, c(*y)));
            root.draw(&Circle::new((px, py), 14, BLACK.stroke_width(3)))
                .map_err(err)?;
            // Above the point, or below when that is off the plot; inside the plot sideways.
            for dy in [-22, 22, -56, 56] {
                let vpos = if dy < 0 { VPos::Bottom } else { VPos::Top };
                let mut at = (px, py + dy);
                let mut r = ink.measure(root, label, at, TEXT, false, (HPos::Center, vpos))?;
                let shift = (xr.start + 4 - r[0]).max(0) - (r[2] - (xr.end - 4)).max(0);
                at.0 += shift;
                r = [r[0] + shift, r[1], r[2] + shift, r[3]];
                if r[1] < yr.start || r[3] > yr.end || placed.iter().any(|p| overlaps(p, &r)) {
                    continue;
                }
                root.draw(&Rectangle::new(
                    [(r[0] - 3, r[1] - 2), (r[2] + 3, r[3] + 2)],
                    WHITE.mix(0.85).filled(),
                ))
                .map_err(err)?;
                ink.text(root, label, at, TEXT, false, (HPos::Center, vpos), BLACK)?;
                placed.push(r);
                break;
            }
        }
        legend(root, ink, &entries, right, 150)?;
        Ok(())
    }
}

/// A swept value as written: `4`, `0.5`.
fn number_exact(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A KPI over a two-parameter grid, each cell coloured and labelled with its mean, with a
/// colour key.
struct Heatmap {
    title: String,
    x_desc: String,
    y_desc: String,
    metric: Metric,
    xs: Vec<f64>,
    ys: Vec<f64>,
    /// (x index, y index, value).
    cells: Vec<(usize, usize, f64)>,
}

/// Light (low) to dark blue (high): a sequential scale that survives greyscale.
fn ramp(t: f64) -> RGBColor {
    RGBColor(
        (240.0 - 232.0 * t) as u8,
        (248.0 - 168.0 * t) as u8,
        (255.0 - 120.0 * t) as u8,
    )
}

impl Plot for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &mut Ink) -> Result<(), String> {
        let (nx, ny) = (self.xs.len().max(1), self.ys.len().max(1));
        let fmt = |v: f64| format::value(self.metric, v);
        let y_ticks: Vec<(f64, String)> = self
            .ys
            .iter()
            .enumerate()
            .map(|(j, v)| (j as f64 + 0.5, number_exact(*v)))
            .collect();
        let x_ticks = self
            .xs
            .iter()
            .enumerate()
            .map(|(i, v)| (i as f64 + 0.5, number_exact(*v)))
            .collect();
        heading(root, ink, &self.title, &self.y_desc)?;
        let key_w = 40 + ink.width(root, "−£00.0m", TEXT) + 24;
        let right = WIDTH as i32 - 24 - key_w;
        let mut chart = axes(
            root,
            ink,
            &Axes {
                plot: [left_edge(root, ink, &y_ticks), 150, right - 30, 720 - 100],
                x: (0.0, nx as f64),
                y: (0.0, ny as f64),
                x_ticks,
                y_ticks,
                x_desc: &self.x_desc,
                grid: false,
            },
        )?;
        let (lo, hi) = limits(self.cells.iter().map(|c| c.2), false);
        let t_of = |v: f64| {
            if v.is_finite() {
                ((v - lo) / (hi - lo)).clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        for &(i, j, v) in &self.cells {
            let t = t_of(v);
            let (x, y) = (i as f64, j as f64);
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x, y), (x + 1.0, y + 1.0)],
                    ramp(t).filled(),
                )))
                .map_err(err)?;
            let (px, py) = chart.backend_coord(&(x + 0.5, y + 0.5));
            let text_colour = if t > 0.55 { WHITE } else { BLACK };
            ink.text(
                root,
                &fmt(v),
                (px, py),
                TEXT,
                false,
                (HPos::Center, VPos::Center),
                text_colour,
            )?;
        }
        // The colour key: a vertical ramp from low (bottom) to high (top).
        let (kx, ky0, ky1) = (right, 150, 720 - 100);
        for k in 0..(ky1 - ky0) {
            let t = 1.0 - k as f64 / (ky1 - ky0) as f64;
            root.draw(&PathElement::new(
                vec![(kx, ky0 + k), (kx + 30, ky0 + k)],
                ramp(t).stroke_width(1),
            ))
            .map_err(err)?;
        }
        let mut key = [kx, ky0, kx + 30, ky1];
        for (t, v) in [(1.0, hi), (0.5, (lo + hi) / 2.0), (0.0, lo)] {
            let y = ky1 - ((ky1 - ky0) as f64 * t) as i32;
            let r = ink.text(
                root,
                &fmt(v),
                (kx + 40, y),
                TEXT,
                false,
                (HPos::Left, VPos::Center),
                INK,
            )?;
            key[2] = key[2].max(r[2]);
        }
        ink.layout.keys.push(key);
        Ok(())
    }
}

/// Cost per financial year, stacked by category, against the budget.
struct CostStack {
    title: String,
    years: Vec<String>,
    /// (category label, £ per year, colour index: one colour per category in every chart).
    categories: Vec<(String, Vec<f64>, usize)>,
    budget: Vec<f64>,
}

impl Plot for CostStack {
    fn draw<DB: DrawingBackend>(&self, root: &Area<DB>, ink: &mut Ink) -> Result<(), String> {
        let n = self.years.len().max(1);
        let totals: Vec<f64> = (0..n)
            .map(|i| {
                self.categories
                    .iter()
                    .map(|c| c.1.get(i).copied().unwrap_or(0.0).max(0.0))
                    .sum()
            })
            .collect();
        let top = totals
            .iter()
            .chain(self.budget.iter())
            .copied()
            .filter(|v| v.is_finite())
            .fold(1.0, f64::max);
        let y_ticks = ticks_with(nice_ticks(0.0, top * 1.08, 6, false), money_tick);
        let y_max = y_ticks.last().map_or(top, |t| t.0).max(top * 1.08);
        let mut entries: Vec<(String, Swatch)> = self
            .categories
            .iter()
            .enumerate()
            .rev()
            .map(|(_, c)| (c.0.clone(), Swatch::Fill(colour(c.2), 0.85)))
            .collect();
        if self.budget.iter().any(|b| b.is_finite()) {
            entries.insert(0, ("Budget".to_string(), Swatch::Line(BLACK, 4)));
        }
        heading(root, ink, &self.title, "£ a year")?;
        let right = WIDTH as i32 - 24 - legend_width(root, ink, &entries);
        let x_ticks = self
            .years
            .iter()
            .enumerate()
            .map(|(i, y)| (i as f64 + 0.5, y.clone()))
            .collect();
        let mut chart = axes(
            root,
            ink,
            &Axes {
                plot: [left_edge(root, ink, &y_ticks), 150, right - 30, 720 - 100],
                x: (0.0, n as f64),
                y: (0.0, y_max),
                x_ticks,
                y_ticks,
                x_desc: "Financial year (April to March)",
                grid: true,
            },
        )?;
        for i in 0..n {
            let mut base = 0.0;
            for (_, values, k) in &self.categories {
                let v = values.get(i).copied().unwrap_or(0.0).max(0.0);
                let v = if v.is_finite() { v } else { 0.0 };
                let x = i as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [
                            (x + 0.15, clamp(base, 0.0, y_max)),
                            (x + 0.85, clamp(base + v, 0.0, y_max)),
                        ],
                        colour(*k).mix(0.85).filled(),
                    )))
                    .map_err(err)?;
                base += v;
            }
            if let Some(b) = self.budget.get(i).filter(|b| b.is_finite()) {
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![
                            (i as f64 + 0.05, clamp(*b, 0.0, y_max)),
                            (i as f64 + 0.95, clamp(*b, 0.0, y_max)),
                        ],
                        BLACK.stroke_width(4),
                    )))
                    .map_err(err)?;
            }
        }
        legend(root, ink, &entries, right, 150)?;
        Ok(())
    }
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
/// lists; how full each ward and service was; cost per year against the budget.
pub fn scenario_charts(run: &ScenarioRun) -> Result<Vec<Chart>, String> {
    let s = &run.summary;
    let mut charts = Vec::new();
    for d in &s.daily {
        let (stem, title, y) = match (d.kind, d.measure) {
            (PoolKind::Ward, _) => (
                "occupancy",
                format!("{}: beds occupied", d.label),
                "Beds occupied at midnight",
            ),
            (PoolKind::Service, Measure::Occupied) => (
                "occupancy",
                format!("{}: places in use", d.label),
                "Places in use at midnight",
            ),
            (PoolKind::Service, Measure::Waiting) => (
                "waiting",
                d.label.clone(),
                "Young people waiting at midnight",
            ),
            (PoolKind::OutOfArea, _) => (
                "occupancy",
                "Placed out of area".to_string(),
                "Young people out of area at midnight",
            ),
            (PoolKind::Pathway, _) => (
                "waiting",
                "Waiting for a local bed".to_string(),
                "Young people waiting at midnight",
            ),
        };
        let markers = run
            .roadmap
            .iter()
            .filter(|r| {
                r.capacity.is_some()
                    && (r.ward.as_deref() == Some(&d.subject)
                        || r.service.as_deref() == Some(&d.subject))
                    && d.measure == Measure::Occupied
            })
            .map(|r| Marker {
                date: r.date,
                text: if r.note.is_empty() {
                    format!("to {}", r.capacity.unwrap_or(0))
                } else {
                    r.note.clone()
                },
            })
            .collect();
        let name = format!("{stem}_{}", slug(&d.subject));
        let title = format!("{title} — {}", run.display_name());
        let fan = Fan {
            title: title.clone(),
            y_desc: y.into(),
            dates: &s.dates,
            series: d,
            markers,
        };
        charts.push(render(name, title, &fan)?);
    }
    for o in &s.occupancy {
        let title = format!("{}: how full — {}", o.label, run.display_name());
        charts.push(render(
            format!("levels_{}", slug(&o.subject)),
            title.clone(),
            &Levels { title, dist: o },
        )?);
    }
    if let Some(c) = cost_chart(run)? {
        charts.push(c);
    }
    Ok(charts)
}

/// Cost per financial year by category against the budget, when costs are reported.
fn cost_chart(run: &ScenarioRun) -> Result<Option<Chart>, String> {
    let s = &run.summary;
    let years: Vec<Period> = s
        .periods
        .iter()
        .map(|p| p.period)
        .filter(|p| *p != Period::Overall)
        .collect();
    let categories: Vec<(String, Vec<f64>, usize)> = carepath_engine::COST_CATEGORIES
        .iter()
        .enumerate()
        .filter_map(|(i, c)| {
            let v: Vec<f64> = years
                .iter()
                .map(|y| s.kpi(Metric::Cost, c, *y).map_or(0.0, |k| k.estimate.mean))
                .collect();
            v.iter().any(|x| *x > 0.0).then(|| (cost_label(c), v, i))
        })
        .collect();
    if years.is_empty() || categories.is_empty() {
        return Ok(None);
    }
    let budget = years
        .iter()
        .map(|y| {
            s.kpi(Metric::Budget, "", *y)
                .map_or(f64::NAN, |k| k.estimate.mean)
        })
        .collect();
    let title = format!("Cost a year against the budget — {}", run.display_name());
    let plot = CostStack {
        title: title.clone(),
        years: years.iter().map(|y| y.to_string()).collect(),
        categories,
        budget,
    };
    render("cost_by_year".into(), title, &plot).map(Some)
}

/// Plain words for a cost category.
pub fn cost_label(category: &str) -> String {
    match category {
        "block_beds" => "Block-funded beds".into(),
        "spot_beds" => "Spot-purchased local beds".into(),
        "out_of_area" => "Out-of-area placements".into(),
        "home_treatment" => "Home treatment".into(),
        "day_hospital" => "Day hospital".into(),
        other => other.replace('_', " "),
    }
}

/// The headline KPIs of the summary, in order.
pub const SUMMARY_KPIS: [Metric; 4] = [
    Metric::OapPlacements,
    Metric::OapBedDays,
    Metric::AdmissionsAvoided,
    Metric::Cost,
];

/// The summary chart of paired differences against the reference.
pub fn differences_chart(diff: Differences) -> Result<Chart, String> {
    let title = diff.title.clone();
    render("differences".into(), title, &diff)
}

/// A plain axis label for a swept key: `Closer2Home intensive home treatment: places` for
/// `services.home_treatment.places`.
pub fn key_label(key: &str, s: &Summary) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        [_, name, rest @ ..] if !rest.is_empty() => match s.labels.get(*name) {
            Some(label) if !label.is_empty() => {
                format!("{label}: {}", rest.join(" ").replace('_', " "))
            }
            _ => key.to_string(),
        },
        _ => key.to_string(),
    }
}

/// For each swept scenario: the headline KPIs and every KPI a target is declared for, against
/// the swept parameter (one line per value of a second one), and a heatmap for 2-D grids.
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
        let Some(first) = points.first() else {
            continue;
        };
        let Some(sweep) = first.sweep.as_ref() else {
            continue;
        };
        let x_key = sweep.params[0].0.clone();
        let y_key = sweep.params.get(1).map(|p| p.0.clone());
        let x_desc = key_label(&x_key, &first.summary);
        let value = |r: &ScenarioRun, i: usize| {
            r.sweep
                .as_ref()
                .and_then(|p| p.params.get(i))
                .map_or(f64::NAN, |p| p.1)
        };
        let mut seconds: Vec<f64> = points.iter().map(|r| value(r, 1)).collect();
        seconds.sort_by(f64::total_cmp);
        seconds.dedup_by(|a, b| a == b || (a.is_nan() && b.is_nan()));
        let mut metrics: Vec<Metric> = SUMMARY_KPIS.to_vec();
        for c in &first.checks {
            if c.subject.is_empty() && c.period == Period::Overall && !metrics.contains(&c.metric) {
                metrics.push(c.metric);
            }
        }
        for metric in metrics {
            let estimate = |r: &ScenarioRun| {
                r.summary.kpi(metric, "", Period::Overall).map(|k| {
                    let f = |x| format::shown(metric, &r.summary, x);
                    (
                        f(k.estimate.mean),
                        f(k.estimate.ci_low),
                        f(k.estimate.ci_high),
                    )
                })
            };
            let lines: Vec<(String, Vec<LinePoint>)> = seconds
                .iter()
                .map(|&second| {
                    let legend = match &y_key {
                        Some(k) => format!(
                            "{} = {}",
                            key_label(k, &first.summary),
                            number_exact(second)
                        ),
                        None => String::new(),
                    };
                    let mut pts: Vec<LinePoint> = points
                        .iter()
                        .filter(|r| y_key.is_none() || value(r, 1) == second)
                        .filter_map(|r| estimate(r).map(|e| (value(r, 0), e.0, e.1, e.2)))
                        .collect();
                    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                    (legend, pts)
                })
                .collect();
            if lines.iter().all(|l| l.1.is_empty()) {
                continue;
            }
            let bounds: Vec<(Option<f64>, Option<f64>)> = first
                .checks
                .iter()
                .filter(|c| {
                    c.metric == metric && c.subject.is_empty() && c.period == Period::Overall
                })
                .map(|c| (c.min, c.max))
                .collect();
            let per_year = |x: f64| format::shown(metric, &first.summary, x);
            let mut targets = Vec::new();
            for (lo, hi) in &bounds {
                if let Some(lo) = lo {
                    targets.push((
                        per_year(*lo),
                        format!("target: at least {}", format::value(metric, per_year(*lo))),
                    ));
                }
                if let Some(hi) = hi {
                    targets.push((
                        per_year(*hi),
                        format!("target: at most {}", format::value(metric, per_year(*hi))),
                    ));
                }
            }
            let mut marks = Vec::new();
            // Marks need one line: on a grid, "first" and "lowest" depend on the other key.
            if let (Some((_, pts)), 1) = (lines.first(), lines.len()) {
                if !bounds.is_empty() {
                    let meets = |y: f64| {
                        bounds.iter().all(|(lo, hi)| {
                            lo.is_none_or(|l| y >= per_year(l))
                                && hi.is_none_or(|h| y <= per_year(h))
                        })
                    };
                    if let Some(p) = pts.iter().find(|p| meets(p.1)) {
                        marks.push((
                            p.0,
                            p.1,
                            format!(
                                "first meets the target: {} = {}",
                                short_key(&x_key),
                                number_exact(p.0)
                            ),
                        ));
                    }
                }
                if metric == Metric::Cost {
                    if let Some(p) = pts
                        .iter()
                        .filter(|p| p.1.is_finite())
                        .min_by(|a, b| a.1.total_cmp(&b.1))
                    {
                        marks.push((
                            p.0,
                            p.1,
                            format!("lowest cost: {} = {}", short_key(&x_key), number_exact(p.0)),
                        ));
                    }
                }
            }
            let title = format!("{} a year against {}", metric.label(), short_key(&x_key));
            let title = if format::per_year(metric) {
                title
            } else {
                format!("{} against {}", metric.label(), short_key(&x_key))
            };
            let plot = SweepLines {
                title: title.clone(),
                x_desc: x_desc.clone(),
                y_desc: format!(
                    "{} ({}; mean over replications)",
                    metric.label(),
                    format::unit_words(metric)
                ),
                metric,
                lines,
                targets,
                marks,
            };
            charts.push(render(
                format!("sweep_{}_{}", slug(family), metric.name()),
                title,
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
                        Some((i, j, estimate(r).map_or(f64::NAN, |e| e.0)))
                    })
                    .collect();
                let t = format!("{} ({})", metric.label(), format::unit_words(metric));
                let plot = Heatmap {
                    title: t.clone(),
                    x_desc: x_desc.clone(),
                    y_desc: key_label(y_key, &first.summary),
                    metric,
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

/// `places` for `services.home_treatment.places`.
fn short_key(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

#[cfg(test)]
mod tests;
