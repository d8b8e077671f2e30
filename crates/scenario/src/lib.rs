//! carepath-scenario: scenario files to the engine's `Scenario`, every problem located.
//!
//! Owns the file format as the runner reads it: trees that remember where each value was
//! written, `extends` chains, `--set`, sweeps and their points, `[[check]]` conditions, the
//! `[uncertainty]` table, the JSON Schema and the key reference, and errors with file, line,
//! column, key and a suggestion. It runs nothing and writes nothing: experiments, reports and
//! the command sit above it and take a [`LoadedScenario`].
//!
//! For each file: parse it and every file its `extends` chain names into trees that remember
//! where each value was written; merge them; apply `--set`, `--reps` and `--seed`; check the
//! result against the JSON Schema of the format, reporting every unknown key, wrong type and
//! impossible number with a suggestion; take out the runner's own keys (`[sweep]`,
//! `[[check]]`); expand the sweep; deserialize into the engine's `Scenario`; and validate it,
//! mapping each error's dotted key path back to the file and line that set it. Errors from all
//! files are collected, and nothing loads if there are any.
//!
//! `--set key.path=value` takes a TOML value (`30`, `2020-04-01`, `"wait"`, `[1, 2]`); text that
//! is not TOML is taken as a string. For `--sweep` and `[sweep]` see [`sweep`]; for `--check`
//! and `[[check]]` see [`checks`].

mod checks;
mod error;
pub mod inputs;
mod schema;
mod shadow;
mod shape;
mod sweep;
mod tree;
mod uncertainty;

pub use checks::{missing_kpi, parse_check_arg, Check};
pub use error::{suggest, ConfigError};
pub use schema::{key_reference, published_schema, schema};

use carepath_engine::scenario::limits;
use carepath_engine::uncertainty::{support, Design};
use carepath_engine::{Model, Scenario};
use chrono::NaiveDate;
use serde::Deserialize;
use shape::Shape;
use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use sweep::SweepParam;
pub use sweep::{display_name, SweepPoint, SweepValue};
use tree::{path_string, Item, Loc, Node, Seg};
use uncertainty::UncertainInput;

/// Keys that only the runner reads, which `--set` cannot change.
/// What a run writes at the top of its output folder beside one folder per scenario, so no
/// scenario may be named so (the report package's tests hold this list to what it writes).
pub const RESERVED_NAMES: &[&str] = &[
    ".carepath",
    "charts",
    "comparison.csv",
    "manifest.json",
    "report.html",
    "results.xlsx",
    "sensitivity.csv",
    "solve",
    "summary.csv",
    "summary.json",
    "uncertainty.csv",
];

const RUNNER_KEYS: [&str; 5] = ["extends", "unset", "sweep", "check", "uncertainty"];

/// Command-line changes applied to every scenario loaded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// `key.path=value` overrides (`--set`), applied in order after `extends` merging.
    pub sets: Vec<String>,
    /// `key.path=values` sweeps (`--sweep`); when given, they replace every file's `[sweep]`.
    pub sweeps: Vec<String>,
    /// Replications for every scenario (`simulation.replications`).
    pub reps: Option<u32>,
    /// Seed for every scenario (`simulation.seed`).
    pub seed: Option<u64>,
}

/// Where scenarios are read from: files (or folders of them), or text given directly, such
/// as a notebook's dict, under a name its errors use. Text is never written to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A scenario file, or a folder whose `*.toml` files are loaded.
    Path(PathBuf),
    /// Scenario text; its `extends` is relative to the working directory.
    Text { name: String, text: String },
}

impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Source {
        Source::Path(path)
    }
}

/// One file of a scenario's `extends` chain, with the text it was loaded from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given (or joined from `extends`), or the name of text given directly.
    pub path: PathBuf,
    pub text: std::sync::Arc<str>,
}

/// A scenario ready to run.
#[derive(Debug, Clone)]
pub struct LoadedScenario {
    /// Unique name: the file's `name` (default: its stem), plus `__key=value` per swept key.
    pub name: String,
    /// The file it was loaded from.
    pub path: PathBuf,
    /// The file, then each parent its `extends` chain names, each with the text it was
    /// loaded from (hashed into the manifest, quoted in the report).
    pub sources: Vec<SourceFile>,
    /// The scenario as merged, overridden and swept; its `name` is `name` above.
    pub scenario: Scenario,
    /// The validated model.
    pub model: Model,
    /// Its `[[check]]` conditions.
    pub checks: Vec<Check>,
    /// Its point in a sweep, if swept.
    pub sweep: Option<SweepPoint>,
    /// Its parameter draws, with `simulation.parameter_draws` and `[uncertainty]`.
    pub draws: Option<Draws>,
}

/// The parameter sets of a scenario with uncertain inputs, and the model of each.
#[derive(Debug, Clone)]
pub struct Draws {
    pub design: Design,
    pub models: Vec<Model>,
}

impl LoadedScenario {
    /// Replications in all: `replications`, times the parameter draws when there are any.
    pub fn runs(&self) -> u32 {
        let draws = self.draws.as_ref().map_or(1, |d| d.models.len() as u32);
        draws * self.model.replications()
    }

    /// The model that replication `index` (of [`Self::runs`]) runs: its draw's, or the
    /// scenario's own.
    pub fn model_for(&self, index: u32) -> &Model {
        match &self.draws {
            Some(d) => &d.models[(index / self.model.replications()) as usize],
            None => &self.model,
        }
    }
}

/// Loads scenario files, and every `*.toml` file of directories (each after the file it
/// extends, then by name), in order; a
/// swept scenario gives one scenario per grid point. Returns every problem found, or nothing.
pub fn load(
    inputs: &[PathBuf],
    opts: &LoadOptions,
) -> Result<Vec<LoadedScenario>, Vec<ConfigError>> {
    let sources: Vec<Source> = inputs.iter().cloned().map(Source::from).collect();
    load_sources(&sources, opts)
}

/// [`load`] from files or text: each text is one scenario file, named by its `name`.
pub fn load_sources(
    inputs: &[Source],
    opts: &LoadOptions,
) -> Result<Vec<LoadedScenario>, Vec<ConfigError>> {
    let shape = Shape::new(schema());
    let mut errs = Vec::new();
    let overrides = Overrides::parse(opts, &mut errs);
    let mut cache = Files::default();
    let mut paths = Vec::new();
    for input in inputs {
        match input {
            Source::Path(path) => paths.push(path.clone()),
            Source::Text { name, text } => {
                let path = PathBuf::from(name);
                cache.given.insert(path.clone(), text.as_str().into());
                paths.push(path);
            }
        }
    }
    let files = scenario_files(&paths, &cache, &mut errs);
    let mut loaded = Vec::new();
    for file in &files {
        let before = errs.len();
        loaded.extend(load_file(file, &overrides, &shape, &mut cache, &mut errs));
        // Checks run key by key; a reader fixes a file top to bottom.
        errs[before..].sort_by(|a, b| (&a.file, a.line, a.col).cmp(&(&b.file, b.line, b.col)));
    }
    let mut names: HashMap<&str, &Path> = HashMap::new();
    for (s, name_at) in &loaded {
        if let Some(other) = names.insert(&s.name, &s.path) {
            let (message, help) = if other == s.path {
                let message = format!("scenario `{}` is loaded twice", s.name);
                (
                    message,
                    "the file is given twice (perhaps also through its directory)",
                )
            } else {
                let message = format!(
                    "scenario name `{}` is also used by {}",
                    s.name,
                    other.display()
                );
                (message, "names must be unique because they name the output folders: set a different `name`")
            };
            errs.push(name_at.error("name", message, Some(help.into())));
        }
    }
    if errs.is_empty() {
        Ok(loaded.into_iter().map(|(s, _)| s).collect())
    } else {
        let mut seen = HashSet::new();
        errs.retain(|e| seen.insert(e.to_string()));
        Err(errs)
    }
}

/// The files to load: files as given, directories as their `*.toml` files sorted by name.
fn scenario_files(inputs: &[PathBuf], cache: &Files, errs: &mut Vec<ConfigError>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    if inputs.is_empty() {
        let message = "no scenario files given".to_string();
        errs.push(ConfigError {
            file: PathBuf::new(),
            line: None,
            col: None,
            key: String::new(),
            message,
            help: None,
        });
    }
    for input in inputs {
        if cache.given.contains_key(input) {
            files.push(input.clone());
            continue;
        }
        let whole = |message: String| ConfigError {
            file: input.clone(),
            line: None,
            col: None,
            key: String::new(),
            message,
            help: None,
        };
        match fs::metadata(input) {
            Err(e) => errs.push(whole(format!("cannot read: {e}"))),
            Ok(m) if m.is_dir() => {
                let entries = match fs::read_dir(input) {
                    Ok(entries) => entries,
                    Err(e) => {
                        errs.push(whole(format!("cannot read the directory: {e}")));
                        continue;
                    }
                };
                let mut found: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    // A link to a missing file is kept, to be reported by name.
                    .filter(|p| {
                        p.extension().is_some_and(|x| x == "toml")
                            && (p.is_file()
                                || fs::symlink_metadata(p).is_ok_and(|m| m.is_symlink()))
                    })
                    .collect();
                if found.is_empty() {
                    errs.push(whole("the directory has no scenario files (*.toml)".into()));
                }
                found.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
                // A roadmap reads in the order it was built: each file after the one it extends.
                found.sort_by_cached_key(|p| extends_depth(p));
                files.extend(found);
            }
            Ok(_) => files.push(input.clone()),
        }
    }
    files
}

/// How many `extends` links lead from `file` to a file that extends nothing (0 for such a
/// file, or one that cannot be read: its errors are reported when it is loaded).
fn extends_depth(file: &Path) -> usize {
    let mut path = file.to_path_buf();
    for depth in 0..32 {
        let parent = fs::read_to_string(&path)
            .ok()
            .and_then(|text| text.parse::<toml::Table>().ok())
            .and_then(|t| t.get("extends")?.as_str().map(PathBuf::from));
        match (parent, path.parent()) {
            (Some(p), Some(dir)) => path = dir.join(p),
            _ => return depth,
        }
    }
    32
}

/// A `--set`, `--reps` or `--seed`, parsed once for all files.
struct Override {
    path: Vec<Seg>,
    value: Node,
    arg: Rc<str>,
}

struct Overrides {
    sets: Vec<Override>,
    /// `--sweep` parameters, which replace the files' `[sweep]` when there are any.
    sweeps: Option<Vec<SweepParam>>,
}

impl Overrides {
    fn parse(opts: &LoadOptions, errs: &mut Vec<ConfigError>) -> Overrides {
        let mut sets = Vec::new();
        for arg in &opts.sets {
            let cli: Rc<str> = format!("--set {arg}").into();
            let at = Loc::Cli(cli.clone());
            match Self::parse_set(arg, &at) {
                Ok((path, value)) => sets.push(Override {
                    path,
                    value,
                    arg: cli,
                }),
                Err(message) => {
                    errs.push(at.error(arg.split('=').next().unwrap_or(""), message, None))
                }
            }
        }
        let mut fixed = |key: &str, flag: String, value: i64| {
            let path = vec![Seg::Key("simulation".into()), Seg::Key(key.into())];
            let value = Node::scalar(toml::Value::Integer(value), Loc::Cli(flag.clone().into()));
            sets.push(Override {
                path,
                value,
                arg: flag.into(),
            });
        };
        if let Some(reps) = opts.reps {
            fixed("replications", format!("--reps {reps}"), i64::from(reps));
        }
        if let Some(seed) = opts.seed {
            // TOML integers are i64: a larger seed could not be written into a scenario file to
            // reproduce the run.
            match i64::try_from(seed) {
                Ok(s) => fixed("seed", format!("--seed {seed}"), s),
                Err(_) => errs.push(Loc::Cli(format!("--seed {seed}").into()).error(
                    "simulation.seed",
                    format!("the seed is too large; the largest is {}", i64::MAX),
                    None,
                )),
            }
        }
        let sweeps = (!opts.sweeps.is_empty()).then(|| {
            let params: Vec<SweepParam> = opts
                .sweeps
                .iter()
                .filter_map(|arg| {
                    sweep::parse_arg(arg)
                        .map_err(|m| {
                            errs.push(Loc::Cli(format!("--sweep {arg}").into()).error("", m, None))
                        })
                        .ok()
                })
                .collect();
            params
        });
        Overrides { sets, sweeps }
    }

    fn parse_set(arg: &str, at: &Loc) -> Result<(Vec<Seg>, Node), String> {
        let (key, value) = arg
            .split_once('=')
            .ok_or("expected `key.path=value`, e.g. `wards.gau.beds=30`")?;
        let path = tree::parse_path(key)?;
        if let Some(Seg::Key(first)) = path
            .first()
            .filter(|s| matches!(s, Seg::Key(k) if RUNNER_KEYS.contains(&k.as_str())))
        {
            let hint = if first == "sweep" {
                "; use `--sweep`"
            } else {
                ""
            };
            return Err(format!("`--set` cannot change `{first}`{hint}"));
        }
        Ok((path, tree::parse_value(value, at.clone())?))
    }
}

/// A parsed file: its tree without `extends`, what `extends` names, and its text.
struct Parsed {
    tree: Node,
    extends: Option<(String, Loc)>,
    text: std::sync::Arc<str>,
}

/// Files parsed so far, so a parent shared by many scenarios is read (and its errors
/// reported) once.
#[derive(Default)]
struct Files {
    parsed: HashMap<PathBuf, Option<Rc<Parsed>>>,
    /// Text given directly, by the name it goes by.
    given: HashMap<PathBuf, std::sync::Arc<str>>,
}

impl Files {
    fn get(&mut self, path: &Path, errs: &mut Vec<ConfigError>) -> Option<Rc<Parsed>> {
        let key = canonical(path);
        if let Some(p) = self.parsed.get(&key) {
            return p.clone();
        }
        let read = match self.given.get(path) {
            Some(text) => tree::parse_str(Rc::from(path), text).map(|t| (t, text.clone())),
            None => tree::read_file(path).map(|(t, text)| (t, text.into())),
        };
        let parsed = match read {
            Ok((mut tree, text)) => match tree.remove("extends") {
                None => Some(Parsed {
                    tree,
                    extends: None,
                    text,
                }),
                Some(node) => match node.as_str().filter(|s| !s.trim().is_empty()) {
                    Some(parent) => Some(Parsed {
                        tree,
                        extends: Some((parent.to_string(), node.at)),
                        text,
                    }),
                    None => {
                        let message = format!(
                            "`extends`: expected the path of a scenario file, found {}",
                            shape::found(&node)
                        );
                        errs.push(node.at.error("extends", message, None));
                        None
                    }
                },
            },
            Err(e) => {
                errs.extend(e);
                None
            }
        };
        let parsed = parsed.map(Rc::new);
        self.parsed.insert(key, parsed.clone());
        parsed
    }

    /// The file and then each file its `extends` chain names.
    fn chain(
        &mut self,
        path: &Path,
        errs: &mut Vec<ConfigError>,
    ) -> Option<Vec<(PathBuf, Rc<Parsed>)>> {
        let mut chain: Vec<(PathBuf, Rc<Parsed>)> = Vec::new();
        let mut seen = vec![canonical(path)];
        let mut current = path.to_path_buf();
        loop {
            let parsed = self.get(&current, errs)?;
            let extends = parsed.extends.clone();
            chain.push((current.clone(), parsed));
            let Some((parent, at)) = extends else {
                return Some(chain);
            };
            let parent_path = current.parent().unwrap_or(Path::new("")).join(&parent);
            if let Err(e) = tree::check_scenario_file(&parent_path) {
                let message = format!(
                    "`extends`: cannot read `{parent}` ({}): {e}",
                    parent_path.display()
                );
                errs.push(at.error("extends", message, None));
                return None;
            }
            let key = canonical(&parent_path);
            if seen.contains(&key) {
                let files: Vec<String> = chain
                    .iter()
                    .map(|(p, _)| p.display().to_string())
                    .chain([parent_path.display().to_string()])
                    .collect();
                errs.push(at.error(
                    "extends",
                    format!("`extends` makes a cycle: {}", files.join(" → ")),
                    None,
                ));
                return None;
            }
            seen.push(key);
            current = parent_path;
        }
    }
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Loads one file into one scenario, or one per sweep point; each comes with where its name is
/// written, for duplicate-name errors.
fn load_file(
    path: &Path,
    overrides: &Overrides,
    shape: &Shape,
    files: &mut Files,
    errs: &mut Vec<ConfigError>,
) -> Vec<(LoadedScenario, Loc)> {
    let Some(chain) = files.chain(path, errs) else {
        return Vec::new();
    };
    let before = errs.len();
    let mut tree = merge_chain(path, &chain, errs);
    apply_sets(&mut tree, path, overrides, shape, errs);
    shape.check_root(&tree, errs);
    let located_checks = checks::from_tree(tree.remove("check").as_ref(), errs);
    let checks: Vec<Check> = located_checks.iter().map(|(c, _)| c.clone()).collect();
    let file_sweep = tree.remove("sweep");
    let inputs = uncertainty::from_tree(tree.remove("uncertainty").as_ref(), errs);
    let params = match &overrides.sweeps {
        Some(params) => params.clone(),
        None => sweep::from_tree(file_sweep.as_ref(), errs),
    };
    if let Err(m) = sweep::check_size(&params) {
        let at = match (&overrides.sweeps, &file_sweep) {
            (None, Some(node)) => node.at.clone(),
            _ => Loc::Cli("--sweep".into()),
        };
        errs.push(at.error("sweep", m, None));
    }
    for o in &overrides.sets {
        shadow::check(&tree, &o.path, &format!("`{}`", o.arg), errs);
    }
    for p in &params {
        shadow::check(&tree, &p.path, &format!("the sweep of `{}`", p.key), errs);
    }
    for i in &inputs {
        let what = format!("the uncertain `{}`", i.param.key);
        shadow::check(&tree, &i.param.path, &what, errs);
    }
    let (base, name_at) = scenario_name(&tree, path, errs.len() == before, errs);
    let swept = resolve_sweep(&tree, &params, shape, "swept", errs);
    let uncertain: Vec<SweepParam> = inputs.iter().map(|i| i.param.clone()).collect();
    let drawn = resolve_sweep(&tree, &uncertain, shape, "uncertain", errs);
    for d in &drawn {
        let key = &d.param.key;
        if d.whole {
            let message = format!("`{key}` takes whole numbers, so it cannot be uncertain");
            let help = "draws are continuous; sweep a whole number such as a capacity instead";
            errs.push(d.param.at.error(key, message, Some(help.into())));
        }
        if params.iter().any(|p| p.path == d.param.path) {
            let message = format!("`{key}` is both swept and uncertain");
            errs.push(d.param.at.error(key, message, None));
        }
    }
    if errs.len() > before {
        let found = errs[before..].to_vec();
        errs.extend(further_errors(
            &tree,
            path,
            &chain,
            shape,
            &located_checks,
            &found,
        ));
        return Vec::new();
    }

    let sources: Vec<SourceFile> = chain
        .iter()
        .map(|(path, parsed)| SourceFile {
            path: path.clone(),
            text: parsed.text.clone(),
        })
        .collect();
    let points = if params.is_empty() {
        vec![Vec::new()]
    } else {
        sweep::grid(&params)
    };
    let mut loaded = Vec::new();
    for values in points {
        let mut tree = tree.clone();
        let name = sweep::point_name(&base, &params, &values);
        tree.insert(
            &[Seg::Key("name".into())],
            Node::scalar(toml::Value::String(name.clone()), name_at.clone()),
        );
        let point: Vec<(String, SweepValue)> = params
            .iter()
            .map(|p| p.key.clone())
            .zip(values.iter().cloned())
            .collect();
        let before_build = errs.len();
        let Some((scenario, model)) = build(&mut tree, &swept, &point, shape, errs) else {
            if params.is_empty() {
                let found = errs[before_build..].to_vec();
                errs.extend(further_errors(
                    &tree,
                    path,
                    &chain,
                    shape,
                    &located_checks,
                    &found,
                ));
            }
            continue;
        };
        errs.extend(missing_kpis(&located_checks, &model));
        let Some(draws) = draw(&tree, &drawn, &inputs, &scenario, &model, shape, errs) else {
            continue;
        };
        let sweep = (!params.is_empty()).then(|| SweepPoint {
            family: base.clone(),
            params: point,
        });
        let scenario = LoadedScenario {
            name,
            path: path.to_path_buf(),
            sources: sources.clone(),
            scenario,
            model,
            checks: checks.clone(),
            sweep,
            draws,
        };
        loaded.push((scenario, name_at.clone()));
    }
    loaded
}

/// The checks that name a KPI `model` does not report.
fn missing_kpis(checks: &[(Check, Loc)], model: &Model) -> Vec<ConfigError> {
    checks
        .iter()
        .filter_map(|(check, at)| {
            let help = checks::missing_kpi(check, model)?;
            let message = format!("check `{check}`: the scenario has no such KPI");
            Some(at.error("check", message, Some(help)))
        })
        .collect()
}

/// Errors that `found` would hide until it is fixed: the tree is built again with each key in
/// error replaced by what the files it extends give (or removed), and what that build finds
/// about other keys is reported now, as are the checks against the KPIs the scenario has
/// (which need a model). Only errors about keys unrelated to any key replaced are kept, so a
/// replacement cannot cause an error of its own.
fn further_errors(
    tree: &Node,
    path: &Path,
    chain: &[(PathBuf, Rc<Parsed>)],
    shape: &Shape,
    checks: &[(Check, Loc)],
    found: &[ConfigError],
) -> Vec<ConfigError> {
    // What the files this one extends give, without its own keys (their errors are already
    // reported with the chain's).
    let inherited = merge_chain(path, &chain[1..], &mut Vec::new());
    // `x` is `y` or inside it.
    let within = |x: &str, y: &str| {
        x.strip_prefix(y)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
    };
    // An error about `a` may be a consequence of replacing `b` when it is about `b`, inside
    // it, or in the table that holds it (a roadmap change without its `ward` …).
    let related = |a: &str, b: &str| {
        let parent = b.rfind(['.', '[']).map_or("", |i| &b[..i]);
        a.is_empty() || b.is_empty() || within(a, parent) || within(b, a)
    };
    let mut removed: Vec<String> = found.iter().map(|e| e.key.clone()).collect();
    let mut tree = tree.clone();
    let mut further = Vec::new();
    // Each round removes the keys the last one found in error; three rounds reach what a
    // reader would find by fixing a file and validating it again three times.
    for round in 0..4 {
        for key in &removed {
            let Ok(path) = tree::parse_path(key) else {
                continue;
            };
            // Only into a table the scenario has (`check`, `sweep` … are taken out).
            let top = path.first().and_then(|seg| tree.child(seg)).is_some();
            match inherited.at_path(&path) {
                Some(node) if top => tree.insert(&path, node.clone()),
                _ if matches!(path.last(), Some(Seg::Key(_))) => tree.remove_at(&path),
                _ => {}
            }
        }
        // The last round also takes out every array element in error (renumbering the rest,
        // which no later round needs), so that the checks can be tested against a model.
        if round == 3 {
            let mut elements: Vec<Vec<Seg>> = (removed.iter())
                .filter_map(|k| tree::parse_path(k).ok())
                .filter_map(|p| {
                    let i = p.iter().position(|s| matches!(s, Seg::Index(_)))?;
                    Some(p[..=i].to_vec())
                })
                .collect();
            elements.sort();
            elements.dedup();
            for element in elements.iter().rev() {
                tree.remove_at(element);
            }
        }
        let mut errs = Vec::new();
        match build(&mut tree.clone(), &[], &[], shape, &mut errs) {
            // The checks' years depend on the horizon: not against one put back.
            Some(_)
                if (removed.iter()).any(|k| {
                    ["simulation", "simulation.start_date", "simulation.years"]
                        .contains(&k.as_str())
                }) =>
            {
                break
            }
            Some((_, model)) => {
                further.extend(missing_kpis(checks, &model));
                break;
            }
            None => {
                let new: Vec<ConfigError> = errs
                    .into_iter()
                    .filter(|e| !e.message.starts_with("cannot read the scenario"))
                    .filter(|e| !removed.iter().any(|k| related(&e.key, k)))
                    .collect();
                removed.extend(new.iter().map(|e| e.key.clone()));
                if round < 3 {
                    further.extend(new);
                }
            }
        }
    }
    further
}

/// Merges an `extends` chain (the file first), giving the file's own `name` or else its stem.
/// A file's `unset` removes keys it would otherwise inherit, before its own are merged in.
fn merge_chain(path: &Path, chain: &[(PathBuf, Rc<Parsed>)], errs: &mut Vec<ConfigError>) -> Node {
    let mut layers = chain.iter().rev().map(|(_, p)| p.tree.clone());
    let mut tree = layers
        .next()
        .unwrap_or_else(|| Node::table(Loc::Implied(Rc::from(path))));
    if let Some(unset) = tree.remove("unset") {
        let message = "`unset`: this file extends nothing, so it inherits nothing to remove";
        errs.push(
            unset
                .at
                .error("unset", message, Some("remove the key instead".into())),
        );
    }
    for mut layer in layers {
        // Each file names itself: a parent's name never reaches its child.
        tree.remove("name");
        if let Some(unset) = layer.remove("unset") {
            self::unset(&mut tree, &unset, errs);
        }
        tree = tree::merge(tree, layer);
    }
    if tree.get("name").is_none() {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let at = Loc::Implied(Rc::from(path));
        tree.insert(
            &[Seg::Key("name".into())],
            Node::scalar(toml::Value::String(stem), at),
        );
    }
    tree
}

/// Removes from `inherited` each dotted key path that `unset` lists (`unset =
/// ["services.home_treatment.cost_per_day_gbp"]`); a path it does not have is an error, with
/// the nearest key.
fn unset(inherited: &mut Node, unset: &Node, errs: &mut Vec<ConfigError>) {
    let tree::Item::Array(items) = &unset.item else {
        let message = format!(
            "`unset`: expected an array of dotted key paths, found {}",
            shape::found(unset)
        );
        errs.push(unset.at.error("unset", message, None));
        return;
    };
    for item in items {
        let Some(key) = item.as_str() else {
            let message = format!(
                "`unset`: expected a dotted key path such as \"wards.gau.staff_wte\", found {}",
                shape::found(item)
            );
            errs.push(item.at.error("unset", message, None));
            continue;
        };
        let path = tree::parse_path(key).and_then(|p| inherited.by_name(&p));
        match path {
            Ok(path) if inherited.at_path(&path).is_some() => inherited.remove_at(&path),
            Ok(path) => {
                // The deepest table the path reaches, and the keys it has.
                let (mut node, mut reached) = (&*inherited, Vec::new());
                for seg in &path {
                    match node.child(seg) {
                        Some(next) => {
                            node = next;
                            reached.push(seg.clone());
                        }
                        None => break,
                    }
                }
                let missing = match path.get(reached.len()) {
                    Some(Seg::Key(k)) => k.clone(),
                    _ => String::new(),
                };
                let keys = node
                    .as_table()
                    .into_iter()
                    .flat_map(|t| t.keys().map(String::as_str));
                let help = match error::closest(&missing, keys) {
                    Some(c) => {
                        let mut near = reached.clone();
                        near.push(Seg::Key(c.to_string()));
                        near.extend(path[reached.len() + 1..].iter().cloned());
                        Some(format!("did you mean `{}`?", path_string(&near)))
                    }
                    None => None,
                };
                let message =
                    format!("`unset`: `{key}` is not given by the files this one extends");
                errs.push(item.at.error("unset", message, help));
            }
            Err(m) => errs.push(item.at.error("unset", format!("`unset`: {m}"), None)),
        }
    }
}

/// Applies `--set`, `--reps` and `--seed`.
fn apply_sets(
    tree: &mut Node,
    path: &Path,
    overrides: &Overrides,
    shape: &Shape,
    errs: &mut Vec<ConfigError>,
) {
    for o in &overrides.sets {
        let at = match tree.by_name(&o.path) {
            Ok(at) => at,
            Err(m) => {
                errs.push(o.value.at.error(&path_string(&o.path), m, None));
                continue;
            }
        };
        match shape.resolve(tree, &at) {
            Ok(_) => tree.insert(&at, o.value.clone()),
            // A key the format has but this scenario lacks is this file's problem; a key the
            // format lacks is the argument's, reported once for all files.
            Err(e) if e.scenario_specific => errs.push(Loc::Implied(Rc::from(path)).error(
                &path_string(&o.path),
                format!("{} (from `{}`)", e.message, o.arg),
                e.help,
            )),
            Err(e) => errs.push(o.value.at.error(&path_string(&o.path), e.message, e.help)),
        }
    }
}

/// The scenario's name and where it is written, checked (when the tree is otherwise sound)
/// to be usable as a folder name.
fn scenario_name(
    tree: &Node,
    path: &Path,
    sound: bool,
    errs: &mut Vec<ConfigError>,
) -> (String, Loc) {
    let node = tree.get("name");
    let at = node.map_or_else(|| Loc::Implied(Rc::from(path)), |n| n.at.clone());
    let name = node.and_then(Node::as_str).unwrap_or_default().to_string();
    if sound
        && (name.trim().is_empty() || name.contains(['/', '\\']) || name == "." || name == "..")
    {
        let help = "the name becomes an output folder: use letters, digits, `_` or `-`";
        errs.push(at.error(
            "name",
            format!("`name`: {name:?} cannot be a scenario name"),
            Some(help.into()),
        ));
    } else if sound {
        // Compared without case: on macOS and Windows `Charts` is `charts`.
        let lower = name.to_lowercase();
        if let Some(taken) = RESERVED_NAMES.iter().find(|r| **r == lower) {
            errs.push(at.error(
                "name",
                format!(
                    "`name`: {name:?} is the name of the run's own `{taken}` in the output folder"
                ),
                Some(format!(
                    "give the scenario another name, such as `{name}_scenario`"
                )),
            ));
        } else if name.starts_with('.') {
            errs.push(at.error(
                "name",
                format!("`name`: {name:?} would be a hidden output folder"),
                Some("start the name with a letter or digit".into()),
            ));
        }
    }
    (name, at)
}

/// A swept key with its schema and whether its values must be whole numbers.
struct Swept<'a> {
    param: &'a SweepParam,
    /// Its path in this scenario, with elements named by `id` resolved to their index.
    path: Vec<Seg>,
    schema: &'a serde_json::Value,
    whole: bool,
    /// For an uncertain date, the date written: each draw is a delay in days after it.
    delay_from: Option<NaiveDate>,
}

impl Swept<'_> {
    /// The value a point puts at this key: as given, or for an uncertain date the written
    /// date plus the drawn delay, to the nearest day.
    fn value(&self, v: &SweepValue) -> Result<toml::Value, String> {
        match (self.delay_from, v) {
            (Some(from), SweepValue::Number(days)) => {
                let date = (days.abs() <= f64::from(limits::MAX_WARMUP_DAYS))
                    .then(|| from.checked_add_signed(chrono::Duration::days(days.round() as i64)))
                    .flatten()
                    .ok_or_else(|| format!("a delay of {days} days after {from} is not a date"))?;
                Ok(SweepValue::Date(date).to_toml(false))
            }
            _ => Ok(v.to_toml(self.whole)),
        }
    }
}

/// Checks that each swept (or uncertain: `verb`) key exists in this scenario and that numeric
/// keys get numbers (the schema checks every other value once it is in place).
fn resolve_sweep<'a>(
    tree: &Node,
    params: &'a [SweepParam],
    shape: &'a Shape,
    verb: &str,
    errs: &mut Vec<ConfigError>,
) -> Vec<Swept<'a>> {
    let mut swept = Vec::new();
    for p in params {
        let resolved = tree
            .by_name(&p.path)
            .map_err(|m| (m, None))
            .and_then(|path| {
                let schema = shape
                    .resolve(tree, &path)
                    .map_err(|e| (e.message, e.help))?;
                Ok((path, schema))
            });
        let (path, schema) = match resolved {
            Ok(r) => r,
            Err((message, help)) => {
                errs.push(p.at.error(&p.key, message, help));
                continue;
            }
        };
        let numeric = shape.numeric(schema);
        // An uncertain date is drawn as a delay in days after the date written.
        let delay_from = match tree.at_path(&path) {
            Some(node) if verb != "swept" && numeric.is_none() => written_date(node),
            _ => None,
        };
        // Draws are numbers: an uncertain key must hold one, or a date.
        if verb != "swept" && numeric.is_none() && delay_from.is_none() {
            let message = format!(
                "`{}` is {}, not a number, so it cannot be {verb}",
                p.key,
                shape.describe(schema)
            );
            errs.push(p.at.error(&p.key, message, None));
            continue;
        }
        let wrong = match numeric {
            _ if delay_from.is_some() => None,
            Some(_) => p.values.iter().find(|v| v.number().is_none()),
            None => p.values.iter().find(|v| v.number().is_some()),
        };
        if let Some(v) = wrong {
            let message = match verb {
                "swept" => format!(
                    "`{}` is {}, so it cannot be {v}",
                    p.key,
                    shape.describe(schema)
                ),
                _ => format!(
                    "`{}` is {}, not a number, so it cannot be {verb}",
                    p.key,
                    shape.describe(schema)
                ),
            };
            errs.push(p.at.error(&p.key, message, None));
            continue;
        }
        let whole = numeric == Some(true);
        // Beyond 2^53 an f64 no longer holds every whole number.
        let not_whole = |v: f64| v.fract() != 0.0 || v.abs() > 9.0e15;
        if let Some(v) = p
            .values
            .iter()
            .find(|v| whole && v.number().is_some_and(not_whole))
        {
            let message = format!("`{}` takes whole numbers, so it cannot be {v}", p.key);
            errs.push(p.at.error(&p.key, message, None));
        }
        swept.push(Swept {
            param: p,
            path,
            schema,
            whole,
            delay_from,
        });
    }
    swept
}

/// The date a node holds, written as a TOML date or a string.
fn written_date(node: &Node) -> Option<NaiveDate> {
    let text = match &node.item {
        Item::Scalar(toml::Value::Datetime(d)) if d.time.is_none() => d.date?.to_string(),
        Item::Scalar(toml::Value::String(t)) => t.clone(),
        _ => return None,
    };
    NaiveDate::parse_from_str(&text, "%Y-%m-%d").ok()
}

/// The parameter draws of a scenario whose tree (sweep values in place) is `tree`, each
/// validated: `Some(None)` without `simulation.parameter_draws`, `None` after reporting errors.
/// Before drawing, the scenario is validated at each end of each input's distribution (the
/// others as written), so that an interval reaching outside a key's valid values is reported
/// as such, whatever the draws happen to be.
fn draw(
    tree: &Node,
    drawn: &[Swept],
    inputs: &[UncertainInput],
    scenario: &Scenario,
    central: &Model,
    shape: &Shape,
    errs: &mut Vec<ConfigError>,
) -> Option<Option<Draws>> {
    let before = errs.len();
    for (s, input) in drawn.iter().zip(inputs) {
        let (low, high) = support(&input.dist);
        let key = &s.param.key;
        for end in [low, high] {
            let at = errs.len();
            let point = [(key.clone(), SweepValue::Number(end))];
            match build(
                &mut tree.clone(),
                std::slice::from_ref(s),
                &point,
                shape,
                errs,
            ) {
                Some((_, model)) if central.same_shape(&model) => continue,
                Some(_) => {
                    let message = format!("`{key}` changes which KPIs, days or capacities the scenario has, so it cannot be uncertain");
                    errs.push(s.param.at.error(key, message, None));
                }
                None => {
                    let reach = match s.delay_from {
                        Some(from) => format!("{} days after {from}", end.round()),
                        None => end.to_string(),
                    };
                    let help = format!(
                        "its `[uncertainty]` distribution reaches {reach}: keep it within the values `{key}` accepts"
                    );
                    for e in &mut errs[at..] {
                        e.help.get_or_insert_with(|| help.clone());
                    }
                }
            }
            break;
        }
    }
    if errs.len() > before {
        return None;
    }
    let Some(n) = scenario.simulation.parameter_draws else {
        return Some(None);
    };
    if inputs.is_empty() {
        let path = [
            Seg::Key("simulation".into()),
            Seg::Key("parameter_draws".into()),
        ];
        let help = "declare the inputs to draw, e.g. `[uncertainty]` `\"demand.annual_growth\" = { dist = \"uniform\", min = 0.0, max = 0.05 }`";
        errs.push(tree.locate(&path).error(
            "simulation.parameter_draws",
            format!(
                "`simulation.parameter_draws` is {n}, but no `[uncertainty]` input is declared"
            ),
            Some(help.into()),
        ));
        return None;
    }
    let columns: Vec<_> = inputs
        .iter()
        .map(|i| (i.param.key.clone(), i.dist.clone()))
        .collect();
    let design = Design::latin_hypercube(scenario.simulation.seed, &columns, n);
    let mut models = Vec::with_capacity(design.draws());
    for values in &design.values {
        let point: Vec<(String, SweepValue)> = columns
            .iter()
            .map(|(k, _)| k.clone())
            .zip(values.iter().map(|&v| SweepValue::Number(v)))
            .collect();
        let (_, model) = build(&mut tree.clone(), drawn, &point, shape, errs)?;
        if !central.same_shape(&model) {
            let keys: Vec<&str> = columns.iter().map(|(k, _)| k.as_str()).collect();
            let message = format!(
                "the parameter draws change which KPIs, days or capacities the scenario has ({})",
                keys.join(", ")
            );
            let help = "an uncertain input must leave the run's length and capacities as they are";
            errs.push(drawn[0].param.at.error(keys[0], message, Some(help.into())));
            return None;
        }
        models.push(model);
    }
    Some(Some(Draws { design, models }))
}

/// Puts a sweep point's values into the tree, then deserializes and validates the scenario,
/// mapping validation errors back to where their keys are written.
fn build(
    tree: &mut Node,
    swept: &[Swept],
    point: &[(String, SweepValue)],
    shape: &Shape,
    errs: &mut Vec<ConfigError>,
) -> Option<(Scenario, Model)> {
    let before = errs.len();
    for (s, (_, v)) in swept.iter().zip(point) {
        let value = match s.value(v) {
            Ok(value) => value,
            Err(m) => {
                errs.push(
                    s.param
                        .at
                        .error(&s.param.key, format!("`{}`: {m}", s.param.key), None),
                );
                continue;
            }
        };
        tree.insert(&s.path, Node::scalar(value, s.param.at.clone()));
        shape.check_at(tree, &s.path, s.schema, errs);
    }
    if errs.len() > before {
        return None;
    }
    let scenario = match Scenario::deserialize(tree.to_toml()) {
        Ok(s) => s,
        Err(e) => {
            let message = format!("cannot read the scenario: {}", e.message());
            errs.push(tree.at.error("", message, None));
            return None;
        }
    };
    match scenario.validate() {
        Ok(model) => Some((scenario, model)),
        Err(problems) => {
            for e in problems.0 {
                let segs: Vec<tree::Seg> = e
                    .path
                    .0
                    .iter()
                    .map(|s| match s {
                        carepath_engine::scenario::Seg::Key(k) => tree::Seg::Key(k.clone()),
                        carepath_engine::scenario::Seg::Index(i) => tree::Seg::Index(*i),
                    })
                    .collect();
                let at = tree.locate(&segs);
                // A problem at a swept value differs from point to point: say which point.
                let suffix = if swept.iter().any(|s| s.param.at == *at) {
                    let values: Vec<String> = swept
                        .iter()
                        .zip(point)
                        .map(|(s, (k, v))| match s.delay_from {
                            Some(from) => match v {
                                SweepValue::Number(d) => {
                                    format!("{k} {} days after {from}", d.round())
                                }
                                _ => format!("{k} = {v}"),
                            },
                            None => format!("{k} = {v}"),
                        })
                        .collect();
                    format!(" (with {})", values.join(", "))
                } else {
                    String::new()
                };
                let message = if e.path.is_empty() {
                    e.message
                } else {
                    format!("`{}`: {}", e.path, e.message)
                };
                errs.push(at.error(&e.path.to_string(), format!("{message}{suffix}"), None));
            }
            None
        }
    }
}

#[cfg(test)]
mod tests;
