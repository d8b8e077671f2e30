//! What is wrong with a scenario, and where: the errors [`Scenario::validate`] collects.
//!
//! A problem is located by a [`KeyPath`] of segments, not by a formatted string, so a key that
//! itself contains a dot (`wards."picu.x"`) still leads the runner to the right line.
//!
//! [`Scenario::validate`]: crate::Scenario::validate

use std::fmt;

/// One step of a [`KeyPath`]: a table key or an index into an array of tables.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seg {
    /// A key, exactly as written in the file (unquoted).
    Key(String),
    /// A 0-based index into an array (`roadmap[2]`).
    Index(usize),
}

/// Where a value sits in the scenario file: `wards`, `gau`, `beds`; `roadmap`, `[2]`, `date`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct KeyPath(pub Vec<Seg>);

impl KeyPath {
    /// The path of a top-level key.
    pub fn root(key: &str) -> KeyPath {
        KeyPath(vec![Seg::Key(key.to_string())])
    }

    /// This path extended by a key (the path itself is left as it is).
    pub fn key(&self, key: &str) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Seg::Key(key.to_string()));
        p
    }

    /// This path extended by an array index.
    pub fn index(&self, i: usize) -> KeyPath {
        let mut p = self.clone();
        p.0.push(Seg::Index(i));
        p
    }

    /// Whether the path is empty (a problem with the scenario as a whole).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Written as TOML writes it: `wards.gau.beds`, `roadmap[2].date`, and a key that is not a
/// bare TOML key in quotes (`wards."picu.x".accepts[0]`, `by_financial_year."2024/25"`).
impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Index(n) => write!(f, "[{n}]")?,
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !k.is_empty()
                        && k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(k)?;
                    } else {
                        write!(f, "{k:?}")?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// One problem with a scenario, located by the key path that holds it
/// (`wards.gau.beds`, `roadmap[2].date`, `groups.picu.los_days.median`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where the problem is; empty for the scenario as a whole.
    pub path: KeyPath,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem found in a scenario (never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_paths_are_written_as_toml_writes_them() {
        let p = KeyPath::root("wards").key("picu.x").key("accepts").index(0);
        assert_eq!(p.to_string(), r#"wards."picu.x".accepts[0]"#);
        let p = KeyPath::root("roadmap").index(2).key("date");
        assert_eq!(p.to_string(), "roadmap[2].date");
    }
}
