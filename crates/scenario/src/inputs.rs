//! The inputs a scenario file sets, each with the source its comments give, for the report's
//! "Assumptions and sources" section.
//!
//! Scenario files cite their sources in comments: the block of comment lines directly above a
//! key, or after its value on the same line; a comment above a `[table]` header speaks for
//! that table's keys that have none of their own. A comment that says `ASSUMPTION` marks the
//! value as one with no public figure behind it. TOML parsers drop comments, so this reads
//! the text itself; it only describes a file the loader has already checked.

use std::path::{Component, Path, PathBuf};

/// One input as written in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Dotted key, e.g. `wards.gau.beds` or `roadmap[2].capacity`.
    pub key: String,
    /// The value as written.
    pub value: String,
    /// The source comment (empty when there is none).
    pub source: String,
    /// Whether the comment marks the value as an assumption.
    pub assumption: bool,
    /// 1-based line in the file.
    pub line: usize,
}

/// One file's inputs.
#[derive(Debug, Clone, PartialEq)]
pub struct InputFile {
    /// The file, as named on the command line (with `..` resolved).
    pub path: String,
    pub inputs: Vec<Input>,
}

/// `a/b/../c.toml` → `a/c.toml`, without touching the file system.
pub fn tidy_path(p: &Path) -> String {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out.display().to_string()
}

/// The inputs of one file of a scenario, from the text it was loaded from.
pub fn of(source: &crate::SourceFile) -> InputFile {
    InputFile {
        path: tidy_path(&source.path),
        inputs: parse(&source.text),
    }
}

/// Splits a line at its comment (a `#` outside a string).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut quote: Option<char> = None;
    for (i, ch) in line.char_indices() {
        match (quote, ch) {
            (None, '"' | '\'') => quote = Some(ch),
            (Some(q), c) if c == q => quote = None,
            (None, '#') => return (&line[..i], Some(line[i + 1..].trim())),
            _ => {}
        }
    }
    (line, None)
}

fn depth(s: &str) -> i32 {
    s.chars()
        .map(|c| match c {
            '[' | '{' => 1,
            ']' | '}' => -1,
            _ => 0,
        })
        .sum()
}

/// The inputs of one file's text, in file order. `[[check]]` tables are targets, not inputs,
/// and are left out.
pub fn parse(text: &str) -> Vec<Input> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut prefix = String::new();
    let mut skip = false;
    let mut pending: Vec<&str> = Vec::new();
    // The last comment block before a blank line: a header's note even across the blank.
    let mut last_block: Vec<&str> = Vec::new();
    let mut section_note = String::new();
    let mut arrays: std::collections::BTreeMap<String, usize> = Default::default();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let (code, comment) = split_comment(raw);
        let code = code.trim();
        i += 1;
        if code.is_empty() {
            match comment {
                Some(c) if !c.chars().all(|ch| ch == '-' || ch == '=') => pending.push(c),
                Some(_) => {}
                None if !pending.is_empty() => last_block = std::mem::take(&mut pending),
                None => {}
            }
            continue;
        }
        let header_note = |pending: &mut Vec<&str>, last_block: &mut Vec<&str>| {
            let block = if pending.is_empty() {
                std::mem::take(last_block)
            } else {
                last_block.clear();
                std::mem::take(pending)
            };
            block.join(" ")
        };
        if let Some(name) = code.strip_prefix("[[").and_then(|c| c.strip_suffix("]]")) {
            let name = name.trim().to_string();
            let n = arrays.entry(name.clone()).or_insert(0);
            prefix = format!("{name}[{n}]");
            *n += 1;
            skip = name == "check";
            section_note = header_note(&mut pending, &mut last_block);
            continue;
        }
        if let Some(name) = code.strip_prefix('[').and_then(|c| c.strip_suffix(']')) {
            prefix = name.trim().replace('"', "");
            skip = false;
            section_note = header_note(&mut pending, &mut last_block);
            continue;
        }
        let Some((key, value)) = code.split_once('=') else {
            pending.clear();
            continue;
        };
        let line = i;
        let mut value = value.trim().to_string();
        last_block.clear();
        let mut notes: Vec<&str> = std::mem::take(&mut pending);
        notes.extend(comment);
        // A value over several lines (an array or inline table): read to its end.
        let mut open = depth(&value);
        while open > 0 && i < lines.len() {
            let (more, c) = split_comment(lines[i]);
            notes.extend(c);
            value.push(' ');
            value.push_str(more.trim());
            open += depth(more);
            i += 1;
        }
        if skip {
            continue;
        }
        let key = key.trim().replace('"', "");
        let key = if prefix.is_empty() {
            key
        } else {
            format!("{prefix}.{key}")
        };
        let mut source = notes.join(" ");
        if source.is_empty() {
            source = section_note.clone();
        }
        out.push(Input {
            assumption: source.contains("ASSUMPTION"),
            key,
            value,
            source,
            line,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_above_and_beside_a_key_are_its_source() {
        let text = "name = \"x\"\n\n[demand]\n# sources.md §2.2: 270 a year\n# (M)\nreferrals_per_year = 222\nannual_growth = 0.0  # ASSUMPTION: flat\n\n# Urgency split. ASSUMPTION\n[urgency.emergency]\nshare = 0.3\nseason = [1.0,\n  1.1, # spring\n  0.9]\n\n[[check]]\nkpi = \"referrals\"\n\n[[roadmap]]\ndate = 2024-04-01 # note # twice\nnote = \"a # in a string\"\n";
        let inputs = parse(text);
        let keys: Vec<&str> = inputs.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "name",
                "demand.referrals_per_year",
                "demand.annual_growth",
                "urgency.emergency.share",
                "urgency.emergency.season",
                "roadmap[0].date",
                "roadmap[0].note"
            ]
        );
        assert_eq!(inputs[1].source, "sources.md §2.2: 270 a year (M)");
        assert!(!inputs[1].assumption);
        assert!(inputs[2].assumption);
        assert!(
            inputs[3].assumption,
            "the table's comment speaks for its keys"
        );
        assert_eq!(inputs[4].value, "[1.0, 1.1, 0.9]");
        assert_eq!(inputs[6].value, "\"a # in a string\"");
        assert_eq!(inputs[1].line, 6);
        let across = parse("# Groups: sources.md §4\n# -----\n\n[groups.gau]\nshare = 0.7\n");
        assert_eq!(across[0].source, "Groups: sources.md §4");
    }

    #[test]
    fn parent_directories_are_resolved_in_names() {
        assert_eq!(
            tidy_path(Path::new("scenarios/sweeps/../closer2home.toml")),
            "scenarios/closer2home.toml"
        );
    }
}
