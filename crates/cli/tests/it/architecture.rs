//! Architecture invariants of the whole workspace, read from the code itself:
//! - the packages depend on one another only downwards, in the order ARCHITECTURE.md draws;
//! - inside every package, the top-level modules import one another as a tree (no cycle), so
//!   each can be read, tested and changed from the ones below it.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each package (its folder under `crates/`) and the packages it may depend on: the order of
/// ARCHITECTURE.md, lowest first. A new package must be placed here before it can be used.
const LAYERS: [(&str, &[&str]); 7] = [
    ("engine", &[]),
    ("scenario", &["engine"]),
    ("experiment", &["engine", "scenario"]),
    ("report", &["engine", "scenario", "experiment"]),
    ("serve", &["engine", "scenario", "experiment", "report"]),
    (
        "cli",
        &["engine", "scenario", "experiment", "report", "serve"],
    ),
    ("python", &["engine", "scenario", "experiment", "report"]),
];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The folder under `crates/` of each `carepath-*` package a manifest names, in any of its
/// dependency tables.
fn carepath_dependencies(manifest: &Path) -> BTreeSet<String> {
    let text = fs::read_to_string(manifest).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut deps = BTreeSet::new();
    for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get(table).and_then(|t| t.as_table()) {
            for name in t.keys() {
                if let Some(package) = name.strip_prefix("carepath-") {
                    deps.insert(package.to_string());
                }
            }
        }
    }
    deps
}

#[test]
fn packages_depend_on_one_another_only_downwards() {
    let layers: BTreeMap<&str, &[&str]> = LAYERS.into_iter().collect();
    let mut seen = BTreeSet::new();
    for entry in fs::read_dir(crates_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let allowed = layers.get(name.as_str()).unwrap_or_else(|| {
            panic!("crates/{name} is not placed in LAYERS (and in ARCHITECTURE.md)")
        });
        for dep in carepath_dependencies(&manifest) {
            assert!(
                allowed.contains(&dep.as_str()),
                "crates/{name} depends on carepath-{dep}, which is not below it: it may use {allowed:?}"
            );
        }
        seen.insert(name);
    }
    let expected: BTreeSet<String> = layers.keys().map(|k| k.to_string()).collect();
    assert_eq!(
        seen, expected,
        "every package in LAYERS exists, and no other"
    );
}

#[test]
fn the_order_forbids_an_upward_dependency() {
    // The test above can fail: a package may not name one drawn above it, or itself.
    let layers: BTreeMap<&str, &[&str]> = LAYERS.into_iter().collect();
    for (i, (name, allowed)) in LAYERS.iter().enumerate() {
        assert!(!allowed.contains(name), "{name} may not depend on itself");
        for above in &LAYERS[i + 1..] {
            assert!(
                !allowed.contains(&above.0) || !layers[above.0].contains(name),
                "{name} and {} may not depend on each other",
                above.0
            );
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(fs::read_to_string(&path).unwrap());
        }
    }
}

/// The top-level modules a line of code names through `crate::`: `crate::exec::run_all` and
/// `use crate::{exec, verdict::Outcome}` both count.
fn crate_mentions(line: &str) -> Vec<String> {
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = Vec::new();
    for (i, _) in line.match_indices("crate::") {
        // `carepath_crate::` or `$crate::` are not this crate's paths.
        if line[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest = &line[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut start = 0;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        found.push(ident(&group[start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(ident(&group[start..j]));
                        start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            found.push(ident(rest));
        }
    }
    found
        .into_iter()
        .filter(|m| m.chars().next().is_some_and(|c| c.is_lowercase()) && m != "self")
        .collect()
}

/// Module → the modules it names, for the top-level modules of one package's `src/`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        // The crate root declares and re-exports the modules; nothing imports it.
        if name == "lib" || name == "main" || name == "assets" {
            continue;
        }
        let mut texts = Vec::new();
        if path.is_dir() {
            rust_files(&path, &mut texts);
        } else if path.extension().is_some_and(|e| e == "rs") {
            texts.push(fs::read_to_string(&path).unwrap());
        } else {
            continue;
        }
        let deps = graph.entry(name.clone()).or_default();
        for text in texts {
            // Doc links (`[`crate::Model`]`) are not imports; only code lines count.
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                deps.extend(crate_mentions(line).into_iter().filter(|m| *m != name));
            }
        }
    }
    // Names of items in the crate root (`crate::say`) are not modules.
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for deps in graph.values_mut() {
        deps.retain(|d| modules.contains(d));
    }
    graph
}

/// The first import cycle of a graph, as `a -> b -> a`.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<String> {
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<String> {
        match state.get(n) {
            Some(2) => return None,
            Some(1) => {
                let from = stack.iter().position(|s| s == n).unwrap_or(0);
                return Some(format!("{} -> {n}", stack[from..].join(" -> ")));
            }
            _ => {}
        }
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(d, g, state, stack) {
                return Some(c);
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut state, &mut Vec::new()))
}

#[test]
fn every_packages_modules_import_one_another_without_a_cycle() {
    let mut packages = 0;
    for (name, _) in LAYERS {
        let src = crates_dir().join(name).join("src");
        let graph = module_graph(&src);
        assert!(!graph.is_empty(), "crates/{name}/src has modules");
        if let Some(c) = cycle(&graph) {
            panic!("import cycle in crates/{name}: {c}");
        }
        packages += 1;
    }
    assert_eq!(packages, LAYERS.len());
}

#[test]
fn the_cycle_check_sees_braced_imports_and_finds_a_cycle() {
    assert_eq!(
        crate_mentions("use crate::{exec, verdict::Outcome, Failure};"),
        ["exec", "verdict"]
    );
    assert_eq!(crate_mentions("let x = crate::exec::run_all(s);"), ["exec"]);
    assert!(crate_mentions("use carepath_crate::exec;").is_empty());
    let g = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(
        cycle(&g(&[
            ("advice", "charts"),
            ("charts", "results"),
            ("results", "advice")
        ])),
        Some("advice -> charts -> results -> advice".to_string())
    );
    assert_eq!(cycle(&g(&[("a", "b"), ("b", "c"), ("a", "c")])), None);
}
