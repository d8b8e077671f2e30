//! The drawing kit every chart uses: swatches and legends, ticks and limits, axes, thick
//! lines that stay solid on a bitmap, and headings.

use super::*;

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub(super) enum Swatch {
    Line(RGBColor, u32),
    Dashed(RGBColor),
    Fill(RGBColor, f64),
    Dot(RGBColor),
}

pub(super) fn swatch<DB: DrawingBackend>(
    root: &Area<DB>,
    s: Swatch,
    x: i32,
    y: i32,
) -> Result<(), String> {
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
pub(super) fn legend<DB: DrawingBackend>(
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
pub(super) fn legend_row<DB: DrawingBackend>(
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

pub(super) fn legend_width<DB: DrawingBackend>(
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
pub(super) fn nice_ticks(lo: f64, hi: f64, n: usize, whole: bool) -> Vec<f64> {
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
pub(super) fn limits(values: impl Iterator<Item = f64>, from_zero: bool) -> (f64, f64) {
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

pub(super) fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if v.is_finite() {
        v.clamp(lo, hi)
    } else {
        lo
    }
}

/// The axes of one plot: everything outside the data.
pub(super) struct Axes<'a> {
    /// Plot box in pixels (left, top, right, bottom).
    pub(super) plot: Rect,
    pub(super) x: (f64, f64),
    pub(super) y: (f64, f64),
    pub(super) x_ticks: Vec<(f64, String)>,
    pub(super) y_ticks: Vec<(f64, String)>,
    pub(super) x_desc: &'a str,
    /// Horizontal grid lines at the y ticks.
    pub(super) grid: bool,
}

pub(super) type Cart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// Builds the coordinate system over `a.plot` and draws axes, ticks, grid and tick labels.
pub(super) fn axes<'a, DB: DrawingBackend>(
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
pub(super) fn polyline<DB: DrawingBackend>(
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
pub(super) fn heading<DB: DrawingBackend>(
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
pub(super) fn left_edge<DB: DrawingBackend>(
    root: &Area<DB>,
    ink: &Ink,
    ticks: &[(f64, String)],
) -> i32 {
    24 + 16
        + ticks
            .iter()
            .map(|(_, l)| ink.width(root, l, TEXT))
            .max()
            .unwrap_or(20)
}

pub(super) fn ticks_with(values: Vec<f64>, f: impl Fn(f64) -> String) -> Vec<(f64, String)> {
    values.into_iter().map(|v| (v, f(v))).collect()
}
