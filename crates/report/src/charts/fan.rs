//! Occupancy and waiting over time: weekly fans with capacity and roadmap changes.

use super::*;

/// A roadmap change drawn on a time chart.
#[derive(Debug, Clone)]
pub struct Marker {
    pub date: chrono::NaiveDate,
    pub text: String,
}

/// Occupancy or waiting over time, averaged by week: the 5–95 % band across replications,
/// the median and the mean, with the capacity the roadmap sets on top and its changes marked,
/// and, where staffing or disruption closes some of it, the capacity open on average.
pub(super) struct Fan<'a> {
    pub(super) title: String,
    pub(super) y_desc: String,
    pub(super) dates: &'a [chrono::NaiveDate],
    pub(super) series: &'a DailySeries,
    pub(super) markers: Vec<Marker>,
    /// Places open on average in each financial year: (first day, the day after its last,
    /// mean). Empty where nothing can close capacity: it is then the roadmap's.
    pub(super) open: Vec<(usize, usize, f64)>,
}

/// The `mean_open_capacity` of `subject` in each financial year, over the days of the year
/// that the horizon covers: (first day index, the index after its last, mean). Empty for a
/// ward or service that staffing or disruption never closes, which has no such KPI (and
/// without a year whose mean is undefined, which has no line to draw).
pub(super) fn open_by_year(s: &Summary, subject: &str) -> Vec<(usize, usize, f64)> {
    let day = |date: Option<chrono::NaiveDate>| date.map(|d| s.dates.partition_point(|x| *x < d));
    s.kpis
        .iter()
        .filter(|k| k.key.metric == Metric::MeanOpen && k.key.subject == *subject)
        .filter(|k| k.estimate.mean.is_finite())
        .filter_map(|k| match k.key.period {
            Period::FinancialYear(fy) => {
                let from = day(chrono::NaiveDate::from_ymd_opt(fy.0, 4, 1))?;
                let to = day(chrono::NaiveDate::from_ymd_opt(fy.0 + 1, 4, 1))?;
                (from < to).then_some((from, to, k.estimate.mean))
            }
            Period::Overall => None,
        })
        .collect()
}

/// Weekly means of a daily series: (first day index of the week, mean).
pub(super) fn weekly(v: &[f64]) -> Vec<(f64, f64)> {
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
        let open = open_steps(&s.capacity, &self.open);
        if !open.is_empty() {
            entries.insert(1, ("Open, on average".to_string(), OPEN_SWATCH));
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
        if !open.is_empty() {
            let steps: Vec<(f64, f64)> = open.iter().map(|&(x, y)| (x, c(y))).collect();
            polyline(root, &mut chart, ink.raster, &steps, OPEN, 4)?;
        }
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

/// The open capacity as a step line: each day, the roadmap's capacity times the share of it
/// open on average in that financial year, so that a ward opened or closed during the year
/// is drawn open only while the roadmap has it. Empty without a roadmap capacity.
pub(super) fn open_steps(capacity: &[u32], years: &[(usize, usize, f64)]) -> Vec<(f64, f64)> {
    let mut steps = Vec::new();
    for &(from, to, mean) in years {
        let Some(days) = capacity.get(from..to.min(capacity.len())) else {
            continue;
        };
        let planned = days.iter().map(|&c| c as f64).sum::<f64>() / days.len().max(1) as f64;
        let share = if planned > 0.0 { mean / planned } else { 0.0 };
        let open = |c: u32| c as f64 * share;
        for (i, w) in days.iter().enumerate() {
            let x = (from + i) as f64;
            match i.checked_sub(1).map(|j| days[j]) {
                None => steps.push((x, open(*w))),
                Some(before) if before != *w => {
                    steps.push((x, open(before)));
                    steps.push((x, open(*w)));
                }
                Some(_) => {}
            }
        }
        if let Some(&last) = days.last() {
            steps.push(((from + days.len()) as f64, open(last)));
        }
    }
    steps
}

/// The colour of the open capacity: the palette's reddish purple, apart from the fan's blue
/// and orange and the capacity's black.
const OPEN: RGBColor = PALETTE[5];
const OPEN_SWATCH: Swatch = Swatch::Line(OPEN, 4);

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
pub(super) fn date_ticks(dates: &[chrono::NaiveDate]) -> Vec<usize> {
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
