//! The checks every section shares: each records a problem with its key path and returns a
//! harmless stand-in, so compiling goes on and every problem is reported, not only the first.

use crate::dist::Dist;
use crate::scenario::{limits, Distribution, KeyPath, ScenarioError};

/// Collects every problem found while compiling.
pub(super) struct Checker {
    pub errors: Vec<ScenarioError>,
}

impl Checker {
    pub fn err(&mut self, path: KeyPath, message: impl Into<String>) {
        self.errors.push(ScenarioError {
            path,
            message: message.into(),
        });
    }

    pub fn probability(&mut self, path: KeyPath, v: f64) -> f64 {
        if !(0.0..=1.0).contains(&v) {
            self.err(
                path,
                format!("must be a probability between 0 and 1, got {v}"),
            );
            return 0.0;
        }
        v
    }

    pub fn non_negative(&mut self, path: KeyPath, v: f64) -> f64 {
        if !(v.is_finite() && v >= 0.0) {
            self.err(path, format!("must be zero or more, got {v}"));
            return 0.0;
        }
        v
    }

    pub fn dist(&mut self, path: KeyPath, d: &Distribution) -> Dist {
        Dist::new(d).unwrap_or_else(|e| {
            self.err(path, e);
            Dist::fixed(1.0)
        })
    }

    pub fn shares_sum_to_one(&mut self, path: KeyPath, what: &str, sum: f64) {
        if (sum - 1.0).abs() > 1e-6 {
            self.err(path, format!("{what} must sum to 1, but sum to {sum}"));
        }
    }

    /// A compound annual growth rate: above -100 % (a rate cannot fall below zero) and at most
    /// 100 %; above that the number is surely a percentage written where a fraction belongs.
    pub fn growth(&mut self, path: KeyPath, g: f64) {
        if g.is_finite() && g > limits::MAX_GROWTH {
            self.err(
                path,
                format!(
                    "must be a fraction above -1 and at most 1 (100 % a year), got {g}: did you mean {}?",
                    g / 100.0
                ),
            );
        } else if !(g.is_finite() && g > -1.0) {
            self.err(
                path,
                format!("must be a fraction above -1 and at most 1 (0.05 = 5 % a year), got {g}"),
            );
        }
    }

    /// A referral rate per year; the cap keeps a typo (an extra few zeros) from running for hours.
    pub fn referral_rate(&mut self, path: KeyPath, rate: f64) {
        if !(rate.is_finite() && (0.0..=limits::MAX_REFERRALS_PER_YEAR).contains(&rate)) {
            self.err(path, format!("must be between 0 and 1,000,000, got {rate}"));
        }
    }

    /// Beds or places, or young people in one census entry.
    pub fn capacity(&mut self, path: KeyPath, n: u32) -> u32 {
        if n > limits::MAX_CAPACITY {
            self.err(path, format!("must be at most 10,000, got {n}"));
            return 0;
        }
        n
    }

    /// A name that must refer to an entry of `names`; its index, or an error that lists the
    /// names that would do.
    pub fn lookup(
        &mut self,
        path: KeyPath,
        kind: &str,
        name: &str,
        names: &[&String],
    ) -> Option<usize> {
        let found = names.iter().position(|n| n.as_str() == name);
        if found.is_none() {
            let known = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let known = if known.is_empty() {
                "none are defined".to_string()
            } else {
                format!("known: {known}")
            };
            self.err(path, format!("no {kind} called `{name}` ({known})"));
        }
        found
    }
}

/// A display name: the label if one is given, else the key.
pub(super) fn label(label: &str, key: &str) -> String {
    if label.is_empty() {
        key.to_string()
    } else {
        label.to_string()
    }
}
