//! Errors from reading scenario files and command-line overrides: each says where
//! (`file:line:col`), which key, what was expected, and how to fix it when that is guessable.

use std::fmt;
use std::path::PathBuf;

/// One problem with a scenario file or a command-line override.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The file; empty when the problem is in a command-line argument alone.
    pub file: PathBuf,
    /// 1-based line, when the problem is at a particular place in the file.
    pub line: Option<usize>,
    /// 1-based column, in characters.
    pub col: Option<usize>,
    /// Dotted key path concerned (`wards.gau.beds`, `roadmap[2].date`); empty for a whole file.
    pub key: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// How to fix it, such as "did you mean `beds`?".
    pub help: Option<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("error: ")?;
        if self.file.as_os_str().is_empty() {
            f.write_str("command line")?;
        } else {
            write!(f, "{}", self.file.display())?;
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.col {
                write!(f, ":{col}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// The candidate closest to `word`, if it is close enough to be a plausible misspelling.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let near = candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&word, &c.to_lowercase()), *c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c);
    // An abbreviation (`expo`, `start`) is far from the full word by edit distance.
    let abbreviated = || {
        (word.chars().count() >= 3)
            .then(|| {
                candidates
                    .iter()
                    .filter(|c| c.to_lowercase().starts_with(&word))
                    .min_by_key(|c| c.len())
                    .copied()
            })
            .flatten()
    };
    near.or_else(abbreviated)
}

/// "did you mean `x`?" when a candidate is close, else the list of valid choices (when short
/// enough to read).
pub fn suggest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<String> {
    if let Some(c) = closest(word, candidates.clone()) {
        return Some(format!("did you mean `{c}`?"));
    }
    let all: Vec<&str> = candidates.into_iter().collect();
    match all.len() {
        0 => None,
        1..=12 => Some(format!("expected one of {}", list(&all))),
        _ => None,
    }
}

/// `` `a`, `b`, `c` ``
pub(crate) fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_keys_only() {
        assert_eq!(
            closest("bedz", ["accepts", "beds", "funding"]),
            Some("beds")
        );
        assert_eq!(closest("gua", ["gau", "picu"]), Some("gau"));
        assert_eq!(closest("Beds", ["beds"]), Some("beds"));
        assert_eq!(closest("zzzz", ["beds", "label"]), None);
        assert_eq!(
            closest("expo", ["exponential", "lognormal"]),
            Some("exponential")
        );
        assert_eq!(closest("ex", ["exponential"]), None);
        assert_eq!(
            suggest("zzzz", ["beds", "label"]).as_deref(),
            Some("expected one of `beds`, `label`")
        );
    }

    #[test]
    fn display_has_location_and_help() {
        let e = ConfigError {
            file: "scenarios/day_hospital.toml".into(),
            line: Some(12),
            col: Some(1),
            key: "wards.gau.bedz".into(),
            message: "unknown key `bedz` in [wards.gau]".into(),
            help: Some("did you mean `beds`?".into()),
        };
        assert_eq!(
            e.to_string(),
            "error: scenarios/day_hospital.toml:12:1: unknown key `bedz` in [wards.gau]\n  help: did you mean `beds`?"
        );
        let cli = ConfigError {
            file: PathBuf::new(),
            line: None,
            col: None,
            help: None,
            ..e
        };
        assert_eq!(
            cli.to_string(),
            "error: command line: unknown key `bedz` in [wards.gau]"
        );
    }
}
