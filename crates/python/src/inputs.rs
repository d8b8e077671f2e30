//! What a Python caller names as scenarios: a path, a dict, or a list of them.
//!
//! A dict becomes TOML text, loaded like a file (never written to one), so it goes through the
//! same checks; its errors then name `<dict>` and the key instead of a line of a text the
//! caller never saw. `extends` in a dict is relative to the working directory.

use super::{raise, ScenarioError};
use carepath_experiment::{Error as Failure, Invalid};
use carepath_scenario::{ConfigError, Source};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDate, PyDateTime, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use std::path::{Path, PathBuf};

/// The scenarios to load: files, and dicts as text.
pub struct Inputs {
    pub sources: Vec<Source>,
    /// Each dict's name as a source, and the name its errors give it.
    dicts: Vec<(PathBuf, String)>,
}

impl Inputs {
    pub fn from_python(value: &Bound<'_, PyAny>) -> PyResult<Inputs> {
        let items: Vec<Bound<'_, PyAny>> =
            if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
                value.try_iter()?.collect::<PyResult<_>>()?
            } else {
                vec![value.clone()]
            };
        let dicts = items
            .iter()
            .filter(|v| v.is_instance_of::<PyDict>())
            .count();
        let mut inputs = Inputs {
            sources: Vec::new(),
            dicts: Vec::new(),
        };
        for item in &items {
            let Some(dict) = item.cast::<PyDict>().ok() else {
                let path: PathBuf = item.extract().map_err(|_| {
                    ScenarioError::new_err(format!(
                        "error: expected a scenario file, a folder of them, a dict or a list of these; found {}",
                        item.get_type().name().map_or("?".into(), |n| n.to_string())
                    ))
                })?;
                inputs.sources.push(Source::Path(path));
                continue;
            };
            let n = inputs.dicts.len() + 1;
            let (label, stem) = match dicts {
                1 => ("<dict>".to_string(), "scenario".to_string()),
                _ => (format!("<dict {n}>"), format!("scenario_{n}")),
            };
            // Named as a file in a folder that cannot exist, so that the scenario is named
            // `scenario` by default, as a file `scenario.toml` would be.
            let name = PathBuf::from(&label).join(format!("{stem}.toml"));
            let table = match table(dict, "") {
                Ok(t) => t,
                Err((key, message)) => {
                    let error = ConfigError {
                        file: PathBuf::from(&label),
                        line: None,
                        col: None,
                        key,
                        message,
                        help: None,
                    };
                    return Err(raise(Failure::Invalid(Invalid::Files(vec![error]))));
                }
            };
            let text = toml::to_string(&table).map_err(|e| {
                ScenarioError::new_err(format!("error: {label}: cannot be written as TOML: {e}"))
            })?;
            inputs.sources.push(Source::Text {
                name: name.display().to_string(),
                text,
            });
            inputs.dicts.push((name, label));
        }
        Ok(inputs)
    }

    /// The Python exception for `failure`, with the dicts' errors named after the dict.
    pub fn error(&self, failure: Failure) -> PyErr {
        let failure = match failure {
            Failure::Invalid(Invalid::Files(mut errors)) => {
                for e in &mut errors {
                    if let Some((_, label)) = self.dicts.iter().find(|(f, _)| *f == e.file) {
                        e.file = PathBuf::from(label);
                        e.line = None;
                        e.col = None;
                    }
                }
                Failure::Invalid(Invalid::Files(errors))
            }
            other => other,
        };
        raise(failure)
    }

    /// A scenario's file as the caller knows it.
    pub fn shown(&self, path: &Path) -> String {
        self.dicts
            .iter()
            .find(|(f, _)| f == path)
            .map_or_else(|| path.display().to_string(), |(_, label)| label.clone())
    }
}

/// A dict's keys as a TOML table; `Err((key, message))` for a value TOML cannot hold.
fn table(dict: &Bound<'_, PyDict>, at: &str) -> Result<toml::Table, (String, String)> {
    let mut out = toml::Table::new();
    for (k, v) in dict.iter() {
        let Ok(k) = k.extract::<String>() else {
            let message = format!("keys must be strings; found {}", shown(&k));
            return Err((at.to_string(), message));
        };
        let key = if at.is_empty() {
            k.clone()
        } else {
            format!("{at}.{k}")
        };
        let value = if at.is_empty() && k == "extends" {
            // Relative to where Python runs, as a path in a notebook would be.
            match v.extract::<PathBuf>() {
                Ok(p) => toml::Value::String(absolute(&p).display().to_string()),
                Err(_) => value(&v, &key)?,
            }
        } else {
            value(&v, &key)?
        };
        out.insert(k, value);
    }
    Ok(out)
}

fn value(v: &Bound<'_, PyAny>, key: &str) -> Result<toml::Value, (String, String)> {
    let fail = || {
        let message = format!(
            "`{key}`: {} has no scenario-file value; expected a number, string, bool, date, list or dict",
            shown(v)
        );
        (key.to_string(), message)
    };
    // A bool is an int to Python, and a datetime a date: the narrower type first.
    if v.is_instance_of::<PyBool>() {
        return v.extract().map(toml::Value::Boolean).map_err(|_| fail());
    }
    if v.is_instance_of::<PyInt>() {
        return v.extract().map(toml::Value::Integer).map_err(|_| fail());
    }
    if v.is_instance_of::<PyFloat>() {
        return v.extract().map(toml::Value::Float).map_err(|_| fail());
    }
    if v.is_instance_of::<PyString>() {
        return v.extract().map(toml::Value::String).map_err(|_| fail());
    }
    if v.is_instance_of::<PyDateTime>() || v.is_instance_of::<PyDate>() {
        let iso: String = v
            .call_method0("isoformat")
            .and_then(|s| s.extract())
            .map_err(|_| fail())?;
        return iso
            .parse::<toml::value::Datetime>()
            .map(toml::Value::Datetime)
            .map_err(|_| fail());
    }
    if let Ok(d) = v.cast::<PyDict>() {
        return table(d, key).map(toml::Value::Table);
    }
    if v.is_instance_of::<PyList>() || v.is_instance_of::<PyTuple>() {
        let items = v.try_iter().map_err(|_| fail())?;
        let mut out = Vec::new();
        for (i, item) in items.enumerate() {
            let item = item.map_err(|_| fail())?;
            out.push(value(&item, &format!("{key}[{i}]"))?);
        }
        return Ok(toml::Value::Array(out));
    }
    Err(fail())
}

/// `None`, `a set`, …: a value's type for a message.
fn shown(v: &Bound<'_, PyAny>) -> String {
    if v.is_none() {
        return "None".into();
    }
    let name = v
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string());
    format!("a {name}")
}

fn absolute(p: &Path) -> PathBuf {
    std::env::current_dir().map_or_else(|_| p.to_path_buf(), |cwd| cwd.join(p))
}
