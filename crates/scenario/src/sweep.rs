//! Parameter sweeps: a `[sweep]` table or `--sweep` arguments expand one scenario into a grid of
//! one or two parameters.
//!
//! Values are an array, a comma list (`1,2,3`, `2024-04-01,2025-04-01`, `admit,wait`,
//! `true,false`) or an inclusive range `start..end:step` of numbers (`30..50:2` is 30, 32, …,
//! 50; the step defaults to 1) or of dates (`2024-04-01..2025-04-01:91`, the step in days).
//! A value is a number, else a `YYYY-MM-DD` date, else `true`/`false`, else a word (a
//! categorical choice such as `policy.when_alternatives_full`); the schema of the swept key
//! then checks it like any value written in a file. A key may name an array element by its
//! `id`: `roadmap.new_picu.date` (see `Node::by_name`). The first parameter varies slowest
//! (in a file, parameters come in key order; on the command line, in argument order). A point
//! is named `<name>__<leaf key>=<value>`, with a second `__<leaf key>=<value>` for a second
//! parameter: `baseline__beds=24__places=6`.

use super::error::ConfigError;
use super::tree::{parse_path, Item, Loc, Node, Seg};
use chrono::NaiveDate;
use schemars::JsonSchema;
use serde::Deserialize;
use std::cmp::Ordering;
use std::fmt;

use carepath_engine::scenario::limits::MAX_SWEEP_POINTS as MAX_POINTS;

/// The values one swept key takes.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum SweepValues {
    /// The values, in order: numbers, or strings (dates `"2024-04-01"`, words `"wait"`).
    List(Vec<ListItem>),
    /// An inclusive range `"start..end:step"` (step 1 if omitted) or a comma list `"1,2,3"`.
    Text(String),
}

/// One element of a `[sweep]` array.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(untagged)]
pub(crate) enum ListItem {
    Number(f64),
    Bool(bool),
    Text(String),
}

/// One value of a swept key.
#[derive(Debug, Clone, PartialEq)]
pub enum SweepValue {
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
    /// A word: one of a key's choices, such as `wait`.
    Word(String),
}

impl SweepValue {
    /// Reads one written value: a number, else a date, else `true`/`false`, else a word.
    pub(crate) fn read(text: &str) -> Result<SweepValue, String> {
        let t = text.trim().trim_matches('"');
        if t.is_empty() {
            return Err(format!("`{text}` has an empty value"));
        }
        if let Ok(v) = t.parse::<f64>() {
            return if v.is_finite() {
                Ok(SweepValue::Number(v))
            } else {
                Err(format!("`{t}` is not a number"))
            };
        }
        if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Ok(SweepValue::Date(d));
        }
        Ok(match t {
            "true" => SweepValue::Bool(true),
            "false" => SweepValue::Bool(false),
            _ => SweepValue::Word(t.to_string()),
        })
    }

    /// The number, if it is one.
    pub(crate) fn number(&self) -> Option<f64> {
        match self {
            SweepValue::Number(v) => Some(*v),
            _ => None,
        }
    }

    /// Its place on a chart's axis: a number as itself, a date as its day number; a word or
    /// a boolean has none.
    pub fn axis(&self) -> Option<f64> {
        match self {
            SweepValue::Number(v) => Some(*v),
            SweepValue::Date(d) => Some(f64::from(chrono::Datelike::num_days_from_ce(d))),
            _ => None,
        }
    }

    /// The TOML value written into the scenario (a whole number as an integer when the key
    /// takes whole numbers; a date as a `YYYY-MM-DD` string, as the engine reads dates).
    pub(crate) fn to_toml(&self, whole: bool) -> toml::Value {
        match self {
            SweepValue::Number(v) if whole => toml::Value::Integer(*v as i64),
            SweepValue::Number(v) => toml::Value::Float(*v),
            SweepValue::Date(d) => toml::Value::String(d.to_string()),
            SweepValue::Bool(b) => toml::Value::Boolean(*b),
            SweepValue::Word(w) => toml::Value::String(w.clone()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            SweepValue::Number(_) => "numbers",
            SweepValue::Date(_) => "dates",
            SweepValue::Bool(_) => "true/false",
            SweepValue::Word(_) => "words",
        }
    }

    fn order(&self, other: &SweepValue) -> Ordering {
        match (self, other) {
            (SweepValue::Number(a), SweepValue::Number(b)) => a.total_cmp(b),
            _ => self.to_string().cmp(&other.to_string()),
        }
    }
}

/// As written: `24`, `0.5`, `2024-04-01`, `true`, `wait`.
impl fmt::Display for SweepValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SweepValue::Number(v) => write!(f, "{v}"),
            SweepValue::Date(d) => write!(f, "{d}"),
            SweepValue::Bool(b) => write!(f, "{b}"),
            SweepValue::Word(w) => f.write_str(w),
        }
    }
}

/// One swept key and its values.
#[derive(Debug, Clone)]
pub(crate) struct SweepParam {
    /// The dotted key path as written.
    pub key: String,
    pub path: Vec<Seg>,
    pub values: Vec<SweepValue>,
    /// Where the sweep was asked for; swept values are located here.
    pub at: Loc,
}

impl SweepParam {
    /// The last key of the path, used in point names: `beds` for `wards.gau.beds`.
    fn leaf(&self) -> String {
        let last_key = self
            .path
            .iter()
            .rposition(|s| matches!(s, Seg::Key(_)))
            .unwrap_or(0);
        super::tree::path_string(&self.path[last_key..])
    }
}

/// Parses `"30..50:2"`, `"30..50"`, `"2024-04-01..2025-04-01:91"`, `"1,2,3"`, `"admit,wait"`
/// or `"5"`.
pub(crate) fn parse_values(s: &str) -> Result<Vec<SweepValue>, String> {
    let Some((start_text, rest)) = s.split_once("..") else {
        let values = s
            .split(',')
            .map(SweepValue::read)
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(other) = values.iter().find(|v| v.kind() != values[0].kind()) {
            return Err(format!(
                "`{s}` mixes {} and {}",
                values[0].kind(),
                other.kind()
            ));
        }
        return Ok(values);
    };
    let (end_text, step_text) = rest.split_once(':').unwrap_or((rest, "1"));
    let date = |t: &str| NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok();
    if let (Some(start), Some(end)) = (date(start_text), date(end_text)) {
        let step = step_text
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|&d| d > 0)
            .ok_or_else(|| format!("the step of `{s}` must be a whole number of days above 0"))?;
        let days = (end - start).num_days();
        if days < 0 {
            return Err(format!("the range `{s}` ends before it starts"));
        }
        if days / step >= MAX_POINTS as i64 {
            return Err(format!("the range `{s}` has more than {MAX_POINTS} values"));
        }
        return Ok((0..=days / step)
            .map(|i| SweepValue::Date(start + chrono::Duration::days(i * step)))
            .collect());
    }
    let number = |t: &str| -> Result<f64, String> {
        t.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{}` is not a number", t.trim()))
    };
    let (start, end, step) = (number(start_text)?, number(end_text)?, number(step_text)?);
    if step <= 0.0 {
        return Err(format!("the step of `{s}` must be above 0"));
    }
    if end < start {
        return Err(format!("the range `{s}` ends before it starts"));
    }
    let steps = ((end - start) / step + 1e-9).floor();
    if steps >= MAX_POINTS as f64 {
        return Err(format!("the range `{s}` has more than {MAX_POINTS} values"));
    }
    // Round to the decimals written, so 0.1..0.3:0.1 gives 0.2 and not 0.30000000000000004.
    let decimals = [start_text, end_text, step_text]
        .iter()
        .map(|t| {
            (!t.contains(['e', 'E'])).then(|| t.trim().split_once('.').map_or(0, |(_, f)| f.len()))
        })
        .try_fold(0, |acc, d| d.map(|d| acc.max(d)))
        .filter(|&d| d <= 15);
    Ok((0..=steps as usize)
        .map(|i| {
            let v = start + i as f64 * step;
            SweepValue::Number(match decimals {
                Some(d) => {
                    let scale = 10f64.powi(d as i32);
                    (v * scale).round() / scale
                }
                None => v,
            })
        })
        .collect())
}

/// Parses a `--sweep key.path=values` argument; errors do not repeat the argument, which the
/// caller shows.
pub(crate) fn parse_arg(arg: &str) -> Result<SweepParam, String> {
    let (key, values) = arg
        .split_once('=')
        .ok_or("expected `key.path=values`, e.g. `wards.gau.beds=20..30:2`")?;
    let path = parse_path(key)?;
    let values = parse_values(values)?;
    check_values(key.trim(), &values)?;
    Ok(SweepParam {
        key: key.trim().to_string(),
        path,
        values,
        at: Loc::Cli(format!("--sweep {arg}").into()),
    })
}

fn check_values(key: &str, values: &[SweepValue]) -> Result<(), String> {
    if values.is_empty() {
        return Err(format!("the sweep of `{key}` has no values"));
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(SweepValue::order);
    if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!("the sweep of `{key}` has {} twice", w[0]));
    }
    Ok(())
}

/// The parameters of a merged tree's `[sweep]` table. Entries whose shape is wrong are skipped:
/// the schema check has reported them already.
pub(crate) fn from_tree(node: Option<&Node>, errs: &mut Vec<ConfigError>) -> Vec<SweepParam> {
    let Some(Item::Table(table)) = node.map(|n| &n.item) else {
        return Vec::new();
    };
    let mut params = Vec::new();
    for (key, entry) in table {
        let name = format!("sweep.\"{key}\"");
        let values = match SweepValues::deserialize(entry.to_toml()) {
            Ok(SweepValues::List(v)) => v
                .into_iter()
                .map(|item| match item {
                    ListItem::Number(x) => Ok(SweepValue::Number(x)),
                    ListItem::Bool(b) => Ok(SweepValue::Bool(b)),
                    ListItem::Text(t) => SweepValue::read(&t),
                })
                .collect(),
            Ok(SweepValues::Text(t)) => parse_values(&t),
            Err(_) => continue,
        };
        match values
            .and_then(|v| check_values(key, &v).map(|()| v))
            .and_then(|v| parse_path(key).map(|p| (p, v)))
        {
            Ok((path, values)) => params.push(SweepParam {
                key: key.clone(),
                path,
                values,
                at: entry.at.clone(),
            }),
            Err(m) => errs.push(entry.at.error(&name, format!("`{name}`: {m}"), None)),
        }
    }
    params
}

/// Every combination of the parameters' values, the first parameter varying slowest.
pub(crate) fn grid(params: &[SweepParam]) -> Vec<Vec<SweepValue>> {
    params.iter().fold(vec![Vec::new()], |points, p| {
        points
            .iter()
            .flat_map(|point| {
                p.values
                    .iter()
                    .map(move |v| [point.as_slice(), std::slice::from_ref(v)].concat())
            })
            .collect()
    })
}

/// Checks the number of parameters and points.
pub(crate) fn check_size(params: &[SweepParam]) -> Result<(), String> {
    if params.len() > 2 {
        let keys: Vec<&str> = params.iter().map(|p| p.key.as_str()).collect();
        return Err(format!(
            "a sweep varies one or two keys, not {} ({})",
            params.len(),
            keys.join(", ")
        ));
    }
    if let [a, b] = params {
        if a.path == b.path {
            return Err(format!("`{}` is swept twice", a.key));
        }
    }
    let points: usize = params.iter().map(|p| p.values.len()).product();
    if points > MAX_POINTS {
        return Err(format!(
            "the sweep has {points} points; the most is {MAX_POINTS}"
        ));
    }
    Ok(())
}

/// `baseline__beds=24__places=6`; the whole key where two swept keys share a leaf
/// (`base__wards.gau.beds=14__wards.picu.beds=2`), so that every point's name is unambiguous.
pub(crate) fn point_name(base: &str, params: &[SweepParam], values: &[SweepValue]) -> String {
    let shared_leaf = matches!(params, [a, b] if a.leaf() == b.leaf());
    params
        .iter()
        .zip(values)
        .fold(base.to_string(), |name, (p, v)| {
            let key = if shared_leaf { p.key.clone() } else { p.leaf() };
            format!("{name}__{key}={v}")
        })
}

/// One point of a parameter sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// The scenario the sweep varies (all its points share this).
    pub family: String,
    /// The swept key paths and their values at this point (one or two).
    pub params: Vec<(String, SweepValue)>,
}

/// The name people read of scenario `name` at sweep point `sweep`: see
/// the report and the terminal tables.
pub fn display_name(name: &str, sweep: Option<&SweepPoint>) -> String {
    let Some(p) = sweep else {
        return name.to_string();
    };
    let leaf = |k: &str| k.rsplit('.').next().unwrap_or(k).to_string();
    let shared = matches!(p.params.as_slice(), [a, b] if leaf(&a.0) == leaf(&b.0));
    p.params
        .iter()
        .map(|(k, v)| format!("{}={v}", if shared { k.clone() } else { leaf(k) }))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(s: &str) -> Vec<f64> {
        parse_values(s)
            .unwrap()
            .iter()
            .map(|v| v.number().expect("a number"))
            .collect()
    }

    fn n(v: &[f64]) -> Vec<SweepValue> {
        v.iter().map(|&x| SweepValue::Number(x)).collect()
    }

    #[test]
    fn ranges_are_inclusive_and_exact() {
        assert_eq!(numbers("30..36:2"), vec![30.0, 32.0, 34.0, 36.0]);
        assert_eq!(numbers("1..3"), vec![1.0, 2.0, 3.0]);
        assert_eq!(numbers("30..35:2"), vec![30.0, 32.0, 34.0]);
        assert_eq!(numbers("0.1..0.3:0.1"), vec![0.1, 0.2, 0.3]);
        assert_eq!(numbers("-1..1"), vec![-1.0, 0.0, 1.0]);
        assert_eq!(numbers("1, 2.5,4"), vec![1.0, 2.5, 4.0]);
        assert_eq!(numbers("7"), vec![7.0]);
    }

    #[test]
    fn dates_words_and_booleans() {
        let d = |s: &str| SweepValue::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
        assert_eq!(
            parse_values("2024-04-01..2024-10-01:91").unwrap(),
            vec![d("2024-04-01"), d("2024-07-01"), d("2024-09-30")]
        );
        assert_eq!(
            parse_values("2025-04-01, 2024-04-01").unwrap(),
            vec![d("2025-04-01"), d("2024-04-01")]
        );
        assert_eq!(
            parse_values("admit,\"wait\"").unwrap(),
            vec![
                SweepValue::Word("admit".into()),
                SweepValue::Word("wait".into())
            ]
        );
        assert_eq!(
            parse_values("true,false").unwrap(),
            vec![SweepValue::Bool(true), SweepValue::Bool(false)]
        );
        assert!(parse_values("1,wait")
            .unwrap_err()
            .contains("mixes numbers and words"));
        assert!(parse_values("2024-04-01..2024-01-01")
            .unwrap_err()
            .contains("ends before"));
        assert!(parse_values("2024-04-01..2025-04-01:0")
            .unwrap_err()
            .contains("days above 0"));
        assert!(parse_arg("policy.repatriation=true,true")
            .unwrap_err()
            .contains("twice"));
        assert_eq!(d("2024-04-01").to_string(), "2024-04-01");
        assert_eq!(
            d("2024-04-01").to_toml(false),
            toml::Value::String("2024-04-01".into())
        );
        assert_eq!(
            SweepValue::Number(24.0).to_toml(true),
            toml::Value::Integer(24)
        );
    }

    #[test]
    fn bad_ranges_are_rejected() {
        assert!(parse_values("5..1")
            .unwrap_err()
            .contains("ends before it starts"));
        assert!(parse_values("1..5:0").unwrap_err().contains("step"));
        assert!(parse_values("1..5:-1").is_err());
        assert!(parse_values("0..1e9").unwrap_err().contains("more than"));
        assert!(parse_values("a..b")
            .unwrap_err()
            .contains("`a` is not a number"));
        assert!(parse_values("1,,2").is_err());
        assert!(parse_values("inf..inf").is_err());
    }

    #[test]
    fn arguments_and_grid_order() {
        let a = parse_arg("wards.gau.beds=20..22").unwrap();
        let b = parse_arg("services.iht.places=4,6").unwrap();
        assert_eq!(
            a.path,
            vec![
                Seg::Key("wards".into()),
                Seg::Key("gau".into()),
                Seg::Key("beds".into())
            ]
        );
        let params = [a, b];
        assert_eq!(
            grid(&params),
            vec![
                n(&[20.0, 4.0]),
                n(&[20.0, 6.0]),
                n(&[21.0, 4.0]),
                n(&[21.0, 6.0]),
                n(&[22.0, 4.0]),
                n(&[22.0, 6.0])
            ]
        );
        assert_eq!(
            point_name("base", &params, &n(&[20.0, 4.0])),
            "base__beds=20__places=4"
        );
        assert_eq!(
            point_name("base", &params[..1], &n(&[20.5])),
            "base__beds=20.5"
        );
        let picu = parse_arg("wards.picu.beds=2,3").unwrap();
        assert_eq!(
            point_name("base", &[params[0].clone(), picu], &n(&[14.0, 2.0])),
            "base__wards.gau.beds=14__wards.picu.beds=2",
            "two swept keys with the same leaf are named in full"
        );
        assert!(check_size(&params).is_ok());
        assert!(parse_arg("wards.gau.beds")
            .unwrap_err()
            .contains("expected `key.path=values`"));
        assert!(parse_arg("wards.gau.beds=1,1")
            .unwrap_err()
            .contains("twice"));
    }

    #[test]
    fn at_most_two_parameters() {
        let p = |s| parse_arg(s).unwrap();
        let three = [p("a.x=1"), p("b.y=1"), p("c.z=1")];
        assert!(check_size(&three).unwrap_err().contains("one or two keys"));
        assert!(check_size(&[p("a.x=1"), p("a.x=2")])
            .unwrap_err()
            .contains("swept twice"));
    }
}
