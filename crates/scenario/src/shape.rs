//! Checks a scenario tree against the JSON Schema of the format before serde sees it, so that
//! every unknown key, wrong type and out-of-range number is reported (serde stops at the
//! first), each at its own line and with a "did you mean". It reads the subset of JSON Schema
//! that schemars generates: `$ref`, `type`, `format`, `properties`, `required`,
//! `additionalProperties`, `items`, `enum`, `const`, `anyOf`/`oneOf`, `minimum`/`maximum`.

use super::error::{closest, list, suggest, ConfigError};
use super::tree::{path_string, Item, Node, Seg};
use serde_json::Value;

static ANYTHING: Value = Value::Bool(true);

/// The format's schema, with the lookups the checker needs.
pub(crate) struct Shape {
    root: Value,
}

/// Why a key path cannot be set.
#[derive(Debug)]
pub(crate) struct PathError {
    pub message: String,
    pub help: Option<String>,
    /// The path is valid in the format but not in this scenario (a ward it does not have).
    pub scenario_specific: bool,
}

impl PathError {
    fn format(message: String, help: Option<String>) -> Self {
        PathError {
            message,
            help,
            scenario_specific: false,
        }
    }

    fn scenario(message: String, help: Option<String>) -> Self {
        PathError {
            message,
            help,
            scenario_specific: true,
        }
    }
}

/// What a schema says about one key of a table.
enum Child<'s> {
    /// A fixed key of a struct.
    Field(&'s Value),
    /// An entry of a map whose keys the user chooses (`wards.<name>`).
    Entry(&'s Value),
    /// Not allowed; the valid keys.
    Unknown(Vec<&'s str>),
}

impl Shape {
    pub(crate) fn new(root: Value) -> Self {
        Shape { root }
    }

    pub(crate) fn root(&self) -> &Value {
        &self.root
    }

    /// Follows `$ref`s (to `#/$defs/...`) to the schema that says something.
    fn deref<'s>(&'s self, mut s: &'s Value) -> &'s Value {
        for _ in 0..32 {
            let Some(r) = s.get("$ref").and_then(Value::as_str) else {
                return s;
            };
            s = r
                .strip_prefix("#/")
                .and_then(|p| self.root.pointer(&format!("/{p}")))
                .unwrap_or(&ANYTHING);
        }
        &ANYTHING
    }

    /// The alternatives of an `anyOf`/`oneOf`, without `null` (TOML has no null: a missing key
    /// is how an option is left out).
    fn alternatives<'s>(&'s self, s: &'s Value) -> Option<Vec<&'s Value>> {
        let alts = s.get("anyOf").or_else(|| s.get("oneOf"))?.as_array()?;
        Some(
            alts.iter()
                .map(|a| self.deref(a))
                .filter(|a| !is_null(a))
                .collect(),
        )
    }

    /// The schema with `$ref`s followed and a lone non-null alternative unwrapped.
    pub(crate) fn plain<'s>(&'s self, s: &'s Value) -> &'s Value {
        let mut s = self.deref(s);
        // Bounded, like `deref`, so that no schema can loop.
        for _ in 0..32 {
            match self.alternatives(s).as_deref() {
                Some([one]) => s = one,
                _ => break,
            }
        }
        s
    }

    /// The tag key of an internally tagged enum (`dist`): a property that every alternative
    /// fixes with `const`.
    fn tag<'s>(&'s self, alts: &[&'s Value]) -> Option<&'s str> {
        let first = alts.first()?.get("properties")?.as_object()?;
        first
            .iter()
            .find(|(k, _)| alts.iter().all(|a| tag_value(a, k).is_some()))
            .map(|(k, _)| k.as_str())
    }

    fn child<'s>(&'s self, s: &'s Value, node: Option<&Node>, key: &str) -> Child<'s> {
        let s = self.plain(s);
        if let Some(alts) = self.alternatives(s) {
            // A tagged enum: the variant the tree names, else any variant with that key.
            if let Some(tag) = self.tag(&alts) {
                let named = node.and_then(|n| n.get(tag)).and_then(Node::as_str);
                let chosen: Vec<&Value> = match named {
                    Some(t) if alts.iter().any(|a| tag_value(a, tag) == Some(t)) => alts
                        .into_iter()
                        .filter(|a| tag_value(a, tag) == Some(t))
                        .collect(),
                    _ => alts,
                };
                let mut valid = Vec::new();
                for alt in chosen {
                    match self.child(alt, node, key) {
                        Child::Unknown(keys) => valid.extend(keys),
                        found => return found,
                    }
                }
                valid.sort_unstable();
                valid.dedup();
                return Child::Unknown(valid);
            }
            return Child::Unknown(Vec::new());
        }
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(p) = props.and_then(|p| p.get(key)) {
            return Child::Field(p);
        }
        match s.get("additionalProperties") {
            Some(Value::Bool(false)) => Child::Unknown(
                props
                    .map(|p| p.keys().map(String::as_str).collect())
                    .unwrap_or_default(),
            ),
            Some(Value::Object(o)) if !o.is_empty() => {
                Child::Entry(s.get("additionalProperties").unwrap_or(&ANYTHING))
            }
            _ => Child::Entry(&ANYTHING),
        }
    }

    /// Checks that `path` names a key of the format that can be set in this tree and returns its
    /// schema. Entries of user-named tables (`wards.<name>`) must already exist, except at the
    /// last step, so that `wards.gau.beds` cannot half-create a ward by a typo.
    pub(crate) fn resolve<'s>(&'s self, root: &Node, path: &[Seg]) -> Result<&'s Value, PathError> {
        if path.is_empty() {
            return Err(PathError::format("the key path is empty".into(), None));
        }
        let mut s = &self.root;
        let mut node = Some(root);
        for (i, seg) in path.iter().enumerate() {
            let here = path_string(&path[..i]);
            let last = i + 1 == path.len();
            if let Some(n) = node {
                let is_container = matches!(
                    (seg, &n.item),
                    (Seg::Key(_), Item::Table(_)) | (Seg::Index(_), Item::Array(_))
                );
                if !is_container {
                    let what = if matches!(seg, Seg::Key(_)) {
                        "a table"
                    } else {
                        "an array"
                    };
                    return Err(PathError::scenario(format!("`{here}` is not {what}"), None));
                }
            }
            match seg {
                Seg::Key(k) => match self.child(s, node, k) {
                    Child::Field(f) => {
                        s = f;
                        node = node.and_then(|n| n.get(k));
                    }
                    Child::Entry(e) => {
                        let next = node.and_then(|n| n.get(k));
                        if next.is_none() && !last {
                            let existing: Vec<&str> = node
                                .and_then(Node::as_table)
                                .map(|t| t.keys().map(String::as_str).collect())
                                .unwrap_or_default();
                            let help = closest(k, existing.iter().copied())
                                .map(|c| format!("did you mean `{c}`?"))
                                .or_else(|| {
                                    (!existing.is_empty())
                                        .then(|| format!("this scenario has {}", list(&existing)))
                                });
                            return Err(PathError::scenario(
                                format!("there is no `{k}` in [{here}]"),
                                help,
                            ));
                        }
                        s = e;
                        node = next;
                    }
                    Child::Unknown(valid) => {
                        return Err(PathError::format(
                            format!("unknown key `{k}` {}", within(&here)),
                            suggest(k, valid.iter().copied()),
                        ));
                    }
                },
                Seg::Index(n) => {
                    let p = self.plain(s);
                    let Some(items) = p.get("items") else {
                        return Err(PathError::format(format!("`{here}` is not an array"), None));
                    };
                    let len = match node.map(|n| &n.item) {
                        Some(Item::Array(a)) => a.len(),
                        _ => 0,
                    };
                    if *n >= len {
                        return Err(PathError::scenario(
                            format!("`{here}` has {len} entries, so there is no [{n}]"),
                            Some("entries count from [0]".into()),
                        ));
                    }
                    s = items;
                    node = node.and_then(|nd| nd.child(seg));
                }
            }
        }
        Ok(self.plain(s))
    }

    /// Whether a key with this schema holds a number (so it can be swept), and whether that
    /// number must be whole.
    pub(crate) fn numeric(&self, s: &Value) -> Option<bool> {
        let t = types(self.plain(s));
        if t.contains(&"integer") {
            Some(true)
        } else if t.contains(&"number") {
            Some(false)
        } else {
            None
        }
    }

    /// Checks a whole tree against the schema.
    pub(crate) fn check_root(&self, tree: &Node, errs: &mut Vec<ConfigError>) {
        self.check(tree, &self.root, &mut Vec::new(), errs);
    }

    /// Checks the value at `path` against `schema` (a schema from [`Shape::resolve`]).
    pub(crate) fn check_at(
        &self,
        tree: &Node,
        path: &[Seg],
        schema: &Value,
        errs: &mut Vec<ConfigError>,
    ) {
        if let Some(node) = tree.at_path(path) {
            self.check(node, schema, &mut path.to_vec(), errs);
        }
    }

    fn check(&self, node: &Node, s: &Value, path: &mut Vec<Seg>, errs: &mut Vec<ConfigError>) {
        let s = self.plain(s);
        let key = path_string(path);
        let wrong = |expected: String| {
            node.at.error(
                &key,
                format!("`{key}`: expected {expected}, found {}", found(node)),
                None,
            )
        };
        if let Some(alts) = self.alternatives(s) {
            if let Some(values) = alts
                .iter()
                .map(|a| const_str(a))
                .collect::<Option<Vec<_>>>()
            {
                self.check_enum(node, &key, &values, errs);
            } else if let Some(tag) = self.tag(&alts) {
                self.check_tagged(node, tag, &alts, path, errs);
            } else if !alts.iter().any(|alt| {
                let mut e = Vec::new();
                self.check(node, alt, path, &mut e);
                e.is_empty()
            }) {
                errs.push(wrong(self.describe(s)));
            }
            return;
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            self.check_enum(node, &key, &values, errs);
            return;
        }
        if let Some(c) = const_str(s) {
            self.check_enum(node, &key, &[c], errs);
            return;
        }
        let allowed = types(s);
        if !allowed.is_empty() && !allowed.iter().any(|t| fits(node, t, s)) {
            errs.push(wrong(self.describe(s)));
            return;
        }
        match &node.item {
            Item::Scalar(toml::Value::Integer(n)) => {
                let (lo, hi) = int_range(s);
                let n = i128::from(*n);
                if n < lo || n > hi {
                    errs.push(wrong(self.describe(s)));
                }
            }
            Item::Scalar(toml::Value::Float(x)) => {
                let lo = s
                    .get("minimum")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::NEG_INFINITY);
                let hi = s
                    .get("maximum")
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::INFINITY);
                // `inf` only where the format gives it a meaning (never, for a trigger).
                let infinity = s.get("x-infinity").and_then(Value::as_str) == Some("allowed");
                let allowed = x.is_finite() || (infinity && *x == f64::INFINITY);
                if !allowed {
                    errs.push(wrong("a finite number".into()));
                } else if *x < lo || *x > hi {
                    errs.push(wrong(self.describe(s)));
                }
            }
            Item::Scalar(toml::Value::String(text))
                if is_date(s) && chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() =>
            {
                errs.push(wrong(self.describe(s)));
            }
            Item::Scalar(toml::Value::Datetime(dt)) if is_date(s) => {
                let valid = dt
                    .date
                    .filter(|_| dt.time.is_none() && dt.offset.is_none())
                    .and_then(|d| {
                        chrono::NaiveDate::from_ymd_opt(
                            i32::from(d.year),
                            u32::from(d.month),
                            u32::from(d.day),
                        )
                    });
                if valid.is_none() {
                    let help = dt
                        .time
                        .is_some()
                        .then(|| "remove the time: scenario dates are whole days".to_string());
                    errs.push(node.at.error(
                        &key,
                        format!(
                            "`{key}`: expected a date such as 2020-04-01, found {}",
                            found(node)
                        ),
                        help,
                    ));
                }
            }
            Item::Array(items) => {
                let item_schema = s.get("items").unwrap_or(&ANYTHING);
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    self.check(item, item_schema, path, errs);
                    path.pop();
                }
            }
            Item::Table(t) => {
                for (k, child) in t {
                    path.push(Seg::Key(k.clone()));
                    match self.child(s, Some(node), k) {
                        Child::Field(c) | Child::Entry(c) => self.check(child, c, path, errs),
                        Child::Unknown(valid) => {
                            errs.push(child.at.error(
                                &path_string(path),
                                format!("unknown key `{k}` {}", within(&key)),
                                suggest(k, valid.iter().copied()),
                            ));
                        }
                    }
                    path.pop();
                }
                let required = s
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str);
                for r in required.filter(|r| !t.contains_key(*r)) {
                    let what = s
                        .pointer(&format!("/properties/{r}"))
                        .map(|p| self.describe(p))
                        .unwrap_or_else(|| "a value".into());
                    let doc = s
                        .pointer(&format!("/properties/{r}/description"))
                        .and_then(Value::as_str)
                        .map(first_sentence);
                    let help = Some(match doc {
                        Some(d) => format!("add `{r}`, {what}: {d}"),
                        None => format!("add `{r}`, {what}"),
                    });
                    let full = if key.is_empty() {
                        r.to_string()
                    } else {
                        format!("{key}.{r}")
                    };
                    errs.push(node.at.error(
                        &full,
                        format!("missing key `{r}` {}", within(&key)),
                        help,
                    ));
                }
            }
            _ => {}
        }
    }

    fn check_enum(&self, node: &Node, key: &str, values: &[&str], errs: &mut Vec<ConfigError>) {
        let expected = one_of(values);
        match node.as_str() {
            Some(v) if values.contains(&v) => {}
            Some(v) => {
                let help = closest(v, values.iter().copied())
                    .map(|c| format!("did you mean `{c}`?"))
                    .or_else(|| {
                        (values.len() > 8).then(|| format!("expected one of {}", list(values)))
                    });
                errs.push(node.at.error(
                    key,
                    format!("`{key}`: expected {expected}, found `{v}`"),
                    help,
                ));
            }
            None => errs.push(node.at.error(
                key,
                format!("`{key}`: expected {expected}, found {}", found(node)),
                None,
            )),
        }
    }

    fn check_tagged(
        &self,
        node: &Node,
        tag: &str,
        alts: &[&Value],
        path: &mut Vec<Seg>,
        errs: &mut Vec<ConfigError>,
    ) {
        let key = path_string(path);
        let names: Vec<&str> = alts.iter().filter_map(|a| tag_value(a, tag)).collect();
        let Some(table) = node.as_table() else {
            let example = example_of(alts.first().copied(), tag);
            errs.push(node.at.error(
                &key,
                format!(
                    "`{key}`: expected a table such as `{example}`, found {}",
                    found(node)
                ),
                None,
            ));
            return;
        };
        let Some(tag_node) = table.get(tag) else {
            errs.push(node.at.error(
                &format!("{key}.{tag}"),
                format!("`{key}`: missing key `{tag}`"),
                Some(format!("`{tag}` is one of {}", list(&names))),
            ));
            return;
        };
        path.push(Seg::Key(tag.to_string()));
        let tag_key = path_string(path);
        path.pop();
        match tag_node
            .as_str()
            .and_then(|t| alts.iter().find(|a| tag_value(a, tag) == Some(t)))
        {
            Some(alt) => self.check(node, alt, path, errs),
            None => self.check_enum(tag_node, &tag_key, &names, errs),
        }
    }

    /// What a schema expects, in words: "a whole number ≥ 0", "one of `block`, `spot`".
    pub(crate) fn describe(&self, s: &Value) -> String {
        let s = self.plain(s);
        if let Some(alts) = self.alternatives(s) {
            if let Some(values) = alts
                .iter()
                .map(|a| const_str(a))
                .collect::<Option<Vec<_>>>()
            {
                return one_of(&values);
            }
            if let Some(tag) = self.tag(&alts) {
                return format!(
                    "a table such as `{}`",
                    example_of(alts.first().copied(), tag)
                );
            }
            return alts
                .iter()
                .map(|a| self.describe(a))
                .collect::<Vec<_>>()
                .join(" or ");
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            return one_of(&values);
        }
        let t = types(s);
        if t.contains(&"integer") {
            let (lo, hi) = int_range(s);
            return match (lo, hi) {
                (lo, hi) if hi >= i128::from(i64::MAX) && lo > i128::from(i64::MIN) => {
                    format!("a whole number ≥ {lo}")
                }
                (lo, hi) if lo > i128::from(i64::MIN) => {
                    format!("a whole number from {lo} to {hi}")
                }
                _ => "a whole number".into(),
            };
        }
        if t.contains(&"number") {
            return "a number".into();
        }
        if t.contains(&"string") {
            return if is_date(s) {
                "a date such as 2020-04-01".into()
            } else {
                "a string".into()
            };
        }
        if t.contains(&"boolean") {
            return "true or false".into();
        }
        if t.contains(&"array") {
            let items = s.get("items").map_or("values".into(), |i| self.plural(i));
            return format!("an array of {items}");
        }
        if t.contains(&"object") {
            return "a table".into();
        }
        "a value".into()
    }

    /// The tag key and variants of an internally tagged enum (`dist` of a distribution).
    pub(crate) fn tagged<'s>(&'s self, s: &'s Value) -> Option<(&'s str, Vec<&'s Value>)> {
        let alts = self.alternatives(self.plain(s))?;
        Some((self.tag(&alts)?, alts))
    }

    /// What a tagged enum is called, from its definition's name: "distribution".
    pub(crate) fn tagged_name(&self, s: &Value) -> Option<String> {
        self.tagged(s)?;
        let reference = s
            .get("$ref")
            .or_else(|| {
                s.get("anyOf")?
                    .as_array()?
                    .iter()
                    .find_map(|a| a.get("$ref"))
            })
            .and_then(Value::as_str);
        Some(
            reference
                .and_then(|r| r.rsplit('/').next())
                .unwrap_or("table")
                .to_lowercase(),
        )
    }

    /// A short type name for the key reference: "whole number", "array of strings".
    pub(crate) fn kind(&self, s: &Value) -> String {
        if let Some(name) = self.tagged_name(s) {
            return name;
        }
        let s = self.plain(s);
        if let Some(alts) = self.alternatives(s) {
            if let Some(values) = alts
                .iter()
                .map(|a| const_str(a))
                .collect::<Option<Vec<_>>>()
            {
                return enum_kind(&values);
            }
            if self.tag(&alts).is_some() {
                return "table".into();
            }
            return alts
                .iter()
                .map(|a| self.kind(a))
                .collect::<Vec<_>>()
                .join(" or ");
        }
        if let Some(values) = s.get("enum").and_then(Value::as_array) {
            return enum_kind(&values.iter().filter_map(Value::as_str).collect::<Vec<_>>());
        }
        let t = types(s);
        let kind = if t.contains(&"integer") {
            "whole number"
        } else if t.contains(&"number") {
            "number"
        } else if t.contains(&"string") {
            if is_date(s) {
                "date"
            } else {
                "string"
            }
        } else if t.contains(&"boolean") {
            "boolean"
        } else if t.contains(&"array") {
            return format!(
                "array of {}",
                s.get("items").map_or("values".into(), |i| self.plural(i))
            );
        } else if t.contains(&"object") {
            return match s.get("additionalProperties").filter(|a| a.is_object()) {
                Some(v) => format!("table of {}", self.plural(v)),
                None => "table".into(),
            };
        } else {
            "value"
        };
        kind.into()
    }

    /// The plural of what a schema describes: "numbers", "tables", "arrays or strings".
    pub(crate) fn plural(&self, s: &Value) -> String {
        if let Some(name) = self.tagged_name(s) {
            return format!("{name}s");
        }
        let s = self.plain(s);
        if let Some(alts) = self.alternatives(s) {
            if alts.iter().all(|a| const_str(a).is_some()) {
                return "strings".into();
            }
            if self.tag(&alts).is_some() {
                return "tables".into();
            }
            return alts
                .iter()
                .map(|a| self.plural(a))
                .collect::<Vec<_>>()
                .join(" or ");
        }
        let t = types(s);
        let plural = if t.contains(&"number") || t.contains(&"integer") {
            "numbers"
        } else if t.contains(&"string") || s.get("enum").is_some() {
            "strings"
        } else if t.contains(&"object") {
            "tables"
        } else if t.contains(&"array") {
            "arrays"
        } else if t.contains(&"boolean") {
            "booleans"
        } else {
            "values"
        };
        plural.into()
    }
}

/// The non-null JSON types a schema allows.
fn types(s: &Value) -> Vec<&str> {
    match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
    .into_iter()
    .filter(|t| *t != "null")
    .collect()
}

fn is_null(s: &Value) -> bool {
    s.get("type").and_then(Value::as_str) == Some("null")
}

/// "at the top level" or "in [wards.gau]".
fn within(table: &str) -> String {
    if table.is_empty() {
        "at the top level".into()
    } else {
        format!("in [{table}]")
    }
}

/// "one of `block`, `spot`"; long lists (KPI names) are counted, not listed.
fn one_of(values: &[&str]) -> String {
    if values.len() <= 8 {
        format!("one of {}", list(values))
    } else {
        format!("one of {} names", values.len())
    }
}

/// `"block"` or `"spot"`, for the key reference.
fn enum_kind(values: &[&str]) -> String {
    if values.len() > 8 {
        return format!("string (one of {} names)", values.len());
    }
    values
        .iter()
        .map(|v| format!("`\"{v}\"`"))
        .collect::<Vec<_>>()
        .join(" or ")
}

fn const_str(s: &Value) -> Option<&str> {
    s.get("const").and_then(Value::as_str)
}

fn tag_value<'s>(alt: &'s Value, tag: &str) -> Option<&'s str> {
    alt.get("properties")?.get(tag)?.get("const")?.as_str()
}

fn is_date(s: &Value) -> bool {
    s.get("format").and_then(Value::as_str) == Some("date")
}

/// `{ dist = "exponential", mean = … }` for the first variant of a tagged enum.
fn example_of(alt: Option<&Value>, tag: &str) -> String {
    let Some(alt) = alt else {
        return format!("{{ {tag} = … }}");
    };
    let mut parts = vec![format!(
        "{tag} = \"{}\"",
        tag_value(alt, tag).unwrap_or("…")
    )];
    let required = alt
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    parts.extend(required.filter(|r| *r != tag).map(|r| format!("{r} = …")));
    format!("{{ {} }}", parts.join(", "))
}

/// The whole numbers an integer schema allows: its `format` (`uint32`, …) and any `minimum` /
/// `maximum`. TOML integers are 64-bit, so the range never needs more than `i128`.
fn int_range(s: &Value) -> (i128, i128) {
    let (mut lo, mut hi) = match s.get("format").and_then(Value::as_str) {
        Some("uint8") => (0, i128::from(u8::MAX)),
        Some("uint16") => (0, i128::from(u16::MAX)),
        Some("uint32") => (0, i128::from(u32::MAX)),
        Some("uint64" | "uint") => (0, i128::from(u64::MAX)),
        Some("int8") => (i128::from(i8::MIN), i128::from(i8::MAX)),
        Some("int16") => (i128::from(i16::MIN), i128::from(i16::MAX)),
        Some("int32") => (i128::from(i32::MIN), i128::from(i32::MAX)),
        _ => (i128::from(i64::MIN), i128::from(i64::MAX)),
    };
    if let Some(m) = s.get("minimum").and_then(Value::as_f64) {
        lo = lo.max(m.ceil() as i128);
    }
    if let Some(m) = s.get("maximum").and_then(Value::as_f64) {
        hi = hi.min(m.floor() as i128);
    }
    (lo, hi)
}

fn fits(node: &Node, t: &str, s: &Value) -> bool {
    match (&node.item, t) {
        (Item::Scalar(toml::Value::Integer(_)), "integer" | "number") => true,
        (Item::Scalar(toml::Value::Float(_)), "number") => true,
        (Item::Scalar(toml::Value::String(_)), "string") => true,
        (Item::Scalar(toml::Value::Boolean(_)), "boolean") => true,
        (Item::Scalar(toml::Value::Datetime(_)), "string") => is_date(s),
        (Item::Array(_), "array") => true,
        (Item::Table(_), "object") => true,
        _ => false,
    }
}

/// What a value is, in words, with the value itself when short: `a string ("abc")`.
pub(crate) fn found(node: &Node) -> String {
    match &node.item {
        Item::Scalar(toml::Value::String(s)) if s.chars().count() <= 40 => {
            format!("a string ({s:?})")
        }
        Item::Scalar(toml::Value::String(_)) => "a string".into(),
        Item::Scalar(toml::Value::Integer(n)) => format!("a whole number ({n})"),
        Item::Scalar(toml::Value::Float(x)) => format!("a number ({x})"),
        Item::Scalar(toml::Value::Boolean(b)) => format!("a boolean ({b})"),
        Item::Scalar(toml::Value::Datetime(d)) if d.time.is_some() && d.date.is_some() => {
            format!("a date and time ({d})")
        }
        Item::Scalar(toml::Value::Datetime(d)) if d.date.is_some() => format!("a date ({d})"),
        Item::Scalar(toml::Value::Datetime(d)) => format!("a time ({d})"),
        Item::Scalar(_) => "a value".into(),
        Item::Array(_) => "an array".into(),
        Item::Table(_) => "a table".into(),
    }
}

/// The first sentence of a doc comment, on one line.
pub(crate) fn first_sentence(doc: &str) -> String {
    let one_line = doc.split_whitespace().collect::<Vec<_>>().join(" ");
    match one_line.find(". ") {
        Some(i) => one_line[..=i].to_string(),
        None => one_line,
    }
}
