//! Pass/fail conditions on KPIs: `[[check]]` tables in scenario files and `--check` arguments.
//!
//! The argument syntax is `kpi[subject]@year<=value` or `kpi[subject]@year>=value`, where
//! `[subject]` (a ward, service, group, …) and `@year` (a financial year such as `2026/27`) are
//! optional (`@overall` is the default, the whole reported period): `oap_bed_days<=500`,
//! `occupancy_pct[gau]>=70`, `cost_gbp@2026/27<=4.2e6`.

use super::error::{closest, ConfigError};
use super::tree::{path_string, Loc, Node, Seg};
use carepath_engine::{FinancialYear, Metric, Period};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::Deserialize;
use std::fmt;

/// A condition on one KPI; both bounds are inclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// The KPI's metric.
    pub metric: Metric,
    /// Its subject (ward, service, group, urgency or cost category); empty for the whole pathway.
    pub subject: String,
    /// The financial year, or the whole reported horizon.
    pub period: Period,
    /// Smallest acceptable value.
    pub min: Option<f64>,
    /// Largest acceptable value.
    pub max: Option<f64>,
}

impl Check {
    /// Whether `value` is within the bounds (NaN never is).
    pub fn passes(&self, value: f64) -> bool {
        !value.is_nan()
            && self.min.is_none_or(|m| value >= m)
            && self.max.is_none_or(|m| value <= m)
    }
}

/// In the `--check` syntax, with both bounds when there are two: `occupancy_pct[gau] >= 70, <= 95`.
impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.metric.name())?;
        if !self.subject.is_empty() {
            write!(f, "[{}]", self.subject)?;
        }
        if let Period::FinancialYear(fy) = self.period {
            write!(f, "@{fy}")?;
        }
        match (self.min, self.max) {
            (Some(lo), Some(hi)) => write!(f, " >= {lo}, <= {hi}"),
            (Some(lo), None) => write!(f, ">={lo}"),
            (None, Some(hi)) => write!(f, "<={hi}"),
            (None, None) => Ok(()),
        }
    }
}

/// A condition on a KPI, tested after the run (one `[[check]]` table).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Check")]
pub(crate) struct CheckSpec {
    /// KPI name, as in the outputs (e.g. `oap_bed_days`).
    #[schemars(schema_with = "kpi_schema")]
    pub kpi: String,
    /// Ward, service, group, urgency or cost category; omit for the whole pathway.
    #[serde(default)]
    pub subject: String,
    /// Financial year such as `"2026/27"`; omit (or write `"overall"`) for the whole reported
    /// period.
    #[serde(default)]
    pub financial_year: Option<String>,
    /// Smallest acceptable value (inclusive).
    #[serde(default)]
    pub min: Option<f64>,
    /// Largest acceptable value (inclusive).
    #[serde(default)]
    pub max: Option<f64>,
}

fn kpi_schema(_: &mut SchemaGenerator) -> Schema {
    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
    json_schema!({ "type": "string", "enum": names })
}

/// Looks a KPI up by name, suggesting the nearest name when there is none.
fn metric(name: &str) -> Result<Metric, (String, String)> {
    Metric::from_name(name).ok_or_else(|| {
        if let Some((now, why)) = Metric::renamed(name) {
            let help = format!("`{name}` is now `{}`: {why}", now.name());
            return (format!("unknown KPI `{name}`"), help);
        }
        let names = Metric::ALL.iter().map(|m| m.name());
        let help = match closest(name, names.clone()) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("KPIs are {}", names.collect::<Vec<_>>().join(", ")),
        };
        (format!("unknown KPI `{name}`"), help)
    })
}

fn period(fy: Option<&str>) -> Result<Period, String> {
    match fy.map(str::trim) {
        None | Some("overall") => Ok(Period::Overall),
        Some(s) => FinancialYear::parse(s)
            .map(Period::FinancialYear)
            .ok_or_else(|| format!("`{s}` is not a financial year such as `2026/27`")),
    }
}

/// Parses a `--check` argument: `kpi[subject]@year<=value` or `…>=value`.
pub fn parse_check_arg(s: &str) -> Result<Check, String> {
    const SYNTAX: &str =
        "expected `kpi[subject]@year<=value` or `…>=value`, e.g. `oap_bed_days[gau]@2026/27<=500`";
    let (lhs, op, value) = match (s.find("<="), s.find(">=")) {
        (Some(i), None) => (&s[..i], "<=", &s[i + 2..]),
        (None, Some(i)) => (&s[..i], ">=", &s[i + 2..]),
        _ => return Err(format!("`{s}`: {SYNTAX}")),
    };
    let value: f64 = value
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("`{s}`: `{}` is not a number", value.trim()))?;
    let (target, fy) = match lhs.split_once('@') {
        Some((t, fy)) => (t, Some(fy)),
        None => (lhs, None),
    };
    let (kpi, subject) = match target
        .trim()
        .strip_suffix(']')
        .and_then(|t| t.split_once('['))
    {
        Some((kpi, subject)) => (kpi, subject),
        None if target.contains(['[', ']']) => return Err(format!("`{s}`: {SYNTAX}")),
        None => (target, ""),
    };
    let metric = metric(kpi.trim()).map_err(|(m, help)| format!("`{s}`: {m}; {help}"))?;
    let period = period(fy).map_err(|m| format!("`{s}`: {m}"))?;
    let (min, max) = if op == "<=" {
        (None, Some(value))
    } else {
        (Some(value), None)
    };
    Ok(Check {
        metric,
        subject: subject.trim().to_string(),
        period,
        min,
        max,
    })
}

/// The checks of a merged scenario tree's `check` array, each with where it is written.
/// Elements whose shape is wrong are skipped: the schema check has reported them already.
pub(crate) fn from_tree(node: Option<&Node>, errs: &mut Vec<ConfigError>) -> Vec<(Check, Loc)> {
    let Some(super::tree::Item::Array(items)) = node.map(|n| &n.item) else {
        return Vec::new();
    };
    let mut checks = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Ok(spec) = CheckSpec::deserialize(item.to_toml()) else {
            continue;
        };
        let key = path_string(&[Seg::Key("check".into()), Seg::Index(i)]);
        let Ok(metric) = metric(&spec.kpi) else {
            continue;
        };
        let period = match period(spec.financial_year.as_deref()) {
            Ok(p) => p,
            Err(m) => {
                let at = &item.get("financial_year").unwrap_or(item).at;
                errs.push(at.error(
                    &format!("{key}.financial_year"),
                    format!("`{key}.financial_year`: {m}"),
                    None,
                ));
                continue;
            }
        };
        match (spec.min, spec.max) {
            (None, None) => {
                errs.push(item.at.error(
                    &key,
                    format!("`{key}` has neither `min` nor `max`"),
                    Some("add `max = …` or `min = …`, or both".into()),
                ));
                continue;
            }
            (Some(lo), Some(hi)) if lo > hi => {
                errs.push(item.at.error(
                    &key,
                    format!(
                        "`{key}`: `min` ({lo}) is above `max` ({hi}), so the check can never pass"
                    ),
                    None,
                ));
                continue;
            }
            _ => {}
        }
        let check = Check {
            metric,
            subject: spec.subject,
            period,
            min: spec.min,
            max: spec.max,
        };
        checks.push((check, item.at.clone()));
    }
    checks
}

/// When `check` names no KPI of `model`: which subjects or years would do.
pub fn missing_kpi(check: &Check, model: &carepath_engine::Model) -> Option<String> {
    let keys = model.kpi_keys();
    let m = check.metric;
    let exists = keys
        .iter()
        .any(|k| k.metric == m && k.subject == check.subject && k.period == check.period);
    if exists {
        return None;
    }
    let subjects: Vec<String> = keys
        .iter()
        .filter(|k| k.metric == m && k.period == check.period)
        .map(|k| match k.subject.to_string() {
            s if s.is_empty() => "(none)".to_string(),
            s => format!("`{s}`"),
        })
        .collect();
    let help = if subjects.is_empty() {
        let years: Vec<String> = keys
            .iter()
            .filter(|k| k.metric == m && matches!(k.period, Period::FinancialYear(_)))
            .map(|k| k.period.to_string())
            .collect();
        match (years.iter().min(), years.iter().max()) {
            (Some(first), Some(last)) if first == last => format!(
                "`{}` is reported for `overall` and the financial year {first}",
                m.name()
            ),
            (Some(first), Some(last)) => format!(
                "`{}` is reported for `overall` and the financial years {first} to {last}",
                m.name()
            ),
            _ => format!("`{}` is reported for `overall` only", m.name()),
        }
    } else {
        format!("subjects of `{}`: {}", m.name(), subjects.join(", "))
    };
    Some(help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use carepath_engine::FinancialYear;

    #[test]
    fn parses_full_check_argument() {
        let c = parse_check_arg("oap_bed_days[gau]@2026/27<=500").unwrap();
        assert_eq!(
            c,
            Check {
                metric: Metric::OapBedDays,
                subject: "gau".into(),
                period: Period::FinancialYear(FinancialYear(2026)),
                min: None,
                max: Some(500.0)
            }
        );
        assert_eq!(c.to_string(), "oap_bed_days[gau]@2026/27<=500");
    }

    #[test]
    fn subject_and_year_are_optional() {
        let c = parse_check_arg(" occupancy_pct >= 70 ").unwrap();
        assert_eq!(
            (c.metric, c.subject.as_str(), c.period),
            (Metric::Occupancy, "", Period::Overall)
        );
        assert_eq!((c.min, c.max), (Some(70.0), None));
        let c = parse_check_arg("cost_gbp@2024/25<=4.2e6").unwrap();
        assert_eq!(c.period, Period::FinancialYear(FinancialYear(2024)));
        assert_eq!(c.max, Some(4.2e6));
    }

    #[test]
    fn bad_arguments_say_why() {
        let e = parse_check_arg("oap_bed_day<=5").unwrap_err();
        assert!(
            e.contains("unknown KPI `oap_bed_day`") && e.contains("did you mean `oap_bed_days`?"),
            "{e}"
        );
        let e = parse_check_arg("oap_days_avoided_by_repatriation<=5").unwrap_err();
        assert!(e.contains("is now `oap_days_brought_home`"), "{e}");
        assert!(parse_check_arg("oap_bed_days<5")
            .unwrap_err()
            .contains("expected `kpi[subject]@year<=value`"));
        assert!(parse_check_arg("oap_bed_days@2026/28<=5")
            .unwrap_err()
            .contains("not a financial year"));
        assert!(parse_check_arg("oap_bed_days<=lots")
            .unwrap_err()
            .contains("`lots` is not a number"));
        assert!(parse_check_arg("oap_bed_days<=nan").is_err());
        assert!(parse_check_arg("oap_bed_days[gau<=5").is_err());
        assert!(parse_check_arg("oap_bed_days<=5>=3").is_err());
    }

    #[test]
    fn bounds_are_inclusive() {
        let c = Check {
            metric: Metric::Occupancy,
            subject: String::new(),
            period: Period::Overall,
            min: Some(70.0),
            max: Some(95.0),
        };
        assert!(c.passes(70.0) && c.passes(95.0));
        assert!(!c.passes(69.9) && !c.passes(95.1) && !c.passes(f64::NAN));
        assert_eq!(c.to_string(), "occupancy_pct >= 70, <= 95");
    }
}
