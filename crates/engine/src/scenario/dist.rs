//! How a scenario file writes a distribution. The unit lives in the key that holds it
//! (`los_days`, `distance_miles`), so the fields here are plain `mean`, `median`, `sd`, ….

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A probability distribution, written as `{ dist = "lognormal", median = 40, sigma = 0.8 }`.
/// Values are in the unit named by the key that holds it (days or miles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Exponential with the given mean (memoryless; the M in M/M/c).
    Exponential {
        /// Mean.
        mean: f64,
    },
    /// Lognormal, given either `median` and `sigma` (the SD of the log) or `mean` and `sd`.
    Lognormal {
        /// Median (= e^μ).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        median: Option<f64>,
        /// Standard deviation of the natural log.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sigma: Option<f64>,
        /// Mean.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mean: Option<f64>,
        /// Standard deviation.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sd: Option<f64>,
    },
    /// Gamma with the given mean and standard deviation.
    Gamma {
        /// Mean.
        mean: f64,
        /// Standard deviation.
        sd: f64,
    },
    /// Weibull with shape k and scale λ.
    Weibull {
        /// Shape k (1 is exponential).
        shape: f64,
        /// Scale λ.
        scale: f64,
    },
    /// Always the same value.
    Fixed {
        /// The value.
        value: f64,
    },
    /// Uniform between `min` and `max`.
    Uniform {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
    /// Triangular between `min` and `max`, peaking at `mode`.
    Triangular {
        /// Smallest value.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Largest value.
        max: f64,
    },
    /// Observed data: either `values` (each equally likely), or a histogram given by
    /// `bin_edges` (n+1 increasing edges) and `bin_counts` (n counts), uniform within a bin.
    Empirical {
        /// Observed values.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        values: Option<Vec<f64>>,
        /// Histogram bin edges.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bin_edges: Option<Vec<f64>>,
        /// Histogram counts, one per bin.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bin_counts: Option<Vec<f64>>,
    },
}

impl Distribution {
    /// Shorthand for a lognormal given its median and log-SD.
    pub fn lognormal(median: f64, sigma: f64) -> Self {
        Distribution::Lognormal {
            median: Some(median),
            sigma: Some(sigma),
            mean: None,
            sd: None,
        }
    }

    /// Shorthand for an exponential given its mean.
    pub fn exponential(mean: f64) -> Self {
        Distribution::Exponential { mean }
    }
}
