//! Scenario files as trees of TOML values that remember where each value was written, so that
//! an error found after merging, overriding or validating still points at the line to fix.

use super::error::ConfigError;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::rc::Rc;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// Where a value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Loc {
    /// Written in a file, at this 1-based line and column.
    File {
        path: Rc<Path>,
        line: usize,
        col: usize,
    },
    /// Belongs to a file but is written nowhere in it (a name taken from the file stem, an
    /// empty file's top level).
    Implied(Rc<Path>),
    /// Given by this command-line argument, e.g. `--set wards.gau.beds=30`.
    Cli(Rc<str>),
}

impl Loc {
    pub(crate) fn error(
        &self,
        key: &str,
        message: impl Into<String>,
        help: Option<String>,
    ) -> ConfigError {
        let message = message.into();
        let (file, line, col, message) = match self {
            Loc::File { path, line, col } => (path.to_path_buf(), Some(*line), Some(*col), message),
            Loc::Implied(path) => (path.to_path_buf(), None, None, message),
            Loc::Cli(arg) => (
                Default::default(),
                None,
                None,
                format!("{message} (from `{arg}`)"),
            ),
        };
        ConfigError {
            file,
            line,
            col,
            key: key.to_string(),
            message,
            help,
        }
    }
}

/// A TOML value and where it was written. In a table, a scalar or array is located at its key;
/// a table at its `[header]` (or `{` for an inline table); an array element at itself.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub item: Item,
    pub at: Loc,
}

/// Table keys are kept sorted so that everything derived from a tree is deterministic.
pub(crate) type Table = BTreeMap<String, Node>;

#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// A string, integer, float, boolean or datetime (never an array or table).
    Scalar(toml::Value),
    Array(Vec<Node>),
    Table(Table),
}

impl Node {
    pub(crate) fn table(at: Loc) -> Node {
        Node {
            item: Item::Table(Table::new()),
            at,
        }
    }

    pub(crate) fn scalar(value: toml::Value, at: Loc) -> Node {
        Node {
            item: Item::Scalar(value),
            at,
        }
    }

    pub(crate) fn as_table(&self) -> Option<&Table> {
        match &self.item {
            Item::Table(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn as_table_mut(&mut self) -> Option<&mut Table> {
        match &mut self.item {
            Item::Table(t) => Some(t),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.as_table()?.get(key)
    }

    pub(crate) fn remove(&mut self, key: &str) -> Option<Node> {
        self.as_table_mut()?.remove(key)
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.item {
            Item::Scalar(toml::Value::String(s)) => Some(s),
            _ => None,
        }
    }

    /// One step down: a table's key or an array's element.
    pub(crate) fn child(&self, seg: &Seg) -> Option<&Node> {
        match (seg, &self.item) {
            (Seg::Key(k), Item::Table(t)) => t.get(k),
            (Seg::Index(i), Item::Array(a)) => a.get(*i),
            _ => None,
        }
    }

    /// The node at `path`, if every step of it exists.
    pub(crate) fn at_path(&self, path: &[Seg]) -> Option<&Node> {
        path.iter().try_fold(self, |node, seg| node.child(seg))
    }

    /// Where `path` is written, or where its nearest existing ancestor is when it is absent.
    pub(crate) fn locate(&self, path: &[Seg]) -> &Loc {
        let mut node = self;
        for seg in path {
            match node.child(seg) {
                Some(next) => node = next,
                None => break,
            }
        }
        &node.at
    }

    /// `path` with every key that names an array element by its `id` (`roadmap.new_picu`)
    /// replaced by that element's index (`roadmap[2]`), so that a change keeps its address
    /// when a file that extends this one adds changes before it.
    pub(crate) fn by_name(&self, path: &[Seg]) -> Result<Vec<Seg>, String> {
        let mut node = Some(self);
        let mut out = Vec::with_capacity(path.len());
        for seg in path {
            let seg = match (seg, node.map(|n| &n.item)) {
                (Seg::Key(k), Some(Item::Array(items))) => {
                    let ids: Vec<&str> = items
                        .iter()
                        .filter_map(|n| n.get("id").and_then(Node::as_str))
                        .collect();
                    let Some(i) = items
                        .iter()
                        .position(|n| n.get("id").and_then(Node::as_str) == Some(k))
                    else {
                        let within = path_string(&out);
                        return Err(match super::error::closest(k, ids.iter().copied()) {
                            _ if ids.is_empty() => format!(
                                "no entry of `{within}` has an `id`; give one `id = \"{k}\"` or \
                                 address it by position (`{within}[0]`)"
                            ),
                            Some(c) => format!(
                                "no entry of `{within}` has `id = \"{k}\"`; did you mean `{c}`?"
                            ),
                            None => format!(
                                "no entry of `{within}` has `id = \"{k}\"`; ids are {}",
                                ids.join(", ")
                            ),
                        });
                    };
                    Seg::Index(i)
                }
                (seg, _) => seg.clone(),
            };
            node = node.and_then(|n| n.child(&seg));
            out.push(seg);
        }
        Ok(out)
    }

    /// Puts `value` at `path`, creating missing tables on the way (located where `value` is).
    /// Steps through anything that is not a table or array are replaced, so callers check the
    /// path first (see `Shape::resolve`).
    pub(crate) fn insert(&mut self, path: &[Seg], value: Node) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = self;
        for seg in parents {
            node = match seg {
                Seg::Key(k) => {
                    if !matches!(node.item, Item::Table(_)) {
                        *node = Node::table(value.at.clone());
                    }
                    // A table made only to hold the value belongs where its parent does: what
                    // else it lacks is the file's problem, not the command line's.
                    let parent = node.at.clone();
                    let Item::Table(t) = &mut node.item else {
                        return;
                    };
                    t.entry(k.clone()).or_insert_with(|| Node::table(parent))
                }
                Seg::Index(i) => match &mut node.item {
                    Item::Array(a) if *i < a.len() => &mut a[*i],
                    _ => return,
                },
            };
        }
        match (last, &mut node.item) {
            (Seg::Key(k), Item::Table(t)) => {
                t.insert(k.clone(), value);
            }
            (Seg::Index(i), Item::Array(a)) if *i < a.len() => a[*i] = value,
            _ => {}
        }
    }

    /// Removes the table key or array element at the end of `path`, if it is there (removing
    /// an element renumbers the elements after it).
    pub(crate) fn remove_at(&mut self, path: &[Seg]) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = self;
        for seg in parents {
            let next = match (seg, &mut node.item) {
                (Seg::Key(k), Item::Table(t)) => t.get_mut(k),
                (Seg::Index(i), Item::Array(a)) => a.get_mut(*i),
                _ => None,
            };
            let Some(next) = next else { return };
            node = next;
        }
        match (last, &mut node.item) {
            (Seg::Key(k), Item::Table(t)) => {
                t.remove(k);
            }
            (Seg::Index(i), Item::Array(a)) if *i < a.len() => {
                a.remove(*i);
            }
            _ => {}
        }
    }

    /// The plain TOML value, with dates turned into `YYYY-MM-DD` strings because the engine's
    /// dates deserialize from strings. Callers reject date-times with a time part first.
    pub(crate) fn to_toml(&self) -> toml::Value {
        match &self.item {
            Item::Scalar(toml::Value::Datetime(dt)) => match dt.date {
                Some(d) if dt.time.is_none() => {
                    toml::Value::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
                }
                _ => toml::Value::String(dt.to_string()),
            },
            Item::Scalar(v) => v.clone(),
            Item::Array(a) => toml::Value::Array(a.iter().map(Node::to_toml).collect()),
            Item::Table(t) => {
                toml::Value::Table(t.iter().map(|(k, v)| (k.clone(), v.to_toml())).collect())
            }
        }
    }
}

/// Whether a table is one of the scenario format's tagged tables: its `dist` or `per` names
/// its kind (a group called `per` in an `eligibility` table holds a number, not a name).
fn is_tagged(t: &Table) -> bool {
    ["dist", "per"].iter().any(|tag| {
        t.get(*tag)
            .is_some_and(|n| matches!(&n.item, Item::Scalar(toml::Value::String(_))))
    })
}

/// Lays `child` over `parent`, as `extends` does: tables merge key by key, recursively; any other
/// value in the child (a number, a string, an array) replaces the parent's; and the one
/// exception, the top-level `roadmap` array, is appended to the parent's, because a roadmap
/// option adds dated changes to its baseline's.
pub(crate) fn merge(parent: Node, child: Node) -> Node {
    merge_at(parent, child, true)
}

fn merge_at(parent: Node, child: Node, top: bool) -> Node {
    match (parent.item, child.item) {
        // A tagged table (a distribution with `dist`, a costing with `per`) is one value: a
        // child's replaces the parent's whole, so changing its kind does not mix keys of two
        // kinds.
        (Item::Table(_), Item::Table(c)) if is_tagged(&c) => Node {
            item: Item::Table(c),
            at: child.at,
        },
        (Item::Table(mut p), Item::Table(c)) => {
            for (key, c) in c {
                let merged = match p.remove(&key) {
                    Some(pv) => match (pv.item, c.item) {
                        (Item::Array(mut pa), Item::Array(ca)) if top && key == "roadmap" => {
                            pa.extend(ca);
                            Node {
                                item: Item::Array(pa),
                                at: pv.at,
                            }
                        }
                        (pi, ci) => merge_at(
                            Node {
                                item: pi,
                                at: pv.at,
                            },
                            Node { item: ci, at: c.at },
                            false,
                        ),
                    },
                    None => c,
                };
                p.insert(key, merged);
            }
            Node {
                item: Item::Table(p),
                at: child.at,
            }
        }
        (_, item) => Node { item, at: child.at },
    }
}

/// One step of a key path: `wards`, `gau`, `[2]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Seg {
    Key(String),
    Index(usize),
}

/// Parses the engine's dotted key paths: `wards.gau.beds`, `roadmap[2].date`.
pub(crate) fn parse_path(s: &str) -> Result<Vec<Seg>, String> {
    let mut segs = Vec::new();
    for part in s.trim().split('.') {
        let (key, mut rest) = part.split_once('[').unwrap_or((part, ""));
        if key.is_empty() {
            return Err(format!(
                "`{s}` is not a key path such as `wards.gau.beds` or `roadmap[0].date`"
            ));
        }
        segs.push(Seg::Key(key.to_string()));
        while !rest.is_empty() {
            let (index, after) = rest
                .split_once(']')
                .ok_or_else(|| format!("`{s}` has a `[` without a matching `]`"))?;
            let index = index
                .trim()
                .parse()
                .map_err(|_| format!("`{s}`: `[{index}]` is not an index such as `[0]`"))?;
            segs.push(Seg::Index(index));
            rest = match after.strip_prefix('[') {
                Some(r) => r,
                None if after.is_empty() => "",
                None => return Err(format!("`{s}`: unexpected `{after}` after `]`")),
            };
        }
    }
    Ok(segs)
}

/// Formats a path the way the engine writes it: `roadmap[2].date`.
pub(crate) fn path_string(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Index(n) => out.push_str(&format!("[{n}]")),
        }
    }
    out
}

/// Byte offset to 1-based line and column (in characters).
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Lines { text, starts }
    }

    fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line.saturating_sub(1)];
        (line, self.text[start..offset].chars().count() + 1)
    }
}

/// The largest scenario file read: real ones are a few kilobytes, and a limit keeps a path
/// such as `/dev/zero` or a misnamed data file from being read for ever.
pub(crate) const MAX_FILE_BYTES: u64 = 1 << 20;

/// Checks that `path` is a regular file (or a link to one) of at most [`MAX_FILE_BYTES`].
pub(crate) fn check_scenario_file(path: &Path) -> Result<(), String> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if std::fs::symlink_metadata(path).is_ok() => {
            let target = std::fs::read_link(path).unwrap_or_default();
            return Err(format!(
                "it is a link to `{}`, which cannot be read: {e}",
                target.display()
            ));
        }
        Err(e) => return Err(format!("cannot read it: {e}")),
    };
    if meta.is_dir() {
        Err("it is a folder, not a scenario file".into())
    } else if !meta.is_file() {
        Err("it is not a regular file (a device, pipe or socket)".into())
    } else if meta.len() > MAX_FILE_BYTES {
        Err(format!(
            "it is {} bytes; a scenario file may have at most {MAX_FILE_BYTES} (1 MiB)",
            meta.len()
        ))
    } else {
        Ok(())
    }
}

/// Reads and parses a scenario file, reporting every syntax error.
/// Reads and parses a scenario file: its tree, and the text it was parsed from.
pub(crate) fn read_file(path: &Path) -> Result<(Node, String), Vec<ConfigError>> {
    use std::io::Read;
    let file: Rc<Path> = Rc::from(path);
    let whole = |message: String| vec![Loc::Implied(file.clone()).error("", message, None)];
    check_scenario_file(path).map_err(|m| whole(format!("cannot read the file: {m}")))?;
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| whole(format!("cannot read the file: {e}")))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(whole(format!(
            "cannot read the file: it has more than {MAX_FILE_BYTES} bytes (1 MiB)"
        )));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        let (line, col) = Lines::new(&prefix).line_col(valid);
        let at = Loc::File {
            path: file.clone(),
            line,
            col,
        };
        vec![at.error(
            "",
            "the file is not UTF-8 text",
            Some("scenario files are TOML text, saved as UTF-8".into()),
        )]
    })?;
    let tree = parse_str(file, &text)?;
    Ok((tree, text))
}

/// Parses scenario text read from `file`.
pub(crate) fn parse_str(file: Rc<Path>, text: &str) -> Result<Node, Vec<ConfigError>> {
    let lines = Lines::new(text);
    let loc = |span: Range<usize>| {
        let (line, col) = lines.line_col(span.start);
        Loc::File {
            path: file.clone(),
            line,
            col,
        }
    };
    let (doc, syntax) = DeTable::parse_recoverable(text);
    if !syntax.is_empty() {
        return Err(syntax
            .iter()
            .map(|e| {
                let at = e.span().map_or(Loc::Implied(file.clone()), &loc);
                at.error("", format!("invalid TOML: {}", e.message()), None)
            })
            .collect());
    }
    let mut errs = Vec::new();
    let root = Node {
        item: convert_table(doc.into_inner(), &loc, &mut Vec::new(), &mut errs),
        at: Loc::Implied(file.clone()),
    };
    if errs.is_empty() {
        Ok(root)
    } else {
        Err(errs)
    }
}

/// Parses a command-line value as a TOML value (`30`, `2020-04-01`, `"wait"`, `[1, 2]`,
/// `{ dist = "fixed", value = 3 }`); text that is not a TOML value is taken as a string, so
/// `--set policy.when_alternatives_full=wait` works without shell quoting.
pub(crate) fn parse_value(text: &str, at: Loc) -> Result<Node, String> {
    let text = text.trim();
    let Ok(value) = DeValue::parse(text) else {
        return Ok(Node::scalar(toml::Value::String(text.to_string()), at));
    };
    let mut errs = Vec::new();
    let node = convert(value, None, &|_| at.clone(), &mut Vec::new(), &mut errs);
    match errs.into_iter().next() {
        Some(e) => Err(e.message),
        None => Ok(node),
    }
}

fn convert_table(
    t: DeTable<'_>,
    loc: &dyn Fn(Range<usize>) -> Loc,
    path: &mut Vec<Seg>,
    errs: &mut Vec<ConfigError>,
) -> Item {
    let mut out = Table::new();
    for (key, value) in t {
        let key_span = key.span();
        let key = key.into_inner().into_owned();
        path.push(Seg::Key(key.clone()));
        let node = convert(value, Some(key_span), loc, path, errs);
        path.pop();
        out.insert(key, node);
    }
    Item::Table(out)
}

/// `key_span` is the span of the key holding this value, if it is held by a table.
fn convert(
    value: Spanned<DeValue<'_>>,
    key_span: Option<Range<usize>>,
    loc: &dyn Fn(Range<usize>) -> Loc,
    path: &mut Vec<Seg>,
    errs: &mut Vec<ConfigError>,
) -> Node {
    let span = value.span();
    let at = match (&key_span, value.get_ref()) {
        (Some(k), v) if !v.is_table() => loc(k.clone()),
        _ => loc(span),
    };
    let item = match value.into_inner() {
        DeValue::String(s) => Item::Scalar(toml::Value::String(s.into_owned())),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Item::Scalar(toml::Value::Integer(n)),
            Err(_) => {
                let what = format!("{i} is too large (TOML integers are 64-bit)");
                let message = if path.is_empty() {
                    what
                } else {
                    format!("`{}`: {what}", path_string(path))
                };
                errs.push(at.error(&path_string(path), message, None));
                Item::Scalar(toml::Value::Integer(0))
            }
        },
        // The parser accepted the float's text, so only the spelling of infinities and NaN can
        // differ from Rust's; anything unparsable is kept as NaN for the schema check to reject.
        DeValue::Float(f) => {
            Item::Scalar(toml::Value::Float(f.as_str().parse().unwrap_or(f64::NAN)))
        }
        DeValue::Boolean(b) => Item::Scalar(toml::Value::Boolean(b)),
        DeValue::Datetime(d) => Item::Scalar(toml::Value::Datetime(d)),
        DeValue::Array(a) => Item::Array(
            a.into_iter()
                .enumerate()
                .map(|(i, v)| {
                    path.push(Seg::Index(i));
                    let node = convert(v, None, loc, path, errs);
                    path.pop();
                    node
                })
                .collect(),
        ),
        DeValue::Table(t) => convert_table(t, loc, path, errs),
    };
    Node { item, at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        parse_str(Rc::from(Path::new("t.toml")), text).unwrap()
    }

    #[test]
    fn paths_round_trip_and_reject_malformed_ones() {
        let p = parse_path("roadmap[2].group_shares.picu").unwrap();
        assert_eq!(
            p,
            [
                Seg::Key("roadmap".into()),
                Seg::Index(2),
                Seg::Key("group_shares".into()),
                Seg::Key("picu".into())
            ]
        );
        assert_eq!(path_string(&p), "roadmap[2].group_shares.picu");
        for bad in ["", "a..b", "[0]", "a[x]", "a[0", "a[0]b"] {
            assert!(parse_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn merge_replaces_non_tables_and_appends_only_the_top_level_roadmap() {
        let parent = parse("a = { x = 1, y = 2 }\nlist = [1, 2]\n[[roadmap]]\nnote = \"p\"\n[inner]\nroadmap = [1]\n");
        let child =
            parse("a = { y = 3 }\nlist = [9]\n[[roadmap]]\nnote = \"c\"\n[inner]\nroadmap = [2]\n");
        let merged = merge(parent, child).to_toml();
        let expected: toml::Value = toml::from_str(
            "a = { x = 1, y = 3 }\nlist = [9]\nroadmap = [{ note = \"p\" }, { note = \"c\" }]\ninner = { roadmap = [2] }\n",
        )
        .unwrap();
        assert_eq!(merged, expected);
        let dist = merge(
            parse("los = { dist = \"lognormal\", median = 40, sigma = 0.8 }"),
            parse("los = { dist = \"exponential\", mean = 55 }"),
        );
        assert_eq!(
            dist.to_toml(),
            toml::from_str::<toml::Value>("los = { dist = \"exponential\", mean = 55 }").unwrap(),
            "a distribution is replaced whole"
        );
        let cost = merge(
            parse("cost = { per = \"contact\", gbp = 180, contacts_per_week = 5 }"),
            parse("cost = { per = \"episode\", gbp = 900 }"),
        );
        assert_eq!(
            cost.to_toml(),
            toml::from_str::<toml::Value>("cost = { per = \"episode\", gbp = 900 }").unwrap(),
            "a costing is replaced whole"
        );
        let eligibility = merge(
            parse("e = { per = 0.1, gau = 0.2 }"),
            parse("e = { per = 0.3 }"),
        );
        assert_eq!(
            eligibility.to_toml(),
            toml::from_str::<toml::Value>("e = { per = 0.3, gau = 0.2 }").unwrap(),
            "a table with a number under `per` merges key by key"
        );
        let scalar_over_table = merge(parse("a = { x = 1 }"), parse("a = 5")).to_toml();
        assert_eq!(
            scalar_over_table,
            toml::from_str::<toml::Value>("a = 5").unwrap()
        );
    }

    #[test]
    fn locations_count_characters_and_dates_become_strings() {
        let tree = parse("note = \"é\"\n  [t]\n  d = 2020-04-01\n");
        let Loc::File { line, col, .. } = &tree.get("t").unwrap().get("d").unwrap().at else {
            panic!()
        };
        assert_eq!((*line, *col), (3, 3));
        assert_eq!(
            tree.get("t").unwrap().to_toml()["d"],
            toml::Value::String("2020-04-01".into())
        );
        let lines = Lines::new("é = 1\nab");
        assert_eq!(lines.line_col(1), (1, 1), "inside a character: its start");
        assert_eq!(lines.line_col(7), (2, 1));
        assert_eq!(lines.line_col(99), (2, 3));
    }

    #[test]
    fn command_line_values_are_toml_or_else_strings() {
        let at = Loc::Cli("--set x".into());
        let value = |s| parse_value(s, at.clone()).unwrap().to_toml();
        assert_eq!(value("30"), toml::Value::Integer(30));
        assert_eq!(value("\"wait\""), toml::Value::String("wait".into()));
        assert_eq!(value("wait"), toml::Value::String("wait".into()));
        assert_eq!(value("1 2"), toml::Value::String("1 2".into()));
        assert_eq!(
            value("2020-04-01"),
            toml::Value::String("2020-04-01".into())
        );
        assert_eq!(
            value("[1, 2.5]"),
            toml::Value::Array(vec![toml::Value::Integer(1), toml::Value::Float(2.5)])
        );
        assert!(parse_value("99999999999999999999", at)
            .unwrap_err()
            .contains("too large"));
    }
}
