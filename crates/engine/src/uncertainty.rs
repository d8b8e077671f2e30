//! Second-order Monte Carlo: inputs whose values are uncertain, drawn by Latin hypercube, and
//! what the draws say about each KPI.
//!
//! A scenario with uncertain inputs runs `draws × replications` replications: draw `d` is a
//! model compiled with the `d`-th parameter set, and its replications have the indices
//! `d × replications … (d + 1) × replications − 1` (see [`replication`]). So every replication
//! of the run is independent, the pooled [`Summary`] is the predictive distribution of each KPI
//! (parameter and stochastic uncertainty together), and a draw whose inputs are all fixed gives
//! exactly the results of a certain run with `draws × replications` replications.
//!
//! For each KPI, [`analyse`] reports:
//! - the **95 % uncertainty interval**: the 2.5th and 97.5th percentiles of the draws' means
//!   (each the mean over that draw's replications, so it still carries their stochastic error);
//! - each input's **first-order variance share**, estimated by the *correlation ratio* on the
//!   Latin hypercube design: the draws are cut into √N groups of equal size by the input's
//!   value, and the share is the between-group variance of the draw means over their total
//!   variance, bias-corrected as ε² = (SS_between − (groups − 1) · MS_within) / SS_total so that
//!   an input with no effect gets about 0 rather than (groups − 1)/(N − 1) (it is clamped to
//!   [0, 1]). Unlike standardised regression coefficients it does not assume a linear effect.
//!   What the shares leave is interactions and the replications' own noise;
//! - the mean of the draws in the input's lowest and highest group (a tornado chart's bar).
//!
//! [`p_better`] compares two scenarios draw by draw: both draw the same values for the inputs
//! they share (columns are keyed by the input's name) and run the same replication indices.

use crate::dist::Dist;
use crate::model::Model;
use crate::results::{Direction, Kpi, KpiKey, Overload, Summary};
use crate::rng;
use crate::stats::{mean_sd, quantile_sorted, Aggregator};

/// Probability left out at each end of an input's distribution: draws lie between its
/// `TAIL` and `1 − TAIL` quantiles, the range [`support`] gives for validation.
pub const TAIL: f64 = 1e-12;

/// The smallest and largest value an input with this distribution can be drawn at.
pub fn support(dist: &Dist) -> (f64, f64) {
    (dist.quantile(TAIL), dist.quantile(1.0 - TAIL))
}

/// The parameter sets of a run: `values[d][j]` is input `j` in draw `d`.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// The inputs' dotted keys, in the order of each draw's values.
    pub inputs: Vec<String>,
    pub values: Vec<Vec<f64>>,
}

impl Design {
    /// `draws` parameter sets by Latin hypercube: each input's range is cut into `draws`
    /// strata of equal probability and each stratum is drawn once, at the input's quantile of
    /// a uniform number within it. The column of an input depends only on `seed`, its key and
    /// `draws`.
    pub fn latin_hypercube(seed: u64, inputs: &[(String, Dist)], draws: u32) -> Design {
        let columns: Vec<Vec<f64>> = inputs
            .iter()
            .map(|(key, dist)| {
                rng::latin_column(seed, key, draws)
                    .into_iter()
                    .map(|u| dist.quantile(u.clamp(TAIL, 1.0 - TAIL)))
                    .collect()
            })
            .collect();
        Design {
            inputs: inputs.iter().map(|(k, _)| k.clone()).collect(),
            values: (0..draws as usize)
                .map(|d| columns.iter().map(|c| c[d]).collect())
                .collect(),
        }
    }

    /// Number of parameter sets.
    pub fn draws(&self) -> usize {
        self.values.len()
    }
}

/// The index of replication `rep` (of `reps`) of draw `draw`.
pub fn replication(draw: u32, rep: u32, reps: u32) -> u32 {
    draw * reps + rep
}

/// Runs `reps` replications of each draw's model (one after another) into one summary of
/// `central`'s shape. The runner does the same in parallel, with identical results.
pub fn run(central: &Model, draws: &[Model], reps: u32) -> Result<Summary, Overload> {
    let mut agg = Aggregator::new(central);
    for (d, model) in draws.iter().enumerate() {
        for r in 0..reps {
            agg.push(model.run_replication(replication(d as u32, r, reps))?);
        }
    }
    Ok(agg.finish())
}

/// One input's effect on one KPI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InputEffect {
    /// First-order share of the variance of the KPI's draw means (see the module docs).
    pub share: f64,
    /// Mean of the KPI over the draws in the input's lowest group.
    pub mean_at_low: f64,
    /// Mean of the KPI over the draws in the input's highest group.
    pub mean_at_high: f64,
}

/// What the parameter draws say about one KPI.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiUncertainty {
    pub key: KpiKey,
    /// Draws in which the KPI is defined.
    pub draws: u32,
    /// 2.5th percentile of the draw means.
    pub ui_low: f64,
    /// 97.5th percentile of the draw means.
    pub ui_high: f64,
    /// Per input, in the design's order.
    pub effects: Vec<InputEffect>,
}

/// The mean of each draw's replications (NaN where the KPI is undefined in all of them). The
/// KPI's values are in replication order, `values.len() / draws` per draw.
pub fn draw_means(kpi: &Kpi, draws: usize) -> Vec<f64> {
    let reps = (kpi.values.len() / draws.max(1)).max(1);
    let mut values = kpi.values.iter();
    (0..draws.min(kpi.values.len().div_ceil(reps)))
        .map(|_| {
            let defined: Vec<f64> = (values.by_ref().take(reps))
                .filter(|x| !x.is_nan())
                .collect();
            mean_sd(&defined).0
        })
        .collect()
}

/// The uncertainty interval and the inputs' effects for every KPI of `summary`, which ran
/// `design`'s draws.
pub fn analyse(summary: &Summary, design: &Design) -> Vec<KpiUncertainty> {
    summary
        .kpis
        .iter()
        .map(|kpi| {
            let means = draw_means(kpi, design.draws());
            let defined: Vec<usize> = (0..means.len()).filter(|&d| !means[d].is_nan()).collect();
            let mut sorted: Vec<f64> = defined.iter().map(|&d| means[d]).collect();
            sorted.sort_by(f64::total_cmp);
            let effects = (0..design.inputs.len())
                .map(|j| {
                    let x: Vec<f64> = defined.iter().map(|&d| design.values[d][j]).collect();
                    let y: Vec<f64> = defined.iter().map(|&d| means[d]).collect();
                    effect(&x, &y)
                })
                .collect();
            KpiUncertainty {
                key: kpi.key.clone(),
                draws: sorted.len() as u32,
                ui_low: quantile_sorted(&sorted, 0.025),
                ui_high: quantile_sorted(&sorted, 0.975),
                effects,
            }
        })
        .collect()
}

/// Bias-corrected correlation ratio of `y` on `x` over √n equal-sized groups of `x`, with the
/// mean of `y` in the lowest and highest group.
fn effect(x: &[f64], y: &[f64]) -> InputEffect {
    let n = y.len();
    let groups = ((n as f64).sqrt().round() as usize).clamp(2, n.max(2));
    if n <= groups {
        let nan = f64::NAN;
        return InputEffect {
            share: nan,
            mean_at_low: nan,
            mean_at_high: nan,
        };
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| x[a].total_cmp(&x[b]).then(a.cmp(&b)));
    let mut sums = vec![(0.0, 0usize); groups];
    for (rank, &i) in order.iter().enumerate() {
        let g = &mut sums[rank * groups / n];
        g.0 += y[i];
        g.1 += 1;
    }
    let mean = y.iter().sum::<f64>() / n as f64;
    if x.iter().all(|&v| v == x[0]) {
        // An input that does not vary explains nothing.
        return InputEffect {
            share: 0.0,
            mean_at_low: mean,
            mean_at_high: mean,
        };
    }
    let total: f64 = y.iter().map(|v| (v - mean).powi(2)).sum();
    let between: f64 = sums
        .iter()
        .map(|&(s, k)| k as f64 * (s / k as f64 - mean).powi(2))
        .sum();
    let within = total - between;
    let share = if total > 0.0 {
        ((between - (groups - 1) as f64 * within / (n - groups) as f64) / total).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let group_mean = |g: usize| sums[g].0 / sums[g].1 as f64;
    InputEffect {
        share,
        mean_at_low: group_mean(0),
        mean_at_high: group_mean(groups - 1),
    }
}

/// The share of parameter draws in which `b`'s mean is better than `a`'s (ties count half),
/// by the KPI's direction; NaN for a KPI with no better direction or no draw where both are
/// defined. Draw `d` of each is the mean of its replications.
pub fn p_better(a: &Kpi, b: &Kpi, draws: usize) -> f64 {
    let sign = match a.key.metric.direction() {
        Direction::Higher => 1.0,
        Direction::Lower => -1.0,
        Direction::Neutral => return f64::NAN,
    };
    let (ma, mb) = (draw_means(a, draws), draw_means(b, draws));
    let scores: Vec<f64> = ma
        .iter()
        .zip(&mb)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| match (sign * (y - x)).partial_cmp(&0.0) {
            Some(std::cmp::Ordering::Greater) => 1.0,
            Some(std::cmp::Ordering::Equal) => 0.5,
            _ => 0.0,
        })
        .collect();
    mean_sd(&scores).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_correlation_ratio_finds_a_step_and_ignores_noise() {
        // y steps with x1 and does not depend on x2.
        let n = 100;
        let x1: Vec<f64> = (0..n).map(|i| i as f64).collect();
        let x2: Vec<f64> = (0..n).map(|i| ((i * 37) % n) as f64).collect();
        let y: Vec<f64> = x1
            .iter()
            .map(|&v| if v < 50.0 { 0.0 } else { 1.0 })
            .collect();
        let e1 = effect(&x1, &y);
        assert!(e1.share > 0.95, "{e1:?}");
        assert_eq!((e1.mean_at_low, e1.mean_at_high), (0.0, 1.0));
        assert!(effect(&x2, &y).share < 0.05, "{:?}", effect(&x2, &y));
        assert_eq!(effect(&x1, &[3.0; 100]).share, 0.0);
    }
}
