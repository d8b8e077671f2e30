//! Checked, ready-to-sample distributions.
//!
//! A [`Dist`] is built once from a scenario's [`Distribution`] by [`Dist::new`], which rejects
//! impossible parameters; the event loop then samples it without further checks. Besides
//! plain sampling, every distribution can be sampled *given that the value exceeds `a`*
//! (inverse-CDF on the upper tail), which a census start needs for residual lengths of stay.

use crate::scenario::Distribution;
use rand::Rng;
use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Weibull};
use statrs::distribution::{ContinuousCDF, Gamma as GammaCdf, LogNormal as LogNormalCdf};

/// A validated distribution of non-negative values.
#[derive(Debug, Clone)]
pub struct Dist(Kind);

#[derive(Debug, Clone)]
enum Kind {
    Exp {
        sampler: Exp<f64>,
        mean: f64,
    },
    LogNormal {
        sampler: LogNormal<f64>,
        mu: f64,
        sigma: f64,
    },
    Gamma {
        sampler: Gamma<f64>,
        shape: f64,
        scale: f64,
    },
    Weibull {
        sampler: Weibull<f64>,
        shape: f64,
        scale: f64,
    },
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    /// Sorted observations, each equally likely.
    Values(Box<[f64]>),
    /// Histogram: `edges` (n+1) and cumulative probabilities at the upper edges (n).
    Histogram {
        edges: Box<[f64]>,
        cum: Box<[f64]>,
    },
}

/// Why a distribution's parameters were rejected.
pub type DistError = String;

fn positive(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(v)
    } else {
        Err(format!("`{name}` must be a positive number, got {v}"))
    }
}

fn non_negative(name: &str, v: f64) -> Result<f64, DistError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(format!("`{name}` must be zero or more, got {v}"))
    }
}

impl Dist {
    /// Checks the parameters and builds the sampler.
    pub fn new(d: &Distribution) -> Result<Dist, DistError> {
        let kind = match *d {
            Distribution::Exponential { mean } => {
                let mean = positive("mean", mean)?;
                Kind::Exp { sampler: Exp::new(1.0 / mean).map_err(|e| e.to_string())?, mean }
            }
            Distribution::Lognormal { median, sigma, mean, sd } => {
                let (mu, sigma) = match (median, sigma, mean, sd) {
                    (Some(median), Some(sigma), None, None) => {
                        (positive("median", median)?.ln(), non_negative("sigma", sigma)?)
                    }
                    (None, None, Some(mean), Some(sd)) => {
                        let mean = positive("mean", mean)?;
                        let sd = non_negative("sd", sd)?;
                        let s2 = (1.0 + (sd / mean).powi(2)).ln();
                        (mean.ln() - s2 / 2.0, s2.sqrt())
                    }
                    _ => {
                        return Err("a lognormal takes either `median` and `sigma`, or `mean` and `sd`".into())
                    }
                };
                Kind::LogNormal { sampler: LogNormal::new(mu, sigma).map_err(|e| e.to_string())?, mu, sigma }
            }
            Distribution::Gamma { mean, sd } => {
                let mean = positive("mean", mean)?;
                let sd = positive("sd", sd)?;
                let shape = (mean / sd).powi(2);
                let scale = sd * sd / mean;
                Kind::Gamma { sampler: Gamma::new(shape, scale).map_err(|e| e.to_string())?, shape, scale }
            }
            Distribution::Weibull { shape, scale } => {
                let shape = positive("shape", shape)?;
                let scale = positive("scale", scale)?;
                Kind::Weibull { sampler: Weibull::new(scale, shape).map_err(|e| e.to_string())?, shape, scale }
            }
            Distribution::Fixed { value } => Kind::Fixed(non_negative("value", value)?),
            Distribution::Uniform { min, max } => {
                let min = non_negative("min", min)?;
                let max = non_negative("max", max)?;
                if max <= min {
                    return Err(format!("`max` ({max}) must be greater than `min` ({min})"));
                }
                Kind::Uniform { min, max }
            }
            Distribution::Triangular { min, mode, max } => {
                let min = non_negative("min", min)?;
                let mode = non_negative("mode", mode)?;
                let max = non_negative("max", max)?;
                if !(min <= mode && mode <= max && min < max) {
                    return Err(format!("need min ≤ mode ≤ max and min < max, got {min}, {mode}, {max}"));
                }
                Kind::Triangular { min, mode, max }
            }
            Distribution::Empirical { ref values, ref bin_edges, ref bin_counts } => {
                match (values, bin_edges, bin_counts) {
                    (Some(values), None, None) => empirical_values(values)?,
                    (None, Some(edges), Some(counts)) => histogram(edges, counts)?,
                    _ => {
                        return Err(
                            "an empirical distribution takes either `values`, or `bin_edges` and `bin_counts`"
                                .into(),
                        )
                    }
                }
            }
        };
        Ok(Dist(kind))
    }

    /// A fixed value (used for defaults built in code).
    pub fn fixed(value: f64) -> Dist {
        Dist(Kind::Fixed(value))
    }

    /// Draws one value.
    #[inline]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match &self.0 {
            Kind::Exp { sampler, .. } => sampler.sample(rng),
            Kind::LogNormal { sampler, .. } => sampler.sample(rng),
            Kind::Gamma { sampler, .. } => sampler.sample(rng),
            Kind::Weibull { sampler, .. } => sampler.sample(rng),
            Kind::Fixed(v) => *v,
            _ => self.quantile(rng.random::<f64>()),
        }
    }

    /// Draws one value given that it exceeds `a`: inverse CDF on the upper tail
    /// `F(a) + U (1 − F(a))`. When the tail has no mass left (`a` at or beyond the largest
    /// possible value) the answer is `a` itself: the stay ends now.
    pub fn sample_beyond<R: Rng + ?Sized>(&self, rng: &mut R, a: f64) -> f64 {
        if a <= 0.0 {
            return self.sample(rng);
        }
        if let Kind::Exp { sampler, .. } = &self.0 {
            return a + sampler.sample(rng); // memoryless
        }
        let fa = self.cdf(a);
        if fa >= 1.0 - 1e-12 {
            return a;
        }
        let u: f64 = rng.random();
        self.quantile(fa + u * (1.0 - fa)).max(a)
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        match &self.0 {
            Kind::Exp { mean, .. } => *mean,
            Kind::LogNormal { mu, sigma, .. } => (mu + sigma * sigma / 2.0).exp(),
            Kind::Gamma { shape, scale, .. } => shape * scale,
            Kind::Weibull { shape, scale, .. } => {
                scale * statrs::function::gamma::gamma(1.0 + 1.0 / shape)
            }
            Kind::Fixed(v) => *v,
            Kind::Uniform { min, max } => (min + max) / 2.0,
            Kind::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Kind::Values(v) => v.iter().sum::<f64>() / v.len() as f64,
            Kind::Histogram { edges, cum } => {
                let mut prev = 0.0;
                let mut m = 0.0;
                for (i, c) in cum.iter().enumerate() {
                    m += (c - prev) * (edges[i] + edges[i + 1]) / 2.0;
                    prev = *c;
                }
                m
            }
        }
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        match &self.0 {
            Kind::Exp { mean, .. } => {
                if x <= 0.0 {
                    0.0
                } else {
                    -(-x / mean).exp_m1()
                }
            }
            Kind::LogNormal { mu, sigma, .. } => {
                if x <= 0.0 {
                    0.0
                } else if *sigma == 0.0 {
                    if x.ln() >= *mu {
                        1.0
                    } else {
                        0.0
                    }
                } else {
                    LogNormalCdf::new(*mu, *sigma)
                        .map(|d| d.cdf(x))
                        .unwrap_or(0.0)
                }
            }
            Kind::Gamma { shape, scale, .. } => {
                if x <= 0.0 {
                    0.0
                } else {
                    GammaCdf::new(*shape, 1.0 / scale)
                        .map(|d| d.cdf(x))
                        .unwrap_or(0.0)
                }
            }
            Kind::Weibull { shape, scale, .. } => {
                if x <= 0.0 {
                    0.0
                } else {
                    -(-(x / scale).powf(*shape)).exp_m1()
                }
            }
            Kind::Fixed(v) => {
                if x >= *v {
                    1.0
                } else {
                    0.0
                }
            }
            Kind::Uniform { min, max } => ((x - min) / (max - min)).clamp(0.0, 1.0),
            Kind::Triangular { min, mode, max } => {
                if x <= *min {
                    0.0
                } else if x >= *max {
                    1.0
                } else if x <= *mode {
                    (x - min).powi(2) / ((max - min) * (mode - min))
                } else {
                    1.0 - (max - x).powi(2) / ((max - min) * (max - mode))
                }
            }
            Kind::Values(v) => v.partition_point(|&y| y <= x) as f64 / v.len() as f64,
            Kind::Histogram { edges, cum } => {
                if x <= edges[0] {
                    return 0.0;
                }
                let n = cum.len();
                if x >= edges[n] {
                    return 1.0;
                }
                let i = edges.partition_point(|&e| e <= x) - 1;
                let lo = if i == 0 { 0.0 } else { cum[i - 1] };
                lo + (cum[i] - lo) * (x - edges[i]) / (edges[i + 1] - edges[i])
            }
        }
    }

    /// The p-quantile, for p in [0, 1).
    pub fn quantile(&self, p: f64) -> f64 {
        let p = p.clamp(0.0, 1.0 - 1e-15);
        match &self.0 {
            Kind::Exp { mean, .. } => -mean * (-p).ln_1p(),
            Kind::LogNormal { mu, sigma, .. } => {
                if *sigma == 0.0 {
                    mu.exp()
                } else {
                    LogNormalCdf::new(*mu, *sigma)
                        .map(|d| d.inverse_cdf(p))
                        .unwrap_or(mu.exp())
                }
            }
            Kind::Gamma { shape, scale, .. } => GammaCdf::new(*shape, 1.0 / scale)
                .map(|d| d.inverse_cdf(p))
                .unwrap_or(shape * scale),
            Kind::Weibull { shape, scale, .. } => scale * (-(-p).ln_1p()).powf(1.0 / shape),
            Kind::Fixed(v) => *v,
            Kind::Uniform { min, max } => min + p * (max - min),
            Kind::Triangular { min, mode, max } => {
                let split = (mode - min) / (max - min);
                if p < split {
                    min + (p * (max - min) * (mode - min)).sqrt()
                } else {
                    max - ((1.0 - p) * (max - min) * (max - mode)).sqrt()
                }
            }
            Kind::Values(v) => v[((p * v.len() as f64) as usize).min(v.len() - 1)],
            Kind::Histogram { edges, cum } => {
                let i = cum.partition_point(|&c| c <= p).min(cum.len() - 1);
                let lo = if i == 0 { 0.0 } else { cum[i - 1] };
                let width = cum[i] - lo;
                let frac = if width > 0.0 { (p - lo) / width } else { 0.0 };
                edges[i] + frac * (edges[i + 1] - edges[i])
            }
        }
    }
}

fn empirical_values(values: &[f64]) -> Result<Kind, DistError> {
    if values.is_empty() {
        return Err("`values` must hold at least one value".into());
    }
    for &v in values {
        non_negative("values", v)?;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Ok(Kind::Values(sorted.into_boxed_slice()))
}

fn histogram(edges: &[f64], counts: &[f64]) -> Result<Kind, DistError> {
    if counts.is_empty() || edges.len() != counts.len() + 1 {
        return Err(format!(
            "`bin_edges` must have one more entry than `bin_counts` (got {} edges, {} counts)",
            edges.len(),
            counts.len()
        ));
    }
    for &e in edges {
        non_negative("bin_edges", e)?;
    }
    if edges.windows(2).any(|w| w[1] <= w[0]) {
        return Err("`bin_edges` must increase".into());
    }
    for &c in counts {
        non_negative("bin_counts", c)?;
    }
    let total: f64 = counts.iter().sum();
    if total <= 0.0 {
        return Err("`bin_counts` must not all be zero".into());
    }
    let mut acc = 0.0;
    let cum: Vec<f64> = counts
        .iter()
        .map(|c| {
            acc += c / total;
            acc
        })
        .collect();
    Ok(Kind::Histogram {
        edges: edges.into(),
        cum: cum.into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn all() -> Vec<Distribution> {
        vec![
            Distribution::exponential(20.0),
            Distribution::lognormal(40.0, 0.8),
            Distribution::Lognormal {
                median: None,
                sigma: None,
                mean: Some(56.0),
                sd: Some(30.0),
            },
            Distribution::Gamma {
                mean: 30.0,
                sd: 12.0,
            },
            Distribution::Weibull {
                shape: 1.5,
                scale: 40.0,
            },
            Distribution::Uniform {
                min: 10.0,
                max: 50.0,
            },
            Distribution::Triangular {
                min: 5.0,
                mode: 20.0,
                max: 60.0,
            },
            Distribution::Empirical {
                values: Some(vec![3.0, 9.0, 30.0, 41.0, 90.0]),
                bin_edges: None,
                bin_counts: None,
            },
            Distribution::Empirical {
                values: None,
                bin_edges: Some(vec![0.0, 10.0, 30.0, 100.0]),
                bin_counts: Some(vec![5.0, 3.0, 2.0]),
            },
        ]
    }

    #[test]
    fn sample_means_match_analytic_means() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for d in all() {
            let dist = Dist::new(&d).unwrap();
            let n = 200_000;
            let (mut s, mut s2) = (0.0, 0.0);
            for _ in 0..n {
                let x = dist.sample(&mut rng);
                s += x;
                s2 += x * x;
            }
            let m = s / n as f64;
            let se = ((s2 / n as f64 - m * m) / n as f64).sqrt();
            assert!(
                (m - dist.mean()).abs() < 4.0 * se + 1e-9,
                "{d:?}: sample mean {m}, analytic {}",
                dist.mean()
            );
        }
    }

    #[test]
    fn quantile_inverts_cdf() {
        for d in all() {
            let dist = Dist::new(&d).unwrap();
            for p in [0.05, 0.3, 0.5, 0.77, 0.95] {
                let x = dist.quantile(p);
                let back = dist.cdf(x);
                // Discrete empirical values only invert up to a step.
                let tol = if matches!(
                    d,
                    Distribution::Empirical {
                        values: Some(_),
                        ..
                    }
                ) {
                    0.21
                } else {
                    1e-6
                };
                assert!((back - p).abs() < tol, "{d:?}: cdf(quantile({p})) = {back}");
            }
        }
    }

    #[test]
    fn conditional_mean_beyond_matches_numeric_integral() {
        // E[X | X > a] = a + ∫_a^∞ (1 − F(x)) dx / (1 − F(a)).
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for d in all() {
            let dist = Dist::new(&d).unwrap();
            let a = dist.quantile(0.6);
            let (mut x, mut area, h) = (a, 0.0, 0.01);
            while dist.cdf(x) < 1.0 - 1e-10 && x < a + 5000.0 {
                area += (1.0 - dist.cdf(x + h / 2.0)) * h;
                x += h;
            }
            let expected = a + area / (1.0 - dist.cdf(a));
            let n = 100_000;
            let mean = (0..n).map(|_| dist.sample_beyond(&mut rng, a)).sum::<f64>() / n as f64;
            assert!(
                (mean - expected).abs() / expected < 0.01,
                "{d:?}: E[X|X>{a}] = {mean}, expected {expected}"
            );
        }
    }

    #[test]
    fn rejects_impossible_parameters() {
        let bad = [
            Distribution::exponential(0.0),
            Distribution::exponential(f64::NAN),
            Distribution::lognormal(-1.0, 0.5),
            Distribution::Lognormal {
                median: Some(4.0),
                sigma: None,
                mean: None,
                sd: Some(1.0),
            },
            Distribution::Gamma { mean: 3.0, sd: 0.0 },
            Distribution::Uniform { min: 5.0, max: 5.0 },
            Distribution::Triangular {
                min: 5.0,
                mode: 1.0,
                max: 9.0,
            },
            Distribution::Empirical {
                values: Some(vec![]),
                bin_edges: None,
                bin_counts: None,
            },
            Distribution::Empirical {
                values: None,
                bin_edges: Some(vec![0.0, 1.0]),
                bin_counts: Some(vec![1.0, 2.0]),
            },
        ];
        for d in bad {
            assert!(Dist::new(&d).is_err(), "{d:?} should be rejected");
        }
    }
}
