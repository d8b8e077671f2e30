//! Splitting a run across machines: which jobs a shard runs, the partial-state file it writes,
//! and merging those files back into one run.
//!
//! A part file is postcard (a compact serde format with a stable, documented wire format): a
//! format tag and version first, so that a foreign or newer file is refused before anything
//! else is read, then the run's identity (a SHA-256 of the resolved scenarios and the options
//! that shape the outputs), the shard, how to load the scenarios again, and one
//! [`AggregateState`] per scenario. KPI values are stored as raw `f64`, so nothing is rounded:
//! the merged outputs are byte-identical to a run on one machine. A SHA-256 of all of that
//! ends the file, so a part damaged in transit (one flipped bit) is refused, not merged into
//! other numbers. `merge` reads only regular files of at most [`MAX_PART_BYTES`], and never
//! more than the size they had when it looked, so a device, a pipe or a file still growing
//! cannot hold it up or fill its memory.

use crate::{Error, Invalid};
use carepath_engine::{AggregateState, Aggregator};
use carepath_scenario::{LoadOptions, LoadedScenario};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What every part file starts with.
const FORMAT: &str = "carepath shard";
/// Bumped whenever the layout of [`Part`] changes. 3: the trailing SHA-256, absolute paths.
const VERSION: u32 = 3;
/// The SHA-256 at the end of every part file, over every byte before it.
const CHECKSUM_BYTES: usize = 32;
/// The largest part file `run --shard` writes and `merge` reads (8 GiB: at about 10 kB a
/// replication, some 800,000 replications in one shard). A larger file is no part file, or a
/// shard that should have been split into more.
pub const MAX_PART_BYTES: u64 = 8 << 30;
/// The extension of part files written into a directory.
pub const EXTENSION: &str = "part";

/// Shard `index` (from 0) of `count`: it runs the `index`-th of `count` equal runs of
/// consecutive (scenario, replication) jobs, so that a shard of a large sweep holds the
/// aggregates of few scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index + 1, self.count)
    }
}

impl Shard {
    /// The whole run on one machine.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// The jobs (numbered in scenario, then replication order) of `jobs` this shard runs.
    pub fn jobs(self, jobs: usize) -> std::ops::Range<usize> {
        let at = |k: u32| (jobs as u128 * k as u128 / self.count as u128) as usize;
        at(self.index)..at(self.index + 1)
    }

    /// Reads `K/N` (1 ≤ K ≤ N), or `auto`: the array task of a batch scheduler, with `count`
    /// (`--shard-count`) where the scheduler does not say how many tasks there are.
    /// `K/N`, or `auto` with the array task's index (and `count` where the scheduler does not
    /// say how many tasks there are); a bad one is a usage error.
    pub fn parse(spec: &str, count: Option<u32>) -> Result<Shard, Error> {
        Shard::parse_spec(spec, count).map_err(|m| Invalid::Usage(m).into())
    }

    fn parse_spec(spec: &str, count: Option<u32>) -> Result<Shard, String> {
        if spec == "auto" {
            return Shard::from_env(&|name| std::env::var(name).ok(), count);
        }
        let parsed = spec.split_once('/').and_then(|(k, n)| {
            Some((k.trim().parse::<u32>().ok()?, n.trim().parse::<u32>().ok()?))
        });
        match parsed {
            Some((k, n)) if k >= 1 && k <= n => {
                if count.is_some_and(|c| c != n) {
                    return Err(format!("--shard {spec} and --shard-count disagree"));
                }
                Ok(Shard {
                    index: k - 1,
                    count: n,
                })
            }
            _ => Err(format!(
                "--shard {spec}: expected K/N with 1 ≤ K ≤ N (such as 2/16), or auto"
            )),
        }
    }

    /// The array task from the environment: Slurm (`SLURM_ARRAY_TASK_ID` less
    /// `SLURM_ARRAY_TASK_MIN`, of `SLURM_ARRAY_TASK_COUNT`), Kubernetes Indexed Jobs
    /// (`JOB_COMPLETION_INDEX`) or AWS Batch (`AWS_BATCH_JOB_ARRAY_INDEX`); the last two need
    /// `count`, since they do not tell a task how many there are.
    fn from_env(var: &dyn Fn(&str) -> Option<String>, count: Option<u32>) -> Result<Shard, String> {
        let num = |name: &str| -> Result<Option<u32>, String> {
            var(name)
                .map(|v| {
                    v.trim()
                        .parse::<u32>()
                        .map_err(|_| format!("--shard auto: {name}={v} is not a whole number"))
                })
                .transpose()
        };
        let (index, total, source) = if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1);
            if step != 1 {
                return Err(format!(
                    "--shard auto: the Slurm array steps by {step}; give it consecutive task ids (--array=0-15)"
                ));
            }
            let total = match (num("SLURM_ARRAY_TASK_COUNT")?, num("SLURM_ARRAY_TASK_MAX")?) {
                (Some(c), _) => Some(c),
                (None, Some(max)) => Some(max.saturating_sub(min) + 1),
                (None, None) => None,
            };
            (id.checked_sub(min), total, "SLURM_ARRAY_TASK_ID")
        } else if let Some(i) = num("JOB_COMPLETION_INDEX")? {
            (Some(i), None, "JOB_COMPLETION_INDEX")
        } else if let Some(i) = num("AWS_BATCH_JOB_ARRAY_INDEX")? {
            (Some(i), None, "AWS_BATCH_JOB_ARRAY_INDEX")
        } else {
            return Err("--shard auto: no array task in the environment (SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX)".into());
        };
        let count = match (total, count) {
            (Some(t), Some(c)) if t != c => {
                return Err(format!(
                    "--shard auto: the array has {t} tasks but --shard-count is {c}"
                ))
            }
            (Some(t), _) => t,
            (None, Some(c)) => c,
            (None, None) => {
                return Err(format!(
                    "--shard auto: {source} gives the task but not how many; add --shard-count N"
                ))
            }
        };
        match index {
            Some(index) if index < count => Ok(Shard { index, count }),
            _ => Err(format!(
                "--shard auto: task {} from {source} is outside 0..{count}",
                index.map_or("below the array's first".into(), |i| i.to_string())
            )),
        }
    }
}

/// How the scenarios were loaded, so that `merge` can load them again and check they are the
/// same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Inputs {
    /// Scenario files and directories, made absolute against the shard's working directory,
    /// so that `merge` reads the same files from whatever directory it runs in.
    pub files: Vec<PathBuf>,
    /// The working directory of the shard (absolute).
    pub cwd: PathBuf,
    /// Whether every file was given relative to `cwd`: then the merged outputs name them
    /// relative to it, as a run on one machine does.
    pub relative: bool,
    pub sets: Vec<String>,
    pub sweeps: Vec<String>,
    pub reps: Option<u32>,
    pub seed: Option<u64>,
    pub baseline: Option<String>,
    /// `--check` conditions, evaluated when the shards are merged.
    pub checks: Vec<String>,
}

impl Inputs {
    /// The inputs of a shard given `files` in the current directory; without a current
    /// directory to resolve relative files against, an error (they could not be found again).
    pub fn new(
        files: &[PathBuf],
        opts: &LoadOptions,
        baseline: Option<&str>,
        checks: &[String],
    ) -> Result<Inputs, Error> {
        let cwd = std::env::current_dir().map_err(|e| {
            Error::Io(format!(
                "cannot tell the current directory, against which the scenario files are \
                 written into the part file: {e}"
            ))
        })?;
        Ok(Inputs::in_dir(files, &cwd, opts, baseline, checks))
    }

    fn in_dir(
        files: &[PathBuf],
        cwd: &Path,
        opts: &LoadOptions,
        baseline: Option<&str>,
        checks: &[String],
    ) -> Inputs {
        Inputs {
            files: files.iter().map(|f| cwd.join(f)).collect(),
            cwd: cwd.to_path_buf(),
            relative: files.iter().all(|f| f.is_relative()),
            sets: opts.sets.clone(),
            sweeps: opts.sweeps.clone(),
            reps: opts.reps,
            seed: opts.seed,
            baseline: baseline.map(str::to_string),
            checks: checks.to_vec(),
        }
    }

    /// The scenario files and directories, absolute, so that `merge` may run from anywhere
    /// that sees the same files at the same paths.
    pub fn absolute_files(&self) -> Vec<PathBuf> {
        self.files.clone()
    }

    /// Gives scenarios loaded through [`Inputs::absolute_files`] back the paths a run on one
    /// machine shows (those relative to the shard's working directory, where they were given
    /// relative), so that the merged report names the files as the one-machine report does.
    pub fn restore_paths(&self, scenarios: &mut [LoadedScenario]) {
        if !self.relative {
            return;
        }
        let relative = |p: &mut PathBuf| {
            if let Ok(r) = p.strip_prefix(&self.cwd) {
                *p = r.to_path_buf();
            }
        };
        for s in scenarios {
            relative(&mut s.path);
            s.sources.iter_mut().for_each(|f| relative(&mut f.path));
        }
    }

    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            sets: self.sets.clone(),
            sweeps: self.sweeps.clone(),
            reps: self.reps,
            seed: self.seed,
        }
    }
}

/// One shard's results.
#[derive(Debug, Serialize, Deserialize)]
struct Part {
    format: String,
    version: u32,
    /// [`run_id`] of the run the shard belongs to.
    run: String,
    shard: Shard,
    inputs: Inputs,
    /// Wall-clock seconds the shard took, and its threads.
    seconds: f64,
    threads: usize,
    /// Per scenario, in load order: its name and this shard's partial aggregate (none when
    /// the shard ran none of its replications).
    scenarios: Vec<(String, Option<AggregateState>)>,
}

/// The identity of a run: SHA-256 of the program version, the resolved scenarios (after
/// `extends`, `--set`, sweeps, `--reps` and `--seed`) and the baseline, in hex.
pub fn run_id(scenarios: &[LoadedScenario], baseline: Option<&str>) -> Result<String, Error> {
    use sha2::{Digest, Sha256};
    let resolved: Vec<_> = scenarios
        .iter()
        .map(|s| {
            let draws = s
                .draws
                .as_ref()
                .map(|d| (&d.design.inputs, &d.design.values));
            (&s.name, &s.scenario, draws)
        })
        .collect();
    let bytes = serde_json::to_vec(&(env!("CARGO_PKG_VERSION"), baseline, resolved))
        .map_err(|e| Error::Io(format!("cannot hash the scenarios: {e}")))?;
    Ok(Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Where shard `shard` writes: `out` itself, or a file named after the shard inside `out`
/// when it is a folder: one that exists, or a path that ends in a separator (`parts/`),
/// which [`write`] creates.
pub fn part_path(out: &Path, shard: Shard) -> PathBuf {
    let names_a_folder = out
        .as_os_str()
        .to_string_lossy()
        .ends_with(std::path::is_separator);
    if out.is_dir() || names_a_folder {
        out.join(format!(
            "shard-{:0w$}-of-{}.{EXTENSION}",
            shard.index + 1,
            shard.count,
            w = shard.count.to_string().len()
        ))
    } else {
        out.to_path_buf()
    }
}

/// Writes shard `shard`'s aggregates to `path`, whole or not at all, creating its folder if
/// need be (each task of an array may be the first to write there).
#[allow(clippy::too_many_arguments)]
pub fn write(
    path: &Path,
    run: String,
    shard: Shard,
    inputs: Inputs,
    seconds: f64,
    threads: usize,
    scenarios: &[LoadedScenario],
    aggregators: Vec<Option<Aggregator>>,
) -> Result<(), Error> {
    let part = Part {
        format: FORMAT.into(),
        version: VERSION,
        run,
        shard,
        inputs,
        seconds,
        threads,
        scenarios: scenarios
            .iter()
            .zip(aggregators)
            .map(|(s, a)| (s.name.clone(), a.map(Aggregator::into_state)))
            .collect(),
    };
    let bytes =
        encode(&part).map_err(|e| Error::Io(format!("cannot encode shard {shard}: {e}")))?;
    if bytes.len() as u64 > MAX_PART_BYTES {
        return Err(Error::Invalid(Invalid::Usage(format!(
            "shard {shard} holds {} bytes, more than the {} a part file may hold: split the run \
             into more shards",
            bytes.len(),
            gib(MAX_PART_BYTES)
        ))));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let err = |e: std::io::Error| Error::Io(format!("cannot write {}: {e}", path.display()));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    std::io::Write::write_all(&mut tmp, &bytes).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// A part file's header, with where it came from.
struct Header {
    path: PathBuf,
    run: String,
    shard: Shard,
    inputs: Inputs,
    seconds: f64,
    threads: usize,
}

/// The parts of one run, checked to be complete and consistent; their aggregates are read one
/// part at a time when merged, so merging needs the memory of one part, not of all.
pub struct Merged {
    pub inputs: Inputs,
    pub run: String,
    pub seconds: f64,
    pub threads: usize,
    paths: Vec<PathBuf>,
}

/// Reads part files (a directory stands for the `*.part` files in it) and checks that they
/// are all the shards of one run, each once. Every message names the file at fault.
pub fn read_parts(args: &[PathBuf]) -> Result<Merged, Error> {
    read_all(args).map_err(|m| Invalid::Usage(m).into())
}

fn read_all(args: &[PathBuf]) -> Result<Merged, String> {
    let mut files = Vec::new();
    for arg in args {
        if arg.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(arg)
                .map_err(|e| format!("{}: {e}", arg.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == EXTENSION))
                .collect();
            if inside.is_empty() {
                return Err(format!(
                    "{}: no .{EXTENSION} files in this directory",
                    arg.display()
                ));
            }
            inside.sort();
            files.extend(inside);
        } else {
            files.push(arg.clone());
        }
    }
    let mut parts = Vec::new();
    for path in files {
        let part = read(&path)?;
        parts.push(Header {
            path,
            run: part.run,
            shard: part.shard,
            inputs: part.inputs,
            seconds: part.seconds,
            threads: part.threads,
        });
    }
    let Some(first) = parts.first() else {
        return Err("no part files given".into());
    };
    let (run, count) = (first.run.clone(), first.shard.count);
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    for r in &parts {
        if r.run != run || r.shard.count != count {
            return Err(format!(
                "{} is shard {} of run {}, but {} is shard {} of run {}: they are not shards of the same run (same scenario files, options and carepath version)",
                r.path.display(),
                r.shard,
                short(&r.run),
                first.path.display(),
                first.shard,
                short(&run)
            ));
        }
        if let Some(other) = seen.insert(r.shard.index, &r.path) {
            return Err(format!(
                "shard {} is given twice: {} and {}",
                r.shard,
                other.display(),
                r.path.display()
            ));
        }
    }
    let missing: Vec<String> = (0..count)
        .filter(|i| !seen.contains_key(i))
        .map(|i| Shard { index: i, count }.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "shard{} {} of run {} {} missing (given {} of {count})",
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", "),
            short(&run),
            if missing.len() == 1 { "is" } else { "are" },
            seen.len()
        ));
    }
    Ok(Merged {
        inputs: first.inputs.clone(),
        run,
        seconds: parts.iter().map(|r| r.seconds).sum(),
        threads: parts.iter().map(|r| r.threads).max().unwrap_or(1),
        paths: parts.into_iter().map(|r| r.path).collect(),
    })
}

/// Reads and decodes one part file.
fn read(path: &Path) -> Result<Part, String> {
    let at = |e: String| format!("{}: {e}", path.display());
    let bytes = read_bounded(path, MAX_PART_BYTES).map_err(at)?;
    decode(&bytes).map_err(at)
}

/// The bytes of a regular file of at most `limit` bytes. The kind and size are checked before
/// the file is opened (opening a named pipe waits for a writer), again on the open file (in
/// case it was swapped), and the read stops one byte past the size seen, so a file that grows
/// meanwhile is refused rather than read without end.
fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let check = |meta: &std::fs::Metadata| -> Result<u64, String> {
        if !meta.is_file() {
            return Err(format!(
                "{}, not a regular file: merge reads part files written by `carepath run --shard`",
                kind(meta)
            ));
        }
        if meta.len() > limit {
            return Err(format!(
                "{} bytes, more than the {} a part file may hold: not a part file",
                meta.len(),
                gib(limit)
            ));
        }
        Ok(meta.len())
    };
    check(&std::fs::metadata(path).map_err(|e| e.to_string())?)?;
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let size = check(&file.metadata().map_err(|e| e.to_string())?)?;
    let mut bytes = Vec::new();
    file.take(size + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > size {
        return Err(
            "it grew while it was read: merge once the shard that writes it has finished".into(),
        );
    }
    Ok(bytes)
}

/// What a file that is not a regular file is, for the message that refuses it.
fn kind(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "a special file"
}

/// `8 GiB`.
fn gib(bytes: u64) -> String {
    format!("{} GiB", bytes >> 30)
}

/// A part as its file holds it: postcard, then the SHA-256 of the postcard bytes.
fn encode(part: &Part) -> Result<Vec<u8>, postcard::Error> {
    use sha2::{Digest, Sha256};
    let mut bytes = postcard::to_stdvec(part)?;
    let sum = Sha256::digest(&bytes);
    bytes.extend_from_slice(&sum);
    Ok(bytes)
}

fn short(run: &str) -> &str {
    &run[..run.len().min(12)]
}

/// Decodes a part file, refusing other files and other versions before reading further, and
/// damaged ones (their checksum does not match) before decoding any number.
fn decode(bytes: &[u8]) -> Result<Part, String> {
    use sha2::{Digest, Sha256};
    let not_ours =
        || "not a carepath shard file (expected one written by `carepath run --shard`)".to_string();
    let (format, rest): (String, _) = postcard::take_from_bytes(bytes).map_err(|_| not_ours())?;
    if format != FORMAT {
        return Err(not_ours());
    }
    let (version, _): (u32, _) = postcard::take_from_bytes(rest).map_err(|_| not_ours())?;
    if version != VERSION {
        return Err(format!(
            "a shard file of format version {version} (or a damaged one); this carepath reads version {VERSION}: merge with the carepath that wrote it"
        ));
    }
    let damaged = |why: &str| {
        format!("a damaged shard file ({why}): copy it again from where its shard wrote it, or run that shard again")
    };
    let Some(body_len) = bytes.len().checked_sub(CHECKSUM_BYTES) else {
        return Err(damaged("too short to hold its checksum"));
    };
    let (body, sum) = bytes.split_at(body_len);
    if Sha256::digest(body).as_slice() != sum {
        return Err(damaged("its SHA-256 does not match its content"));
    }
    match postcard::take_from_bytes::<Part>(body) {
        Ok((part, [])) => Ok(part),
        Ok(_) => Err(damaged("bytes after its content")),
        Err(e) => Err(damaged(&e.to_string())),
    }
}

impl Merged {
    /// Merges every shard's aggregates into one per scenario of `scenarios` (loaded again from
    /// [`Merged::inputs`]), after checking they are the scenarios the shards ran.
    pub fn aggregators<'a>(
        self,
        scenarios: &'a [LoadedScenario],
        run: &str,
    ) -> Result<Vec<Aggregator<'a>>, Error> {
        self.aggregators_of(scenarios, run)
            .map_err(|m| Invalid::Usage(m).into())
    }

    fn aggregators_of<'a>(
        self,
        scenarios: &'a [LoadedScenario],
        run: &str,
    ) -> Result<Vec<Aggregator<'a>>, String> {
        if run != self.run {
            return Err(format!(
                "the scenario files have changed since the shards ran (run {} now, {} in the shards): run the shards again",
                short(run),
                short(&self.run)
            ));
        }
        let mut aggregators: Vec<Aggregator<'a>> = scenarios
            .iter()
            .map(|s| Aggregator::new(&s.model))
            .collect();
        for path in &self.paths {
            let at = |e: String| format!("{}: {e}", path.display());
            let part = read(path)?;
            if part.run != self.run {
                return Err(at("it has changed since it was first read".into()));
            }
            let states = part.scenarios;
            if states.len() != scenarios.len() {
                return Err(at(format!(
                    "{} scenarios where the run has {}",
                    states.len(),
                    scenarios.len()
                )));
            }
            for ((agg, s), (name, state)) in aggregators.iter_mut().zip(scenarios).zip(states) {
                if name != s.name {
                    return Err(at(format!(
                        "scenario `{name}` where the run has `{}`",
                        s.name
                    )));
                }
                let Some(state) = state else { continue };
                let part = Aggregator::from_state(&s.model, state)
                    .map_err(|e| at(format!("scenario `{name}`: {e}")))?;
                agg.merge(part).map_err(|r| {
                    at(format!(
                        "scenario `{name}`: replication {r} is also in another shard"
                    ))
                })?;
            }
        }
        for (agg, s) in aggregators.iter().zip(scenarios) {
            if agg.len() != s.runs() as usize {
                return Err(format!(
                    "scenario `{}`: the shards hold {} of its {} replications",
                    s.name,
                    agg.len(),
                    s.runs()
                ));
            }
        }
        Ok(aggregators)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn shards_from_the_command_line() {
        assert_eq!(
            Shard::parse("2/16", None).ok(),
            Some(Shard {
                index: 1,
                count: 16
            })
        );
        assert!(Shard::parse("0/4", None).is_err());
        assert!(Shard::parse("5/4", None).is_err());
        assert!(Shard::parse("1/4", Some(3)).is_err());
        assert_eq!(
            Shard {
                index: 1,
                count: 16
            }
            .to_string(),
            "2/16"
        );
        // The shards tile the jobs, in order, within one job of the same size.
        for (jobs, count) in [(20, 3), (2, 4), (0, 2), (7, 7)] {
            let ranges: Vec<_> = (0..count)
                .map(|index| Shard { index, count }.jobs(jobs))
                .collect();
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[count as usize - 1].end, jobs);
            for w in ranges.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert!(w[0].len().abs_diff(w[1].len()) <= 1);
            }
        }
    }

    #[test]
    fn shards_from_batch_schedulers() {
        let slurm = [
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "16"),
            ("SLURM_ARRAY_TASK_COUNT", "16"),
        ];
        assert_eq!(
            Shard::from_env(&env(&slurm), None),
            Ok(Shard {
                index: 4,
                count: 16
            })
        );
        assert!(Shard::from_env(&env(&slurm), Some(8)).is_err());
        let k8s = [("JOB_COMPLETION_INDEX", "0")];
        assert!(Shard::from_env(&env(&k8s), None).is_err());
        assert_eq!(
            Shard::from_env(&env(&k8s), Some(4)),
            Ok(Shard { index: 0, count: 4 })
        );
        let aws = [("AWS_BATCH_JOB_ARRAY_INDEX", "4")];
        assert!(Shard::from_env(&env(&aws), Some(4)).is_err());
        assert_eq!(
            Shard::from_env(&env(&aws), Some(5)),
            Ok(Shard { index: 4, count: 5 })
        );
        assert!(Shard::from_env(&env(&[]), Some(5)).is_err());
    }

    fn small_part() -> Part {
        let opts = LoadOptions {
            reps: Some(4),
            ..LoadOptions::default()
        };
        let files = [PathBuf::from("scenarios")];
        let checks = ["oap_placements<=12".to_string()];
        Part {
            format: FORMAT.into(),
            version: VERSION,
            run: "ab".repeat(32),
            shard: Shard { index: 1, count: 3 },
            inputs: Inputs::in_dir(&files, Path::new("/work"), &opts, None, &checks),
            seconds: 1.5,
            threads: 2,
            scenarios: vec![("baseline".into(), None)],
        }
    }

    #[test]
    fn every_single_bit_flip_is_refused() {
        let bytes = encode(&small_part()).unwrap();
        let part = decode(&bytes).unwrap();
        assert_eq!(part.inputs.files, [PathBuf::from("/work/scenarios")]);
        assert!(part.inputs.relative);
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(decode(&flipped).is_err(), "bit {bit} flipped was read");
        }
        assert!(decode(&bytes[..bytes.len() - 1])
            .unwrap_err()
            .contains("damaged"));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer).unwrap_err().contains("damaged"));
    }

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("p.part");
        std::fs::write(&file, [7u8; 100]).unwrap();
        assert_eq!(read_bounded(&file, 100).unwrap().len(), 100);
        assert!(read_bounded(&file, 99).unwrap_err().contains("more than"));
        assert!(read_bounded(dir.path(), 100)
            .unwrap_err()
            .starts_with("a directory"));
        if Path::new("/dev/zero").exists() {
            assert!(read_bounded(Path::new("/dev/zero"), 100)
                .unwrap_err()
                .starts_with("a device"));
        }
    }

    #[test]
    fn other_files_and_versions_are_refused() {
        assert!(decode(b"hello")
            .unwrap_err()
            .starts_with("not a carepath shard file"));
        let mut bytes = postcard::to_stdvec(&(FORMAT, VERSION + 1)).unwrap();
        bytes.extend([0; 8]);
        let newer = format!("format version {}", VERSION + 1);
        assert!(decode(&bytes).unwrap_err().contains(&newer));
    }
}
