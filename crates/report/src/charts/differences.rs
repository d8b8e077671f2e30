//! The summary chart: paired differences from the reference, better or worse.

use super::*;

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
            .map(|(_, label)| wrap(root, ink, label, panel_w - 24).len())
            .max()
            .unwrap_or(1)
    }
}

/// A panel heading broken into lines no wider than `width` (a word longer than that keeps
/// its own line).
fn wrap<DB: DrawingBackend>(root: &Area<DB>, ink: &Ink, text: &str, width: i32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let tried = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if ink.width(root, &tried, TEXT) > width && !line.is_empty() {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = tried;
        }
    }
    lines.push(line);
    lines
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
            for (i, line) in wrap(root, ink, label, panel_w - 24).iter().enumerate() {
                ink.text(
                    root,
                    line,
                    (x0 + panel_w / 2, 104 + 30 * i as i32),
                    TEXT,
                    true,
                    (HPos::Center, VPos::Top),
                    INK,
                )?;
            }
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
