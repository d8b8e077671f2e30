//! Is this run long enough? The warm-up each pool needs, by MSER-5, and the replications each
//! headline KPI needs for a 95 % confidence interval within ±5 % of its mean.
//!
//! **Warm-up.** A pilot runs the scenario from empty wards with no warm-up, without its
//! roadmap changes and without demand growth (a step or a trend after the warm-up would read
//! as a transient: the warm-up is for the bias of starting empty), for as
//! long as the run simulates in all, with up to [`PILOT_REPLICATIONS`] replications. Each
//! pool's daily occupancy, averaged over the pilot's replications, is truncated by MSER-5
//! (White 1997, "An effective truncation heuristic for bias reduction in simulation output",
//! *Simulation* 69(6); with batches of five, White, Cobb & Spratt 2000): the truncation that
//! minimises the squared standard error of the mean of what is left, searched over the first
//! half of the series. A scenario that starts from a census has no warm-up to advise on.
//!
//! **Replications.** The sequential rule of Hoad, Robinson & Davies (2010), as in sim-tools'
//! `ReplicationsAlgorithm`: the smallest n ≥ 3 whose relative half-width
//! t(0.975; n − 1) · s / (√n · |mean|) is within 5 % and stays within for the next
//! `5` replications (5 n / 100 beyond 100). When the run's replications never meet it, the
//! estimate is n = ⌈(t(0.975; N − 1) · s / (0.05 · |mean|))²⌉ from the N it has.

use crate::exec;
use carepath_engine::{Measure, Metric, Period, PoolKind, Summary, SUMMARY_KPIS};
use carepath_scenario::LoadedScenario;
use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Replications of the warm-up pilot (fewer when the run has fewer).
pub const PILOT_REPLICATIONS: u32 = 10;
/// Observations per MSER batch.
const BATCH: usize = 5;
/// The fewest young people a daily series must hold on average to carry a warm-up signal.
pub const MIN_SIGNAL: f64 = 1.0;
/// The precision the replication advice aims at: half-width within 5 % of the mean.
pub const PRECISION: f64 = 0.05;
/// Replications that must stay within the precision after the one that first meets it.
const LOOK_AHEAD: usize = 5;

/// MSER-5: the number of leading observations to discard (a multiple of 5), or `None` for a
/// series of fewer than four batches.
pub fn mser5(series: &[f64]) -> Option<usize> {
    let batches: Vec<f64> = series
        .chunks_exact(BATCH)
        .map(|c| c.iter().sum::<f64>() / BATCH as f64)
        .collect();
    let n = batches.len();
    if n < 4 {
        return None;
    }
    // Sums and sums of squares of every tail, so each truncation costs O(1).
    let mut tails = vec![(0.0, 0.0); n + 1];
    for i in (0..n).rev() {
        tails[i] = (
            tails[i + 1].0 + batches[i],
            tails[i + 1].1 + batches[i] * batches[i],
        );
    }
    let mser = |d: usize| {
        let (s, ss) = tails[d];
        let m = (n - d) as f64;
        (ss - s * s / m).max(0.0) / (m * m)
    };
    (0..=n / 2)
        .min_by(|&a, &b| mser(a).total_cmp(&mser(b)))
        .map(|d| d * BATCH)
}

/// The replications a KPI needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Needed {
    pub replications: u32,
    /// Whether the run's own replications met the rule (else the number is extrapolated).
    pub reached: bool,
}

fn half_width(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0).map_or(f64::NAN, |d| d.inverse_cdf(0.975));
    (mean, t * sd / n.sqrt())
}

/// The replications needed for a 95 % CI within ±5 % of the mean, from a run's replication
/// values in replication order; `None` when the mean is zero or a value is undefined.
pub fn replications_needed(values: &[f64]) -> Option<Needed> {
    if values.len() < 3
        || values.iter().any(|v| !v.is_finite())
        || values.iter().sum::<f64>() == 0.0
    {
        return None;
    }
    let deviation = |n: usize| {
        let (mean, half) = half_width(&values[..n]);
        if half == 0.0 {
            0.0
        } else {
            half / mean.abs()
        }
    };
    // Each prefix costs O(n), so prefixes are judged only as the search reaches them: a run
    // of thousands that meets the rule early looks at a few hundred.
    let mut judged: Vec<Option<bool>> = vec![None; values.len() + 1];
    let mut within = |n: usize| *judged[n].get_or_insert_with(|| deviation(n) <= PRECISION);
    let ahead = |n: usize| {
        if n <= 100 {
            LOOK_AHEAD
        } else {
            LOOK_AHEAD * n / 100
        }
    };
    let reached = (3..=values.len())
        .find(|&n| n + ahead(n) <= values.len() && (n..=n + ahead(n)).all(&mut within));
    if let Some(n) = reached {
        return Some(Needed {
            replications: n as u32,
            reached: true,
        });
    }
    let (mean, half) = half_width(values);
    let n = values.len() as f64;
    let need = (half * n.sqrt() / (PRECISION * mean.abs())).powi(2).ceil();
    need.is_finite().then(|| Needed {
        replications: need.max(3.0) as u32,
        reached: false,
    })
}

/// The warm-up a scenario's pools need, from a pilot run.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Warmup {
    /// The scenario's `warmup_days`.
    pub used_days: u32,
    /// Replications of the pilot.
    pub pilot_replications: u32,
    /// Per ward, service and out of area: (subject, label, days to discard).
    pub pools: Vec<PoolWarmup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct PoolWarmup {
    pub subject: String,
    pub label: String,
    pub days: u32,
    /// How the days were found.
    pub rule: WarmupRule,
}

/// How a warm-up was advised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum WarmupRule {
    /// MSER-5 on the pilot's daily series.
    Mser5,
    /// Twice the heavy-traffic relaxation time of the bed queue (Whitt 1989), for a queue that
    /// no out-of-area trigger bounds.
    Relaxation,
}

impl WarmupRule {
    /// How the rule reads in a sentence: "by MSER-5".
    pub fn name(self) -> &'static str {
        match self {
            WarmupRule::Mser5 => "MSER-5",
            WarmupRule::Relaxation => "queue relaxation",
        }
    }
}

impl Warmup {
    /// The longest warm-up any pool needs, and that pool.
    pub fn recommended(&self) -> Option<&PoolWarmup> {
        self.pools.iter().max_by_key(|p| p.days)
    }

    pub fn too_short(&self) -> bool {
        self.recommended().is_some_and(|p| p.days > self.used_days)
    }
}

/// Runs the warm-up pilot of each scenario that is not a sweep point and does not start from
/// a census (`None` for the others).
pub fn warmups(
    scenarios: &[LoadedScenario],
    threads: Option<usize>,
) -> Result<Vec<Option<Warmup>>, crate::Error> {
    scenarios
        .iter()
        .map(|s| {
            if s.sweep.is_some() || s.scenario.census.is_some() {
                return Ok(None);
            }
            warmup(s, threads).map_err(crate::Error::Io)
        })
        .collect()
}

/// The pilot's advice; none when its waiting list grows without bound, as there is then no
/// steady state to warm up to.
fn warmup(s: &LoadedScenario, threads: Option<usize>) -> Result<Option<Warmup>, String> {
    let mut pilot = s.clone();
    // The pilot runs the scenario's central inputs only, never its parameter draws.
    pilot.draws = None;
    let sim = &mut pilot.scenario.simulation;
    let used = sim.warmup_days;
    // As long as the run in all, within the bound on any scenario's horizon.
    sim.years =
        (sim.years + f64::from(used) / 365.25).min(carepath_engine::scenario::limits::MAX_YEARS);
    sim.warmup_days = 0;
    // As many as the run has (all draws together), up to the pilot's size.
    sim.replications = s.runs().min(PILOT_REPLICATIONS);
    let replications = sim.replications;
    pilot.scenario.roadmap.clear();
    pilot.scenario.demand.annual_growth = 0.0;
    // The run's scenario is valid; its pilot differs only in dropping the roadmap and the
    // growth, which can still push it past a bound (more referrals without a roadmap's cut):
    // then there is no advice, rather than no run.
    let Ok(model) = pilot.scenario.validate() else {
        return Ok(None);
    };
    pilot.model = model;
    let (summaries, _) = match exec::run_all(std::slice::from_ref(&pilot), threads) {
        Ok(done) => done,
        Err(exec::Stop::Overload(_)) => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    let mut pools: Vec<PoolWarmup> = summaries.iter().flat_map(cuts).collect();
    pools.extend(
        summaries
            .first()
            .and_then(|p| relaxation(&pilot.scenario, p)),
    );
    Ok(Some(Warmup {
        used_days: used,
        pilot_replications: replications,
        pools,
    }))
}

/// The warm-up each daily series of a pilot needs: every ward's, service's and the out-of-area
/// pool's occupancy and the waiting lists (for a bed, and for each service's place), each cut
/// by MSER-5. A queue settles more slowly than the beds in front of it (near full, the beds
/// are soon full while the list is still growing), so occupancy alone would advise too short
/// a warm-up. A series that holds fewer than [`MIN_SIGNAL`] young people on average over the
/// pilot's second half is left out: its cut is set by noise, not by a transient (a mostly
/// empty out-of-area pool would otherwise set the advice).
pub fn cuts(summary: &Summary) -> Vec<PoolWarmup> {
    summary
        .daily
        .iter()
        .filter(|d| d.kind != PoolKind::Pathway || d.measure == Measure::Waiting)
        .filter(|d| {
            let tail = &d.mean[d.mean.len() / 2..];
            !tail.is_empty() && tail.iter().sum::<f64>() / tail.len() as f64 >= MIN_SIGNAL
        })
        .filter_map(|d| {
            Some(PoolWarmup {
                subject: d.subject.clone(),
                label: d.label.clone(),
                days: mser5(&d.mean)? as u32,
                rule: WarmupRule::Mser5,
            })
        })
        .collect()
}

/// A floor under the advice for a bed queue that can grow: when some urgency waits for a local
/// bed with no out-of-area trigger, the pilot's noise hides how slowly the list settles near
/// full (MSER-5 of 10 replications cut an M/M/10 queue at ρ = 0.95 after 170 days, where the
/// reported mean waiting was still 15 % low). The heavy-traffic relaxation time of the number in
/// an M/M/s system, τ = 1 / (sμ (1 − √ρ)²) (Whitt 1989, "Planning queueing simulations",
/// *Management Science* 35(11)), with s the local beds, 1/μ the pilot's mean local stay and
/// ρ its local bed requests a day × stay / beds, pools the wards into one. Twice τ is
/// advised: the transient decays as e^(−t/τ), so at most e^(−2) ≈ 14 % of the start's
/// deficit is left, and less on average over the run; and ρ is estimated from the pilot (at
/// ρ = 0.95 it read 0.92–0.93), where τ grows so fast as ρ nears 1 that one τ of the estimate
/// left the mean waiting up to 17 % low.
pub fn relaxation(scenario: &carepath_engine::Scenario, pilot: &Summary) -> Option<PoolWarmup> {
    let u = &scenario.urgency;
    let unbounded = [&u.emergency, &u.urgent, &u.routine].iter().any(|c| {
        let trigger = c.place_out_of_area_after_days.or(c.target_days);
        c.share > 0.0 && trigger.is_none_or(f64::is_infinite)
    });
    if !unbounded {
        return None;
    }
    let overall = |m: Metric| Some(pilot.kpi(m, "", Period::Overall)?.estimate.mean);
    let days = f64::from(pilot.periods.first()?.days);
    // Bed requests served locally: those that reach the list (a queue still filling admits
    // fewer than arrive, so admissions would understate the load).
    let admitted =
        overall(Metric::Referrals)? - overall(Metric::Declined)? - overall(Metric::Diverted)?
            + overall(Metric::Escalations)?
            - overall(Metric::OapPlacements)?;
    let stay = overall(Metric::LosMean)?;
    let beds: f64 = (scenario.wards.values())
        .filter(|w| w.out_of_area.is_none())
        .map(|w| f64::from(w.beds))
        .sum();
    let rho = admitted / days * stay / beds;
    if !(rho.is_finite() && rho > 0.0 && rho < 1.0 && stay > 0.0) {
        return None;
    }
    let tau = 1.0 / (beds / stay * (1.0 - rho.sqrt()).powi(2));
    let days = (2.0 * tau / BATCH as f64).ceil() * BATCH as f64;
    Some(PoolWarmup {
        subject: "pathway".into(),
        label: "Waiting for a bed".into(),
        days: days.min(f64::from(u32::MAX)) as u32,
        rule: WarmupRule::Relaxation,
    })
}

/// The replication advice for one headline KPI.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct KpiPrecision {
    pub metric: &'static str,
    #[schemars(with = "Option<f64>")]
    pub mean: f64,
    /// Half-width of the 95 % CI.
    #[schemars(with = "Option<f64>")]
    pub half_width: f64,
    /// Half-width as a share of the mean.
    #[schemars(with = "Option<f64>")]
    pub relative: f64,
    pub needed: Option<Needed>,
}

/// The replication advice for each headline KPI over the whole reported period.
pub fn precision(s: &Summary) -> Vec<(Metric, KpiPrecision)> {
    SUMMARY_KPIS
        .iter()
        .filter_map(|&m| {
            let k = s.kpi(m, "", Period::Overall)?;
            let e = &k.estimate;
            let half = (e.ci_high - e.ci_low) / 2.0;
            Some((
                m,
                KpiPrecision {
                    metric: m.name(),
                    mean: e.mean,
                    half_width: half,
                    relative: half / e.mean.abs(),
                    needed: replications_needed(&k.values.to_vec()),
                },
            ))
        })
        .collect()
}

/// The advice as `summary.json` carries it.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct AdviceJson {
    pub warmup: Option<Warmup>,
    pub replications: u32,
    pub precision: Vec<KpiPrecision>,
}

/// The advice as `summary.json` carries it, from a summary and its warm-up pilot.
pub fn advice_json(summary: &Summary, warmup: Option<&Warmup>) -> AdviceJson {
    AdviceJson {
        warmup: warmup.cloned(),
        replications: summary.replications,
        precision: precision(summary).into_iter().map(|(_, p)| p).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mser_cuts_a_transient_and_keeps_a_flat_series() {
        // 100 days rising linearly to 10, then 900 days alternating about 10.
        let series: Vec<f64> = (0..1000)
            .map(|i| {
                if i < 100 {
                    i as f64 / 10.0
                } else {
                    10.0 + if i % 2 == 0 { 0.5 } else { -0.5 }
                }
            })
            .collect();
        let d = mser5(&series).unwrap();
        assert!((80..=110).contains(&d), "{d}");
        let flat: Vec<f64> = (0..1000).map(|i| (i % 7) as f64).collect();
        assert!(mser5(&flat).unwrap() <= 50);
        assert_eq!(mser5(&[1.0; 19]), None);
    }

    /// M/M/c/c started empty with 60-day stays: occupancy rises as 30 (1 − e^(−t/60)), within
    /// 5 % of its level after 60 ln 20 ≈ 180 days. MSER-5 of the replication-averaged series
    /// cuts within a factor 2 of that.
    #[test]
    fn mser_finds_the_warm_up_of_an_empty_loss_system() {
        let mut s = carepath_engine::examples::erlang_loss(0.5, 60.0, 45, 20);
        s.simulation.warmup_days = 0;
        s.simulation.years = 3.0;
        let summary = carepath_engine::run(&s.validate().unwrap(), 0..20).unwrap();
        let ward = summary
            .daily
            .iter()
            .find(|d| d.kind == PoolKind::Ward)
            .unwrap();
        let settled = 60.0 * 20f64.ln();
        let d = mser5(&ward.mean).unwrap() as f64;
        assert!(
            settled / 2.0 <= d && d <= 2.0 * settled,
            "MSER-5 cut {d} days"
        );
    }

    #[test]
    fn replication_advice_is_the_sequential_rule_or_else_the_formula() {
        // Deterministic values about 100 with sd ≈ 10: the rule needs about (1.96 × 10 / 5)² ≈ 16.
        let noise = |i: usize| ((i * 7919 % 101) as f64 - 50.0) / 50.0 * 17.0;
        let values: Vec<f64> = (0..60).map(|i| 100.0 + noise(i)).collect();
        let n = replications_needed(&values).unwrap();
        assert!(n.reached);
        let within = |k: usize| {
            let (mean, half) = half_width(&values[..k]);
            half / mean <= PRECISION
        };
        let k = n.replications as usize;
        assert!((k..=k + LOOK_AHEAD).all(within), "meets the rule at {k}");
        assert!(
            (3..k).all(|j| !(j..=j + LOOK_AHEAD).all(within)),
            "and at no smaller n"
        );
        // Ten values: never within ±5 %, so the formula from all ten.
        let few = &values[..10];
        let n = replications_needed(few).unwrap();
        assert!(!n.reached);
        let mean = few.iter().sum::<f64>() / 10.0;
        let sd = (few.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 9.0).sqrt();
        let formula = (2.262_157_162_740_99 * sd / (0.05 * mean)).powi(2).ceil();
        assert_eq!(f64::from(n.replications), formula);
        assert_eq!(
            replications_needed(&[0.0; 10]),
            None,
            "a zero mean has no ±5 %"
        );
    }

    /// M/M/c with c = 10 beds, mean stay 10 days and ρ = 0.95, nobody placed out of area,
    /// started empty: the textbook mean number waiting is Erlang C's Lq = C(c, a) ρ / (1 − ρ)
    /// ≈ 15.7. The advice from a pilot as long as the run (warm-up and 5 years, 10
    /// replications) must cut far enough into the queue's transient that a run warmed up for
    /// that long reports Lq within 10 % (1,000 replications of 5 years). MSER-5 of the pilot's series, the waiting list's
    /// included, cuts too early here (the list is too noisy to show its slow rise): its
    /// warm-up leaves the mean more than 10 % low, which the relaxation time corrects.
    #[test]
    fn the_warm_up_advice_sees_the_queue_of_an_mmc_system_near_full() {
        let (c, stay, rho) = (10u32, 10.0, 0.95);
        let a = rho * f64::from(c);
        let mut s = carepath_engine::examples::erlang_loss(a / stay, stay, c, 10);
        let urgency = &mut s.urgency;
        for u in [
            &mut urgency.emergency,
            &mut urgency.urgent,
            &mut urgency.routine,
        ] {
            u.target_days = None;
            u.place_out_of_area_after_days = None;
        }
        let (years, warmup) = (5.0, 1500);
        s.simulation.years = years + f64::from(warmup) / 365.25;
        s.simulation.warmup_days = 0;
        let pilot = carepath_engine::run(&s.validate().unwrap(), 0..10).unwrap();
        let mut advice = cuts(&pilot);
        let mser = advice.iter().map(|p| p.days).max().unwrap();
        advice.extend(relaxation(&s, &pilot));
        let advised = advice.iter().map(|p| p.days).max().unwrap();
        assert!(
            advice.iter().all(|p| p.subject != "out_of_area"),
            "an empty pool advised: {advice:?}"
        );

        // Erlang C.
        let mut term = 1.0;
        let mut sum = 1.0;
        for k in 1..c {
            term *= a / f64::from(k);
            sum += term;
        }
        let top = term * a / f64::from(c) / (1.0 - rho);
        let lq = top / (sum + top) * rho / (1.0 - rho);

        let waiting_after = |days: u32| {
            let mut run = s.clone();
            run.simulation.years = years;
            run.simulation.warmup_days = days;
            run.simulation.replications = 1000;
            let summary = carepath_engine::run(&run.validate().unwrap(), 0..1000).unwrap();
            let e = &summary
                .kpi(Metric::MeanWaiting, "", Period::Overall)
                .unwrap()
                .estimate;
            // Precise enough to tell a 10 % bias from noise.
            assert!(e.ci_high - e.ci_low < 0.12 * lq, "{e:?}");
            e.mean
        };
        let got = waiting_after(advised);
        assert!(
            (got / lq - 1.0).abs() < 0.1,
            "after the advised {advised} days: mean waiting {got}, textbook {lq}"
        );
        let short = waiting_after(mser);
        assert!(
            short < 0.9 * lq,
            "MSER-5's {mser} days: mean waiting {short}, textbook {lq}"
        );
    }
}
