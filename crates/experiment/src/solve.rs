//! `carepath solve`: the smallest (or largest) value of one whole-number or date parameter that
//! meets a KPI target with stated confidence, or the cheapest pair of values of two.
//!
//! Each candidate is loaded as a one-point sweep of the scenario, so its values are checked as
//! `--sweep` checks them, and every candidate runs the same replication indices with the same
//! seed: the candidates see the same young people (common random numbers), so the difference
//! between neighbours is the parameter's effect rather than noise. The search assumes the
//! target KPI moves one way as the value grows, runs both ends of the range to learn which
//! way (a cost rises with beds, placements fall), and bisects. A candidate starts with the
//! scenario's replications and doubles them, up to `--max-reps`, while its confidence interval
//! at the stated level still straddles the threshold of the rule, so replications are spent
//! only where the answer is undecided.

use crate::{exec, verdict, Error, Invalid};
use carepath_engine::scenario::limits::{MAX_REPLICATIONS, MAX_SWEEP_POINTS};
use carepath_engine::{Metric, Overload};
use carepath_scenario::{self as config, Check, LoadOptions, LoadedScenario, Source};
use chrono::NaiveDate;
use rayon::prelude::*;
use serde_json::{json, Value};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The values a varied key takes: an inclusive range of whole numbers or of dates, each held
/// as a whole number (a date as its day number) so that the search is the same for both.
#[derive(Debug, Clone, PartialEq)]
pub struct Vary {
    /// The dotted key path as written (`wards.gau.beds`, `roadmap.new_picu.date`).
    pub key: String,
    pub lo: i64,
    /// The last value: `lo` plus a whole number of steps.
    pub hi: i64,
    /// Between values (in days for dates).
    pub step: i64,
    /// Whether the values are dates (day numbers from the common era).
    pub dates: bool,
}

impl Vary {
    /// Parses `key.path=lo..hi` or `key.path=lo..hi:step`, where `lo` and `hi` are whole
    /// numbers or `YYYY-MM-DD` dates and `step` a whole number (of days for dates; default 1).
    pub fn parse(arg: &str) -> Result<Vary, String> {
        const SYNTAX: &str = "expected `key.path=lo..hi[:step]`, e.g. `wards.gau.beds=10..40` or \
             `roadmap.new_picu.date=2024-04-01..2026-04-01:30`";
        let (key, range) = arg.split_once('=').ok_or(SYNTAX)?;
        let (lo, rest) = range.split_once("..").ok_or(SYNTAX)?;
        let (hi, step) = rest.split_once(':').unwrap_or((rest, "1"));
        let step = step
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|&s| s > 0)
            .ok_or_else(|| format!("`{range}`: the step must be a whole number above 0"))?;
        let (lo, hi) = (lo.trim(), hi.trim());
        let whole = |s: &str| s.parse::<i64>().ok();
        let date = |s: &str| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .ok()
                .map(|d| i64::from(chrono::Datelike::num_days_from_ce(&d)))
        };
        let (lo, hi, dates) = match (whole(lo), whole(hi), date(lo), date(hi)) {
            (Some(a), Some(b), _, _) => (a, b, false),
            (_, _, Some(a), Some(b)) => (a, b, true),
            _ => {
                return Err(format!(
                    "`{range}`: the ends must both be whole numbers or both dates (YYYY-MM-DD)"
                ))
            }
        };
        if hi < lo {
            return Err(format!("the range `{range}` ends before it starts"));
        }
        if key.trim().is_empty() {
            return Err(SYNTAX.into());
        }
        // Every value is then `lo + k × step` for k up to `(hi − lo) / step`, none overflowing.
        let span = hi
            .checked_sub(lo)
            .ok_or_else(|| format!("the range `{range}` is too wide"))?;
        Ok(Vary {
            key: key.trim().to_string(),
            lo,
            hi: lo + span / step * step,
            step,
            dates,
        })
    }

    /// The value as a scenario file writes it: `17`, `2025-04-01`.
    pub fn show(&self, v: i64) -> String {
        if self.dates {
            i32::try_from(v)
                .ok()
                .and_then(NaiveDate::from_num_days_from_ce_opt)
                .map_or_else(|| v.to_string(), |d| d.to_string())
        } else {
            v.to_string()
        }
    }

    fn json(&self, v: i64) -> Value {
        if self.dates {
            json!(self.show(v))
        } else {
            json!(v)
        }
    }
}

/// How "meets the target with confidence q" is judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The one-sided q confidence bound of the KPI's mean is within the target (the upper
    /// bound for `<=`, the lower for `>=`).
    Mean,
    /// At least a share q of replications meet the target.
    PerReplication,
}

/// A KPI target with one bound.
#[derive(Debug, Clone)]
pub struct Target {
    pub check: Check,
    /// The bound.
    pub value: f64,
    /// `<=` (else `>=`).
    pub at_most: bool,
}

impl Target {
    pub fn parse(arg: &str) -> Result<Target, String> {
        let check = config::parse_check_arg(arg)?;
        let (value, at_most) = match (check.min, check.max) {
            (None, Some(v)) => (v, true),
            (Some(v), None) => (v, false),
            _ => return Err(format!("`{arg}`: a target has one bound")),
        };
        Ok(Target {
            check,
            value,
            at_most,
        })
    }

    fn met_by(&self, x: f64) -> bool {
        self.check.passes(x)
    }
}

/// What the replications of one candidate say.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Judgement {
    pub n: usize,
    pub mean: f64,
    /// Two-sided 95 % t interval of the mean.
    pub ci: (f64, f64),
    /// The one-sided q bound the mean rule tests (upper for `<=`, lower for `>=`).
    pub bound: f64,
    /// Share of replications that meet the target.
    pub share: f64,
    /// The rule holds on these replications.
    pub meets: bool,
    /// More replications could change `meets`: the q interval straddles the rule's threshold.
    pub undecided: bool,
}

/// Judges a candidate's replications (NaN values never meet a target).
pub fn judge(values: &[f64], target: &Target, rule: Rule, q: f64) -> Judgement {
    let n = values.len();
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let sd = if n > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (nf - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let se = sd / nf.sqrt();
    let t = |p: f64| {
        if se == 0.0 {
            0.0
        } else {
            StudentsT::new(0.0, 1.0, nf - 1.0).map_or(f64::NAN, |d| d.inverse_cdf(p))
        }
    };
    let ci = (mean - t(0.975) * se, mean + t(0.975) * se);
    let (lower, upper) = (mean - t(q) * se, mean + t(q) * se);
    let share = values.iter().filter(|&&v| target.met_by(v)).count() as f64 / nf;
    let (bound, meets, undecided) = match rule {
        Rule::Mean => {
            let (near, far) = if target.at_most {
                (upper, lower)
            } else {
                (lower, upper)
            };
            let meets = target.met_by(near);
            (near, meets, !meets && target.met_by(far))
        }
        Rule::PerReplication => {
            let (lo, hi) = wilson(share, nf, q);
            let bound = if target.at_most { upper } else { lower };
            (bound, share >= q, lo < q && q <= hi)
        }
    };
    Judgement {
        n,
        mean,
        ci,
        bound,
        share,
        meets,
        undecided,
    }
}

/// Wilson's interval for a proportion `p` of `n`, two-sided at level 2q − 1 (so each side has
/// confidence q).
fn wilson(p: f64, n: f64, q: f64) -> (f64, f64) {
    let z = Normal::new(0.0, 1.0).map_or(f64::NAN, |d| d.inverse_cdf(q));
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

/// A candidate: one value per varied key (a date as its day number).
type Point = Vec<i64>;

/// One candidate: its scenario and the replications run so far.
struct Candidate {
    scenario: LoadedScenario,
    /// Target KPI per replication, by index.
    target: Vec<f64>,
    /// The KPI to minimise per replication (empty without `--minimise`).
    cost: Vec<f64>,
    judgement: Judgement,
}

/// The search: what is asked, and every candidate run so far.
struct Solver {
    scenario: Source,
    opts: LoadOptions,
    varies: Vec<Vary>,
    target: Target,
    minimise: Option<Check>,
    rule: Rule,
    q: f64,
    max_reps: Option<u32>,
    largest: bool,
    pool: rayon::ThreadPool,
    runs: BTreeMap<Vec<i64>, Candidate>,
}

impl Solver {
    /// Loads the scenario at `at`, reporting problems (exit 2).
    fn load(&self, at: &[i64]) -> Result<LoadedScenario, Error> {
        let mut opts = self.opts.clone();
        opts.sweeps = self
            .varies
            .iter()
            .zip(at)
            .map(|(v, &x)| format!("{}={}", v.key, v.show(x)))
            .collect();
        let loaded = config::load_sources(std::slice::from_ref(&self.scenario), &opts)
            .map_err(|e| Error::Invalid(Invalid::Files(e)))?;
        let mut checks = vec![self.target.check.clone()];
        checks.extend(self.minimise.clone());
        let unknown = verdict::unknown_kpis(&loaded, &checks);
        if !unknown.is_empty() {
            return Err(Error::Invalid(Invalid::Files(unknown)));
        }
        match <[LoadedScenario; 1]>::try_from(loaded) {
            Ok([s]) => Ok(s),
            Err(_) => Err(Error::Invalid(Invalid::Usage(
                "`solve` takes one scenario file".into(),
            ))),
        }
    }

    /// Runs the candidate at `at` until its judgement is decided or it has `--max-reps`
    /// replications, and returns whether it meets the target.
    fn meets(&mut self, at: &[i64]) -> Result<bool, Error> {
        let mut c = match self.runs.remove(at) {
            Some(c) => c,
            None => {
                let scenario = self.load(at)?;
                if self.rule == Rule::Mean && scenario.model.replications() < 2 {
                    return Err(Error::Invalid(Invalid::Usage(
                        "the confidence bound of a mean needs at least 2 replications".into(),
                    )));
                }
                let n = scenario.model.replications();
                let mut c = Candidate {
                    scenario,
                    target: Vec::new(),
                    cost: Vec::new(),
                    judgement: judge(&[], &self.target, self.rule, self.q),
                };
                self.extend(&mut c, n)?;
                c
            }
        };
        let first = c.scenario.model.replications();
        let most = self
            .max_reps
            .unwrap_or(first.saturating_mul(8).min(MAX_REPLICATIONS))
            .max(first) as usize;
        while c.judgement.undecided && c.target.len() < most {
            let n = (c.target.len() * 2).min(most) as u32;
            self.extend(&mut c, n)?;
        }
        let meets = c.judgement.meets;
        self.runs.insert(at.to_vec(), c);
        Ok(meets)
    }

    /// Runs replications `c.target.len()..n` of a candidate, in parallel, in index order.
    /// A replication whose waiting list grows without bound stops the search: the first in
    /// index order is reported.
    fn extend(&self, c: &mut Candidate, n: u32) -> Result<(), Error> {
        let model = &c.scenario.model;
        let index = |check: &Check| {
            model.kpi_keys().iter().position(|k| {
                k.metric == check.metric && k.subject == check.subject && k.period == check.period
            })
        };
        let target = index(&self.target.check);
        let cost = self.minimise.as_ref().and_then(index);
        let from = c.target.len() as u32;
        let values: Vec<Result<(f64, f64), Overload>> = self.pool.install(|| {
            (from..n)
                .into_par_iter()
                .map(|r| {
                    let rep = model.run_replication(r)?;
                    let at = |i: Option<usize>| i.map_or(f64::NAN, |i| rep.values[i]);
                    Ok((at(target), at(cost)))
                })
                .collect()
        });
        for value in values {
            let (t, k) = value.map_err(|e| {
                Error::from(exec::Stop::Overload(Box::new(exec::overload_error(
                    &c.scenario,
                    &e,
                ))))
            })?;
            c.target.push(t);
            c.cost.push(k);
        }
        c.judgement = judge(&c.target, &self.target, self.rule, self.q);
        Ok(())
    }

    /// The smallest (or largest) value of the last varied key meeting the target, the others
    /// fixed at `fixed`; `None` when neither end of its range does.
    ///
    /// Both ends run first, so the data say which way the KPI moves (placements fall as beds
    /// grow, a cost rises): if the end asked for (the low end for the smallest, the high end
    /// for the largest) meets the target it is the answer; if only the other end does, the
    /// boundary lies between them and is bisected; if neither does, no value does, provided
    /// the KPI moves one way as the value grows.
    fn boundary(&mut self, fixed: &[i64]) -> Result<Option<i64>, Error> {
        let v = self.varies.last().ok_or_else(|| {
            Error::Invalid(Invalid::Usage("`solve` varies one or two keys".into()))
        })?;
        let (lo, step) = (v.lo, v.step);
        // `Vary::parse` keeps `hi` a whole number of steps above `lo`, and `hi − lo` in range.
        let last = (v.hi - v.lo) / step;
        // Bisect over step numbers; only `value` turns one into the value a point holds.
        let value = |k: i64| lo + k * step;
        let at = |k: i64| [fixed, &[value(k)]].concat();
        let (wanted, other) = if self.largest { (last, 0) } else { (0, last) };
        if self.meets(&at(wanted))? {
            return Ok(Some(value(wanted)));
        }
        if wanted == other || !self.meets(&at(other))? {
            return Ok(None);
        }
        let (mut pass, mut fail) = (other, wanted);
        while (pass - fail).abs() > 1 {
            let mid = fail + (pass - fail) / 2;
            if self.meets(&at(mid))? {
                pass = mid;
            } else {
                fail = mid;
            }
        }
        Ok(Some(value(pass)))
    }

    /// The answer: for one key its boundary; for two, the boundary of the second for each
    /// value of the first, and of those the one with the lowest mean of the KPI to minimise.
    /// Also the points to show beside it (its neighbours).
    fn solve(&mut self) -> Result<Option<(Point, Vec<Point>)>, Error> {
        if self.varies.len() == 1 {
            let Some(x) = self.boundary(&[])? else {
                return Ok(None);
            };
            let v = &self.varies[0];
            let near: Vec<Vec<i64>> = [x.checked_sub(v.step), x.checked_add(v.step)]
                .into_iter()
                .flatten()
                .filter(|n| (v.lo..=v.hi).contains(n))
                .map(|n| vec![n])
                .collect();
            for n in &near {
                self.meets(n)?;
            }
            return Ok(Some((vec![x], near)));
        }
        let first = self.varies[0].clone();
        let mut frontier = Vec::new();
        for a in (first.lo..=first.hi).step_by(first.step as usize) {
            if let Some(b) = self.boundary(&[a])? {
                frontier.push(vec![a, b]);
            }
        }
        let cost =
            |p: &Vec<i64>| self.runs[p].cost.iter().sum::<f64>() / self.runs[p].cost.len() as f64;
        let Some(best) = frontier
            .iter()
            .min_by(|a, b| cost(a).total_cmp(&cost(b)))
            .cloned()
        else {
            return Ok(None);
        };
        let near = frontier
            .iter()
            .filter(|p| (p[0] - best[0]).abs() == first.step)
            .cloned()
            .collect();
        Ok(Some((best, near)))
    }

    /// Points in the frontier chart and table: every candidate for one key; for two, the
    /// boundary point of each value of the first.
    fn shown(&self) -> Vec<(&Vec<i64>, &Candidate)> {
        if self.varies.len() == 1 {
            return self.runs.iter().collect();
        }
        let mut best: BTreeMap<i64, (&Vec<i64>, &Candidate)> = BTreeMap::new();
        for (at, c) in self.runs.iter().filter(|(_, c)| c.judgement.meets) {
            let better = |old: &Vec<i64>| {
                if self.largest {
                    at[1] > old[1]
                } else {
                    at[1] < old[1]
                }
            };
            if best.get(&at[0]).is_none_or(|(old, _)| better(old)) {
                best.insert(at[0], (at, c));
            }
        }
        best.into_values().collect()
    }

    fn rule_words(&self) -> String {
        let pct = format!("{} %", self.q * 100.0);
        match self.rule {
            Rule::Mean => format!(
                "{pct} one-sided {} confidence bound of the mean",
                if self.target.at_most {
                    "upper"
                } else {
                    "lower"
                }
            ),
            Rule::PerReplication => format!("at least {pct} of replications"),
        }
    }

    fn point_words(&self, at: &[i64]) -> String {
        self.varies
            .iter()
            .zip(at)
            .map(|(v, &x)| format!("{} = {}", v.key, v.show(x)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A table of candidates: values, replications, mean, 95 % CI, bound, share, meets.
    fn table(&self, rows: &[(&Vec<i64>, &Candidate)], answer: Option<&[i64]>) -> String {
        let mut out = String::new();
        let keys: Vec<&str> = self.varies.iter().map(|v| leaf(&v.key)).collect();
        let _ = write!(
            out,
            "{}",
            keys.iter().map(|k| format!("{k:>12}")).collect::<String>()
        );
        let _ = write!(
            out,
            " {:>6} {:>12} {:>25} {:>12} {:>7} {:>6}",
            "reps", "mean", "95 % CI", "bound", "share", "meets"
        );
        if let Some(m) = &self.minimise {
            let _ = write!(out, " {:>14}", m.metric.name());
        }
        out.push('\n');
        for (at, c) in rows {
            let j = &c.judgement;
            for (v, &x) in self.varies.iter().zip(at.iter()) {
                let _ = write!(out, "{:>12}", v.show(x));
            }
            let _ = write!(
                out,
                " {:>6} {:>12.4} {:>25} {:>12.4} {:>6.0}% {:>6}",
                j.n,
                j.mean,
                format!("{:.4} to {:.4}", j.ci.0, j.ci.1),
                j.bound,
                j.share * 100.0,
                if j.meets { "yes" } else { "no" }
            );
            if self.minimise.is_some() {
                let cost = c.cost.iter().sum::<f64>() / c.cost.len() as f64;
                let _ = write!(out, " {cost:>14.1}");
            }
            if answer == Some(at.as_slice()) {
                out.push_str("  ← answer");
            }
            out.push('\n');
        }
        out
    }

    /// `solve.csv`: every candidate run.
    fn csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut header: Vec<String> = self.varies.iter().map(|v| v.key.clone()).collect();
        header.extend(
            [
                "replications",
                "mean",
                "ci_low",
                "ci_high",
                "bound",
                "share_meeting",
                "meets",
            ]
            .map(String::from),
        );
        if let Some(m) = &self.minimise {
            header.push(format!("{}_mean", m.metric.name()));
        }
        let _ = w.write_record(&header);
        for (at, c) in &self.runs {
            let j = &c.judgement;
            let mut row: Vec<String> = self
                .varies
                .iter()
                .zip(at)
                .map(|(v, &x)| v.show(x))
                .collect();
            row.extend([
                j.n.to_string(),
                j.mean.to_string(),
                j.ci.0.to_string(),
                j.ci.1.to_string(),
                j.bound.to_string(),
                j.share.to_string(),
                j.meets.to_string(),
            ]);
            if self.minimise.is_some() {
                row.push((c.cost.iter().sum::<f64>() / c.cost.len() as f64).to_string());
            }
            let _ = w.write_record(&row);
        }
        w.into_inner().unwrap_or_default()
    }

    /// The KPI against the varied value (one key), or the KPI minimised against the first key
    /// at the boundary of the second (two keys), with the answer marked.
    fn plot(&self, answer: &[i64]) -> SolvePlot {
        let rows = self.shown();
        let first = &self.varies[0];
        let two = self.varies.len() == 2;
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        let points: Vec<(f64, f64, f64, f64)> = rows
            .iter()
            .map(|(at, c)| {
                let x = at[0] as f64;
                if two {
                    let j = judge(&c.cost, &self.target, Rule::Mean, 0.5);
                    (x, mean(&c.cost), j.ci.0, j.ci.1)
                } else {
                    let j = &c.judgement;
                    (x, j.mean, j.ci.0, j.ci.1)
                }
            })
            .collect();
        let y = |at: &[i64]| {
            points
                .iter()
                .find(|p| p.0 == at[0] as f64)
                .map_or(f64::NAN, |p| p.1)
        };
        let kpi = |c: &Check| {
            let mut s = c.metric.label().to_string();
            if !c.subject.is_empty() {
                let _ = write!(s, "[{}]", c.subject);
            }
            if let carepath_engine::Period::FinancialYear(fy) = c.period {
                let _ = write!(s, " in {fy}");
            }
            s
        };
        let (metric, title, target) = match (&self.minimise, two) {
            (Some(m), true) => (
                m.metric,
                format!(
                    "{} at the {} {} meeting {}",
                    kpi(m),
                    if self.largest { "largest" } else { "smallest" },
                    leaf(&self.varies[1].key),
                    self.target.check
                ),
                None,
            ),
            _ => (
                self.target.check.metric,
                format!("{} against {}", kpi(&self.target.check), leaf(&first.key)),
                Some((
                    self.target.value,
                    format!(
                        "target: {} {}",
                        if self.target.at_most {
                            "at most"
                        } else {
                            "at least"
                        },
                        self.target.value
                    ),
                )),
            ),
        };
        let label = self
            .varies
            .iter()
            .zip(answer)
            .map(|(v, &x)| format!("{} = {}", leaf(&v.key), v.show(x)))
            .collect::<Vec<_>>()
            .join(", ");
        let label = format!("answer: {label}");
        let answer = (answer[0] as f64, y(answer), label);
        SolvePlot {
            title,
            x_desc: first.key.clone(),
            y_desc: format!("{} (mean over replications)", metric.label()),
            metric,
            points,
            target,
            answer,
            dates: first.dates,
        }
    }
}

/// `places` for `services.home_treatment.places`.
fn leaf(key: &str) -> &str {
    key.rsplit('.').next().unwrap_or(key)
}

/// What `solve` found, before anything is published or printed.
pub struct Solved {
    /// "the smallest … meeting …".
    pub question: String,
    /// The candidates the terminal shows (those near the answer), as a table.
    pub table: String,
    /// Every candidate run, as `solve/solve.csv`.
    pub csv: Vec<u8>,
    /// How many candidates were run.
    pub candidates: usize,
    /// The command line's `--check`s.
    pub checks: Vec<Check>,
    /// The answer; `None` when no value in the range meets the target.
    pub answer: Option<Answer>,
    /// Why there is no answer, in one sentence.
    pub infeasible: String,
}

/// The value that meets the target, and its point run with the replications it rests on.
pub struct Answer {
    /// As `solve --json` prints it: `value` (or each key's), the KPI's `kpi`, `ci_low`,
    /// `ci_high`, `bound`, `share_meeting` and `replications`.
    pub json: Value,
    /// The answer in one line.
    pub words: String,
    /// The chosen point: one scenario, and its summary.
    pub scenarios: Vec<LoadedScenario>,
    pub summaries: Vec<carepath_engine::Summary>,
    pub timing: exec::Timing,
    /// What the search's chart shows.
    pub plot: SolvePlot,
}

/// What `solve.png` draws: the KPI at each value tried, the target and the answer.
pub struct SolvePlot {
    pub title: String,
    pub x_desc: String,
    pub y_desc: String,
    pub metric: Metric,
    /// (value, mean, 95 % CI low, high), in any order.
    pub points: Vec<(f64, f64, f64, f64)>,
    /// The target and its label.
    pub target: Option<(f64, String)>,
    /// The answer: (value, mean, label).
    pub answer: (f64, f64, String),
    /// Whether the values are dates (day numbers from the common era), ticked as months.
    pub dates: bool,
}

/// What `solve` is asked: the scenario, the keys it varies and the target, and how sure the
/// answer must be. The command builds it from its arguments; Python builds it directly.
#[derive(Debug, Clone)]
pub struct SolveRequest {
    /// The scenario: a file, or its text.
    pub scenario: Source,
    /// `KEY=LO..HI[:STEP]`, one or two.
    pub vary: Vec<String>,
    /// `KPI<=X` or `KPI>=X`.
    pub target: String,
    /// The confidence the answer must have, in [0.5, 1).
    pub confidence: f64,
    /// Judge the share of replications that meet the target, not the mean.
    pub per_replication: bool,
    /// The largest value that meets the target, not the smallest.
    pub largest: bool,
    /// With two keys: the KPI to minimise among the combinations that meet the target.
    pub minimise: Option<String>,
    /// Replications a candidate may double up to.
    pub max_reps: Option<u32>,
    /// `--set`, `--reps` and `--seed`.
    pub options: LoadOptions,
    pub threads: Option<usize>,
    /// `--check` conditions on the chosen point.
    pub checks: Vec<String>,
}

/// Checks the arguments and runs the search, then the chosen point with the replications its
/// answer rests on.
pub fn search(args: &SolveRequest) -> Result<Solved, Error> {
    let invalid = |m: String| Error::Invalid(Invalid::Usage(m));
    let varies: Vec<Vary> = args
        .vary
        .iter()
        .map(|a| Vary::parse(a).map_err(|m| format!("--vary {a}: {m}")))
        .collect::<Result<_, _>>()
        .map_err(invalid)?;
    let target = Target::parse(&args.target).map_err(|m| invalid(format!("--target: {m}")))?;
    let minimise = args
        .minimise
        .as_ref()
        .map(|k| {
            config::parse_check_arg(&format!("{k}<=0")).map_err(|_| {
                invalid(format!(
                    "--minimise {k}: expected a KPI such as `cost_gbp@2026/27`"
                ))
            })
        })
        .transpose()?;
    match (varies.len(), &minimise) {
        (1, None) | (2, Some(_)) => {}
        (2, None) => return Err(invalid("two `--vary` keys need `--minimise KPI` to choose between the combinations that meet the target".into())),
        (1, Some(_)) => return Err(invalid("`--minimise` chooses between combinations of two `--vary` keys; give a second".into())),
        _ => return Err(invalid("`solve` varies one or two keys".into())),
    }
    if let [a, b] = varies.as_slice() {
        if a.key == b.key {
            return Err(invalid(format!("`{}` is varied twice", a.key)));
        }
        // Each value of the first key is a search of its own, so its count bounds the time.
        if (a.hi - a.lo) / a.step >= MAX_SWEEP_POINTS as i64 {
            return Err(invalid(format!(
                "--vary {}: more than {MAX_SWEEP_POINTS} values; the first key of two is searched \
                 value by value, so give it a shorter range or a larger step",
                a.key
            )));
        }
    }
    if let Some(n) = args.max_reps.filter(|&n| n > MAX_REPLICATIONS) {
        return Err(invalid(format!(
            "--max-reps {n}: at most {MAX_REPLICATIONS} replications, as for `--reps`"
        )));
    }
    if !(0.5..1.0).contains(&args.confidence) {
        return Err(invalid(format!(
            "--confidence {}: a level from 0.5 up to (not including) 1, e.g. 0.9",
            args.confidence
        )));
    }
    let opts = args.options.clone();
    let mut solver = Solver {
        scenario: args.scenario.clone(),
        opts,
        varies,
        target,
        minimise,
        rule: if args.per_replication {
            Rule::PerReplication
        } else {
            Rule::Mean
        },
        q: args.confidence,
        max_reps: args.max_reps,
        largest: args.largest,
        pool: {
            exec::check_threads(args.threads)?;
            exec::thread_pool(args.threads)?
        },
        runs: BTreeMap::new(),
    };
    let cli_checks: Vec<Check> = args
        .checks
        .iter()
        .map(|c| config::parse_check_arg(c).map_err(|m| format!("--check {c}: {m}")))
        .collect::<Result<_, _>>()
        .map_err(invalid)?;
    let start = std::time::Instant::now();
    let found = solver.solve()?;
    let ranges = solver
        .varies
        .iter()
        .map(|v| match v.step {
            1 => format!("{} in {}..{}", v.key, v.show(v.lo), v.show(v.hi)),
            s => format!("{} in {}..{} every {s}", v.key, v.show(v.lo), v.show(v.hi)),
        })
        .collect::<Vec<_>>()
        .join(" and ");
    let goal = format!("{} ({})", solver.target.check, solver.rule_words());
    let extreme = if solver.largest {
        "largest"
    } else {
        "smallest"
    };
    let what = format!("the {extreme} {ranges} meeting {goal}");
    let mut infeasible = format!("no feasible value: no value of {ranges} meets {goal}");
    if matches!(solver.varies.as_slice(), [v] if v.hi > v.lo) {
        infeasible.push_str(
            ": neither end of the range does, and the KPI is taken to move one way as the value grows",
        );
    }
    let Some((answer, near)) = found else {
        let rows: Vec<_> = solver.runs.iter().collect();
        return Ok(Solved {
            question: what,
            table: solver.table(&rows, None),
            csv: solver.csv(),
            candidates: solver.runs.len(),
            checks: cli_checks,
            answer: None,
            infeasible,
        });
    };

    // The chosen point, with the replications its answer rests on.
    let c = &solver.runs[&answer];
    let j = c.judgement;
    solver.opts.reps = Some(j.n as u32);
    let chosen = [solver.load(&answer)?];
    let c = &solver.runs[&answer];
    let (summaries, timing) = exec::run_all(&chosen, args.threads)?;
    let timing = exec::Timing {
        elapsed: start.elapsed(),
        ..timing
    };
    // What the search's chart shows, drawn and published with the chosen point's outputs.
    let plot = solver.plot(&answer);
    let value = match solver.varies.as_slice() {
        [v] => v.json(answer[0]),
        vs => Value::Object(
            vs.iter()
                .zip(&answer)
                .map(|(v, &x)| (v.key.clone(), v.json(x)))
                .collect(),
        ),
    };
    let finite = |x: f64| x.is_finite().then_some(x);
    let mut json = json!({
        "value": value,
        "kpi": finite(j.mean),
        "ci_low": finite(j.ci.0),
        "ci_high": finite(j.ci.1),
        "bound": finite(j.bound),
        "share_meeting": finite(j.share),
        "replications": j.n,
    });
    if let Some(m) = &solver.minimise {
        let cost = c.cost.iter().sum::<f64>() / c.cost.len() as f64;
        json[m.metric.name()] = json!(finite(cost));
    }
    let words = format!(
        "answer: {}: {} mean {:.4} (95 % CI {:.4} to {:.4}; bound {:.4}; {:.0} % of {} replications meet it)",
        solver.point_words(&answer),
        solver.target.check.metric.name(),
        j.mean,
        j.ci.0,
        j.ci.1,
        j.bound,
        j.share * 100.0,
        j.n
    );
    let mut rows: Vec<_> = solver.shown();
    if solver.varies.len() == 1 {
        rows.retain(|(at, _)| **at == answer || near.contains(at));
    }
    Ok(Solved {
        question: what,
        table: solver.table(&rows, Some(&answer)),
        csv: solver.csv(),
        candidates: solver.runs.len(),
        checks: cli_checks,
        answer: Some(Answer {
            json,
            words,
            scenarios: chosen.into(),
            summaries,
            timing,
            plot,
        }),
        infeasible,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> Target {
        Target::parse(s).unwrap()
    }

    #[test]
    fn ranges_of_numbers_and_dates() {
        let v = Vary::parse("wards.gau.beds=10..40").unwrap();
        assert_eq!((v.lo, v.hi, v.dates), (10, 40, false));
        let d = Vary::parse("roadmap.new_picu.date=2024-04-01..2024-04-03").unwrap();
        assert_eq!((d.hi - d.lo, d.step), (2, 1));
        assert_eq!(d.show(d.lo + 1), "2024-04-02");
        let d = Vary::parse("roadmap.new_picu.date=2024-04-01..2024-05-15:30").unwrap();
        assert_eq!((d.show(d.hi), d.step), ("2024-05-01".to_string(), 30));
        assert!(Vary::parse("x=1..5:0").unwrap_err().contains("step"));
        assert!(Vary::parse("x=3..1").unwrap_err().contains("ends before"));
        assert!(Vary::parse("x=1..2024-01-01").unwrap_err().contains("both"));
        assert!(Vary::parse("x").is_err());
        let wide = format!("x={}..{}", i64::MIN, i64::MAX);
        assert!(Vary::parse(&wide).unwrap_err().contains("too wide"));
        let one = Vary::parse("x=14..14").unwrap();
        assert_eq!((one.lo, one.hi), (14, 14));
    }

    #[test]
    fn the_mean_rule_is_the_one_sided_t_bound() {
        // Mean 10, sd √(4/3), n 4: the 90 % upper bound is 10 + t(0.9; 3) × sd / 2 = 10.9456.
        let v = [9.0, 11.0, 9.0, 11.0];
        let j = judge(&v, &target("oap_placements<=11.0"), Rule::Mean, 0.9);
        let sd = (v.iter().map(|x| (x - 10.0f64).powi(2)).sum::<f64>() / 3.0).sqrt();
        assert!((j.mean - 10.0).abs() < 1e-12);
        assert!((j.bound - (10.0 + 1.637_744_353_696_21 * sd / 2.0)).abs() < 1e-9);
        assert!(j.meets && !j.undecided);
        let j = judge(&v, &target("oap_placements<=10.5"), Rule::Mean, 0.9);
        assert!(
            !j.meets && j.undecided,
            "the mean is within, its bound is not"
        );
        let j = judge(&v, &target("oap_placements<=9.0"), Rule::Mean, 0.9);
        assert!(!j.meets && !j.undecided, "even the lower bound is above");
        let j = judge(&v, &target("oap_placements>=9.1"), Rule::Mean, 0.9);
        assert!(!j.meets && j.undecided);
        assert!((j.bound - (10.0 - 1.637_744_353_696_21 * sd / 2.0)).abs() < 1e-9);
    }

    #[test]
    fn the_per_replication_rule_counts_replications() {
        let v: Vec<f64> = (0..100).map(f64::from).collect();
        let j = judge(&v, &target("oap_placements<=89"), Rule::PerReplication, 0.9);
        assert_eq!(j.share, 0.9);
        assert!(
            j.meets && j.undecided,
            "90 of 100: meets, but not decisively"
        );
        let j = judge(&v, &target("oap_placements<=49"), Rule::PerReplication, 0.9);
        assert!(!j.meets && !j.undecided);
        let j = judge(
            &v,
            &target("oap_placements<=200"),
            Rule::PerReplication,
            0.9,
        );
        assert!(j.meets && !j.undecided);
    }
}
