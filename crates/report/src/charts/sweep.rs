//! Sweeps: a KPI against one swept parameter, or a heatmap over two.

use super::*;
use carepath_experiment::solve::SolvePlot;
use carepath_scenario::SweepValue;

/// A point of a sweep line: parameter value, mean, CI low, CI high.
pub(super) type LinePoint = (f64, f64, f64, f64);

/// A KPI against a swept parameter, one line per value of a second parameter, with the
/// declared target and marked points.
pub(super) struct SweepLines {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) y_desc: String,
    pub(super) metric: Metric,
    /// (legend, points).
    pub(super) lines: Vec<(String, Vec<LinePoint>)>,
    /// Horizontal target lines: (value, label).
    pub(super) targets: Vec<(f64, String)>,
    /// Marked points: (x, y, label).
    pub(super) marks: Vec<(f64, f64, String)>,
    /// A tick label for a parameter value.
    pub(super) x_label: fn(f64) -> String,
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
            .map(|&v| (v, (self.x_label)(v)))
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
pub(super) fn number_exact(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v}")
    }
}

/// A KPI over a two-parameter grid, each cell coloured and labelled with its mean, with a
/// colour key.
pub(super) struct Heatmap {
    pub(super) title: String,
    pub(super) x_desc: String,
    pub(super) y_desc: String,
    pub(super) metric: Metric,
    pub(super) xs: Vec<f64>,
    pub(super) ys: Vec<f64>,
    /// (x index, y index, value).
    pub(super) cells: Vec<(usize, usize, f64)>,
}

/// Light (low) to dark blue (high): a sequential scale that survives greyscale.
pub(super) fn ramp(t: f64) -> RGBColor {
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
        // Words and true/false have no axis: their points are compared in the tables.
        let unplaced = |r: &&ScenarioRun| {
            r.sweep
                .as_ref()
                .is_some_and(|p| p.params.iter().any(|(_, v)| v.axis().is_none()))
        };
        if points.iter().any(unplaced) {
            continue;
        }
        let x_label: fn(f64) -> String = match sweep.params[0].1 {
            SweepValue::Date(_) => date_tick,
            _ => number_exact,
        };
        let x_key = sweep.params[0].0.clone();
        let y_key = sweep.params.get(1).map(|p| p.0.clone());
        let x_desc = key_label(&x_key, &first.summary);
        let value = |r: &ScenarioRun, i: usize| {
            r.sweep
                .as_ref()
                .and_then(|p| p.params.get(i))
                .and_then(|p| p.1.axis())
                .unwrap_or(f64::NAN)
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
                x_label,
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

/// A date's day number (from the common era) as `Apr 2024`.
pub fn date_tick(v: f64) -> String {
    chrono::NaiveDate::from_num_days_from_ce_opt(v as i32)
        .map_or_else(|| number_exact(v), |d| d.format("%b %Y").to_string())
}

/// The KPI against the varied value with the target line and the answer marked.
pub fn solve_chart(c: &SolvePlot) -> Result<Chart, String> {
    let x_label: fn(f64) -> String = if c.dates {
        date_tick
    } else {
        |v| format!("{v}")
    };
    let mut points = c.points.clone();
    points.sort_by(|a, b| a.0.total_cmp(&b.0));
    let plot = SweepLines {
        title: c.title.clone(),
        x_desc: c.x_desc.clone(),
        y_desc: c.y_desc.clone(),
        metric: c.metric,
        lines: vec![(String::new(), points)],
        targets: c.target.iter().cloned().collect(),
        marks: vec![c.answer.clone()],
        x_label,
    };
    render("solve".into(), c.title.clone(), &plot)
}

/// `places` for `services.home_treatment.places`.
pub(super) fn short_key(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}
