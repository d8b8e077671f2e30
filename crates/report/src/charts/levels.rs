//! How full a ward was: occupancy levels for each stretch of constant capacity.

use super::*;

/// How full a ward or service was: for each stretch of days with one capacity, the share of
/// days at each occupancy level, the 85 % line at 85 % of that capacity, and the cumulative
/// share of days at or above each level.
pub(super) struct Levels<'a> {
    pub(super) title: String,
    pub(super) dist: &'a OccupancyDistribution,
}

/// Stretches shown: those of four weeks or more (ramps step a bed at a time), at most four.
pub(super) fn shown_segments(d: &OccupancyDistribution) -> Vec<&carepath_engine::OccupancySegment> {
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
        // A panel per stretch of one capacity; a team that takes all comers has one panel for
        // the whole period and no 85 % line.
        let panels: Vec<(String, &[f64], Option<u32>)> = if self.dist.segments.is_empty() {
            let d = self.dist;
            vec![(
                "Whole period: no limit".to_string(),
                &d.pct_of_days[..],
                None,
            )]
        } else {
            shown_segments(self.dist)
                .into_iter()
                .map(|g| {
                    let when = format!(
                        "{} – {}: {} {unit}",
                        g.first_day.format("%b %Y"),
                        g.last_day.format("%b %Y"),
                        g.capacity
                    );
                    (when, &g.pct_of_days[..], Some(g.capacity))
                })
                .collect()
        };
        heading(root, ink, &self.title, "% of days")?;
        let mut entries = vec![
            (
                "% of days at this level".to_string(),
                Swatch::Fill(colour(0), 0.8),
            ),
            (
                "% of days at or above (right axis)".to_string(),
                Swatch::Line(colour(1), 3),
            ),
        ];
        if panels.iter().any(|p| p.2.is_some()) {
            entries.push(("85 % of capacity".to_string(), Swatch::Dashed(WORSE)));
        }
        legend_row(root, ink, &entries, 112)?;
        if panels.is_empty() {
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
        let n = panels.len() as i32;
        let panel_w = (WIDTH as i32 - 24) / n;
        for (k, (when, pct_of_days, capacity)) in panels.iter().enumerate() {
            let x0 = 24 + k as i32 * panel_w;
            let highest = pct_of_days.iter().rposition(|p| *p > 0.0).unwrap_or(0);
            let levels = (highest.max(capacity.unwrap_or(0) as usize) + 1) as f64;
            let top = pct_of_days.iter().copied().fold(1.0, f64::max);
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
                when,
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
                .draw_series(pct_of_days.iter().take(levels as usize).enumerate().map(
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
            let cum: Vec<(f64, f64)> = pct_of_days
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
            let Some(capacity) = capacity else {
                continue;
            };
            let alarm = 0.85 * *capacity as f64;
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
