//! Tornado charts: which uncertain inputs drive a KPI, from the parameter draws.

use super::*;
use carepath_experiment::results::Uncertainty;

/// One KPI's tornado: per input (largest share first), the KPI's mean over the draws in the
/// input's lowest and highest group, around the mean over all draws.
struct Tornado {
    title: String,
    metric: Metric,
    mean: f64,
    /// (label, share, mean at low, mean at high), shown per year where the KPI is a total.
    rows: Vec<(String, f64, f64, f64)>,
}

const ROW: i32 = 84;
const TOP: i32 = 124;
const NAMES: i32 = 470;

impl Plot for Tornado {
    fn height(&self) -> u32 {
        (TOP + ROW * self.rows.len().max(1) as i32 + 70) as u32
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
            (
                "Input in its lowest draws".to_string(),
                Swatch::Fill(PALETTE[0], 1.0),
            ),
            ("in its highest".to_string(), Swatch::Fill(PALETTE[1], 1.0)),
            ("Mean over all draws".to_string(), Swatch::Line(INK, 3)),
        ];
        legend_row(root, ink, &entries, 76)?;
        let values = self.rows.iter().flat_map(|r| [r.2, r.3]).chain([self.mean]);
        let (lo, hi) = limits(values.filter(|v| v.is_finite()), false);
        let money = self.metric.unit() == "£";
        let fmt = |v: f64| if money { money_tick(v) } else { whole(v) };
        let ticks = ticks_with(nice_ticks(lo, hi, 5, !money), fmt);
        let n = self.rows.len().max(1) as f64;
        let chart = axes(
            root,
            ink,
            &Axes {
                plot: [24 + NAMES + 16, TOP, WIDTH as i32 - 30, h - 70],
                x: (lo, hi),
                y: (0.0, n),
                x_ticks: ticks,
                y_ticks: Vec::new(),
                x_desc: "",
                grid: false,
            },
        )?;
        for (i, (label, share, low, high)) in self.rows.iter().enumerate() {
            let y = n - i as f64 - 0.5;
            for (end, c) in [(*low, PALETTE[0]), (*high, PALETTE[1])] {
                if !end.is_finite() {
                    continue;
                }
                let (a, b) = (clamp(self.mean, lo, hi), clamp(end, lo, hi));
                chart
                    .plotting_area()
                    .draw(&Rectangle::new(
                        [(a.min(b), y - 0.3), (a.max(b), y + 0.3)],
                        c.filled(),
                    ))
                    .map_err(err)?;
            }
            let py = chart.backend_coord(&(lo, y)).1;
            let mut shown = label.clone();
            while ink.width(root, &shown, TEXT) > NAMES && shown.chars().count() > 2 {
                let cut: String = shown.chars().take(shown.chars().count() - 2).collect();
                shown = format!("{}…", cut.trim_end_matches('…'));
            }
            ink.text(
                root,
                &shown,
                (24, py - 4),
                TEXT,
                false,
                (HPos::Left, VPos::Bottom),
                INK,
            )?;
            let share = if share.is_finite() {
                format!("{:.0} % of the variance", 100.0 * share)
            } else {
                "share undefined".into()
            };
            ink.text(
                root,
                &share,
                (24, py + 2),
                TEXT,
                false,
                (HPos::Left, VPos::Top),
                UNCLEAR,
            )?;
        }
        let mx = chart.backend_coord(&(clamp(self.mean, lo, hi), 0.0)).0;
        let (_, yr) = chart.plotting_area().get_pixel_range();
        root.draw(&PathElement::new(
            vec![(mx, yr.start), (mx, yr.end)],
            INK.stroke_width(3),
        ))
        .map_err(err)?;
        Ok(())
    }
}

/// A short label for an input key: `gau los days median` for `groups.gau.los_days.median`.
/// An uncertain date is drawn as a delay (`day hospital opens: delay in days`), so its lowest
/// draws are the earliest.
fn input_label(key: &str) -> String {
    let parts: Vec<&str> = key.split('.').collect();
    let kept = if parts.len() > 2 {
        &parts[1..]
    } else {
        &parts[..]
    };
    match kept.split_last() {
        Some((&"date", rest)) if !rest.is_empty() => {
            format!("{}: delay in days", rest.join(" ").replace('_', " "))
        }
        _ => kept.join(" ").replace('_', " "),
    }
}

/// A tornado chart per summary KPI (whole pathway, whole period) of a run with draws.
pub fn tornado_charts(run: &ScenarioRun, u: &Uncertainty) -> Result<Vec<Chart>, String> {
    let s = &run.summary;
    let mut charts = Vec::new();
    for m in SUMMARY_KPIS {
        let Some(i) = s.kpis.iter().position(|k| {
            k.key.metric == m && k.key.subject.is_empty() && k.key.period == Period::Overall
        }) else {
            continue;
        };
        let f = |x| format::shown(m, s, x);
        let mut rows: Vec<(String, f64, f64, f64)> = u
            .inputs
            .iter()
            .zip(&u.kpis[i].effects)
            .map(|(key, e)| {
                (
                    input_label(key),
                    e.share,
                    f(e.mean_at_low),
                    f(e.mean_at_high),
                )
            })
            .collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let unit = format::unit_words(m);
        let title = format!(
            "{}{}: what drives it — {}",
            m.label(),
            if unit.is_empty() {
                String::new()
            } else {
                format!(" ({unit})")
            },
            run.display_name()
        );
        let plot = Tornado {
            title: title.clone(),
            metric: m,
            mean: f(s.kpis[i].estimate.mean),
            rows,
        };
        charts.push(render(format!("tornado_{}", m.name()), title, &plot)?);
    }
    Ok(charts)
}

#[cfg(test)]
mod tests {
    use super::input_label;

    #[test]
    fn inputs_are_labelled_by_their_key_and_a_date_as_its_delay() {
        assert_eq!(
            input_label("groups.gau.los_days.median"),
            "gau los days median"
        );
        assert_eq!(
            input_label("roadmap.day_hospital_opens.date"),
            "day hospital opens: delay in days"
        );
    }
}
