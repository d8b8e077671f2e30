//! Charts for a projector and for slides: data in, SVG and PNG out, no file I/O.
//!
//! Every chart draws its own title, axis labels, ticks and legend (outside the plot) through
//! [`Ink`], which records where each piece of text and each plot went, so tests can check
//! that labels never overlap and that no data is drawn outside a plot. Data are clamped to
//! the axes before drawing, so the SVG and the PNG show the same picture. Text is at least
//! 24 px on a 1280 px canvas (9 pt or more when printed on A4) in the bundled DejaVu Sans, in
//! the Okabe–Ito colour-blind-safe palette.

use crate::format::{self, money, number};
use carepath_engine::{
    DailySeries, Direction, Measure, Metric, OccupancyDistribution, Period, PoolKind, Summary,
};
use carepath_experiment::results::ScenarioRun;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::FontStyle;
use rayon::prelude::*;
use std::sync::Once;

mod cost;
mod differences;
mod draw;
mod fan;
mod levels;
mod sweep;
mod tornado;

use carepath_engine::SUMMARY_KPIS;
pub use cost::cost_label;
use cost::*;
pub use differences::{differences_chart, key_label, verdict, Differences};
use draw::*;
pub use fan::Marker;
use fan::*;
use levels::*;
use sweep::*;
pub use sweep::{solve_chart, sweep_charts};
pub use tornado::tornado_charts;

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
        let regular: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
        let bold: &'static [u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");
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
/// lists; how full each ward and service was; cost per year against the budget. Charts are
/// drawn in parallel, on the caller's thread pool, and kept in this order.
pub fn scenario_charts(run: &ScenarioRun) -> Result<Vec<Chart>, String> {
    let s = &run.summary;
    let fans = s.daily.par_iter().map(|d| fan_chart(run, d));
    let levels = s.occupancy.par_iter().map(|o| {
        let title = format!("{}: how full — {}", o.label, run.display_name());
        render(
            format!("levels_{}", slug(&o.subject)),
            title.clone(),
            &Levels { title, dist: o },
        )
    });
    let mut charts: Vec<Chart> = fans.chain(levels).collect::<Result<_, _>>()?;
    if let Some(c) = cost_chart(run)? {
        charts.push(c);
    }
    Ok(charts)
}

/// Occupancy or waiting over time, for one daily series.
fn fan_chart(run: &ScenarioRun, d: &DailySeries) -> Result<Chart, String> {
    let s = &run.summary;
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
    let open = match d.measure {
        Measure::Occupied => open_by_year(s, &d.subject),
        Measure::Waiting => Vec::new(),
    };
    let fan = Fan {
        title: title.clone(),
        y_desc: y.into(),
        dates: &s.dates,
        series: d,
        markers,
        open,
    };
    render(name, title, &fan)
}

#[cfg(test)]
mod tests;
