use super::*;
use carepath_engine::{compare, examples, run};
use carepath_scenario::Check;
use carepath_scenario::SweepPoint;

fn roadmap_run(name: &str, places: u32) -> ScenarioRun {
    let mut s = examples::roadmap(4);
    for svc in s.services.values_mut() {
        svc.places = Some(places);
    }
    run_of(name, s)
}

/// The roadmap example with staffing, vacancies and disruptions closing capacity.
fn disrupted_run() -> ScenarioRun {
    run_of("disrupted", examples::disrupted(4))
}

fn run_of(name: &str, mut s: carepath_engine::Scenario) -> ScenarioRun {
    s.name = name.into();
    let summary = run(&s.validate().unwrap(), 0..4).unwrap();
    ScenarioRun {
        name: name.into(),
        description: String::new(),
        sweep: None,
        roadmap: s.roadmap.clone(),
        checks: vec![],
        inputs: vec![],
        summary,
        uncertainty: None,
        warmup: None,
    }
}

fn check(metric: Metric, min: Option<f64>, max: Option<f64>) -> Check {
    Check {
        metric,
        subject: String::new(),
        period: Period::Overall,
        min,
        max,
    }
}

/// A sweep over places (and, for a grid, a second key with the same leaf).
fn sweep(grid: bool) -> Vec<ScenarioRun> {
    let mut out = Vec::new();
    for places in [0, 4, 8] {
        for second in if grid { vec![1.0, 2.0] } else { vec![] }
            .into_iter()
            .map(Some)
            .chain((!grid).then_some(None))
        {
            let mut r = roadmap_run(&format!("p{places}"), places);
            let number = carepath_scenario::SweepValue::Number;
            let mut params = vec![(
                "services.home_treatment.places".to_string(),
                number(places as f64),
            )];
            if let Some(v) = second {
                params.push(("services.day_hospital.places".to_string(), number(v)));
            }
            r.sweep = Some(SweepPoint {
                family: "fam".into(),
                params,
            });
            r.checks = vec![
                check(Metric::OapPlacements, None, Some(400.0)),
                check(Metric::AdmissionsPer100k, Some(20.0), Some(48.0)),
            ];
            out.push(r);
        }
    }
    out
}

/// Every kind of chart the runner draws.
fn every_chart() -> Vec<Chart> {
    let base = roadmap_run("base", 0);
    let more = roadmap_run("more", 12);
    let mut charts = scenario_charts(&base).unwrap();
    charts.extend(scenario_charts(&disrupted_run()).unwrap());
    charts.extend(sweep_charts(&sweep(false)).unwrap());
    charts.extend(sweep_charts(&sweep(true)).unwrap());
    let d = compare(&base.summary, &more.summary);
    let cell = |m: Metric| {
        d.iter()
            .find(|x| {
                x.key.metric == m && x.key.subject.is_empty() && x.key.period == Period::Overall
            })
            .map(|x| (x.diff_mean, x.ci_low, x.ci_high))
    };
    charts.push(
        differences_chart(Differences {
            title: "Change against base".into(),
            panels: SUMMARY_KPIS
                .iter()
                .map(|m| (*m, m.label().to_string()))
                .collect(),
            rows: vec![
                (
                    "more".into(),
                    SUMMARY_KPIS.iter().map(|m| cell(*m)).collect(),
                ),
                (
                    "a much longer scenario name".into(),
                    vec![None, cell(Metric::OapBedDays), None, None],
                ),
            ],
        })
        .unwrap(),
    );
    let drawn = with_draws(roadmap_run("drawn", 4));
    let u = drawn.uncertainty.as_ref().unwrap();
    charts.extend(tornado_charts(&drawn, u).unwrap());
    charts
}

/// `run` with 12 parameter draws × 2 replications of its referral rate and GAU stay.
fn with_draws(mut r: ScenarioRun) -> ScenarioRun {
    use carepath_engine::dist::Dist;
    use carepath_engine::scenario::Distribution;
    use carepath_engine::uncertainty::{self, Design};
    let mut s = examples::roadmap(2);
    for svc in s.services.values_mut() {
        svc.places = Some(4);
    }
    let uniform = |min, max| Dist::new(&Distribution::Uniform { min, max }).unwrap();
    let inputs = [
        (
            "demand.referrals_per_year".to_string(),
            uniform(200.0, 340.0),
        ),
        (
            "groups.gau.los_days.median".to_string(),
            uniform(30.0, 50.0),
        ),
    ];
    let design = Design::latin_hypercube(1, &inputs, 12);
    let models: Vec<_> = design
        .values
        .iter()
        .map(|v| {
            let mut d = s.clone();
            d.demand.referrals_per_year = v[0];
            d.groups.get_mut("gau").unwrap().los_days = Distribution::Lognormal {
                median: Some(v[1]),
                sigma: Some(0.8),
                mean: None,
                sd: None,
            };
            d.validate().unwrap()
        })
        .collect();
    r.summary = uncertainty::run(&s.validate().unwrap(), &models, 2).unwrap();
    r.uncertainty = Some(carepath_experiment::results::Uncertainty {
        draws: 12,
        replications: 2,
        inputs: design.inputs.clone(),
        values: design.values.clone(),
        kpis: uncertainty::analyse(&r.summary, &design),
        p_better: None,
    });
    r
}

fn kinds(charts: &[Chart]) -> BTreeSet<String> {
    charts
        .iter()
        .map(|c| c.name.split('_').next().unwrap_or("").to_string())
        .collect()
}

use std::collections::BTreeSet;

fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    (info.width, info.height, buf[..info.buffer_size()].to_vec())
}

fn inside(r: &Rect, x: i32, y: i32, margin: i32) -> bool {
    x >= r[0] - margin && x < r[2] + margin && y >= r[1] - margin && y < r[3] + margin
}

/// Data is drawn in colour; text, axes and grid in greys. A coloured pixel outside every plot
/// and every legend is data drawn where it does not belong (a spike into the title, a line
/// below the axis).
#[test]
fn no_chart_draws_data_outside_its_plot() {
    let charts = every_chart();
    assert_eq!(
        kinds(&charts),
        [
            "cost",
            "differences",
            "heatmap",
            "levels",
            "occupancy",
            "sweep",
            "tornado",
            "waiting"
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    for c in &charts {
        // CAREPATH_CHART_DIR=dir keeps the pictures, to look at.
        if let Ok(dir) = std::env::var("CAREPATH_CHART_DIR") {
            let _ = std::fs::write(format!("{dir}/{}.png", c.name), &c.png);
            let _ = std::fs::write(format!("{dir}/{}.svg", c.name), &c.svg);
        }
        let (w, h, px) = decode(&c.png);
        assert_eq!((w, h), c.layout.size, "{}", c.name);
        let mut stray = Vec::new();
        for y in 0..h as i32 {
            for x in 0..w as i32 {
                let i = ((y as u32 * w + x as u32) * 3) as usize;
                let (r, g, b) = (px[i] as i32, px[i + 1] as i32, px[i + 2] as i32);
                let coloured = r.max(g).max(b) - r.min(g).min(b) > 60;
                // A 4 px line along an axis reaches 2 px (and its anti-aliasing one more)
                // beyond the plot.
                if coloured
                    && !c.layout.plots.iter().any(|p| inside(p, x, y, 4))
                    && !c.layout.keys.iter().any(|k| inside(k, x, y, 2))
                {
                    stray.push((x, y));
                }
            }
        }
        assert!(
            stray.is_empty(),
            "{}: {} data pixels outside the plot, first at {:?}",
            c.name,
            stray.len(),
            stray.first()
        );
    }
}

#[test]
fn no_chart_label_overlaps_another() {
    for c in every_chart() {
        let labels = &c.layout.labels;
        assert!(labels.len() > 3, "{} has too little text", c.name);
        for (i, a) in labels.iter().enumerate() {
            assert!(
                a[0] >= 0
                    && a[1] >= 0
                    && a[2] <= c.layout.size.0 as i32
                    && a[3] <= c.layout.size.1 as i32,
                "{}: a label leaves the picture: {a:?}",
                c.name
            );
            for b in &labels[i + 1..] {
                assert!(
                    !overlaps(a, b),
                    "{}: labels {a:?} and {b:?} overlap",
                    c.name
                );
            }
        }
    }
}

#[test]
fn svg_and_png_carry_the_same_title_and_text_is_large_enough() {
    for c in every_chart() {
        assert!(
            c.svg.contains(&esc_xml(&c.title)) || c.name.starts_with("heatmap"),
            "{}: {}",
            c.name,
            c.title
        );
        assert_eq!(&c.png[..8], b"\x89PNG\r\n\x1a\n");
        // An em of 22 px on 1280 px is 9 pt when the chart fills an A4 page's width (186 mm).
        for size in c
            .svg
            .match_indices("font-size=\"")
            .map(|(i, _)| &c.svg[i + 11..])
        {
            let px: f64 = size.split('"').next().unwrap().parse().unwrap();
            assert!(
                px * 186.0 / 25.4 * 72.0 / 1280.0 >= 9.0,
                "{}: text at {px} px",
                c.name
            );
        }
    }
}

/// The text of every `<text>` element.
fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let body = &t[t.find('>')? + 1..];
            Some(body[..body.find("</text>")?].trim().to_string())
        })
        .collect()
}

fn esc_xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[test]
fn occupancy_charts_follow_the_roadmap() {
    let r = roadmap_run("base", 0);
    let charts = scenario_charts(&r).unwrap();
    let closing = r
        .roadmap
        .iter()
        .find(|c| c.ward.is_some() && !c.note.is_empty())
        .unwrap();
    let ward = closing.ward.as_deref().unwrap();
    let fan = charts
        .iter()
        .find(|c| c.name == format!("occupancy_{ward}"))
        .unwrap();
    for text in ["Capacity", "Roadmap change", "Weekly averages", "Apr "] {
        assert!(fan.svg.contains(text), "missing `{text}`");
    }
    let levels = charts
        .iter()
        .find(|c| c.name == format!("levels_{ward}"))
        .unwrap();
    let o = r
        .summary
        .occupancy
        .iter()
        .find(|o| o.subject == ward)
        .unwrap();
    assert!(o.segments.len() >= 2, "the roadmap changes {ward}");
    for g in shown_segments(o) {
        let heading = format!("{}: {} beds", g.last_day.format("%b %Y"), g.capacity);
        assert!(levels.svg.contains(&heading), "missing `{heading}`");
    }
}

#[test]
fn occupancy_charts_show_the_capacity_open_where_some_can_close() {
    let r = disrupted_run();
    let s = &r.summary;
    let charts = scenario_charts(&r).unwrap();
    let mut shown = 0;
    for d in s.daily.iter().filter(|d| d.measure == Measure::Occupied) {
        let years = open_by_year(s, &d.subject);
        let fan = charts
            .iter()
            .find(|c| c.name == format!("occupancy_{}", slug(&d.subject)))
            .unwrap();
        assert_eq!(
            fan.svg.contains("Open, on average"),
            !years.is_empty(),
            "{}",
            d.subject
        );
        if years.is_empty() {
            continue;
        }
        shown += 1;
        // One step a financial year, end to end over the reported days, each the year's
        // `mean_open_capacity`.
        assert_eq!(years.first().unwrap().0, 0);
        assert_eq!(years.last().unwrap().1, s.dates.len());
        assert!(years.windows(2).all(|w| w[0].1 == w[1].0));
        let kpis: Vec<f64> = (s.kpis.iter())
            .filter(|k| k.key.metric == Metric::MeanOpen && k.key.subject == *d.subject)
            .filter(|k| k.key.period != Period::Overall)
            .map(|k| k.estimate.mean)
            .collect();
        assert_eq!(years.iter().map(|y| y.2).collect::<Vec<_>>(), kpis);
        // Closed some of the time: below the roadmap's capacity in some year.
        let planned = d.capacity.iter().map(|&c| c as f64).fold(0.0, f64::max);
        assert!(years.iter().any(|y| y.2 < planned), "{}", d.subject);
    }
    // Every ward and home treatment can close in this scenario.
    assert!(shown >= 5, "{shown} charts show open capacity");
    let plain = roadmap_run("base", 0);
    let charts = scenario_charts(&plain).unwrap();
    assert!(charts.iter().all(|c| !c.svg.contains("Open, on average")));
}

#[test]
fn open_capacity_follows_the_roadmap_within_a_year() {
    // A ward that opens halfway through a year of 4 days, open half the time on average
    // (mean 2 over the year, against a planned mean of 4), then a full year open on
    // average 6 of its 8.
    let capacity = [0, 0, 8, 8, 8, 8, 8, 8];
    let steps = open_steps(&capacity, &[(0, 4, 2.0), (4, 8, 6.0)]);
    assert_eq!(
        steps,
        [
            (0.0, 0.0),
            (2.0, 0.0),
            (2.0, 4.0),
            (4.0, 4.0),
            (4.0, 6.0),
            (8.0, 6.0)
        ]
    );
    assert!(open_steps(&[], &[(0, 4, 2.0)]).is_empty());
    assert_eq!(
        open_steps(&[0, 0], &[(0, 2, 0.0)]),
        [(0.0, 0.0), (2.0, 0.0)]
    );
}

#[test]
fn sweep_charts_mark_the_target_and_the_cheapest_point() {
    let charts = sweep_charts(&sweep(false)).unwrap();
    let cost = charts
        .iter()
        .find(|c| c.name == "sweep_fam_cost_gbp")
        .unwrap();
    assert!(cost.svg.contains("lowest cost: places = "));
    let per_100k = charts
        .iter()
        .find(|c| c.name == "sweep_fam_admissions_per_100k")
        .unwrap();
    assert!(per_100k.svg.contains("target: at most 48"));
    assert!(per_100k.svg.contains("first meets the target"));
    let texts = svg_texts(&cost.svg);
    for x in ["0", "4", "8"] {
        assert!(texts.iter().any(|t| t == x), "tick {x} in {texts:?}");
    }
    assert!(
        !texts.iter().any(|t| t == "0.0" || t == "5.0"),
        "ticks at the swept values"
    );
    assert!(cost.svg.contains("home treatment: places") || cost.svg.contains(": places"));
    let grid = sweep_charts(&sweep(true)).unwrap();
    let heat = grid
        .iter()
        .find(|c| c.name.starts_with("heatmap_"))
        .unwrap();
    assert_eq!(heat.layout.keys.len(), 1, "a colour key");
}

#[test]
fn undefined_values_do_not_break_charts() {
    for mut r in [roadmap_run("nan", 4), disrupted_run()] {
        for k in &mut r.summary.kpis {
            k.estimate.mean = f64::NAN;
        }
        for d in &mut r.summary.daily {
            d.p5.iter_mut().for_each(|v| *v = f64::NAN);
            d.p95.iter_mut().for_each(|v| *v = f64::INFINITY);
        }
        assert!(scenario_charts(&r).is_ok());
    }
    let mut points = sweep(false);
    for p in &mut points {
        for k in &mut p.summary.kpis {
            k.estimate.ci_low = f64::NAN;
        }
    }
    assert!(sweep_charts(&points).is_ok());
}

#[test]
fn ticks_are_round_and_whole_when_asked() {
    assert_eq!(nice_ticks(0.0, 8.4, 6, true), [0.0, 2.0, 4.0, 6.0, 8.0]);
    assert_eq!(nice_ticks(0.0, 2.9, 6, true), [0.0, 1.0, 2.0]);
    assert_eq!(nice_ticks(-25.0, 3.0, 3, false), [-20.0, -10.0, 0.0]);
    assert_eq!(whole(8.0), "8");
    assert_eq!(money_tick(15e6), "£15m");
    assert_eq!(money_tick(-2e6), "−£2m");
}
