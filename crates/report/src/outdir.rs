//! The output folder: one run at a time writes it, and a run's files appear in one step.
//!
//! A run writes everything into `.carepath/runs/<id>/` inside the output folder. What the folder
//! shows (`report.html`, `summary.csv`, each scenario's folder, …) are symbolic links to
//! `.carepath/current/<entry>`, and `.carepath/current` is a link to one run's folder.
//! Publishing a run replaces that one link by a rename, which is atomic: a reader, a failure or
//! `kill -9` at any instant finds the whole previous run or the whole new one. Links that only
//! the new run needs are made before the switch (they point at nothing until then) and links
//! it does not need are removed after it (they point at nothing from then on), so a scenario
//! folder of an earlier run never sits beside a new summary. Entries that are not carepath's
//! links, such as notes or the part files of a sharded run, are left alone.
//!
//! `.carepath/lock` is locked (`flock`) for the whole run, so a second run into the same folder
//! stops at once; the system releases the lock when its owner dies, and the next run removes
//! whatever a dead run left behind (its unfinished folder, half-made links).

use carepath_experiment::interrupt;
use fs4::fs_std::FileExt;
use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The hidden folder that holds the runs, the `current` link and the lock.
const META: &str = ".carepath";

/// The suffix of a link made beside the one it replaces, then renamed over it.
const NEW_LINK: &str = ".carepath-new";

/// Entries every run writes at the top of the folder (besides one folder per scenario).
const TOP: [&str; 5] = [
    "charts",
    "comparison.csv",
    "manifest.json",
    "report.html",
    "summary.csv",
];

/// Why an output folder cannot be written to.
#[derive(Debug)]
pub enum OpenError {
    /// `--out` names something that is not a folder, or another run holds the folder: the
    /// command line is at fault (exit 2).
    Refused(String),
    /// The file system failed (exit 3).
    Io(String),
}

/// An output folder, locked for this process until dropped.
pub struct OutDir {
    root: PathBuf,
    meta: PathBuf,
    /// Whether this run made the folder itself (it did not exist before).
    made_root: bool,
    _lock: File,
}

impl OutDir {
    /// Creates `root` if needed, locks it and removes what runs that died left behind.
    pub fn open(root: &Path) -> Result<OutDir, OpenError> {
        let shown = root.display();
        let mut made_root = false;
        match fs::symlink_metadata(root) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.file_type().is_symlink() && root.is_dir() => {}
            Ok(_) => {
                return Err(OpenError::Refused(format!(
                    "--out {shown}: this is a file, not a folder; name a folder for the outputs"
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => made_root = true,
            Err(e) => return Err(OpenError::Io(format!("cannot read {shown}: {e}"))),
        }
        let io_err = |e: io::Error| OpenError::Io(format!("cannot write to {shown}: {e}"));
        let meta = root.join(META);
        fs::create_dir_all(meta.join("runs")).map_err(io_err)?;
        let lock_path = meta.join("lock");
        let mut lock = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(io_err)?;
        if !lock.try_lock_exclusive().map_err(io_err)? {
            let owner = fs::read_to_string(&lock_path).unwrap_or_default();
            let owner = match owner.trim() {
                "" => String::new(),
                pid => format!(" (process {pid})"),
            };
            return Err(OpenError::Refused(format!(
                "another carepath run{owner} is writing to {shown}; wait for it to finish, or choose another --out"
            )));
        }
        lock.set_len(0)
            .and_then(|()| writeln!(lock, "{}", std::process::id()))
            .map_err(io_err)?;
        let out = OutDir {
            root: root.to_path_buf(),
            meta,
            made_root,
            _lock: lock,
        };
        out.remove_leftovers();
        Ok(out)
    }

    /// The folder as named on the command line.
    pub fn path(&self) -> &Path {
        &self.root
    }

    /// Starts a new run's folder.
    pub fn stage(&self) -> io::Result<Staging<'_>> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let id = format!("{nanos}-{}", std::process::id());
        let dir = self.meta.join("runs").join(&id);
        fs::create_dir(&dir)?;
        Ok(Staging {
            out: self,
            id: id.into(),
            dir,
            done: false,
        })
    }

    /// The run `.carepath/current` points to.
    fn current(&self) -> Option<OsString> {
        let target = fs::read_link(self.meta.join("current")).ok()?;
        target.file_name().map(OsString::from)
    }

    /// Whether `name` at the top of the folder is one of carepath's links.
    fn is_link(&self, name: &OsString) -> bool {
        fs::read_link(self.root.join(name)).is_ok_and(|t| t == link_target(name))
    }

    /// Removes the folders of runs that never became current, and links to entries the current
    /// run does not have: the remains of runs that died. Only called with the lock held.
    fn remove_leftovers(&self) {
        let current = self.current();
        if let Ok(runs) = fs::read_dir(self.meta.join("runs")) {
            for run in runs.flatten() {
                if Some(run.file_name()) != current {
                    let _ = fs::remove_dir_all(run.path());
                }
            }
        }
        let _ = fs::remove_file(self.meta.join("current.new"));
        let _ = fs::remove_file(self.meta.join(format!("current{NEW_LINK}")));
        if let Ok(entries) = fs::read_dir(&self.root) {
            for e in entries.flatten() {
                let name = e.file_name();
                let stale_link = self.is_link(&name) && !self.root.join(&name).exists();
                // A link made to be renamed into place by a run that died before the rename.
                let half_made = name.to_string_lossy().ends_with(NEW_LINK)
                    && fs::symlink_metadata(e.path()).is_ok_and(|m| m.file_type().is_symlink());
                // Staging folders of earlier versions of carepath, which renamed entry by entry.
                let text = name.to_string_lossy();
                let old_staging =
                    text.starts_with(".carepath-staging-") || text.starts_with(".carepath-old-");
                if stale_link || half_made || (old_staging && e.path().is_dir()) {
                    let _ = remove(&e.path());
                }
            }
        }
    }

    /// Names an earlier version of carepath wrote as plain files and folders at the top of
    /// the folder: the fixed ones and the scenario folders its manifest lists.
    fn plain_outputs(&self) -> Vec<OsString> {
        let mut names: Vec<OsString> = TOP.iter().map(OsString::from).collect();
        let manifest = self.root.join("manifest.json");
        if !fs::symlink_metadata(&manifest).is_ok_and(|m| m.is_file()) {
            return Vec::new();
        }
        if let Ok(doc) = fs::read(&manifest)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                serde_json::from_slice::<serde_json::Value>(&b).map_err(|e| e.to_string())
            })
        {
            let listed = doc["scenarios"].as_array().into_iter().flatten();
            names.extend(
                listed
                    .filter_map(|s| s["name"].as_str())
                    .map(OsString::from),
            );
        }
        names
    }
}

/// Copies the run that `root` shows into `dest`, which must not exist: whole, as one run, never
/// a mix of two. It holds the folder's lock (shared) while it copies, so no run publishes or
/// removes the run being copied, and copies into a hidden sibling of `dest` that is renamed
/// into place at the end, so `dest` appears whole or not at all. Returns the run's id.
pub fn export(root: &Path, dest: &Path) -> Result<String, OpenError> {
    let (shown, to) = (root.display(), dest.display());
    let meta = root.join(META);
    let not_outputs = || {
        OpenError::Refused(format!(
            "{shown} holds no carepath run: name the folder a run wrote (its `--out`)"
        ))
    };
    let lock = File::open(meta.join("lock")).map_err(|_| not_outputs())?;
    let io_err = |e: io::Error| OpenError::Io(format!("cannot export {shown} to {to}: {e}"));
    if !FileExt::try_lock_shared(&lock).map_err(io_err)? {
        return Err(OpenError::Refused(format!(
            "a carepath run is writing to {shown}; export it when the run has finished"
        )));
    }
    let id = fs::read_link(meta.join("current")).map_err(|_| not_outputs())?;
    let run = meta.join(&id);
    if fs::symlink_metadata(dest).is_ok() {
        return Err(OpenError::Refused(format!(
            "{to} already exists; name a new folder to export into"
        )));
    }
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(".carepath-export");
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_dir_all(&tmp);
    copy_tree(&run, &tmp)
        .and_then(|()| fs::rename(&tmp, dest))
        .inspect_err(|_| {
            let _ = fs::remove_dir_all(&tmp);
        })
        .map_err(io_err)?;
    Ok(id
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default())
}

/// Copies the regular files and folders under `from` to `to` (a run's folder holds no links).
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    fs::create_dir_all(to)?;
    for e in fs::read_dir(from)? {
        let e = e?;
        let kind = e.file_type()?;
        if kind.is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        } else if kind.is_file() {
            fs::copy(e.path(), to.join(e.file_name()))?;
        }
    }
    Ok(())
}

/// Where the top-level link for `name` points.
fn link_target(name: &OsString) -> PathBuf {
    Path::new(META).join("current").join(name)
}

/// Removes a file, link or folder.
fn remove(path: &Path) -> io::Result<()> {
    if fs::symlink_metadata(path)?.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    }
}

/// Replaces whatever is at `at` with a symbolic link to `target`, in one rename.
fn put_link(target: &Path, at: &Path) -> io::Result<()> {
    let mut tmp = at.as_os_str().to_owned();
    tmp.push(NEW_LINK);
    let tmp = PathBuf::from(tmp);
    let _ = fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)?;
    fs::rename(&tmp, at)
}

/// A step of publishing a run, at which a test can make the file system fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Moving an earlier version's plain output into the current run.
    Adopt(OsString),
    /// Adding the link for an entry of the new run.
    Link(OsString),
    /// Pointing `current` at the new run: the moment it becomes visible.
    Switch,
    /// Removing the link of an entry the new run does not have.
    Unlink(OsString),
    /// Removing the previous run's folder.
    RemoveOld,
}

/// A run's outputs being written, invisible until committed; removed if dropped uncommitted.
pub struct Staging<'a> {
    out: &'a OutDir,
    id: OsString,
    dir: PathBuf,
    done: bool,
}

impl Staging<'_> {
    /// Writes `bytes` to `rel` (a relative path) inside the run's folder.
    pub fn write(&self, rel: impl AsRef<Path>, bytes: &[u8]) -> io::Result<()> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes)
    }

    /// Writes `rel` part by part, in order: a large file is never whole in memory.
    pub fn write_parts(
        &self,
        rel: impl AsRef<Path>,
        parts: impl IntoIterator<Item = Vec<u8>>,
    ) -> io::Result<()> {
        let path = self.dir.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut file = io::BufWriter::new(fs::File::create(path)?);
        for part in parts {
            io::Write::write_all(&mut file, &part)?;
        }
        io::Write::flush(&mut file)
    }

    /// Makes the run what the folder shows, unless an interrupt came first.
    pub fn commit(self) -> io::Result<()> {
        self.commit_with(|step| match step {
            Step::Switch if interrupt::requested() => {
                Err(io::Error::new(io::ErrorKind::Interrupted, "interrupted"))
            }
            _ => Ok(()),
        })
    }

    /// [`Staging::commit`], calling `before` ahead of each step; an error from it fails the
    /// step as the file system would. Failures after the switch are left for the next run to
    /// tidy: the new run is already whole and visible.
    pub fn commit_with(
        mut self,
        mut before: impl FnMut(&Step) -> io::Result<()>,
    ) -> io::Result<()> {
        let out = self.out;
        let mut step =
            |s: Step, act: &mut dyn FnMut() -> io::Result<()>| before(&s).and_then(|()| act());
        let mut names: Vec<OsString> = fs::read_dir(&self.dir)?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()?;
        names.sort();

        // Plain entries in the way (outputs of an earlier version, or anything else with a
        // name this run writes) move into the current run, so they stay visible until the
        // switch and go with it.
        let mut in_the_way = out.plain_outputs();
        in_the_way.extend(names.iter().cloned());
        in_the_way.sort();
        in_the_way.dedup();
        for name in in_the_way {
            let at = out.root.join(&name);
            if fs::symlink_metadata(&at).is_err() || out.is_link(&name) {
                continue;
            }
            step(Step::Adopt(name.clone()), &mut || {
                let run = match out.current() {
                    Some(run) => out.meta.join("runs").join(run),
                    None => {
                        let run = PathBuf::from(format!("{}-earlier", self.id.to_string_lossy()));
                        fs::create_dir(out.meta.join("runs").join(&run))?;
                        put_link(&Path::new("runs").join(&run), &out.meta.join("current"))?;
                        out.meta.join("runs").join(run)
                    }
                };
                let into = run.join(&name);
                if fs::symlink_metadata(&into).is_ok() {
                    remove(&into)?;
                }
                if at.is_dir() {
                    // A folder cannot be replaced by a link in one step: it is missing for
                    // the moment between these two calls, once, when a folder is first taken
                    // over from an earlier version.
                    fs::rename(&at, &into)?;
                } else {
                    fs::copy(&at, &into)?;
                }
                put_link(&link_target(&name), &at)
            })?;
        }

        for name in &names {
            if !out.is_link(name) {
                step(Step::Link(name.clone()), &mut || {
                    put_link(&link_target(name), &out.root.join(name))
                })?;
            }
        }

        let previous = out.current();
        step(Step::Switch, &mut || {
            put_link(&Path::new("runs").join(&self.id), &out.meta.join("current"))
        })?;
        self.done = true;

        if let Ok(entries) = fs::read_dir(&out.root) {
            for e in entries.flatten() {
                let name = e.file_name();
                if out.is_link(&name) && !names.contains(&name) {
                    let _ = step(Step::Unlink(name), &mut || fs::remove_file(e.path()));
                }
            }
        }
        if let Some(previous) = previous {
            let _ = step(Step::RemoveOld, &mut || {
                fs::remove_dir_all(out.meta.join("runs").join(&previous))
            });
        }
        Ok(())
    }
}

/// A folder no run has ever published to is left as it was found: a run that fails or is
/// interrupted before its first publication removes the hidden folder (and the output folder,
/// if it made it and nothing else was put there).
impl Drop for OutDir {
    fn drop(&mut self) {
        if fs::symlink_metadata(self.meta.join("current")).is_err() {
            let _ = fs::remove_dir_all(&self.meta);
            if self.made_root {
                let _ = fs::remove_dir(&self.root);
            }
        }
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests;
