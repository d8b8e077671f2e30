//! What an output folder shows a reader, shared by the tests of publishing: the output
//! folder's unit tests and the command's integration tests include this file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Path → contents of every file reachable from the folder's visible entries, links followed
/// (a link that points at nothing shows nothing); files named in `by_name_only` (such as the
/// manifest, which holds the run time) with empty contents.
pub fn shown(root: &Path, by_name_only: &[&str]) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, blank: &[&str], into: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if dir == root && e.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, blank, into);
            } else if let Ok(bytes) = fs::read(&p) {
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                let bytes = if blank.iter().any(|b| rel == Path::new(b)) {
                    Vec::new()
                } else {
                    bytes
                };
                into.insert(rel, bytes);
            }
        }
    }
    let mut into = BTreeMap::new();
    if root.exists() {
        walk(root, root, by_name_only, &mut into);
    }
    into
}
