//! Cost per financial year, stacked by category, against the budget.

use super::*;

/// Cost per financial year, stacked by category, against the budget.
pub(super) struct CostStack {
    pub(super) title: String,
    pub(super) years: Vec<String>,
    /// (category label, £ per year, colour index: one colour per category in every chart).
    pub(super) categories: Vec<(String, Vec<f64>, usize)>,
    pub(super) budget: Vec<f64>,
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

/// Cost per financial year by category against the budget, when costs are reported.
pub(super) fn cost_chart(run: &ScenarioRun) -> Result<Option<Chart>, String> {
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
        "other_alternatives" => "Other alternatives to admission".into(),
        "waiting_places" => "Waiting for a bed".into(),
        other => other.replace('_', " "),
    }
}
